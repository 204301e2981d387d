"""Attachments in sync bundles: one `att` line with an attachment's row and opened metadata, then
its content as `attc` lines, one per stored chunk (at most 256 KiB, base64: far below the 1 MiB
line limit). The receiver checks the lines, decides with the same custody rules as the child's
records, and seals the content under its own key for the role the document asks for there
(never the role a line claims). Lines are documented in docs/bundle-format.md.

Documents go to headquarters only where the centre chose it (`TO_HQ_SETTING`); case transfers
always carry them (the file moves whole); an erasure tombstone erases them at the receiver with
the case (store/cases.erase_child_rows).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from .. import jsonio
from ..domain.vocab import ATTACHMENT_TYPES
from ..i18n import _
from ..store import attachments as SA
from ..store.hlc import version_string
from ..vault.seal import seal
from . import lines as L

MAX_SIZE = 1000 * 1024 * 1024  # the largest per-file limit a centre can set
MAX_TEXT = 2000


def _store(ws) -> SA.AttachmentStore:
    return SA.AttachmentStore(ws.db, ws.ring, ws.centre_id, ws.device_id, ws.records.clock)


def goes_to_hq(ws) -> bool:
    return ws.setting(SA.TO_HQ_SETTING) == "1"


# --- export ---------------------------------------------------------------------------------------


def changed_items(ws, base: int, upto: int, children: set[str] | None, to_hq: bool) -> Iterator[tuple]:
    """("att", "", row) for each attachment changed since the peer's acknowledgement."""
    if to_hq and not goes_to_hq(ws):
        return
    for row in ws.db.query("SELECT * FROM attachment WHERE seq > ? AND seq <= ?", [base, upto]):
        if children is None or row["child_id"] in children:
            yield "att", "", row


def child_items(ws, child_id: str) -> Iterator[tuple]:
    for row in ws.db.query("SELECT * FROM attachment WHERE child_id = ?", [child_id]):
        yield "att", "", row


def lines(ws, row: dict) -> Iterator[bytes]:
    """The `att` line of an attachment and its `attc` chunk lines (opened here, sealed again there)."""
    meta = {} if row["deleted"] else jsonio.loads(SA.open_blob(ws.ring, row["key_id"], row["payload"], SA.meta_aad(row)))
    yield L.dump({"t": "att", "id": row["id"], "centre_id": row["centre_id"], "child_id": row["child_id"],
                  "record_kind": row["record_kind"], "record_id": row["record_id"], "doc_type": row["doc_type"],
                  "size": row["size"], "n": row["chunk_count"], "hlc": row["hlc"], "origin": row["origin"],
                  "deleted": row["deleted"], "created_at": row["created_at"], "created_by": row["created_by"],
                  "meta": meta})
    if row["deleted"]:
        return
    blobs = ws.db.execute("SELECT idx, payload FROM attachment_chunk WHERE attachment_id = ? ORDER BY idx",
                          [row["id"]]).fetchall()
    for (index, _blob), part in zip(blobs, SA.open_chunks(ws.ring, row, blobs), strict=True):
        yield L.dump({"t": "attc", "id": row["id"], "i": index, "n": row["chunk_count"],
                      "data": base64.b64encode(part).decode("ascii")})


# --- import ---------------------------------------------------------------------------------------


@dataclass
class _Arriving:
    obj: dict
    chunks: dict[int, bytes] = field(default_factory=dict)
    received: int = 0


def _text(value, most: int = 64) -> str | None:
    return value if type(value) is str and 0 < len(value) <= most else None


