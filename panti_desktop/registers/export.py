"""Spreadsheets for the ministry and the local social office: the caseload, the sessions of a
period and the centre statistics, as real .xlsx files (typed date and number cells, a frozen
header row, column widths, Indonesian headers).

The caseload is de-identified (register number and initials) unless the person asks for full
identity, which needs the CASE key and is audited. A counsellor exports their own caseload
only. The statistics carry the same disclosure control as the printed report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..dates import long_date
from ..domain.records import RECORD_TYPES, Child
from ..domain.vocab import LIFECYCLE_STATES
from ..errors import PantiError, PermissionDenied
from ..i18n import _
from ..statistics import compute

WHAT = ("caseload", "sessions", "statistics")
LANG = "id"  # the offices read Indonesian

_IDENTITY = ("full_name", "nik", "birth_place", "birth_date", "address", "father_name", "mother_name",
             "guardian_name", "guardian_contact")
_PROFILE = ("sex", "education", "school_status", "religion", "living_arrangement")


@dataclass
class Column:
    header: str
    kind: str = "text"  # text, date, int, percent
    width: int = 14


@dataclass
class SheetData:
    name: str
    columns: list[Column]
    rows: list[list[Any]]
    title: str = ""
    notes: tuple[str, ...] = ()


def _label(field: str, kind: str = "child") -> str:
    return RECORD_TYPES[kind].field_label(field, LANG)


def _code_label(kind: str, field: str, code: Any) -> str:
    if code in (None, ""):
        return ""
    meta = RECORD_TYPES[kind].field_meta(field)
    vocab = meta.get("vocab")
    if vocab is None:
        return str(code)
    if isinstance(code, list):
        return ", ".join(vocab.label(c, LANG) for c in code)
    return vocab.label(code, LANG)


def _in_scope(ws) -> list[str]:
    """The children this person may export: a counsellor's own caseload, else every child."""
    if ws.role == "counsellor":
        return ws.child_ids(counsellor_id=ws.user.id)
    return ws.child_ids()


def caseload(ws, full_identity: bool = False, today: date | None = None) -> SheetData:
    if not ws.can_read("child"):
        raise PermissionDenied(_("Your role ({role}) cannot read the caseload.").format(role=ws.role))
    today = today or date.today()
    cols = [Column(_label("register_no"), width=18)]
    if full_identity:
        cols += [Column(_label(f), "date" if f == "birth_date" else "text", 24 if f != "birth_date" else 14)
                 for f in _IDENTITY]
    else:
        cols += [Column("Inisial", width=10)]
    cols += [Column("Umur", "int", 7)] + [Column(_label(f), width=18) for f in _PROFILE]
    cols += [Column(_label("status"), width=22), Column(_label("intake_date"), "date", 14),
             Column(_label("counsellor_id"), width=16), Column("Sesi terakhir", "date", 14),
             Column("Tinjauan rencana berikutnya", "date", 16)]
    rows = []
    for child_id in _in_scope(ws):
        r = ws.child_row(child_id, today)
        data = ws.child_data(child_id)
        line: list[Any] = [r.register_no]
        line += [data.get(f) for f in _IDENTITY] if full_identity else [r.initials]
        line += [r.age] + [_code_label("child", f, data.get(f)) for f in _PROFILE]
        line += [LIFECYCLE_STATES.label(r.status, LANG), r.intake_date, ws.user_name(r.counsellor_id),
                 r.last_session, r.next_review]
        rows.append(line)
    title = "Daftar anak (identitas lengkap)" if full_identity else "Daftar anak (tanpa identitas)"
    return SheetData("Daftar anak", cols, rows, title)


def sessions(ws, start: date, end: date) -> SheetData:
    if not ws.can_read("session"):
        raise PermissionDenied(_("Your role ({role}) does not allow access to clinical records.").format(role=ws.role))
    allowed = set(_in_scope(ws))
    cols = [Column(_label("register_no"), width=18), Column("Inisial", width=10),
            Column(_label("session_date", "session"), "date", 14),
            Column(_label("duration_minutes", "session"), "int", 12), Column(_label("setting", "session"), width=18),
            Column(_label("participants", "session"), width=30), Column(_label("systems", "session"), width=26),
            Column(_label("interventions", "session"), width=30), Column(_label("status", "session"), width=12),
            Column(_label("author_id", "session"), width=14)]
    rows = []
    for row in ws.db.query("SELECT * FROM session WHERE deleted = 0 AND session_date BETWEEN ? AND ? "
                           "ORDER BY session_date, created_at", [start.isoformat(), end.isoformat()]):
        if row["child_id"] not in allowed:
            continue
        data = ws.records.open_row("session", row)
        child = ws.child_data(row["child_id"])
        rows.append([child.get("register_no"), Child.from_dict(child).initials(), data.get("session_date"),
                     data.get("duration_minutes"), _code_label("session", "setting", data.get("setting")),
                     _code_label("session", "participants", data.get("participants")),
                     _code_label("session", "systems", data.get("systems")),
                     _code_label("session", "interventions", data.get("interventions")),
                     _code_label("session", "status", data.get("status")), ws.user_name(data.get("author_id"))])
    return SheetData("Sesi", cols, rows, f"Sesi {long_date(start, LANG)} – {long_date(end, LANG)}")


