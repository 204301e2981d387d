"""What the export, the import and the conflicts share: the payload format, who may sync,
a record's version as a row here and as a bundle line, and the bookkeeping of bundles.

Separate so that none of them needs another for these: the conflicts are read and resolved
with the same versions (`_row_version`, `_conflict_version`, `_sealed_row`) the merge
writes; the export and the import agree on the payload format, on what is recorded of each
bundle (`_record_bundle`, `_received_seqs`) and on keeping the garbage collector out of the
way (`_bulk`). The format itself is described in `exchange`.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from collections.abc import Callable

from .. import jsonio
from ..errors import IntegrityError
from ..i18n import _
from ..store.kinds import KINDS, kind
from ..store.records import now_iso, vv_of, vv_text
from ..vault.seal import FORMAT_VERSION, associated_data_v2, open_sealed, seal
from . import lines as L
from .identity import require_sync
from .merge import Version

PAYLOAD_FORMAT = 1
SCOPES = ("changes", "transfer", "stats", "ack")
SUFFIX = ".pantisync"

Progress = Callable[[int, int], None]


# --- who may do what ------------------------------------------------------------------------


def _require_sync(ws) -> None:
    """Managers and administrators sync (`identity.require_sync`: they hold the ADMIN key)."""
    require_sync(ws)


# --- versions: rows ⇄ bundle lines --------------------------------------------------------


def _conflict_aad(k: str, row: dict, key_id: str) -> bytes:
    bound = [row["centre_id"], int(row["deleted"]), row["created_at"], row["created_by"], row["updated_at"],
             row["updated_by"], row.get("child_id")]
    return associated_data_v2("conflict:" + k, row["record_id"], f"{row['hlc']:016x}@{row['origin']}", key_id,
                              bound, FORMAT_VERSION)


def reseal_conflicts(ws, ring, mapping: dict[str, str]) -> int:
    """Inside a key rotation: seal the kept conflicting versions under an old key with its replacement."""
    done = 0
    for old_id, new_id in mapping.items():
        for row in list(ws.db.query("SELECT * FROM conflict WHERE key_id = ?", [old_id])):
            try:
                data = open_sealed(ring.aead(old_id), row["payload"], _conflict_aad(row["kind"], row, old_id))
            except ValueError:
                raise IntegrityError(_("A sealed record failed verification.")) from None
            blob = seal(ring.aead(new_id), data, _conflict_aad(row["kind"], row, new_id))
            ws.db.execute("UPDATE conflict SET key_id = ?, payload = ? WHERE id = ?", [new_id, blob, row["id"]])
            done += 1
    return done


def conflict_id(kind_name: str, record_id: str, hlc: int, origin: str) -> str:
    """The same at every site, so a conflict has one name everywhere."""
    return hashlib.sha256(f"{kind_name}|{record_id}|{hlc}|{origin}".encode()).hexdigest()[:16]


def _row_version(ws, kind_name: str, row: dict, data: dict | None = None) -> Version:
    if data is None:
        data = ws.records.open_row(kind_name, row)
    if KINDS[kind_name].per_child and not data.get("child_id"):  # a tombstone seals only its id
        data = {**data, "child_id": row.get("child_id")}
    return Version(kind=kind_name, id=row["id"], hlc=row["hlc"], origin=row["origin"], vv=vv_of(row),
                   deleted=bool(row["deleted"]), data=data, centre_id=row["centre_id"],
                   created_at=row["created_at"], created_by=row["created_by"], updated_at=row["updated_at"],
                   updated_by=row["updated_by"])


def _conflict_version(ws, row: dict) -> Version:
    k = kind(row["kind"])
    try:
        data = jsonio.loads(open_sealed(ws.ring.aead(row["key_id"]), row["payload"],
                                        _conflict_aad(row["kind"], row, row["key_id"])))
    except (ValueError, UnicodeDecodeError):
        raise IntegrityError(_("A sealed record failed verification.")) from None
    if k.role != row["key_id"].split(":")[0]:
        raise IntegrityError(_("A sealed record failed verification."))
    if k.per_child and not data.get("child_id"):
        data["child_id"] = row.get("child_id")
    return Version(kind=row["kind"], id=row["record_id"], hlc=row["hlc"], origin=row["origin"],
                   vv=json.loads(row["vv"]) if row["vv"] else {row["origin"]: row["hlc"]},
                   deleted=bool(row["deleted"]), data=data, centre_id=row["centre_id"],
                   created_at=row["created_at"], created_by=row["created_by"], updated_at=row["updated_at"],
                   updated_by=row["updated_by"])


def _sealed_row(ws, k, v: Version, data: dict | None, seq: int) -> dict:
    """The row that stores version `v` here (sealed already when a reading process sealed it)."""
    row = v.meta.get("sealed") or L.sealed_fields(ws.records, k, v, data)
    row["vv"] = vv_text(v.vv, v.origin, v.hlc)
    row["seq"] = seq
    return row


# --- shared by the export and the import: the bundle log, the collector held back ---------


def _received_seqs(ws, peer_code: str) -> list[int]:
    return [r[0] for r in ws.db.execute("SELECT seq FROM sync_bundle WHERE direction = 'in' AND peer = ? "
                                        "AND seq > 0 ORDER BY seq", [peer_code])]


def _record_bundle(ws, bundle_id, direction, peer, scope, seq, digest, prev, base, upto, checkpoint, records,
                   summary) -> None:
    ws.db.table("sync_bundle").insert({
        "bundle_id": bundle_id, "direction": direction, "peer": peer, "scope": scope, "seq": seq, "hash": digest,
        "prev_hash": prev, "base": base, "upto": upto, "audit_seq": (checkpoint or {}).get("seq"),
        "audit_hash": (checkpoint or {}).get("hash"), "records": records, "at": now_iso(), "by": ws.user.id,
        "acked_at": None, "summary": json.dumps(summary, ensure_ascii=False)})


@contextlib.contextmanager
def _bulk():
    """No cyclic garbage collection while a bundle is written or merged: a bundle makes millions
    of short-lived objects, freed as they go, and each collection pass would walk all of them
    (a sixth of a large import's time). What it held back runs when the work is done."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
