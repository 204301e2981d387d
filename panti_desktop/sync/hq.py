"""Headquarters: every centre's caseload, sessions and sync state side by side.

Counts come from plaintext columns only (status, dates, custody), so the overview opens
no sealed record. A centre that sends only statistics bundles shows the numbers of its
latest bundle instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..store import cases
from . import exchange
from . import peers as P

ENDED = ("closed", "archived", "referred_out")


@dataclass
class CentreOverview:
    code: str
    name: str
    children: int = 0  # cases this centre holds (transfers followed)
    active: int = 0  # of which not closed, archived or referred out
    sessions_30d: int = 0  # final sessions in the last 30 days
    open_conflicts: int = 0
    last_received: str | None = None
    gaps: list[int] = field(default_factory=list)
    stats_period: tuple[str, str] | None = None  # when the numbers come from a statistics bundle
    stats_children: int | None = None

    @property
    def from_statistics(self) -> bool:
        return self.stats_period is not None


def overview(ws, today: date | None = None) -> list[CentreOverview]:
    """One row per centre known here (this one, every peer centre, every centre records came from)."""
    today = today or date.today()
    names = {r[0]: r[1] for r in ws.db.execute("SELECT code, name FROM sync_centre WHERE type != 'hq'")}
    for p in P.peers(ws):
        if p.role != "hq":
            names.setdefault(p.code, p.name)
    holder = cases.custody(ws.db, ws.centre_id, ws.centre_code)
    if not cases.is_hq(ws.db) or any(code == ws.centre_code for code in holder.values()):
        names[ws.centre_code] = ws.centre_name or ws.centre_code
    rows = {code: CentreOverview(code, name or code) for code, name in names.items()}
    for code in set(holder.values()) - set(rows):
        rows[code] = CentreOverview(code, code)
    status = {r[0]: r[1] for r in ws.db.execute("SELECT id, status FROM child WHERE deleted = 0")}
    for cid, code in holder.items():
        if cid in status:
            rows[code].children += 1
            rows[code].active += status[cid] not in ENDED
    since = (today - timedelta(days=30)).isoformat()
    sessions = Counter()
    for (cid,) in ws.db.execute("SELECT child_id FROM session WHERE deleted = 0 AND status = 'final' "
                                "AND session_date >= ? AND session_date <= ?", [since, today.isoformat()]):
        sessions[holder.get(cid)] += 1
    conflicts = Counter()
    for cid, kind_name, record_id in ws.db.execute("SELECT child_id, kind, record_id FROM conflict"):
        conflicts[holder.get(cid or (record_id if kind_name == "child" else None))] += 1
    status_by_peer = {s.peer.code: s for s in exchange.peer_status(ws)}
    for code, row in rows.items():
        row.sessions_30d = sessions.get(code, 0)
        row.open_conflicts = conflicts.get(code, 0)
        s = status_by_peer.get(code)
        if s is not None:
            row.last_received, row.gaps = s.last_received, s.gaps
    with_records = cases.centres_with_records(ws.db, ws.centre_id, ws.centre_code)
    for rec in (cases.received_stats(ws.db, ws.ring) if ws.can_read_clinical else []):
        row = rows.setdefault(rec["centre"], CentreOverview(rec["centre"], rec["centre"]))
        if rec["centre"] not in with_records:
            agg = rec["aggregate"]
            row.stats_period = (agg["start"], agg["end"])
            row.stats_children = int(agg["children"])
            row.sessions_30d = None
    return sorted(rows.values(), key=lambda r: r.code)
