"""Encrypted, verified backups of the whole centre database, and restoring them.

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

A backup reads the database file itself while a read transaction pins it (taken once
the write-ahead log is fully copied into the file, it keeps every checkpoint out of
the file until the backup is done; the app keeps saving meanwhile), so no plaintext
copy is ever made. `PRAGMA integrity_check` of that same state runs in a second thread
while the file is encrypted under a temporary name beside its destination, flushed,
and read back from the device (every chunk's GCM tag, order and count); only then is
it renamed and success reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import struct
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import Cancelled, IntegrityError, PantiError
from .i18n import _
from .paths import default_data_dir
from .store import cases
from .store.db import DB_NAME
from .store.kinds import KINDS
from .store.schema import SCHEMA_VERSION
from .vault.keyring import wipe
from .vault.vault import open_master

MAGIC = b"PANTIBAK"
FORMAT = 1
SUFFIX = ".pantibak"
CHUNK = 1 << 20  # 1 MiB of plaintext per chunk
MAX_UNLOCKERS = 1 << 20
MAX_CHUNK = CHUNK + 64
MAX_HEADER = 1 << 20
KEEP_DEFAULT = 5
MAX_AGE_DAYS_DEFAULT = 7
# integrity checks read the file through a memory map and a larger page cache: a quarter faster
MMAP = (1 << 31) - (1 << 16)
CHECK_CACHE_KIB = 64 * 1024

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


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Live records per table (tables a backup from an older schema lacks are left out)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    out = {name: conn.execute(f"SELECT COUNT(*) FROM {name} WHERE deleted = 0").fetchone()[0]
           for name in KINDS if name in tables}
    out["user"] = conn.execute("SELECT COUNT(*) FROM user WHERE removed_at IS NULL").fetchone()[0]
    out["audit"] = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    return out


def _check_jobs(conn: sqlite3.Connection) -> list[str]:
    """`PRAGMA integrity_check` in parts that can run side by side, largest first.

    `quick_check` checks every b-tree, the free list, that every page is used exactly once,
    and NOT NULL constraints: everything but whether each index holds exactly its table's
    rows. `integrity_check(T)` adds that for one table and its indexes. So `quick_check`
    plus `integrity_check(T)` for every table with an index checks what the whole pragma
    checks, and the parts can run on several connections to the same database state."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    indexes: dict[str, int] = {}
    for (tbl,) in conn.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'index'"):
        indexes[tbl] = indexes.get(tbl, 0) + 1
    jobs, total = [], 0
    for name in tables:
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            rows = conn.execute(f"SELECT MAX(rowid) FROM {quoted}").fetchone()[0] or 0
        except sqlite3.OperationalError:  # a table without rowids: no estimate, check it anyway
            rows = 0
        total += rows
        if indexes.get(name):
            jobs.append((rows * (1 + indexes[name]), f"PRAGMA integrity_check({quoted})"))
    jobs.append((total, "PRAGMA quick_check"))
    return [sql for _cost, sql in sorted(jobs, key=lambda j: -j[0])]


CHECKERS = max(1, min(4, os.cpu_count() or 1))  # connections checking a file nothing else is busy with
# a backup also encrypts, writes and reads back in two threads: on two cores one connection
# running the whole pragma (no part checked twice) finishes sooner than two
BACKUP_CHECKERS = max(1, min(4, (os.cpu_count() or 1) - 1))


def _run_checks(conns: list[sqlite3.Connection], jobs: list[str]) -> str | None:
    """Run check pragmas on `conns`, one thread each, largest first."""
    lock = threading.Lock()
    problems: list[str] = []

    def work(conn: sqlite3.Connection) -> None:
        while True:
            with lock:
                if not jobs or problems:
                    return
                sql = jobs.pop(0)
            try:
                bad = [r[0] for r in conn.execute(sql).fetchall() if r[0] != "ok"]
            except sqlite3.DatabaseError as exc:
                bad = [str(exc)]
            if bad:
                with lock:
                    problems.append(bad[0])
                return

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in conns[1:]]
    for t in threads:
        t.start()
    work(conns[0])
    for t in threads:
        t.join()
    return problems[0] if problems else None


