"""Caseload scope (caseload.py): a counsellor's clinical reach is their own caseload, or a file
opened anyway with a reason that the audit log keeps and managers see."""

from __future__ import annotations

import pytest

from panti_desktop.errors import PermissionDenied, ValidationError
from panti_desktop.workspace import OutsideCaseload, Workspace

from .conftest import FLOOR
from .test_workspace import CHILD


@pytest.fixture
def centre(ws):
    """Two counsellors, a manager; one child of siti's with a plan, a goal and a final session."""
    siti = ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    ws.add_user("agus", "counsellor", "agus passphrase 1", kdf=FLOOR)
    ws.add_user("mira", "manager", "mira passphrase 1", kdf=FLOOR)
    child = ws.register_child({**CHILD, "counsellor_id": siti.id})
    plan = ws.add_record("plan", {"child_id": child.id, "status": "draft", "start_date": "2026-02-10",
                                  "review_date": "2026-05-10", "setting": "family"})
    goal = ws.add_record("intermediate_goal", {"child_id": child.id, "plan_id": plan.id, "system": "family",
                                               "text": "Ibu mengawasi ponsel", "status": "in_progress"})
    session = ws.save_session_draft({**ws.new_session_defaults(child.id), "notes": "Kunjungan rumah",
                                    "participants": ["child", "mother"], "systems": ["family"], "duration_minutes": 60})
    ws.finalise_session(session.id)
    return ws, child, plan, goal, session


def as_user(ws, name):
    return Workspace.open(ws.data_dir, name, f"{name} passphrase 1")


def test_every_clinical_path_refuses_a_child_outside_the_caseload(centre):
    ws, child, plan, goal, session = centre
    with as_user(ws, "agus") as agus:
        refused = [
            lambda: agus.records_for_child("session", child.id),
            lambda: agus.get_record("session", session.id),
            lambda: agus.plan_parts(plan.id),
            lambda: agus.goal(goal.id),
            lambda: agus.active_goals(child.id),
            lambda: agus.new_session_defaults(child.id),
            lambda: agus.save_session_draft({"child_id": child.id, "session_date": "2026-03-01"}),
            lambda: agus.amend_session(session.id, {"notes": "x"}),
            lambda: agus.add_record("safety_plan", {"child_id": child.id}),
            lambda: agus.update_record("plan", plan.id, {"setting": "community"}),
            lambda: agus.submit_plan(plan.id),
            lambda: agus.delete_record("intermediate_goal", goal.id),
        ]
        for call in refused:
            with pytest.raises(OutsideCaseload) as e:
                call()
            assert child.data["register_no"] in str(e.value) and "open anyway" in str(e.value).lower()
        # the case part stays open (as it is to staff), the clinical sections are named as hidden
        cf = agus.child_file(child.id)
        assert cf.outside_caseload and "session" in cf.hidden and "plan" in cf.hidden
        assert "session" not in cf.sections and "family" in cf.sections
        assert not agus.child_row(child.id).in_caseload
        assert agus.caseload.list_filter() == agus.user.id
    # nothing was written, the session is as it was
    assert ws.get_record("plan", plan.id).data["status"] == "draft"
    assert not ws.records_for_child("safety_plan", child.id)


def test_open_anyway_needs_a_reason_is_audited_and_ends_with_the_lock(centre):
    ws, child, plan, _goal, session = centre
    with as_user(ws, "agus") as agus:
        with pytest.raises(ValidationError):
            agus.open_anyway(child.data["register_no"], "  ok ")
        assert agus.child_file(child.id).outside_caseload
        agus.open_anyway(child.data["register_no"], "Siti is ill; the family called")
        cf = agus.child_file(child.id)
        assert not cf.outside_caseload and [s.id for s in cf.sections["session"]] == [session.id]
        assert agus.get_record("session", session.id).data["notes"] == "Kunjungan rumah"
        agus.update_record("plan", plan.id, {"setting": "community"})  # writing too, once opened
        agus.lock()
        agus.unlock_again("agus passphrase 1")
        with pytest.raises(OutsideCaseload):
            agus.records_for_child("session", child.id)
    entries = [e for e in ws.audit_entries(limit=None) if e.action == "open_anyway"]
    assert [(e.user, e.child_id, e.detail) for e in entries] == [("agus", child.id, "Siti is ill; the family called")]
    with as_user(ws, "mira") as mira:  # the managers' dashboard
        seen = mira.opened_anyway(days=14)
        assert [(o.user, o.child_id, o.reason) for o in seen] == [("agus", child.id, "Siti is ill; the family called")]
    # the dashboard opens only the audit entries marked as "open anyway" (numbers, no content)
    marked = ws.caseload.recorded_seqs()
    assert marked == [e.seq for e in entries]


def test_the_counsellor_of_the_child_managers_and_admins_are_not_limited(centre):
    ws, child, _plan, _goal, session = centre
    for name in ("siti", "mira"):
        with as_user(ws, name) as other:
            assert not other.child_file(child.id).outside_caseload
            assert other.get_record("session", session.id).id == session.id
            assert other.child_row(child.id).in_caseload
    assert not ws.child_file(child.id).outside_caseload and ws.caseload.list_filter() is None
    assert not [e for e in ws.audit_entries(limit=None) if e.action == "open_anyway"]


def test_a_counsellor_cannot_move_a_case_into_their_caseload(centre):
    ws, child, *_ = centre
    with as_user(ws, "agus") as agus:
        with pytest.raises(PermissionDenied):
            agus.update_child(child.id, {"counsellor_id": agus.user.id})
        agus.update_child(child.id, {"school_name": "SMPN 1"})  # the case part: as staff may
        own = agus.register_child({**CHILD, "full_name": "Bagus Saputra", "nik": None})
        assert own.data["counsellor_id"] == agus.user.id  # who registers a child without a counsellor takes it
        agus.add_record("safety_plan", {"child_id": own.id})
    assert ws.child_data(child.id)["counsellor_id"] == ws.user_id("siti")
