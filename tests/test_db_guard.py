"""One thread at a time on the centre connection (store/db.py's guard)."""

from __future__ import annotations

import threading
import time

import pytest

from panti_desktop.store.db import ConcurrentUse, ConnectionGuard, StorageError, open_database


@pytest.fixture
def db(tmp_path):
    db = open_database(tmp_path / "centre.db", create=True)
    db.execute("CREATE TABLE probe (n INTEGER)")
    yield db
    db.conn.close()


def _job(db, started: threading.Event, rows: int = 5) -> None:
    with db.atomic():
        for i in range(rows):
            db.execute("INSERT INTO probe VALUES (?)", [i])
            if i == 0:
                started.set()
            time.sleep(0.01)


def test_a_read_from_another_thread_never_lands_inside_a_transaction(db):
    """Without the guard the read runs on the same connection inside the job's transaction and
    counts its uncommitted rows (1 to 4); with it, the read waits for the commit."""
    started = threading.Event()
    job = threading.Thread(target=_job, args=(db, started))
    job.start()
    started.wait(5)
    seen = db.execute("SELECT COUNT(*) FROM probe").fetchone()[0]  # also through sqlite-utils' own calls:
    rows = db.conn.execute("SELECT COUNT(*) FROM probe").fetchone()[0]
    job.join()
    assert seen == 5 and rows == 5


def test_a_strict_guard_fails_loudly_and_a_busy_one_says_so(db, monkeypatch):
    started, release = threading.Event(), threading.Event()

    def hold():
        with db.atomic():
            db.execute("INSERT INTO probe VALUES (1)")
            started.set()
            release.wait(5)

    job = threading.Thread(target=hold)
    job.start()
    started.wait(5)
    try:
        monkeypatch.setattr(ConnectionGuard, "strict", True)
        with pytest.raises(ConcurrentUse, match="centre connection"):
            db.execute("SELECT 1")
        monkeypatch.setattr(ConnectionGuard, "strict", False)
        monkeypatch.setattr(db.guard, "timeout", 0.05)
        with pytest.raises(StorageError, match="busy"):
            db.execute("SELECT 1")
    finally:
        release.set()
        job.join()
    assert db.execute("SELECT COUNT(*) FROM probe").fetchone()[0] == 1  # the job's write was kept
