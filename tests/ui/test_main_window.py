"""The main window, the children list and the child's file, driven like a user would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QPushButton

from panti_desktop.i18n import set_language
from panti_desktop.ui.children import ChildrenModel, ChildrenPage
from panti_desktop.ui.main_window import MainWindow

from .conftest import ADMIN_PASS, open_as


@pytest.fixture
def window(qtbot, ws, child):
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.show()
    return w


def test_children_model_passes_the_model_tester(qtmodeltester, ws, child):
    ws.register_child({"full_name": "Bagus Saputra", "birth_date": "2012-01-05"})
    model = ChildrenModel(ws)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    model.set_filter(query="bagus")
    assert model.rowCount() == 1 and model.data(model.index(0, 1)) == "B.S."
    qtmodeltester.check(model)


def test_ten_thousand_children_open_and_filter_without_decoding_every_record(qtbot, ws):
    ws.bulk_insert("child", ({"register_no": f"TST-2026-{i:05d}", "full_name": f"Anak Nomor {i}",
                              "birth_date": "2012-03-04", "sex": "male",
                              "status": "intervention" if i % 3 else "aftercare"} for i in range(10_000)))
    opened = []
    real = ws.records.open_row

    def counting(k, row):
        opened.append(row["id"])
        return real(k, row)

    ws.records.open_row = counting
    page = ChildrenPage(ws)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    page.grab()  # paint the visible rows
    assert page.model.rowCount() == 10_000
    assert 0 < len(opened) < 100, len(opened)
    opened.clear()
    page.status.setCurrentIndex(page.status.findData("aftercare"))
    assert page.model.rowCount() == 3334
    page.view.scrollToBottom()
    page.grab()
    assert len(opened) < 100, len(opened)
    assert page.model.data(page.model.index(3333, 0)) == "TST-2026-09999"


def test_search_as_you_type_and_open_a_child(qtbot, window, ws, child):
    page = window.children_page
    qtbot.keyClicks(page.search, "kiki")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.view.setCurrentIndex(page.model.index(0, 0))
    with qtbot.waitSignal(page.open_child):
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    tab = window.children_tabs.currentWidget()
    assert tab.child_id == child.id
    assert "Rizki" not in tab.header.text() and "R.A.P." in tab.header.text()


def test_identity_is_shown_only_on_request_and_audited(qtbot, window, ws, child):
    tab = window.open_child(child.id)
    tab.show_section("identity")
    assert "Rizki" not in tab.header.text()
    tab.reveal_identity()
    assert "Rizki Aditya Pratama" in tab.header.text()
    assert ws.audit_entries(limit=1)[0].action == "reveal_identity"


def test_lifecycle_offers_only_allowed_transitions(qtbot, window, ws, child, monkeypatch):
    monkeypatch.setattr("panti_desktop.ui.child_file.widget.confirm", lambda *a: True)
    tab = window.open_child(child.id)
    offered = [a.data() for a in tab.status_menu.actions()]
    assert "initial_engagement" in offered and "closed" not in offered and "intervention" not in offered
    tab.transition("initial_engagement")
    assert ws.child_data(child.id)["status"] == "initial_engagement"
    assert "assessment" in [a.data() for a in tab.status_menu.actions()]


def test_staff_cannot_reach_clinical_sections(qtbot, team_ws, child):
    budi = open_as(team_ws, "budi", "budi passphrase 1")
    w = MainWindow(budi)
    qtbot.addWidget(w)
    assert "sessions" not in w.page_keys
    tab = w.open_child(child.id)
    assert {"sessions", "plan", "offence", "assessment", "diversion"}.isdisjoint(tab.section_keys)
    assert {"family", "legal", "consent"} <= set(tab.section_keys)
    w.close()
    budi.close()


def test_ctrl_l_locks_wipes_keys_and_unlock_returns(qtbot, window, ws, child):
    window.open_child(child.id)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked and ws.is_locked
    assert not window.content.isVisible()
    panel = window.lock_panel
    qtbot.keyClicks(panel.passphrase.edit, "wrong passphrase 1")
    qtbot.keyClick(panel.passphrase.edit, Qt.Key.Key_Return)
    assert window.is_locked and panel.message.text()
    qtbot.keyClicks(panel.passphrase.edit, ADMIN_PASS)
    qtbot.keyClick(panel.passphrase.edit, Qt.Key.Key_Return)
    assert not window.is_locked and not ws.is_locked
    assert window.children_tabs.count() == 2


def test_idle_time_locks_the_window(qtbot, window, ws):
    window.idle_timer.setInterval(50)
    window.idle_timer.start()
    qtbot.waitUntil(lambda: window.is_locked, timeout=2000)
    assert ws.is_locked


def test_the_window_does_not_lock_while_background_work_needs_the_keys(qtbot, window, ws):
    import threading

    from panti_desktop.ui.common import Worker

    release = threading.Event()
    worker = Worker(lambda _report, _cancelled: release.wait(10) and ws.centre_record().data["code"])
    finished = []
    worker.signals.finished.connect(finished.append)
    worker.start()
    qtbot.waitUntil(Worker.busy, timeout=2000)
    window.idle_timer.setInterval(50)
    window.lock()  # the idle timer fires while an import or a backup runs
    assert not window.is_locked and not ws.is_locked
    release.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    assert finished == [ws.centre_code]  # the work could still decrypt: the keys were there
    qtbot.waitUntil(lambda: window.is_locked, timeout=2000)  # and the next idle period locks
    assert ws.is_locked


def test_language_switch_rebuilds_the_window(qtbot, window, ws, child):
    window.open_child(child.id)
    assert [window.nav.item(i).text() for i in range(2)] == ["Home", "Children"]
    window.settings_page.language.setCurrentIndex(window.settings_page.language.findData("id"))
    assert [window.nav.item(i).text() for i in range(2)] == ["Beranda", "Anak"]
    assert window.children_tabs.count() == 2
    assert ws.user_language() == "id"
    set_language("en")


def test_dashboard_lists_what_is_due(qtbot, window, ws, child):
    ws.save_session_draft(ws.new_session_defaults(child.id))
    window.dashboard.refresh()
    lists = window.dashboard.inner.findChildren(QListWidget)
    items = [lst.item(i).text() for lst in lists for i in range(lst.count())]
    assert any(child.data["register_no"] in t for t in items)


def _auto_dialog(monkeypatch, fill):
    """Make RecordDialog.exec fill the form like a user, press Save, and return the result."""
    from panti_desktop.ui.forms import RecordDialog

    def fake_exec(dialog):
        fill(dialog)
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(RecordDialog, "exec", fake_exec)


def test_register_a_child_from_the_list(qtbot, window, ws, monkeypatch):
    def fill(dialog):
        dialog.form.set_value("full_name", "Bagus Saputra")
        dialog.form.set_value("birth_date", "2012-06-01")

    _auto_dialog(monkeypatch, fill)
    before = window.children_page.model.rowCount()
    window.children_page.register_child()
    assert window.children_page.model.rowCount() == before + 1
    tab = window.children_tabs.currentWidget()
    assert tab.header.text().startswith("B.S.")
    assert ws.child_data(tab.child_id)["intake_date"]  # the default was kept


def test_create_submit_and_approve_a_plan(qtbot, team_ws, child, monkeypatch):
    _auto_dialog(monkeypatch, lambda d: d.form.set_value("review_date", "2027-01-10"))
    monkeypatch.setattr("panti_desktop.ui.child_file.plan.confirm", lambda *a: True)
    team_ws.update_child(child.id, {"counsellor_id": team_ws.user_id("siti")})  # siti's case
    siti = open_as(team_ws, "siti", "siti passphrase 1")
    w = MainWindow(siti)
    qtbot.addWidget(w)
    plan_section = w.open_child(child.id).show_section("plan")
    plan_section.start_plan()
    assert plan_section.plan is not None and plan_section.plan.data["status"] == "draft"
    assert plan_section.inner.findChild(QPushButton, "approvePlan") is None  # counsellors cannot approve
    plan_section.inner.findChild(QPushButton, "submitPlan").click()
    assert plan_section.plan.data["status"] == "submitted"
    w.close()
    siti.close()
    mira = open_as(team_ws, "mira", "mira passphrase 1")
    w = MainWindow(mira)
    qtbot.addWidget(w)
    plan_section = w.open_child(child.id).show_section("plan")
    plan_section.inner.findChild(QPushButton, "approvePlan").click()
    assert plan_section.plan.data["status"] == "approved" and plan_section.plan.data["version_no"] == 1
    assert len(mira.records_for_child("plan_version", child.id)) == 1
    w.close()
    mira.close()


def test_assessment_from_a_template_and_comparison(qtbot, window, ws, child):
    from panti_desktop.ui.child_file import AssessmentDialog

    section = window.open_child(child.id).show_section("assessment")
    for day, porn in (("2026-03-01", "2"), ("2026-06-01", "0")):
        dialog = AssessmentDialog(ws, child.id, parent=section)
        dialog.template.setCurrentIndex(dialog.template.findData("determinants@1"))
        dialog.assessed_on.set_iso(day)
        combo = dialog.answers["pornography"]
        combo.setCurrentIndex(combo.findData(porn))
        dialog.save()
        assert dialog.result() == 1
    section.refresh()
    assert section.table.rowCount() == 2
    assert section.compare(section.records[-1]) == 1
    assert section.comparison.text(0, 3) == "better"


def test_locking_saves_a_half_typed_session_and_unlocking_returns_to_it(qtbot, window, ws, child):
    tab = window.open_child(child.id)
    form = tab.open_session()
    form._timer.setInterval(60_000)  # the lock, not the autosave, must save it
    form.texts["notes"].setPlainText("Ibu bercerita tentang minggu ini")
    assert form.is_dirty
    window.lock()
    assert ws.is_locked and not form.is_dirty
    window.lock_panel.passphrase.edit.setText(ADMIN_PASS)
    window.lock_panel.try_unlock()
    assert not window.is_locked
    assert window.children_tabs.currentWidget() is tab and tab.section_widgets["sessions"].form is form
    assert form.texts["notes"].toPlainText() == "Ibu bercerita tentang minggu ini"
    assert ws.get_record("session", form.session_id).data["notes"] == "Ibu bercerita tentang minggu ini"


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_progress_report_from_the_child_file(qtbot, window, ws, child, tmp_path):
    from datetime import date

    from panti_desktop.dates import long_date

    tab = window.open_child(child.id)
    assert tab.findChild(QPushButton, "progressReport") is not None
    worker = tab.write_progress_report(tmp_path / "r.pdf", {"start": date(2026, 1, 1), "end": date.today(),
                                                            "full_identity": False, "password": None,
                                                            "place": "Jakarta"}, open_after=False)
    with qtbot.waitSignal(worker.signals.finished, timeout=20_000):
        pass
    text = _pdf_text(tmp_path / "r.pdf")
    assert "Rizki" not in text and "Aditya" not in text and "Pratama" not in text  # identity hidden
    assert "R.A.P." in text and "1 January 2026" in text and long_date(date.today()) in text  # the period
    assert ws.audit_entries(limit=1)[0].action == "print"


def test_recovery_kit_from_the_wizard_helper(qtbot, ws, tmp_path):
    from panti_desktop.ui.setup_wizard import save_recovery_kit

    out = save_recovery_kit(None, ws, ws.recovery_text, tmp_path / "kit.pdf")
    assert out.exists() and ws.audit_entries(limit=1)[0].detail == "recovery kit"


def test_switch_user_from_the_lock_screen(qtbot, window, team_ws, child, monkeypatch):
    """On the shared laptop the next person switches user: the admin's draft was saved at the lock,
    the admin's files close, and the window opens as the counsellor; cancelling stays locked."""
    from panti_desktop.ui.unlock import UnlockDialog

    ws = team_ws
    tab = window.open_child(child.id)
    form = tab.open_session()
    form.texts["notes"].setPlainText("Catatan admin")
    window.lock()
    assert ws.is_locked  # locked: keys wiped, draft saved
    monkeypatch.setattr(UnlockDialog, "exec", lambda dialog: 0)
    window.lock_panel.findChild(QPushButton, "switchUser").click()
    assert window.is_locked and window.ws is ws  # cancelled: still locked, same user

    def as_siti(dialog):
        dialog.user.setCurrentIndex(dialog.user.findData("siti"))
        dialog.passphrase.edit.setText("siti passphrase 1")
        return dialog.try_unlock()

    monkeypatch.setattr(UnlockDialog, "exec", as_siti)
    window.lock_panel.findChild(QPushButton, "switchUser").click()
    assert not window.is_locked and window.ws is not ws and window.ws.user.name == "siti"
    assert window.children_tabs.count() == 1  # the admin's child file is closed
    assert window.page_keys[window.nav.currentRow()] == "dashboard"
    assert "siti" in window.dashboard.inner.findChild(QLabel).text()
    window.lock()  # the new user locks and unlocks with her own passphrase
    window.lock_panel.passphrase.edit.setText("siti passphrase 1")
    window.lock_panel.try_unlock()
    assert not window.is_locked
    drafts = [s for s in window.ws.recent_sessions(limit=10) if s["status"] == "draft"]
    assert drafts and drafts[0]["author_id"] != window.ws.user.id  # the admin's draft was kept
    window.ws.close()


