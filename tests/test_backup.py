"""Backups: the restore drill, tampering of every kind, a full disk, no plaintext, rotation."""

from __future__ import annotations

import os
import sqlite3
import struct
from pathlib import Path

import pytest

from panti_desktop import backup, demo
from panti_desktop.backup import durable, pinned, service
from panti_desktop.backup.check import _integrity
from panti_desktop.errors import IntegrityError, PantiError, WrongPassphrase
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_cli import run


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    """A verify without a data folder stages in the default one: here, not the tester's home."""
    monkeypatch.setattr(service, "default_data_dir", lambda: tmp_path / "home")


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    d = tmp_path_factory.mktemp("centre")
    ws, key = Workspace.init(d / "vault", "BKP", "Sentra Cadangan", "admin", ADMIN_PASS, kdf=FLOOR)
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    demo.generate(ws, children=15, seed=4)
    info = backup.create_backup(ws, d / "stick")
    yield ws, key, info, d
    ws.close()


def _set_chunk(monkeypatch, size: int) -> None:
    """The chunk size is read where the header counts the chunks and where they are written."""
    for module in (service, durable):
        monkeypatch.setattr(module, "CHUNK", size)


def _chunk_offsets(path: Path) -> list[int]:
    data = path.read_bytes()
    (n,) = struct.unpack(">I", data[26:30])
    pos, out = 30 + n, []
    while pos < len(data):
        out.append(pos)
        (size,) = struct.unpack(">I", data[pos:pos + 4])
        pos += 4 + 12 + size
    return out


def test_restore_drill_through_the_cli(tmp_path):
    home = tmp_path / "home"
    env = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS}
    r = run(["init", "--centre-code", "DRL", "--centre-name", "Sentra Latihan", "--admin", "admin"],
            {"PANTI_PASSPHRASE": ADMIN_PASS}, home, check=0)
    key = next(line.strip() for line in r.stdout.splitlines() if line.count("-") == 6)
    run(["demo", "--children", "10", "--seed", "7", "--quiet"], env, home, check=0)
    run(["user", "add", "siti", "--role", "counsellor"], {**env, "PANTI_NEW_PASSPHRASE": "siti-passphrase-1"},
        home, check=0)
    before = run(["child", "list", "--json"], env, home, check=0).stdout
    audit_before = run(["audit", "--limit", "1000"], env, home, check=0).stdout.count("\n")
    (tmp_path / "stick").mkdir()  # a USB stick: a folder that exists
    r = run(["--lang", "en", "backup", "--out", str(tmp_path / "stick")], env, home, check=0)
    files = list((tmp_path / "stick").glob("*.pantibak"))
    assert len(files) == 1 and "verified" in r.stdout
    run(["backup", "verify", str(files[0]), "--recovery-key"], {"PANTI_RECOVERY_KEY": key}, check=0)
    for p in home.iterdir():  # the laptop is stolen
        if p.is_file():
            p.unlink()
    new_home = tmp_path / "new-laptop"
    run(["restore", str(files[0]), "--recovery-key"], {"PANTI_RECOVERY_KEY": key}, new_home, check=0)
    assert run(["child", "list", "--json"], env, new_home, check=0).stdout == before
    run(["verify"], env, new_home, check=0)
    run(["child", "list"], {"PANTI_USER": "siti", "PANTI_PASSPHRASE": "siti-passphrase-1"}, new_home, check=0)
    audit_after = run(["audit", "--limit", "1000"], env, new_home, check=0)
    assert audit_after.stdout.count("\n") > audit_before and "restore" in audit_after.stdout


def test_verify_with_a_passphrase_or_the_recovery_key(centre):
    _ws, key, info, _d = centre
    assert backup.verify_backup(info.path, passphrase=ADMIN_PASS).counts["child"] == 15
    assert backup.verify_backup(info.path, recovery_text=key).centre_code == "BKP"
    with pytest.raises(WrongPassphrase):
        backup.verify_backup(info.path, passphrase="siti passphrase 1")  # not an admin
    with pytest.raises(PantiError):
        backup.verify_backup(info.path, recovery_text="0000-0000-0000-0000-0000-0000-0000")


