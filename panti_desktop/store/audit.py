"""The audit log: append-only, hash-chained, every entry sealed to the ADMIN public key.

Any user can append (sealing needs only the public key) and anyone can check the
chain (it hashes ciphertexts); only managers and admins can read what was done.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hpke
from sqlite_utils import Database

from ..errors import IntegrityError, PermissionDenied
from ..i18n import _
from ..vault.keyring import KeyRing

GENESIS = "0" * 64
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)

ACTIONS = (
    "create",
    "update",
    "delete",
    "read_clinical",
    "reveal_identity",
    "print",
    "export",
    "import",
    "user_add",
    "user_remove",
    "passphrase_change",
    "recover",
    "init",
    "lifecycle",
    "finalise",
    "demo",
    "settings",
    "submit",
    "backup",
    "restore",
    "erase",
)


def _info(seq: int) -> bytes:
    return f"panti-audit/1|{seq}".encode()


def _chain_hash(prev_hash: str, seq: int, at: str, key_id: str, sealed: bytes) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode())
    h.update(seq.to_bytes(8, "big"))
    h.update(at.encode())
    h.update(key_id.encode())
    h.update(sealed)
    return h.hexdigest()


@dataclass
class AuditEntry:
    seq: int
    at: str
    user_id: str
    user: str
    action: str
    kind: str | None
    record_id: str | None
    child_id: str | None
    detail: str | None


class AuditLog:
    def __init__(self, db: Database, ring: KeyRing):
        self.db = db
        self.ring = ring

    def append(
        self,
        user_id: str,
        user: str,
        action: str,
        kind: str | None = None,
        record_id: str | None = None,
        child_id: str | None = None,
        detail: str | None = None,
    ) -> int:
        last = self.db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        body = json.dumps(
            {
                "user_id": user_id,
                "user": user,
                "action": action,
                "kind": kind,
                "record_id": record_id,
                "child_id": child_id,
                "detail": detail,
            },
            ensure_ascii=False,
        ).encode()
        key_id, sealed = self._seal(body, seq)
        self.db.table("audit").insert(
            {
                "seq": seq,
                "at": at,
                "key_id": key_id,
                "sealed": sealed,
                "prev_hash": prev,
                "hash": _chain_hash(prev, seq, at, key_id, sealed),
            }
        )
        return seq

    def _seal(self, body: bytes, seq: int) -> tuple[str, bytes]:
        """Encrypt one entry to the current ADMIN public key: (key id, ciphertext)."""
        if self.ring.audit_public is None:
            raise PermissionDenied(_("The audit log cannot be written while the vault is locked."))
        key_id, public = self.ring.audit_public
        return key_id, _HPKE.encrypt(body, public, info=_info(seq))

    def head(self) -> tuple[int, str]:
        last = self.db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return (last[0], last[1]) if last else (0, GENESIS)

    def entries(self, limit: int | None = None, child_id: str | None = None) -> list[AuditEntry]:
        """Decrypted entries, newest first. Needs an ADMIN key (managers and admins)."""
        sql = "SELECT * FROM audit ORDER BY seq DESC"
        out = []
        for row in self.db.query(sql):
            try:
                private = self.ring.private_key(row["key_id"])
            except PermissionDenied:
                raise PermissionDenied(_("Only managers and administrators can read the audit log.")) from None
            try:
                body = json.loads(_HPKE.decrypt(row["sealed"], private, info=_info(row["seq"])))
            except Exception:
                raise IntegrityError(
                    _("Audit entry {seq} is damaged.").format(seq=row["seq"])
                ) from None
            if child_id and body.get("child_id") != child_id:
                continue
            out.append(AuditEntry(seq=row["seq"], at=row["at"], **body))
            if limit and len(out) >= limit:
                break
        return out


def verify_chain(db: Database) -> list[str]:
    """Problems in the chain (edited, deleted, inserted or reordered entries); empty if intact."""
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    for row in db.query("SELECT * FROM audit ORDER BY seq"):
        seq = row["seq"]
        if not isinstance(seq, int) or not all(isinstance(row[c], str) for c in ("at", "key_id", "prev_hash", "hash")) \
                or not isinstance(row["sealed"], bytes):
            problems.append(_("Audit entry {seq} is damaged.").format(seq=seq))
            prev, expected_seq = row["hash"], (seq + 1 if isinstance(seq, int) else expected_seq + 1)
            continue
        if seq != expected_seq:
            problems.append(
                _("Audit entries {first}–{last} are missing.").format(first=expected_seq, last=seq - 1)
            )
        if row["prev_hash"] != prev:
            problems.append(_("Audit entry {seq} does not follow the entry before it.").format(seq=seq))
        if _chain_hash(row["prev_hash"], seq, row["at"], row["key_id"], row["sealed"]) != row["hash"]:
            problems.append(_("Audit entry {seq} was changed after it was written.").format(seq=seq))
        prev, expected_seq = row["hash"], seq + 1
    return problems
