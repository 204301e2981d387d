"""Validly signed bundles with arbitrary lines, as a compromised but trusted peer could make them.

Built from docs/bundle-format.md with the sender's real signing key and the receiver's real
receiving key: everything a receiver checks about the container passes, so whatever it
refuses, it refuses for what the lines say.
"""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

from panti_desktop.store.kinds import KINDS
from panti_desktop.sync import bundle as B
from panti_desktop.sync import exchange as X
from panti_desktop.sync import lines as L
from panti_desktop.sync import peers

_seq = itertools.count(1000)
DEVICE = "f0rged00device00"


def lines_of(receiver, path: Path) -> list[dict]:
    """The decrypted lines of a real bundle addressed to `receiver` (nothing is imported)."""
    return [o for o in L.read_lines(X.open_for_import(receiver, path)) if isinstance(o, dict)]


def version(sender, kind: str, record_id: str, data: dict, hlc: int | None = None, vv: dict | None = None,
            deleted: bool = False, centre_id: str | None = None, origin: str = DEVICE) -> dict:
    """A record version line, its clock above everything the sender holds unless given."""
    hlc = hlc if hlc is not None else sender.records.clock.tick()
    line = {"t": "v", "k": kind, "id": record_id, "h": hlc, "o": origin, "vv": vv or {origin: hlc},
            "d": int(deleted), "c": centre_id or sender.centre_id, "ca": "2026-01-01T00:00:00+00:00",
            "cb": "forger", "ua": "2026-01-01T00:00:00+00:00", "ub": "forger", "data": {**data, "id": record_id}}
    return line


def dominating(receiver, kind: str, record_id: str, sender, data: dict) -> dict:
    """A version of a record at `receiver` whose version vector claims to include its history."""
    row = next(iter(receiver.db.query(f"SELECT hlc, origin, vv FROM {kind} WHERE id = ?", [record_id])))
    hlc = sender.records.clock.tick()
    hlc = max(hlc, row["hlc"] + 1)
    return version(sender, kind, record_id, data, hlc=hlc, vv={row["origin"]: row["hlc"] + 10**6, DEVICE: hlc})


def forge(sender, receiver, path: Path, lines: list[dict | bytes], scope: str = "changes",
          counts: dict | None = None) -> Path:
    """A bundle from `sender` to `receiver` holding `lines` (dicts, or raw bytes for a line as it is),
    after the sender's own centre line, with a header that describes them (unless `counts`)."""
    if counts is None:
        counts = {}
        for o in lines:
            if isinstance(o, dict):
                key = o.get("k") if o.get("t") == "v" else o.get("t")
                if (o.get("t") == "v" and key in KINDS) or key in ("erasure", "transfer"):
                    counts[key] = counts.get(key, 0) + 1
    records = sum(n for k, n in counts.items() if k in KINDS)
    header = {"kind": "panti-sync", "payload_format": 1, "bundle_id": uuid.uuid4().hex,
              "sender": sender.centre_code, "sender_centre_id": sender.centre_id, "scope": scope,
              "seq": next(_seq), "prev_hash": None, "created_at": "2026-01-01T00:00:00+00:00",
              "audit": {}, "counts": counts, "records": records}
    centre = {"t": "centre", "id": sender.centre_id, "code": sender.centre_code, "name": sender.centre_name,
              "type": "sentra"}
    payload = L.dump(centre) + b"".join(o if isinstance(o, bytes) else L.dump(o) for o in lines)
    recipient = B.Recipient(receiver.centre_code, peers.peer(sender, receiver.centre_code).kem_key)
    B.write_bundle(path, header, [payload], [recipient], peers.identity(sender).signing)
    return path
