"""This centre's sync identity: who reaches its keys, and replacing them when one of those people leaves.

The identity is an Ed25519 signing key and an X25519 receiving key. Their private halves are
sealed under a key derived from the current **ADMIN role key**, which exactly the managers and
administrators hold (`vault.keyring.ROLE_KEYS`; the recovery key reaches it through the master
key), so managers and administrators sync and staff and counsellors cannot. The row itself
(public keys, which key seals it) is authenticated under the master key (`vault/authority.py`):
only an administrator creates the identity (with the first contact card or trusted peer) or
replaces it.

Removing a user who held the ADMIN key (an administrator or a manager) replaces the ADMIN key,
and with it the identity (`follow_key_rotation`, inside the removal's transaction): new
signing and receiving keys, sealed under the new ADMIN key; the old private keys are
overwritten in the file (`secure_delete` is on). A **rotation notice** (old signing key → new
signing and receiving keys) is signed with the old signing key and kept for every trusted
peer; it travels in the header of every bundle to that peer (`pending_notices`) until the peer
sends a bundle this installation can open (made for the new receiving key: it has the notice).

A peer that receives the notice checks it against the key it trusts (`trust_notices`), then
the bundle's signature under the new key, and replaces the keys it stores for the centre
(`accept_notices`); a bundle signed with the old key is refused afterwards
(`refuse_replaced_signer`). See docs/bundle-format.md ("Key replacement").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import IntegrityError, PantiError, PermissionDenied
from ..i18n import _
from ..store.records import now_iso
from ..vault import authority
from ..vault.keyring import ADMIN, MASTER, KeyRing, key_role
from .bundle import fingerprint, new_identity, raw_public

SYNC_ROLES = ("manager", "admin")
NOTICE_FORMAT = 1
MAX_NOTICES = 32


@dataclass
class Identity:
    signing: Ed25519PrivateKey
    kem: X25519PrivateKey

    @property
    def signing_public(self) -> bytes:
        return raw_public(self.signing.public_key())

    @property
    def kem_public(self) -> bytes:
        return raw_public(self.kem.public_key())


def may_sync(ws) -> bool:
    """Managers and administrators export and import; the ADMIN key opens the sync identity."""
    return ws.role in SYNC_ROLES and ws.ring.has(ADMIN)


def require_sync(ws) -> None:
    if not may_sync(ws):
        raise PermissionDenied(_("Only a manager or an administrator can export or import sync bundles."))


# --- sealing -------------------------------------------------------------------------------


def _private_bytes(key) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def _aead_v1(master: bytes) -> AESGCM:
    """Before managers synced: a key derived from the master key (opened once to move it)."""
    return AESGCM(HKDF(hashes.SHA256(), 32, salt=None, info=b"panti-sync-identity/1").derive(master))


def _aead_v2(admin_key: bytes, key_id: str) -> AESGCM:
    info = b"panti-sync-identity/2|" + key_id.encode()
    return AESGCM(HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(admin_key))


def _aad_v2(centre_id: str, key_id: str, signing_public: str, kem_public: str) -> bytes:
    return f"panti-sync-identity/2|{centre_id}|{key_id}|{signing_public}|{kem_public}".encode()


def _seal(db, centre_id: str, ring: KeyRing, ident: Identity) -> None:
    """Seal the private keys under the current ADMIN key (`master_id` names the sealing key)."""
    key_id = ring.current_id(ADMIN)
    sp, kp = ident.signing_public.hex(), ident.kem_public.hex()
    secret = json.dumps({"signing": _private_bytes(ident.signing).hex(), "kem": _private_bytes(ident.kem).hex()})
    nonce = os.urandom(12)
    sealed = nonce + _aead_v2(bytes(ring.keys[key_id]), key_id).encrypt(
        nonce, secret.encode(), _aad_v2(centre_id, key_id, sp, kp))
    db.table("sync_identity").upsert({"id": 1, "signing_public": sp, "kem_public": kp, "master_id": key_id,
                                      "sealed": sealed}, pk="id")


def _open(centre_id: str, ring: KeyRing, row: dict) -> Identity:
    sealed_under, sealed = row["master_id"], row["sealed"]
    if sealed_under not in ring.keys:
        raise IntegrityError(_("The sync keys are sealed under a key this vault no longer has."))
    key = bytes(ring.keys[sealed_under])
    try:
        if key_role(sealed_under) == MASTER:
            plain = _aead_v1(key).decrypt(sealed[:12], sealed[12:],
                                          f"panti-sync-identity/1|{centre_id}|{sealed_under}".encode())
        else:
            plain = _aead_v2(key, sealed_under).decrypt(
                sealed[:12], sealed[12:], _aad_v2(centre_id, sealed_under, row["signing_public"], row["kem_public"]))
        secret = json.loads(plain)
        return Identity(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret["signing"])),
                        X25519PrivateKey.from_private_bytes(bytes.fromhex(secret["kem"])))
    except Exception:
        raise IntegrityError(_("The sync keys of this installation are damaged.")) from None


def _row(db) -> dict | None:
    rows = list(db.query("SELECT * FROM sync_identity WHERE id = 1"))
    return rows[0] if rows else None


def identity(ws, check: bool = True) -> Identity:
    """This installation's keys, for a manager or an administrator. An administrator's first use
    makes them (and moves keys sealed by an older version under the ADMIN key). Refused when the
    sync identity or the centre's identity was changed in the file (`check`)."""
    require_sync(ws)
    if check:
        bad = [f.sentence() for f in authority.failures(ws.db, ws.ring, ("sync_identity", "store_meta"))]
        bad += [_("Row {row} of table {table} was deleted outside the app.").format(
                    row="/".join(str(p) for p in pk), table=t)
                for t, pk in authority.missing(ws.db, ws.ring) if t in ("sync_identity", "store_meta", "vault_meta")]
        if bad:
            raise IntegrityError(_("Sync is refused: {problem}").format(problem=bad[0]))
    admin = ws.ring.has(MASTER)
    row = _row(ws.db)
    if row is None:
        if not admin:
            raise PermissionDenied(_("Sync is not set up here yet: an administrator must first write this "
                                     "centre's contact card or trust a peer."))
        ident = Identity(*new_identity())
        with ws.db.atomic(), authority.changing(ws.db, ws.ring):
            _seal(ws.db, ws.centre_id, ws.ring, ident)
        return ident
    sealed_under = str(row["master_id"])
    if key_role(sealed_under) == MASTER:
        if not admin:
            raise PermissionDenied(_("An administrator must open Sync once after this update; then managers "
                                     "can sync too."))
        ident = _open(ws.centre_id, ws.ring, row)
        with ws.db.atomic(), authority.changing(ws.db, ws.ring):
            _seal(ws.db, ws.centre_id, ws.ring, ident)
        return ident
    if sealed_under != ws.ring.current_id(ADMIN):
        # the identity always follows the newest ADMIN key in the same transaction: an older one was put back
        raise IntegrityError(_("Sync is refused: the sync keys in the file are sealed under a replaced key (put "
                               "back from an older copy of the file)."))
    return _open(ws.centre_id, ws.ring, row)


