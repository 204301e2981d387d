"""This installation's sync identity, contact cards and trusted peers.

The identity is an Ed25519 signing key and an X25519 receiving key, created on
first use and kept sealed under a key derived from the centre master key (so
only administrators can sign or open bundles). A contact card carries a
centre's code, name, role and public keys; before a card is trusted, its
fingerprint is compared on paper or by phone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import IntegrityError, PantiError, ValidationError
from ..files import is_device_name
from ..i18n import _
from ..store.records import now_iso
from ..vault import authority
from ..vault.keyring import MASTER, key_role
from .bundle import new_identity, raw_public

CARD_FORMAT = 1
MAX_CARD = 16 * 1024
ROLES = ("centre", "hq")


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


@dataclass
class Peer:
    code: str
    name: str
    role: str
    signing_key: bytes
    kem_key: bytes
    added_at: str
    revoked_at: str | None
    # False when the row's MAC fails (changed or planted in the file): the peer is not trusted;
    # None when this user holds no ADMIN key to check it with
    authentic: bool | None = True

    @property
    def fingerprint(self) -> str:
        return card_fingerprint(self.signing_key, self.kem_key)


def card_fingerprint(signing_key: bytes, kem_key: bytes) -> str:
    """Five groups of four hex digits over both public keys, to read aloud or compare on paper."""
    import hashlib

    h = hashlib.sha256(b"panti-card/1|" + signing_key + kem_key).hexdigest().upper()[:20]
    return " ".join(h[i:i + 4] for i in range(0, 20, 4))


def _master(ws) -> tuple[str, bytes]:
    masters = [k for k in ws.ring.keys if key_role(k) == MASTER]
    if not masters:
        raise PantiError(_("Only an administrator can use sync."))
    master_id = max(masters, key=lambda k: int(k.split(":")[1]))
    return master_id, bytes(ws.ring.keys[master_id])


def _identity_key(master: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"panti-sync-identity/1").derive(master)


def _seal_identity(ws, identity: Identity, master_id: str, master: bytes) -> None:
    secret = json.dumps({
        "signing": identity.signing.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                  serialization.NoEncryption()).hex(),
        "kem": identity.kem.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption()).hex(),
    }).encode()
    nonce = os.urandom(12)
    aad = f"panti-sync-identity/1|{ws.centre_id}|{master_id}".encode()
    ws.db.table("sync_identity").upsert({
        "id": 1, "signing_public": identity.signing_public.hex(), "kem_public": identity.kem_public.hex(),
        "master_id": master_id, "sealed": nonce + AESGCM(_identity_key(master)).encrypt(nonce, secret, aad),
    }, pk="id")


def identity(ws, check: bool = True) -> Identity:
    """This installation's keys; made (and sealed) on first use. Refused when the sync identity or
    the centre's identity was changed in the file (`check`; off while the keys are replaced)."""
    master_id, master = _master(ws)
    if check:
        bad = [f.sentence() for f in authority.failures(ws.db, ws.ring, ("sync_identity", "store_meta"))]
        bad += [_("Row {row} of table {table} was deleted outside the app.").format(
                    row="/".join(str(p) for p in pk), table=t)
                for t, pk in authority.missing(ws.db, ws.ring) if t in ("sync_identity", "store_meta", "vault_meta")]
        if bad:
            raise IntegrityError(_("Sync is refused: {problem}").format(problem=bad[0]))
    row = ws.db.execute("SELECT master_id, sealed FROM sync_identity WHERE id = 1").fetchone()
    if row is None:
        signing, kem = new_identity()
        ident = Identity(signing, kem)
        with ws.db.atomic(), authority.changing(ws.db, ws.ring):
            _seal_identity(ws, ident, master_id, master)
        return ident
    sealed_under, sealed = row
    if sealed_under not in ws.ring.keys:
        raise IntegrityError(_("The sync keys are sealed under a key this vault no longer has."))
    aad = f"panti-sync-identity/1|{ws.centre_id}|{sealed_under}".encode()
    try:
        secret = json.loads(AESGCM(_identity_key(bytes(ws.ring.keys[sealed_under]))).decrypt(
            sealed[:12], sealed[12:], aad))
    except Exception:
        raise IntegrityError(_("The sync keys of this installation are damaged.")) from None
    ident = Identity(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret["signing"])),
                     X25519PrivateKey.from_private_bytes(bytes.fromhex(secret["kem"])))
    if sealed_under != master_id:  # the master key was replaced: seal the keys under the new one
        with ws.db.atomic(), authority.changing(ws.db, ws.ring):
            _seal_identity(ws, ident, master_id, master)
    return ident


