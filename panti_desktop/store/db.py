"""Opening the centre database with the settings its safety depends on."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from ..errors import PantiError
from ..i18n import _
from . import schema

DB_NAME = "centre.db"

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class StorageError(PantiError, sqlite3.OperationalError):
    """SQLite could not do what was asked because of the disk or another program: busy, full,
    read-only, failing or damaged. It carries a translated sentence for the user, and it is
    still the `sqlite3.OperationalError` it replaces, so code that handles SQLite's own error
    (a busy database, say) still does."""


def _sentences() -> dict[int, str]:
    busy = _("The centre database is busy with other work (an import, a backup, or the app open in another "
             "window), so this was not done; nothing already saved was lost. Try again when that work has finished.")
    damaged = _("The centre database file is damaged; nothing more was written to it. Restore the last verified "
                "backup (panti-desktop restore FILE).")
    return {
        sqlite3.SQLITE_BUSY: busy,
        sqlite3.SQLITE_LOCKED: busy,
        sqlite3.SQLITE_FULL: _("The disk is full, so this was not saved; nothing already saved was lost. Free some "
                               "space on the disk and try again."),
        sqlite3.SQLITE_READONLY: _("The data folder cannot be written (it is read-only), so this was not saved; "
                                   "nothing already saved was lost."),
        sqlite3.SQLITE_IOERR: _("The disk could not be read or written, so this was not done; nothing already "
                                "saved was lost. Check the disk and try again."),
        sqlite3.SQLITE_CANTOPEN: _("The centre database file could not be opened: check that the data folder "
                                   "exists and can be written."),
        sqlite3.SQLITE_CORRUPT: damaged,
        sqlite3.SQLITE_NOTADB: damaged,
    }


def storage_error(exc: BaseException) -> StorageError | None:
    """The user's sentence for a SQLite error caused by the disk or another program, or None
    for any other error (a bug, a broken constraint), which stays what it is."""
    if isinstance(exc, StorageError) or not isinstance(exc, sqlite3.DatabaseError):
        return None
    if type(exc) not in (sqlite3.OperationalError, sqlite3.DatabaseError):
        return None  # IntegrityError, ProgrammingError, …: not the disk's doing
    code = getattr(exc, "sqlite_errorcode", None)
    sentence = _sentences().get(code & 0xFF) if isinstance(code, int) else None
    if sentence is None:
        return None
    err = StorageError(sentence)
    err.sqlite_errorcode, err.sqlite_errorname = code, getattr(exc, "sqlite_errorname", None)
    return err


class ConcurrentUse(RuntimeError):
    """A thread used the centre connection while another thread had it: a bug in the app,
    never the user's doing. Raised only where a guard is asked to be strict (the tests)."""


class ConnectionGuard:
    """One thread at a time on the centre connection.

    The window and the background worker (ui/worker.py's serial queue) share one SQLite
    connection. Every statement and every transaction takes this lock, and a transaction
    holds it from BEGIN to COMMIT: a read from the window can never land inside a
    background job's transaction (nor see its uncommitted rows). Background jobs run one
    after another on one thread, so two jobs never interleave either.

    A thread that finds the connection taken waits, like SQLite's own busy timeout, and
    then gets the same "busy" sentence (`StorageError`) rather than a window frozen for
    good. With `strict` set (the tests), it fails at once with `ConcurrentUse` instead, so
    code that reaches for the connection while a job holds it is found, not hidden.

    Taking it costs one C-level lock call when it is free (the usual case), so the guarded
    hot paths below acquire and release it inline."""

    strict = False

    def __init__(self, timeout: float = BUSY_TIMEOUT_MS / 1000):
        self.lock = threading.RLock()
        self.timeout = timeout

    def acquire(self) -> None:
        if not self.lock.acquire(False):
            self.wait()

    def wait(self) -> None:
        """The connection is taken: fail at once (strict) or wait like SQLite's busy timeout."""
        if self.strict:
            raise ConcurrentUse(f"{threading.current_thread().name} used the centre connection "
                                "while another thread had it")
        if not self.lock.acquire(timeout=self.timeout):
            raise StorageError(_sentences()[sqlite3.SQLITE_BUSY])

    def __enter__(self) -> ConnectionGuard:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()


class GuardedCursor:
    """A cursor whose rows are fetched under the guard: a SELECT's rows come a step at a
    time, and each step is SQL run on the shared connection like any statement.

    Iterating fetches `BATCH` rows per turn of the guard (so a large read costs no more
    than before); iterate a cursor or call its `fetch*` methods, not both."""

    BATCH = 256
    __slots__ = ("guard", "raw")

    def __init__(self, cursor: sqlite3.Cursor, guard: ConnectionGuard):
        self.raw, self.guard = cursor, guard

    def __iter__(self) -> Iterator:
        raw, guard, batch = self.raw, self.guard, self.BATCH
        while True:
            guard.acquire()
            try:
                rows = raw.fetchmany(batch)
            finally:
                guard.lock.release()
            if not rows:
                return
            yield from rows

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def fetchone(self):
        lock = self.guard.lock
        if not lock.acquire(False):
            self.guard.wait()
        try:
            return self.raw.fetchone()
        finally:
            lock.release()

    def fetchmany(self, *args):
        with self.guard:
            return self.raw.fetchmany(*args)

    def fetchall(self):
        with self.guard:
            return self.raw.fetchall()

    @property
    def description(self):
        return self.raw.description

    @property
    def lastrowid(self):
        return self.raw.lastrowid

    @property
    def rowcount(self):
        return self.raw.rowcount

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