def _integrity(conns: list[sqlite3.Connection]) -> str | None:
    """The whole integrity check on `conns`, which must all read the same database state:
    the plain pragma on one connection, in parts side by side on several. Returns the
    first problem found, or None when all is well."""
    jobs = _check_jobs(conns[0]) if len(conns) > 1 else ["PRAGMA integrity_check"]
    return _run_checks(conns, jobs)


def _check_sqlite(path: Path) -> dict[str, int]:
    """The integrity check and the record counts of a decrypted backup, side by side."""
    conns = []
    try:
        for _i in range(CHECKERS + 1):
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            conns.append(conn)
            conn.execute(f"PRAGMA mmap_size={MMAP}")
            conn.execute(f"PRAGMA cache_size=-{CHECK_CACHE_KIB}")
        counted: dict = {}

        def count() -> None:
            try:
                counted["counts"] = _counts(conns[0])
            except sqlite3.DatabaseError as exc:
                counted["error"] = exc

        counter = threading.Thread(target=count, daemon=True)
        counter.start()
        try:
            problem = _integrity(conns[1:])
        finally:
            counter.join()
        if problem is not None:
            raise IntegrityError(_("The database inside the backup is damaged: {error}").format(error=problem))
        if "error" in counted:
            raise counted["error"]
        return counted["counts"]
    except sqlite3.DatabaseError as exc:
        raise IntegrityError(_("The database inside the backup is damaged: {error}").format(error=exc)) from None
    finally:
        for conn in conns:
            conn.close()


