"""The live centre database read as one consistent state with no copy made: read
transactions that pin the database file (`_pinned`), and descriptors that read its bytes
(`_raw_file`, `_read_exact`).

Separate because this is where a backup meets SQLite's locks while the app keeps saving:
which descriptor may be closed, and when a read pins the file, are rules about the live
database, not about the backup file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

from ..errors import IntegrityError, PantiError
from ..i18n import _
from .check import CHECK_CACHE_KIB, MMAP

# Descriptors on database files for reading their bytes. On POSIX, closing any descriptor of a
# file drops every lock this process holds on it, SQLite's own included; so each stays open
# until the process ends (holding it also keeps the inode from being reused). Windows has no
# such locks, and an open handle there would stop a later restore from moving the file aside,
# so it is closed after each backup.
_RAW_FILES: dict[tuple[int, int], int] = {}
_RAW_LOCK = threading.Lock()


@contextlib.contextmanager
def _raw_file(path: Path):
    if os.name == "nt":
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            yield fd
        finally:
            os.close(fd)
        return
    st = os.stat(path)
    with _RAW_LOCK:
        fd = _RAW_FILES.get((st.st_dev, st.st_ino))
        if fd is None:
            fd = os.open(path, os.O_RDONLY)
            _RAW_FILES[(st.st_dev, st.st_ino)] = fd
    yield fd


@contextlib.contextmanager
def _pinned(db_file: Path, readers: int = 1, tries: int = 40):
    """Read transactions that read the database file alone: every change is in the file.

    They are taken while a second connection holds the write lock and the write-ahead log
    is fully copied into the file, so they read the file without the log (read mark 0).
    While one is open, no checkpoint can copy anything into the file (that needs read mark
    0 exclusively) and writers only append to the log; so the file's bytes are one
    consistent state of the database, the same one every reader sees, which the backup
    reads directly instead of copying it first. The app keeps saving meanwhile, and reads
    left open elsewhere do not stop it."""
    pinned: list[sqlite3.Connection] = []
    for attempt in range(tries):
        guard = sqlite3.connect(str(db_file), timeout=5, isolation_level=None)
        try:
            guard.execute("BEGIN IMMEDIATE")  # nobody can add to the log while we look
            probe = sqlite3.connect(str(db_file), isolation_level=None)
            try:  # copies what it can without waiting; "done" only when the file has everything
                busy, log, copied = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                probe.close()
            if not busy and log == copied:
                for _i in range(readers):
                    reader = sqlite3.connect(str(db_file), isolation_level=None, check_same_thread=False)
                    pinned.append(reader)
                    reader.execute(f"PRAGMA mmap_size={MMAP}")
                    reader.execute(f"PRAGMA cache_size=-{CHECK_CACHE_KIB}")
                    reader.execute("BEGIN")
                    reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the read starts here
        except sqlite3.OperationalError:
            for reader in pinned:
                reader.close()
            pinned = []
        finally:
            guard.close()  # rolls back: the write lock was held only while looking
        if pinned:
            break
        time.sleep(min(0.5, 0.02 * (attempt + 1)))  # a reader still on older pages finishes soon
    else:
        raise PantiError(_("The database stayed busy, so no backup was written; try again in a moment."))
    try:
        yield pinned
    finally:
        for reader in pinned:
            reader.close()


PENDING_BYTE = 0x40000000  # SQLite's lock-byte page starts here, 1 GiB into the file


def _read_database(fd: int, offset: int, buf: memoryview, page_size: int) -> memoryview:
    """`_read_exact` of the database file, without its lock-byte page.

    SQLite never stores anything in the page at 1 GiB (its bytes are only locked, never
    written); on Windows those locks are mandatory, so reading them while a connection opens
    or closes fails (WinError 33). The page is given back as zeros, which is also what a
    database restored from the backup holds there."""
    end = offset + len(buf)
    lock_start, lock_end = PENDING_BYTE, PENDING_BYTE + max(page_size, 512)
    if end <= lock_start or offset >= lock_end:
        return _read_exact(fd, offset, buf)
    if offset < lock_start:
        _read_exact(fd, offset, buf[:lock_start - offset])
    first, last = max(offset, lock_start) - offset, min(end, lock_end) - offset
    buf[first:last] = bytes(last - first)
    if end > lock_end:
        _read_exact(fd, lock_end, buf[lock_end - offset:])
    return buf


def _read_exact(fd: int, offset: int, buf: memoryview) -> memoryview:
    """Fill `buf` from `offset` of the file (no new buffer per chunk: a backup of a large
    database would otherwise fault in a gigabyte of fresh memory, slowly on a small laptop)."""
    got = 0
    while got < len(buf):
        if hasattr(os, "preadv"):
            n = os.preadv(fd, [buf[got:]], offset + got)
        else:  # Windows: no positioned read, so seek (the caller holds the descriptor's lock)
            os.lseek(fd, offset + got, os.SEEK_SET)
            part = os.read(fd, len(buf) - got)
            buf[got:got + len(part)] = part
            n = len(part)
        if not n:
            raise IntegrityError(_("The centre database file is shorter than it says; no backup was written."))
        got += n
    return buf