def test_a_dashboard_item_opens_what_it_names(qtbot, window, ws, child):
    """A plan waiting for approval opens the child's plan, not the file's summary."""
    plan = ws.add_record("plan", {"child_id": child.id, "status": "draft", "start_date": "2026-02-10",
                                  "review_date": "2026-05-10"})
    ws.submit_plan(plan.id)
    window.dashboard.refresh()
    lists = {lst.parentWidget().findChild(QLabel).text(): lst for lst in window.dashboard.inner.findChildren(QListWidget)}
    waiting = next(lst for title, lst in lists.items() if title.startswith("Plans waiting for your approval"))
    waiting.itemActivated.emit(waiting.item(0))
    tab = window.children_tabs.currentWidget()
    assert tab.child_id == child.id and tab.section_keys[tab.sections.currentRow()] == "plan"


def test_submitting_and_approving_a_plan_and_writing_a_report_say_so(qtbot, team_ws, child, monkeypatch, tmp_path):
    from datetime import date

    _auto_dialog(monkeypatch, lambda d: d.form.set_value("review_date", "2027-01-10"))
    monkeypatch.setattr("panti_desktop.ui.child_file.plan.confirm", lambda *a: True)
    w = MainWindow(team_ws)
    qtbot.addWidget(w)
    tab = w.open_child(child.id)
    plan_section = tab.show_section("plan")
    plan_section.start_plan()
    plan_section.inner.findChild(QPushButton, "submitPlan").click()
    assert "submitted" in w.statusBar().currentMessage()
    plan_section.inner.findChild(QPushButton, "approvePlan").click()
    assert "approved" in w.statusBar().currentMessage()
    worker = tab.write_progress_report(tmp_path / "r.pdf", {"start": date(2026, 1, 1), "end": date.today(),
                                                            "full_identity": False, "password": None, "place": ""},
                                       open_after=False)
    with qtbot.waitSignal(worker.signals.finished, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: str(tmp_path / "r.pdf") in w.statusBar().currentMessage())
    text = _pdf_text(tmp_path / "r.pdf")
    assert "Rizki" not in text and "R.A.P." in text and "1 January 2026" in text


