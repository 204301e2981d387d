"""Starting the app: first run or unlock, then the main window; errors never kill it silently."""

from __future__ import annotations

import logging

from panti_desktop.i18n import current_language, set_language
from panti_desktop.ui import app as app_mod
from panti_desktop.ui.setup_wizard import SetupWizard
from panti_desktop.ui.unlock import UnlockDialog

from .conftest import ADMIN_PASS


def test_first_start_runs_the_wizard_then_opens_the_main_window(qtbot, tmp_path, monkeypatch):
    def fake_exec(wizard):
        wizard.centre.code.setText("NEW")
        wizard.centre.name.setText("LPKS Baru")
        wizard.create_vault("admin", ADMIN_PASS)
        wizard.recovery.confirmed.setChecked(True)
        return 1

    monkeypatch.setattr(SetupWizard, "exec", fake_exec)
    window = app_mod.start(tmp_path / "data")
    qtbot.addWidget(window)
    assert window.isVisible() and window.ws.centre_code == "NEW"
    window.close()
    window.ws.close()


def test_later_starts_unlock_and_use_the_users_language(qtbot, ws, monkeypatch):
    ws.set_user_language("id")

    def fake_exec(dialog):
        dialog.passphrase.edit.setText(ADMIN_PASS)
        return dialog.try_unlock()

    monkeypatch.setattr(UnlockDialog, "exec", fake_exec)
    window = app_mod.start(ws.data_dir)
    qtbot.addWidget(window)
    assert current_language() == "id" and window.nav.item(0).text() == "Beranda"
    window.close()
    window.ws.close()
    set_language("en")


def test_cancelled_unlock_opens_nothing(qtbot, ws, monkeypatch):
    monkeypatch.setattr(UnlockDialog, "exec", lambda self: 0)
    assert app_mod.start(ws.data_dir) is None


def test_unexpected_errors_are_logged_and_shown(qtbot, tmp_path, monkeypatch, caplog):
    shown = []
    monkeypatch.setattr(app_mod, "show_error", lambda parent, exc: shown.append(exc))
    log_file = app_mod.setup_logging(tmp_path)
    app_mod.install_excepthook()
    import sys

    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR):
            sys.excepthook(type(exc), exc, exc.__traceback__)
    assert shown and isinstance(shown[0], RuntimeError)
    assert "boom" in caplog.text
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "boom" in log_file.read_text()
    sys.excepthook = sys.__excepthook__
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "baseFilename", "") == str(log_file):
            root.removeHandler(handler)
            handler.close()


def test_a_disk_error_met_outside_the_workspace_is_shown_as_a_sentence(qtbot, monkeypatch):
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from panti_desktop.ui.common import show_error

    texts = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: texts.append((box.text(), box.detailedText())) or 0)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (x)")
    con.execute("PRAGMA max_page_count=2")
    try:
        con.execute("INSERT INTO t VALUES (zeroblob(100000))")
    except sqlite3.OperationalError as exc:
        full = exc
    set_language("id")
    show_error(None, full)
    show_error(None, RuntimeError("boom"))
    assert texts[0] == ("Disk penuh, jadi ini belum tersimpan; tidak ada yang sudah tersimpan yang hilang. "
                        "Kosongkan sebagian ruang di disk lalu coba lagi.", "")
    assert "boom" in texts[1][1] and "Disk" not in texts[1][0]


def test_the_start_after_an_abnormal_end_says_so_and_counts_the_drafts(qtbot, ws, monkeypatch, child):
    from datetime import date

    from PySide6.QtWidgets import QMessageBox

    from panti_desktop import applog

    ws.save_session_draft({**ws.new_session_defaults(child.id, today=date(2026, 3, 2)), "notes": "rumah"})
    (ws.data_dir / "logs").mkdir(exist_ok=True)
    (ws.data_dir / "logs" / "window-999999999.running").write_text(
        '{"pid": 999999999, "started_at": "2026-12-01T08:05:00"}', encoding="utf-8")
    ended = applog.begin_session(ws.data_dir)
    assert [e.pid for e in ended] == [999999999]

    def fake_exec(dialog):
        dialog.passphrase.edit.setText(ADMIN_PASS)
        return dialog.try_unlock()

    monkeypatch.setattr(UnlockDialog, "exec", fake_exec)
    window = app_mod.start(ws.data_dir, ended=ended)
    qtbot.addWidget(window)
    box = window.findChild(QMessageBox, "abnormalEnd")
    assert box is not None and box.isVisible()
    assert "2026-12-01 08:05" in box.text() and "You have 1 session draft" in box.text()
    assert str(ws.data_dir / "logs" / "panti.log") in box.text()
    box.accept()
    window.close()
    window.ws.close()
    applog.end_session(ws.data_dir)
    assert applog.begin_session(ws.data_dir) == []
    applog.end_session(ws.data_dir)


def test_qts_file_dialog_speaks_indonesian(qtbot, tmp_path):
    """Qt ships no Indonesian catalogue: its file dialog's own words come from ours."""
    from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton

    set_language("id")
    try:
        app_mod.make_app()
        dialog = QFileDialog(None, "Simpan laporan", str(tmp_path))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        qtbot.addWidget(dialog)
        dialog.show()
        labels = {w.objectName(): w.text() for w in dialog.findChildren(QLabel)}
        assert labels["lookInLabel"] == "&Cari di:" and labels["fileTypeLabel"] == "&Jenis berkas:"
        assert labels["fileNameLabel"] == "&Nama berkas:"
        texts = " ".join(b.text() for b in dialog.findChildren(QPushButton))
        assert "Simpan" in texts and "Batal" in texts and "Save" not in texts
    finally:
        set_language("en")
        app_mod.apply_language(app_mod.QApplication.instance())


def test_a_missing_library_in_the_window_is_one_sentence(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from panti_desktop.ui import common

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.detailedText())) or 0)
    common.show_error(None, ModuleNotFoundError("No module named 'reportlab'", name="reportlab"))
    assert shown == [("A part of Panti is not installed (reportlab). Install Panti again with its installer, or: "
                      "pip install panti-desktop", "")]