def test_every_flipped_byte_is_refused(centre, tmp_path):
    _ws, _key, info, _d = centre
    data = info.path.read_bytes()
    offsets = _chunk_offsets(info.path)
    for pos in (5, 20, 40, offsets[0] + 2, offsets[0] + 30, offsets[1] + 20, offsets[-1] + 100, len(data) - 1):
        bad = bytearray(data)
        bad[pos] ^= 0x01
        p = tmp_path / f"flip{pos}.pantibak"
        p.write_bytes(bytes(bad))
        with pytest.raises(PantiError):
            backup.verify_backup(p, passphrase=ADMIN_PASS)


def test_truncated_at_every_chunk_boundary_is_refused(centre, tmp_path):
    _ws, _key, info, _d = centre
    data = info.path.read_bytes()
    for cut in [*_chunk_offsets(info.path)[1:], len(data) - 7]:
        p = tmp_path / f"cut{cut}.pantibak"
        p.write_bytes(data[:cut])
        with pytest.raises(PantiError):
            backup.verify_backup(p, passphrase=ADMIN_PASS)
    (tmp_path / "extra.pantibak").write_bytes(data + data[_chunk_offsets(info.path)[1]:])
    with pytest.raises(PantiError):
        backup.verify_backup(tmp_path / "extra.pantibak", passphrase=ADMIN_PASS)


def test_a_chunk_from_another_backup_is_refused(centre, tmp_path):
    ws, _key, info, _d = centre
    other = backup.create_backup(ws, tmp_path / "other.pantibak")
    a, b = info.path.read_bytes(), other.path.read_bytes()
    oa, ob = _chunk_offsets(info.path), _chunk_offsets(other.path)
    spliced = a[:oa[1]] + b[ob[1]:ob[2]] + a[oa[2]:]
    (tmp_path / "spliced.pantibak").write_bytes(spliced)
    with pytest.raises(PantiError):
        backup.verify_backup(tmp_path / "spliced.pantibak", passphrase=ADMIN_PASS)


def test_foreign_newer_and_non_backup_files_are_refused(centre, tmp_path):
    _ws, key, info, _d = centre
    newer = bytearray(info.path.read_bytes())
    newer[8:10] = struct.pack(">H", 9)
    (tmp_path / "newer.pantibak").write_bytes(bytes(newer))
    with pytest.raises(PantiError, match="newer"):
        backup.verify_backup(tmp_path / "newer.pantibak", passphrase=ADMIN_PASS)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(PantiError, match="not a Panti backup"):
        backup.verify_backup(tmp_path / "notes.txt", passphrase=ADMIN_PASS)
    # another centre's backup does not replace this centre's data unless asked
    other_ws, other_key = Workspace.init(tmp_path / "other", "OTH", "LPA Lain", "admin", ADMIN_PASS, kdf=FLOOR)
    foreign = backup.create_backup(other_ws, tmp_path / "foreign.pantibak")
    other_ws.close()
    target = tmp_path / "target"
    backup.restore_backup(info.path, target, recovery_text=key)
    before = (target / "centre.db").read_bytes()
    with pytest.raises(PantiError, match="another centre"):
        backup.restore_backup(foreign.path, target, recovery_text=other_key)
    assert (target / "centre.db").read_bytes() == before
    result = backup.restore_backup(foreign.path, target, recovery_text=other_key, allow_other_centre=True)
    assert result.replaced is not None and (result.replaced / "centre.db").read_bytes() == before


def test_a_full_disk_leaves_no_backup_that_looks_complete(centre, tmp_path, monkeypatch):
    ws, _key, _info, _d = centre
    stick = tmp_path / "stick"
    stick.mkdir()
    good = backup.create_backup(ws, stick)
    real_fsync = os.fsync

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(durable.os, "fsync", full)
    with pytest.raises(OSError):
        backup.create_backup(ws, stick / "second.pantibak")
    monkeypatch.setattr(durable.os, "fsync", real_fsync)
    assert sorted(p.name for p in stick.iterdir()) == [good.path.name]
    backup.verify_backup(good.path, passphrase=ADMIN_PASS)


