"""The documents section of the child's file: add (dialog and drop), preview an image and a PDF from
memory, save a copy with a warning, staff refused a clinical document, nothing left in plaintext."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from panti_desktop import attachments as A
from panti_desktop.store.db import DB_NAME
from panti_desktop.ui.child_file import documents
from panti_desktop.ui.child_file.widget import ChildFileWidget

from ..test_attachments import _files_holding, make_pdf, make_png
from .conftest import FLOOR, open_as


def test_add_preview_copy_and_drop_leave_no_plaintext(qtbot, ws, child, tmp_path, monkeypatch):
    temp = tmp_path / "system-temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    pdf_marker, png_marker = b"GUIPDF-" + os.urandom(6).hex().encode(), b"GUIPNG-" + os.urandom(6).hex().encode()
    src = tmp_path / "src"
    src.mkdir()
    (src / "litmas.pdf").write_bytes(make_pdf(pdf_marker, pad=20_000))
    (src / "rumah.png").write_bytes(make_png(png_marker, side=120))
    legal = ws.add_record("legal_track", {"child_id": child.id, "stage": "trial"})

    tab = ChildFileWidget(ws, child.id)
    qtbot.addWidget(tab)
    section = tab.show_section("documents")

    def fill_and_save(dialog):
        dialog.type.setCurrentIndex(dialog.type.findData("litmas"))
        dialog.prefill("legal_track", legal.id)  # where a scanned form's proposal lands
        dialog.note.setText("dari Bapas")
        dialog.save()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(documents.AddDocumentDialog, "exec", fill_and_save)
    dialog = section.add_file(src / "litmas.pdf")
    assert dialog.added.record_kind == "legal_track" and dialog.added.record_id == legal.id

    monkeypatch.setattr(documents.AddDocumentDialog, "exec", lambda d: (d.save(), QDialog.DialogCode.Accepted)[1])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(src / "rumah.png"))])
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    section.dropEvent(drop)
    assert section.table.rowCount() == 2
    assert section.last_dialog.added.doc_type == "photo"  # an image is proposed as a photo

    shown = []
    monkeypatch.setattr(documents.PreviewDialog, "exec", lambda d: shown.append(d) or 1)
    for row in range(2):
        section.table.selectRow(row)
        section.preview()
    pdf_view, png_view = shown
    assert pdf_view.is_pdf and pdf_view.where.text() == "Page 1 of 1"
    assert not pdf_view.image.pixmap().isNull() and pdf_view.image.pixmap().width() > 300
    assert not png_view.image.pixmap().isNull() and png_view.image.pixmap().width() == 120

    # a copy: the warning first, then the file, audited
    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or QMessageBox.StandardButton.Yes)
    section.table.selectRow(0)
    out = tmp_path / "copy.pdf"
    section.save_copy(out)
    assert "not sealed" in asked[-1] and out.read_bytes() == (src / "litmas.pdf").read_bytes()
    assert "attachment_export" in [e.action for e in ws.audit_entries(limit=5)]

    tab.close()
    ws.close()
    for marker in (pdf_marker, png_marker, b"dari Bapas"):
        assert _files_holding([ws.data_dir, Path(tempfile.gettempdir())], marker) == []
    assert pdf_marker not in (ws.data_dir / DB_NAME).read_bytes()


def test_staff_see_a_clinical_document_listed_but_cannot_open_it(qtbot, ws, child, monkeypatch):
    ws.add_user("budi", "staff", "budi passphrase 1", kdf=FLOOR)
    med = A.add(ws, child.id, make_pdf(b"lab"), "lab.pdf", "medical")
    A.add(ws, child.id, make_pdf(b"sekolah"), "sekolah.pdf", "school_letter")
    errors = []
    monkeypatch.setattr(documents, "show_error", lambda parent, err, *a: errors.append(str(err)))
    with open_as(ws, "budi", "budi passphrase 1") as budi:
        tab = ChildFileWidget(budi, child.id)
        qtbot.addWidget(tab)
        section = tab.show_section("documents")
        row = [section.table.row_data(r) for r in range(section.table.rowCount())].index(med.id)
        assert section.table.text(row, 2) == "(clinical: not available to your role)"
        section.table.selectRow(row)
        assert section.preview() is None
        assert errors == ["Your role (staff) may not open a clinical document."]
        tab.close()


def test_screenshots_at_small_and_common_sizes(qtbot, ws, child, tmp_path):
    A.add(ws, child.id, make_pdf(b"putusan"), "Putusan PN Sleman 12-Pid.Sus-Anak-2026.pdf", "court_decision",
          doc_date="2026-01-20", note="salinan resmi")
    A.add(ws, child.id, make_png(b"foto", side=60), "kunjungan-rumah.png", "photo")
    tab = ChildFileWidget(ws, child.id)
    qtbot.addWidget(tab)
    tab.show_section("documents")
    for w, h in ((1366, 768), (1024, 600)):
        tab.resize(w, h)
        tab.show()
        qtbot.wait(10)
        path = Path(os.environ.get("PANTI_SHOTS", tmp_path)) / f"documents-{w}.png"
        assert tab.grab().save(str(path))
    tab.close()


def test_the_limits_are_shown_in_settings_and_an_admin_changes_them(qtbot, ws):
    from panti_desktop.ui.settings import SettingsPage

    page = SettingsPage(ws)
    qtbot.addWidget(page)
    box = page.findChild(QWidget, "attachmentFileMb").parent()
    assert box.file_mb.value() == A.DEFAULT_FILE_MB and box.centre_mb.value() == A.DEFAULT_CENTRE_MB
    assert not box.to_hq.isChecked()
    box.file_mb.setValue(10)
    box.to_hq.setChecked(True)
    box.save()
    assert A.file_limit_mb(ws) == 10 and A.sent_to_hq(ws)
    ws.add_user("budi", "staff", "budi passphrase 1", kdf=FLOOR)
    with open_as(ws, "budi", "budi passphrase 1") as budi:
        theirs = SettingsPage(budi)
        qtbot.addWidget(theirs)
        shown = theirs.findChild(QWidget, "attachmentFileMb")
        assert shown.value() == 10 and not shown.isEnabled()
