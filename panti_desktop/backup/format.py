"""The backup file format: what a `.pantibak` file holds, the key it is sealed with, reading it.

File format 1 (`.pantibak`):

    magic "PANTIBAK" | format u16 | backup id (16 random bytes) | unlockers length u32 | unlockers JSON
    then chunks: length u32 | nonce (12) | AES-256-GCM ciphertext

The unlockers are what opens the centre master key without the database: the
recovery grant and each administrator's key slot with their grant (no names).
The backup key is HKDF(master key, salt = backup id). Chunk 0 is the encrypted
header (format, centre, creation time, schema version, record counts, size,
number of chunks); every chunk's associated data binds
the backup id, a hash of the plaintext preamble, its index and whether it is the
last one, so a flipped byte, a truncation, a reordering or a chunk from another
backup is refused. Nothing readable is in the file: not the centre, not a date.

Separate because every backup already on a stick depends on it: the writer
(`durable._write_verified`) and every reader follow this one description, and changing
it means a new format number.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import IntegrityError, PantiError
from ..i18n import _
from ..vault.keyring import wipe
from ..vault.vault import open_master

MAGIC = b"PANTIBAK"
FORMAT = 1
SUFFIX = ".pantibak"
CHUNK = 1 << 20  # 1 MiB of plaintext per chunk
MAX_UNLOCKERS = 1 << 20
MAX_CHUNK = CHUNK + 64
MAX_HEADER = 1 << 20

Progress = Callable[[int, int], None]


@dataclass
class BackupInfo:
    path: Path
    backup_id: str
    centre_id: str
    centre_code: str
    created_at: str
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)
    size: int = 0


def _backup_key(master: bytearray, backup_id: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=backup_id, info=b"panti-backup/1").derive(bytes(master))


def _aad(backup_id: bytes, preamble_hash: bytes, index: int, last: bool) -> bytes:
    return b"panti-backup/1|" + backup_id + preamble_hash + struct.pack(">QB", index, int(last))


def _damaged() -> IntegrityError:
    return IntegrityError(_("The backup file is damaged or incomplete; it was not used."))


# --- reading -------------------------------------------------------------------------------


def _read_preamble(f) -> tuple[bytes, bytes, dict]:
    head = f.read(8 + 2 + 16 + 4)
    if len(head) < 30 or head[:8] != MAGIC:
        raise PantiError(_("This file is not a Panti backup."))
    (version,) = struct.unpack(">H", head[8:10])
    if version != FORMAT:
        raise PantiError(_("This backup uses format {n}, made by a newer version of Panti; "
                           "update the app to restore it.").format(n=version))
    backup_id = head[10:26]
    (n,) = struct.unpack(">I", head[26:30])
    if n > MAX_UNLOCKERS:
        raise _damaged()
    unlock_bytes = f.read(n)
    if len(unlock_bytes) != n:
        raise _damaged()
    try:
        unlockers = json.loads(unlock_bytes)
    except ValueError:
        raise _damaged() from None
    return head + unlock_bytes, backup_id, unlockers


def _chunks(f, aead: AESGCM, backup_id: bytes, preamble_hash: bytes, expected: int | None):
    """Yield decrypted chunks after the header; checks order, completeness and the last flag.

    Each chunk is a view of one buffer, reused for the next: use it before asking for more."""
    index = 1
    head = bytearray(16)  # length and nonce
    sealed_buf, plain_buf = memoryview(bytearray(MAX_CHUNK)), memoryview(bytearray(MAX_CHUNK))
    while True:
        got = f.readinto(head)
        if not got:
            break
        if got != 16:
            raise _damaged()
        (n,) = struct.unpack_from(">I", head)
        if n > MAX_CHUNK or n < 16:
            raise _damaged()
        sealed = sealed_buf[:n]
        if f.readinto(sealed) != n:
            raise _damaged()
        last = expected is not None and index == expected
        try:
            size = aead.decrypt_into(bytes(head[4:]), sealed, _aad(backup_id, preamble_hash, index, last),
                                     plain_buf[:n - 16])
        except InvalidTag:
            raise _damaged() from None
        yield plain_buf[:size]
        index += 1
        if last:
            if f.read(1):
                raise _damaged()  # anything after the last chunk is spliced in
            return
    if expected is None or index - 1 != expected:
        raise _damaged()


def _open(path: Path, passphrase: str | None, recovery_text: str | None, master: bytearray | None, f=None):
    f = f if f is not None else open(path, "rb")  # noqa: SIM115 - closed by the callers
    try:
        preamble, backup_id, unlockers = _read_preamble(f)
        own = master is None
        if own:
            master = open_master(unlockers, passphrase, recovery_text)
        key = _backup_key(master, backup_id)
        if own:
            wipe(master)
        aead = AESGCM(key)
        preamble_hash = hashlib.sha256(preamble).digest()
        raw_len = f.read(4)
        if len(raw_len) != 4:
            raise _damaged()
        (n,) = struct.unpack(">I", raw_len)
        if n > MAX_HEADER:
            raise _damaged()
        nonce, sealed = f.read(12), f.read(n)
        try:
            header = json.loads(aead.decrypt(nonce, sealed, _aad(backup_id, preamble_hash, 0, False)))
        except (InvalidTag, ValueError):
            raise PantiError(_("This backup cannot be opened with that key, or it is damaged.")) from None
        return f, aead, backup_id, preamble_hash, header
    except BaseException:
        f.close()
        raise


def _info(path: Path, header: dict) -> BackupInfo:
    return BackupInfo(path, header["backup_id"], header["centre_id"], header["centre_code"],
                      header["created_at"], int(header["schema_version"]), dict(header["counts"]),
                      int(header["size"]))


def _decrypt_to(path: Path, out: Path, passphrase=None, recovery_text=None, master=None,
                progress: Progress | None = None, durable: bool = False) -> dict:
    f, aead, backup_id, preamble_hash, header = _open(path, passphrase, recovery_text, master)
    total = int(header["chunks"])
    try:
        with open(out, "wb") as dst:
            for i, plain in enumerate(_chunks(f, aead, backup_id, preamble_hash, total), 1):
                dst.write(plain)
                if progress is not None:
                    progress(i, total)
            dst.flush()
            if durable:  # a restore must be on disk before it replaces anything
                os.fsync(dst.fileno())
    finally:
        f.close()
    if Path(out).stat().st_size != int(header["size"]):
        raise _damaged()
    return header