def statistics(ws, start: date, end: date) -> SheetData:
    """Every statistics table under the next, as the report prints them: the same whole-month
    period and the same disclosure control (a hidden count is the text "x" with no percentage;
    a table that cannot be protected is named with the reason, not printed)."""
    stats = compute(ws, start, end)
    cols = [Column("Uraian", width=48), Column("Jumlah", "int", 10), Column("%", "percent", 8)]
    rows: list[list[Any]] = [["Anak yang dilayani dalam periode", stats.children, None], [None, None, None]]
    for t in stats.tables:
        rows.append([t.title, t.unit, None])
        if t.withheld:
            rows.extend([[t.withheld, None, None], [None, None, None]])
            continue
        base = t.recorded_base or 0
        for r in t.rows:
            shown = t.percent(r)
            pct = r.count / base if base and not r.hidden and shown.endswith("%") else None
            rows.append([r.label, "x" if r.hidden else r.count, pct])
        rows.append([_("Total ({unit})").format(unit=t.unit), t.denominator, None])
        if t.note:
            rows.append([t.note, None, None])
        rows.append([None, None, None])
    for title in stats.unavailable:
        rows.append([title, _("not available to your role"), None])
    notes = (_("Counts that could identify a child are shown as “x” (every count of 1 or 2, and as many "
               "others as it takes that none can be worked out from the rest); this sheet holds no names."),)
    return SheetData("Statistik", cols, rows,
                     f"Statistik lembaga {long_date(stats.start, LANG)} – {long_date(stats.end, LANG)}", notes)


def write_xlsx(sheets: list[SheetData], out: Path, centre: str = "") -> Path:
    import xlsxwriter

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = wb.add_format({"bold": True, "bg_color": "#DCE6F0", "border": 1, "text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 13})
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    pct = wb.add_format({"num_format": "0%"})
    try:
        for s in sheets:
            ws = wb.add_worksheet(s.name[:31])
            ws.write(0, 0, s.title or s.name, title)
            if centre:
                ws.write(1, 0, centre)
            top = 3
            for c, col in enumerate(s.columns):
                ws.write(top, c, col.header, bold)
                ws.set_column(c, c, col.width)
            for r, values in enumerate(s.rows, start=top + 1):
                for c, (col, value) in enumerate(zip(s.columns, values, strict=False)):
                    if value is None or value == "":
                        continue
                    if col.kind == "date" and isinstance(value, str):
                        try:
                            ws.write_datetime(r, c, date.fromisoformat(value[:10]), day)
                            continue
                        except ValueError:
                            pass
                    if col.kind == "percent" and isinstance(value, int | float):
                        ws.write_number(r, c, value, pct)
                    elif isinstance(value, bool):
                        ws.write_boolean(r, c, value)
                    elif isinstance(value, int | float):
                        ws.write_number(r, c, value)
                    else:
                        ws.write_string(r, c, str(value))
            end = top + len(s.rows) + 2
            for i, note in enumerate(s.notes):
                ws.write(end + i, 0, note)
            ws.freeze_panes(top + 1, 0)
            if s.rows:
                ws.autofilter(top, 0, top + len(s.rows), len(s.columns) - 1)
        wb.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def export_sheet(ws, what: str, out: Path, start: date | None = None, end: date | None = None,
                 full_identity: bool = False) -> tuple[Path, int]:
    """Write one of WHAT to `out`; returns the file and how many rows it holds. Audited."""
    if what not in WHAT:
        raise PantiError(_("Unknown sheet {what}: choose caseload, sessions or statistics.").format(what=what))
    end = end or date.today()
    start = start or end - timedelta(days=90)
    if start > end:
        raise PantiError(_("The period starts after it ends."))
    if what == "caseload":
        data = caseload(ws, full_identity)
    elif what == "sessions":
        data = sessions(ws, start, end)
    else:
        data = statistics(ws, start, end)
    path = write_xlsx([data], out, f"{ws.centre_name} ({ws.centre_code})")
    detail = f"{what} {Path(out).name}"
    if what != "caseload":
        detail += f" {start}..{end}"
    elif full_identity:
        detail += " full identity"
    ws.audit_event("export_sheet", detail=detail)
    return path, len(data.rows)
