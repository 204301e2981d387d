"""Imported records that break the receiver's consistency rules: flagged, never refused.

The sending centre's facts stand (issue 18): a diversion at deliberation from a peer while the
legal track here says "no legal process" is merged, and its child is flagged in the import's
summary, on the child's file and by `verify --consistency`, with the rule and the records named.
Only the children the bundle wrote are looked at, and of them only those whose file can break
a rule at all (`store.consistency.may_break`, from plaintext columns), so a large import opens
few records more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..domain.consistency import Finding, records_named
from ..store import consistency as rules


@dataclass
class Flagged:
    child_id: str
    register_no: str
    findings: list[Finding] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One sentence per finding: the rule, what it says, and the records it names."""
        return [f"[{f.rule}] {f.message} ({records_named(f)})" for f in self.findings]

    def as_dict(self) -> dict:
        return {"child_id": self.child_id, "register_no": self.register_no,
                "findings": [{"rule": f.rule, "kind": f.kind, "record_id": f.record_id, "message": f.message,
                              "records": [list(x) for x in f.involves]} for f in self.findings]}


def flag(ws, child_ids: Iterable[str]) -> list[Flagged]:
    """The children of `child_ids` whose records break a rule now, in register order."""
    out = []
    for cid in rules.may_break(ws.db, child_ids):
        findings = ws.consistency_findings(child_id=cid)
        if findings:
            row = ws.db.execute("SELECT register_no FROM child WHERE id = ?", [cid]).fetchone()
            out.append(Flagged(cid, (row[0] if row else "") or "", findings))
    return sorted(out, key=lambda f: (f.register_no, f.child_id))
