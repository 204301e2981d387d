"""Authenticated authority (issue 17): every row that decides who may do what carries a MAC.

Each test starts from a centre made by the product (users, a peer, a retention rule), edits its
`centre.db` with sqlite3 as an attacker with write access to the data folder would, and asserts
both that `verify` names the row and that the app refuses to use it at run time.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from panti_desktop import retention
from panti_desktop.errors import PantiError
from panti_desktop.store.db import DB_NAME
from panti_desktop.sync import peers
from panti_desktop.vault import authority
from panti_desktop.vault.vault import Vault
from panti_desktop.workspace import Workspace
from tests.conftest import ADMIN_PASS, FLOOR

PASS = {"siti": "siti passphrase 1", "budi": "budi passphrase 1", "mira": "mira passphrase 1"}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Admin, siti (counsellor), budi (staff), mira (manager); HQ trusted; a retention rule; closed."""
    root = tmp_path_factory.mktemp("authority")
    hq, _k = Workspace.init(root / "hq", "HQ", "Pusat", "admin", ADMIN_PASS, centre_type="hq", kdf=FLOOR)
    peers.export_card(hq, root / "hq.card")
    ws, _k = Workspace.init(root / "centre", "TST", "Sentra Uji", "admin", ADMIN_PASS, kdf=FLOOR)
    peers.export_card(ws, root / "centre.card")
    peers.add_peer(hq, root / "centre.card")
    hq.close()
    ws.add_user("siti", "counsellor", PASS["siti"], FLOOR)
    ws.add_user("budi", "staff", PASS["budi"], FLOOR)
    ws.add_user("mira", "manager", PASS["mira"], FLOOR)
    peers.add_peer(ws, root / "hq.card")
    retention.set_years(ws, "session", 20)
    child = ws.register_child({"full_name": "Budi Santoso", "birth_date": "2012-03-04", "intake_date": "2025-01-10"})
    retention.place_hold(ws, child.id, "Perkara banding", "2099-12-31")
    assert ws.verify() == []
    ws.close()
    return root / "centre"


@pytest.fixture
def vault(template, tmp_path):
    dest = tmp_path / "centre"
    shutil.copytree(template, dest)
    return dest


def _sql(vault_dir: Path, *statements, params=()):
    conn = sqlite3.connect(vault_dir / DB_NAME)
    for sql in statements:
        conn.execute(sql, params) if params else conn.execute(sql)
    conn.commit()
    conn.close()


def _query(vault_dir: Path, sql: str, params=()):
    conn = sqlite3.connect(vault_dir / DB_NAME)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _user_id(vault_dir, name):
    return _query(vault_dir, "SELECT id FROM user WHERE name = ?", [name])[0][0]


def _verify_names(vault_dir, table) -> list[str]:
    try:
        ws = Workspace.open(vault_dir, "admin", ADMIN_PASS)
    except PantiError as exc:  # a data key wrapped wrongly stops the unlock itself, naming the key
        return [str(exc)]
    with ws:
        return [p for p in ws.verify() if f"table {table}" in p or "key slot" in p]


def _cannot_unlock(vault_dir, name, *also) -> bool:
    for who in (name, *also):
        try:
            Workspace.open(vault_dir, who, PASS.get(name, ADMIN_PASS)).close()
        except PantiError:
            continue
        return False
    return True


# --- the row each table is attacked through, and what the app must refuse at run time ---------------


def _row(vault_dir, table):
    siti = _user_id(vault_dir, "siti")
    return {
        "user": ("id = ?", [siti]),
        "key_grant": ("grantee = ? AND key_id = 'CASE:1'", [f"user:{siti}"]),
        "data_key": ("key_id = 'CASE:1'", []),
        "vault_meta": ("key = 'recovery_public'", []),
        "store_meta": ("key = 'centre_code'", []),
        "sync_identity": ("id = 1", []),
        "peer": ("code = 'HQ'", []),
        "setting": ("key = 'retention_years:session'", []),
        "legal_hold": ("1 = 1", []),  # the one hold
    }[table]


