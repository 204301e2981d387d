"""Sealed attachments: a scanned court decision, Litmas, consent form, letter, note or photo
kept with a child's file, never as a plaintext file anywhere.

An attachment is one row of `attachment` (plaintext: ids, the document type code, the size and
the number of chunks; sealed: file name, media type, date, note, digest) and its content in
`attachment_chunk`, cut into chunks of `CHUNK_BYTES`, each sealed on its own under the same key
with associated data that binds the attachment id, the chunk's index, the chunk count and the
attachment's version: a chunk moved to another attachment or place, dropped, or replaced by
one of an older version fails to open.

The key is the role key of the record the attachment belongs to (consent, legal track,
referral, assessment, session), or, on the child's own file, the role its document type asks
for (medical and consent forms: CLINICAL; the rest: CASE). Staff hold no CLINICAL key, so
they never open a clinical document.

Attachments do not change: a wrong one is deleted (its chunks go at once; a tombstone row
stays so the deletion travels) and added again. Every write of the table goes through
`AttachmentStore.write` (one place to hook).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidTag

from .. import jsonio
from ..domain.vocab import ATTACHMENT_CLINICAL_TYPES, ATTACHMENT_TYPES
from ..errors import IntegrityError, NotFound
from ..i18n import _
from ..vault.keyring import CASE, CLINICAL, KeyRing, key_role
from ..vault.seal import NONCE_BYTES, open_sealed, seal
from .hlc import HybridClock, version_string
from .ids import new_id
from .kinds import KINDS

CHUNK_BYTES = 256 * 1024
# The records an attachment can belong to (besides the child's own file).
RECORD_KINDS = ("consent", "legal_track", "referral", "assessment", "session")
_AAD_FORMAT = 1
# "1": this centre's documents go to headquarters in sync bundles (an administrator's choice; off by default)
TO_HQ_SETTING = "attachments_to_hq"

TABLE_SQL = (
    """CREATE TABLE attachment (
        id TEXT PRIMARY KEY,
        centre_id TEXT NOT NULL,
        child_id TEXT NOT NULL,
        record_kind TEXT,
        record_id TEXT,
        doc_type TEXT NOT NULL,
        key_id TEXT NOT NULL,
        size INTEGER NOT NULL,
        chunk_count INTEGER NOT NULL,
        hlc INTEGER NOT NULL,
        origin TEXT NOT NULL,
        seq INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        payload BLOB NOT NULL
    )""",
    "CREATE INDEX attachment_child ON attachment(child_id)",
    "CREATE INDEX attachment_record ON attachment(record_kind, record_id)",
    "CREATE INDEX attachment_seq ON attachment(seq)",
    """CREATE TABLE attachment_chunk (
        attachment_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        payload BLOB NOT NULL,
        PRIMARY KEY (attachment_id, idx)
    ) WITHOUT ROWID""",
)


def role_for(record_kind: str | None, doc_type: str) -> str:
    """The role whose key seals an attachment: its record's, else its document type's."""
    if record_kind:
        return KINDS[record_kind].role
    return CLINICAL if doc_type in ATTACHMENT_CLINICAL_TYPES else CASE


def chunks_of(content: bytes, size: int = CHUNK_BYTES) -> list[bytes]:
    """The content cut into chunks (an empty file is one empty chunk)."""
    return [content[i:i + size] for i in range(0, len(content), size)] or [b""]


@dataclass
class Attachment:
    """An attachment's metadata as a reader sees it (sealed fields opened)."""

    id: str
    child_id: str
    record_kind: str | None
    record_id: str | None
    doc_type: str
    key_id: str
    size: int
    chunk_count: int
    created_at: str
    created_by: str
    file_name: str
    media_type: str
    doc_date: str
    note: str
    sha256: str

    @property
    def role(self) -> str:
        return key_role(self.key_id)

    @property
    def clinical(self) -> bool:
        return self.role == CLINICAL

    def as_json(self) -> dict:
        return {"id": self.id, "child_id": self.child_id, "record_kind": self.record_kind,
                "record_id": self.record_id, "type": self.doc_type, "date": self.doc_date or None,
                "note": self.note, "file_name": self.file_name, "media_type": self.media_type,
                "size": self.size, "chunks": self.chunk_count, "sealed_as": self.role,
                "sha256": self.sha256, "added_at": self.created_at, "added_by": self.created_by}


def version_of(row: dict) -> str:
    return version_string(row["hlc"], row["origin"])


def meta_aad(row: dict) -> bytes:
    """What an attachment's sealed metadata is bound to: every plaintext column of its row."""
    return orjson.dumps(["attachment", _AAD_FORMAT, row["id"], version_of(row), row["key_id"], row["centre_id"],
                         row["child_id"], row["record_kind"], row["record_id"], row["doc_type"], int(row["size"]),
                         int(row["chunk_count"]), int(row["deleted"]), row["created_at"], row["created_by"]])


