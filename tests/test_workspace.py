"""Use cases through the workspace, as the CLI and the GUI call them."""

from __future__ import annotations

from datetime import date

import pytest

from panti_desktop.domain import lifecycle
from panti_desktop.errors import NotFound, PermissionDenied, ValidationError, WrongPassphrase
from panti_desktop.store.audit import verify_chain
from panti_desktop.store.kinds import KINDS
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR

CHILD = {
    "full_name": "Rizki Aditya Pratama",
    "nickname": "Kiki",
    "nik": "3174051204110003",
    "birth_date": "2011-04-12",
    "birth_place": "Jakarta",
    "address": "Jl. Kenanga Gg. 3 RT 004/RW 07, Cipinang",
    "school_name": "SMPN 12 Jakarta",
    "father_name": "Slamet Riyadi",
    "mother_name": "Sri Wahyuni",
    "sex": "male",
    "intake_date": "2026-02-01",
    "offence_date": "2025-12-20",
}


@pytest.fixture
def child(ws):
    return ws.register_child(CHILD)


@pytest.fixture
def team(ws):
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    ws.add_user("budi", "staff", "budi passphrase 1", kdf=FLOOR)
    ws.add_user("mira", "manager", "mira passphrase 1", kdf=FLOOR)
    return ws


def as_user(ws, name, passphrase):
    return Workspace.open(ws.data_dir, name, passphrase)


def test_register_child_gives_a_register_number_and_initials(ws, child):
    assert child.data["register_no"] == f"TST-{date.today().year}-0001"
    second = ws.register_child({**CHILD, "full_name": "Bagus Saputra", "nik": None})
    assert second.data["register_no"].endswith("-0002")
    row = ws.child_row(child.id)
    assert row.initials == "R.A.P." and row.status == "referral_received"
    with pytest.raises(ValidationError):
        ws.register_child({**CHILD, "register_no": child.data["register_no"]})


def test_search_by_name_nickname_and_register_number(ws, child):
    ws.register_child({**CHILD, "full_name": "Bagus Saputra", "nickname": "Gus", "nik": None})
    assert ws.search_children("rizki") == [child.id]
    assert ws.search_children("KIKI") == [child.id]
    assert ws.search_children(child.data["register_no"][-4:]) == [child.id]
    assert len(ws.search_children("")) == 2
    assert ws.search_children("tidak ada") == []


def test_invalid_input_is_refused_with_the_field_named(ws, child):
    with pytest.raises(ValidationError) as e:
        ws.update_child(child.id, {"birth_date": "2024-02-30"})
    assert e.value.field == "birth_date"
    with pytest.raises(ValidationError) as e:
        ws.register_child({**CHILD, "nik": "12345"})
    assert e.value.field == "nik"
    assert ws.child_data(child.id)["birth_date"] == "2011-04-12"


def test_lifecycle_transitions_follow_the_rules(ws, child):
    ws.transition(child.id, "initial_engagement")
    with pytest.raises(ValidationError):
        ws.transition(child.id, "closed")
    assert ws.child_data(child.id)["status"] == "initial_engagement"


def test_session_draft_final_and_amendment(ws, child):
    defaults = ws.new_session_defaults(child.id)
    assert defaults["child_id"] == child.id and defaults["session_date"] == date.today().isoformat()
    draft = ws.save_session_draft({**defaults, "participants": ["child", "mother"], "systems": ["family"],
                                   "duration_minutes": 60, "notes": "Kunjungan rumah"})
    draft = ws.save_session_draft({"notes": "Kunjungan rumah, ibu hadir"}, session_id=draft.id)
    final = ws.finalise_session(draft.id)
    assert final.data["status"] == "final"
    with pytest.raises(ValidationError):
        ws.save_session_draft({"notes": "ubah"}, session_id=draft.id)
    with pytest.raises(ValidationError):
        ws.update_record("session", draft.id, {"notes": "ubah"})
    amendment = ws.amend_session(draft.id, {"notes": "Koreksi: ayah juga hadir"})
    assert amendment.data["amends_id"] == draft.id
    assert ws.get_record("session", draft.id).data["notes"] == "Kunjungan rumah, ibu hadir"