def reseal_identity(ws, ring) -> None:
    """During a master-key rotation (both keys still in `ring`): seal the sync keys under the new one."""
    row = ws.db.execute("SELECT master_id FROM sync_identity WHERE id = 1").fetchone()
    masters = [k for k in ring.keys if key_role(k) == MASTER]
    if row is None or not masters:
        return
    newest = max(masters, key=lambda k: int(k.split(":")[1]))
    if row[0] == newest or row[0] not in ring.keys:
        return
    saved, ws.ring = ws.ring, ring
    try:
        identity(ws, check=False)  # opens with the old master and re-seals under the newest
    finally:
        ws.ring = saved


def contact_card(ws, role: str | None = None) -> dict:
    ident = identity(ws)
    role = role or ("hq" if (ws.setting("centre_type") or _centre_type(ws)) == "hq" else "centre")
    return {"format": CARD_FORMAT, "code": ws.centre_code, "name": ws.centre_name, "role": role,
            "signing_key": ident.signing_public.hex(), "kem_key": ident.kem_public.hex(),
            "fingerprint": card_fingerprint(ident.signing_public, ident.kem_public)}


def _centre_type(ws) -> str:
    row = ws.db.execute("SELECT value FROM store_meta WHERE key = 'centre_type'").fetchone()
    return row[0] if row else "sentra"


def export_card(ws, path: Path) -> dict:
    if is_device_name(Path(path).name):  # NUL.pantipeer is the null device on Windows: the card would be lost
        raise ValidationError(_("{name} is the name of a device on Windows, and the file would be lost; choose "
                                "another name.").format(name=Path(path).name))
    card = contact_card(ws)
    Path(path).write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    return card


def read_card(path: Path) -> dict:
    data = Path(path).read_bytes()
    if len(data) > MAX_CARD:
        raise ValidationError(_("This file is not a Panti contact card."))
    try:
        card = json.loads(data)
        if card.get("format") != CARD_FORMAT:
            raise ValidationError(_("This contact card uses a format this version cannot read."))
        signing, kem = bytes.fromhex(card["signing_key"]), bytes.fromhex(card["kem_key"])
        if len(signing) != 32 or len(kem) != 32 or card.get("role") not in ROLES:
            raise ValueError
        code = str(card["code"]).strip().upper()
        if not code or len(code) > 12:
            raise ValueError
    except ValidationError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValidationError(_("This file is not a Panti contact card.")) from None
    return {**card, "code": code, "fingerprint": card_fingerprint(signing, kem)}


def add_peer(ws, path: Path, expected_fingerprint: str | None = None) -> Peer:
    """Trust a centre's contact card. With a fingerprint given, it must match exactly."""
    ws.require_admin()
    card = read_card(path)
    if expected_fingerprint is not None:
        given = "".join(expected_fingerprint.split()).upper()
        if given != card["fingerprint"].replace(" ", ""):
            raise PantiError(_("The fingerprint does not match the contact card: it was not trusted."))
    if card["code"] == ws.centre_code:
        raise PantiError(_("This is this centre's own contact card."))
    with ws.db.atomic(), authority.changing(ws.db, ws.ring, rewrites=(("peer", (card["code"],)),)):
        ws.db.table("peer").upsert({"code": card["code"], "name": str(card.get("name") or ""), "role": card["role"],
                                    "signing_key": card["signing_key"], "kem_key": card["kem_key"],
                                    "added_at": now_iso(), "added_by": ws.user.id, "revoked_at": None}, pk="code")
        ws.audit_event("settings", detail=f"peer trusted {card['code']} {card['fingerprint']}")
    return peer(ws, card["code"])


def revoke_peer(ws, code: str) -> Peer:
    ws.require_admin()
    p = peer(ws, code)
    with ws.db.atomic(), authority.changing(ws.db, ws.ring):
        ws.db.execute("UPDATE peer SET revoked_at = ? WHERE code = ?", [now_iso(), p.code])
        ws.audit_event("settings", detail=f"peer revoked {p.code}")
    return peer(ws, code)


def peer(ws, code: str) -> Peer:
    rows = list(ws.db.query("SELECT * FROM peer WHERE code = ?", [code.strip().upper()]))
    if not rows:
        raise PantiError(_("No peer with code {code}.").format(code=code))
    row = rows[0]
    try:
        signing, kem = bytes.fromhex(row["signing_key"]), bytes.fromhex(row["kem_key"])
    except (TypeError, ValueError):
        signing, kem = b"", b""
    authentic = authority.is_authentic(ws.db, ws.ring, "peer", row)
    return Peer(row["code"], row["name"], row["role"], signing, kem, row["added_at"], row["revoked_at"],
                authentic=authentic if signing and kem else False)


def peers(ws) -> list[Peer]:
    return [peer(ws, r[0]) for r in ws.db.execute("SELECT code FROM peer ORDER BY code")]


def trusted_signers(ws) -> dict[bytes, str]:
    """Signing keys of the peers whose bundles may be imported (not revoked, row authentic)."""
    return {p.signing_key: p.code for p in peers(ws) if p.revoked_at is None and p.authentic}
