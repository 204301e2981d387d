"""The social report's recommendation in the window: typed in the report dialog, reviewed by a manager
from the dashboard (returned with a comment, then approved), the report read back with pypdf."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog, QLabel, QListWidget

from panti_desktop.ui.child_file import widget as child_widget
from panti_desktop.ui.child_file.reports import ReportDialog
from panti_desktop.ui.child_file.widget import ChildFileWidget
from panti_desktop.ui.dashboard import Dashboard
from panti_desktop.ui.review_dialog import ReviewDialog

from .conftest import open_as

FIRST = "Anak dikembalikan kepada orang tua dengan pengawasan PK Bapas."
SECOND = "Anak dikembalikan kepada orang tua; konseling keluarga setiap minggu selama tiga bulan."
COMMENT = "Sebutkan jadwal konseling keluarga."


def _text(path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(str(path)).pages).replace("\n", " ")


def _print_court_report(qtbot, tab, monkeypatch, out, typed: str | None, seen: dict):
    """Open the report dialog on the social report as a user does: `typed` replaces the text offered."""
    def fill(dialog):
        dialog.kind.setCurrentIndex(dialog.kind.findData("court"))
        seen.update(text=dialog.recommendation.toPlainText(), status=dialog.review_status.text(),
                    shown=not dialog.review_status.isHidden())
        if typed is not None:
            dialog.recommendation.clear()
            qtbot.keyClicks(dialog.recommendation, typed)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ReportDialog, "exec", fill)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "PDF (*.pdf)")))
    tab.report_written = None
    tab.progress_report()
    qtbot.waitUntil(lambda: tab.report_written is not None, timeout=60_000)
    return _text(out)


def _review_item(dash) -> ReviewDialog:
    """Double-click (activate) the first line of the dashboard's review list."""
    card = next(lbl for lbl in dash.inner.findChildren(QLabel)
                if lbl.text().startswith("Social report recommendations to review"))
    lst = card.parent().findChild(QListWidget, "dueList")
    lst.itemActivated.emit(lst.item(0))
    return dash.findChildren(ReviewDialog)[-1]


def test_a_manager_returns_then_approves_the_recommendation_from_the_dashboard(qtbot, team_ws, child, tmp_path,
                                                                              monkeypatch):
    ws = team_ws
    ws.update_child(child.id, {"counsellor_id": ws.user_id("siti")})
    ws.save_user_profile(ws.user_id("siti"), {"full_name": "Siti Rahmawati, S.Sos.",
                                              "position": "Pekerja Sosial Ahli Pertama"})
    ws.save_user_profile(ws.user_id("mira"), {"full_name": "Dra. Mira Lestari, M.Si.",
                                              "position": "Kepala Seksi Rehabilitasi Sosial"})
    monkeypatch.setattr(child_widget, "open_file", lambda path: None)
    siti, mira = open_as(ws, "siti", "siti passphrase 1"), open_as(ws, "mira", "mira passphrase 1")
    try:
        tab = ChildFileWidget(siti, child.id)
        qtbot.addWidget(tab)
        seen: dict = {}
        draft = _print_court_report(qtbot, tab, monkeypatch, tmp_path / "draft.pdf", FIRST, seen)
        assert seen["text"] == "" and seen["shown"] and "sent to a manager for review" in seen["status"]
        assert "DRAFT — not reviewed" in draft and FIRST in draft and "Dra. Mira Lestari" not in draft

        dash = Dashboard(mira)
        qtbot.addWidget(dash)
        dialog = _review_item(dash)
        assert dialog.isVisible() and dialog.text.toPlainText() == FIRST and dialog.text.isReadOnly()
        dialog.return_button.click()  # no comment: refused, nothing changes
        assert dialog.isVisible() and "needs a comment" in dialog.error.text()
        qtbot.keyClicks(dialog.comment, COMMENT)
        dialog.return_button.click()
        assert not dialog.isVisible() and dialog.rec.status == "returned"
        titles = [lbl.text() for lbl in dash.inner.findChildren(QLabel)]  # the page was refreshed
        assert not any(t.startswith("Social report recommendations to review") for t in titles)

        mine = Dashboard(siti)
        qtbot.addWidget(mine)
        assert "Recommendations returned to you (1)" in [lbl.text() for lbl in mine.inner.findChildren(QLabel)]
        _print_court_report(qtbot, tab, monkeypatch, tmp_path / "draft2.pdf", SECOND, seen)
        assert seen["text"] == FIRST and COMMENT in seen["status"] and "Dra. Mira Lestari" in seen["status"]

        dash.refresh()
        dialog = _review_item(dash)
        assert dialog.text.toPlainText() == SECOND
        dialog.approve_button.click()
        assert not dialog.isVisible() and dialog.rec.approved

        final = _print_court_report(qtbot, tab, monkeypatch, tmp_path / "final.pdf", None, seen)
        assert seen["text"] == SECOND and "Approved by Dra. Mira Lestari, M.Si." in seen["status"]
        assert "DRAFT" not in final and SECOND in final
        for words in ("Siti Rahmawati, S.Sos.", "Dra. Mira Lestari, M.Si.", "Kepala Seksi Rehabilitasi Sosial",
                      "Reviewed and approved by"):
            assert words in final, words
    finally:
        siti.close()
        mira.close()


def test_the_author_cannot_review_their_own_recommendation_in_the_dialog(qtbot, ws, child):
    rec = ws.reviews.submit(child.id, FIRST)  # the admin wrote it
    dialog = ReviewDialog(ws, rec.id)
    qtbot.addWidget(dialog)
    assert not dialog.approve_button.isEnabled() and not dialog.return_button.isEnabled()
    assert "another manager" in dialog.error.text()