def _refused(vault_dir, table, changed_name=None) -> bool:
    """Whether the app refuses to use the attacked row of `table` (not only in verify)."""
    if table in ("user", "key_grant"):
        return _cannot_unlock(vault_dir, "siti", *([changed_name] if changed_name else []))
    try:
        ws = Workspace.open(vault_dir, "admin", ADMIN_PASS)
    except PantiError:
        return True  # the admin cannot unlock: nothing is used
    with ws:
        if table in ("data_key", "vault_meta"):  # no re-key reads them: removing a user is refused
            try:
                ws.remove_user("budi")
            except PantiError:
                return _query(vault_dir, "SELECT removed_at FROM user WHERE name = 'budi'")[0][0] is None
            return False
        if table in ("store_meta", "sync_identity"):
            try:
                peers.identity(ws)
            except PantiError:
                return True
            return False
        if table == "peer":
            try:
                p = peers.peer(ws, "HQ")
            except PantiError:
                return True
            return (p.signing_key not in peers.trusted_signers(ws) and p.authentic is False) or p.revoked_at
        if table == "setting":
            with pytest.raises(PantiError, match="retention rule"):
                retention.erase(ws, "x")
            return True
        if table == "legal_hold":  # the hold stays in force (or the row cannot be read): nothing is erased
            child = ws.child_ids()[0]
            with pytest.raises(PantiError, match=r"legal hold|failed verification|damaged"):
                retention.erase(ws, child)
            return child in ws.child_ids()
    raise AssertionError(table)


def _regrant_passes_siti_by(vault, table):
    siti = _user_id(vault, "siti")
    with Workspace.open(vault, "admin", ADMIN_PASS) as ws:
        ws.remove_user("budi")
    keys = {r[0] for r in _query(vault, "SELECT key_id FROM key_grant WHERE grantee = ?", [f"user:{siti}"])}
    if table == "user":
        assert keys == set()
    else:
        assert "CASE:2" in keys
        with Workspace.open(vault, "admin", ADMIN_PASS) as ws:
            assert not [p for p in ws.verify() if "key_grant" in p]


def _changed(value):
    if value is None:
        return "2020-01-01T00:00:00+00:00"
    if isinstance(value, int):
        return value + 1
    if isinstance(value, bytes):
        return value[:-1] + bytes([value[-1] ^ 1])
    return value + "x" if value else "x"


TABLES = [s.table for s in authority.SPECS]


@pytest.mark.parametrize("table", TABLES)
def test_every_column_changed_is_named_and_refused(template, tmp_path, table):
    """Schema-driven: every column of the attacked row, one at a time."""
    cols = [r[1] for r in _query(template, f"PRAGMA table_info({table})")]
    assert "auth" in cols
    for col in cols:
        vault = tmp_path / col
        shutil.copytree(template, vault)
        where, params = _row(vault, table)
        (value,) = _query(vault, f"SELECT {col} FROM {table} WHERE {where}", params)[0]
        new = _changed(value)
        if table == "setting" and col == "value":
            new = "1"
        if table == "user" and col == "role":
            new = "admin"
        _sql(vault, f"UPDATE {table} SET {col} = ? WHERE {where}", params=[new, *params])
        if table == "setting" and col == "updated_at":
            continue  # not authority: when the rule was last set (the value and who set it are)
        named = _verify_names(vault, table)
        assert named, f"{table}.{col} changed: verify said nothing"
        if col == "auth" and table in ("user", "key_grant"):
            # only the MAC changed: a user without the master key cannot check it, but no administrator
            # gives the row anything: the next re-key passes siti by (user) or replaces the grant
            _regrant_passes_siti_by(vault, table)
            continue
        assert _refused(vault, table, new if col == "name" else None), f"{table}.{col} changed: the app used it"


