"""The audit log: append-only, hash-chained, every entry sealed to the ADMIN public key.

Any user can append (sealing needs only the public key) and anyone can check the
chain (it hashes ciphertexts); only managers and admins can read what was done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlite_utils import Database

from ..errors import IntegrityError, PermissionDenied
from ..i18n import _
from ..vault.keyring import CASE, KeyRing
from . import heads

# The audit log's head: its length and last hash, under a MAC keyed from the current CASE key (which
# every user holds, since every user appends), written in the same transaction as each entry. It
# names a log cut at its end or rewritten (an entry sealed again and the chain recomputed), which the
# chain alone cannot: the chain of a shorter or recomputed log is still a valid chain.
HEAD = "audit_head"

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
    "open_anyway",
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
        digest = _chain_hash(prev, seq, at, key_id, sealed)
        with self.db.atomic():  # one commit (one flush to the disk) for the entry and the head
            self.db.table("audit").insert(
                {
                    "seq": seq,
                    "at": at,
                    "key_id": key_id,
                    "sealed": sealed,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            self._write_head(seq, digest)
        return seq

    def refresh_head(self) -> None:
        """Record the record tables' committed state in the head again, after a write that adds no
        entry (a draft saved): the log itself is unchanged."""
        seq, digest = self.head()
        if seq:
            self._write_head(seq, digest)

    def _write_head(self, seq: int, digest: str) -> None:
        key_id = self.ring.current.get(CASE)
        if key_id is None or key_id not in self.ring.keys:
            return
        # the record tables' heads as they are at this entry: one table put back with its head is named
        records = heads.fingerprint(self.db.conn)
        value = json.dumps({"seq": seq, "hash": digest, "key_id": key_id, "records": records,
                            "mac": _head_mac(_head_key(self.ring, key_id), seq, digest, records)})
        self.db.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)", [HEAD, value])

    def _seal(self, body: bytes, seq: int) -> tuple[str, bytes]:
        """Encrypt one entry to the current ADMIN public key: (key id, ciphertext)."""
        if self.ring.audit_public is None:
            raise PermissionDenied(_("The audit log cannot be written while the vault is locked."))
        key_id, public = self.ring.audit_public
        return key_id, _HPKE.encrypt(body, public, info=_info(seq))

    def head(self) -> tuple[int, str]:
        last = self.db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return (last[0], last[1]) if last else (0, GENESIS)

    def entries(self, limit: int | None = None, child_id: str | None = None,
                since: str | None = None, seqs: list[int] | None = None) -> list[AuditEntry]:
        """Decrypted entries, newest first (written at `since` or later, and only the numbers `seqs`,
        if given). Needs an ADMIN key (managers and admins)."""
        where, params = [], []
        if since:
            where.append("at >= ?")
            params.append(since)
        if seqs is not None:
            where.append(f"seq IN ({','.join('?' * len(seqs))})")
            params += [int(s) for s in seqs]
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq DESC"
        out = []
        for row in self.db.query(sql, params):
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


def _head_key(ring: KeyRing, key_id: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=f"panti-audit-head/1|{key_id}".encode()).derive(
        bytes(ring.keys[key_id]))


def _head_mac(key: bytes, seq: int, digest: str, records: dict | None = None) -> str:
    if records is None:  # a head written before the record tables had heads
        return hmac.new(key, f"panti-audit-head/1|{seq}|{digest}".encode(), hashlib.sha256).hexdigest()
    text = json.dumps(records, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, f"panti-audit-head/2|{seq}|{digest}|{text}".encode(), hashlib.sha256).hexdigest()


def verify_head(db: Database, ring: KeyRing, required: bool) -> list[str]:
    """Whether the log ends where its head says (`required`: the head must exist once the vault was
    upgraded). A head this user's keys cannot check (a retired key) is left alone."""
    last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    row = db.execute("SELECT value FROM store_meta WHERE key = ?", [HEAD]).fetchone()
    if row is None:
        return [_("The audit log's head is missing: the log may have been cut or rewritten outside the app.")] \
            if required and last is not None else []
    try:
        head = json.loads(row[0])
        seq, digest, key_id, mac = int(head["seq"]), str(head["hash"]), str(head["key_id"]), str(head["mac"])
        records = head.get("records")
        if records is not None and not isinstance(records, dict):
            raise TypeError
    except (TypeError, ValueError, KeyError):
        return [_("The audit log's head was changed outside the app.")]
    if key_id not in ring.keys:
        return []
    if not hmac.compare_digest(mac, _head_mac(_head_key(ring, key_id), seq, digest, records)):
        return [_("The audit log's head was changed outside the app.")]
    out = []
    now = heads.fingerprint(db.conn)
    if records is None and now and not heads.pending(db.conn):
        out.append(_("The audit log's head does not record the committed state of the records: it was put back "
                     "from an older copy."))
    for table in sorted(set(records or {}) | (set(now) if records is not None else set())):
        if (records or {}).get(table) != now.get(table):
            out.append(_("Table {table} is not in the state the audit log's last entry recorded: the table was put "
                         "back, with its committed state, from an older copy.").format(table=table))
    end = last[0] if last else 0
    if end < seq:
        return out + [_("The audit log was cut: entries {first}–{last} are missing.").format(first=end + 1, last=seq)]
    at = db.execute("SELECT hash FROM audit WHERE seq = ?", [seq]).fetchone()
    if at is None or at[0] != digest:
        return out + [_("The audit log was rewritten outside the app: entry {seq} is not the one that was "
                        "written.").format(seq=seq)]
    if end > seq:
        return out + [_("Audit entries {first}–{last} were added outside the app.").format(first=seq + 1, last=end)]
    return out


def verify_checkpoints(db: Database) -> list[str]:
    """The audit checkpoints this centre sent in its sync bundles (an anchor the peer keeps too): the
    log must still hold each entry with the hash that was sent."""
    problems = []
    for seq, digest, peer, at in db.execute(
            "SELECT audit_seq, audit_hash, peer, at FROM sync_bundle WHERE direction = 'out' "
            "AND audit_seq IS NOT NULL AND audit_hash IS NOT NULL ORDER BY seq"):
        row = db.execute("SELECT hash FROM audit WHERE seq = ?", [seq]).fetchone()
        if row is None or row[0] != digest:
            problems.append(_("The audit log no longer holds entry {seq} as it was sent to {peer} on {at}: it was "
                              "cut or rewritten.").format(seq=seq, peer=peer, at=str(at)[:10]))
            break
    return problems
