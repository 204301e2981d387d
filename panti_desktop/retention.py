"""Keeping records only as long as allowed (UU PDP): retention periods, legal holds, erasure.

A case's retention runs from its end: the latest termination date or, for a case
closed, archived, referred out or dropped without a termination record, the day
its status last changed. Each record kind has a period in years (the centre
sets them; defaults below). A record another kept record refers to is kept as
long as that one (a plan as long as its goals, a family as long as its
caregivers), and the child's identity and the termination that dates the end of
the case go only with the whole case. A case is due for review as soon as one
kind it holds is past its period. A manager can hold a case (reason, until) or
approve its erasure:

- when only some kinds are past their period, the records of those kinds are
  deleted like any other record (a tombstone that keeps ids and dates and
  travels in sync bundles, so peers drop the payloads too), their kept sync
  conflicts with them; the rest of the case stays until its own period ends;
- when every kind is past its period, every record of the child is deleted and
  an erasure tombstone (the child's random id, when, by whom) that identifies no
  one is kept and travels in sync bundles.

Either way the database file is rewritten so no copy of a payload remains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .errors import PantiError, PermissionDenied, ValidationError
from .i18n import _
from .store import cases
from .store.attachments import AttachmentStore
from .store.kinds import KINDS, kind
from .store.records import vv_of, vv_text
from .vault import authority

# Years after the end of a case (in `store.cases`: an arriving erasure is checked against them too).
DEFAULT_YEARS: dict[str, int] = cases.DEFAULT_RETENTION_YEARS
ROLES_THAT_DECIDE = ("manager", "admin")
# A record is kept as long as the records that refer to it: a plan as long as its versions, goals and
# interventions, a goal as long as the sessions that rated it, a family as long as its caregivers.
REFERRED_BY: dict[str, tuple[str, ...]] = {
    "family": ("caregiver",),
    "plan": ("plan_version", "overarching_goal", "fit_driver", "intermediate_goal", "intervention"),
    "overarching_goal": ("intermediate_goal",),
    "fit_driver": ("intermediate_goal",),
    "intermediate_goal": ("intervention", "session"),
    "diversion": ("diversion_item", "diversion_supervision"),
}
# Erased only with the whole case: the child's identity, and the termination that dates the end of the case.
WHOLE_CASE_ONLY = ("child", "termination")


@dataclass
class ReviewItem:
    child_id: str
    register_no: str
    status: str
    ended_on: str
    due_on: str  # the whole case
    past_due: bool  # the whole case: it can be erased
    hold_until: str | None
    hold_reason: str | None
    kinds_due: list[str] = field(default_factory=list)  # kinds holding live records past their period
    partial: bool = False  # some kinds are due, not the whole case
    due_by_kind: dict[str, str] = field(default_factory=dict)  # every kind holding live records: its last day

    @property
    def due(self) -> bool:
        """Something of the case can be erased now."""
        return bool(self.kinds_due)


@dataclass
class Erased:
    """What `erase` deleted."""

    register_no: str
    whole: bool  # the whole case, with its erasure tombstone
    kinds: list[str]  # the record kinds whose records were deleted
    records: int
    due_on: str  # the whole case's retention (for a partial erasure: when the rest is due)


def kind_label(kind: str) -> str:
    """A record kind's name in the current language ("child" is the child's identity)."""
    from .domain.records import RECORD_TYPES

    if kind == "child":
        return _("Identity")
    return RECORD_TYPES[kind].TITLE.text() if kind in RECORD_TYPES else kind


def kept_text(item: ReviewItem, date_text: Callable[[str], str] = str) -> str:
    """The kinds of a partly due case that are kept, grouped by the day their retention runs out."""
    by_day: dict[str, list[str]] = {}
    for k, day in item.due_by_kind.items():
        if k not in item.kinds_due:
            by_day.setdefault(day, []).append(kind_label(k))
    return "; ".join(_("{kinds} until {date}").format(kinds=", ".join(names), date=date_text(day))
                     for day, names in sorted(by_day.items()))


def years_for(ws, kind: str) -> int:
    key = f"retention_years:{kind}"
    value = ws.setting(key)
    default = DEFAULT_YEARS.get(kind, 5)
    try:
        years = max(1, min(100, int(value))) if value else default
    except ValueError:
        return default
    rows = list(ws.db.query("SELECT * FROM setting WHERE key = ?", [key]))
    if rows and authority.is_authentic(ws.db, ws.ring, "setting", rows[0]) is False:
        return max(years, default)  # a rule changed in the file never shortens what is kept
    return years


def set_years(ws, kind: str, years: int) -> None:
    if kind not in DEFAULT_YEARS:
        raise ValidationError(_("Unknown record type: {kind}").format(kind=kind), field="kind")
    if not 1 <= int(years) <= 100:
        raise ValidationError(_("A retention period must be between 1 and 100 years."), field="years")
    key = f"retention_years:{kind}"
    with ws.db.atomic(), authority.changing(ws.db, ws.ring, rewrites=(("setting", (key,)),)):
        ws.set_setting(key, str(int(years)))


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def active_hold(ws, child_id: str, today: date | None = None):
    """The hold in force on the case, or None. A hold whose row fails its authentication (changed or
    put back in the file) is in force whatever it says."""
    today = today or date.today()
    doubt = authority.holds_in_doubt(ws.db, ws.ring, child_id)
    for rec in ws.records.for_child("legal_hold", child_id, "created_at"):
        if doubt and authority.is_authentic(ws.db, ws.ring, "legal_hold", ws.records.row(
                kind("legal_hold"), rec.id)) is False:
            return rec
        if not rec.data.get("lifted_on") and rec.data.get("until") and rec.data["until"] >= today.isoformat():
            return rec
    return None


def _held_kinds(ws, child_id: str) -> list[str]:
    """The record kinds of which the child has live records (always the child itself), in store order."""
    return [name for name, k in KINDS.items() if name == "child" or (k.per_child and ws.db.execute(
        f"SELECT 1 FROM {name} WHERE child_id = ? AND deleted = 0 LIMIT 1", [child_id]).fetchone())]


def periods(ws, kinds: list[str]) -> dict[str, int]:
    """Years each of a case's `kinds` is kept: its own period, longer where a kept record needs it."""
    own = {k: years_for(ws, k) for k in kinds}

    def years(k: str) -> int:
        return max([own[k]] + [years(r) for r in REFERRED_BY.get(k, ()) if r in own])

    out = {k: years(k) for k in kinds}
    longest = max(out.values())
    for k in WHOLE_CASE_ONLY:
        if k in out:
            out[k] = longest
    return out


