"""Opening the centre database with the settings its safety depends on."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
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


class CentreDatabase(Database):
    """sqlite-utils' Database whose statements and transactions report the disk's and other
    programs' errors with a translated sentence (`StorageError`); the transaction rolls back
    as before, so nothing already saved is lost."""

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            mapped = storage_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        try:
            with super().atomic() as db:
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
        # Background work (key rotation, import) runs while the UI waits behind a modal
        # progress dialog, so the connection may be used from one other thread at a time.
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
