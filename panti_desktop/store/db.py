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
        db = Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        # FULL: a power cut after a save returns keeps that save (WAL + NORMAL may lose it).
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA secure_delete=ON")
        db.execute("PRAGMA temp_store=MEMORY")
        db.execute("PRAGMA busy_timeout=5000")
        schema.apply(db)
    except sqlite3.DatabaseError as exc:
        raise PantiError(
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