def review(ws, today: date | None = None, only_due: bool = False) -> list[ReviewItem]:
    """Ended cases with the day their retention runs out, per kind and whole; due ones first."""
    today = today or date.today()
    out = []
    for child_id, register_no, status in ws.db.execute(
            "SELECT id, register_no, status FROM child WHERE deleted = 0 ORDER BY register_no").fetchall():
        end = cases.ended_on(ws.db, child_id)
        if end is None:
            continue
        by_kind = {k: _add_years(end, y).isoformat() for k, y in periods(ws, _held_kinds(ws, child_id)).items()}
        due = max(by_kind.values())
        kinds_due = [k for k, d in by_kind.items() if d <= today.isoformat()]
        hold = active_hold(ws, child_id, today)
        item = ReviewItem(child_id, register_no, status, end.isoformat(), due, due <= today.isoformat(),
                          hold.data["until"] if hold else None, hold.data["reason"] if hold else None,
                          kinds_due=kinds_due, partial=bool(kinds_due) and due > today.isoformat(),
                          due_by_kind=by_kind)
        if item.due or not only_due:
            out.append(item)
    out.sort(key=lambda i: (not i.past_due, not i.due, i.due_on))
    return out


def _require_decider(ws) -> None:
    if ws.role not in ROLES_THAT_DECIDE:
        raise PermissionDenied(_("Only a manager or an administrator can decide on retention."))