@pytest.mark.parametrize("table", TABLES)
def test_a_deleted_row_is_named_and_refused(vault, table):
    where, params = _row(vault, table)
    _sql(vault, f"DELETE FROM {table} WHERE {where}", params=params)
    with Workspace.open(vault, "admin", ADMIN_PASS) if table != "store_meta" else _nothing() as ws:
        if ws is not None:
            assert any("deleted outside the app" in p and f"table {table}" in p for p in ws.verify())
    assert _refused(vault, table)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _forged(vault, table):
    siti = _user_id(vault, "siti")
    if table == "user":
        # a user planted with a slot the attacker made: the attacker knows its passphrase
        conn = sqlite3.connect(vault / DB_NAME)
        conn.row_factory = sqlite3.Row
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        from panti_desktop.store.db import open_database

        db = open_database(vault / DB_NAME)
        cols = Vault(db)._slot_columns("f" * 32, X25519PrivateKey.generate(), PASS["siti"], FLOOR,
                                      ("eve", "admin", "2025-01-01"))
        db.close()
        conn.execute("INSERT INTO user (id, name, role, created_at, public_key, kdf, slot, slot_check) "
                     "VALUES (?, 'eve', 'admin', '2025-01-01', ?, ?, ?, ?)",
                     ["f" * 32, cols["public_key"], cols["kdf"], cols["slot"], cols["slot_check"]])
        conn.commit()
        conn.close()
        return "eve"
    rows = {
        "key_grant": ("INSERT INTO key_grant (grantee, key_id, sealed) VALUES (?, 'ADMIN:1', X'00')", [f"user:{siti}"]),
        "data_key": ("INSERT INTO data_key (key_id, role, generation, master_id, wrapped, retired, created_at) "
                     "VALUES ('CASE:9', 'CASE', 9, 'MASTER:1', X'00', 0, '2025')", []),
        "vault_meta": ("INSERT INTO vault_meta (key, value) VALUES ('master_id', 'MASTER:0')", []),
        "store_meta": ("UPDATE store_meta SET value = 'hq' WHERE key = 'centre_type'", []),
        "sync_identity": ("INSERT INTO sync_identity (id, signing_public, kem_public, master_id, sealed) "
                          "VALUES (2, 'aa', 'bb', 'MASTER:1', X'00')", []),
        "peer": ("INSERT INTO peer (code, name, role, signing_key, kem_key, added_at, added_by) "
                 "VALUES ('EVE', 'Eve', 'hq', ?, ?, '2025', 'x')", ["11" * 32, "22" * 32]),
        "setting": ("INSERT OR REPLACE INTO setting (key, value, updated_at, updated_by) "
                    "VALUES ('retention_years:session', '1', '2025', 'x')", []),
        # a lifted hold copied in beside the real one, its id changed
        "legal_hold": ("INSERT INTO legal_hold SELECT 'forged' || id, centre_id, hlc, origin, deleted, key_id, "
                       "payload, created_at, created_by, updated_at, updated_by, child_id, until, '2025-01-01', "
                       "vv, seq, auth FROM legal_hold", []),
    }
    sql, params = rows[table]
    _sql(vault, sql, params=params)
    return None


@pytest.mark.parametrize("table", TABLES)
def test_a_forged_row_is_named_and_refused(vault, table):
    planted = _forged(vault, table)
    assert _verify_names(vault, table) or table in ("data_key",)
    if table == "user":
        # the planted admin cannot unlock (no keys were given to it), and a routine removal gives it none
        assert _cannot_unlock(vault, "eve")
        with Workspace.open(vault, "admin", ADMIN_PASS) as ws:
            ws.remove_user("budi")
        assert not _query(vault, "SELECT 1 FROM key_grant WHERE grantee = ?", ["user:" + "f" * 32])
        assert _cannot_unlock(vault, planted)
    elif table == "key_grant":
        assert _cannot_unlock(vault, "siti")
    elif table == "peer":
        with Workspace.open(vault, "admin", ADMIN_PASS) as ws:
            assert bytes.fromhex("11" * 32) not in peers.trusted_signers(ws)
            with pytest.raises(PantiError, match="changed outside the app"):
                from panti_desktop.sync.export import _recipient

                _recipient(ws, "EVE")
    else:
        assert _refused(vault, table)
