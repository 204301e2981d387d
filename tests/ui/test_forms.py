"""Generic record forms, dialogs and lists, built from the domain's field metadata."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPlainTextEdit

from panti_desktop.domain.records import RECORD_TYPES
from panti_desktop.i18n import set_language
from panti_desktop.ui.common import CodeChecks, DateEdit
from panti_desktop.ui.forms import RecordDialog, RecordForm, RecordList, form_fields

from .conftest import open_as


def _sample(kind: str) -> tuple[dict, dict]:
    """A value for every field of `kind` (and the ref choices that offer the refs)."""
    data, choices = {}, {}
    for f in dataclasses.fields(RECORD_TYPES[kind]):
        m, name = f.metadata, f.name
        t = m.get("type")
        if t == "text":
            data[name] = "Teks contoh" if m.get("max_len", 10_000) <= 200 else "Baris satu\nBaris dua"
            data[name] = data[name][: m.get("max_len", 10_000)]
        elif t == "date":
            data[name] = "2026-03-14"
        elif t == "time":
            data[name] = "09:30"
        elif t == "int":
            data[name] = m.get("hi") or 7
        elif t == "float":
            data[name] = 12.5
        elif t == "bool":
            data[name] = False
        elif t == "code":
            data[name] = m["vocab"].codes()[-1]
        elif t == "codes":
            data[name] = m["vocab"].codes()[:2]
        elif t == "strings":
            data[name] = ["Bu Siti", "Pak Budi"]
        elif t == "ref":
            data[name] = f"{name}-1"
            choices[name] = [(f"{name}-0", "Nol"), (f"{name}-1", "Satu")]
    return data, choices


# --- RecordForm ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(RECORD_TYPES))
def test_every_record_type_builds_and_round_trips(qtbot, kind):
    empty = RecordForm(kind)
    qtbot.addWidget(empty)
    values = empty.values()
    assert "child_id" not in values and "id" not in values
    empty.set_values(values)
    assert empty.values() == values

    data, choices = _sample(kind)
    form = RecordForm(kind, data, ref_choices=choices)
    qtbot.addWidget(form)
    shown = form_fields(kind)
    assert form.values() == {n: data[n] for n in shown}
    for name in shown:
        assert form.widget(name).objectName() == name
    again = RecordForm(kind, ref_choices=choices)
    qtbot.addWidget(again)
    again.set_values(form.values())
    assert again.values() == form.values()


def test_widgets_follow_the_field_types(qtbot):
    form = RecordForm("session")
    qtbot.addWidget(form)
    assert isinstance(form.widget("session_date"), DateEdit) and not form.widget("session_date").optional
    assert isinstance(form.widget("notes"), QPlainTextEdit) and form.widget("notes").tabChangesFocus()
    assert isinstance(form.widget("participants"), CodeChecks)
    assert isinstance(form.widget("duration_minutes"), QLineEdit)
    assert isinstance(form.widget("start_time"), QLineEdit)
    assert "goals" not in form.field_names  # a list of dicts has its own view
    legal = RecordForm("legal_track")
    qtbot.addWidget(legal)
    assert isinstance(legal.widget("case_no"), QLineEdit) and legal.widget("case_no").maxLength() == 100
    assert isinstance(legal.widget("decision"), QPlainTextEdit)
    assert legal.widget("letter_date").optional
    assert legal.label("case_no").text() == "Case number"
    referral = RecordForm("referral")
    qtbot.addWidget(referral)
    assert referral.label("agency").text() == "Agency *"


def test_labels_follow_the_language(qtbot):
    set_language("id")
    form = RecordForm("legal_track")
    qtbot.addWidget(form)
    assert form.label("threatened_penalty_months").text() == "Ancaman pidana penjara (bulan)"
    stage = form.widget("stage")
    assert stage.itemText(stage.findData("investigation")) == "Penyidikan"


def test_fields_restrict_and_reorder(qtbot):
    form = RecordForm("legal_track", fields=["stage", "case_no"])
    qtbot.addWidget(form)
    assert form.field_names == ["stage", "case_no"]
    assert list(form.values()) == ["stage", "case_no"]
    with pytest.raises(KeyError):
        RecordForm("legal_track", fields=["nonsense"])


def test_tri_state_bool_round_trips(qtbot):
    form = RecordForm("legal_track", fields=["repeat_offence"])
    qtbot.addWidget(form)
    for value in (None, True, False, None):
        form.set_values({"repeat_offence": value})
        assert form.values() == {"repeat_offence": value}
    combo = form.widget("repeat_offence")
    assert [combo.itemData(i) for i in range(combo.count())] == [None, True, False]
    combo.setCurrentIndex(1)
    assert form.values()["repeat_offence"] is True


def test_codes_checkboxes_round_trip(qtbot):
    form = RecordForm("offence", fields=["forms", "determinants"])
    qtbot.addWidget(form)
    seen = []
    form.changed.connect(lambda: seen.append(1))
    assert form.values() == {"forms": [], "determinants": []}
    form.widget("forms").boxes["electronic"].setChecked(True)
    assert form.values()["forms"] == ["electronic"] and seen
    form.set_values({"forms": ["intercourse", "obscene_act"], "determinants": ["peer_influence"]})
    values = form.values()
    assert set(values["forms"]) == {"intercourse", "obscene_act"}
    form.set_values(values)
    assert form.values() == values
    # a code written by a newer version is kept, not dropped
    form.set_values({"forms": ["intercourse", "future_code"]})
    assert form.values()["forms"] == ["intercourse", "future_code"]


def test_numbers_strings_and_time_are_parsed(qtbot):
    form = RecordForm("session", fields=["duration_minutes", "start_time"])
    qtbot.addWidget(form)
    qtbot.keyClicks(form.widget("duration_minutes"), "6x0")  # the letter is refused while typing
    qtbot.keyClicks(form.widget("start_time"), "9:05")
    assert form.values() == {"duration_minutes": 60, "start_time": "09:05"}
    fid = RecordForm("fidelity", fields=["score"])
    qtbot.addWidget(fid)
    qtbot.keyClicks(fid.widget("score"), "2,5")
    assert fid.values() == {"score": 2.5}
    conf = RecordForm("case_conference", fields=["attendees"])
    qtbot.addWidget(conf)
    assert conf.widget("attendees").placeholderText()
    qtbot.keyClicks(conf.widget("attendees"), "Bu Siti; Pak Budi ;; ")
    assert conf.values() == {"attendees": ["Bu Siti", "Pak Budi"]}


def test_refs_offer_choices_or_stay_hidden(qtbot):
    with_choices = RecordForm("caregiver", ref_choices={"family_id": [("f1", "Keluarga inti")]})
    qtbot.addWidget(with_choices)
    combo = with_choices.widget("family_id")
    assert isinstance(combo, QComboBox) and combo.itemText(0) == "—" and combo.itemText(1) == "Keluarga inti"
    combo.setCurrentIndex(1)
    assert with_choices.values()["family_id"] == "f1"
    hidden = RecordForm("caregiver")
    qtbot.addWidget(hidden)
    assert hidden.is_hidden("family_id") and hidden.widget("family_id").isHidden()
    assert "family_id" not in hidden.values()


def test_readonly_and_errors(qtbot):
    form = RecordForm("legal_track", {"case_no": "LP/1/2026"}, readonly=True)
    qtbot.addWidget(form)
    stage = form.widget("stage")
    assert form.widget("case_no").isReadOnly() and stage.isEnabled()  # legible, not greyed out
    qtbot.keyClick(stage, Qt.Key.Key_Down)
    assert stage.currentIndex() == 0  # but it ignores input
    form.set_readonly(False)
    assert not form.widget("case_no").isReadOnly()
    qtbot.keyClick(stage, Qt.Key.Key_Down)
    assert stage.currentIndex() == 1
    form.set_error("case_no", "Something is wrong here.")
    assert form.error_field() == "case_no" and form.error_label.text() == "Something is wrong here."
    assert "border" in form.widget("case_no").styleSheet()
    form.clear_errors()
    assert form.error_field() is None and form.error_label.isHidden()


# --- RecordDialog ------------------------------------------------------------------------------


def test_legal_track_dialog_saves_through_the_workspace(qtbot, ws, child):
    dialog = RecordDialog(ws, "legal_track", child_id=child.id)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Legal track — new"
    qtbot.keyClicks(dialog.form.widget("threatened_penalty_months"), "60")
    stage = dialog.form.widget("stage")
    stage.setCurrentIndex(stage.findData("investigation"))
    qtbot.keyClicks(dialog.form.widget("case_no"), "LP/123/I/2026")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = dialog.saved_record
    assert saved.data["threatened_penalty_months"] == 60 and saved.data["child_id"] == child.id
    [rec] = ws.records_for_child("legal_track", child.id)
    assert rec.data["stage"] == "investigation" and rec.data["case_no"] == "LP/123/I/2026"

    edit = RecordDialog(ws, "legal_track", record=rec)
    qtbot.addWidget(edit)
    assert edit.windowTitle() == "Legal track — edit"
    assert edit.form.widget("threatened_penalty_months").text() == "60"
    edit.form.widget("threatened_penalty_months").setText("72")
    assert edit.save()
    assert ws.get_record("legal_track", rec.id).data["threatened_penalty_months"] == 72
    assert ws.get_record("legal_track", rec.id).data["case_no"] == "LP/123/I/2026"


def test_invalid_number_marks_the_field_and_keeps_the_dialog_open(qtbot, ws, child):
    dialog = RecordDialog(ws, "legal_track", child_id=child.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.widget("threatened_penalty_months").setText("999")
    assert not dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert dialog.form.error_field() == "threatened_penalty_months"
    assert "240" in dialog.form.error_label.text() and not dialog.form.error_label.isHidden()
    dialog.form.widget("threatened_penalty_months").setText("1x")  # setText bypasses the validator
    assert not dialog.save()
    assert dialog.form.error_field() == "threatened_penalty_months"
    dialog.form.widget("threatened_penalty_months").setText("12")
    assert dialog.save() and dialog.form.error_field() is None
    assert ws.records_for_child("legal_track", child.id)[0].data["threatened_penalty_months"] == 12


def test_invalid_date_marks_the_field(qtbot, ws, child):
    dialog = RecordDialog(ws, "consent", child_id=child.id)
    qtbot.addWidget(dialog)
    assert not dialog.hint.isHidden()  # "Fields marked * are required."
    qtbot.keyClicks(dialog.form.widget("given_by"), "Ibu Sari")
    rel = dialog.form.widget("relation")
    rel.setCurrentIndex(rel.findData("mother"))
    dialog.form.widget("given_on").set_iso(date.today() + timedelta(days=3))
    assert not dialog.save()
    assert dialog.form.error_field() == "given_on" and dialog.result() != QDialog.DialogCode.Accepted
    dialog.form.widget("given_on").set_iso("2026-01-05")
    dialog.form.widget("withdrawn_on").set_iso("2025-12-01")  # before it was given
    assert not dialog.save()
    assert dialog.form.error_field() == "withdrawn_on"
    dialog.form.widget("withdrawn_on").set_iso(None)
    assert dialog.save()
    assert ws.records_for_child("consent", child.id)[0].data["given_on"] == "2026-01-05"


def test_required_code_left_empty_is_pointed_at(qtbot, ws, child):
    dialog = RecordDialog(ws, "caregiver", child_id=child.id)
    qtbot.addWidget(dialog)
    assert not dialog.save()
    assert dialog.form.error_field() == "relation"


def test_ctrl_enter_saves_and_escape_cancels(qtbot, ws, child):
    dialog = RecordDialog(ws, "weekly_summary", child_id=child.id, defaults={"author_id": ws.user.id})
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    notes = dialog.form.widget("advances")
    notes.setFocus()
    qtbot.keyClicks(notes, "Mulai terbuka")
    qtbot.keyClick(notes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted and notes.toPlainText() == "Mulai terbuka"
    [rec] = ws.records_for_child("weekly_summary", child.id)
    assert rec.data["author_id"] == ws.user.id and rec.data["advances"].startswith("Mulai terbuka")

    other = RecordDialog(ws, "weekly_summary", child_id=child.id)
    qtbot.addWidget(other)
    with qtbot.waitActive(other):
        other.show()
        other.activateWindow()
    qtbot.keyClick(other, Qt.Key.Key_Escape)
    assert other.result() == QDialog.DialogCode.Rejected and other.saved_record is None


def test_defaults_and_record_type_defaults_prefill_a_new_record(qtbot, ws, child):
    dialog = RecordDialog(ws, "diversion_item", child_id=child.id,
                          defaults={"diversion_id": "d1"})
    qtbot.addWidget(dialog)
    assert dialog.form.values()["compliance"] == "pending"  # the record type's default
    qtbot.keyClicks(dialog.form.widget("text"), "Meminta maaf kepada keluarga korban")
    assert dialog.save()
    assert dialog.saved_record.data["diversion_id"] == "d1"


def test_a_kind_not_kept_per_child_gets_no_child_id(qtbot, ws):
    dialog = RecordDialog(ws, "child", child_id="ignored", fields=["full_name", "birth_date", "sex"])
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.form.widget("full_name"), "Bagus Saputra")
    dialog.form.widget("birth_date").set_iso("2012-05-06")
    assert dialog.save()
    assert "child_id" not in dialog.saved_record.data
    assert ws.child_data(dialog.saved_record.id)["full_name"] == "Bagus Saputra"


def test_other_errors_are_shown_not_raised(qtbot, ws, child, monkeypatch):
    from panti_desktop.errors import PermissionDenied
    from panti_desktop.ui import forms

    shown = []
    monkeypatch.setattr(forms.dialog, "show_error", lambda parent, err, title=None: shown.append(err))

    def refuse(kind, data):
        raise PermissionDenied("no")

    monkeypatch.setattr(ws, "add_record", refuse)
    dialog = RecordDialog(ws, "family", child_id=child.id)
    qtbot.addWidget(dialog)
    assert not dialog.save() and len(shown) == 1 and dialog.saved_record is None


# --- RecordList ----------------------------------------------------------------------------------


def _fill_and_save(values: dict):
    def fake_exec(dialog):
        for name, value in values.items():
            w = dialog.form.widget(name)
            if isinstance(w, QComboBox):
                w.setCurrentIndex(w.findData(value))
            elif isinstance(w, QLineEdit):
                w.setText(str(value))
        dialog.save()
        return dialog.result() == QDialog.DialogCode.Accepted

    return fake_exec


def test_record_list_shows_adds_edits_and_deletes(qtbot, qtmodeltester, ws, child, monkeypatch):
    ws.add_record("legal_track", {"child_id": child.id, "referral_source": "police",
                                  "letter_date": "2026-01-10", "case_no": "LP/1", "repeat_offence": True})
    ws.add_record("legal_track", {"child_id": child.id, "referral_source": "bapas", "case_no": "PDM/2"})
    lst = RecordList(ws, "legal_track", child.id, columns=["referral_source", "letter_date", "case_no",
                                                           "repeat_offence"])
    qtbot.addWidget(lst)
    seen = []
    lst.changed.connect(lambda: seen.append(1))
    model = lst.model
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and lst.stack.currentWidget() is lst.table
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Referral source"
    assert model.data(model.index(0, 0)) == "Police"
    assert model.data(model.index(0, 1)) == "10 January 2026"
    assert model.data(model.index(0, 3)) == "Yes" and model.data(model.index(1, 3)) == ""

    monkeypatch.setattr(RecordDialog, "exec", _fill_and_save({"case_no": "LP/3", "referral_source": "court"}))
    lst.add()
    assert model.rowCount() == 3 and seen == [1]
    assert lst.current_record().data["case_no"] == "LP/3"
    qtmodeltester.check(model)

    lst.select_row(0)
    monkeypatch.setattr(RecordDialog, "exec", _fill_and_save({"case_no": "LP/1-rev"}))
    lst.edit()
    assert model.data(model.index(0, 2)) == "LP/1-rev" and seen == [1, 1]

    monkeypatch.setattr(lst, "_confirm_delete", lambda: False)
    lst.delete()
    assert model.rowCount() == 3
    monkeypatch.setattr(lst, "_confirm_delete", lambda: True)
    lst.delete()
    assert model.rowCount() == 2 and len(seen) == 3
    assert [r.data["case_no"] for r in ws.records_for_child("legal_track", child.id)] == ["PDM/2", "LP/3"]


def test_double_click_opens_the_record(qtbot, ws, child, monkeypatch):
    ws.add_record("family", {"child_id": child.id, "structure": "intact", "household_size": 5})
    lst = RecordList(ws, "family", child.id)
    qtbot.addWidget(lst)
    opened = []

    def fake_exec(dialog):
        opened.append(dialog.record.id)
        return False

    monkeypatch.setattr(RecordDialog, "exec", fake_exec)
    with qtbot.waitExposed(lst):
        lst.show()
    rect = lst.table.visualRect(lst.model.index(0, 0))
    qtbot.mouseClick(lst.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert lst.current_record() is lst.model.record(0) and lst.edit_button.isEnabled()
    qtbot.mouseDClick(lst.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [lst.model.record(0).id]


def test_default_columns_are_human_readable(qtbot, qtmodeltester, ws, child):
    ws.add_record("case_conference", {"child_id": child.id, "held_on": "2026-02-10",
                                      "agencies": ["police", "bapas"], "attendees": ["Bu Siti", "Pak Budi"]})
    ws.add_record("weekly_summary", {"child_id": child.id, "week_start": "2026-02-09",
                                     "author_id": ws.user.id, "advances": "Baris satu\nBaris dua"})
    conf = RecordList(ws, "case_conference", child.id)
    qtbot.addWidget(conf)
    assert conf.columns == ["held_on", "agencies", "attendees", "decisions"]
    m = conf.model
    assert [m.data(m.index(0, c)) for c in range(3)] == ["10 February 2026", "Police, Bapas (probation)", "Bu Siti; Pak Budi"]
    qtmodeltester.check(m)
    weekly = RecordList(ws, "weekly_summary", child.id, columns=["week_start", "advances", "author_id"])
    qtbot.addWidget(weekly)
    w = weekly.model
    assert w.data(w.index(0, 1)) == "Baris satu…" and "Baris dua" in w.data(w.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert w.data(w.index(0, 2)) == "admin"
    goals = RecordList(ws, "intermediate_goal", child.id)
    qtbot.addWidget(goals)
    assert "plan_id" not in goals.columns  # an id nobody can read


def test_empty_and_readonly_lists(qtbot, ws, child):
    lst = RecordList(ws, "referral", child.id)
    qtbot.addWidget(lst)
    assert lst.stack.currentWidget() is lst.empty_label and lst.empty_label.text() == "No records yet."
    assert not lst.add_button.isHidden() and lst.edit_button.isHidden()
    ro = RecordList(ws, "referral", child.id, readonly=True)
    qtbot.addWidget(ro)
    assert ro.add_button.isHidden() and ro.delete_button.isHidden()


def test_staff_sees_no_access_instead_of_clinical_records(qtbot, team_ws, child):
    team_ws.add_record("offence", {"child_id": child.id, "forms": ["obscene_act"]})
    budi = open_as(team_ws, "budi", "budi passphrase 1")
    try:
        lst = RecordList(budi, "offence", child.id)
        qtbot.addWidget(lst)
        assert lst.denied and lst.stack.currentWidget() is lst.denied_label
        assert lst.denied_label.text() == "Your role has no access to this section."
        assert lst.add_button.isHidden() and lst.model.rowCount() == 0
        lst.add()  # nothing happens, nothing raises
        lst.refresh()
        assert lst.denied
        family = RecordList(budi, "family", child.id)  # case records stay open to staff
        qtbot.addWidget(family)
        assert not family.denied
    finally:
        budi.close()