# --- replacing the identity (sender) -------------------------------------------------------


def notice_bytes(notice: dict) -> bytes:
    """What the old signing key signs: a purpose prefix and the notice as sorted JSON."""
    return b"panti-rotation/1|" + json.dumps(notice, sort_keys=True, separators=(",", ":")).encode()


def follow_key_rotation(ws, ring: KeyRing, old_admin: str | None) -> bool:
    """Inside a user's removal, after the keys were replaced (old and new keys in `ring`): when the
    ADMIN key changed, replace the sync identity and keep a signed rotation notice for every
    trusted peer. Returns whether the identity was replaced (not when staff or a counsellor left)."""
    row = _row(ws.db)
    if row is None or ring.current.get(ADMIN) == old_admin:
        return False
    old = _open(ws.centre_id, ring, row)
    new = Identity(*new_identity())
    at = now_iso()
    n = (ws.db.execute("SELECT MAX(n) FROM sync_rotation").fetchone()[0] or 0) + 1
    notice = {"kind": "panti-key-rotation", "format": NOTICE_FORMAT, "n": n, "code": ws.centre_code,
              "centre_id": ws.centre_id, "at": at, "old_signing": old.signing_public.hex(),
              "new_signing": new.signing_public.hex(), "new_kem": new.kem_public.hex()}
    signature = old.signing.sign(notice_bytes(notice)).hex()
    ws.db.table("sync_rotation").insert({"n": n, "at": at, "old_signing": notice["old_signing"],
                                         "old_kem": old.kem_public.hex(), "new_signing": notice["new_signing"],
                                         "new_kem": notice["new_kem"], "notice": json.dumps(notice, sort_keys=True),
                                         "signature": signature})
    for (code,) in ws.db.execute("SELECT code FROM peer WHERE revoked_at IS NULL").fetchall():
        ws.db.execute("INSERT INTO sync_rotation_peer (peer, n) VALUES (?, ?)", [code, n])
    _seal(ws.db, ws.centre_id, ring, new)  # overwrites the old private keys (secure_delete is on)
    return True


