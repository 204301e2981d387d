"""The vault's keys outside the database (what a backup carries), calibration, and the exact
bytes records are bound to. Written against mutation testing (scripts/mutation vault): each
test pins a decision a changed operator or constant would alter.
"""

from __future__ import annotations

import json

import pytest

from panti_desktop.errors import PermissionDenied, UnknownUser, VaultError, WrongPassphrase
from panti_desktop.store.db import open_database
from panti_desktop.vault import KdfParams, Vault, kdf, recovery
from panti_desktop.vault.seal import associated_data

FLOOR = KdfParams()
PW = "correct horse battery"


@pytest.fixture
def vault(tmp_path):
    db = open_database(tmp_path / "centre.db", create=True)
    v = Vault(db)
    admin, text, ring = v.create("admin", PW, FLOOR)
    yield v, admin, text, ring
    db.close()


def test_a_backups_unlockers_open_the_master_key_with_an_admin_passphrase_or_the_recovery_key(vault, tmp_path):
    v, _admin, text, ring = vault
    v.add_user(ring, "kepala", "admin", "kepala passphrase", FLOOR)
    v.add_user(ring, "siti", "counsellor", "siti passphrase 1", FLOOR)
    master_id, master, unlockers = v.master_unlockers(ring)
    assert master_id == "MASTER:1" and master == ring.keys["MASTER:1"]
    assert set(unlockers) == {"master_id", "recovery", "admins"} and unlockers["master_id"] == master_id
    admins = unlockers["admins"]
    ids = {r[0] for r in v.db.execute("SELECT id FROM user WHERE role = 'admin'")}
    assert {a["id"] for a in admins} == ids and len(admins) == 2  # admins only, no counsellor
    assert set(admins[0]) == {"id", "public_key", "kdf", "slot", "slot_check", "grant"}
    blob = json.dumps(unlockers)
    assert "admin" not in blob.replace('"admins"', "") and "kepala" not in blob  # no names

    from panti_desktop.vault.vault import open_master

    assert open_master(unlockers, passphrase=PW) == master
    assert open_master(unlockers, passphrase="kepala passphrase") == master
    assert open_master(unlockers, recovery_text=text) == master
    with pytest.raises(WrongPassphrase, match="No administrator's passphrase"):
        open_master(unlockers, passphrase="siti passphrase 1")
    _raw, stranger = recovery.generate()  # well-formed, of no vault here
    with pytest.raises(WrongPassphrase, match="does not open this backup"):
        open_master(unlockers, recovery_text=stranger)
    with pytest.raises(VaultError, match="needed"):
        open_master(unlockers)
    with pytest.raises(VaultError, match="cannot be opened with a recovery key"):
        open_master({**unlockers, "recovery": None}, recovery_text=text)
    with pytest.raises(VaultError, match="holds no administrator key slot"):
        open_master({**unlockers, "admins": []}, passphrase=PW)
    with pytest.raises(WrongPassphrase):  # a grant of another master id does not open
        open_master({**unlockers, "master_id": "MASTER:2"}, recovery_text=text)


def test_another_vaults_recovery_key_opens_neither_the_vault_nor_its_backup(vault, tmp_path):
    v, _admin, text, ring = vault
    other_db = open_database(tmp_path / "other.db", create=True)
    _a, other_text, _r = Vault(other_db).create("admin", PW, FLOOR)
    other_db.close()
    recovery.decode(other_text)  # well-formed
    with pytest.raises(WrongPassphrase, match="does not belong to this centre's vault"):
        v.unlock_with_recovery(other_text)
    from panti_desktop.vault.vault import open_master

    with pytest.raises(WrongPassphrase, match="does not open this backup"):
        open_master(v.master_unlockers(ring)[2], recovery_text=other_text)
    assert v.unlock_with_recovery(text).keys["MASTER:1"] == ring.keys["MASTER:1"]


def test_after_an_admin_is_removed_the_unlockers_hold_the_new_master_key(vault):
    v, admin, text, ring = vault
    v.add_user(ring, "kepala", "admin", "kepala passphrase", FLOOR)
    v.remove_user(ring, "kepala", admin.id, lambda r, m: None)
    master_id, master, unlockers = v.master_unlockers(ring)
    assert master_id == "MASTER:2" and [a["id"] for a in unlockers["admins"]] == [admin.id]
    from panti_desktop.vault.vault import open_master

    assert open_master(unlockers, recovery_text=text) == master == open_master(unlockers, passphrase=PW)
    with pytest.raises(WrongPassphrase):
        open_master(unlockers, passphrase="kepala passphrase")


def test_only_an_admin_gets_the_unlockers(vault):
    v, _admin, _text, ring = vault
    v.add_user(ring, "mira", "manager", "mira passphrase 1", FLOOR)
    _u, manager_ring = v.unlock("mira", "mira passphrase 1")
    with pytest.raises(PermissionDenied):
        v.master_unlockers(manager_ring)


