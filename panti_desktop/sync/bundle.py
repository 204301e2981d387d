"""The sync bundle container (format 1): signed by the sender, encrypted to each recipient.

Layout (all integers big-endian; every length is bounded before anything is read):

    magic "PANTISYN" | format u16
    header length u32 | header (UTF-8 JSON, at most 64 KiB)
    recipient count u16 | per recipient: key fingerprint (16) | length u16 | HPKE-sealed content key
    chunks: length u32 | nonce (12) | AES-256-GCM ciphertext        (at most 4 MiB each)
    end marker (4 zero bytes) | Ed25519 signature (64) over SHA-256 of every byte before it

The header (format, bundle id, sender, per-sender sequence number, hash of the
previous bundle to that peer, recipients, counts, clock range) is readable, so a
receiver can tell who sent what before decrypting; it identifies no child. Each
chunk's associated data binds the bundle id, the SHA-256 of the header, its
index and whether it is the last, so truncation, reordering, appended data and a
chunk from another bundle are refused. The signature covers the header, the
recipients and all ciphertext: nothing is decrypted before it verifies.
See docs/bundle-format.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .. import files
from ..errors import IntegrityError, PantiError
from ..i18n import _

MAGIC = b"PANTISYN"
FORMAT = 1
MAX_HEADER = 64 * 1024
MAX_RECIPIENTS = 64
MAX_WRAPPED = 512
MAX_CHUNK = 4 * 1024 * 1024
CHUNK = 1024 * 1024
SIGNATURE = 64
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public: bytes) -> bytes:
    """16 bytes naming a receiving key; shown to people as groups of hex digits."""
    return hashlib.sha256(b"panti-key/1|" + public).digest()[:16]


def fingerprint_text(public: bytes) -> str:
    h = fingerprint(public).hex().upper()[:20]
    return " ".join(h[i:i + 4] for i in range(0, 20, 4))


def _refused(reason: str) -> PantiError:
    return PantiError(_("The bundle was refused: {reason}").format(reason=reason))


def _damaged() -> IntegrityError:
    return IntegrityError(_("The bundle was refused: it is damaged, incomplete or was changed."))


@dataclass
class Recipient:
    code: str
    kem_public: bytes  # raw X25519 public key


def _aad(bundle_id: str, header_hash: bytes, index: int, last: bool) -> bytes:
    return b"panti-bundle/1|" + bundle_id.encode() + header_hash + struct.pack(">QB", index, int(last))


def write_bundle(path: Path, header: dict, payload: Iterable[bytes], recipients: list[Recipient],
                 signing_key: Ed25519PrivateKey) -> Path:
    """Write a bundle under a temporary name and rename it (a pulled stick leaves no half bundle)."""
    write_bundle_hashed(path, header, payload, recipients, signing_key)
    return Path(path)


def write_bundle_hashed(path: Path, header: dict, payload: Iterable[bytes], recipients: list[Recipient],
                        signing_key: Ed25519PrivateKey) -> str:
    """`write_bundle`, returning the bundle's hash (SHA-256 of the signed bytes, hex)."""
    if not recipients or len(recipients) > MAX_RECIPIENTS:
        raise PantiError(_("A bundle needs between 1 and {n} recipients.").format(n=MAX_RECIPIENTS))
    path = Path(path)
    header = {**header, "format": FORMAT,
              "recipients": [{"code": r.code, "key": fingerprint(r.kem_public).hex()} for r in recipients],
              "sender_key": raw_public(signing_key.public_key()).hex()}
    header.setdefault("bundle_id", os.urandom(16).hex())
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    if len(header_bytes) > MAX_HEADER:
        raise PantiError(_("The bundle header is too large."))
    header_hash = hashlib.sha256(header_bytes).digest()
    content_key = AESGCM.generate_key(256)
    aead = AESGCM(content_key)
    tmp = path.with_name("." + path.name + ".partial")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as f:
            def out(data: bytes) -> None:
                digest.update(data)
                f.write(data)

            out(MAGIC + struct.pack(">H", FORMAT) + struct.pack(">I", len(header_bytes)) + header_bytes)
            out(struct.pack(">H", len(recipients)))
            for r in recipients:
                wrapped = _HPKE.encrypt(content_key, X25519PublicKey.from_public_bytes(r.kem_public),
                                        info=b"panti-bundle/1|" + header_hash)
                out(fingerprint(r.kem_public) + struct.pack(">H", len(wrapped)) + wrapped)
            for i, (plain, last) in enumerate(_with_last(_rechunk(payload))):
                nonce = os.urandom(12)
                sealed = aead.encrypt(nonce, plain, _aad(header["bundle_id"], header_hash, i, last))
                out(struct.pack(">I", len(sealed)) + nonce + sealed)
            out(b"\0\0\0\0")
            body_hash = digest.digest()
            f.write(signing_key.sign(body_hash))
            f.flush()
            os.fsync(f.fileno())
        files.replace(tmp, path)  # write-through on Windows; a short antivirus lock is waited out
        files.fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return body_hash.hex()