def test_plan_approval_needs_a_manager_and_keeps_a_version(team, child):
    ws = team
    plan = ws.add_record("plan", {"child_id": child.id, "status": "draft", "start_date": "2026-02-10",
                                  "review_date": "2026-05-10", "setting": "family"})
    ws.add_record("intermediate_goal", {"child_id": child.id, "plan_id": plan.id, "system": "family",
                                        "text": "Ibu mengawasi penggunaan ponsel setiap malam",
                                        "status": "in_progress"})
    ws.update_child(child.id, {"counsellor_id": ws.user_id("siti")})  # siti's case
    siti = as_user(ws, "siti", "siti passphrase 1")
    with pytest.raises(PermissionDenied):
        siti.approve_plan(plan.id)
    assert [g.data["text"] for g in siti.active_goals(child.id)] == ["Ibu mengawasi penggunaan ponsel setiap malam"]
    siti.close()
    mira = as_user(ws, "mira", "mira passphrase 1")
    approved = mira.approve_plan(plan.id)
    assert approved.data["status"] == "approved" and approved.data["version_no"] == 1
    versions = mira.records_for_child("plan_version", child.id)
    assert len(versions) == 1 and versions[0].data["snapshot"]["intermediate_goal"][0]["system"] == "family"
    mira.close()


def test_staff_workspace_has_no_clinical_key(team, child):
    ws = team
    s = ws.save_session_draft({**ws.new_session_defaults(child.id), "notes": "rahasia"})
    budi = as_user(ws, "budi", "budi passphrase 1")
    assert not budi.can_read_clinical
    with pytest.raises(PermissionDenied):
        budi.get_record("session", s.id)
    with pytest.raises(PermissionDenied):
        budi.records_for_child("offence", child.id)
    cf = budi.child_file(child.id)
    assert "session" in cf.hidden and "session" not in cf.sections and "family" in cf.sections
    # staff can do their own work: family data
    budi.add_record("family", {"child_id": child.id, "structure": "intact"})
    budi.close()


def test_clinical_reads_and_identity_reveals_are_audited(team, child):
    ws = team
    ws.child_file(child.id)
    ws.reveal_identity(child.id)
    actions = [e.action for e in ws.audit_entries(limit=3)]
    assert actions[:2] == ["reveal_identity", "read_clinical"]
    assert verify_chain(ws.db) == []


def test_removed_user_loses_access_and_data_stays_readable(team, child):
    ws = team
    ws.save_session_draft({**ws.new_session_defaults(child.id), "notes": "catatan sesi"})
    rotated = ws.remove_user("siti")
    assert set(rotated) == {"CASE:1", "CLINICAL:1"}
    assert ws.verify() == []
    mira = as_user(ws, "mira", "mira passphrase 1")
    assert mira.child_file(child.id).sections["session"][0].data["notes"] == "catatan sesi"
    mira.close()


def test_lock_overwrites_keys(ws, child):
    keys = list(ws.ring.keys.values())
    ws.lock()
    assert all(k == bytearray(len(k)) for k in keys)
    with pytest.raises(PermissionDenied):
        ws.records.get("child", child.id)


def test_diversion_eligibility_in_the_child_file(ws, child):
    ws.add_record("legal_track", {"child_id": child.id, "stage": "investigation",
                                  "threatened_penalty_months": 60, "repeat_offence": False})
    cf = ws.child_file(child.id)
    assert cf.eligibility.eligible is True and cf.eligibility.basis


def test_unknown_child_reference(ws):
    with pytest.raises(NotFound):
        ws.child_file("TST-1999-0001")


def test_wrong_passphrase_changes_nothing(ws, child):
    before = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    with pytest.raises(WrongPassphrase):
        Workspace.open(ws.data_dir, "admin", "wrong passphrase 1")
    assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
    Workspace.open(ws.data_dir, "admin", ADMIN_PASS).close()