def pending_notices(ws, peer_code: str) -> list[dict]:
    """The signed notices a peer has not yet shown it has, oldest first (for a bundle's header)."""
    rows = ws.db.execute("SELECT r.notice, r.signature FROM sync_rotation r JOIN sync_rotation_peer p ON p.n = r.n "
                         "WHERE p.peer = ? AND p.delivered_at IS NULL ORDER BY r.n", [peer_code]).fetchall()
    return [{"notice": json.loads(notice), "sig": sig} for notice, sig in rows]


def pending_by_peer(ws) -> dict[str, list[str]]:
    """For Sync and `sync status`: per peer, the dates of key replacements it has not yet received."""
    out: dict[str, list[str]] = {}
    for code, at in ws.db.execute("SELECT p.peer, r.at FROM sync_rotation_peer p JOIN sync_rotation r ON r.n = p.n "
                                  "WHERE p.delivered_at IS NULL ORDER BY r.n"):
        out.setdefault(code, []).append(at)
    return out


def mark_delivered(ws, peer_code: str) -> None:
    """A bundle from the peer opened here: it was made for the current receiving key (the old ones
    are gone), so the peer has every notice."""
    ws.db.execute("UPDATE sync_rotation_peer SET delivered_at = ? WHERE peer = ? AND delivered_at IS NULL",
                  [now_iso(), peer_code])


def refuse_old_receiving_key(ws, header: dict) -> None:
    """A bundle a peer made for a receiving key of this centre that was replaced: say so."""
    mine = {str(r.get("key")) for r in header.get("recipients") or [] if isinstance(r, dict)
            and r.get("code") == ws.centre_code}
    for at, kem in ws.db.execute("SELECT at, old_kem FROM sync_rotation ORDER BY n"):
        if fingerprint(bytes.fromhex(kem)).hex() in mine:
            raise PantiError(_("The bundle was refused: {code} made it for this centre's old receiving key, "
                               "replaced on {date}; it cannot be opened here. Send {code} a bundle first; its next "
                               "bundle carries the same changes.").format(code=header.get("sender"), date=at[:10]))


# --- receiving a notice (peer) -------------------------------------------------------------


def _history(ws, code: str) -> dict[str, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in ws.db.execute(
        "SELECT signing_key, replaced_by, replaced_at FROM peer_key_history WHERE code = ?", [code])}


def refuse_replaced_signer(ws, header: dict) -> None:
    """A bundle signed with a key a peer replaced (its rotation notice was imported here) is refused."""
    code = str(header.get("sender") or "").upper()
    key = str(header.get("sender_key") or "")
    old = _history(ws, code).get(key)
    if old is not None:
        raise PantiError(_("The bundle was refused: it is signed with the old sync key of {code}, replaced on "
                           "{date} when a person who could sync there was removed.").format(code=code,
                                                                                          date=old[1][:10]))


