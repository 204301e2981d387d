"""Opening the centre database with the settings its safety depends on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from ..errors import PantiError
from ..i18n import _
from . import schema

DB_NAME = "centre.db"


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
