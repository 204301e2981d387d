"""Lines of a bundle that were refused while the rest applied: kept with their reason.

A trusted peer's bundle is still checked line by line (`custody`, `lines.check_version`); a
line refused for policy (not damage) is quarantined here: which peer, which bundle, what
kind of line, which record or case, the field and the reason. An erasure this centre's law
holds back (a legal hold, retention not yet passed here) is kept with its line, sealed, for
a manager to decide: accept the erasure, or keep the case.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from .. import jsonio
from ..domain.records import RECORD_TYPES
from ..errors import IntegrityError, NotFound, PantiError, PermissionDenied
from ..i18n import _
from ..store import cases
from ..store.records import now_iso
from ..vault.keyring import CASE
from ..vault.seal import open_sealed, seal
from .lines import Refused

ROLES_THAT_DECIDE = ("manager", "admin")
REFUSED, HELD, ERASED, KEPT = "refused", "held", "erased", "kept"


@dataclass
class Quarantined:
    id: str
    bundle_id: str
    peer: str
    line_type: str
    kind: str
    record_id: str
    child_id: str | None
    register_no: str
    field: str
    reason: str
    status: str
    noted_at: str
    decided_at: str | None = None
    decided_by: str | None = None

    @property
    def held(self) -> bool:
        return self.status == HELD

    def what(self) -> str:
        """The kind of line, in words."""
        return line_label(self.line_type, self.kind)

    def status_text(self) -> str:
        return {REFUSED: _("refused"), HELD: _("held for a manager"), ERASED: _("erased by a manager"),
                KEPT: _("kept by a manager")}.get(self.status, self.status)


def line_label(line_type: str, kind_name: str) -> str:
    if line_type == "erasure":
        return _("erasure of a case")
    if line_type == "transfer":
        return _("transfer of a case")
    if line_type == "centre":
        return _("centre details")
    if line_type == "v" and kind_name:
        cls = RECORD_TYPES.get(kind_name)
        return cls.TITLE.text() if cls is not None else kind_name
    return _("unreadable line")


def _aad(qid: str, key_id: str) -> bytes:
    return json.dumps(["sync_quarantine", qid, key_id]).encode()


def reseal(ws, ring, mapping: dict[str, str]) -> int:
    """Inside a key rotation: seal each held line under an old key with its replacement."""
    done = 0
    for old_id, new_id in mapping.items():
        for row in list(ws.db.query("SELECT id, payload FROM sync_quarantine WHERE key_id = ?", [old_id])):
            try:
                data = open_sealed(ring.aead(old_id), row["payload"], _aad(row["id"], old_id))
            except ValueError:
                raise IntegrityError(_("A sealed record failed verification.")) from None
            blob = seal(ring.aead(new_id), data, _aad(row["id"], new_id))
            ws.db.execute("UPDATE sync_quarantine SET key_id = ?, payload = ? WHERE id = ?", [new_id, blob, row["id"]])
            done += 1
    return done


def put(ws, bundle_id: str, peer: str, refused: Refused) -> Quarantined:
    """Keep a refused line (its held erasure line sealed under the CASE key)."""
    qid = uuid.uuid4().hex
    row = {"id": qid, "bundle_id": bundle_id, "peer": peer, "line_type": refused.t, "kind": refused.kind[:40],
           "record_id": refused.record_id[:64], "child_id": refused.child_id[:64] or None,
           "field": refused.field[:40] or None, "reason": refused.reason[:500],
           "status": HELD if refused.hold is not None else REFUSED, "noted_at": now_iso(), "decided_at": None,
           "decided_by": None, "key_id": None, "payload": None}
    if refused.hold is not None:
        key_id = ws.ring.current_id(CASE)
        row["key_id"] = key_id
        row["payload"] = seal(ws.ring.aead(key_id), jsonio.dumps(refused.hold), _aad(qid, key_id))
    ws.db.table("sync_quarantine").insert(row)
    return _item(ws, row)


def _register_no(ws, child_id: str | None) -> str:
    if not child_id:
        return ""
    row = ws.db.execute("SELECT register_no FROM child WHERE id = ?", [child_id]).fetchone()
    return (row[0] or "") if row else ""


def _item(ws, row: dict) -> Quarantined:
    return Quarantined(row["id"], row["bundle_id"], row["peer"], row["line_type"], row["kind"], row["record_id"],
                       row["child_id"], _register_no(ws, row["child_id"]), row["field"] or "", row["reason"],
                       row["status"], row["noted_at"], row["decided_at"], row["decided_by"])


def listed(ws, everything: bool = False) -> list[Quarantined]:
    """Quarantined lines, held erasures first, newest first; decided ones only with `everything`."""
    sql = "SELECT * FROM sync_quarantine" + ("" if everything else " WHERE status IN ('held', 'refused')")
    rows = [_item(ws, r) for r in ws.db.query(sql + " ORDER BY noted_at DESC, id")]
    rows.sort(key=lambda q: not q.held)
    return rows


def held_count(ws) -> int:
    return ws.db.execute("SELECT COUNT(*) FROM sync_quarantine WHERE status = 'held'").fetchone()[0]


def apply_erasure(ws, obj: dict, erased: set[str]) -> bool:
    """Erase a case as an erasure line asks (its rows, then the tombstone that travels on)."""
    child_id = str(obj.get("child_id") or "")
    if not child_id or child_id in erased:
        return False
    cases.erase_child_rows(ws.db, child_id)
    ws.db.table("erasure").insert({"child_id": child_id, "centre_id": str(obj.get("centre_id") or "")[:64],
                                   "erased_at": str(obj.get("erased_at") or now_iso())[:40],
                                   "erased_by": "sync", "hlc": int(obj.get("hlc") or 0),
                                   "origin": str(obj.get("origin") or "")[:64], "seq": ws.records.clock.tick()})
    erased.add(child_id)
    return True


def decide(ws, qid: str, erase: bool) -> Quarantined:
    """A manager's decision on a held erasure: erase the case here after all, or keep it."""
    if ws.role not in ROLES_THAT_DECIDE:
        raise PermissionDenied(_("Only a manager or an administrator can decide on a held erasure."))
    row = ws.db.execute("SELECT * FROM sync_quarantine WHERE id = ?", [qid]).fetchone()
    if row is None:
        raise NotFound(_("This quarantined line was not found."))
    row = dict(zip([d[0] for d in ws.db.execute("SELECT * FROM sync_quarantine LIMIT 0").description], row,
                   strict=True))
    if row["status"] != HELD:
        raise PantiError(_("Only a held erasure can be decided."))
    compact = False
    with ws.db.atomic():
        if erase:
            try:
                obj = jsonio.loads(open_sealed(ws.ring.aead(row["key_id"]), row["payload"],
                                               _aad(row["id"], row["key_id"])))
            except (ValueError, KeyError):
                raise IntegrityError(_("A sealed record failed verification.")) from None
            erased = {r[0] for r in ws.db.execute("SELECT child_id FROM erasure")}
            compact = apply_erasure(ws, obj, erased)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        ws.db.execute("UPDATE sync_quarantine SET status = ?, decided_at = ?, decided_by = ?, payload = NULL, "
                      "key_id = NULL WHERE id = ?", [ERASED if erase else KEPT, at, ws.user.name, qid])
        ws.audit_event("erase" if erase else "import", "child", row["child_id"], row["child_id"],
                       detail=f"held erasure from {row['peer']}: {'erased' if erase else 'kept'}")
    if compact:
        cases.compact(ws.db)
        ws.forget_children()
    row = ws.db.query("SELECT * FROM sync_quarantine WHERE id = ?", [qid])
    return _item(ws, next(iter(row)))


__all__ = ["Quarantined", "apply_erasure", "decide", "held_count", "line_label", "listed", "put"]