def chunk_aad(attachment_id: str, index: int, count: int, version: str, key_id: str) -> bytes:
    """What one chunk is bound to: its attachment, its place, how many there are, the version."""
    return orjson.dumps(["attachment_chunk", _AAD_FORMAT, attachment_id, index, count, version, key_id])


def open_blob(ring: KeyRing, key_id: str, blob: bytes, aad: bytes) -> bytes:
    try:
        return open_sealed(ring.aead(key_id), blob, aad)
    except ValueError:  # a damaged blob's length or format
        raise IntegrityError(_("A sealed record failed verification.")) from None


_CHUNK_FORMAT = 1


def chunk_cipher(ring: KeyRing, key_id: str, attachment_id: str):
    """The AES-GCM key of one document's chunks: derived from its role key and its id."""
    return ring.derived_aead(key_id, b"attachment-chunks-v1/" + attachment_id.encode())


def seal_chunks(ring: KeyRing, key_id: str, attachment_id: str, version: str,
                parts: list[bytes]) -> list[tuple[int, bytes]]:
    aead = chunk_cipher(ring, key_id, attachment_id)
    out = []
    for i, part in enumerate(parts):
        nonce = os.urandom(NONCE_BYTES)
        out.append((i, bytes([_CHUNK_FORMAT]) + nonce + aead.encrypt(
            nonce, part, chunk_aad(attachment_id, i, len(parts), version, key_id))))
    return out


def open_chunks(ring: KeyRing, row: dict, blobs: list[tuple[int, bytes]]) -> Iterator[bytes]:
    """The opened chunks of a document's row; IntegrityError at the first that fails."""
    aead = chunk_cipher(ring, row["key_id"], row["id"])
    version = version_of(row)
    for i, blob in blobs:
        if not blob or len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != _CHUNK_FORMAT:
            raise IntegrityError(_("A sealed record is damaged or in an unknown format."))
        try:
            yield aead.decrypt(blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:],
                               chunk_aad(row["id"], i, row["chunk_count"], version, row["key_id"]))
        except InvalidTag:
            raise IntegrityError(_("A sealed record failed verification.")) from None


