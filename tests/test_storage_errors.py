"""A full disk, a busy database or a damaged file: a translated sentence, and nothing saved lost."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from panti_desktop.errors import PantiError
from panti_desktop.i18n import set_language
from panti_desktop.store.db import StorageError, storage_error

from .test_cli import admin_env, centre, run  # noqa: F401 - the shared demo centre

CHILD = {"full_name": "Budi Santoso", "birth_date": "2011-03-04", "intake_date": "2026-01-05"}


def fill_the_disk(ws) -> None:
    """The database may not grow by a single page, as on a disk with no space left."""
    ws.db.execute("VACUUM")  # and no free pages are left inside the file
    pages = ws.db.execute("PRAGMA page_count").fetchone()[0]
    ws.db.execute(f"PRAGMA max_page_count={pages}")


def test_a_full_disk_refuses_the_save_with_a_sentence_and_keeps_what_was_saved(ws):
    kept = ws.register_child(CHILD)
    fill_the_disk(ws)
    notes = "catatan kunjungan rumah " * 700  # 16,800 characters: soon more than the free room
    saved = []
    with pytest.raises(StorageError, match="disk is full") as err:
        for _i in range(100):
            saved.append(ws.add_record("family", {"child_id": kept.id, "structure": "intact", "notes": notes}).id)
    assert isinstance(err.value, PantiError) and isinstance(err.value, sqlite3.OperationalError)
    assert sorted(r.id for r in ws.records_for_child("family", kept.id)) == sorted(saved)
    assert ws.child_data(kept.id)["full_name"] == "Budi Santoso"
    ws.db.execute("PRAGMA max_page_count=4294967294")  # space freed: the same save now works
    assert ws.add_record("family", {"child_id": kept.id, "structure": "intact", "notes": notes})
    assert ws.verify() == []


def test_the_sentence_is_translated(ws):
    set_language("id")
    fill_the_disk(ws)
    kept = ws.register_child(CHILD)
    with pytest.raises(StorageError, match="Disk penuh"):
        for _i in range(100):
            ws.add_record("family", {"child_id": kept.id, "structure": "intact", "notes": "catatan " * 2_000})


def test_a_busy_database_refuses_a_write_and_it_works_when_free(ws):
    other = sqlite3.connect(ws.data_dir / "centre.db", isolation_level=None)
    ws.db.execute("PRAGMA busy_timeout=50")
    try:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        with pytest.raises(StorageError, match="busy"):
            ws.register_child(CHILD)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert ws.register_child(CHILD).data["full_name"] == "Budi Santoso"
    assert len(ws.child_ids()) == 1


def test_only_the_disk_and_other_programs_get_a_sentence():
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (x PRIMARY KEY)")
    con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as dup:
        con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as typo:
        con.execute("SELEC 1")
    assert storage_error(dup.value) is None and storage_error(typo.value) is None
    assert storage_error(ValueError("x")) is None


def test_cli_backup_while_an_import_holds_the_database_says_so(centre, tmp_path):  # noqa: F811
    d = tmp_path / "centre"
    shutil.copytree(centre[0], d)
    holder = sqlite3.connect(d / "centre.db", isolation_level=None)
    try:  # what a large import does: a rollback journal, and the whole file locked
        assert holder.execute("PRAGMA journal_mode=TRUNCATE").fetchone()[0] == "truncate"
        holder.execute("BEGIN EXCLUSIVE")
        r = run(["--lang", "en", "backup", "--out", str(tmp_path / "b.pantibak")], admin_env(), d, check=1)
        assert "busy with other work" in r.stderr and "database is locked" not in r.stderr
        assert not (tmp_path / "b.pantibak").exists()
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    run(["backup", "--out", str(tmp_path / "b.pantibak")], admin_env(), d, check=0)
    run(["backup", "verify", str(tmp_path / "b.pantibak")], admin_env(), d, check=0)


def test_a_damaged_database_file_is_refused_with_a_sentence(tmp_path):
    from panti_desktop.store.db import open_database

    path = tmp_path / "centre.db"
    path.write_bytes(b"this is not a database, it was overwritten " * 200)
    with pytest.raises(StorageError, match="damaged"):
        open_database(path)