def _verified(notice: dict, sig: str, old_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(old_hex)).verify(bytes.fromhex(sig), notice_bytes(notice))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def trust_notices(ws, header: dict, trusted: dict[bytes, str], peer) -> tuple[dict[bytes, str], list[dict]]:
    """From the rotation notices in a bundle's header, signed by the key this centre trusts for the
    sender (`peer`), the new signing key the bundle may be signed with. Returns the trusted keys
    (with the new one) and the notices to accept when the bundle is imported."""
    items = header.get("rotations")
    try:
        sender_key = bytes.fromhex(str(header.get("sender_key", "")))
    except ValueError:
        return trusted, []
    if sender_key in trusted or not items or peer is None or peer.revoked_at or peer.authentic is not True:
        return trusted, []
    if not isinstance(items, list) or len(items) > MAX_NOTICES:
        raise IntegrityError(_("The bundle was refused: it is damaged, incomplete or was changed."))
    history = _history(ws, peer.code)
    key, accepted = peer.signing_key.hex(), []
    for item in items:
        notice = item.get("notice") if isinstance(item, dict) else None
        sig = item.get("sig") if isinstance(item, dict) else None
        if not isinstance(notice, dict) or not isinstance(sig, str) or notice.get("code") != peer.code \
                or notice.get("kind") != "panti-key-rotation" or notice.get("centre_id") != header.get(
                    "sender_centre_id"):
            raise IntegrityError(_("The bundle was refused: it is damaged, incomplete or was changed."))
        old = str(notice.get("old_signing"))
        if old == key:
            if not _verified(notice, sig, old):
                raise IntegrityError(_("The bundle was refused: its key replacement notice is not signed with "
                                       "the key of {code}.").format(code=peer.code))
            try:
                if len(bytes.fromhex(str(notice["new_signing"]))) != 32 or len(bytes.fromhex(
                        str(notice["new_kem"]))) != 32:
                    raise ValueError
            except (KeyError, ValueError):
                raise IntegrityError(_("The bundle was refused: it is damaged, incomplete or was changed.")) from None
            accepted.append(notice)
            key = str(notice["new_signing"])
        elif old in history and history[old][0] != notice.get("new_signing") and _verified(notice, sig, old):
            raise PantiError(_("The bundle was refused: it replaces an old sync key of {code} with other keys than "
                               "an earlier notice did, so someone who kept the old keys made one of them. Compare "
                               "the fingerprint of {code}'s contact card by phone and trust the card again."
                               ).format(code=peer.code))
    if accepted and key == sender_key.hex():
        return {**trusted, sender_key: peer.code}, accepted
    return trusted, []


def accept_notices(ws, code: str, notices: list[dict]) -> None:
    """Inside the import's transaction: the peer's stored keys become the new ones; the old ones
    are remembered so a bundle signed with them is refused with the reason."""
    if not notices:
        return
    with authority.changing(ws.db, ws.ring):
        for notice in notices:
            row = ws.db.execute("SELECT signing_key, kem_key FROM peer WHERE code = ?", [code]).fetchone()
            ws.db.execute("INSERT OR REPLACE INTO peer_key_history (code, signing_key, kem_key, replaced_by, "
                          "replaced_at) VALUES (?, ?, ?, ?, ?)", [code, row[0], row[1], notice["new_signing"],
                                                                  str(notice.get("at") or now_iso())])
            ws.db.execute("UPDATE peer SET signing_key = ?, kem_key = ? WHERE code = ?",
                          [notice["new_signing"], notice["new_kem"], code])
    ws.audit_event("settings", detail=f"peer keys replaced {code} ({len(notices)} notices)")


__all__ = ["Identity", "accept_notices", "follow_key_rotation", "identity", "mark_delivered", "may_sync",
           "pending_by_peer", "pending_notices", "refuse_old_receiving_key", "refuse_replaced_signer",
           "require_sync", "trust_notices"]
