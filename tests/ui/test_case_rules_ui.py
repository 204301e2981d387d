"""The consistency rules and the MST cadence as a case worker meets them in the window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QListWidget

from panti_desktop.ui.child_file.widget import ChildFileWidget
from panti_desktop.ui.dashboard import Dashboard
from panti_desktop.ui.forms import RecordDialog

TODAY = date.today()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def pick(dialog, field, code):
    w = dialog.form.widget(field)
    w.setCurrentIndex(w.findData(code))


def test_the_diversion_form_refuses_an_ineligible_agreement_with_the_article(qtbot, ws, child):
    ws.add_record("legal_track", {"child_id": child.id, "stage": "investigation",
                                  "threatened_penalty_months": 180, "repeat_offence": False})
    dialog = RecordDialog(ws, "diversion", child_id=child.id)
    qtbot.addWidget(dialog)
    dialog.show()
    pick(dialog, "stage", "agreement")
    dialog.form.widget("facilitator").setText("Ibu Ratna")
    assert not dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert dialog.form.error_field() == "stage"
    assert "art. 7" in dialog.form.error_label.text() and "180 months" in dialog.form.error_label.text()
    assert ws.records_for_child("diversion", child.id) == []
    pick(dialog, "stage", "offered")
    assert dialog.save()


def test_the_victim_form_and_the_agreement_per_victim(qtbot, ws, child):
    ws.add_record("legal_track", {"child_id": child.id, "stage": "investigation",
                                  "threatened_penalty_months": 60, "repeat_offence": False})
    ws.add_record("assessment", {"child_id": child.id, "template_id": "x", "assessed_on": ago(20),
                                 "risk_level": "low"})
    ws.add_record("victim", {"child_id": child.id, "code": "K1", "rj_ready": True, "rj_consent": True})
    add = RecordDialog(ws, "victim", child_id=child.id)
    qtbot.addWidget(add)
    add.form.widget("code").setText("K2")
    assert add.save()
    dv = ws.add_record("diversion", {"child_id": child.id, "stage": "deliberation", "facilitator": "Ibu Ratna",
                                     "facilitator_trained": True, "confidentiality_agreed": True})
    edit = RecordDialog(ws, "diversion", record=dv)
    qtbot.addWidget(edit)
    edit.show()
    pick(edit, "stage", "agreement")
    assert not edit.save()
    assert "K2" in edit.form.error_label.text() and "art. 9" in edit.form.error_label.text()
    [k2] = [v for v in ws.records_for_child("victim", child.id) if v.data["code"] == "K2"]
    consent = RecordDialog(ws, "victim", record=k2)
    qtbot.addWidget(consent)
    consent.form.set_value("rj_consent", True)
    consent.form.set_value("rj_ready", True)
    pick(consent, "rj_consent_by", "guardian")
    assert consent.save()
    assert edit.save()
    assert ws.get_record("diversion", dv.id).data["stage"] == "agreement"


def test_the_diversion_section_cites_the_law(qtbot, ws, child):
    tab = ChildFileWidget(ws, child.id)
    qtbot.addWidget(tab)
    note = tab.show_section("diversion").findChild(QLabel, "lawNote")
    assert "TPKS" in note.text() and "art. 23" in note.text() and "art. 9" in note.text()
    assert "TPKS" in tab.show_section("offence").findChild(QLabel, "lawNote").text()


def test_the_dashboard_and_the_file_list_the_mst_cadence_and_diversion_deadlines(qtbot, ws, child):
    for s in ("initial_engagement", "assessment", "planning", "intervention"):
        ws.transition(child.id, s)
    plan = ws.add_record("plan", {"child_id": child.id, "start_date": ago(40)})
    ws.approve_plan(plan.id)
    ws.add_record("weekly_summary", {"child_id": child.id, "week_start": ago(12)})
    ws.add_record("supervision", {"child_id": child.id, "held_on": ago(3)})
    ws.add_record("safety_plan", {"child_id": child.id, "agreed_on": ago(100), "review_date": ago(5)})
    ws.add_record("legal_track", {"child_id": child.id, "stage": "investigation",
                                  "threatened_penalty_months": 60, "repeat_offence": False})
    ws.add_record("diversion", {"child_id": child.id, "stage": "offered", "level": "investigation",
                                "case_received_on": ago(2)})
    d = ws.dashboard(TODAY)
    assert [x.when for x in d.weekly_summaries_due] == [ago(5)]
    assert d.supervision_due == []  # held three days ago: due in four days
    assert [x.when for x in d.safety_reviews_overdue] == [ago(5)]
    assert [x.when for x in d.diversion_deadlines] == [ago(-5)]
    dash = Dashboard(ws)
    qtbot.addWidget(dash)
    titles = [lbl.text() for lbl in dash.inner.findChildren(QLabel)]
    assert "Weekly case summaries due (MST) (1)" in titles
    assert "Safety plan reviews overdue (1)" in titles
    assert "Diversion deadlines (UU SPPA art. 29, 42, 52) (1)" in titles
    items = [lst.item(i).text() for lst in dash.inner.findChildren(QListWidget) for i in range(lst.count())]
    assert sum(child.data["register_no"] in t for t in items) >= 3
    tab = ChildFileWidget(ws, child.id)
    qtbot.addWidget(tab)
    due = tab.section_widgets["overview"].findChild(QLabel, "dueInFile").text()
    assert "Weekly case summary due" in due and "Safety plan review overdue" in due and "7 days" in due


def test_the_social_report_dialog_requires_the_recommendation(qtbot):
    from panti_desktop.ui.child_file.reports import ReportDialog

    dialog = ReportDialog(None, "TST-2026-0001")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.recommendation.isHidden()  # the progress report needs none
    dialog.kind.setCurrentIndex(dialog.kind.findData("court"))
    assert not dialog.recommendation.isHidden()
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and not dialog.error.isHidden()
    assert "recommendation" in dialog.error.text()
    qtbot.keyClicks(dialog.recommendation, "Dikembalikan kepada orang tua.")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.options()["recommendation"] == "Dikembalikan kepada orang tua."


def test_each_user_edits_their_own_profile_and_an_admin_anyones(qtbot, team_ws, monkeypatch):
    from panti_desktop.errors import PermissionDenied
    from panti_desktop.ui.settings import SettingsPage

    from .conftest import open_as

    siti = open_as(team_ws, "siti", "siti passphrase 1")
    try:
        page = SettingsPage(siti)
        qtbot.addWidget(page)
        dialog = page.profile_dialog(siti.user.id)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.form.widget("full_name"), "Siti Rahmawati, S.Sos.")
        qtbot.keyClicks(dialog.form.widget("staff_no"), "198805122015032001")
        assert dialog.save()
        assert siti.user_profile(siti.user.id)["full_name"] == "Siti Rahmawati, S.Sos."
        with pytest.raises(PermissionDenied):
            siti.save_user_profile(team_ws.user_id("mira"), {"full_name": "X"})
        other = page.profile_dialog(team_ws.user_id("mira"))
        qtbot.addWidget(other)
        other.form.widget("full_name").setText("X")
        shown = []
        monkeypatch.setattr("panti_desktop.ui.forms.dialog.show_error", lambda parent, exc: shown.append(str(exc)))
        assert not other.save()
        assert shown and "administrator" in shown[0]
    finally:
        siti.close()
    admin = SettingsPage(team_ws)
    qtbot.addWidget(admin)
    dialog = admin.profile_dialog(team_ws.user_id("siti"))
    qtbot.addWidget(dialog)
    assert dialog.form.widget("full_name").text() == "Siti Rahmawati, S.Sos."
    dialog.form.widget("full_name").setText("Siti Rahmawati, S.Sos., M.Si.")
    assert dialog.save()
    assert team_ws.user_profile(team_ws.user_id("siti"))["full_name"] == "Siti Rahmawati, S.Sos., M.Si."


def test_an_administrator_sets_the_follow_up_pattern_and_the_risk_assessment_period(qtbot, ws, child, monkeypatch):
    from panti_desktop.ui.settings import SettingsPage

    page = SettingsPage(ws)
    qtbot.addWidget(page)
    assert page.follow_up_months.text() == "1, 3, 6, 12" and page.risk_months.value() == 6
    errors, told = [], []
    monkeypatch.setattr("panti_desktop.ui.settings.admin.show_error", lambda parent, exc: errors.append(str(exc)))
    monkeypatch.setattr(page, "_info", told.append)
    page.follow_up_months.setText("1, 5")
    page._save_case_rules()
    assert errors and "1, 2, 3, 6, 9, 12, 18, 24" in errors[0] and ws.follow_up_pattern == (1, 3, 6, 12)
    page.follow_up_months.setText("12,2;6")
    page.risk_months.setValue(3)
    page._save_case_rules()
    assert told and ws.follow_up_pattern == (2, 6, 12) and ws.risk_assessment_months == 3
    assert page.follow_up_months.text() == "2, 6, 12"
    ws.add_record("termination", {"child_id": child.id, "terminated_on": "2026-01-15", "reason": "goals_achieved"})
    assert sorted(f.data["due_date"] for f in ws.records_for_child("follow_up", child.id)) == [
        "2026-03-15", "2026-07-15", "2027-01-15"]


def test_a_manager_records_an_override_in_the_diversion_form(qtbot, team_ws, child):
    from .conftest import open_as

    team_ws.add_record("legal_track", {"child_id": child.id, "stage": "investigation",
                                       "threatened_penalty_months": 180, "repeat_offence": False})
    dv = team_ws.add_record("diversion", {"child_id": child.id, "stage": "offered"})
    mira = open_as(team_ws, "mira", "mira passphrase 1")
    try:
        tab = ChildFileWidget(mira, child.id)
        qtbot.addWidget(tab)
        lst = tab.show_section("diversion").lists[0]
        dialog = lst._dialog(mira.get_record("diversion", dv.id))
        qtbot.addWidget(dialog)
        assert "override_on" not in dialog.form.field_names  # stamped by the workspace, not typed
        pick(dialog, "stage", "deliberation")
        dialog.form.widget("override_basis").setPlainText("Penetapan Ketua PN Bantul No. 12/Pen.Div/2026")
        assert dialog.save()
        saved = mira.get_record("diversion", dv.id).data
        assert saved["stage"] == "deliberation" and saved["override_by"] == mira.user.id
    finally:
        mira.close()


def test_the_overview_flags_contradictions_that_arrived_without_the_rules(qtbot, ws, child):
    # as a sync import writes it: straight into the store
    ws.records.insert("follow_up", {"child_id": child.id, "month": "1", "due_date": ago(3)}, ws.user.id)
    tab = ChildFileWidget(ws, child.id)
    qtbot.addWidget(tab)
    text = tab.section_widgets["overview"].findChild(QLabel, "contradictions").text()
    assert "record the termination first" in text
