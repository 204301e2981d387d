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
    assert set(admins[0]) == {"id", "public_key", "kdf", "slot", "slot_check", "grant", "bound"}
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


# the key ring, the recovery key's text and the sealed blob's frame


def test_the_ring_uses_the_newest_generation_of_each_role_by_number():
    from panti_desktop.errors import PermissionDenied as Denied
    from panti_desktop.vault.keyring import KeyRing

    ring = KeyRing()
    assert ring.locked and not ring.has("CASE")
    for key_id in ("CASE:9", "CASE:10", "CASE:2", "CLINICAL:1"):
        ring.add(key_id, bytearray(key_id.encode().ljust(32, b"k")))
    ring.set_current()
    assert ring.current == {"CASE": "CASE:10", "CLINICAL": "CLINICAL:1"}  # 10 > 9, not "10" < "9"
    assert ring.has("CASE") and not ring.has("ADMIN") and not ring.locked
    assert ring.current_id("CLINICAL") == "CLINICAL:1"
    assert ring.aead("CASE:9") is ring.aead("CASE:9")  # made once per key
    for call in (lambda: ring.current_id("ADMIN"), lambda: ring.aead("ADMIN:1"), lambda: ring.private_key("X:1")):
        with pytest.raises(Denied):
            call()
    keys = list(ring.keys.values())
    ring.wipe()
    assert all(k == bytearray(32) for k in keys) and ring.locked and ring.current == {} and not ring.has("CASE")
    with pytest.raises(Denied):
        ring.aead("CASE:9")  # no cipher outlives the wipe


def test_a_recovery_key_text_is_exactly_checked():
    raw = bytes(range(16))
    text = recovery.encode(raw)
    groups = text.split("-")
    assert [len(g) for g in groups] == [4] * 7 and all(c in recovery.ALPHABET for c in "".join(groups))
    assert recovery.decode(text) == raw
    assert recovery.decode("\t" + text.lower().replace("-", " ") + "\n") == raw
    assert recovery.decode(text.replace("1", "I")) == raw == recovery.decode(text.replace("1", "l"))
    assert recovery.decode(text.replace("0", "o")) == raw
    assert recovery.encode(b"\xff" * 16).startswith("7ZZZ")  # 128 bits fill 26 characters, the first holds 3
    over = "8" + recovery.encode(b"\xff" * 16).replace("-", "")[1:]  # the first character past 128 bits
    with pytest.raises(VaultError, match="not valid"):
        recovery.decode(over)
    with pytest.raises(VaultError, match="invalid character: U"):
        recovery.decode("U" + text.replace("-", "")[1:])
    with pytest.raises(VaultError, match="28 characters; 29 were given"):
        recovery.decode(text + "0")
    data, check = text.replace("-", "")[:26], text.replace("-", "")[26:]
    wrong = recovery.ALPHABET[(recovery.ALPHABET.index(check[1]) + 1) % 32]
    with pytest.raises(VaultError, match="not valid"):
        recovery.decode(data + check[0] + wrong)  # only the check character differs
    with pytest.raises(VaultError, match="not valid"):
        recovery.decode(data + "U" + check[1])  # a check character outside the alphabet
    a, b = recovery.generate(), recovery.generate()
    assert a[0] != b[0] and len(a[0]) == 16 and recovery.decode(a[1]) == a[0]


def test_a_sealed_blob_is_refused_unless_whole_and_of_a_known_format():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

    from panti_desktop.errors import IntegrityError
    from panti_desktop.vault import seal as S

    aead = AESGCMSIV(bytes(32))
    blob = S.seal(aead, b"{}", b"aad")
    assert blob[0] == S.FORMAT_VERSION == 3 and len(blob) == 1 + S.NONCE_BYTES + 2 + 16
    assert S.seal(aead, b"{}", b"aad")[1:13] != blob[1:13]  # a fresh nonce each time
    assert S.open_sealed(aead, blob, b"aad") == b"{}" and S.blob_format(blob) == 3 and S.blob_format(b"") == 0
    assert S.open_sealed(aead, S.seal(aead, b"", b"x", 1), b"x") == b""  # the shortest blob opens
    for bad in (b"", blob[:1 + S.NONCE_BYTES + 15], bytes([4]) + blob[1:], bytes([0]) + blob[1:]):
        with pytest.raises(IntegrityError, match="damaged or in an unknown format"):
            S.open_sealed(aead, bad, b"aad")
    with pytest.raises(IntegrityError, match="failed verification"):
        S.open_sealed(aead, blob, b"other aad")


@pytest.mark.parametrize(
    ("at_floor", "target", "memory", "iterations"),
    [
        (1.5, 2.0, 64 * 1024, 3),  # exactly three quarters of the target: already enough
        (0.375, 2.0, 256 * 1024, 3),  # doubled to the cap, exactly three quarters: no more passes
        (0.1499, 0.2, 128 * 1024, 3),  # just under three quarters of 200 ms: one doubling
    ],
)
def test_calibration_at_the_three_quarter_boundary(monkeypatch, at_floor, target, memory, iterations):
    monkeypatch.setattr(kdf, "_time_once", _timer(at_floor, []))
    p = kdf.calibrate(target_seconds=target)
    assert (p.memory_kib, p.iterations) == (memory, iterations)
    monkeypatch.setenv("PANTI_KDF_TARGET_MS", str(int(target * 1000)))  # milliseconds, read exactly
    p = kdf.calibrate()
    assert (p.memory_kib, p.iterations) == (memory, iterations)


def test_check_slots_names_only_damaged_slots_of_current_users(vault):
    v, admin, _text, ring = vault
    v.add_user(ring, "siti", "counsellor", "siti passphrase 1", FLOOR)
    v.add_user(ring, "zaki", "staff", "zaki passphrase 1", FLOOR)
    assert v.check_slots() == []
    kdf_json = json.loads(v.db.execute("SELECT kdf FROM user WHERE name = 'siti'").fetchone()[0])
    kdf_json["iterations"] = 1  # below the floor, with its checksum made to match
    from panti_desktop.vault.vault import _slot_check

    row = v.db.execute("SELECT id, public_key, slot FROM user WHERE name = 'siti'").fetchone()
    text = json.dumps(kdf_json, sort_keys=True)
    v.db.execute("UPDATE user SET kdf = ?, slot_check = ? WHERE name = 'siti'",
                 [text, _slot_check(row[0], row[1], text, row[2])])
    assert v.check_slots() == ["siti"]
    v.remove_user(ring, "siti", admin.id, lambda r, m: None)
    assert v.check_slots() == []  # a removed user has no slot to check


def test_format_1_associated_data_writes_other_values_as_text():
    from datetime import date

    assert associated_data("plan", "r", "v", "CASE:1", {"d": date(2026, 1, 2)}) == (
        b'[1,"plan","r","v","CASE:1",{"d":"2026-01-02"}]')