def _horizontal_bars(widget) -> list[str]:
    """Visible horizontal scroll bars of forms and pages (lists may scroll sideways by design)."""
    from PySide6.QtWidgets import QAbstractItemView, QScrollArea

    return [type(a).__name__ + ":" + (a.widget().objectName() or type(a.widget()).__name__)
            for a in widget.findChildren(QScrollArea)
            if a.isVisible() and a.horizontalScrollBar().isVisible() and not isinstance(a, QAbstractItemView)]


def test_nothing_needs_a_horizontal_scroll_bar_at_1024_by_600(qtbot, team_ws, child):
    """The small laptop: every page, the child's file and the session form fit sideways."""
    from PySide6.QtWidgets import QApplication

    ws = team_ws
    ws.add_record("plan", {"child_id": child.id, "status": "approved", "start_date": "2026-02-10",
                           "review_date": "2027-05-10"})
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.resize(1024, 600)
    w.show()
    qtbot.waitExposed(w)
    for key in w.page_keys:
        w.show_page(key)
        QApplication.processEvents()
        assert _horizontal_bars(w) == [], key
    tab = w.open_child(child.id)
    for key in tab.section_keys:
        tab.show_section(key)
        QApplication.processEvents()
        assert _horizontal_bars(w) == [], key
    form = tab.open_session()
    form.texts["notes"].setPlainText("Kunjungan rumah: ibu dan anak hadir. " * 20)
    QApplication.processEvents()
    assert _horizontal_bars(w) == [] and not tab.sections.isVisible()
    assert form.texts["notes"].width() > 0.8 * form.scroll.viewport().width()  # notes use the whole width
    assert form.texts["notes"].height() > 6 * form.texts["notes"].fontMetrics().lineSpacing()  # and grow


