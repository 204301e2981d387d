"""The Laporan section: centre statistics and the Recovery Kit from the window."""

from __future__ import annotations

from pypdf import PdfReader

from panti_desktop.ui import reports_page as page_mod
from panti_desktop.ui.main_window import MainWindow
from panti_desktop.ui.reports_page import ReportsPage


def test_reports_appear_in_the_navigation(qtbot, ws):
    w = MainWindow(ws)
    qtbot.addWidget(w)
    assert "reports" in w.page_keys


def test_statistics_report_from_the_window(qtbot, ws, child, tmp_path):
    page = ReportsPage(ws)
    qtbot.addWidget(page)
    page.start.set_iso("2026-01-01")
    worker = page.statistics(tmp_path / "s.pdf", open_after=False)
    with qtbot.waitSignal(worker.signals.finished, timeout=20_000):
        pass
    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "s.pdf")).pages)
    assert "Centre Statistics Report" in text and "Rizki" not in text


def test_recovery_kit_needs_this_vaults_key(qtbot, ws, tmp_path, monkeypatch):
    page = ReportsPage(ws)
    qtbot.addWidget(page)
    errors = []
    monkeypatch.setattr(page_mod, "show_error", lambda parent, e: errors.append(e))
    page.key.setText("0000-0000-0000-0000-0000-0000-0000")
    assert page.recovery_kit(tmp_path / "bad.pdf") is None and errors
    page.key.setText(ws.recovery_text)
    assert page.recovery_kit(tmp_path / "kit.pdf").exists()
    assert page.key.text() == ""


def test_the_kit_dialog_refuses_a_well_formed_key_of_another_vault(qtbot, ws, tmp_path, monkeypatch):
    """Typed into the field and saved with the button, as an admin would: another centre's
    recovery key (its checksum is right) prints nothing; this vault's key prints the kit."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    from panti_desktop.vault import recovery
    from panti_desktop.workspace import Workspace

    from ..conftest import ADMIN_PASS, FLOOR

    other, other_key = Workspace.init(tmp_path / "other", "OTH", "LPA Lain", "admin", ADMIN_PASS, kdf=FLOOR)
    other.close()
    recovery.decode(other_key)
    page = ReportsPage(ws)
    qtbot.addWidget(page)
    errors = []
    monkeypatch.setattr(page_mod, "show_error", lambda parent, e: errors.append(str(e)))
    monkeypatch.setattr(page_mod, "open_file", lambda path: None)
    target = tmp_path / "kit.pdf"
    monkeypatch.setattr(page_mod.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)"))
    save = page.findChild(QPushButton, "saveKit")
    page.key.setText(other_key)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert errors == ["This recovery key does not belong to this centre's vault."]
    assert not target.exists() and page.key.text() == other_key
    page.key.setText(ws.recovery_text.lower().replace("-", " "))  # as typed from the sheet
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert errors == ["This recovery key does not belong to this centre's vault."] and page.key.text() == ""
    text = "".join(p.extract_text() for p in PdfReader(str(target)).pages)
    for group in ws.recovery_text.split("-"):
        assert group in text


def test_headquarters_chooses_one_centre_or_all(qtbot, sites, tmp_path):
    from panti_desktop.sync import exchange as X

    a, b, hq = sites
    for i, site in enumerate((a, b)):
        site.register_child({"full_name": f"Anak Lembaga {i}", "birth_date": "2012-02-02",
                             "intake_date": "2026-03-01"})
        X.export_changes(site, "HQ", tmp_path / f"{site.centre_code}.pantisync")
        X.import_bundle(hq, tmp_path / f"{site.centre_code}.pantisync")
    own = ReportsPage(a)
    qtbot.addWidget(own)
    assert own.centre is None  # a centre has only its own statistics
    page = ReportsPage(hq)
    qtbot.addWidget(page)
    assert [page.centre.itemData(i) for i in range(page.centre.count())] == [None, "SA", "SB"]
    page.start.set_iso("2026-01-01")
    page.centre.setCurrentIndex(page.centre.findData("SB"))
    worker = page.statistics(tmp_path / "sb.pdf", open_after=False)
    with qtbot.waitSignal(worker.signals.finished, timeout=20_000):
        pass
    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "sb.pdf")).pages)
    assert "Centre: SB" in text and "1 children served" in text
