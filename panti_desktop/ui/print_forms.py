"""The "Print forms…" dialog: which paper form (forms/registry.py), blank or pre-filled from the
child's file, saved as a PDF to print. Opened from the child's file and, for blank forms, from Laporan."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
)

from ..forms.registry import FORMS
from ..i18n import _
from .common import Worker, note_label, notify, open_file, run_busy


class PrintFormsDialog(QDialog):
    """Choose a form and save it as a PDF; with a child, pre-filled (or blank on request)."""

    def __init__(self, ws, child_id: str | None = None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        self.written: Path | None = None
        self.setWindowTitle(_("Print forms"))
        self.setObjectName("printFormsDialog")
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("Forms to fill in by hand, at the centre or on a visit. Each page carries the "
                                   "register number and a QR code, so a scan of the signed sheet is filed with the "
                                   "right child. No page prints the child's name."), self))
        kinds = QGroupBox(_("Form"), self)
        kl = QVBoxLayout(kinds)
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        for i, form in enumerate(FORMS.values()):
            button = QRadioButton(form.title_text(), kinds)
            button.setObjectName(f"form-{form.kind}")
            help_label = QLabel(form.help_text(), kinds)
            help_label.setWordWrap(True)
            help_label.setStyleSheet("color: #555; margin-left: 22px;")
            help_label.setBuddy(button)
            kl.addWidget(button)
            kl.addWidget(help_label)
            self.kind_group.addButton(button, i)
            self.kind_buttons[form.kind] = button
        self.kind_buttons["session-log"].setChecked(True)
        lay.addWidget(kinds)

        self.prefilled = None
        if child_id is not None:
            data = ws.child_data(child_id)
            fill = QGroupBox(_("Fill in"), self)
            fl = QVBoxLayout(fill)
            row = ws.child_row(child_id)
            self.prefilled = QRadioButton(_("Pre-filled for {register_no} ({initials}): register number, initials, "
                                            "counsellor, current goals").format(
                register_no=data.get("register_no") or "", initials=row.initials), fill)
            self.prefilled.setObjectName("formPrefilled")
            self.blank = QRadioButton(_("Blank"), fill)
            self.prefilled.setChecked(True)
            fl.addWidget(self.prefilled)
            fl.addWidget(self.blank)
            lay.addWidget(fill)
        lay.addStretch(1)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(_("&Save as PDF…"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveForm")
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._ask)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def kind(self) -> str:
        return list(FORMS)[self.kind_group.checkedId()]

    def select(self, kind: str) -> None:
        self.kind_buttons[kind].setChecked(True)

    def child_ref(self) -> str | None:
        """The child the form is pre-filled for; None for a blank form."""
        return self.child_id if self.prefilled is not None and self.prefilled.isChecked() else None

    def default_name(self) -> str:
        ref = self.child_ref()
        return FORMS[self.kind()].file_name(self.ws.child_data(ref).get("register_no") if ref else None)

    def _ask(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Save the form"), self.default_name(), "PDF (*.pdf)")
        if name:
            self.print_to(Path(name))

    def print_to(self, path: Path, open_after: bool = True) -> Worker:
        """Write the chosen form to `path` off the UI thread; the dialog closes when it is written."""
        from ..forms.registry import print_form

        ws, kind, ref = self.ws, self.kind(), self.child_ref()

        def done(out) -> None:
            self.written = out
            notify(self.parentWidget() or self, _("Form written: {path}").format(path=out))
            if open_after:
                open_file(out)
            self.accept()

        return run_busy(self, _("Writing the form…"), lambda: print_form(ws, kind, path, ref), done)
