"""First run, unlock, caps-lock warning and recovery — as a centre's admin meets them."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from panti_desktop.errors import WrongPassphrase
from panti_desktop.ui import setup_wizard as wizard_mod
from panti_desktop.ui.setup_wizard import SetupWizard, passphrase_score
from panti_desktop.ui.unlock import RecoveryDialog, UnlockDialog
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS

KEY = re.compile(r"^([0-9A-Z]{4}-){6}[0-9A-Z]{4}$")


def test_first_run_wizard_creates_the_vault_and_shows_the_key_once(qtbot, tmp_path):
    wizard = SetupWizard(tmp_path / "vault")
    qtbot.addWidget(wizard)
    wizard.show()
    centre = wizard.centre
    qtbot.keyClicks(centre.code, "jkt1")
    qtbot.keyClicks(centre.name, "Sentra Handayani")
    centre.type.setCurrentIndex(centre.type.findData("lpks"))
    wizard.next()
    admin = wizard.admin
    assert wizard.currentPage() is admin and not admin.isComplete()
    admin.first.edit.setText("short")
    assert not admin.isComplete() and admin.message.text()
    admin.first.edit.setText("budi pergi ke pasar 7")
    admin.second.edit.setText("budi pergi ke pasar 8")
    assert not admin.isComplete() and "not the same" in admin.message.text()
    admin.second.edit.setText("budi pergi ke pasar 7")
    assert admin.isComplete() and admin.meter.value() >= 70
    wizard.next()  # creates the vault
    assert wizard.currentPage() is wizard.recovery
    assert Workspace.exists(tmp_path / "vault")
    key = wizard.recovery.key.text()
    assert KEY.match(key)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    wizard.recovery.confirmed.setChecked(True)
    assert finish.isEnabled()
    ws = wizard.workspace
    wizard.accept()
    assert wizard.recovery_text is None
    assert ws.centre_code == "JKT1"
    ws.close()
    Workspace.open_with_recovery(tmp_path / "vault", key.lower().replace("-", " "), "admin").close()
    with Workspace.open(tmp_path / "vault", "admin", "budi pergi ke pasar 7") as again:
        assert again.record_counts()["centre"] == 1


def test_leaving_the_wizard_after_the_vault_exists_asks_first(qtbot, tmp_path, monkeypatch):
    wizard = SetupWizard(tmp_path / "v")
    qtbot.addWidget(wizard)
    wizard.centre.code.setText("TST")
    wizard.centre.name.setText("Sentra Uji")
    wizard.create_vault("admin", ADMIN_PASS)
    wizard.recovery.initializePage()
    monkeypatch.setattr(SetupWizard, "_confirm_cancel", lambda self: False)
    wizard.reject()
    assert wizard.workspace is not None  # stayed
    monkeypatch.setattr(SetupWizard, "_confirm_cancel", lambda self: True)
    wizard.reject()
    assert wizard.workspace is None and Workspace.exists(tmp_path / "v")


def test_an_invalid_centre_code_is_refused_on_the_page(qtbot, tmp_path):
    wizard = SetupWizard(tmp_path / "v")
    qtbot.addWidget(wizard)
    wizard.centre.code.setText("JKT 1!")
    wizard.centre.name.setText("Sentra")
    wizard.admin.first.edit.setText(ADMIN_PASS)
    wizard.admin.second.edit.setText(ADMIN_PASS)
    assert not wizard.admin.validatePage()
    assert "centre code" in wizard.admin.message.text().lower()
    assert not Workspace.exists(tmp_path / "v")


def test_strength_meter_orders_passphrases():
    assert passphrase_score("") == 0
    assert passphrase_score("aaaaaaaa") < passphrase_score("Budi pergi ke pasar, 7 kali!")


def test_unlock_with_the_right_and_a_wrong_passphrase(qtbot, ws):
    dialog = UnlockDialog(ws.data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.user.currentData() == "admin"
    before = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    qtbot.keyClicks(dialog.passphrase.edit, "not the passphrase")
    qtbot.keyClick(dialog.passphrase.edit, Qt.Key.Key_Return)
    assert dialog.workspace is None and dialog.isVisible()
    assert dialog.message.text() == "The passphrase is wrong." and dialog.passphrase.text() == ""
    assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
    qtbot.keyClicks(dialog.passphrase.edit, ADMIN_PASS)
    qtbot.keyClick(dialog.passphrase.edit, Qt.Key.Key_Return)
    assert dialog.workspace is not None and dialog.result() == 1
    dialog.workspace.close()


def test_caps_lock_warning(qtbot, ws):
    dialog = UnlockDialog(ws.data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase.edit, "A")  # a capital without Shift: caps lock is on
    assert dialog.passphrase.caps.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.passphrase.edit, "b")
    assert not dialog.passphrase.caps.isVisibleTo(dialog)


def test_recovery_sets_a_new_passphrase_and_the_old_one_stops_working(qtbot, ws):
    dialog = RecoveryDialog(ws.data_dir, "admin")
    qtbot.addWidget(dialog)
    dialog.key.setText("AAAA-BBBB")
    dialog.first.edit.setText("a new passphrase 1")
    dialog.second.edit.setText("a new passphrase 1")
    assert not dialog.try_recover() and dialog.message.text()
    dialog.key.setText(ws.recovery_text)
    assert dialog.try_recover()
    dialog.workspace.close()
    Workspace.open(ws.data_dir, "admin", "a new passphrase 1").close()
    with pytest.raises(WrongPassphrase):
        Workspace.open(ws.data_dir, "admin", ADMIN_PASS)


def test_the_wizard_module_has_no_dead_recovery_kit_button(qtbot, tmp_path):
    wizard = SetupWizard(tmp_path / "v")
    qtbot.addWidget(wizard)
    has_reports = wizard_mod.has_module("panti_desktop.reports.recovery_kit")
    assert (wizard.recovery.findChild(type(wizard.button(QWizard.WizardButton.NextButton)), "recoveryKit")
            is not None) == has_reports


def test_the_window_keeps_painting_while_the_key_is_derived(qtbot, ws, monkeypatch):
    """Argon2id runs beside the UI thread: a timer on the UI thread keeps firing and the busy
    bar shows while it runs; input meanwhile is held back."""
    import time

    from PySide6.QtCore import QTimer

    from panti_desktop.vault.kdf import KdfParams

    real = KdfParams.derive

    def slow(self, passphrase):  # a low-spec laptop: the derivation takes a while
        time.sleep(0.3)
        return real(self, passphrase)

    monkeypatch.setattr(KdfParams, "derive", slow)
    dialog = UnlockDialog(ws.data_dir, user_name="admin")
    qtbot.addWidget(dialog)
    dialog.show()
    seen: list[bool] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: seen.append(dialog.busy.isVisible()))
    timer.start()
    dialog.passphrase.edit.setText(ADMIN_PASS)
    assert dialog.try_unlock()
    timer.stop()
    assert len(seen) >= 5 and any(seen), seen  # blocked, it would not have fired once
    assert dialog.workspace is not None and dialog.busy.isHidden()
    dialog.workspace.close()


def test_unlock_by_keyboard_alone(qtbot, ws):
    """The dialog opens with the cursor in the passphrase; a wrong one and Enter says so and
    keeps the cursor there; the right one and Enter opens the records. Shift+Tab reaches the name."""
    dialog = UnlockDialog(ws.data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.passphrase.edit.hasFocus)
    qtbot.keyClicks(dialog.passphrase.edit, "not the passphrase")
    qtbot.keyClick(dialog.passphrase.edit, Qt.Key.Key_Return)
    assert dialog.workspace is None and "wrong" in dialog.message.text().lower()
    assert dialog.passphrase.edit.hasFocus() and dialog.passphrase.text() == ""
    qtbot.keyClick(dialog.passphrase.edit, Qt.Key.Key_Backtab)
    assert dialog.user.hasFocus()
    qtbot.keyClick(dialog.user, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.passphrase.edit, ADMIN_PASS)
    qtbot.keyClick(dialog.passphrase.edit, Qt.Key.Key_Return)
    assert dialog.workspace is not None and dialog.result() == dialog.DialogCode.Accepted
    dialog.workspace.close()
