"""This installation's sync identity, contact cards and trusted peers.

The identity (`identity.py`) is an Ed25519 signing key and an X25519 receiving
key, sealed under a key derived from the ADMIN role key (managers and
administrators sync). A contact card carries a
centre's code, name, role and public keys; before a card is trusted, its
fingerprint is compared on paper or by phone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import PantiError, ValidationError
from ..files import is_device_name
from ..i18n import _
from ..store.records import now_iso
from ..vault import authority
from .identity import Identity, identity  # noqa: F401  (Identity re-exported for the export and the import)

CARD_FORMAT = 1
MAX_CARD = 16 * 1024
ROLES = ("centre", "hq")


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
    identity(ws)  # made now, by an administrator, so managers can sync with this peer
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
