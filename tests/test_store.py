"""Sealed records: AAD binding, versions, tombstones, rotation and the audit chain."""

from __future__ import annotations

import sqlite3

import pytest

from panti_desktop.errors import IntegrityError, PermissionDenied
from panti_desktop.store.audit import AuditLog, verify_chain
from panti_desktop.store.db import open_database, rollback_journal
from panti_desktop.store.hlc import HybridClock, unpack
from panti_desktop.store.records import RecordStore
from panti_desktop.store.schema import SCHEMA_VERSION, applied_count
from panti_desktop.vault import KdfParams, Vault

FLOOR = KdfParams()
PW = "correct horse battery"


@pytest.fixture
def env(tmp_path):
    db = open_database(tmp_path / "centre.db", create=True)
    vault = Vault(db)
    admin, _, ring = vault.create("admin", PW, FLOOR)
    store = RecordStore(db, ring, "centre-1", "device-a", HybridClock())
    yield db, vault, admin, ring, store
    db.close()


def _child(store, admin, no="C-1", name="Ahmad Rizki"):
    return store.insert("child", {"register_no": no, "full_name": name, "status": "assessment"}, admin.id)


def test_pragmas_and_schema(env):
    db = env[0]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert applied_count(db) == SCHEMA_VERSION


def _mode(db) -> str:
    return db.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_large_write_runs_in_a_rollback_journal_and_returns_to_wal(env, tmp_path):
    db, _vault, admin, _ring, store = env
    with rollback_journal(db) as used, db.atomic():
        assert used and _mode(db) == "truncate"
        _child(store, admin)
    assert _mode(db) == "wal"
    assert db.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 1


def test_a_large_write_stays_in_wal_while_another_connection_is_open(env, tmp_path):
    db, _vault, admin, _ring, store = env
    other = sqlite3.connect(tmp_path / "centre.db")
    try:
        other.execute("SELECT COUNT(*) FROM child").fetchone()
        with rollback_journal(db) as used, db.atomic():
            assert not used and _mode(db) == "wal"
            _child(store, admin)
        assert other.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 1
    finally:
        other.close()
    assert _mode(db) == "wal"
    with db.atomic(), rollback_journal(db) as used:  # nor inside a transaction
        assert not used
    assert _mode(db) == "wal"


def test_insert_get_update_keeps_plain_columns_and_seals_the_rest(env):
    db, _, admin, _, store = env
    c = _child(store, admin)
    row = db.execute("SELECT register_no, status, payload FROM child").fetchone()
    assert row[0] == "C-1" and row[1] == "assessment"
    assert b"Ahmad" not in row[2]
    assert store.get("child", c.id).data["full_name"] == "Ahmad Rizki"
    v1 = c.hlc
    c2 = store.update("child", c.id, {**c.data, "full_name": "Ahmad R."}, admin.id)
    assert c2.hlc > v1 and store.get("child", c.id).data["full_name"] == "Ahmad R."


def test_ciphertext_moved_to_another_row_fails_to_open(env):
    db, _, admin, _, store = env
    a = _child(store, admin, "C-1", "Ahmad")
    b = _child(store, admin, "C-2", "Budi")
    payload = db.execute("SELECT payload FROM child WHERE id=?", [a.id]).fetchone()[0]
    db.execute("UPDATE child SET payload=? WHERE id=?", [payload, b.id])
    with pytest.raises(IntegrityError):
        store.get("child", b.id)
    store.get("child", a.id)


def test_older_version_put_back_fails_to_open(env):
    """After a name-only edit, the older row put back with every column but its version
    (payload, key, times, plain columns) fails to open: only the version tells them apart."""
    db, _, admin, _, store = env
    c = _child(store, admin, name="Old Name")
    cols = [r[1] for r in db.execute("PRAGMA table_info(child)")]
    old = dict(zip(cols, db.execute("SELECT * FROM child WHERE id=?", [c.id]).fetchone(), strict=True))
    store.update("child", c.id, {**c.data, "full_name": "New Name"}, admin.id)
    now = dict(zip(cols, db.execute("SELECT * FROM child WHERE id=?", [c.id]).fetchone(), strict=True))
    assert {k for k in cols if now[k] != old[k]} <= {"hlc", "seq", "vv", "payload", "updated_at"}
    back = [k for k in cols if k not in ("id", "hlc", "origin", "seq", "vv")]
    db.execute(f"UPDATE child SET {', '.join(k + '=?' for k in back)} WHERE id=?", [*(old[k] for k in back), c.id])
    with pytest.raises(IntegrityError):
        store.get("child", c.id)
    db.execute("UPDATE child SET payload=? WHERE id=?", [now["payload"], c.id])
    db.execute("UPDATE child SET updated_at=? WHERE id=?", [now["updated_at"], c.id])
    assert store.get("child", c.id).data["full_name"] == "New Name"


