"""Committed state of the record tables (store/heads.py, issue 17 attack 4): rows deleted, an older
version put back, or a row copied in, with sqlite3 on the closed file exactly as an attacker would."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from panti_desktop.store.db import DB_NAME
from panti_desktop.workspace import Workspace
from tests.conftest import ADMIN_PASS
from tests.test_retention import TODAY


def _edit(vault_dir, *statements):
    conn = sqlite3.connect(vault_dir / DB_NAME)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _verify(vault_dir):
    with Workspace.open(vault_dir, "admin", ADMIN_PASS) as w:
        return w.verify(), w.dashboard().tampered


def _centre(ws):
    child = ws.register_child({"full_name": "Budi Santoso", "sex": "male", "birth_date": "2012-03-04",
                               "intake_date": "2025-01-10", "status": "referral_received"})
    offence = ws.add_record("offence", {"child_id": child.id, "offence_date": "2024-12-01", "victim_count": 1})
    draft = ws.save_session_draft({"child_id": child.id, "session_date": "2025-02-01", "notes": "Sesi pertama",
                                   "participants": ["child", "mother"], "systems": ["family"], "duration_minutes": 60})
    final = ws.finalise_session(draft.id)
    return child.id, offence.id, final.id


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One centre made by the product for the whole module (each test works on a copy): a child with
    an offence and a final session, and an ended case under a legal hold."""
    from panti_desktop import retention
    from tests.conftest import FLOOR

    where = tmp_path_factory.mktemp("committed") / "vault"
    ws, _recovery = Workspace.init(where, "TST", "Sentra Uji", "admin", ADMIN_PASS, kdf=FLOOR)
    with ws:
        ids = dict(zip(("child", "offence", "final"), _centre(ws), strict=True))
        ended = ws.register_child({"full_name": "Yoga Dwi Saputra", "birth_date": "2003-05-01",
                                   "intake_date": "2019-02-01"})
        for state in ("initial_engagement", "assessment", "planning", "intervention", "evaluation",
                      "reintegration_prep", "termination"):
            ws.transition(ended.id, state)
        ws.add_record("termination", {"child_id": ended.id, "terminated_on": "2020-06-30",
                                      "reason": "goals_achieved"})
        ws.transition(ended.id, "closed")
        for name in ("termination", "follow_up", "consent", "legal_hold"):
            retention.set_years(ws, name, 5)
        ids["ended"] = ended.id
        ids["hold"] = retention.place_hold(ws, ended.id, "Perkara banding", "2027-12-31").id
    return where, ids


@pytest.fixture
def made(template, tmp_path):
    where, ids = template
    shutil.copytree(where, tmp_path / "vault")
    return tmp_path / "vault", ids


def _open(vault_dir):
    return Workspace.open(vault_dir, "admin", ADMIN_PASS)


def test_an_untouched_vault_verifies_clean_after_drafts_edits_and_deletes(made):
    vault_dir, ids = made
    ws = _open(vault_dir)
    child_id, offence_id = ids["child"], ids["offence"]
    d = ws.save_session_draft({"child_id": child_id, "session_date": "2025-02-08", "notes": "x"})
    ws.save_session_draft({"notes": "y"}, d.id)  # a draft saved again writes no audit entry
    ws.delete_record("offence", offence_id)
    ws.close()
    problems, banner = _verify(vault_dir)
    assert problems == [] and banner == []


def test_a_final_session_deleted_is_named(made):
    vault_dir, ids = made
    final_id = ids["final"]
    _edit(vault_dir, f"DELETE FROM session WHERE id = '{final_id}'")
    problems, banner = _verify(vault_dir)
    assert any("Table session" in p and f"row {final_id} was deleted" in p for p in problems)
    assert any("Table session" in p for p in banner)


def test_an_offence_deleted_is_named(made):
    vault_dir, ids = made
    offence_id = ids["offence"]
    _edit(vault_dir, f"DELETE FROM offence WHERE id = '{offence_id}'")
    problems, _banner = _verify(vault_dir)
    assert any("Table offence" in p and f"row {offence_id} was deleted" in p for p in problems)


def test_an_older_whole_child_row_put_back_is_named(made, tmp_path):
    vault_dir, ids = made
    child_id = ids["child"]
    old = tmp_path / "old.db"
    shutil.copy(vault_dir / DB_NAME, old)
    with Workspace.open(vault_dir, "admin", ADMIN_PASS) as w:
        w.update_child(child_id, {"status": "initial_engagement", "address": "Jl. Baru 5, Bandung"})
    conn = sqlite3.connect(old)
    row = conn.execute("SELECT * FROM child WHERE id = ?", [child_id]).fetchone()
    cols = [d[0] for d in conn.execute("SELECT * FROM child LIMIT 0").description]
    conn.close()
    _edit(vault_dir, "PRAGMA foreign_keys = OFF", f"DELETE FROM child WHERE id = '{child_id}'")
    conn = sqlite3.connect(vault_dir / DB_NAME)
    conn.execute(f"INSERT INTO child ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", row)
    conn.commit()
    conn.close()
    with Workspace.open(vault_dir, "admin", ADMIN_PASS) as w:
        assert w.child_data(child_id)["status"] == "referral_received"  # the old row opens: only the head tells
        problems = w.verify()
    assert any("Table child" in p and f"row {child_id} is not the version last written" in p for p in problems)