def test_migrations_run_on_a_database_from_schema_v1(tmp_path):
    import shutil
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "schema_v1.db"
    shutil.copy(fixture, tmp_path / "centre.db")
    with Workspace.open(tmp_path, "admin", "fixture-passphrase") as w:
        names = [m.name for m in __import__("panti_desktop.store.schema", fromlist=["x"]).migrations.applied(w.db)]
        assert names == ["m001_initial", "m002_settings", "m003_retention", "m004_session_codes",
                         "m005_sync_peers", "m006_sync_state", "m007_sync_stats", "m008_drop_redundant_index",
                         "m009_drop_unused_indexes", "m010_clock_floor_and_draft_index", "m011_sync_custody",
                         "m012_authority_auth", "m013_record_heads", "m014_sync_key_rotation", "m015_court_recommendation", "m016_attachments"]
        indexes = {r[0] for r in w.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "session_key" not in indexes and "session_setting" not in indexes and "session_seq" in indexes
        assert not {"session_hlc", "child_hlc", "session_status", "session_author_id"} & indexes
        assert "session_draft" in indexes
        # the clock's floor is the highest clock value the old tables held
        floor = int(w.db.execute("SELECT value FROM store_meta WHERE key = 'clock_floor'").fetchone()[0])
        assert floor > 0 and floor == max(w.db.execute(f"SELECT MAX(hlc) FROM {t}").fetchone()[0] or 0
                                          for t in ("child", "family", "session", "centre"))
        assert w.db["legal_hold"].exists() and w.db["erasure"].exists()
        # rows written before sync existed are exported from their clock value
        assert w.db.execute("SELECT COUNT(*) FROM child WHERE seq IS NULL OR seq != hlc").fetchone()[0] == 0
        assert w.db["setting"].exists()
        cid = w.resolve_child("OLD-2025-0001")
        assert w.child_data(cid)["full_name"] == "Dimas Prasetyo"
        assert w.verify() == []
        # the first admin unlock after the upgrade authenticated the authority rows, once, in the audit log
        # (and recorded the committed state of the record tables and adopted the legal holds, m013)
        details = [e.detail or "" for e in w.audit_entries(limit=3)]
        assert any(d.startswith("authority rows authenticated") for d in details)
        assert any(d.startswith(f"committed state of {len(KINDS)} record tables") for d in details)
    with Workspace.open(tmp_path, "admin", "fixture-passphrase") as w:
        details = [e.detail or "" for e in w.audit_entries(limit=None)]
        for start in ("authority rows", "committed state of", "legal holds authenticated"):
            assert len([d for d in details if d.startswith(start)]) == 1
        assert w.verify() == []


def test_settings_are_admin_only_and_bounded(team):
    ws = team
    assert ws.idle_lock_minutes == 5
    ws.set_setting("idle_lock_minutes", "15")
    assert ws.idle_lock_minutes == 15
    ws.set_setting("idle_lock_minutes", "999")
    assert ws.idle_lock_minutes == 240
    siti = as_user(ws, "siti", "siti passphrase 1")
    with pytest.raises(PermissionDenied):
        siti.set_setting("idle_lock_minutes", "1")
    siti.set_user_language("en")
    assert siti.user_language() == "en" and ws.user_language() is None
    siti.close()


def test_dashboard_shows_what_needs_attention(team, child):
    ws = team
    today = date.today()
    siti = as_user(ws, "siti", "siti passphrase 1")
    ws.update_child(child.id, {"counsellor_id": siti.user.id})
    ws.transition(child.id, "initial_engagement")
    plan = siti.add_record("plan", {"child_id": child.id, "start_date": today.isoformat(),
                                    "review_date": today.isoformat()})
    siti.submit_plan(plan.id)
    siti.save_session_draft(siti.new_session_defaults(child.id))
    # a termination a month ago schedules its follow-ups; the first is due about now
    siti.add_record("termination", {"child_id": child.id, "reason": "goals_achieved",
                                    "terminated_on": lifecycle.add_months(today, -1).isoformat()})
    d = siti.dashboard()
    assert d.caseload == 1 and d.sessions_this_week == 1
    assert [x.record_id for x in d.drafts] and [x.child_id for x in d.follow_ups_due] == [child.id]
    assert d.plans_to_approve == []  # counsellors do not approve
    siti.close()
    mira = as_user(ws, "mira", "mira passphrase 1")
    assert [x.record_id for x in mira.dashboard().plans_to_approve] == [plan.id]
    mira.approve_plan(plan.id)
    assert [x.record_id for x in mira.dashboard().plans_due] == [plan.id]
    mira.close()
    budi = as_user(ws, "budi", "budi passphrase 1")
    d = budi.dashboard()
    assert d.caseload == 1 and d.drafts == [] and d.plans_due == []
    budi.close()


def test_lock_then_unlock_again_in_the_same_workspace(ws, child):
    ws.lock()
    assert ws.is_locked
    with pytest.raises(WrongPassphrase):
        ws.unlock_again("wrong passphrase 1")
    assert ws.is_locked
    ws.unlock_again(ADMIN_PASS)
    assert not ws.is_locked and ws.child_data(child.id)["full_name"] == CHILD["full_name"]
    ws.save_session_draft(ws.new_session_defaults(child.id))
    assert verify_chain(ws.db) == []


def test_cancelling_a_user_removal_changes_nothing(team, child):
    from panti_desktop.errors import Cancelled

    ws = team
    ws.save_session_draft({**ws.new_session_defaults(child.id), "notes": "catatan"})
    seen = []
    with pytest.raises(Cancelled):
        ws.remove_user("siti", progress=lambda d, t: seen.append((d, t)), cancelled=lambda: True)
    assert "siti" in [u.name for u in ws.users() if u.removed_at is None]
    assert ws.verify() == []
    as_user(ws, "siti", "siti passphrase 1").close()
    assert ws.records_for_child("session", child.id)[0].data["notes"] == "catatan"
    progress = []
    ws.remove_user("siti", progress=lambda d, t: progress.append((d, t)))
    assert progress and progress[-1][0] == progress[-1][1] > 0
    assert ws.verify() == []
