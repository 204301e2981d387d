"""What has travelled with each peer: bundles sent and received, those not yet
acknowledged and gaps in the numbering (`peer_status`), and the bundle history (`history`).

Separate because it only reads the bundle bookkeeping (`sync_bundle`) and the peers, no
sealed record: the sync page, the command line and the headquarters overview read it
without needing the export or the import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import identity as sync_identity
from . import peers as P


@dataclass
class PeerStatus:
    peer: P.Peer
    sent: int
    received: int
    last_sent: str | None
    last_received: str | None
    unacked: int
    gaps: list[int]
    # when this centre's sync keys were replaced and the peer has not yet received the notice
    # (until it imports a bundle from here, it still accepts bundles signed with the old keys)
    key_notices: list[str]


def peer_status(ws) -> list[PeerStatus]:
    out = []
    pending = sync_identity.pending_by_peer(ws)
    for p in P.peers(ws):
        rows = ws.db.execute("SELECT direction, seq, at, acked_at FROM sync_bundle WHERE peer = ? AND scope != 'ack'",
                             [p.code]).fetchall()
        sent = [r for r in rows if r[0] == "out"]
        got = sorted(r[1] for r in rows if r[0] == "in")
        gaps = [n for n in range(1, max(got) + 1) if n not in set(got)] if got else []
        out.append(PeerStatus(p, len(sent), len(got), max((r[2] for r in sent), default=None),
                              max((r[2] for r in rows if r[0] == "in"), default=None),
                              sum(1 for r in sent if r[3] is None), gaps, pending.get(p.code, [])))
    return out


def history(ws, peer_code: str | None = None) -> list[dict]:
    sql = "SELECT * FROM sync_bundle" + (" WHERE peer = ?" if peer_code else "") + " ORDER BY at DESC, seq DESC"
    out = []
    for r in ws.db.query(sql, [peer_code.upper()] if peer_code else []):
        r = dict(r)
        try:
            r["summary"] = json.loads(r["summary"] or "{}")
        except ValueError:
            r["summary"] = {}
        out.append(r)
    return out
