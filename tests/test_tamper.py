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
from tests.conftest import ADMIN_PASS, FLOOR


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


def _audit_rows(vault_dir):
    conn = sqlite3.connect(vault_dir / DB_NAME)
    try:
        return conn.execute("SELECT seq, at, key_id, sealed, prev_hash, hash FROM audit ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_attack_3_the_end_of_the_audit_log_cut(made):
    vault_dir, _child = made
    n = len(_audit_rows(vault_dir))
    assert n >= 2
    _edit(vault_dir, "DROP TRIGGER audit_no_delete", f"DELETE FROM audit WHERE seq >= {n - 1}")
    with _admin(vault_dir) as w:
        problems = w.verify()
    assert any("audit log was cut" in p for p in problems), problems


def test_attack_3_an_entry_sealed_again_and_the_chain_recomputed(made):
    import json

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    from panti_desktop.store import audit as A

    vault_dir, _child = made
    rows = _audit_rows(vault_dir)
    conn = sqlite3.connect(vault_dir / DB_NAME)
    key_id, public = conn.execute("SELECT key_id, public_key FROM data_key WHERE role = 'ADMIN'").fetchone()
    forged = json.dumps({"user_id": "x", "user": "admin", "action": "settings", "kind": None, "record_id": None,
                         "child_id": None, "detail": "nothing happened"}).encode()
    sealed = A._HPKE.encrypt(forged, X25519PublicKey.from_public_bytes(public), info=A._info(2))
    conn.execute("DROP TRIGGER audit_no_update")
    prev = rows[0][5]
    for seq, at, kid, blob, _prev, _hash in rows[1:]:
        if seq == 2:
            kid, blob = key_id, sealed
        digest = A._chain_hash(prev, seq, at, kid, blob)
        conn.execute("UPDATE audit SET key_id = ?, sealed = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                     [kid, blob, prev, digest, seq])
        prev = digest
    conn.commit()
    conn.close()
    with _admin(vault_dir) as w:
        assert A.verify_chain(w.db) == []  # the chain alone cannot tell
        problems = w.verify()
    assert any("audit log was rewritten" in p for p in problems), problems


def test_attack_2_a_revoked_peer_trusted_again_in_the_file(sites):
    from panti_desktop.sync import peers

    _a, _b, hq = sites
    peers.revoke_peer(hq, "SA")
    folder = hq.data_dir
    hq.close()
    _edit(folder, "UPDATE peer SET revoked_at = NULL WHERE code = 'SA'")
    with _admin(folder) as w:
        assert any("table peer" in p and "SA" in p for p in w.verify())
        assert any("table peer" in p for p in w.dashboard().tampered)  # the admin's dashboard names it too
        assert peers.peer(w, "SA").signing_key not in peers.trusted_signers(w)


def test_attack_1_a_role_raised_in_the_file_gains_nothing(ws, vault_dir):
    ws.add_user("agus", "counsellor", "agus passphrase 1", FLOOR)
    ws.add_user("yanti", "staff", "yanti passphrase 1", FLOOR)
    ws.close()
    _edit(vault_dir, "UPDATE user SET role = 'admin' WHERE name = 'yanti'")
    from panti_desktop.errors import PantiError

    with pytest.raises(PantiError):
        Workspace.open(vault_dir, "yanti", "yanti passphrase 1")
    with _admin(vault_dir) as w:
        assert any("table user" in p for p in w.verify())
        w.remove_user("agus")  # the routine removal that used to give her every key
        yanti = w.user_id("yanti")
        assert not w.db.execute("SELECT 1 FROM key_grant WHERE grantee = ?", [f"user:{yanti}"]).fetchone()
        with pytest.raises(PantiError):
            w.reset_passphrase("yanti", "a new passphrase 1")
