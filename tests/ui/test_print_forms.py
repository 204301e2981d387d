"""The "Print forms…" button of the child's file and the blank forms of Laporan write the PDF."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtCore import Qt

from panti_desktop.forms import scan
from panti_desktop.ui import print_forms
from panti_desktop.ui.child_file import ChildFileWidget
from panti_desktop.ui.reports_page import ReportsPage


def _drive_dialog(monkeypatch, path, kind: str, blank: bool = False) -> list:
    """Instead of a person: choose `kind` (blank if asked), press Save, answer the file dialog."""
    shown = []

    def exec_(dialog):
        shown.append(dialog)
        dialog.select(kind)
        if blank:
            dialog.blank.setChecked(True)
        dialog.save_button.click()
        return 0

    monkeypatch.setattr(print_forms.PrintFormsDialog, "exec", exec_)
    monkeypatch.setattr(print_forms.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "PDF (*.pdf)"))
    monkeypatch.setattr(print_forms, "open_file", lambda p: None)
    return shown


def test_the_child_files_button_writes_the_form_pre_filled(qtbot, ws, child, tmp_path, monkeypatch):
    widget = ChildFileWidget(ws, child.id)
    qtbot.addWidget(widget)
    out = tmp_path / "session.pdf"
    shown = _drive_dialog(monkeypatch, out, "session-log")
    qtbot.mouseClick(widget.forms_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown and shown[0].written is not None, timeout=30_000)
    assert shown[0].default_name().startswith("formulir-sesi-" + child.data["register_no"])
    text = "".join(p.extract_text() for p in PdfReader(str(out)).pages)
    assert child.data["register_no"] in text and "R.A.P." in text and "Rizki" not in text
    assert scan.propose(ws, out.read_bytes()).child_id == child.id


def test_laporan_prints_blank_forms(qtbot, ws, tmp_path, monkeypatch):
    page = ReportsPage(ws)
    qtbot.addWidget(page)
    out = tmp_path / "consent.pdf"
    shown = _drive_dialog(monkeypatch, out, "consent")
    qtbot.mouseClick(page.forms_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown and shown[0].written is not None, timeout=30_000)
    assert shown[0].prefilled is None  # Laporan offers blank forms only
    match = scan.propose(ws, out.read_bytes())
    assert match.kind == "consent" and match.child_id is None
