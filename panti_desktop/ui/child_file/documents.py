"""The documents section of the child's file: attached scans, letters and photos, sealed; added from
a file dialog or by dropping files, previewed inside the app (images through Qt, PDF pages rendered
in memory with pypdfium2), copied out only deliberately."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ... import attachments
from ...domain.vocab import ATTACHMENT_TYPES
from ...errors import PantiError
from ...forms.scan import attachment_proposal
from ...i18n import _
from ..common import (
    DateEdit,
    button_row,
    confirm,
    fmt_date,
    make_table,
    message_label,
    note_label,
    notify,
    show_error,
    vocab_combo,
)
from .common import _kind_title


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n / 1024))} KB" if n else "0 KB"


def record_choices(ws, child_id: str) -> list[tuple[str, str, str]]:
    """(kind, id, label) of the records of this file a document can be filed with, that this user reads."""
    out = []
    for kind in attachments.RECORD_KINDS:
        if not ws.can_read(kind):
            continue
        try:
            records = ws.records_for_child(kind, child_id)
        except PantiError:  # outside the caseload: the clinical records are closed
            continue
        for r in records:
            when = r.data.get("session_date") or r.data.get("assessed_on") or r.data.get("given_on") \
                or r.data.get("referred_on") or r.created_at[:10]
            out.append((kind, r.id, f"{_kind_title(kind)} · {fmt_date(when)}"))
    return out


class AddDocumentDialog(QDialog):
    """Type, date, note and the record a document is filed with; `proposal` pre-fills the record
    (a scanned form's code names it)."""

    def __init__(self, ws, child_id: str, path: Path, content: bytes,
                 proposal: attachments.Proposal | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Add a document"))
        self.ws, self.child_id, self.path, self.content = ws, child_id, path, content
        self.media_type = attachments.media_type_of(content, path.name)
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("{name} ({size}) will be sealed into this file; the app keeps no other copy of it.").format(
            name=path.name, size=size_text(len(content))), self))
        form = QFormLayout()
        self.type = vocab_combo(ATTACHMENT_TYPES, empty=False, parent=self)
        self.type.setObjectName("docType")
        if attachments.is_image(self.media_type):
            self.type.setCurrentIndex(self.type.findData("photo"))
        form.addRow(_("Document type"), self.type)
        self.record = QComboBox(self)
        self.record.setObjectName("docRecord")
        self.record.addItem(_("The child's file (no record)"), None)
        for kind, record_id, label in record_choices(ws, child_id):
            self.record.addItem(label, (kind, record_id))
        form.addRow(_("Filed with"), self.record)
        self.date = DateEdit(self)
        self.date.setObjectName("docDate")
        form.addRow(_("Date of the document"), self.date)
        self.note = QLineEdit(self)
        self.note.setObjectName("docNote")
        form.addRow(_("Note"), self.note)
        self.downscale = QCheckBox(_("Make the image smaller (longest side {n} pixels)").format(
            n=attachments.DOWNSCALE_MAX_SIDE), self)
        self.downscale.setObjectName("docDownscale")
        self.downscale.setVisible(attachments.is_image(self.media_type))
        form.addRow("", self.downscale)
        lay.addLayout(form)
        self.message = message_label(self)
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.added: attachments.Attachment | None = None
        if proposal is None:
            proposal = attachment_proposal(ws, content)
        self.proposal = proposal
        if proposal is not None and proposal.child_id != child_id:
            # a printed form of another child: filing it here would put that child's paper in this file
            self.message.setText(_("The code on this form names register number {no}, another child: add it "
                                   "from that child's file.").format(no=proposal.register_no or "?"))
            buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        elif proposal is not None:
            if proposal.doc_type:
                self.type.setCurrentIndex(self.type.findData(proposal.doc_type))
            self.prefill(proposal.record_kind, proposal.record_id)
            recognised = note_label(_("Recognised from its code: a form of this child (register number {no}).").format(
                no=proposal.register_no or "?"), self)
            recognised.setObjectName("docRecognised")
            lay.insertWidget(1, recognised)

    def prefill(self, record_kind: str | None, record_id: str | None) -> None:
        """Select the record a document was proposed for (when this user can see it)."""
        wanted = (record_kind, record_id) if record_kind else None
        for i in range(self.record.count()):
            data = self.record.itemData(i)
            if (tuple(data) if data else None) == wanted:
                self.record.setCurrentIndex(i)
                return

    def _record(self) -> tuple[str, str] | None:
        data = self.record.currentData()
        return tuple(data) if data else None

    def save(self) -> None:
        if self.proposal is not None and self.proposal.child_id != self.child_id:
            return  # another child's form: the message says where it belongs, Save is disabled
        try:
            self.added = attachments.add(self.ws, self.child_id, self.content, self.path.name,
                                         self.type.currentData(), record=self._record(),
                                         doc_date=self.date.iso(), note=self.note.text(),
                                         downscale_image=self.downscale.isVisible() and self.downscale.isChecked())
        except PantiError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