def test_users_are_listed_by_name_and_removed_ones_on_request(vault):
    v, admin, _text, ring = vault
    v.add_user(ring, "zaki", "staff", "zaki passphrase 1", FLOOR)
    v.add_user(ring, "budi", "counsellor", "budi passphrase 1", FLOOR)
    v.remove_user(ring, "zaki", admin.id, lambda r, m: None)
    assert [(u.name, u.role) for u in v.users()] == [("admin", "admin"), ("budi", "counsellor")]
    everyone = v.users(include_removed=True)
    assert [u.name for u in everyone] == ["admin", "budi", "zaki"]
    assert everyone[2].removed_at and everyone[0].removed_at is None
    assert v.user("budi").role == "counsellor" and v.user("admin").id == admin.id
    with pytest.raises(UnknownUser, match="zaki"):
        v.user("zaki")


def test_format_1_associated_data_is_sorted_key_json():
    index = {"status": "final", "centre_id": "c1", "n": 3}
    assert associated_data("session", "r1", "v1", "CLINICAL:1", index) == (
        b'[1,"session","r1","v1","CLINICAL:1",{"centre_id":"c1","n":3,"status":"final"}]')
    assert associated_data("child", "r", "v", "CASE:1", None) == b'[1,"child","r","v","CASE:1",{}]'
    assert associated_data("child", "r", "v", "CASE:1", {"name": "Ané"}) == (
        '[1,"child","r","v","CASE:1",{"name":"Ané"}]'.encode())


# calibration: the time of one derivation is given, so every step of the search is known


def _timer(seconds_at_floor: float, calls: list):
    """One derivation takes `seconds_at_floor` at 64 MiB and 3 passes, proportionally more beyond."""

    def time_once(memory_kib: int, iterations: int, lanes: int) -> float:
        calls.append((memory_kib, iterations, lanes))
        return seconds_at_floor * (memory_kib / kdf.MIN_MEMORY_KIB) * (iterations / kdf.MIN_ITERATIONS)

    return time_once


@pytest.mark.parametrize(
    ("at_floor", "target", "memory", "iterations"),
    [
        (0.1, 0.6, 256 * 1024, 4),  # memory doubles to the cap (0.4 s), then passes: 0.6 / (0.4 / 3)
        (0.3, 0.6, 128 * 1024, 3),  # 0.3 < 0.45: one doubling reaches 0.6, no more passes
        (0.5, 0.6, 64 * 1024, 3),  # 0.5 is at least three quarters of the target: the floor
        (0.44, 0.6, 128 * 1024, 3),  # just under three quarters: one doubling
        (0.001, 10.0, 256 * 1024, 32),  # passes stop at the most the read side accepts
        (0.1, 0.0, 64 * 1024, 3),  # no target: the floor, without timing anything
    ],
)
def test_calibration_follows_the_measured_time(monkeypatch, at_floor, target, memory, iterations):
    calls = []
    monkeypatch.setattr(kdf, "_time_once", _timer(at_floor, calls))
    p = kdf.calibrate(target_seconds=target)
    assert (p.memory_kib, p.iterations, p.lanes) == (memory, iterations, 4)
    assert len(bytes.fromhex(p.salt)) == 16
    assert calls == ([] if target == 0 else [(kdf.MIN_MEMORY_KIB, kdf.MIN_ITERATIONS, 4)])


def test_calibration_reads_its_target_from_the_environment(monkeypatch):
    calls = []
    monkeypatch.setattr(kdf, "_time_once", _timer(0.1, calls))
    monkeypatch.setenv("PANTI_KDF_TARGET_MS", "200")
    p = kdf.calibrate()  # 0.1 s < 0.15 s: one doubling, to 0.2 s
    assert (p.memory_kib, p.iterations) == (128 * 1024, 3)
    monkeypatch.setenv("PANTI_KDF_TARGET_MS", "0")
    assert kdf.calibrate().memory_kib == kdf.MIN_MEMORY_KIB and calls == [(64 * 1024, 3, 4)]
    monkeypatch.delenv("PANTI_KDF_TARGET_MS")
    p = kdf.calibrate()  # the default target, 0.6 s
    assert (p.memory_kib, p.iterations) == (256 * 1024, 4) and kdf.DEFAULT_TARGET_SECONDS == 0.6


def test_one_timed_derivation_uses_the_parameters_it_is_given(monkeypatch):
    made = []

    class Recorder:
        def __init__(self, **kw):
            made.append(kw)

        def derive(self, data):
            assert data == b"calibration"
            return b"k" * 32

    ticks = iter([10.0, 10.25])
    monkeypatch.setattr(kdf, "Argon2id", Recorder)
    monkeypatch.setattr(kdf.time, "perf_counter", lambda: next(ticks))
    assert kdf._time_once(128 * 1024, 5, 2) == 0.25
    (kw,) = made
    assert (kw["memory_cost"], kw["iterations"], kw["lanes"], kw["length"]) == (128 * 1024, 5, 2, 32)
    assert len(kw["salt"]) == 16