def test_no_plaintext_in_the_backup(centre):
    ws, _key, info, _d = centre
    blob = info.path.read_bytes()
    secrets = set()
    for child_id in ws.child_ids():
        d = ws.child_data(child_id)
        secrets |= {d["full_name"], d["register_no"], d["intake_date"], d["birth_date"], d.get("nik") or "x" * 16}
        secrets |= {s.data["notes"] for s in ws.records_for_child("session", child_id)}
    secrets |= {"Sentra Cadangan", "BKP-", "intervention", "2026-"}
    leaked = [s for s in secrets if s and s.encode() in blob]
    assert leaked == []


def test_rotation_keeps_the_newest_backups(centre, tmp_path):
    ws, _key, _info, _d = centre
    folder = tmp_path / "rot"
    folder.mkdir()
    for i in range(4):  # older backups of this centre and one of another centre
        (folder / f"panti-BKP-2025010{i}-000000.pantibak").write_bytes(b"old")
    (folder / "panti-OTH-20250101-000000.pantibak").write_bytes(b"other centre")
    newest = backup.create_backup(ws, folder, keep=2)
    names = sorted(p.name for p in folder.iterdir())
    assert newest.path.name in names and "panti-BKP-20250103-000000.pantibak" in names
    assert "panti-OTH-20250101-000000.pantibak" in names and len(names) == 3
    assert ws.last_verified_backup() == newest.created_at


def test_only_an_admin_makes_backups(centre):
    from panti_desktop.errors import PermissionDenied

    ws, _key, _info, d = centre
    with Workspace.open(ws.data_dir, "siti", "siti passphrase 1") as siti, pytest.raises(PermissionDenied):
        backup.create_backup(siti, d / "x.pantibak")