def test_the_history_of_a_file_shows_local_long_dates(qtbot, window, ws, child):
    import re

    tab = window.open_child(child.id)
    history = tab.show_section("history")
    history.refresh()
    text = " ".join(history.table.text(r, 0) for r in range(history.table.rowCount()))
    assert history.table.rowCount() > 0 and re.search(r"\d{4}-\d{2}-\d{2}", text) is None
    assert re.fullmatch(r"\d{1,2} \w+ \d{4} \d{2}:\d{2}", history.table.text(0, 0))


def test_a_counsellor_opens_another_counsellors_child_only_through_open_anyway(qtbot, team_ws, child, monkeypatch):
    """The list starts with the counsellor's caseload and greys the others; their file opens with the
    clinical part closed until "Open anyway" with a reason, which the managers' dashboard shows."""
    from panti_desktop.ui.child_file.open_anyway import OpenAnywayDialog

    ws = team_ws
    own = ws.register_child({"full_name": "Bagus Saputra", "birth_date": "2012-01-05", "intake_date": "2026-03-01",
                             "sex": "male", "counsellor_id": ws.user_id("siti")})
    siti = open_as(ws, "siti", "siti passphrase 1")
    w = MainWindow(siti)
    qtbot.addWidget(w)
    page = w.children_page
    assert page.model.ids == [own.id] and page.counsellor.currentText() == "My caseload"
    page.counsellor.setCurrentIndex(page.counsellor.findData(None))  # "All counsellors"
    assert set(page.model.ids) == {own.id, child.id}
    other_row = page.model.ids.index(child.id)
    assert page.model.index(other_row, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert "caseload" in page.model.index(other_row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert page.model.index(page.model.ids.index(own.id), 0).data(Qt.ItemDataRole.FontRole) is None
    assert "1 not in your caseload" in page.count.text()

    tab = w.open_child(child.id)
    assert tab.outside_banner.isVisibleTo(tab) and "sessions" not in tab.section_keys
    assert tab.open_session() is None
    monkeypatch.setattr(OpenAnywayDialog, "exec", lambda d: 0)  # cancelled: still closed
    assert not tab.open_anyway() and "plan" not in tab.section_keys

    def typed(reason):
        def run(dialog):
            dialog.reason.setText(reason)
            dialog.open_button.click()
            return dialog.result()
        return run

    monkeypatch.setattr(OpenAnywayDialog, "exec", typed("ok"))  # too short: refused in the dialog
    assert not tab.open_anyway() and "plan" not in tab.section_keys
    monkeypatch.setattr(OpenAnywayDialog, "exec", typed("Menggantikan Agus minggu ini"))
    assert tab.open_anyway()
    assert "sessions" in tab.section_keys and "plan" in tab.section_keys and not tab.outside_banner.isVisibleTo(tab)
    assert tab.open_session() is not None
    w.close()
    siti.close()

    mira = open_as(ws, "mira", "mira passphrase 1")
    w = MainWindow(mira)
    qtbot.addWidget(w)
    lst = w.dashboard.inner.findChild(QListWidget, "openedAnywayList")
    assert lst is not None and lst.count() == 1
    assert "siti" in lst.item(0).text() and "Menggantikan Agus minggu ini" in lst.item(0).text()
    lst.itemActivated.emit(lst.item(0))
    assert w.children_tabs.currentWidget().child_id == child.id
    w.close()
    mira.close()


def test_a_plan_keeps_its_status_in_view_and_its_goals_table_every_column_at_1024_by_600(qtbot, ws, child):
    """Submitting scrolled the new status out of view; the goals table cut off its status column."""
    from PySide6.QtWidgets import QApplication, QScrollArea, QTableView

    plan = ws.add_record("plan", {"child_id": child.id, "status": "draft", "start_date": "2026-02-10",
                                  "review_date": "2027-05-10", "setting": "family"})
    for text in ("Ibu mengawasi penggunaan ponsel anak setiap malam sebelum tidur", "Hadir di sekolah 90% hari",
                 "Tidak lagi bergaul dengan kelompok lama di sekitar pasar"):
        ws.add_record("intermediate_goal", {"child_id": child.id, "plan_id": plan.id, "system": "family",
                                            "text": text, "status": "in_progress"})
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.resize(1024, 600)
    w.show()
    qtbot.waitExposed(w)
    section = w.open_child(child.id).show_section("plan")
    QApplication.processEvents()
    tables = [t for t in section.findChildren(QTableView) if t.isVisible()]
    assert tables
    for t in tables:
        header = t.horizontalHeader()
        last = header.count() - 1
        assert not t.horizontalScrollBar().isVisible()
        assert header.sectionViewportPosition(last) + min(header.sectionSize(last), t.sizeHintForColumn(last)) \
            <= t.viewport().width()  # the status column is whole
    section.findChild(QScrollArea).verticalScrollBar().setValue(section.findChild(QScrollArea).verticalScrollBar().maximum())
    section.inner.findChild(QPushButton, "submitPlan").click()
    QApplication.processEvents()
    status = section.inner.findChild(QLabel, "planStatus")
    assert "Submitted" in status.text() and section.findChild(QScrollArea).verticalScrollBar().value() == 0
    assert not status.visibleRegion().isEmpty()
    assert section.isAncestorOf(QApplication.focusWidget())  # the keyboard stays in the plan