def test_changing_a_plaintext_column_is_detected(env):
    db, _, admin, _, store = env
    c = _child(store, admin)
    store.insert("session", {"child_id": c.id, "session_date": "2026-01-05", "status": "final"}, admin.id)
    other = _child(store, admin, "C-2")
    db.execute("UPDATE session SET child_id=?", [other.id])
    failures = [r for _, r in store.iter_all("session") if isinstance(r, Exception)]
    assert len(failures) == 1


def test_flipped_byte_is_an_integrity_error_not_a_crash(env):
    db, _, admin, _, store = env
    c = _child(store, admin)
    p = bytearray(db.execute("SELECT payload FROM child").fetchone()[0])
    for i in (0, 5, len(p) - 1):
        q = bytearray(p)
        q[i] ^= 0xFF
        db.execute("UPDATE child SET payload=?", [bytes(q)])
        with pytest.raises(IntegrityError):
            store.get("child", c.id)


def test_delete_leaves_a_sealed_tombstone(env):
    db, _, admin, _, store = env
    c = _child(store, admin)
    store.delete("child", c.id, admin.id)
    assert store.rows("child") == []
    tomb = store.get("child", c.id)
    assert tomb.deleted and tomb.data == {"id": c.id}
    assert db.execute("SELECT register_no FROM child").fetchone()[0] is None


def test_staff_ring_cannot_open_clinical_rows(env):
    db, vault, admin, ring, store = env
    c = _child(store, admin)
    s = store.insert("session", {"child_id": c.id, "session_date": "2026-01-05", "notes": "x"}, admin.id)
    vault.add_user(ring, "budi", "staff", "budi passphrase 1", FLOOR)
    _, staff_ring = vault.unlock("budi", "budi passphrase 1")
    staff = RecordStore(db, staff_ring, "centre-1", "device-a", HybridClock())
    assert staff.get("child", c.id).data["full_name"] == "Ahmad Rizki"
    with pytest.raises(PermissionDenied):
        staff.get("session", s.id)


def test_reseal_moves_rows_to_the_new_key(env):
    db, vault, admin, ring, store = env
    c = _child(store, admin)
    store.insert("session", {"child_id": c.id, "session_date": "2026-01-05", "notes": "catatan"}, admin.id)
    vault.add_user(ring, "siti", "counsellor", "siti passphrase 1", FLOOR)
    vault.remove_user(ring, "siti", admin.id, store.reseal)
    keys = {r[0] for r in db.execute("SELECT key_id FROM child UNION SELECT key_id FROM session")}
    assert keys == {"CASE:2", "CLINICAL:2"}
    assert store.get("child", c.id).data["full_name"] == "Ahmad Rizki"
    assert not list(db.execute("SELECT 1 FROM data_key WHERE key_id IN ('CASE:1','CLINICAL:1')"))


def test_hybrid_clock_is_monotonic_even_if_the_wall_clock_goes_back():
    times = iter([1000, 1000, 999, 500, 2000, 2000])
    clock = HybridClock(wall_ms=lambda: next(times))
    values = [clock.tick() for _ in range(5)]
    assert values == sorted(values) and len(set(values)) == 5
    assert unpack(values[-1]) == (2000, 0)
    clock.observe(values[-1] + 10)
    assert clock.tick() > values[-1] + 10


def _audit(env, n=5):
    db, _, admin, ring, _ = env
    log = AuditLog(db, ring)
    for i in range(n):
        log.append(admin.id, "admin", "create", "child", f"r{i}")
    return db, log


def test_audit_chain_verifies_and_reads_back(env):
    db, log = _audit(env)
    assert verify_chain(db) == []
    entries = log.entries()
    assert [e.record_id for e in entries] == ["r4", "r3", "r2", "r1", "r0"]
    assert b"create" not in db.execute("SELECT sealed FROM audit").fetchone()[0]


def test_audit_log_is_append_only_in_the_database(env):
    db, _ = _audit(env)
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE audit SET at='x' WHERE seq=2")
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM audit WHERE seq=2")


def _without_triggers(db):
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")