def place_hold(ws, ref: str, reason: str, until: str):
    _require_decider(ws)
    child_id = ws.resolve_child(ref)
    with ws.db.atomic(), authority.changing(ws.db, ws.ring):  # the hold is authenticated under ADMIN
        return ws.add_record("legal_hold", {"child_id": child_id, "reason": reason, "until": until,
                                            "placed_by": ws.user.id, "placed_on": date.today().isoformat()})


def lift_hold(ws, hold_id: str):
    _require_decider(ws)
    with ws.db.atomic(), authority.changing(ws.db, ws.ring, rewrites=(("legal_hold", (hold_id,)),)):
        return ws.update_record("legal_hold", hold_id, {"lifted_on": date.today().isoformat()})


def erase(ws, ref: str, reason: str = "", today: date | None = None, compact: bool = True) -> Erased:
    """Erase what of an ended case is past its retention: the whole case, or the record kinds that are due.

    A legal hold blocks both. The whole case leaves an erasure tombstone; a partial erasure deletes the
    records of the kinds that are due (their deletions travel in sync bundles like any other).
    """
    _require_decider(ws)
    if authority.failures(ws.db, ws.ring, ("setting",)) or any(
            t == "setting" for t, _pk in authority.missing(ws.db, ws.ring)):
        raise PantiError(_("Nothing was erased: a retention rule was changed or deleted outside the app. An "
                           "administrator must check the centre (verify) and set the rules again."))
    if any(t == "legal_hold" for t, _pk in authority.missing(ws.db, ws.ring)):
        raise PantiError(_("Nothing was erased: a legal hold was deleted from the file outside the app. An "
                           "administrator must check the centre (verify) and place the hold again."))
    today = today or date.today()
    child_id = ws.resolve_child(ref)
    register_no = ws.db.execute("SELECT register_no FROM child WHERE id = ?", [child_id]).fetchone()[0]
    if authority.holds_in_doubt(ws.db, ws.ring, child_id):  # whatever its row says (or whether it says it)
        raise PantiError(_("A legal hold here was changed or deleted in the file outside the app; the case is kept "
                           "until an administrator checks the centre."))
    hold = active_hold(ws, child_id, today)
    if hold is not None:
        raise PantiError(_("Case {no} is under a legal hold until {until}; it cannot be erased.").format(
            no=register_no, until=hold.data["until"]))
    item = next((i for i in review(ws, today) if i.child_id == child_id), None)
    if item is None:
        raise PantiError(_("Case {no} is still open; only an ended case can be erased.").format(no=register_no))
    if not item.due:
        first = min(item.due_by_kind.values())
        if _erased_before(ws, child_id, date.fromisoformat(item.ended_on), today):
            raise PantiError(_("The records of case {no} that were past their retention period have "
                               "already been erased; nothing else can be erased before {next}.").format(
                no=register_no, next=first))
        if first < item.due_on:
            raise PantiError(_("Nothing of case {no} is past its retention period yet: the first records are due "
                               "on {next}, the whole case on {due}.").format(no=register_no, next=first,
                                                                            due=item.due_on))
        raise PantiError(_("The retention of case {no} runs until {due}; it cannot be erased before.").format(
            no=register_no, due=item.due_on))
    if item.partial:
        n = _erase_kinds(ws, child_id, register_no, item.kinds_due, reason)
        if compact:
            cases.compact(ws.db)
        return Erased(register_no, False, item.kinds_due, n, item.due_on)
    n = sum(ws.db.execute(f"SELECT COUNT(*) FROM {k} WHERE child_id = ? AND deleted = 0", [child_id]).fetchone()[0]
            for k in item.kinds_due if k != "child") + 1
    with ws.db.atomic(), authority.changing(ws.db, ws.ring):  # the holds' authenticated list follows
        cases.erase_child_rows(ws.db, child_id)
        erased_at = datetime.now(UTC).isoformat(timespec="microseconds")  # ordered against backups
        hlc = ws.records.clock.tick()
        # the tombstone travels in sync bundles, so that peers erase the case too
        ws.db.table("erasure").insert({"child_id": child_id, "centre_id": ws.centre_id, "erased_at": erased_at,
                                       "erased_by": ws.user.id, "hlc": hlc, "origin": ws.device_id, "seq": hlc})
        ws.audit_event("erase", "child", child_id, child_id, detail=f"{register_no}: {reason}".strip(": "))
    ws.forget_children(child_id)
    if compact:
        cases.compact(ws.db)
    return Erased(register_no, True, item.kinds_due, n, item.due_on)


