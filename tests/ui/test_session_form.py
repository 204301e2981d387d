"""Session logging: opens filled in, saves itself, survives a lock, finalises, amends."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from panti_desktop.ui.session_form import SessionForm

from .conftest import ADMIN_PASS


@pytest.fixture(autouse=True)
def fast_autosave(monkeypatch):
    monkeypatch.setattr(SessionForm, "AUTOSAVE_MS", 30)


@pytest.fixture
def goal(ws, child):
    plan = ws.add_record("plan", {"child_id": child.id, "status": "draft", "start_date": "2026-03-01"})
    return ws.add_record("intermediate_goal", {"child_id": child.id, "plan_id": plan.id, "system": "family",
                                               "text": "Ibu menyimpan ponsel setelah pukul 21.00",
                                               "status": "in_progress"})


def make(qtbot, ws, child_id, **kw):
    form = SessionForm(ws, child_id, **kw)
    qtbot.addWidget(form)
    form.resize(1200, 800)
    form.show()
    return form


def test_opens_filled_in(qtbot, ws, child):
    form = make(qtbot, ws, child.id)
    v = form.values()
    assert v["child_id"] == child.id and v["session_date"] == date.today().isoformat()
    assert v["setting"] == "home" and form.author.text() == "admin"
    assert "R.A.P." in form.findChild(type(form.badge), "sessionTitle").text()
    assert form.session_id is None  # nothing is stored until something is typed


def test_typing_is_saved_continuously_into_one_draft(qtbot, ws, child):
    form = make(qtbot, ws, child.id)
    qtbot.keyClicks(form.texts["notes"], "Kunjungan rumah")
    qtbot.waitUntil(lambda: form.session_id is not None and not form.is_dirty)
    assert ws.get_record("session", form.session_id).data["notes"] == "Kunjungan rumah"
    qtbot.keyClicks(form.texts["notes"], ", ibu hadir")
    qtbot.waitUntil(lambda: not form.is_dirty)
    sessions = ws.records_for_child("session", child.id)
    assert len(sessions) == 1 and sessions[0].data["notes"] == "Kunjungan rumah, ibu hadir"


def test_goal_ratings_are_saved(qtbot, ws, child, goal):
    form = make(qtbot, ws, child.id)
    [row] = form.goal_rows
    assert row.goal_id == goal.id
    row.rating.setCurrentIndex(row.rating.findData("3"))
    qtbot.waitUntil(lambda: form.session_id is not None and not form.is_dirty)
    assert ws.get_record("session", form.session_id).data["goals"] == [
        {"goal_id": goal.id, "rating": 3, "note": None}]


def test_a_lock_keeps_the_half_typed_session(qtbot, ws, child):
    form = make(qtbot, ws, child.id)
    ws.lock()
    qtbot.keyClicks(form.texts["barriers"], "Ayah bekerja di luar kota")
    qtbot.wait(100)  # the autosave fires while locked: nothing is written, nothing fails
    assert form.is_dirty and form.session_id is None
    ws.unlock_again(ADMIN_PASS)
    assert form.save_now()
    assert ws.get_record("session", form.session_id).data["barriers"] == "Ayah bekerja di luar kota"


def test_ctrl_s_saves(qtbot, ws, child):
    form = make(qtbot, ws, child.id)
    form._timer.setInterval(60_000)
    form.texts["next_steps"].setPlainText("Kunjungan minggu depan")
    form._timer.stop()
    with qtbot.waitActive(form):
        form.activateWindow()
    form.texts["notes"].setFocus()
    form.texts["notes"].setPlainText("Anak bercerita tentang sekolah")
    assert form.is_dirty and form.session_id is None
    qtbot.keyClick(form.texts["notes"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.session_id and not form.is_dirty
    saved = ws.get_record("session", form.session_id).data  # what is stored, read back
    assert saved["notes"] == "Anak bercerita tentang sekolah"
    assert saved["next_steps"] == "Kunjungan minggu depan" and saved["child_id"] == child.id


def test_finalise_needs_participants_and_duration_then_locks_the_form(qtbot, ws, child, monkeypatch):
    monkeypatch.setattr(SessionForm, "_confirm_finalise", lambda self: True)
    form = make(qtbot, ws, child.id)
    form.texts["notes"].setPlainText("Sesi keluarga")
    assert not form.finalise()
    assert "participant" in form.status.text()
    form.participants.boxes["child"].setChecked(True)
    form.participants.boxes["mother"].setChecked(True)
    assert not form.finalise()
    assert "duration" in form.status.text()
    form.duration.setValue(60)
    assert form.finalise()
    assert ws.get_record("session", form.session_id).data["status"] == "final"
    assert form.texts["notes"].isReadOnly() and not form.duration.isEnabled()
    assert form.amend_button.isVisible() and not form.finalise_button.isVisible()


def test_amendment_is_a_linked_final_record(qtbot, ws, child, monkeypatch):
    monkeypatch.setattr(SessionForm, "_confirm_finalise", lambda self: True)
    form = make(qtbot, ws, child.id)
    form.texts["notes"].setPlainText("Ibu hadir")
    form.participants.boxes["child"].setChecked(True)
    form.duration.setValue(45)
    assert form.finalise()
    with qtbot.waitSignal(form.amend_requested) as sig:
        form.amend_button.click()
    amend = make(qtbot, ws, child.id, amend_of=sig.args[0])
    assert amend.save_amendment_button.isVisible() and "Amendment" in amend.badge.text()
    amend.texts["notes"].setPlainText("Koreksi: ayah juga hadir")
    assert amend.save_amendment()
    new = ws.get_record("session", amend.session_id).data
    assert new["amends_id"] == form.session_id and new["status"] == "final"
    assert ws.get_record("session", form.session_id).data["notes"] == "Ibu hadir"
    assert amend.texts["notes"].isReadOnly()


def test_an_invalid_value_is_shown_not_thrown(qtbot, ws, child):
    form = make(qtbot, ws, child.id)
    form.duration.setValue(3)  # below the 5-minute minimum
    qtbot.waitUntil(lambda: "Not saved:" in form.status.text())
    assert form.is_dirty and form.duration.styleSheet()


def test_a_full_disk_keeps_the_typed_draft_and_says_so(qtbot, ws, child):
    form = make(qtbot, ws, child.id)
    qtbot.keyClicks(form.texts["notes"], "Kunjungan rumah")
    qtbot.waitUntil(lambda: form.session_id is not None and not form.is_dirty)
    ws.db.execute("VACUUM")  # no free pages left inside the file
    pages = ws.db.execute("PRAGMA page_count").fetchone()[0]
    ws.db.execute(f"PRAGMA max_page_count={pages}")  # and no room on the disk for one more
    text = "ibu hadir, ayah bekerja di luar kota; " * 400
    form.texts["notes"].setPlainText(text)
    qtbot.waitUntil(lambda: "disk is full" in form.status.text())
    assert form.is_dirty and form.texts["notes"].toPlainText() == text
    assert ws.get_record("session", form.session_id).data["notes"] == "Kunjungan rumah"
    ws.db.execute("PRAGMA max_page_count=4294967294")  # space freed: the next autosave keeps it all
    qtbot.keyClicks(form.texts["notes"], "Catatan: ")
    qtbot.waitUntil(lambda: not form.is_dirty)
    assert ws.get_record("session", form.session_id).data["notes"] == ("Catatan: " + text).strip()


def test_the_start_time_types_like_a_clock_and_tab_leaves_it(qtbot, ws, child):
    """Typed by keyboard alone: "1430", Tab to the duration, "90"; empty is not midnight."""
    from panti_desktop.ui.common import normal_time

    form = SessionForm(ws, child.id)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    form.start.setFocus()
    qtbot.waitUntil(form.start.hasFocus)
    assert form.values()["start_time"] is None  # empty, not 00:00
    qtbot.keyClick(form.start, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(form.start, "1430")
    qtbot.keyClick(form.start, Qt.Key.Key_Tab)
    assert form.duration.hasFocus() and form.start.text() == "14:30"
    qtbot.keyClicks(form.duration, "90")
    assert form.values()["start_time"] == "14:30" and form.values()["duration_minutes"] == 90
    form.start.set_value("00:00")
    assert form.values()["start_time"] == "00:00"  # a session at midnight can be recorded
    assert [normal_time(t) for t in ("930", "9", "14.30", "", "2560", "7:5")] == \
        ["09:30", "09:00", "14:30", None, "2560", "7:5"]