class Incoming:
    """The attachment lines of one bundle, checked as they come and applied after its records."""

    def __init__(self, bound: int):
        self.bound = bound
        self.arriving: dict[str, _Arriving] = {}
        self.refused: list[L.Refused] = []

    def _refuse(self, obj: dict, reason: str) -> None:
        att_id = str(obj.get("id") or "")[:64]
        self.arriving.pop(att_id, None)
        self.refused.append(L.Refused("att", "attachment", att_id, str(obj.get("child_id") or "")[:64], "", reason))

    def line(self, obj: dict) -> None:
        if obj.get("t") == "att":
            self._head(obj)
        else:
            self._chunk(obj)

    def _head(self, obj: dict) -> None:
        n, size, meta = obj.get("n"), obj.get("size"), obj.get("meta")
        ids_ok = all(_text(obj.get(k)) for k in ("id", "centre_id", "child_id", "origin", "created_at", "created_by"))
        record_ok = (obj.get("record_kind") is None and obj.get("record_id") is None) or (
            obj.get("record_kind") in SA.RECORD_KINDS and _text(obj.get("record_id")))
        reason = L.clock_refusal(obj.get("hlc"), self.bound)
        if reason is None and not (ids_ok and record_ok and obj.get("doc_type") in ATTACHMENT_TYPES
                                   and obj.get("deleted") in (0, 1) and isinstance(meta, dict)):
            reason = _("The document's description is incomplete or not valid.")
        if reason is None and not obj["deleted"] and not (
                type(size) is int and 0 <= size <= MAX_SIZE and type(n) is int
                and n == max(1, -(-size // SA.CHUNK_BYTES))
                and all(type(meta.get(k, "")) is str and len(meta.get(k, "")) <= MAX_TEXT
                        for k in ("file_name", "media_type", "date", "note", "sha256"))):
            reason = _("The document's size, parts or description are not valid.")
        if reason is not None:
            self._refuse(obj, reason)
            return
        self.arriving[obj["id"]] = _Arriving(obj)

    def _chunk(self, obj: dict) -> None:
        a = self.arriving.get(str(obj.get("id") or ""))
        if a is None:
            return  # its description was refused (or never came): the part goes with it
        index, data = obj.get("i"), obj.get("data")
        try:
            part = base64.b64decode(data, validate=True) if type(data) is str else None
        except (binascii.Error, ValueError):
            part = None
        if (part is None or type(index) is not int or not 0 <= index < a.obj["n"] or index in a.chunks
                or len(part) > SA.CHUNK_BYTES or a.received + len(part) > a.obj["size"]):
            self._refuse(a.obj, _("A part of the document is damaged or does not belong to it."))
            return
        a.chunks[index] = part
        a.received += len(part)

    def apply(self, ws, custody, erased: set[str]) -> tuple[int, list[L.Refused]]:
        """Seal and write the attachments whose child this sender may write here; (applied, refused)."""
        s = _store(ws)
        done = 0
        for a in list(self.arriving.values()):
            obj = a.obj
            cid = obj["child_id"]
            if cid in erased:
                continue
            here = ws.db.execute("SELECT 1 FROM child WHERE id = ?", [cid]).fetchone()
            decision = custody.child(cid, final=True)
            if decision:
                self._refuse(obj, decision)
                continue
            if here is None:
                self._refuse(obj, _("The document's child is not here."))
                continue
            if obj["record_kind"]:
                rec = ws.db.execute(f"SELECT child_id FROM {obj['record_kind']} WHERE id = ?",
                                    [obj["record_id"]]).fetchone()
                if rec is None or rec[0] != cid:
                    self._refuse(obj, _("The record the document belongs to is not in this child's file here."))
                    continue
            content = b""
            if not obj["deleted"]:
                if sorted(a.chunks) != list(range(obj["n"])):
                    self._refuse(obj, _("A part of the document is missing."))
                    continue
                content = b"".join(a.chunks[i] for i in range(obj["n"]))
                digest = obj["meta"].get("sha256")
                if len(content) != obj["size"] or (digest and hashlib.sha256(content).hexdigest() != digest):
                    self._refuse(obj, _("The document's content does not match what was stored."))
                    continue
            done += int(_write(s, obj, content))
        return done, self.refused


def _write(s: SA.AttachmentStore, obj: dict, content: bytes) -> bool:
    """Seal an arriving version here, unless this installation holds it or a newer one."""
    local = s.db.execute("SELECT hlc, origin FROM attachment WHERE id = ?", [obj["id"]]).fetchone()
    if local is not None and (local[0], local[1]) >= (obj["hlc"], obj["origin"]):
        return False
    key_id = s.ring.current_id(SA.role_for(obj["record_kind"], obj["doc_type"]))
    parts = SA.chunks_of(content) if not obj["deleted"] else []
    seq = s.clock.tick()
    row = {"id": obj["id"], "centre_id": obj["centre_id"], "child_id": obj["child_id"],
           "record_kind": obj["record_kind"], "record_id": obj["record_id"], "doc_type": obj["doc_type"],
           "key_id": key_id, "size": 0 if obj["deleted"] else len(content), "chunk_count": len(parts),
           "hlc": obj["hlc"], "origin": obj["origin"], "seq": seq, "deleted": obj["deleted"],
           "created_at": obj["created_at"], "created_by": obj["created_by"]}
    aead = s.ring.aead(key_id)
    meta = {} if obj["deleted"] else {k: obj["meta"].get(k, "") for k in
                                      ("file_name", "media_type", "date", "note", "sha256")}
    row["payload"] = seal(aead, jsonio.dumps(meta), SA.meta_aad(row))
    sealed = SA.seal_chunks(s.ring, key_id, row["id"], version_string(row["hlc"], row["origin"]), parts)
    s.write(row, sealed, replace_chunks=True)
    return True
