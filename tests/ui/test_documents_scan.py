"""Adding a scanned printed form in the Dokumen section: the dialog reads the form's code, says so,
and chooses the document type; a form of another child cannot be saved into this file."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel

from panti_desktop.forms.registry import print_form
from panti_desktop.ui.child_file import documents
from panti_desktop.ui.child_file.widget import ChildFileWidget

from ..test_forms import _page_image


def _scan(ws, register_no: str, out) -> bytes:
    pdf = print_form(ws, "consent", out.with_suffix(".pdf"), register_no)
    image = _page_image(pdf, 150).rotate(3, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    jpeg = io.BytesIO()
    image.convert("RGB").save(jpeg, "JPEG", quality=60)
    out.write_bytes(jpeg.getvalue())
    return out


def test_a_scanned_form_is_recognised_and_another_childs_form_is_not_filed_here(qtbot, ws, child, tmp_path,
                                                                                monkeypatch):
    other = ws.register_child({"full_name": "Bayu Santoso", "birth_date": "2010-01-05", "intake_date": "2026-03-01"})
    own_scan = _scan(ws, child.data["register_no"], tmp_path / "persetujuan.jpg")
    other_scan = _scan(ws, other.data["register_no"], tmp_path / "lain.jpg")
    tab = ChildFileWidget(ws, child.id)
    qtbot.addWidget(tab)
    section = tab.show_section("documents")
    seen = []

    def look_and_save(dialog):
        seen.append(dialog)
        dialog.save()
        return QDialog.DialogCode.Accepted if dialog.added else QDialog.DialogCode.Rejected

    monkeypatch.setattr(documents.AddDocumentDialog, "exec", look_and_save)
    own = section.add_file(own_scan)
    assert own.type.currentData() == "consent_form" and own.added.doc_type == "consent_form"
    recognised = own.findChild(QLabel, "docRecognised")
    assert recognised is not None and child.data["register_no"] in recognised.text()

    stranger = section.add_file(other_scan)
    save = stranger.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and other.data["register_no"] in stranger.message.text()
    assert [a.doc_type for a in documents.attachments.listing(ws, child.id)] == ["consent_form"]