def render_pdf_page(content: bytes, index: int, width: int) -> tuple[QImage, int]:
    """Page `index` of a PDF held in memory, `width` pixels wide, and the number of pages."""
    import pypdfium2 as pdfium  # loaded when a PDF is first previewed

    pdf = pdfium.PdfDocument(content)
    try:
        count = len(pdf)
        page = pdf[max(0, min(index, count - 1))]
        scale = max(0.2, width / max(1.0, page.get_width()))
        bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB in memory
        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                       QImage.Format.Format_RGB888).copy()
        page.close()
        return image, count
    finally:
        pdf.close()


class PreviewDialog(QDialog):
    """A document shown from memory: an image, or a PDF page by page."""

    def __init__(self, meta: attachments.Attachment, content: bytes, parent=None):
        super().__init__(parent)
        self.setWindowTitle(meta.file_name or _("Document"))
        self.meta, self.content, self.page, self.pages = meta, content, 0, 1
        lay = QVBoxLayout(self)
        self.image = QLabel(self)
        self.image.setObjectName("preview")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setWidget(self.image)
        lay.addWidget(area, 1)
        nav = QHBoxLayout()
        self.prev = QPushButton(_("Previous page"), self)
        self.next = QPushButton(_("Next page"), self)
        self.where = QLabel(self)
        self.prev.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page + 1))
        nav.addWidget(self.prev)
        nav.addWidget(self.where)
        nav.addWidget(self.next)
        nav.addStretch(1)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        nav.addWidget(close)
        lay.addLayout(nav)
        self.is_pdf = meta.media_type == "application/pdf"
        for w in (self.prev, self.next, self.where):
            w.setVisible(self.is_pdf)
        self.resize(760, 620)
        self.show_page(0)

    def show_page(self, index: int) -> None:
        width = max(400, self.width() - 60)
        if self.is_pdf:
            try:
                image, self.pages = render_pdf_page(self.content, index, width)
            except Exception:  # pypdfium2 raises its own PdfiumError for a damaged or encrypted PDF
                self.image.setText(_("This PDF cannot be shown here; save a copy to open it elsewhere."))
                return
            self.page = max(0, min(index, self.pages - 1))
            self.where.setText(_("Page {n} of {total}").format(n=self.page + 1, total=self.pages))
            self.prev.setEnabled(self.page > 0)
            self.next.setEnabled(self.page < self.pages - 1)
        elif attachments.is_image(self.meta.media_type):
            image = QImage.fromData(self.content)
            if image.isNull():
                self.image.setText(_("This image cannot be shown here; save a copy to open it elsewhere."))
                return
            if image.width() > width:
                image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        else:
            self.image.setText(_("There is no preview for this kind of file; save a copy to open it elsewhere."))
            return
        self.image.setPixmap(QPixmap.fromImage(image))


