"""The child's report dialog is built from the registry of reports (reports/registry.py)."""

from __future__ import annotations

from panti_desktop.reports import registry
from panti_desktop.reports.registry import REPORTS
from panti_desktop.ui.child_file import ReportDialog

from ..test_report_registry import _report_subcommands


def test_a_report_added_to_the_registry_reaches_the_cli_and_the_dialog(monkeypatch, qapp):
    extra = registry.Report("school", "School letter", "a letter for the child's school", "surat-sekolah",
                            "child", "child_report:build", options=("place",), kind="progress")
    monkeypatch.setitem(REPORTS, "school", extra)
    assert "school" in _report_subcommands()
    dialog = ReportDialog(None, "TST-2026-0001")
    titles = [dialog.kind.itemText(i) for i in range(dialog.kind.count())]
    assert "School letter" in titles and titles[0] == "Child Progress Report"


def test_the_dialog_offers_a_period_only_where_the_report_takes_one(qapp):
    dialog = ReportDialog(None, "TST-2026-0001")
    assert dialog.start.isEnabled() and "start" in dialog.options()
    assert dialog.default_name().startswith("laporan-TST-2026-0001-")
    dialog.kind.setCurrentIndex(dialog.kind.findData("court"))
    assert not dialog.start.isEnabled() and not dialog.period_note.isHidden()
    assert "start" not in dialog.options() and dialog.options()["kind"] == "court"
    assert dialog.default_name().startswith("laporan-sosial-TST-2026-0001-")
