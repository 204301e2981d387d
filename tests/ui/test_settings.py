"""Settings: language, idle lock, users and key rotation, recovery key — as an admin uses them."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QPushButton

from panti_desktop.errors import UnknownUser
from panti_desktop.ui import settings as settings_mod
from panti_desktop.ui.settings import NewPassphraseDialog, RecoveryKeyDialog, SettingsPage
from panti_desktop.workspace import Workspace

from .conftest import open_as


def _click(page, name: str) -> None:
    """Press the page's button as the user does (it must be there, visible to the role, enabled)."""
    button = page.findChild(QPushButton, name)
    assert button is not None and button.isEnabled(), name
    button.click()


def _ok(dialog) -> QPushButton:
    from PySide6.QtWidgets import QDialogButtonBox

    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_admin_sets_the_idle_lock(qtbot, ws):
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    seen = []
    page.idle_changed.connect(seen.append)
    page.idle.setValue(12)
    _click(page, "saveIdle")
    assert ws.idle_lock_minutes == 12 and seen == [12]


def test_counsellor_sees_no_admin_controls(qtbot, team_ws):
    siti = open_as(team_ws, "siti", "siti passphrase 1")
    page = SettingsPage(siti)
    qtbot.addWidget(page)
    assert not hasattr(page, "users") and not hasattr(page, "idle")
    siti.close()


def test_add_user_through_the_dialog(qtbot, ws, monkeypatch):
    page = SettingsPage(ws)
    qtbot.addWidget(page)

    def fake_exec(dialog):
        dialog.name.setText("wati")
        dialog.role.setCurrentIndex(dialog.role.findData("staff"))
        dialog.first.edit.setText("wati passphrase 1")
        dialog.second.edit.setText("wati passphrase 1")
        _ok(dialog).click()
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(NewPassphraseDialog, "exec", fake_exec)
    _click(page, "addUser")
    assert [u.role for u in ws.users() if u.name == "wati"] == ["staff"]
    Workspace.open(ws.data_dir, "wati", "wati passphrase 1").close()


def test_mismatched_passphrases_keep_the_dialog_open(qtbot):
    dialog = NewPassphraseDialog("x")
    qtbot.addWidget(dialog)
    dialog.first.edit.setText("one passphrase 1")
    dialog.second.edit.setText("another passphrase")
    _ok(dialog).click()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.message.text()


def test_remove_user_rotates_keys_in_the_background(qtbot, team_ws, child, monkeypatch):
    ws = team_ws
    ws.save_session_draft({**ws.new_session_defaults(child.id), "notes": "catatan"})
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    monkeypatch.setattr(page, "_info", lambda text: None)
    worker = page.remove_user_in_background("siti")
    with qtbot.waitSignal(worker.signals.finished, timeout=20_000):
        pass
    assert "siti" not in [u.name for u in ws.users() if u.removed_at is None]
    try:
        Workspace.open(ws.data_dir, "siti", "siti passphrase 1")
    except UnknownUser:
        pass
    else:
        raise AssertionError("the removed user could still unlock")
    assert ws.verify() == []
    assert page.users.rowCount() == 3


def test_new_recovery_key_is_shown_once_and_must_be_confirmed(qtbot, ws, monkeypatch):
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    shown = []
    monkeypatch.setattr(settings_mod.admin, "confirm", lambda *a: True)
    monkeypatch.setattr(RecoveryKeyDialog, "exec", lambda self: shown.append(self) or 1)
    old = ws.recovery_text
    _click(page, "regenerateRecovery")
    dialog = shown[0]
    key = dialog.findChild(QLabel, "recoveryKey").text()
    assert key != old and len(key.split("-")) == 7
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()
    dialog.confirmed.setChecked(True)
    assert ok.isEnabled()
    Workspace.open_with_recovery(ws.data_dir, key, "admin").close()


def test_admin_corrects_the_centre_details(qtbot, ws, monkeypatch):
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    monkeypatch.setattr(page, "_info", lambda text: None)
    page.centre_name.setText("Sentra Uji Baru")
    page.province.setText("DI Yogyakarta")
    _click(page, "saveCentre")
    assert ws.centre_name == "Sentra Uji Baru"
    assert ws.centre_record().data["province"] == "DI Yogyakarta"
    with Workspace.open(ws.data_dir, "admin", "admin-passphrase-1") as again:
        assert again.centre_name == "Sentra Uji Baru" and again.centre_code == "TST"


