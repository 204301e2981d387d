"""What the MST cadence and the diversion deadlines make due, for the dashboard and a child's file.

MST asks for a weekly case summary and weekly supervision for every child in the intervention
stage with an approved plan; a safety plan is reviewed by its review date; UU SPPA gives a
diversion 7 days to be attempted and 30 days to finish (art. 29, 42, 52). Everything but the
diversion deadlines is read from plaintext columns; a diversion still open (offered or in
deliberation) is opened to read its dates — a handful per centre.

Each function returns (child_id, kind, record_id or None, when) rows, when = the ISO date due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from ..domain.records import Diversion
from .records import RecordStore

WEEK = timedelta(days=7)


def _in(ids: Iterable[str] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    ids = list(ids)
    return f" AND c.id IN ({','.join('?' * len(ids)) or 'NULL'})", ids


def _in_intervention(db, child_ids: Iterable[str] | None) -> list[tuple[str, str | None]]:
    """Children in the intervention stage with an approved plan, and the plan's start date (or
    when it was approved, as stored in the row's update time)."""
    sql, params = _in(child_ids)
    return [(r[0], r[1]) for r in db.execute(
        "SELECT c.id, MIN(substr(p.updated_at, 1, 10)) FROM child c JOIN plan p ON p.child_id = c.id "
        "AND p.deleted = 0 AND p.status = 'approved' WHERE c.deleted = 0 AND c.status = 'intervention'"
        + sql + " GROUP BY c.id", params)]


def _weekly_due(db, table: str, column: str, today: date, child_ids) -> list[tuple[str, str, str | None, str]]:
    out = []
    for child_id, approved in _in_intervention(db, child_ids):
        row = db.execute(f"SELECT id, MAX({column}) FROM {table} WHERE deleted = 0 AND child_id = ?",
                         [child_id]).fetchone()
        last = row[1] if row and row[1] else None
        base = date.fromisoformat(last) if last else (date.fromisoformat(approved) if approved else today)
        due = base + WEEK
        if due <= today + timedelta(days=1):
            out.append((child_id, table, row[0] if last else None, due.isoformat()))
    return sorted(out, key=lambda r: r[3])


def weekly_summaries_due(db, today: date, child_ids: Iterable[str] | None = None):
    """A weekly case summary is due 7 days after the last one (or after the plan was approved)."""
    return _weekly_due(db, "weekly_summary", "week_start", today, child_ids)


def supervision_due(db, today: date, child_ids: Iterable[str] | None = None):
    """Supervision is due 7 days after the last session of supervision (or after the plan was approved)."""
    return _weekly_due(db, "supervision", "held_on", today, child_ids)


def safety_reviews_overdue(db, today: date, child_ids: Iterable[str] | None = None):
    """The newest safety plan of each open case whose review date has passed."""
    sql, params = _in(child_ids)
    rows = db.execute(
        "SELECT s.child_id, s.id, s.review_date FROM safety_plan s JOIN child c ON c.id = s.child_id "
        "WHERE s.deleted = 0 AND c.deleted = 0 AND c.status NOT IN ('closed', 'archived', 'referred_out') "
        + sql + " AND s.review_date = (SELECT MAX(x.review_date) FROM safety_plan x "
        "WHERE x.deleted = 0 AND x.child_id = s.child_id) AND s.review_date < ? ORDER BY s.review_date",
        params + [today.isoformat()]).fetchall()
    return [(r[0], "safety_plan", r[1], r[2]) for r in rows]


def diversion_deadlines(records: RecordStore, today: date, horizon: date,
                        child_ids: Iterable[str] | None = None) -> list[tuple[str, str, str, str, str]]:
    """(child_id, "diversion", id, when, "attempt" | "process") for open diversions due by `horizon`."""
    where = ("stage IN ('offered', 'deliberation') AND child_id IN (SELECT id FROM child WHERE deleted = 0 "
             "AND status NOT IN ('closed', 'archived', 'referred_out', 'dropped_out'))")
    params: list = []
    if child_ids is not None:
        ids = list(child_ids)
        where += f" AND child_id IN ({','.join('?' * len(ids)) or 'NULL'})"
        params = ids
    out = []
    for rec in records.find("diversion", where, params):
        for what, when in Diversion.from_dict(rec.data).deadlines():
            if when <= horizon.isoformat():
                out.append((rec.data.get("child_id"), "diversion", rec.id, when, what))
    return sorted(out, key=lambda r: r[3])