def test_a_row_copied_in_and_a_table_put_back_with_its_head(made, tmp_path):
    vault_dir, ids = made
    child_id = ids["child"]
    old = tmp_path / "old.db"
    shutil.copy(vault_dir / DB_NAME, old)
    with Workspace.open(vault_dir, "admin", ADMIN_PASS) as w:
        w.add_record("offence", {"child_id": child_id, "victim_count": 3})
    # the whole offence table and its head from the older copy
    _edit(vault_dir, f"ATTACH '{old}' AS old", "DELETE FROM offence", "INSERT INTO offence SELECT * FROM old.offence",
          "UPDATE store_meta SET value = (SELECT value FROM old.store_meta WHERE key = 'head:offence') "
          "WHERE key = 'head:offence'")
    problems, _banner = _verify(vault_dir)
    assert any("Table offence is not in the state the audit log's last entry recorded" in p for p in problems)


def test_the_committed_state_of_an_upgraded_vault_is_recorded_at_the_next_unlock(made):
    vault_dir, _ids = made
    _edit(vault_dir, "DELETE FROM store_meta WHERE key LIKE 'head:%'",
          "INSERT INTO store_meta (key, value) VALUES ('record_heads_pending', '1')")
    conn = sqlite3.connect(vault_dir / DB_NAME)
    assert conn.execute("SELECT COUNT(*) FROM store_meta WHERE key LIKE 'head:%'").fetchone()[0] == 0
    conn.close()
    with Workspace.open(vault_dir, "admin", ADMIN_PASS) as w:
        assert w.verify() == []
        assert any("committed state of" in (e.detail or "") for e in w.audit_entries(limit=5))


# --- legal holds, authenticated under the ADMIN-derived key (vault/authority.py) -------------------

def test_a_lifted_hold_whose_authentication_fails_stays_in_force(made):
    from panti_desktop import retention
    from panti_desktop.errors import PantiError

    vault_dir, ids = made
    with _open(vault_dir) as ws:
        retention.lift_hold(ws, ids["hold"])
        assert ws.verify() == []
    _edit(vault_dir, f"UPDATE legal_hold SET auth = 'forged' WHERE id = '{ids['hold']}'")
    with _open(vault_dir) as w:
        assert any(f"Row {ids['hold']} of table legal_hold" in p for p in w.verify())
        assert any(f"Row {ids['hold']} of table legal_hold" in p for p in w.dashboard().tampered)
        with pytest.raises(PantiError, match="legal hold"):
            retention.erase(w, ids["ended"], today=TODAY)
        assert ids["ended"] in w.child_ids()


def test_a_hold_deleted_from_the_file_is_named_and_blocks_erasure(made):
    from panti_desktop import retention
    from panti_desktop.errors import PantiError

    vault_dir, ids = made
    _edit(vault_dir, f"DELETE FROM legal_hold WHERE id = '{ids['hold']}'")
    with _open(vault_dir) as w:
        problems = w.verify()
        assert any(ids["hold"] in p and "legal_hold" in p for p in problems)
        with pytest.raises(PantiError, match="legal hold was deleted"):
            retention.erase(w, ids["ended"], today=TODAY)
        assert ids["ended"] in w.child_ids()


def test_holds_of_a_vault_from_before_are_adopted_at_the_next_unlock(made):
    vault_dir, ids = made
    _edit(vault_dir, "UPDATE legal_hold SET auth = NULL",
          "INSERT INTO store_meta (key, value) VALUES ('legal_holds_pending', '1')")
    with Workspace.open(vault_dir, "admin", ADMIN_PASS) as w:
        assert w.verify() == []
        assert any("legal holds authenticated" in (e.detail or "") for e in w.audit_entries(limit=5))
        assert w.db.execute("SELECT auth FROM legal_hold WHERE id = ?", [ids["hold"]]).fetchone()[0]


def test_removing_a_user_re_keys_the_heads_and_they_still_catch_a_deletion(made):
    from tests.conftest import FLOOR

    vault_dir, ids = made
    offence_id = ids["offence"]
    ws = _open(vault_dir)
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    ws.remove_user("siti")
    keys = {r[0]: r[1] for r in ws.db.execute("SELECT key, value FROM store_meta WHERE key LIKE 'head:%'")}
    assert '"k":"CASE:2"' in keys["head:child"] and '"k":"CLINICAL:2"' in keys["head:session"]
    assert ws.verify() == []
    ws.close()
    _edit(vault_dir, f"DELETE FROM offence WHERE id = '{offence_id}'")
    problems, banner = _verify(vault_dir)
    assert any("Table offence" in p for p in problems) and any("Table offence" in p for p in banner)
