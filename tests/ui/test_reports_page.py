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