def test_only_an_admin_edits_the_centre(qtbot, team_ws):
    mira = open_as(team_ws, "mira", "mira passphrase 1")
    page = SettingsPage(mira)
    qtbot.addWidget(page)
    assert page.centre_name.isReadOnly() and page.findChild(QLabel, "saveCentre") is None
    mira.close()


def test_key_rotation_can_be_cancelled_and_changes_nothing(qtbot, team_ws, child, monkeypatch):
    ws = team_ws
    ws.save_session_draft({**ws.new_session_defaults(child.id), "notes": "catatan"})
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    told = []
    monkeypatch.setattr(page, "_info", told.append)
    real_start = settings_mod.Worker.start

    def start_cancelled(worker):
        worker.cancel()  # the user presses Cancel before the first rows are re-sealed
        return real_start(worker)

    monkeypatch.setattr(settings_mod.Worker, "start", start_cancelled)
    page.remove_user_in_background("siti")
    qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    assert "nothing was changed" in told[0]
    assert "siti" in [u.name for u in ws.users() if u.removed_at is None]
    assert ws.verify() == []


def test_backup_from_settings_and_the_dashboard_warning(qtbot, ws, child, tmp_path, monkeypatch):
    from panti_desktop.ui.dashboard import Dashboard

    dash = Dashboard(ws)
    qtbot.addWidget(dash)
    assert dash.inner.findChild(QLabel, "backupWarning") is not None  # no backup yet
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    told = []
    monkeypatch.setattr(page, "_info", told.append)
    page.backup_folder.setText(str(tmp_path / "usb"))
    page.backup_keep.setValue(3)
    worker = page.start_backup()
    with qtbot.waitSignal(worker.signals.finished, timeout=30_000):
        pass
    files = list((tmp_path / "usb").glob("*.pantibak"))
    assert len(files) == 1 and told and ws.backup_keep == 3
    assert "Last verified backup" in page.backup_status.text()
    dash.refresh()
    assert dash.inner.findChild(QLabel, "backupWarning") is None
    assert dash.inner.findChild(QLabel, "backupAge") is not None
    assert page.check_backup(files[0])
    bad = bytearray(files[0].read_bytes())
    bad[-5] ^= 1
    (tmp_path / "bad.pantibak").write_bytes(bytes(bad))
    errors = []
    monkeypatch.setattr(settings_mod.backup, "show_error", lambda parent, e: errors.append(e))
    assert not page.check_backup(tmp_path / "bad.pantibak") and errors


def test_retention_review_hold_and_erase_from_settings(qtbot, ws, monkeypatch):
    from panti_desktop import retention

    child = ws.register_child({"full_name": "Kasus Lama", "intake_date": "2015-01-01"})
    for state in ("referred_out", "closed"):
        ws.transition(child.id, state)
    for kind in retention.DEFAULT_YEARS:
        retention.set_years(ws, kind, 1)
    ws.db.execute("UPDATE child SET updated_at = '2016-01-01T00:00:00+00:00' WHERE id = ?", [child.id])
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    monkeypatch.setattr(page, "_info", lambda text: None)
    assert page.retention_table.rowCount() == 1
    page.retention_table.selectRow(0)
    monkeypatch.setattr(page, "_exec_hold_dialog",
                        lambda dialog, reason, until: reason.setText("Banding") or until.set_iso("2030-01-01") or True)
    _click(page, "placeHold")
    assert "2030" in page.retention_table.text(0, 4)
    errors = []
    monkeypatch.setattr(settings_mod.retention, "show_error", lambda parent, e: errors.append(e))
    monkeypatch.setattr(page, "_confirm_erase", lambda no: True)
    page.retention_table.selectRow(0)
    _click(page, "eraseCase")
    assert errors and ws.child_ids() == [child.id]  # the hold kept it
    retention.lift_hold(ws, ws.records_for_child("legal_hold", child.id)[0].id)
    page.refresh_retention()
    page.retention_table.selectRow(0)
    _click(page, "eraseCase")
    assert ws.child_ids() == [] and page.retention_table.rowCount() == 0


