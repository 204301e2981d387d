"""Writing a backup so that it is on the device: the pinned database encrypted into a
temporary file, flushed part by part (fsync, and out of the page cache), each flushed part
read back from the device and decrypted while the next is written, and the folder synced
after the rename.

Separate because this is what makes "verified" mean the bytes on the stick: a full disk,
a pulled stick or a byte the device changed leaves no file that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import Cancelled
from ..i18n import _
from .format import (
    CHUNK,
    FORMAT,
    MAGIC,
    BackupInfo,
    Progress,
    _aad,
    _backup_key,
    _chunks,
    _damaged,
    _info,
    _open,
)
from .pinned import _RAW_LOCK, _raw_file, _read_database

SEGMENT = 64 << 20  # written, flushed, and then read back while the next part is written


class _Durable:
    """How much of a file being written is flushed to its device: the read-back of a backup
    reads that far and waits for more, so it runs beside the writing instead of after it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.upto = 0
        self.done = False
        self.failed = False

    def advance(self, upto: int, done: bool = False) -> None:
        with self._cond:
            self.upto, self.done = upto, done
            self._cond.notify_all()

    def fail(self) -> None:
        with self._cond:
            self.failed = True
            self._cond.notify_all()

    def wait_for(self, end: int) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self.failed or self.done or self.upto >= end)
            if self.failed:
                raise Cancelled(_("Cancelled; nothing was changed."))


class _DurableFile:
    """The file being written, opened for reading, that never reads past what is flushed."""

    def __init__(self, path: Path, durable: _Durable) -> None:
        self._f = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._durable = durable

    def read(self, n: int) -> bytes:
        self._durable.wait_for(self._f.tell() + n)
        return self._f.read(n)

    def readinto(self, buf) -> int:
        self._durable.wait_for(self._f.tell() + len(buf))
        return self._f.readinto(buf)

    def close(self) -> None:
        self._f.close()


def _flush(f, start: int, end: int) -> None:
    """Put bytes `start`..`end` of `f` on the device, and out of memory, so they are read back
    from the device (a stick that lost them shows it), not from the page cache.

    Windows has no way to drop a file's cached pages: there `fsync` (FlushFileBuffers) puts
    the bytes on the device, but the read-back may be served from memory. What it then proves
    is that the whole file was written and flushed without an error; the README and
    docs/windows.md say so, and that `backup verify` after unplugging and replugging the
    stick reads the device itself."""
    f.flush()
    os.fsync(f.fileno())
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(f.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


def _write_verified(partial: Path, backup_id: bytes, master: bytearray, unlockers: list, db_file: Path, header: dict,
                    progress: Progress | None, cancelled: Callable[[], bool] | None, page_size: int = 4096) -> None:
    """Encrypt the pinned database file into `partial`, flush it, and read it back from the device.

    The file is flushed every `SEGMENT` bytes, and a second thread reads back and decrypts
    each flushed part while the next one is written; the backup is verified once both are
    through the last chunk."""
    preamble = MAGIC + struct.pack(">H", FORMAT) + backup_id
    unlock_bytes = json.dumps(unlockers, separators=(",", ":")).encode()
    preamble += struct.pack(">I", len(unlock_bytes)) + unlock_bytes
    preamble_hash = hashlib.sha256(preamble).digest()
    aead = AESGCM(_backup_key(master, backup_id))
    size, n_chunks = header["size"], header["chunks"]
    plain_buf, sealed_buf = memoryview(bytearray(CHUNK)), memoryview(bytearray(CHUNK + 16))

    def write_chunk(f, index: int, plain, last: bool) -> None:
        nonce = os.urandom(12)
        n = aead.encrypt_into(nonce, plain, _aad(backup_id, preamble_hash, index, last), sealed_buf[:len(plain) + 16])
        f.write(struct.pack(">I", n) + nonce)
        f.write(sealed_buf[:n])

    durable = _Durable()
    read: dict = {"chunks": 0}

    def read_back() -> None:
        def count(done: int, _total: int) -> None:
            read["chunks"] = done

        try:  # every chunk decrypts, in order, under this backup's fresh key: AES-GCM's tags
            # prove the bytes on the device are those encrypted from the pinned database
            _read_back(partial, master, backup_id, progress=count, durable=durable)
        except BaseException as exc:  # handed to the writing thread, which raises it
            read["error"] = exc

    with open(partial, "wb") as f:
        f.write(preamble)
        write_chunk(f, 0, json.dumps(header).encode(), False)
        reader = threading.Thread(target=read_back, daemon=True)
        reader.start()
        try:
            flushed = 0
            with _raw_file(db_file) as fd, _RAW_LOCK:  # the descriptor's position is shared
                for i in range(n_chunks):
                    if cancelled is not None and cancelled():
                        raise Cancelled(_("Cancelled; nothing was changed."))
                    offset = i * CHUNK
                    plain = _read_database(fd, offset, plain_buf[:min(CHUNK, size - offset)], page_size)
                    write_chunk(f, i + 1, plain, i == n_chunks - 1)
                    if f.tell() - flushed >= SEGMENT:
                        _flush(f, flushed, f.tell())
                        flushed = f.tell()
                        durable.advance(flushed)
                        if "error" in read:  # the device gave back something else: stop writing
                            raise read["error"]
                    if progress is not None:
                        progress(i + 1, n_chunks * 2)
            _flush(f, flushed, f.tell())
            durable.advance(f.tell(), done=True)
        except BaseException:
            durable.fail()
            reader.join()  # it holds the file open: Windows could not remove it otherwise
            raise
    while reader.is_alive():
        reader.join(0.1)
        if progress is not None:
            progress(n_chunks + read["chunks"], n_chunks * 2)
    if "error" in read:
        raise read["error"]


def _read_back(path: Path, master: bytearray, backup_id: bytes, progress: Progress | None = None,
               durable: _Durable | None = None) -> BackupInfo:
    """A backup just written, read from its destination: every chunk's tag, order and count.

    The key is new for this backup, so a chunk that decrypts is one this run encrypted
    from the pinned database that `integrity_check` checks; its size is checked too. With
    `durable`, it runs while the file is still being written and reads only what is
    already flushed to the device."""
    f = _DurableFile(path, durable) if durable is not None else None
    f, aead, found_id, preamble_hash, header = _open(path, None, None, master, f)
    total = int(header["chunks"])
    size = 0
    try:
        for i, plain in enumerate(_chunks(f, aead, found_id, preamble_hash, total), 1):
            size += len(plain)
            if progress is not None:
                progress(i, total)
    finally:
        f.close()
    if found_id != backup_id or size != int(header["size"]):
        raise _damaged()
    return _info(path, header)