def _check_into(conns: list[sqlite3.Connection], out: dict) -> None:
    """The integrity check on pinned connections, for a thread: an error is left in `out`."""
    try:
        problem = _integrity(conns)
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    if problem is not None:
        out["error"] = IntegrityError(_("The centre database failed its integrity check, so no backup was written; "
                                        "keep the earlier backups. Details: {error}").format(error=problem))


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
    from the device (a stick that lost them shows it), not from the page cache."""
    f.flush()
    os.fsync(f.fileno())
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(f.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


def _write_verified(partial: Path, backup_id: bytes, master: bytearray, unlockers: list, db_file: Path, header: dict,
                    progress: Progress | None, cancelled: Callable[[], bool] | None) -> None:
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
                    plain = _read_exact(fd, offset, plain_buf[:min(CHUNK, size - offset)])
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


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or file system allows it
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def backup_name(centre_code: str, when: datetime | None = None) -> str:
    when = when or datetime.now()
    return f"panti-{centre_code}-{when:%Y%m%d-%H%M%S}{SUFFIX}"


# --- writing ------------------------------------------------------------------------------


def create_backup(ws, dest: Path, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                  keep: int | None = None) -> BackupInfo:
    """Back the centre up to `dest` (a folder or a file name) and verify it; admins only.

    Nothing is reported as done before the written file was read back and checked. A
    failure (full disk, pulled stick, cancel) removes the partial file and never touches
    other backups in the folder.
    """
    ws.require_admin()
    dest = Path(dest)
    if dest.is_dir() or str(dest).endswith(os.sep):
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / backup_name(ws.centre_code)
    else:
        target = dest if dest.suffix == SUFFIX else dest.with_name(dest.name + SUFFIX)
        target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name("." + target.name + ".partial")
    _master_id, master, unlockers = ws.vault.master_unlockers(ws.ring)
    master = bytearray(master)  # our own copy: wiped when done, the ring's stays
    backup_id = os.urandom(16)
    db_file = ws.db_path(ws.data_dir)
    try:
        with _pinned(db_file, readers=BACKUP_CHECKERS + 1) as readers:
            # the database file is one consistent state while `readers` are open: read straight from it
            reader = readers[0]
            page_size = reader.execute("PRAGMA page_size").fetchone()[0]
            size = reader.execute("PRAGMA page_count").fetchone()[0] * page_size
            # the integrity check of that same state runs inside SQLite (without the GIL) while
            # this thread counts the records, encrypts, writes and reads back
            checked: dict = {}
            checker = threading.Thread(target=_check_into, args=(readers[1:], checked), daemon=True)
            checker.start()
            try:
                counts = _counts(reader)
                header = {
                    "format": FORMAT, "backup_id": backup_id.hex(), "centre_id": ws.centre_id,
                    "centre_code": ws.centre_code, "centre_name": ws.centre_name,
                    "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                    "schema_version": SCHEMA_VERSION, "counts": counts, "size": size,
                    "chunks": max(1, -(-size // CHUNK)), "created_by": ws.user.name,
                }
                _write_verified(partial, backup_id, master, unlockers, db_file, header, progress, cancelled)
            finally:
                checker.join()
        if "error" in checked:
            raise checked["error"]
        os.replace(partial, target)  # only a file that was read back and checked gets the name
        _fsync_dir(target.parent)
        info = _info(target, header)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    finally:
        wipe(master)
    history = [h for h in backup_history(ws) if Path(h["path"]) != target][-49:]
    history.append({"path": str(target), "created_at": info.created_at})
    with ws.db.atomic():
        ws.set_setting("last_verified_backup_at", info.created_at)
        ws.set_setting("backup_history", json.dumps(history))
        ws.audit_event("backup", detail=f"{target.name} {info.size} bytes")
    if keep is None:
        keep = ws.backup_keep
    if dest.is_dir():
        holding = [Path(h["path"]) for h in backups_holding_erased(ws)]
        latest = latest_erasure(ws)
        clean = sum(1 for h in backup_history(ws) if latest and h["created_at"] >= latest
                    and Path(h["path"]).parent.resolve() == dest.resolve() and Path(h["path"]).exists())
        removed = prune(dest, ws.centre_code, keep, newest=target, holding_erased=holding, clean_since_erasure=clean)
        if removed:
            ws.audit_event("backup", detail="rotated: " + ", ".join(p.name for p in removed))
    return info


def backup_history(ws) -> list[dict]:
    """The backups this installation wrote and verified: where and when (no content)."""
    try:
        return list(json.loads(ws.setting("backup_history") or "[]"))
    except ValueError:
        return []


def latest_erasure(ws) -> str | None:
    """When anything was last erased: a whole case (its tombstone) or record types past their period."""
    row = ws.db.execute("SELECT MAX(erased_at) FROM erasure").fetchone()
    times = [t for t in ((row[0] if row else None), ws.setting(cases.PARTIAL_ERASURE_SETTING)) if t]
    return max(times) if times else None


def backups_holding_erased(ws) -> list[dict]:
    """Backups still on disk that were made before the latest erasure: they hold erased records."""
    latest = latest_erasure(ws)
    if not latest:
        return []
    return [h for h in backup_history(ws) if h["created_at"] < latest and Path(h["path"]).exists()]


def prune(folder: Path, centre_code: str, keep: int, newest: Path, holding_erased: Iterable[Path] = (),
          clean_since_erasure: int = 0) -> list[Path]:
    """Delete this centre's backups beyond `keep`, oldest first; never the newest verified one.

    Backups that still hold erased cases (`holding_erased`) go first, and go altogether
    once at least two verified backups made after the erasure (`clean_since_erasure`)
    are there to restore from: erasure must reach the backups too.
    """
    keep = max(1, int(keep))
    holding = {Path(p).resolve() for p in holding_erased}
    mine = sorted(folder.glob(f"panti-{centre_code}-*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    doomed = list(mine[keep:])
    if clean_since_erasure >= 2:
        doomed += [p for p in mine[:keep] if p.resolve() in holding]
    removed = []
    for p in doomed:
        if p == newest:
            continue
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed


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


STAGE_PREFIXES = (".verify-", ".restore-")
STALE_STAGE_SECONDS = 6 * 3600


def _clear_stale_stages(folder: Path) -> None:
    """Remove what a verify or restore killed halfway left behind (a decrypted database)."""
    now = time.time()
    for stage in folder.glob(".*-*"):
        if not stage.is_dir() or not stage.name.startswith(STAGE_PREFIXES):
            continue
        with contextlib.suppress(OSError):
            if now - stage.stat().st_mtime > STALE_STAGE_SECONDS:
                _remove_stage(stage)


def verify_backup(path: Path, passphrase: str | None = None, recovery_text: str | None = None,
                  master: bytearray | None = None, progress: Progress | None = None,
                  stage_in: Path | None = None) -> BackupInfo:
    """Check a backup completely without restoring it: keys, every chunk, the database inside.

    The database is decrypted into a folder inside the data folder (`stage_in`, else the
    default one), never the system's temporary folder: it is the sealed database, whose
    ids and dates are readable, and it belongs where the live one is. It is removed after."""
    path = Path(path)
    parent = Path(stage_in) if stage_in is not None else default_data_dir()
    parent.mkdir(parents=True, exist_ok=True)
    _clear_stale_stages(parent)
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIXES[0], dir=parent))
    try:
        out = stage / DB_NAME
        header = _decrypt_to(path, out, passphrase, recovery_text, master, progress)
        counts = _check_sqlite(out)
        if counts != header["counts"]:
            raise IntegrityError(_("The records in the backup do not match its header."))
    finally:
        _remove_stage(stage)
    return _info(path, header)


def _remove_stage(stage: Path) -> None:
    for p in stage.glob("*"):
        with contextlib.suppress(OSError):
            p.unlink()
    with contextlib.suppress(OSError):
        stage.rmdir()


@dataclass
class RestoreResult:
    info: BackupInfo
    data_dir: Path
    replaced: Path | None  # where the data it replaced was kept


def restore_backup(path: Path, data_dir: Path, passphrase: str | None = None, recovery_text: str | None = None,
                   allow_other_centre: bool = False, progress: Progress | None = None) -> RestoreResult:
    """Decrypt into a fresh folder, verify it, then swap it in; the replaced data is kept aside."""
    from .store.db import open_database
    from .vault.vault import Vault

    path, data_dir = Path(path), Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    current = data_dir / DB_NAME
    _clear_stale_stages(data_dir)
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIXES[1], dir=data_dir))
    try:
        header = _decrypt_to(path, stage / DB_NAME, passphrase, recovery_text, None, progress, durable=True)
        if int(header["schema_version"]) > SCHEMA_VERSION:
            raise PantiError(_("This backup comes from a newer version of Panti; update the app to restore it."))
        counts = _check_sqlite(stage / DB_NAME)
        if counts != header["counts"]:
            raise IntegrityError(_("The records in the backup do not match its header."))
        if current.exists() and not allow_other_centre:
            conn = sqlite3.connect(f"file:{current}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT value FROM store_meta WHERE key = 'centre_id'").fetchone()
            finally:
                conn.close()
            if row and row[0] != header["centre_id"]:
                raise PantiError(_("This backup belongs to another centre ({code}). Restore it only if you "
                                   "mean to replace this centre's data: add --other-centre.").format(
                                       code=header["centre_code"]))
        db = open_database(stage / DB_NAME)  # applies newer migrations to an older backup
        try:
            if Vault(db).users() == []:
                raise _damaged()
        finally:
            db.close()
        replaced = None
        if current.exists():
            replaced = data_dir / f"replaced-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
            replaced.mkdir()
            for suffix in ("", "-wal", "-shm"):
                p = Path(str(current) + suffix)
                if p.exists():
                    os.replace(p, replaced / p.name)
        for p in stage.iterdir():
            os.replace(p, data_dir / p.name)
        _fsync_dir(data_dir)
    finally:
        _remove_stage(stage)
    return RestoreResult(_info(path, header), data_dir, replaced)
