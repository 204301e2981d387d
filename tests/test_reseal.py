"""Removing a user leaves nothing behind (issue 17): every table that holds ciphertext under a
retired key is sealed again, found from the schema, and every command that reads a sealed table
still works after a user and an administrator were removed."""

from __future__ import annotations

import sqlite3
from datetime import date

from panti_desktop.cli import main
from panti_desktop.store.db import DB_NAME
from panti_desktop.sync import exchange as X
from panti_desktop.workspace import Workspace
from tests.conftest import ADMIN_PASS, FLOOR

# Every BLOB column of the schema and what keeps it readable after a key is retired. A sealed
# column added later fails `test_every_sealed_column_is_known` until it is listed (and handled).
RESEALED_BY_ROTATION = "re-sealed under the new key in the removal's transaction"
SEALED_COLUMNS = {
    "payload": RESEALED_BY_ROTATION,  # every record table, `conflict` and `sync_stats`
    "attachment_chunk.payload": "sealed under its attachment's key (a subkey per document); re-sealed with the "
                                "attachment row in the removal's transaction",
    "audit.sealed": "sealed to an ADMIN public key; every ADMIN generation is kept and granted",
    "data_key.wrapped": "wrapped again under the new master key",
    "data_key.public_key": "public",
    "key_grant.sealed": "each remaining user is granted the new keys; the removed user's grants are deleted",
    "sync_identity.sealed": "sealed again under the new master key",
    "user.public_key": "public",
    "user.slot": "the user's own passphrase",
}


def _blob_columns(conn) -> list[tuple[str, str]]:
    out = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        for col in conn.execute(f"PRAGMA table_info({table})"):
            if (col[2] or "").upper() == "BLOB":
                out.append((table, col[1]))
    return out


def _child(ws, name):
    return ws.register_child({"full_name": name, "birth_date": "2011-03-04", "intake_date": "2026-01-05"})


def test_every_sealed_column_is_known(ws, vault_dir):
    conn = sqlite3.connect(vault_dir / DB_NAME)
    try:
        unknown = [f"{t}.{c}" for t, c in _blob_columns(conn)
                   if f"{t}.{c}" not in SEALED_COLUMNS and not (c == "payload" and _has_key_id(conn, t))]
    finally:
        conn.close()
    assert unknown == []


def _has_key_id(conn, table) -> bool:
    return "key_id" in {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def test_removing_a_user_and_an_admin_reseals_every_table_and_every_command_still_works(
        sites, tmp_path, monkeypatch, capsys):
    a, b, hq = sites
    c = _child(a, "Budi Santoso")
    X.import_bundle(hq, X.export_changes(a, "HQ", tmp_path / "a1.pantisync").path)
    X.import_bundle(b, X.export_child(a, c.id, "SB", tmp_path / "transfer.pantisync").path)
    # headquarters learns of the transfer from the centre that gave the case away (custody)
    X.import_bundle(hq, X.export_changes(a, "HQ", tmp_path / "a2.pantisync").path)
    b.update_child(c.id, {"nickname": "Budi B"})
    hq.update_child(c.id, {"nickname": "Budi HQ"})
    assert X.import_bundle(hq, X.export_changes(b, "HQ", tmp_path / "b1.pantisync").path).conflicts == 1
    _child(b, "Anak B")
    X.import_bundle(hq, X.export_stats(a, "HQ", tmp_path / "a-stats.pantisync", date(2026, 1, 1),
                                       date(2026, 12, 31)).path)
    hq.add_user("siti", "counsellor", "siti passphrase 1", FLOOR)
    hq.add_user("kepala", "admin", "kepala passphrase 1", FLOOR)
    data_dir = hq.data_dir
    conn = sqlite3.connect(data_dir / DB_NAME)
    sealed_tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                     if _has_key_id(conn, t) and t != "data_key" and t != "key_grant"]
    before = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in sealed_tables}
    conn.close()
    assert before["conflict"] >= 1 and before["sync_stats"] == 1 and before["child"] >= 1

    hq.remove_user("siti")
    hq.remove_user("kepala")

    conn = sqlite3.connect(data_dir / DB_NAME)
    keys = {k for (k,) in conn.execute("SELECT key_id FROM data_key")}
    left = {t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE key_id NOT IN ({','.join('?' * len(keys))})",
                            list(keys)).fetchone()[0] for t in sealed_tables}
    conn.close()
    # no row of any table (found from the schema) is sealed under a key that no longer exists
    assert {t: n for t, n in left.items() if n} == {}
    assert hq.verify() == []
    hq.close()

    monkeypatch.setenv("PANTI_USER", "admin")
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    base = ["--lang", "en", "--data-dir", str(data_dir)]
    for args in (["verify"], ["conflicts", "list"], ["sync", "centres"], ["sync", "status"], ["audit"],
                 ["child", "list"], ["child", "show", c.id],
                 ["export", "--to", "SA", "--out", str(tmp_path / "hq-a.pantisync")],
                 ["report", "centre", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(tmp_path / "c.pdf")],
                 ["retention", "list"]):
        code = main(base + args)
        err = capsys.readouterr().err
        assert code == 0, (args, err)
    with Workspace.open(data_dir, "admin", ADMIN_PASS) as ws:
        assert ws.verify() == []
