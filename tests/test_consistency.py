"""The rules between a child's records: refused on save through the workspace, listed by
`verify --consistency`, and the same plain function the sync import uses to flag."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from panti_desktop.domain import consistency
from panti_desktop.errors import PermissionDenied, ValidationError
from panti_desktop.workspace import Workspace

from .conftest import FLOOR

TODAY = date.today()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


CHILD = {"full_name": "Rizki Aditya Pratama", "birth_date": "2011-04-12", "sex": "male",
         "intake_date": ago(120), "offence_date": ago(150)}


@pytest.fixture
def child(ws):
    return ws.register_child(CHILD)


def legal(ws, child, **kw):
    return ws.add_record("legal_track", {"child_id": child.id, "stage": "investigation",
                                         "threatened_penalty_months": 60, "repeat_offence": False, **kw})


def ready_victim(ws, child, code="K1", **kw):
    return ws.add_record("victim", {"child_id": child.id, "code": code, "rj_ready": True, "rj_consent": True,
                                    "rj_consent_by": "parent", "rj_consent_date": ago(20), **kw})


def risk_assessment(ws, child, days_ago=30):
    return ws.add_record("assessment", {"child_id": child.id, "template_id": "ka-psikososial",
                                        "assessed_on": ago(days_ago), "risk_level": "medium"})


READY = {"facilitator": "Ibu Ratna (PK Bapas)", "facilitator_trained": True, "confidentiality_agreed": True}


def test_ineligible_child_cannot_reach_agreement(ws, child):
    legal(ws, child, threatened_penalty_months=180)
    dv = ws.add_record("diversion", {"child_id": child.id, "stage": "offered"})
    with pytest.raises(ValidationError) as e:
        ws.update_record("diversion", dv.id, {"stage": "agreement", **READY})
    assert "art. 7" in str(e.value) and "180 months" in str(e.value)
    assert ws.get_record("diversion", dv.id).data["stage"] == "offered"  # nothing saved
    with pytest.raises(ValidationError):
        ws.add_record("diversion", {"child_id": child.id, "stage": "deliberation"})


def test_unknown_eligibility_asks_for_the_missing_fact(ws, child):
    legal(ws, child, threatened_penalty_months=None)
    with pytest.raises(ValidationError) as e:
        ws.add_record("diversion", {"child_id": child.id, "stage": "deliberation"})
    assert "threatened penalty" in str(e.value)


def test_manager_override_with_legal_basis_is_audited(ws, child):
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    legal(ws, child, threatened_penalty_months=180)
    dv = ws.add_record("diversion", {"child_id": child.id, "stage": "offered"})
    siti = Workspace.open(ws.data_dir, "siti", "siti passphrase 1")
    try:
        with pytest.raises(PermissionDenied):
            siti.update_record("diversion", dv.id, {"stage": "deliberation",
                                                    "override_basis": "Penetapan PN 12/Pid.Sus-Anak/2026"})
    finally:
        siti.close()
    rec = ws.update_record("diversion", dv.id, {"stage": "deliberation",
                                                "override_basis": "Penetapan PN 12/Pid.Sus-Anak/2026"})
    assert rec.data["override_by"] == ws.user.id and rec.data["override_on"] == TODAY.isoformat()
    entry = [e for e in ws.audit_entries() if e.action == "diversion_override"]
    assert entry and "12/Pid.Sus-Anak" in (entry[0].detail or "")


def test_no_diversion_without_a_legal_process(ws, child):
    lt = legal(ws, child)
    dv = ws.add_record("diversion", {"child_id": child.id, "stage": "offered"})
    with pytest.raises(ValidationError) as e:
        ws.update_record("legal_track", lt.id, {"stage": "no_process"})
    assert "No legal process" in str(e.value)
    ws.update_record("diversion", dv.id, {"stage": "failed"})
    ws.update_record("legal_track", lt.id, {"stage": "no_process"})  # a failed attempt no longer contradicts


def test_agreement_needs_every_victim_facilitator_risk_assessment_and_confidentiality(ws, child):
    legal(ws, child)
    ready_victim(ws, child, "K1")
    second = ws.add_record("victim", {"child_id": child.id, "code": "K2", "rj_ready": True})
    dv = ws.add_record("diversion", {"child_id": child.id, "stage": "deliberation", "started_on": ago(10)})
    agree = {"stage": "agreement", "agreement_date": ago(2)}
    with pytest.raises(ValidationError) as e:
        ws.update_record("diversion", dv.id, {**agree, **READY})
    assert "K2" in str(e.value) and "art. 9" in str(e.value)
    ws.update_record("victim", second.id, {"rj_consent": True, "rj_consent_by": "guardian",
                                           "rj_consent_date": ago(3)})
    with pytest.raises(ValidationError) as e:
        ws.update_record("diversion", dv.id, {**agree, **READY, "facilitator_trained": False})
    assert "trained facilitator" in str(e.value)
    with pytest.raises(ValidationError) as e:
        ws.update_record("diversion", dv.id, {**agree, **READY, "confidentiality_agreed": None})
    assert "confidentiality" in str(e.value)
    risk_assessment(ws, child, days_ago=300)  # older than six months
    with pytest.raises(ValidationError) as e:
        ws.update_record("diversion", dv.id, {**agree, **READY})
    assert "risk assessment" in str(e.value)
    risk_assessment(ws, child, days_ago=30)
    assert ws.update_record("diversion", dv.id, {**agree, **READY}).data["stage"] == "agreement"
    # a victim may still withdraw: the record is saved, the contradiction is listed for review
    ws.update_record("victim", second.id, {"rj_withdrawn_on": ago(1)})
    rules = [f.rule for f in ws.consistency_findings()]
    assert rules == ["agreement_without_consent"]


def test_no_aftercare_while_prosecution_is_open_without_a_reason(ws, child):
    legal(ws, child, stage="prosecution")
    for s in ("initial_engagement", "assessment", "planning", "intervention", "evaluation", "reintegration_prep"):
        ws.transition(child.id, s)
    with pytest.raises(ValidationError) as e:
        ws.transition(child.id, "termination")
    assert "Prosecution" in str(e.value)
    with pytest.raises(ValidationError):
        ws.add_record("termination", {"child_id": child.id, "terminated_on": ago(1), "reason": "goals_achieved"})
    ws.add_record("termination", {"child_id": child.id, "terminated_on": ago(1), "reason": "goals_achieved",
                                  "open_process_reason": "Putusan pidana bersyarat dengan pengawasan Bapas"})
    ws.transition(child.id, "termination")
    ws.transition(child.id, "aftercare")


def test_follow_ups_only_after_termination_and_scheduled_at_it(ws, child):
    with pytest.raises(ValidationError) as e:
        ws.add_record("follow_up", {"child_id": child.id, "month": "1", "due_date": ago(-10)})
    assert "termination first" in str(e.value)
    ws.set_setting("follow_up_months", "1, 2, 6")
    t = ws.add_record("termination", {"child_id": child.id, "terminated_on": "2026-01-31", "reason": "goals_achieved"})
    follow = sorted((r.data["month"], r.data["due_date"]) for r in ws.records_for_child("follow_up", child.id))
    assert follow == [("1", "2026-02-28"), ("2", "2026-03-31"), ("6", "2026-07-31")]
    with pytest.raises(ValidationError):
        ws.add_record("follow_up", {"child_id": child.id, "month": "1", "due_date": "2026-01-10"})
    assert t.data["terminated_on"] == "2026-01-31"


def test_a_final_session_after_the_case_ended_is_refused(ws, child):
    ws.add_record("termination", {"child_id": child.id, "terminated_on": ago(10), "reason": "goals_achieved"})
    draft = ws.save_session_draft({"child_id": child.id, "session_date": ago(2), "participants": ["child"],
                                   "duration_minutes": 60})
    with pytest.raises(ValidationError) as e:
        ws.finalise_session(draft.id)
    assert "after the case ended" in str(e.value)
    assert ws.get_record("session", draft.id).data["status"] == "draft"


def test_check_is_a_plain_function_over_record_data():
    records = {
        "child": [{"id": "c1", "status": "aftercare", "birth_date": "2010-01-01", "offence_date": "2025-01-01"}],
        "legal_track": [{"id": "l1", "child_id": "c1", "stage": "prosecution", "threatened_penalty_months": 180,
                         "repeat_offence": False}],
        "diversion": [{"id": "d1", "child_id": "c1", "stage": "deliberation"}],
        "termination": [],
        "follow_up": [{"id": "f1", "child_id": "c1", "month": "1", "due_date": "2026-01-01"}],
    }
    found = consistency.check(records, date(2026, 6, 1))
    assert {(f.rule, f.record_id) for f in found} == {
        ("diversion_ineligible", "d1"), ("ending_while_process_open", "c1"),
        ("follow_up_without_termination", "f1")}
    assert all(f.child_id == "c1" and f.message for f in found)


def test_malformed_imported_dates_do_not_stop_the_check():
    records = {"child": [{"id": "c1", "offence_date": "2025-13-45"}],
               "legal_track": [{"id": "l1", "stage": "investigation", "threatened_penalty_months": 60,
                                "repeat_offence": False}],
               "diversion": [{"id": "d1", "stage": "agreement", "agreement_date": "kemarin"}]}
    rules = {f.rule for f in consistency.check(records, date(2026, 6, 1))}
    assert "agreement_without_victims" in rules and "agreement_without_risk_assessment" in rules
