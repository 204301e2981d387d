"""Keeping records only as long as allowed (UU PDP): retention periods, legal holds, erasure.

A case's retention runs from its end: the latest termination date or, for a case
closed, archived, referred out or dropped without a termination record, the day
its status last changed. Each record kind has a period in years (the centre
sets them; defaults below); a case is due for review when the longest period of
the kinds it holds has passed. A manager can hold a case (reason, until) or
approve its erasure. Erasure deletes every record of the child and rewrites the
database file so no copy of a payload remains; it leaves an erasure tombstone
(the child's random id, when, by whom) that identifies no one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from .errors import PantiError, PermissionDenied, ValidationError
from .i18n import _
from .store.kinds import KINDS

# Years after the end of a case. Legal and outcome records are kept longer: a court
# or the Bapas may ask for them after the child's programme ended.
DEFAULT_YEARS: dict[str, int] = {name: 5 for name, k in KINDS.items() if k.per_child}
DEFAULT_YEARS.update({"child": 5, "legal_track": 10, "termination": 10, "follow_up": 10, "consent": 10,
                      "legal_hold": 10})
ENDED_STATES = ("closed", "archived", "referred_out", "dropped_out")
ROLES_THAT_DECIDE = ("manager", "admin")


@dataclass
class ReviewItem:
    child_id: str
    register_no: str
    status: str
    ended_on: str
    due_on: str
    past_due: bool
    hold_until: str | None
    hold_reason: str | None


def years_for(ws, kind: str) -> int:
    value = ws.setting(f"retention_years:{kind}")
    try:
        return max(1, min(100, int(value))) if value else DEFAULT_YEARS.get(kind, 5)
    except ValueError:
        return DEFAULT_YEARS.get(kind, 5)


def set_years(ws, kind: str, years: int) -> None:
    if kind not in DEFAULT_YEARS:
        raise ValidationError(_("Unknown record type: {kind}").format(kind=kind), field="kind")
    if not 1 <= int(years) <= 100:
        raise ValidationError(_("A retention period must be between 1 and 100 years."), field="years")
    ws.set_setting(f"retention_years:{kind}", str(int(years)))


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def ended_on(ws, child_id: str) -> date | None:
    """When the case ended, from plaintext columns only; None while it is open."""
    row = ws.db.execute("SELECT status, updated_at FROM child WHERE id = ? AND deleted = 0", [child_id]).fetchone()
    if row is None:
        return None
    terminated = ws.db.execute(
        "SELECT MAX(terminated_on) FROM termination WHERE child_id = ? AND deleted = 0", [child_id]).fetchone()[0]
    status = row[0]
    if status in ENDED_STATES or status == "aftercare":
        if terminated:
            return date.fromisoformat(terminated)
        if status in ENDED_STATES:
            return date.fromisoformat(row[1][:10])
    return None


def active_hold(ws, child_id: str, today: date | None = None):
    today = today or date.today()
    for rec in ws.records.for_child("legal_hold", child_id, "created_at"):
        if not rec.data.get("lifted_on") and rec.data.get("until") and rec.data["until"] >= today.isoformat():
            return rec
    return None


def review(ws, today: date | None = None, only_due: bool = False) -> list[ReviewItem]:
    """Ended cases with the day their retention runs out; past-due ones first."""
    today = today or date.today()
    out = []
    for child_id, register_no, status in ws.db.execute(
            "SELECT id, register_no, status FROM child WHERE deleted = 0 ORDER BY register_no").fetchall():
        end = ended_on(ws, child_id)
        if end is None:
            continue
        kinds = ["child"] + [name for name, k in KINDS.items() if k.per_child and ws.db.execute(
            f"SELECT 1 FROM {name} WHERE child_id = ? AND deleted = 0 LIMIT 1", [child_id]).fetchone()]
        due = _add_years(end, max(years_for(ws, k) for k in kinds))
        hold = active_hold(ws, child_id, today)
        item = ReviewItem(child_id, register_no, status, end.isoformat(), due.isoformat(), due <= today,
                          hold.data["until"] if hold else None, hold.data["reason"] if hold else None)
        if item.past_due or not only_due:
            out.append(item)
    out.sort(key=lambda i: (not i.past_due, i.due_on))
    return out


def _require_decider(ws) -> None:
    if ws.role not in ROLES_THAT_DECIDE:
        raise PermissionDenied(_("Only a manager or an administrator can decide on retention."))


def place_hold(ws, ref: str, reason: str, until: str):
    _require_decider(ws)
    child_id = ws.resolve_child(ref)
    return ws.add_record("legal_hold", {"child_id": child_id, "reason": reason, "until": until,
                                        "placed_by": ws.user.id, "placed_on": date.today().isoformat()})


def lift_hold(ws, hold_id: str):
    _require_decider(ws)
    return ws.update_record("legal_hold", hold_id, {"lifted_on": date.today().isoformat()})


def erase(ws, ref: str, reason: str = "", today: date | None = None, compact: bool = True) -> str:
    """Erase a case whose retention has run out; a legal hold blocks it. Returns its register number."""
    _require_decider(ws)
    today = today or date.today()
    child_id = ws.resolve_child(ref)
    register_no = ws.db.execute("SELECT register_no FROM child WHERE id = ?", [child_id]).fetchone()[0]
    hold = active_hold(ws, child_id, today)
    if hold is not None:
        raise PantiError(_("Case {no} is under a legal hold until {until}; it cannot be erased.").format(
            no=register_no, until=hold.data["until"]))
    item = next((i for i in review(ws, today) if i.child_id == child_id), None)
    if item is None:
        raise PantiError(_("Case {no} is still open; only an ended case can be erased.").format(no=register_no))
    if not item.past_due:
        raise PantiError(_("The retention of case {no} runs until {due}; it cannot be erased before.").format(
            no=register_no, due=item.due_on))
    from .sync.exchange import erase_locally

    with ws.db.atomic():
        erase_locally(ws, child_id)
        erased_at = datetime.now(UTC).isoformat(timespec="microseconds")  # ordered against backups
        hlc = ws.records.clock.tick()
        # the tombstone travels in sync bundles, so that peers erase the case too
        ws.db.table("erasure").insert({"child_id": child_id, "centre_id": ws.centre_id, "erased_at": erased_at,
                                       "erased_by": ws.user.id, "hlc": hlc, "origin": ws.device_id, "seq": hlc})
        ws._audit("erase", "child", child_id, child_id, detail=f"{register_no}: {reason}".strip(": "))
    ws._child_cache.pop(child_id, None)
    ws._name_index = None
    if compact:
        compact_database(ws)
    return register_no


def compact_database(ws) -> None:
    """Rewrite the database file so that no freed page keeps an old payload."""
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.db.execute("VACUUM")
    ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


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


__all__ = ["DEFAULT_YEARS", "ReviewItem", "erase", "lift_hold", "place_hold", "review"]