def _with_last(items: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each item with whether it is the last one (one item of look-ahead: nothing is held in memory)."""
    prev = next(items)
    for item in items:
        yield prev, False
        prev = item
    yield prev, True


def _rechunk(payload: Iterable[bytes]) -> Iterator[bytes]:
    buf = bytearray()
    for part in payload:
        buf += part
        while len(buf) >= CHUNK:
            yield bytes(buf[:CHUNK])
            del buf[:CHUNK]
    yield bytes(buf)  # always at least one chunk, so "last" is always bound


@dataclass
class OpenedBundle:
    """A verified bundle; its chunks are decrypted one at a time as they are read."""

    header: dict
    sender_key: bytes
    hash: str
    path: Path
    _aead: AESGCM
    _header_hash: bytes
    _spans: list[tuple[int, int]]
    _key: bytes = field(default=b"", repr=False)
    notices: list = field(default_factory=list)  # key replacement notices that made the sender trusted

    def portable(self) -> dict:
        """What another process needs to read this verified bundle's chunks (its content key
        included: hand it only to a process of this app, over a pipe)."""
        return {"header": self.header, "sender_key": self.sender_key, "hash": self.hash, "path": str(self.path),
                "key": self._key, "header_hash": self._header_hash, "spans": self._spans}

    @classmethod
    def from_portable(cls, p: dict) -> OpenedBundle:
        return cls(p["header"], p["sender_key"], p["hash"], Path(p["path"]), AESGCM(p["key"]), p["header_hash"],
                   p["spans"], p["key"])

    def iter_chunks(self) -> Iterator[bytes]:
        bundle_id = str(self.header.get("bundle_id"))
        with open(self.path, "rb") as f:
            for i, (offset, length) in enumerate(self._spans):
                f.seek(offset)
                nonce, sealed = f.read(12), f.read(length)
                try:
                    yield self._aead.decrypt(nonce, sealed, _aad(bundle_id, self._header_hash, i,
                                                                 i == len(self._spans) - 1))
                except InvalidTag:
                    raise _damaged() from None

    @property
    def chunks(self) -> list[bytes]:
        return list(self.iter_chunks())

    def payload(self) -> bytes:
        return b"".join(self.iter_chunks())


def read_header(path: Path) -> dict:
    """The readable header, without any check: for previews and error messages only."""
    with open(path, "rb") as f:
        head = f.read(14)
        if len(head) < 14 or head[:8] != MAGIC:
            raise _refused(_("this file is not a Panti bundle"))
        (version,) = struct.unpack(">H", head[8:10])
        if version != FORMAT:
            raise _refused(_("it uses format {n}, made by a newer version of Panti").format(n=version))
        (n,) = struct.unpack(">I", head[10:14])
        if n > MAX_HEADER:
            raise _damaged()
        raw = f.read(n)
    try:
        header = json.loads(raw)
    except ValueError:
        raise _damaged() from None
    if not isinstance(header, dict):
        raise _damaged()
    return header


class _Reader:
    """Reads a bundle front to back, hashing every byte of its body; never past `end`."""

    def __init__(self, f, end: int):
        self.f, self.end, self.pos = f, end, 0
        self.digest = hashlib.sha256()

    def read(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise _damaged()
        data = self.f.read(n)
        if len(data) != n:
            raise _damaged()
        self.pos += n
        self.digest.update(data)
        return data

    def skip(self, n: int) -> None:
        while n > 0:
            step = min(n, 1 << 20)
            self.read(step)
            n -= step


def open_bundle(path: Path, kem_private: X25519PrivateKey, trusted: dict[bytes, str]) -> OpenedBundle:
    """Verify the signature of a trusted sender, then decrypt. `trusted`: signing key → peer code."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as f:
        if size < 14 + SIGNATURE or f.read(8) != MAGIC:
            raise _refused(_("this file is not a Panti bundle"))
    header = read_header(path)
    try:
        sender_key = bytes.fromhex(str(header.get("sender_key", "")))
    except ValueError:
        raise _damaged() from None
    if sender_key not in trusted:
        raise _refused(_("its sender is not a trusted peer of this centre"))
    with open(path, "rb") as f:
        r = _Reader(f, size - SIGNATURE)
        r.read(10)
        (n,) = struct.unpack(">I", r.read(4))
        if n > MAX_HEADER:
            raise _damaged()
        header_hash = hashlib.sha256(r.read(n)).digest()
        (count,) = struct.unpack(">H", r.read(2))
        if count > MAX_RECIPIENTS:
            raise _damaged()
        wraps = []
        for _i in range(count):
            fpr = r.read(16)
            (length,) = struct.unpack(">H", r.read(2))
            if length > MAX_WRAPPED:
                raise _damaged()
            wraps.append((fpr, r.read(length)))
        spans: list[tuple[int, int]] = []
        while True:
            (length,) = struct.unpack(">I", r.read(4))
            if length == 0:
                break
            if length > MAX_CHUNK + 16:
                raise _damaged()
            spans.append((r.pos, length))
            r.skip(12 + length)
        if r.pos != r.end or not spans:
            raise _damaged()
        body_hash = r.digest.digest()
        signature = f.read(SIGNATURE)
    try:
        Ed25519PublicKey.from_public_bytes(sender_key).verify(signature, body_hash)
    except (InvalidSignature, ValueError):
        raise _damaged() from None
    mine = fingerprint(raw_public(kem_private.public_key()))
    content_key = None
    for fpr, wrapped in wraps:
        if fpr == mine:
            try:
                content_key = _HPKE.decrypt(wrapped, kem_private, info=b"panti-bundle/1|" + header_hash)
            except Exception:
                raise _damaged() from None
    if content_key is None:
        raise _refused(_("it is addressed to another centre"))
    return OpenedBundle(header, sender_key, body_hash.hex(), path, AESGCM(content_key), header_hash, spans,
                        content_key)


def new_identity() -> tuple[Ed25519PrivateKey, X25519PrivateKey]:
    """A device's signing key and receiving key (kept sealed in the vault by the sync layer)."""
    return Ed25519PrivateKey.generate(), X25519PrivateKey.generate()


__all__ = ["OpenedBundle", "Recipient", "fingerprint_text", "new_identity", "open_bundle", "read_header",
           "write_bundle", "write_bundle_hashed"]