class GuardedConnection:
    """The sqlite3 connection with every call that runs SQL taken under the guard.

    sqlite-utils (and a few bulk writes here) call the connection directly, not only
    `Database.execute`; wrapping the connection itself leaves no way round the guard.
    Their cursors fetch rows under the guard too (`GuardedCursor`). Everything else
    (attributes, `create_function`, …) passes through; `raw` is the connection itself,
    for code that needs the real object (sqlite3's own `backup`)."""

    def __init__(self, conn: sqlite3.Connection, guard: ConnectionGuard):
        object.__setattr__(self, "raw", conn)
        object.__setattr__(self, "guard", guard)

    def execute(self, *args) -> GuardedCursor:
        guard = self.guard
        lock = guard.lock
        if not lock.acquire(False):
            guard.wait()
        try:
            return GuardedCursor(self.raw.execute(*args), guard)
        finally:
            lock.release()

    def executemany(self, *args) -> GuardedCursor:
        with self.guard:
            return GuardedCursor(self.raw.executemany(*args), self.guard)

    def executescript(self, *args) -> GuardedCursor:
        with self.guard:
            return GuardedCursor(self.raw.executescript(*args), self.guard)

    def commit(self) -> None:
        with self.guard:
            self.raw.commit()

    def rollback(self) -> None:
        with self.guard:
            self.raw.rollback()

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def __getattr__(self, name: str):
        return getattr(self.raw, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.raw, name, value)

    def __enter__(self):
        self.guard.acquire()
        try:
            return self.raw.__enter__()
        except BaseException:
            self.guard.lock.release()
            raise

    def __exit__(self, *exc):
        try:
            return self.raw.__exit__(*exc)
        finally:
            self.guard.lock.release()


class CentreDatabase(Database):
    """sqlite-utils' Database whose statements and transactions report the disk's and other
    programs' errors with a translated sentence (`StorageError`); the transaction rolls back
    as before, so nothing already saved is lost.

    Its connection is shared by the window and the background worker, one thread at a
    time: `guard` (see `ConnectionGuard`) is taken by every statement and held through a
    whole transaction (`atomic`)."""

    def __init__(self, conn: sqlite3.Connection, *args, **kwargs):
        self.guard = ConnectionGuard()
        super().__init__(GuardedConnection(conn, self.guard), *args, **kwargs)

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        lock = self.guard.lock
        try:
            if not lock.acquire(False):  # sqlite-utils may follow the statement with its COMMIT: one turn
                self.guard.wait()
            try:
                return super().execute(sql, parameters)
            finally:
                lock.release()
        except sqlite3.DatabaseError as exc:
            mapped = storage_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def executescript(self, sql: str) -> sqlite3.Cursor:
        with self.guard:
            return super().executescript(sql)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        try:
            with self.guard, super().atomic() as db:
                yield db
        except sqlite3.DatabaseError as exc:  # the commit itself may meet a full disk
            mapped = storage_error(exc)
            if mapped is None:
                raise
            raise mapped from exc


def open_database(path: Path, create: bool = False) -> Database:
    """Open (or create) the database, set WAL, foreign keys and secure delete, apply migrations."""
    path = Path(path)
    if not create and not path.exists():
        raise PantiError(
            _("No centre vault was found in {path}. Create one with 'init' first.").format(
                path=path.parent
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # The window and its background worker share the connection, one thread at a time:
        # CentreDatabase's guard serialises every statement and transaction.
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db = CentreDatabase(conn)
        db.execute("PRAGMA journal_mode=WAL")
        # FULL: a power cut after a save returns keeps that save (WAL + NORMAL may lose it).
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA secure_delete=ON")
        db.execute("PRAGMA temp_store=MEMORY")
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        schema.apply(db)
    except StorageError:
        raise
    except sqlite3.DatabaseError as exc:
        raise storage_error(exc) or PantiError(
            _("The centre database could not be opened: {error}").format(error=exc)
        ) from exc
    return db


@contextlib.contextmanager
def rollback_journal(db: Database) -> Iterator[bool]:
    """A large write in SQLite's rollback journal instead of the write-ahead log; yields whether it is.

    In WAL mode every page a large import writes goes to the log first and is copied into the
    database at the checkpoint: written twice, and each read meanwhile looks the page up in the
    log's index. A rollback journal keeps only the pages the transaction changes that existed
    before it, so pages a bundle adds are written once (791,454 records at headquarters scale:
    45 s in WAL, 38-42 s with the journal).

    It is as safe: the journal is synced before the database is touched, and a killed process
    leaves a hot journal that the next open rolls back. Switching needs no other connection on
    the file (it fails at once if there is one, or inside a transaction); then it stays in WAL.
    """
    try:
        mode = db.execute("PRAGMA journal_mode=TRUNCATE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "wal"
    try:
        yield mode == "truncate"
    finally:
        if mode != "wal":
            try:
                db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:  # still safe in rollback mode; the next open sets WAL
                log.warning("the database stayed in rollback-journal mode: %s", exc)