def test_retention_review_shows_and_erases_the_record_types_that_are_due(qtbot, ws, monkeypatch):
    from datetime import date

    from panti_desktop import retention

    today = date.today()
    child = ws.register_child({"full_name": "Kasus Sebagian", "intake_date": f"{today.year - 8}-01-01"})
    for state in ("initial_engagement", "assessment", "planning", "intervention", "evaluation",
                  "reintegration_prep", "termination"):
        ws.transition(child.id, state)
    ws.add_record("legal_track", {"child_id": child.id, "case_no": "3/Pid.Sus-Anak/PN"})
    ws.save_session_draft({**ws.new_session_defaults(child.id, today=date(today.year - 7, 3, 1)), "notes": "x"})
    ended = date(today.year - 6, 1, 15)
    ws.add_record("termination", {"child_id": child.id, "terminated_on": ended.isoformat(),
                                  "reason": "goals_achieved"})
    ws.transition(child.id, "closed")
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    shown = []
    monkeypatch.setattr(page, "_info", shown.append)
    assert page.retention_table.rowCount() == 1
    assert page.retention_table.text(0, 5) == "Part: Session"
    page.retention_table.selectRow(0)
    detail = page.findChild(QLabel, "retentionDetail").text()
    assert "due now: Session" in detail and "Legal track" in detail
    asked = []
    monkeypatch.setattr(page, "_confirm_erase", lambda item: asked.append(page._erase_question(item)) or True)
    _click(page, "eraseCase")
    assert "Erase these records" in asked[0] and "Session" in asked[0]
    assert "Legal track, Termination, Follow-up until" in asked[0]  # follow-ups scheduled at termination
    assert ws.records_for_child("session", child.id) == [] and ws.child_ids() == [child.id]
    assert "Session" in shown[0] and "1 in all" in shown[0]
    assert page.retention_table.text(0, 5) == "" and retention.erasures(ws) == []


def test_passphrase_dialogs_show_only_their_own_fields(qtbot):
    change = NewPassphraseDialog("Change", with_current=True)
    new_user = NewPassphraseDialog("New user", with_user=True)
    for dialog in (change, new_user):
        qtbot.addWidget(dialog)
        dialog.show()
    # a field left out of the form would float over the dialog's top corner
    assert change.current.isVisible() and not change.name.isVisible() and not change.role.isVisible()
    assert new_user.name.isVisible() and new_user.role.isVisible() and not new_user.current.isVisible()
    assert all(d.first.isVisible() and d.second.isVisible() for d in (change, new_user))


def test_the_wheel_scrolls_the_page_and_leaves_an_unfocused_setting_alone(qtbot, ws):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    from panti_desktop.ui.app import make_app

    make_app()  # installs the wheel guard, as the real start does
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    page.resize(1024, 600)
    page.show()
    qtbot.waitExposed(page)
    spin = page.backup_age
    before = spin.value()

    def wheel(widget, steps: int) -> None:
        centre = QPointF(widget.rect().center())
        event = QWheelEvent(centre, QPointF(widget.mapToGlobal(widget.rect().center())), QPoint(0, 0),
                            QPoint(0, -120 * steps), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(widget, event)

    page.setFocus()
    wheel(spin, 3)
    assert spin.value() == before and not spin.hasFocus()  # unfocused: the value stays
    page.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, 1)
    assert spin.value() == before - 1  # clicked or tabbed into: the wheel changes it


def test_a_managers_backup_banner_points_where_a_manager_can_go(qtbot, team_ws):
    from panti_desktop.ui.dashboard import Dashboard

    from .conftest import open_as

    manager = open_as(team_ws, "mira", "mira passphrase 1")
    try:
        dash = Dashboard(manager)
        qtbot.addWidget(dash)
        text = dash.inner.findChild(QLabel, "backupWarning").text()
        assert "Ask an administrator" in text and "Settings → Backup" not in text
    finally:
        manager.close()
    admin_dash = Dashboard(team_ws)
    qtbot.addWidget(admin_dash)
    assert "Settings → Backup" in admin_dash.inner.findChild(QLabel, "backupWarning").text()


def test_backup_settings_are_saved_by_their_own_button(qtbot, ws, tmp_path):
    page = SettingsPage(ws)
    qtbot.addWidget(page)
    page.backup_folder.setText(str(tmp_path / "usb"))
    page.backup_keep.setValue(4)
    page.backup_age.setValue(10)
    assert ws.setting("backup_keep") != "4"  # nothing is stored by typing alone
    page.findChild(QPushButton, "saveBackupSettings").click()
    assert (ws.setting("backup_folder"), ws.backup_keep, ws.backup_max_age_days) == (str(tmp_path / "usb"), 4, 10)
    assert page.backup_saved.text() == "Saved."
    page.backup_keep.setValue(5)
    assert page.backup_saved.text() == ""  # a change not yet saved is not called saved