def _erased_before(ws, child_id: str, end: date, today: date) -> bool:
    """Whether the case has deleted records of a kind past its own period (a partial erasure was done)."""
    return any(_add_years(end, years_for(ws, name)) <= today and ws.db.execute(
        f"SELECT 1 FROM {name} WHERE child_id = ? AND deleted = 1 LIMIT 1", [child_id]).fetchone()
        for name, k in KINDS.items() if k.per_child and name not in WHOLE_CASE_ONLY)


def _erase_kinds(ws, child_id: str, register_no: str, kinds: list[str], reason: str) -> int:
    """Delete the child's records of `kinds` and their kept conflicts; the number of records deleted."""
    deleted: list[tuple[str, str]] = []
    with ws.db.atomic(), authority.changing(ws.db, ws.ring):
        for name in kinds:
            for row in list(ws.db.query(f"SELECT id, hlc, origin, vv FROM {name} WHERE child_id = ? AND deleted = 0",
                                        [child_id])):
                # The deletion's history includes every kept conflict of the record, so that at every
                # site it replaces them instead of losing to a concurrent version that still holds data.
                vv = vv_of(row)
                for c in ws.db.query("SELECT hlc, origin, vv FROM conflict WHERE kind = ? AND record_id = ?",
                                     [name, row["id"]]):
                    for device, clock in vv_of(c).items():
                        vv[device] = max(clock, vv.get(device, -1))
                if vv != vv_of(row):
                    ws.db.execute(f"UPDATE {name} SET vv = ? WHERE id = ?",
                                  [vv_text(vv, row["origin"], row["hlc"]), row["id"]])
                ws.records.delete(name, row["id"], ws.user.id)
                deleted.append((name, row["id"]))
            # the documents filed with those records (tombstones: they travel like the records' deletions)
            AttachmentStore(ws.db, ws.ring, ws.centre_id, ws.device_id, ws.records.clock).delete_for_kind(
                child_id, name)
            # kept conflicts hold older payloads of these records
            ws.db.execute(f"DELETE FROM conflict WHERE kind = ? AND (child_id = ? OR record_id IN "
                          f"(SELECT id FROM {name} WHERE child_id = ?))", [name, child_id, child_id])
        # backups made before now hold what was erased: the review names them, rotation deletes them first
        ws.set_setting(cases.PARTIAL_ERASURE_SETTING, datetime.now(UTC).isoformat(timespec="microseconds"),
                       admin_only=False)
        ws.audit_event("erase", "child", child_id, child_id,
                  detail=f"{register_no} ({', '.join(kinds)}): {reason}".strip(": "))
    for name, record_id in deleted:
        ws.notify_changed("delete", name, record_id)
    return len(deleted)


def erasures(ws) -> list[dict]:
    return [dict(zip(("child_id", "erased_at", "erased_by"), r, strict=True)) for r in ws.db.execute(
        "SELECT child_id, erased_at, erased_by FROM erasure ORDER BY erased_at")]


def backups_holding(ws, erased_at: str) -> str:
    """What the review says about backups made before an erasure."""
    last = ws.last_verified_backup()
    if last and last < erased_at:
        return _("Backups made before {date} still hold this case; they are deleted as backups rotate.").format(
            date=erased_at[:10])
    return ""


__all__ = ["DEFAULT_YEARS", "Erased", "ReviewItem", "erase", "kept_text", "kind_label", "lift_hold",
           "place_hold", "review"]