def test_audit_chain_detects_an_edited_entry(env):
    db, _ = _audit(env)
    _without_triggers(db)
    sealed = bytearray(db.execute("SELECT sealed FROM audit WHERE seq=3").fetchone()[0])
    sealed[10] ^= 1
    db.execute("UPDATE audit SET sealed=? WHERE seq=3", [bytes(sealed)])
    assert any("3" in p and "changed" in p for p in verify_chain(db))


def test_audit_chain_detects_a_deleted_entry(env):
    db, _ = _audit(env)
    _without_triggers(db)
    db.execute("DELETE FROM audit WHERE seq=2")
    problems = verify_chain(db)
    assert any("missing" in p for p in problems)


def test_audit_chain_detects_reordered_entries(env):
    db, _ = _audit(env)
    _without_triggers(db)
    r2 = db.execute("SELECT at, key_id, sealed, prev_hash, hash FROM audit WHERE seq=2").fetchone()
    r3 = db.execute("SELECT at, key_id, sealed, prev_hash, hash FROM audit WHERE seq=3").fetchone()
    db.execute("UPDATE audit SET at=?, key_id=?, sealed=?, prev_hash=?, hash=? WHERE seq=2", r3)
    db.execute("UPDATE audit SET at=?, key_id=?, sealed=?, prev_hash=?, hash=? WHERE seq=3", r2)
    assert verify_chain(db)


def test_staff_can_append_to_the_audit_log_but_not_read_it(env):
    db, vault, _, ring, _ = env
    vault.add_user(ring, "budi", "staff", "budi passphrase 1", FLOOR)
    staff_user, staff_ring = vault.unlock("budi", "budi passphrase 1")
    log = AuditLog(db, staff_ring)
    log.append(staff_user.id, "budi", "create", "child", "x")
    with pytest.raises(PermissionDenied):
        log.entries()
    assert verify_chain(db) == []


def test_sessions_sealed_before_their_code_columns_still_open(env, monkeypatch):
    """A format-2 session (sealed before m004 added setting and systems) opens; resealing fills the codes."""
    from panti_desktop.store import records as records_mod

    _db, _vault, _admin, _ring, store = env
    child = store.insert("child", {"full_name": "A B"}, "u")
    monkeypatch.setattr(records_mod, "FORMAT_VERSION", 2)
    old = store.insert("session", {"child_id": child.id, "session_date": "2026-01-05", "setting": "home",
                                   "systems": ["family"], "status": "final"}, "u")
    store.db.execute("UPDATE session SET setting = NULL, systems = NULL WHERE id = ?", [old.id])
    monkeypatch.setattr(records_mod, "FORMAT_VERSION", 3)
    assert store.get("session", old.id).data["setting"] == "home"
    new = store.insert("session", {"child_id": child.id, "session_date": "2026-01-06", "setting": "school",
                                   "systems": ["school", "family"], "status": "final"}, "u")
    row = store.db.execute("SELECT setting, systems, hex(substr(payload, 1, 1)) FROM session WHERE id = ?",
                           [new.id]).fetchone()
    assert tuple(row) == ("school", "family,school", "03")
    store.db.execute("UPDATE session SET setting = 'home' WHERE id = ?", [new.id])  # a forged code
    with pytest.raises(IntegrityError):
        store.get("session", new.id)


def test_record_ids_follow_the_order_they_are_made_in():
    """Ids are UUID version 7 in 32 hex digits: later ids sort later (index locality)."""
    import itertools
    import uuid

    from panti_desktop.store.ids import new_id

    made = []
    for ms in (1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000):
        made += [new_id(ms) for _ in range(50)]
    by_ms = [made[i:i + 50] for i in (0, 50, 100)]
    for earlier, later in itertools.pairwise(by_ms):
        assert max(earlier) < min(later)
    assert len(set(made)) == len(made)  # 74 random bits within one millisecond
    u = uuid.UUID(new_id())
    assert u.version == 7 and u.variant == uuid.RFC_4122 and len(u.hex) == 32
    assert new_id(5, (1 << 200) - 1) == new_id(5, (1 << 74) - 1)  # only 74 random bits are used


def test_a_child_id_says_nothing_about_when_the_child_was_registered(ws):
    """An erasure tombstone keeps the child's id: it must be all random (version 4)."""
    import uuid

    from panti_desktop.store.ids import record_id

    assert uuid.UUID(record_id("child")).version == 4
    assert uuid.UUID(record_id("session")).version == 7
    child = ws.register_child({"full_name": "Budi Santoso", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
    assert uuid.UUID(child.id).version == 4
    family = ws.add_record("family", {"child_id": child.id, "structure": "intact"})
    assert uuid.UUID(family.id).version == 7