class AttachmentStore:
    """Reads and writes the attachment tables with the keys of one unlocked session."""

    def __init__(self, db, ring: KeyRing, centre_id: str, device_id: str, clock: HybridClock):
        self.db = db
        self.ring = ring
        self.centre_id = centre_id
        self.device_id = device_id
        self.clock = clock

    # the one write ----------------------------------------------------------------

    def write(self, row: dict, chunks: list[tuple[int, bytes]] | None = None, replace_chunks: bool = False) -> None:
        """Insert or replace an attachment row and (sealed) chunks; every write of the tables is here.

        `replace_chunks` first drops the stored chunks (a deletion passes no new ones)."""
        with self.db.atomic():
            if replace_chunks:
                self.db.execute("DELETE FROM attachment_chunk WHERE attachment_id = ?", [row["id"]])
            self.db.table("attachment").upsert(row, pk="id")
            for index, blob in chunks or ():
                self.db.execute("INSERT OR REPLACE INTO attachment_chunk (attachment_id, idx, payload) "
                                "VALUES (?, ?, ?)", [row["id"], index, blob])

    # sealing -----------------------------------------------------------------------

    def seal_new(self, child_id: str, record_kind: str | None, record_id: str | None, doc_type: str,
                 content: bytes, meta: dict, user_id: str, at: str) -> tuple[dict, list[tuple[int, bytes]]]:
        """The sealed row and chunks of a new attachment (not yet written)."""
        ATTACHMENT_TYPES.validate(doc_type, "type")
        key_id = self.ring.current_id(role_for(record_kind, doc_type))
        parts = chunks_of(content)
        hlc = self.clock.tick()
        row = {"id": new_id(), "centre_id": self.centre_id, "child_id": child_id, "record_kind": record_kind,
               "record_id": record_id, "doc_type": doc_type, "key_id": key_id, "size": len(content),
               "chunk_count": len(parts), "hlc": hlc, "origin": self.device_id, "seq": hlc, "deleted": 0,
               "created_at": at, "created_by": user_id}
        meta = {**meta, "sha256": hashlib.sha256(content).hexdigest()}
        aead = self.ring.aead(key_id)
        row["payload"] = seal(aead, jsonio.dumps(meta), meta_aad(row))
        return row, seal_chunks(self.ring, key_id, row["id"], version_of(row), parts)

    def add(self, child_id: str, record_kind: str | None, record_id: str | None, doc_type: str, content: bytes,
            meta: dict, user_id: str, at: str) -> dict:
        row, sealed = self.seal_new(child_id, record_kind, record_id, doc_type, content, meta, user_id, at)
        self.write(row, sealed)
        return row

    def delete(self, attachment_id: str) -> None:
        """A tombstone: the chunks go, the row keeps its ids and a new version so the deletion travels."""
        row = self.row(attachment_id)
        hlc = self.clock.tick()
        row.update({"hlc": hlc, "origin": self.device_id, "seq": hlc, "deleted": 1, "size": 0, "chunk_count": 0})
        row["payload"] = seal(self.ring.aead(row["key_id"]), jsonio.dumps({}), meta_aad(row))
        self.write(row, replace_chunks=True)

    def delete_for_kind(self, child_id: str, record_kind: str, record_id: str | None = None) -> int:
        """Delete a child's documents filed with records of one kind (a record type past its
        retention), or with one record (deleted): tombstones, so that peers delete them too."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM attachment WHERE child_id = ? AND record_kind = ? "
                                             "AND (? IS NULL OR record_id = ?) AND deleted = 0",
                                             [child_id, record_kind, record_id, record_id])]
        for attachment_id in ids:
            self.delete(attachment_id)
        return len(ids)

    # reading -----------------------------------------------------------------------

    def row(self, attachment_id: str) -> dict:
        rows = list(self.db.query("SELECT * FROM attachment WHERE id = ?", [attachment_id]))
        if not rows:
            raise NotFound(_("No attachment with this number."))
        return rows[0]

    def rows(self, child_id: str | None = None, include_deleted: bool = False) -> list[dict]:
        where, params = [], []
        if child_id is not None:
            where.append("child_id = ?")
            params.append(child_id)
        if not include_deleted:
            where.append("deleted = 0")
        sql = "SELECT * FROM attachment" + (" WHERE " + " AND ".join(where) if where else "")
        return list(self.db.query(sql + " ORDER BY created_at, id", params))

    def open_meta(self, row: dict) -> Attachment:
        meta = jsonio.loads(open_blob(self.ring, row["key_id"], row["payload"], meta_aad(row)))
        return Attachment(id=row["id"], child_id=row["child_id"], record_kind=row["record_kind"],
                          record_id=row["record_id"], doc_type=row["doc_type"], key_id=row["key_id"],
                          size=row["size"], chunk_count=row["chunk_count"], created_at=row["created_at"],
                          created_by=row["created_by"], file_name=str(meta.get("file_name") or ""),
                          media_type=str(meta.get("media_type") or "application/octet-stream"),
                          doc_date=str(meta.get("date") or ""), note=str(meta.get("note") or ""),
                          sha256=str(meta.get("sha256") or ""))

    def content(self, row: dict, meta: Attachment | None = None) -> bytes:
        """The whole content, in memory; IntegrityError when a chunk is missing, moved or damaged."""
        meta = meta or self.open_meta(row)
        blobs = self.db.execute("SELECT idx, payload FROM attachment_chunk WHERE attachment_id = ? ORDER BY idx",
                                [row["id"]]).fetchall()
        if [i for i, _b in blobs] != list(range(row["chunk_count"])):
            raise IntegrityError(_("A part of the document is missing."))
        content = b"".join(open_chunks(self.ring, row, blobs))
        if len(content) != row["size"] or (meta.sha256 and hashlib.sha256(content).hexdigest() != meta.sha256):
            raise IntegrityError(_("The document's content does not match what was stored."))
        return content

    def used_bytes(self) -> int:
        return self.db.execute("SELECT COALESCE(SUM(size), 0) FROM attachment WHERE deleted = 0").fetchone()[0]

    # verification and key rotation --------------------------------------------------

    def problems(self) -> Iterator[tuple[dict, str]]:
        """Each live attachment this session's keys open that fails: (row, what failed)."""
        for row in self.db.query("SELECT * FROM attachment"):
            if not self.ring.has(key_role(str(row["key_id"]))):
                continue
            try:
                meta = self.open_meta(row)
                if not row["deleted"]:
                    self.content(row, meta)
            except (IntegrityError, TypeError, ValueError, KeyError) as exc:
                yield row, str(exc) if isinstance(exc, IntegrityError) else _("The record is damaged.")

    def reseal(self, ring: KeyRing, mapping: dict[str, str]) -> int:
        """Inside a key rotation: seal every attachment under a retired key with its replacement."""
        done = 0
        for old_id, new_key in mapping.items():
            if key_role(old_id) != key_role(new_key):
                continue
            for row in list(self.db.query("SELECT * FROM attachment WHERE key_id = ?", [old_id])):
                old = dict(row)
                meta = open_blob(ring, old_id, row["payload"], meta_aad(old))
                blobs = self.db.execute("SELECT idx, payload FROM attachment_chunk WHERE attachment_id = ?",
                                        [row["id"]]).fetchall()
                parts = list(open_chunks(ring, old, sorted(blobs)))
                row["key_id"] = new_key
                row["payload"] = seal(ring.aead(new_key), meta, meta_aad(row))
                self.write(row, seal_chunks(ring, new_key, row["id"], version_of(row), parts))
                done += 1
        return done


# erasure: plain deletes, no keys needed (retention, erasure tombstones from peers) --------------


def erase_child(db, child_id: str) -> None:
    """Delete every attachment of a child, chunks first."""
    db.execute("DELETE FROM attachment_chunk WHERE attachment_id IN (SELECT id FROM attachment WHERE child_id = ?)",
               [child_id])
    db.execute("DELETE FROM attachment WHERE child_id = ?", [child_id])


