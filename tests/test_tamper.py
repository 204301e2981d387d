"""Attacks on the file itself, as an attacker with write access to the data folder would make them:
a vault made by the product, then `centre.db` edited with sqlite3, then what `verify`, the backups
and the app at run time do about it (issue 17)."""

from __future__ import annotations

import sqlite3

import pytest

from panti_desktop import backup
from panti_desktop.cli import main
from panti_desktop.errors import IntegrityError
from panti_desktop.store.db import DB_NAME
from panti_desktop.workspace import Workspace
from tests.conftest import ADMIN_PASS


def _edit(vault_dir, *statements):
    """Change the closed file the way `sqlite3 centre.db` would."""
    conn = sqlite3.connect(vault_dir / DB_NAME)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _admin(vault_dir):
    return Workspace.open(vault_dir, "admin", ADMIN_PASS)


@pytest.fixture
def made(ws, vault_dir):
    """A small centre: two children with a session each, made through the workspace."""
    child = ws.register_child({"full_name": "Budi Santoso", "sex": "male", "birth_date": "2012-03-04",
                               "intake_date": "2025-01-10", "status": "referral_received"})
    ws.close()
    return vault_dir, child.id


def test_damaged_plaintext_is_named_by_verify_and_stops_backups(made, tmp_path, monkeypatch, capsys):
    vault_dir, child_id = made
    _edit(vault_dir, f"UPDATE child SET created_at = CAST(X'FFFE41' AS TEXT) WHERE id = '{child_id}'",
          "DROP TRIGGER audit_no_update", "UPDATE audit SET at = X'3137' WHERE seq = 1")
    with _admin(vault_dir) as w:
        problems = w.verify()
    assert any("table child" in p and "created_at" in p and "not readable text" in p for p in problems)
    assert any("table audit" in p and "wrong type (blob)" in p for p in problems)
    assert any("Audit entry 1 is damaged" in p for p in problems)

    monkeypatch.setenv("PANTI_USER", "admin")
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    assert main(["--lang", "en", "--data-dir", str(vault_dir), "verify"]) == 1
    err = capsys.readouterr().err
    assert "created_at" in err and "Traceback" not in err

    with _admin(vault_dir) as w, pytest.raises(IntegrityError, match="is damaged: its column"):
        backup.create_backup(w, tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.pantibak"))


def test_backup_of_a_damaged_database_fails_verify(ws, vault_dir, tmp_path):
    info = backup.create_backup(ws, tmp_path / "out")
    # the damage is made inside a decrypted copy: the backup's own check must name it
    from panti_desktop.backup import check

    copy = tmp_path / "copy.db"
    src = sqlite3.connect(vault_dir / DB_NAME)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.execute("UPDATE user SET role = X'C3' WHERE name = 'admin'")
    dst.commit()
    dst.close()
    with pytest.raises(IntegrityError, match="table user"):
        check._check_sqlite(copy)
    assert info.path.exists()