class DocumentsSection(QWidget):
    """The child's attached documents: add (button or drop), preview, save a copy, delete."""

    changed = Signal()

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws, self.child_id = ws, child_id
        self.setAcceptDrops(True)
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("Scans of court decisions, the Litmas, signed consent forms, letters and photos, "
                                   "sealed like every record. Drop files here or add them with the button. "
                                   "Medical documents and consent forms filed on the child's file are clinical: "
                                   "administrative staff cannot open them."), self))
        self.table = make_table([_("Type"), _("Date"), _("File"), _("Size"), _("Filed with"), _("Added")], self,
                                "documents")
        self.table.row_activated.connect(lambda _row: self.preview())
        lay.addWidget(self.table, 1)
        lay.addLayout(button_row(self, [
            (_("Add a document…"), "addDocument", self.choose_files),
            (_("Preview"), "previewDocument", self.preview),
            (_("Save a copy…"), "saveDocument", self.save_copy),
            (_("Delete"), "deleteDocument", self.delete),
        ]))
        self.usage = note_label("", self)
        lay.addWidget(self.usage)
        self.refresh()

    def refresh(self) -> None:
        try:
            items = attachments.listing(self.ws, self.child_id)
        except PantiError as exc:
            self.table.set_rows([])
            self.usage.setText(str(exc))
            return
        locked = _("(clinical: not available to your role)")
        rows = []
        for i in items:
            m = i.meta
            rows.append([ATTACHMENT_TYPES.label(i.doc_type), fmt_date(m.doc_date) if m else "",
                         m.file_name if m else locked, size_text(i.size),
                         _kind_title(i.record_kind) if i.record_kind else _("The child's file"), fmt_date(i.added_at[:10], short=True)])
        self.table.set_rows(rows, [i.id for i in items])
        self.table.resizeColumnsToContents()
        self.usage.setText(_("Attachments of the centre: {used} of {limit} MB; at most {file} MB per file.").format(
            used=f"{attachments.used_bytes(self.ws) / attachments.MB:.1f}", limit=attachments.centre_limit_mb(self.ws),
            file=attachments.file_limit_mb(self.ws)))

    # adding --------------------------------------------------------------------------------

    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("Add a document"), "", _("Documents and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.gif "
                                             "*.bmp *.webp);;All files (*)"))
        for name in names:
            self.add_file(Path(name))

    def add_file(self, path: Path, proposal: attachments.Proposal | None = None) -> AddDocumentDialog | None:
        """Read a file into memory and ask for its type, date and note (the file itself is not copied)."""
        try:
            content = path.read_bytes()
        except OSError as exc:
            show_error(self, _("{path} could not be read: {error}").format(path=path, error=exc.strerror or exc))
            return None
        dialog = AddDocumentDialog(self.ws, self.child_id, path, content, proposal, self)
        self.last_dialog = dialog
        if dialog.exec() and dialog.added is not None:
            self.refresh()
            self.changed.emit()
            notify(self, _("{name} was added to the file.").format(name=dialog.added.file_name))
        return dialog

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        for path in paths:
            if path.is_file():
                self.add_file(path)

    # the selected document ------------------------------------------------------------------

    def _selected(self) -> str | None:
        attachment_id = self.table.selected_data()
        if attachment_id is None:
            show_error(self, _("Choose a document in the list first."))
        return attachment_id

    def preview(self) -> PreviewDialog | None:
        attachment_id = self._selected()
        if attachment_id is None:
            return None
        try:
            meta, content = attachments.open_content(self.ws, attachment_id)
        except PantiError as exc:
            show_error(self, exc)
            return None
        dialog = PreviewDialog(meta, content, self)
        self.last_preview = dialog
        dialog.exec()
        return dialog

    def save_copy(self, target: Path | None = None) -> None:
        attachment_id = self._selected()
        if attachment_id is None:
            return
        if not confirm(self, _("Save a copy"), _("A saved copy is an ordinary file: it is not sealed, and anyone "
                                                 "who can open that folder can read it. The copy is recorded in "
                                                 "the audit log. Save a copy anyway?")):
            return
        if target is None:
            name, _filter = QFileDialog.getSaveFileName(self, _("Save a copy"), "")
            if not name:
                return
            target = Path(name)
        try:
            meta = attachments.export(self.ws, attachment_id, target)
        except PantiError as exc:
            show_error(self, exc)
            return
        notify(self, _("A copy of {name} was saved: {path}").format(name=meta.file_name, path=target))

    def delete(self) -> None:
        attachment_id = self._selected()
        if attachment_id is None or not confirm(self, _("Delete"), _("Delete this document from the file?")):
            return
        try:
            attachments.delete(self.ws, attachment_id)
        except PantiError as exc:
            show_error(self, exc)
            return
        self.refresh()
        self.changed.emit()
