"""Importing a centre's register: every row checked before anything is written, then the
good rows written in one transaction, idempotently.

`plan_import` reads the sheet, maps its columns (a saved or given mapping, else suggestions
from the header) and decides for each row what would happen: a new child, an update of the
child with the same register number, nothing (unchanged), a flag (no register number, but it
looks like a child already here by the duplicate rule: never merged), or a refusal with its
reasons (row, column, value, reason). `apply_import` writes it: all or nothing unless the
person chose to import only the good rows (the refused ones can be written to a file to fix).

Re-importing is safe: a row updates the child with its register number, and only where the
app's record is still the version the last import wrote; where someone changed it in the app
since, the app's value is kept and the difference is reported. Those versions and the mapping
are kept in the `setting` table (`register_import:…`; ids and versions only, no identity).
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..domain import lifecycle
from ..domain.fields import normalise
from ..domain.names import fold_name, similar_names
from ..domain.records import RECORD_TYPES, record_from_dict
from ..errors import PantiError, PermissionDenied, ValidationError
from ..i18n import _, ngettext
from ..store.hlc import version_string
from ..store.ids import record_id as new_record_id
from ..store.records import now_iso
from . import columns as C
from .sheets import Sheet, read_sheet

log = logging.getLogger(__name__)

MAPPING_KEY = "register_import:mapping"
_VERSION_PREFIX = "register_import:v:"


@dataclass
class Mapping:
    """Which column goes where (header text → target, "" to skip it) and what typed values
    mean (target → {value as typed → code})."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"columns": self.columns, "values": self.values}, ensure_ascii=False, indent=2)

    @classmethod
    def from_obj(cls, obj: Any) -> Mapping:
        if not isinstance(obj, dict):
            raise PantiError(_("A column mapping must be a JSON object with \"columns\" and \"values\"."))
        cols = obj.get("columns", {})
        vals = obj.get("values", {})
        if not isinstance(cols, dict) or not isinstance(vals, dict) or not all(
                isinstance(v, dict) for v in vals.values()):
            raise PantiError(_("A column mapping must be a JSON object with \"columns\" and \"values\"."))
        known = C.targets()
        bad = sorted(str(t) for t in cols.values() if t and t not in known)
        if bad:
            raise PantiError(_("Unknown field in the column mapping: {fields}").format(fields=", ".join(bad)))
        return cls({str(k): str(v or "") for k, v in cols.items()},
                   {str(t): {str(a): str(b) for a, b in m.items()} for t, m in vals.items()})

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            return cls.from_obj(json.loads(Path(path).read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise PantiError(_("The column mapping {name} is not valid JSON: {error}").format(
                name=Path(path).name, error=exc.msg)) from None


@dataclass
class Problem:
    line: int
    column: str
    value: str
    reason: str

    def text(self) -> str:
        where = _("row {line}").format(line=self.line)
        if self.column:
            where += ", " + _("column “{column}”").format(column=self.column)
        value = f" “{self.value}”" if self.value else ""
        return f"{where}{value}: {self.reason}"


@dataclass
class Difference:
    """A field the sheet would change but the app's value is kept (changed in the app since)."""

    kind: str
    field: str
    app: Any
    sheet: Any

    def text(self) -> str:
        label = RECORD_TYPES[self.kind].field_label(self.field)
        return _("{field}: the app has “{app}”, the sheet “{sheet}” (the app's value is kept)").format(
            field=label, app=self.app if self.app not in (None, "") else "-", sheet=self.sheet)


NEW, UPDATE, UNCHANGED, FLAGGED, REFUSED = "new", "update", "unchanged", "flagged", "refused"


@dataclass
class RowPlan:
    line: int
    cells: list[Any]
    register_no: str | None = None
    action: str = NEW
    data: dict[str, dict] = field(default_factory=dict)  # kind → the sheet's values
    notes: list[str] = field(default_factory=list)  # free text no code fitted, kept on the family record
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    child_id: str | None = None
    changes: dict[str, dict] = field(default_factory=dict)  # kind → fields to write (updates)
    record_ids: dict[str, str] = field(default_factory=dict)  # kind → existing record to update
    kept: list[Difference] = field(default_factory=list)
    similar_to: str | None = None  # a register number (or a row) this row resembles

    def action_label(self) -> str:
        return {NEW: _("new child"), UPDATE: _("update"), UNCHANGED: _("unchanged"),
                FLAGGED: _("possible duplicate"), REFUSED: _("refused")}[self.action]

    def summary(self) -> str:
        """One line for the preview: what happens, and why not."""
        if self.problems:
            return "; ".join(p.reason if not p.column else f"{p.column}: {p.reason}" for p in self.problems)
        if self.action == FLAGGED:
            return _("No register number, and it resembles {other} (same date of birth, similar name); "
                     "add its register number to import it.").format(other=self.similar_to)
        parts = [", ".join(sorted(f for k in self.changes.values() for f in k))] if self.action == UPDATE else []
        parts += [d.text() for d in self.kept]
        parts += [w.reason for w in self.warnings]
        return "; ".join(p for p in parts if p)


@dataclass
class ImportPlan:
    path: Path
    sheet: Sheet
    mapping: Mapping
    assigned: dict[int, str]  # column index → target
    rows: list[RowPlan]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def refused(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action == REFUSED]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    def summary(self) -> str:
        return _("{rows} rows: {new} new, {update} to update, {same} unchanged, {flagged} possible duplicates, "
                 "{refused} refused.").format(rows=len(self.rows), new=self.count(NEW), update=self.count(UPDATE),
                                              same=self.count(UNCHANGED), flagged=self.count(FLAGGED),
                                              refused=self.count(REFUSED))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0
    refused: int = 0
    kept: int = 0  # fields where the app's value was kept
    refused_file: Path | None = None

    def summary(self) -> str:
        text = _("Imported: {created} new children, {updated} updated, {unchanged} unchanged, {flagged} possible "
                 "duplicates not imported, {refused} rows refused.").format(
            created=self.created, updated=self.updated, unchanged=self.unchanged, flagged=self.flagged,
            refused=self.refused)
        if self.kept:
            text += " " + ngettext("{n} value changed in the app since the last import was kept.",
                                   "{n} values changed in the app since the last import were kept.",
                                   self.kept).format(n=self.kept)
        return text


# --- mapping ---------------------------------------------------------------------------


def saved_mapping(ws) -> Mapping | None:
    raw = ws.setting(MAPPING_KEY)
    if not raw:
        return None
    try:
        return Mapping.from_obj(json.loads(raw))
    except (PantiError, json.JSONDecodeError):
        log.warning("the saved register mapping is unreadable; suggestions are used")
        return None


def assign_columns(header: list[str], mapping: Mapping | None) -> dict[int, str]:
    """Column index → target: the mapping's choice for a header it names, else the suggestion."""
    suggested = C.suggest(header)
    chosen = {mapping.columns[name] for name in header if mapping is not None and name in mapping.columns}
    out: dict[int, str] = {}
    for i, name in enumerate(header):
        if mapping is not None and name in mapping.columns:
            if mapping.columns[name]:
                out[i] = mapping.columns[name]
        elif i in suggested and suggested[i] not in chosen:  # the person's choice for another column wins
            out[i] = suggested[i]
    # one column per target: the first wins, the others are skipped
    seen: set[str] = set()
    for i in sorted(out):
        if out[i] in seen:
            del out[i]
        else:
            seen.add(out[i])
    return out


def _open_sheet(path: Path, sheet: str | None) -> Sheet:
    return read_sheet(Path(path), sheet, header_score=C.header_score)


# --- reading one row ---------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Existing:
    id: str
    data: dict
    version: str


class _Context:
    """What the rows of one import share: users by name, register numbers already here."""

    def __init__(self, ws, mapping: Mapping, today: date):
        self.ws = ws
        self.mapping = mapping
        self.today = today
        self.users = {C.fold(u.name): u.id for u in ws.users() if u.removed_at is None}
        self.by_register = {r[1]: (r[0], version_string(r[2], r[3])) for r in ws.db.execute(
            "SELECT id, register_no, hlc, origin FROM child WHERE deleted = 0 AND register_no IS NOT NULL")}
        self.imported = {r[0][len(_VERSION_PREFIX):]: r[1] for r in ws.db.execute(
            "SELECT key, value FROM setting WHERE key LIKE ?", [_VERSION_PREFIX + "%"])}
        self._births: dict[str, list[tuple[str, str]]] | None = None
        self._rows: dict[str, dict[str, dict]] = {}  # kind → child id → its first live row

    def existing(self, kind: str, child_id: str) -> _Existing | None:
        """The child's record (kind "child") or its first family or legal track, opened; the
        rows of a kind are read in one query the first time a row needs them."""
        rows = self._rows.get(kind)
        if rows is None:
            rows = self._rows[kind] = {}
            for row in self.ws.records.rows(kind, order_by="created_at"):
                rows.setdefault(row["id"] if kind == "child" else row["child_id"], row)
        row = rows.get(child_id)
        if row is None:
            return None
        return _Existing(row["id"], self.ws.records.open_row(kind, row), version_string(row["hlc"], row["origin"]))

    def births(self) -> dict[str, list[tuple[str, str]]]:
        """Birth date → [(register number, full name)] of the children here (read once)."""
        if self._births is None:
            self._births = {}
            for row in self.ws.db.query("SELECT * FROM child WHERE deleted = 0"):
                data = self.ws.records.open_row("child", row)
                if data.get("birth_date"):
                    self._births.setdefault(data["birth_date"], []).append(
                        (data.get("register_no") or row["id"], data.get("full_name") or ""))
        return self._births


def _read_row(ctx: _Context, sheet: Sheet, assigned: dict[int, str], plan: RowPlan) -> None:
    """Fill plan.data from the cells, with a problem for each cell that cannot be read."""
    data: dict[str, dict] = {k: {} for k in C.KINDS}
    for i, target in assigned.items():
        value = plan.cells[i] if i < len(plan.cells) else None
        if _blank(value):
            continue
        column = sheet.header[i]
        shown = C.cell_text(value) or ""

        def problem(reason: str, column=column, shown=shown) -> None:
            plan.problems.append(Problem(plan.line, column, shown, reason))

        try:
            if target == "ttl":
                place, born = C.split_ttl(value, ctx.today)
                if place:
                    data["child"].setdefault("birth_place", place)
                if born:
                    data["child"]["birth_date"] = born
                continue
            if target == "note":
                plan.notes.append(f"{column}: {shown}")
                continue
            if target == "counsellor":
                user_id = ctx.users.get(C.fold(shown))
                if user_id is None:
                    plan.warnings.append(Problem(plan.line, column, shown, _(
                        "no user has this name; the counsellor is left empty and the name kept as a note")))
                    plan.notes.append(f"{column}: {shown}")
                else:
                    data["child"]["counsellor_id"] = user_id
                continue
            kind, name = target.split(".", 1)
            meta = C.target_meta(target)
            typ = meta.get("type")
            if typ == "date":
                data[kind][name] = C.parse_date_cell(value, ctx.today)
            elif typ == "code":
                vocab = meta["vocab"]
                code = C.match_code(vocab, value, ctx.mapping.values.get(target))
                if code is not None:
                    data[kind][name] = code
                elif target == "child.status":
                    problem(_("not a case status the app knows; map it to one ({allowed})").format(
                        allowed=", ".join(vocab.codes())))
                else:
                    label = RECORD_TYPES[kind].field_label(name)
                    plan.notes.append(f"{label}: {shown}")
                    plan.warnings.append(Problem(plan.line, column, shown, _(
                        "no code fits; the text is kept as a note on the family record")))
            elif typ == "codes":
                vocab = meta["vocab"]
                parts = [p for p in str(shown).replace(";", ",").split(",") if p.strip()]
                found = [C.match_code(vocab, p, ctx.mapping.values.get(target)) for p in parts]
                data[kind][name] = [c for c in found if c]
            elif typ in ("text", "ref"):
                data[kind][name] = C.cell_text(value)
            else:
                data[kind][name] = value
            if name in data[kind]:
                f = RECORD_TYPES[kind].__dataclass_fields__[name]
                data[kind][name] = normalise(f, data[kind][name])
        except C.CellError as exc:
            problem(str(exc))
        except ValidationError as exc:
            problem(_reason(exc))
    plan.data = {k: v for k, v in data.items() if v or k == "child"}
    plan.register_no = (plan.data["child"].get("register_no") or "").upper() or None
    if plan.register_no:
        plan.data["child"]["register_no"] = plan.register_no


def _reason(exc: ValidationError) -> str:
    """A field's message without the field's name in front (the column says which)."""
    text = str(exc)
    head, sep, rest = text.partition(": ")
    return rest if sep and exc.field and len(head) < 60 else text


def _column_of(assigned: dict[int, str], sheet: Sheet, kind: str, name: str) -> str:
    for i, target in assigned.items():
        if target == f"{kind}.{name}" or (target == "ttl" and kind == "child" and name in ("birth_date", "birth_place")):
            return sheet.header[i]
    return ""


def _check_record(ctx: _Context, sheet: Sheet, assigned: dict[int, str], plan: RowPlan, kind: str,
                  data: dict) -> dict | None:
    """The record validated as the app validates it, or None with the problem noted."""
    try:
        obj = record_from_dict(kind, data)
        obj.validate(ctx.today)
        return obj.to_dict()
    except ValidationError as exc:
        column = _column_of(assigned, sheet, kind, exc.field or "")
        value = data.get(exc.field or "") if exc.field else ""
        plan.problems.append(Problem(plan.line, column, "" if value is None else str(value), _reason(exc)
                                     if column else str(exc)))
        return None


# --- planning ----------------------------------------------------------------------------


def plan_import(ws, path: Path, sheet: str | None = None, mapping: Mapping | None = None,
                today: date | None = None) -> ImportPlan:
    """What importing the register would do, row by row; nothing is written."""
    if not ws.can_read("child"):
        raise PermissionDenied(_("Your role ({role}) cannot register children.").format(role=ws.role))
    today = today or date.today()
    sh = _open_sheet(path, sheet)
    mapping = mapping if mapping is not None else (saved_mapping(ws) or Mapping())
    assigned = assign_columns(sh.header, mapping)
    if not any(t in ("child.full_name", "ttl") or t == "child.register_no" for t in assigned.values()):
        raise PantiError(_("No column of the sheet {sheet} holds the children's names or register numbers; "
                           "map the columns first.").format(sheet=sh.name))
    ctx = _Context(ws, mapping, today)
    plan = ImportPlan(Path(path), sh, mapping, assigned, [])
    seen_register: dict[str, int] = {}
    seen_people: list[tuple[int, str, str]] = []  # rows of this sheet without a register number
    for index, cells in enumerate(sh.rows):
        if all(_blank(c) for c in cells):
            continue
        row = RowPlan(sh.line(index), cells)
        plan.rows.append(row)
        _read_row(ctx, sh, assigned, row)
        if row.register_no:
            if row.register_no in seen_register:
                row.problems.append(Problem(row.line, _column_of(assigned, sh, "child", "register_no"),
                                            row.register_no, _("the register number appears already in row "
                                                               "{line}").format(line=seen_register[row.register_no])))
            seen_register.setdefault(row.register_no, row.line)
        if row.problems:
            row.action = REFUSED
            continue
        _decide(ctx, sh, assigned, row, seen_people)
        if row.problems:
            row.action = REFUSED
    return plan


def _decide(ctx: _Context, sh: Sheet, assigned: dict[int, str], row: RowPlan,
            seen_people: list[tuple[int, str, str]]) -> None:
    child = row.data["child"]
    existing = ctx.by_register.get(row.register_no or "")
    if existing is None:
        data = {"status": "referral_received", **child}
        data.setdefault("register_no", "PENDING")  # numbered when written; the check needs a value
        clean = _check_record(ctx, sh, assigned, row, "child", data)
        if clean is None:
            return
        for kind in ("family", "legal_track"):
            extra = {"notes": "\n".join(row.notes)} if kind == "family" and row.notes else {}
            if kind in row.data or extra:
                _check_record(ctx, sh, assigned, row, kind, {"child_id": "new", **row.data.get(kind, {}), **extra})
        if row.problems:
            return
        if not row.register_no:
            born, name = clean.get("birth_date"), clean.get("full_name")
            for other_no, other_name in ctx.births().get(born or "", []):
                if similar_names(name, other_name):
                    row.action, row.similar_to = FLAGGED, other_no
                    return
            for line, other_born, other_name in seen_people:
                if born and born == other_born and similar_names(name, other_name):
                    row.action, row.similar_to = FLAGGED, _("row {line}").format(line=line)
                    return
            seen_people.append((row.line, born or "", fold_name(name)))
        row.action = NEW
        return
    # an existing child: only what differs, and only where the app's record is as last imported
    row.child_id = existing[0]
    current = ctx.existing("child", row.child_id)
    if current is None:
        raise PantiError(_("The record was not found."))
    records = {"child": current}
    for kind in ("family", "legal_track"):
        if kind in row.data or (kind == "family" and row.notes):
            found = ctx.existing(kind, row.child_id)
            if found is not None:
                records[kind] = found
    for kind, rec in records.items():
        sheet_values = dict(row.data.get(kind, {}))
        if kind == "family" and row.notes:
            note = "\n".join(row.notes)
            if note not in (rec.data.get("notes") or ""):
                sheet_values["notes"] = ((rec.data.get("notes") or "") + "\n" + note).strip()
        if not sheet_values:
            continue
        # compared after the app's own normalising (a NIK written with spaces is the same NIK)
        clean = _check_record(ctx, sh, assigned, row, kind, {**rec.data, **sheet_values})
        if clean is None:
            return
        differs = {f: clean.get(f) for f in sheet_values if clean.get(f) != rec.data.get(f)}
        if not differs:
            continue
        if ctx.imported.get(rec.id) == rec.version:
            row.changes[kind] = differs
            row.record_ids[kind] = rec.id
        else:
            row.kept += [Difference(kind, f, rec.data.get(f), v) for f, v in differs.items()]
    for kind in ("family", "legal_track"):
        if kind not in records and (kind in row.data or (kind == "family" and row.notes)):
            values = dict(row.data.get(kind, {}))
            if kind == "family" and row.notes:
                values["notes"] = "\n".join(row.notes)
            if _check_record(ctx, sh, assigned, row, kind, {**values, "child_id": row.child_id}) is None:
                return
            row.changes[kind] = values  # a new record for this child
    new_status = row.changes.get("child", {}).get("status")
    if new_status:
        try:
            lifecycle.check_transition(current.data.get("status"), new_status)
        except ValidationError as exc:
            row.problems.append(Problem(row.line, _column_of(assigned, sh, "child", "status"), new_status, str(exc)))
            return
    row.action = UPDATE if row.changes else UNCHANGED


# --- writing -----------------------------------------------------------------------------


def apply_import(ws, plan: ImportPlan, good_rows_only: bool = False, refused_out: Path | None = None,
                 progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Write the plan. With any row refused nothing is written, unless `good_rows_only`: then the
    rows without problems are written and the refused ones go to `refused_out` (to fix)."""
    result = ImportResult(unchanged=plan.count(UNCHANGED), flagged=plan.count(FLAGGED),
                          refused=plan.count(REFUSED), kept=sum(len(r.kept) for r in plan.rows))
    if plan.refused and not good_rows_only:
        raise PantiError(ngettext(
            "{n} row of the register has problems; nothing was imported. Fix it, or import only the good rows.",
            "{n} rows of the register have problems; nothing was imported. Fix them, or import only the good rows.",
            len(plan.refused)).format(n=len(plan.refused)))
    if refused_out is not None and (plan.refused or plan.count(FLAGGED)):
        result.refused_file = write_refused(plan, Path(refused_out))
    todo = [r for r in plan.rows if r.action in (NEW, UPDATE)]
    user = ws.user.id
    versions: dict[str, str] = {}
    with ws.db.atomic():
        new_rows = [r for r in todo if r.action == NEW]
        numbers = _register_numbers(ws, sum(1 for r in new_rows if not r.register_no),
                                    {r.register_no for r in plan.rows if r.register_no})
        batches: dict[str, list[dict]] = {"child": [], "family": [], "legal_track": []}
        for r in new_rows:
            child_id = new_record_id("child")
            data = {"status": "referral_received", **r.data["child"]}
            data["register_no"] = r.register_no or next(numbers)
            batches["child"].append({**ws.validated("child", data), "id": child_id})
            r.child_id = child_id
            for kind in ("family", "legal_track"):
                values = dict(r.data.get(kind, {}))
                if kind == "family" and r.notes:
                    values["notes"] = "\n".join(r.notes)
                if values:
                    batches[kind].append({**ws.validated(kind, {**values, "child_id": child_id}),
                                          "id": new_record_id(kind)})
        for kind, items in batches.items():
            if items:
                ws.records.insert_many(kind, items, user)
                ids = [d["id"] for d in items]
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    for rid, hlc, origin in ws.db.execute(
                            f"SELECT id, hlc, origin FROM {kind} WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                        versions[rid] = version_string(hlc, origin)
        result.created = len(new_rows)
        for n, r in enumerate(r for r in todo if r.action == UPDATE):
            for kind, changes in r.changes.items():
                if kind in r.record_ids:
                    current = ws.records.get(kind, r.record_ids[kind])
                    clean = ws.validated(kind, {**current.data, **changes})
                    rec = ws.records.update(kind, current.id, clean, user)
                    ws.audit_event("update", kind, rec.id, r.child_id, detail="register import: " + ",".join(sorted(changes)))
                else:
                    clean = ws.validated(kind, {**changes, "child_id": r.child_id})
                    rec = ws.records.insert(kind, clean, user)
                    ws.audit_event("create", kind, rec.id, r.child_id, detail="register import")
                versions[rec.id] = rec.version
            result.updated += 1
            if progress:
                progress(n + 1, len(todo))
        if versions:
            at = now_iso()
            ws.db.table("setting").upsert_all(
                [{"key": _VERSION_PREFIX + rid, "value": v, "updated_at": at, "updated_by": user}
                 for rid, v in versions.items()], pk="key")
        ws.db.table("setting").upsert({"key": MAPPING_KEY, "value": mapping_for(plan).to_json(),
                                       "updated_at": now_iso(), "updated_by": user}, pk="key")
        ws.audit_event("import_register", detail=f"{plan.path.name}: {result.created} new, {result.updated} updated, "
                                                 f"{result.unchanged} unchanged, {result.flagged} flagged, "
                                                 f"{result.refused} refused")
    ws.forget_children()
    ws.notify_changed("import", "child", "")
    return result


def mapping_for(plan: ImportPlan) -> Mapping:
    """The mapping as used: every column of the sheet named (skipped ones as "")."""
    cols = {name: plan.assigned.get(i, "") for i, name in enumerate(plan.sheet.header) if name}
    return Mapping(cols, dict(plan.mapping.values))


def _register_numbers(ws, n: int, taken: set[str]):
    """The next free register numbers of the year, as the app numbers a child it registers,
    passing over those the sheet itself gives other rows."""
    if n == 0:
        return iter(())
    prefix, _sep, number = ws.next_register_no().rpartition("-")
    start = int(number)

    def numbers():
        i = start
        while True:
            candidate = f"{prefix}-{i:04d}"
            if candidate not in taken:
                yield candidate
            i += 1

    return numbers()


def write_refused(plan: ImportPlan, out: Path) -> Path:
    """The refused and flagged rows as they were, with a column saying why: a CSV to fix and import."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow([_("Row"), _("Problem"), *plan.sheet.header])
        for r in plan.rows:
            if r.action in (REFUSED, FLAGGED):
                w.writerow([r.line, r.summary(), *[C.cell_text(c) or "" for c in r.cells]])
    return out
