"""Feeding the consistency rules (`domain/consistency.py`) from the store: one child's records,
a save checked before it is written, and every child's findings for `verify --consistency`.

Only the kinds the user holds a key for are read; a rule that needs a kind the user cannot
read does not run for them (a staff user is never refused on a clinical fact they cannot see).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..domain import consistency
from ..domain.consistency import Finding
from ..errors import ValidationError
from .records import RecordStore

RULE_KINDS = ("child", "legal_track", "diversion", "victim", "assessment", "termination", "follow_up", "session")
RISK_MONTHS_SETTING = "rj_risk_assessment_months"
NEW_ID = "__new__"


def child_records(records: RecordStore, child_id: str, readable: Callable[[str], bool]) -> dict[str, list[dict]]:
    """The records the rules read for one child, each as its data with its id, oldest first."""
    out: dict[str, list[dict]] = {}
    for name in RULE_KINDS:
        if not readable(name):
            continue
        if name == "child":
            rec = records.get("child", child_id)
            out[name] = [] if rec.deleted else [{**rec.data, "id": rec.id}]
        elif name == "session":  # the rule needs only the plaintext date and status of final sessions
            out[name] = [{"id": r["id"], "child_id": child_id, "session_date": r["session_date"],
                          "status": r["status"]}
                         for r in records.rows("session", "child_id = ? AND status = 'final'", [child_id],
                                               "session_date")]
        else:
            out[name] = [{**r.data, "id": r.id} for r in records.for_child(name, child_id, "created_at")]
    return out


def guard(records: RecordStore, readable: Callable[[str], bool], kind_name: str, record_id: str | None,
          data: dict, today: date | None = None, risk_months: int = consistency.RISK_ASSESSMENT_MONTHS) -> None:
    """Refuse a save that would add a contradiction involving the record saved (ValidationError with
    the rule's sentence). Contradictions already in the file, or in other records, do not block it."""
    if kind_name not in RULE_KINDS:
        return
    child_id = record_id if kind_name == "child" else data.get("child_id")
    if not child_id:
        return
    rid = record_id or NEW_ID
    current = child_records(records, child_id, readable)
    before = {f.key() for f in consistency.check(current, today, risk_months)}
    proposed = {k: list(v) for k, v in current.items()}
    rows = [r for r in proposed.get(kind_name, []) if r.get("id") != rid]
    if kind_name != "session" or data.get("status") == "final":
        rows.append({**data, "id": rid})
    proposed[kind_name] = rows
    for f in consistency.check(proposed, today, risk_months):
        if f.key() not in before and (kind_name, rid) in f.involves:
            raise ValidationError(f.message, field=f.field)


def child_findings(records: RecordStore, child_id: str, readable: Callable[[str], bool], today: date | None = None,
                   risk_months: int = consistency.RISK_ASSESSMENT_MONTHS) -> list[Finding]:
    """The findings in one child's file (what an import brought in, or older data)."""
    return consistency.check(child_records(records, child_id, readable), today, risk_months)


def all_findings(records: RecordStore, readable: Callable[[str], bool], today: date | None = None,
                 risk_months: int = consistency.RISK_ASSESSMENT_MONTHS) -> list[Finding]:
    """Every finding in every live child's file, children in register order."""
    out: list[Finding] = []
    for row in records.rows("child", order_by="register_no, id"):
        out += consistency.check(child_records(records, row["id"], readable), today, risk_months)
    return out


def may_break(db, child_ids) -> set[str]:
    """Of `child_ids`, the children whose file can break a rule at all, found in plaintext columns
    without opening a record: every rule reads a diversion, a termination, a follow-up, or a case
    status that ends the service (`domain/consistency.py`)."""
    ids = sorted(set(child_ids))
    out: set[str] = set()
    ending = ",".join("?" * len(consistency.ENDING_STATES))
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        marks = ",".join("?" * len(part))
        for name in ("diversion", "termination", "follow_up"):
            out.update(r[0] for r in db.execute(
                f"SELECT DISTINCT child_id FROM {name} WHERE deleted = 0 AND child_id IN ({marks})", part))
        out.update(r[0] for r in db.execute(
            f"SELECT id FROM child WHERE deleted = 0 AND status IN ({ending}) AND id IN ({marks})",
            [*consistency.ENDING_STATES, *part]))
    return out
