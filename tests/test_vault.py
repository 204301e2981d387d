"""The vault on its own: recovery key format, KDF bounds, slots, grants, rotation."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panti_desktop.errors import (
    IntegrityError,
    PermissionDenied,
    UnknownUser,
    VaultError,
    WrongPassphrase,
)
from panti_desktop.store.db import open_database
from panti_desktop.vault import CASE, CLINICAL, MASTER, KdfParams, Vault, recovery
from panti_desktop.vault.kdf import MIN_ITERATIONS, MIN_MEMORY_KIB, calibrate
from panti_desktop.vault.keyring import KeyRing, wipe

FLOOR = KdfParams()
PW = "correct horse battery"


@pytest.fixture
def db(tmp_path):
    d = open_database(tmp_path / "centre.db", create=True)
    yield d
    d.close()


@given(st.binary(min_size=16, max_size=16))
def test_recovery_key_round_trips(raw):
    text = recovery.encode(raw)
    assert len(text.split("-")) == 7 and all(len(g) == 4 for g in text.split("-"))
    assert recovery.decode(text) == raw
    assert recovery.decode(text.lower().replace("-", " ")) == raw


def test_recovery_key_tolerates_confusable_characters_and_catches_typos():
    raw, text = recovery.generate()
    assert recovery.decode(text.replace("0", "O").replace("1", "I")) == raw
    i = next(i for i, c in enumerate(text) if c not in "-")
    typo = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]
    with pytest.raises(VaultError, match="not valid"):
        recovery.decode(typo)
    with pytest.raises(VaultError, match="28 characters"):
        recovery.decode(text[:-3])


def test_kdf_parameters_out_of_bounds_are_refused():
    good = FLOOR.with_new_salt().to_dict()
    assert KdfParams.from_dict(good).memory_kib == MIN_MEMORY_KIB
    for change in ({"memory_kib": 1024}, {"iterations": 1}, {"iterations": 10_000},
                   {"memory_kib": 64 * 1024 * 1024}, {"lanes": 0}, {"alg": "pbkdf2"}, {"salt": "00"}):
        with pytest.raises(IntegrityError):
            KdfParams.from_dict({**good, **change})


def test_calibration_never_goes_below_the_floor():
    p = calibrate(target_seconds=0)
    assert p.memory_kib >= MIN_MEMORY_KIB and p.iterations >= MIN_ITERATIONS
    p = calibrate(target_seconds=0.05)
    assert p.memory_kib >= MIN_MEMORY_KIB and p.iterations >= MIN_ITERATIONS


def test_wipe_overwrites_key_material():
    ring = KeyRing()
    key = bytearray(b"k" * 32)
    ring.add("CASE:1", key)
    ring.set_current()
    ring.wipe()
    assert key == bytearray(32) and ring.locked
    wipe(None)


def test_create_unlock_and_role_keys(db):
    v = Vault(db)
    _admin, _text, ring = v.create("admin", PW, FLOOR)
    assert set(ring.current) == {MASTER, CASE, CLINICAL, "ADMIN"}
    v.add_user(ring, "siti", "counsellor", "siti passphrase 1", FLOOR)
    v.add_user(ring, "budi", "staff", "budi passphrase 1", FLOOR)
    _, r = v.unlock("siti", "siti passphrase 1")
    assert set(r.current) == {CASE, CLINICAL}
    _, r = v.unlock("budi", "budi passphrase 1")
    assert set(r.current) == {CASE}
    with pytest.raises(PermissionDenied):
        r.aead("CLINICAL:1")
    # the slot of a staff user holds only what staff may have
    row = db.execute("SELECT id FROM user WHERE name='budi'").fetchone()
    grants = [g[0] for g in db.execute("SELECT key_id FROM key_grant WHERE grantee=?", [f"user:{row[0]}"])]
    assert grants == ["CASE:1"]


def test_wrong_passphrase_unknown_user_and_damaged_slot(db):
    v = Vault(db)
    v.create("admin", PW, FLOOR)
    with pytest.raises(WrongPassphrase):
        v.unlock("admin", "wrong passphrase!")
    with pytest.raises(UnknownUser):
        v.unlock("nobody", PW)
    slot = bytearray(db.execute("SELECT slot FROM user WHERE name='admin'").fetchone()[0])
    slot[20] ^= 1
    db.execute("UPDATE user SET slot=? WHERE name='admin'", [bytes(slot)])
    with pytest.raises(IntegrityError, match="damaged"):
        v.unlock("admin", PW)
    assert v.check_slots() == ["admin"]


def test_weakened_kdf_params_in_a_slot_are_refused(db):
    v = Vault(db)
    v.create("admin", PW, FLOOR)
    kdf = json.loads(db.execute("SELECT kdf FROM user").fetchone()[0])
    kdf["memory_kib"] = 8
    db.execute("UPDATE user SET kdf=?", [json.dumps(kdf, sort_keys=True)])
    with pytest.raises(IntegrityError):
        v.unlock("admin", PW)


def test_passphrase_change_rewraps_only_that_slot(db):
    v = Vault(db)
    _, _, ring = v.create("admin", PW, FLOOR)
    v.add_user(ring, "siti", "counsellor", "siti passphrase 1", FLOOR)
    before = {r[0]: r[1] for r in db.execute("SELECT name, slot FROM user")}
    grants_before = list(db.execute("SELECT * FROM key_grant ORDER BY grantee, key_id"))
    v.change_passphrase("siti", "siti passphrase 1", "siti passphrase 2")
    after = {r[0]: r[1] for r in db.execute("SELECT name, slot FROM user")}
    assert after["admin"] == before["admin"] and after["siti"] != before["siti"]
    assert list(db.execute("SELECT * FROM key_grant ORDER BY grantee, key_id")) == grants_before
    with pytest.raises(WrongPassphrase):
        v.unlock("siti", "siti passphrase 1")
    v.unlock("siti", "siti passphrase 2")


def test_weak_passphrases_are_refused(db):
    v = Vault(db)
    with pytest.raises(VaultError, match="at least"):
        v.create("admin", "short", FLOOR)
    with pytest.raises(VaultError, match="easy"):
        v.create("admin", "aaaaaaaaaaaa", FLOOR)


def test_recovery_key_opens_master_and_resets_a_passphrase(db):
    v = Vault(db)
    _, text, _ = v.create("admin", PW, FLOOR)
    ring = v.unlock_with_recovery(text)
    assert ring.has(MASTER) and ring.has(CLINICAL)
    v.reset_passphrase(ring, "admin", "brand new passphrase", FLOOR)
    with pytest.raises(WrongPassphrase):
        v.unlock("admin", PW)
    v.unlock("admin", "brand new passphrase")
    _other_raw, other_text = recovery.generate()
    with pytest.raises(WrongPassphrase, match="does not belong"):
        v.unlock_with_recovery(other_text)


def test_regenerated_recovery_key_invalidates_the_old_one(db):
    v = Vault(db)
    _, old, ring = v.create("admin", PW, FLOOR)
    new = v.regenerate_recovery(ring)
    v.unlock_with_recovery(new)
    with pytest.raises(WrongPassphrase):
        v.unlock_with_recovery(old)


def test_removing_a_user_rotates_keys_and_old_slot_cannot_open_them(db):
    v = Vault(db)
    admin, text, ring = v.create("admin", PW, FLOOR)
    v.add_user(ring, "siti", "counsellor", "siti passphrase 1", FLOOR)
    v.add_user(ring, "budi", "staff", "budi passphrase 1", FLOOR)
    siti_row = dict(zip([c[0] for c in db.execute("SELECT * FROM user WHERE name='siti'").description],
                        db.execute("SELECT * FROM user WHERE name='siti'").fetchone(), strict=True))
    siti_grants = list(db.execute("SELECT grantee, key_id, sealed FROM key_grant WHERE grantee=?",
                                  [f"user:{siti_row['id']}"]))
    seen = {}

    def reseal(r, mapping):
        seen.update(mapping)

    rotated = v.remove_user(ring, "siti", admin.id, reseal)
    assert set(rotated) == {"CASE:1", "CLINICAL:1"} and seen == rotated
    with pytest.raises(UnknownUser):
        v.unlock("siti", "siti passphrase 1")
    # Budi (staff) and the admin received the new CASE key; the old CASE key is gone.
    _, rb = v.unlock("budi", "budi passphrase 1")
    assert rb.current == {CASE: "CASE:2"}
    _, ra = v.unlock("admin", PW)
    assert ra.current[CLINICAL] == "CLINICAL:2" and "CLINICAL:1" not in ra.keys
    # Put Siti's old slot and grants back, as someone with an old copy of the database could:
    db.execute("UPDATE user SET removed_at=NULL, slot=?, kdf=?, slot_check=? WHERE id=?",
               [siti_row["slot"], siti_row["kdf"], siti_row["slot_check"], siti_row["id"]])
    for g in siti_grants:
        db.execute("INSERT INTO key_grant (grantee, key_id, sealed) VALUES (?, ?, ?)", g)
    _, old = v.unlock("siti", "siti passphrase 1")
    assert "CLINICAL:2" not in old.keys and "CASE:2" not in old.keys
    assert v.unlock_with_recovery(text).has(MASTER)


def test_removing_an_admin_rotates_the_master_key(db):
    v = Vault(db)
    admin, text, ring = v.create("admin", PW, FLOOR)
    v.add_user(ring, "kepala", "admin", "kepala passphrase", FLOOR)
    v.remove_user(ring, "kepala", admin.id, lambda r, m: None)
    _, ra = v.unlock("admin", PW)
    assert ra.current[MASTER] == "MASTER:2"
    assert v.unlock_with_recovery(text).current[MASTER] == "MASTER:2"
    with pytest.raises(VaultError):
        v.remove_user(ra, "admin", admin.id, lambda r, m: None)


def test_non_admin_cannot_manage_users(db):
    v = Vault(db)
    _, _, ring = v.create("admin", PW, FLOOR)
    v.add_user(ring, "mira", "manager", "mira passphrase 1", FLOOR)
    _, rm = v.unlock("mira", "mira passphrase 1")
    with pytest.raises(PermissionDenied):
        v.add_user(rm, "x", "staff", "x passphrase 12", FLOOR)


def test_a_crash_during_rotation_leaves_the_old_state(db):
    v = Vault(db)
    admin, _, ring = v.create("admin", PW, FLOOR)
    v.add_user(ring, "siti", "counsellor", "siti passphrase 1", FLOOR)

    def reseal(r, mapping):
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError):
        v.remove_user(ring, "siti", admin.id, reseal)
    _, r = v.unlock("siti", "siti passphrase 1")
    assert r.current[CLINICAL] == "CLINICAL:1"


def _reference_aad(items: list) -> bytes:
    """How format 2 and 3 associated data was written when those records were sealed."""
    return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode(items).encode("utf-8")


def test_associated_data_is_byte_for_byte_what_json_wrote_for_every_character():
    from panti_desktop.vault.seal import associated_data_v2

    # every code point (surrogates cannot be encoded at all), in one string per block
    for start in range(0, 0x110000, 0x800):
        text = "".join(chr(c) for c in range(start, start + 0x800) if not 0xD800 <= c <= 0xDFFF)
        bound = ["centre", 0, text, None, "2026-12-01T10:00:00+00:00", 2**63 - 1, -5, True]
        assert associated_data_v2("session", text, "v", "CLINICAL:1", bound, 3) == _reference_aad(
            [3, "session", text, "v", "CLINICAL:1", bound])
    for odd in ([1.5, "x"], [b"raw"], [2**80]):  # what orjson refuses or writes otherwise goes to json
        assert associated_data_v2("child", "id", "v", "CASE:1", odd, 3) == _reference_aad(
            [3, "child", "id", "v", "CASE:1", odd])


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(), st.booleans()), max_size=8))
def test_associated_data_matches_json_for_any_row(bound):
    from panti_desktop.vault.seal import associated_data_v2

    assert associated_data_v2("plan", "r", "v", "k", bound, 2) == _reference_aad([2, "plan", "r", "v", "k", bound])


def test_payload_json_keeps_what_the_standard_library_accepted():
    from datetime import date

    from panti_desktop import jsonio

    data = {"n": 2**70, "when": date(2026, 12, 1), 7: "int key", "text": "Anak — ✓"}
    back = jsonio.loads(jsonio.dumps(data))
    assert back == {"n": 2**70, "when": "2026-12-01", "7": "int key", "text": "Anak — ✓"}
    assert jsonio.loads(b'{"x": NaN}')["x"] != 0  # NaN, as json reads it
    with pytest.raises(ValueError):
        jsonio.loads(b"[" * 100_000 + b"]" * 100_000)  # too deep: refused, never a crash
    with pytest.raises(ValueError):
        jsonio.loads(b"{not json")