def test_a_backup_is_one_state_while_the_centre_keeps_writing(tmp_path, monkeypatch):
    """The backup reads the database file itself: writes and checkpoints during it change nothing in it."""
    _set_chunk(monkeypatch, 64 * 1024)  # many chunks: many writes while it reads
    ws, _key = Workspace.init(tmp_path / "vault", "LIV", "Sentra Hidup", "admin", ADMIN_PASS, kdf=FLOOR)
    demo.generate(ws, children=25, seed=8)
    ids = ws.child_ids()
    sessions_before = ws.db.execute("SELECT COUNT(*) FROM session WHERE deleted = 0").fetchone()[0]
    checkpoints = []

    def busy_centre(done: int, total: int) -> None:
        if done < total // 2:  # while chunks are read: a counsellor saves, and the log is checkpointed
            with ws.db.atomic():
                ws.bulk_insert("session", [{
                    "child_id": ids[(done + i) % len(ids)], "session_date": "2026-11-30", "setting": "home",
                    "participants": ["child"], "systems": ["family"], "duration_minutes": 45,
                    "notes": "Kunjungan rumah " * 40, "author_id": ws.user.id, "status": "draft"}
                    for i in range(40)])
            other = sqlite3.connect(ws.db_path(ws.data_dir))  # as the next commit or another process would
            checkpoints.append(other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
            other.close()

    info = backup.create_backup(ws, tmp_path / "stick", progress=busy_centre)
    assert len(checkpoints) >= 20, "the database is too small to write during the backup"
    assert info.counts["session"] == sessions_before
    restored = backup.restore_backup(info.path, tmp_path / "restored", passphrase=ADMIN_PASS)  # integrity check
    other = Workspace.open(restored.data_dir, "admin", ADMIN_PASS)
    try:
        assert other.db.execute("SELECT COUNT(*) FROM session WHERE deleted = 0").fetchone()[0] == sessions_before
    finally:
        other.close()
    # the writes themselves were kept, and the next backup has them
    assert ws.db.execute("SELECT COUNT(*) FROM session WHERE deleted = 0").fetchone()[0] == (
        sessions_before + 40 * len(checkpoints))
    assert ws.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ws.close()


def test_a_read_left_open_in_the_app_does_not_stop_a_backup(centre, tmp_path):
    ws, _key, _info, _d = centre
    ws.add_record("consent", {"child_id": ws.child_ids()[0], "given_by": "Ibu", "relation": "mother",
                              "given_on": "2026-11-30", "scope": ["processing"], "method": "written"})
    left_open = ws.db.query("SELECT id FROM child")  # e.g. a list that was not read to the end
    next(left_open)
    try:
        info = backup.create_backup(ws, tmp_path / "stick")
    finally:
        left_open.close()
    assert backup.verify_backup(info.path, passphrase=ADMIN_PASS).counts == info.counts


def test_the_database_file_stays_open_on_posix_and_is_closed_on_windows(tmp_path, monkeypatch):
    """POSIX: closing a descriptor would drop SQLite's locks. Windows: an open handle would block a restore."""
    db = tmp_path / "centre.db"
    db.write_bytes(b"SQLite format 3\0")
    with pinned._raw_file(db) as fd:
        assert os.read(fd, 6) == b"SQLite"
    if os.name != "nt":
        os.fstat(fd)  # still open
        with pinned._raw_file(db) as again:
            assert again == fd  # one per file
    monkeypatch.setattr(pinned.os, "name", "nt")
    with pinned._raw_file(db) as fd_nt:
        pass
    monkeypatch.undo()
    with pytest.raises(OSError):
        os.fstat(fd_nt)


def _break_an_index(db_file: Path, index: str, table: str, column: str) -> None:
    """Point an index's definition at another column: its entries no longer match the rows,
    a fault only the index-content part of `integrity_check` sees."""
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", [f"CREATE INDEX {index} ON {table}({column})", index])
    conn.commit()
    conn.close()


def test_the_split_integrity_check_finds_an_index_that_does_not_match_its_table(tmp_path):
    db_file = tmp_path / "t.db"
    conn = sqlite3.connect(db_file)
    conn.executescript("CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX t_a ON t(a); CREATE TABLE u (x)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(str(i), str(i * 7)) for i in range(300)])
    conn.commit()
    conn.close()

    def check(n: int) -> str | None:
        conns = [sqlite3.connect(db_file, check_same_thread=False) for _ in range(n)]
        try:
            return _integrity(conns)
        finally:
            for c in conns:
                c.close()

    assert check(2) is None  # a sound file passes
    _break_an_index(db_file, "t_a", "t", "b")
    conn = sqlite3.connect(db_file)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"  # the fault is of the kind it skips
    conn.close()
    for checkers in (1, 2, 3):
        assert "missing from index t_a" in check(checkers)


def test_a_centre_database_with_a_broken_index_gets_no_backup(tmp_path):
    ws, _key = Workspace.init(tmp_path / "vault", "IDX", "Sentra Indeks", "admin", ADMIN_PASS, kdf=FLOOR)
    demo.generate(ws, children=4, seed=2)
    data_dir = ws.data_dir
    ws.close()
    _break_an_index(Workspace.db_path(data_dir), "session_seq", "session", "session_date")
    ws = Workspace.open(data_dir, "admin", ADMIN_PASS)
    (tmp_path / "stick").mkdir()
    try:
        with pytest.raises(IntegrityError, match="integrity check"):
            backup.create_backup(ws, tmp_path / "stick")
        assert list((tmp_path / "stick").iterdir()) == []
    finally:
        ws.close()


def test_a_backup_reads_the_file_without_positioned_reads(centre, tmp_path, monkeypatch):
    """Windows has no `preadv`: the seek-and-read path gives the same, verifiable backup."""
    ws, _key, _info, _d = centre
    _set_chunk(monkeypatch, 16 * 1024)
    monkeypatch.delattr(pinned.os, "preadv", raising=False)
    info = backup.create_backup(ws, tmp_path / "stick")
    assert backup.verify_backup(info.path, passphrase=ADMIN_PASS).counts == info.counts


def test_verify_decrypts_inside_the_data_folder_and_leaves_nothing(centre, tmp_path, monkeypatch):
    """Not the system's temporary folder: the decrypted database stays beside the live one."""
    import tempfile
    import time

    ws, _key, info, _d = centre
    seen = []
    real = service._decrypt_to

    def spy(path, out, *args, **kwargs):
        seen.append(Path(out))
        return real(path, out, *args, **kwargs)

    monkeypatch.setattr(service, "_decrypt_to", spy)
    stale = ws.data_dir / ".verify-killed"  # what a verify killed halfway leaves
    stale.mkdir()
    (stale / "centre.db").write_bytes(b"x" * 100)
    old = time.time() - backup.STALE_STAGE_SECONDS - 60
    os.utime(stale, (old, old))
    fresh = ws.data_dir / ".verify-running"  # another verify still at work
    fresh.mkdir()
    before_tmp = set(Path(tempfile.gettempdir()).glob("panti-verify-*"))
    backup.verify_backup(info.path, passphrase=ADMIN_PASS, stage_in=ws.data_dir)
    assert seen and seen[0].parent.parent == ws.data_dir
    assert not seen[0].parent.exists()  # removed after the check
    assert not stale.exists() and fresh.exists()
    assert set(Path(tempfile.gettempdir()).glob("panti-verify-*")) == before_tmp
    fresh.rmdir()
    backup.verify_backup(info.path, passphrase=ADMIN_PASS)  # no data folder named: the default one
    assert seen[-1].parent.parent == tmp_path / "home" and not seen[-1].parent.exists()


@pytest.fixture
def small_segments(monkeypatch):
    """Small chunks and flushed parts, so the demo centre's backup has many of both."""
    _set_chunk(monkeypatch, 16 * 1024)
    monkeypatch.setattr(durable, "SEGMENT", 64 * 1024)


def test_the_read_back_runs_beside_the_writing_and_reads_what_is_on_the_device(centre, tmp_path, monkeypatch,
                                                                             small_segments):
    ws, _key, _info, _d = centre
    flushed, read_while_writing = [], []
    real_flush, real_wait = durable._flush, durable._Durable.wait_for

    def flush(f, start, end):
        real_flush(f, start, end)
        flushed.append(end)

    def wait_for(self, end):
        real_wait(self, end)
        if not self.done:
            read_while_writing.append(end)

    monkeypatch.setattr(durable, "_flush", flush)
    monkeypatch.setattr(durable._Durable, "wait_for", wait_for)
    info = backup.create_backup(ws, tmp_path / "stick")
    assert len(flushed) > 5 and len(read_while_writing) > 5  # it did not wait for the end
    assert all(end <= max(flushed) for end in read_while_writing)
    assert backup.verify_backup(info.path, passphrase=ADMIN_PASS).counts == info.counts


def _on_flush(monkeypatch, n: int, before=None, after=None) -> None:
    """Run `before` / `after` around the n-th flush of a backup's parts."""
    real, calls = durable._flush, []

    def flush(f, start, end):
        calls.append(end)
        if len(calls) == n and before is not None:
            before(f, start, end)
        real(f, start, end)
        if len(calls) == n and after is not None:
            after(f, start, end)

    monkeypatch.setattr(durable, "_flush", flush)


def test_a_stick_that_loses_a_flushed_byte_gets_no_backup(centre, tmp_path, monkeypatch, small_segments):
    """What is read back is what the device holds: a byte changed after its flush is caught."""
    ws, _key, _info, _d = centre
    stick = tmp_path / "stick"
    stick.mkdir()

    def garble(f, start, end):  # the device changes one byte of the third part
        with open(f.name, "r+b") as g:
            g.seek(start + (end - start) // 2)
            b = g.read(1)
            g.seek(-1, os.SEEK_CUR)
            g.write(bytes([b[0] ^ 1]))

    _on_flush(monkeypatch, 3, after=garble)
    with pytest.raises(IntegrityError):
        backup.create_backup(ws, stick)
    assert list(stick.iterdir()) == []


def test_a_disk_that_fills_up_halfway_stops_the_read_back_and_leaves_nothing(centre, tmp_path, monkeypatch,
                                                                           small_segments):
    import threading

    ws, _key, _info, _d = centre
    stick = tmp_path / "stick"
    stick.mkdir()

    def full(f, start, end):
        raise OSError(28, "No space left on device")

    _on_flush(monkeypatch, 4, before=full)
    before = threading.active_count()
    with pytest.raises(OSError, match="No space"):
        backup.create_backup(ws, stick)
    assert list(stick.iterdir()) == []
    assert threading.active_count() == before  # the read-back thread ended too
