"""Laporan: centre statistics for a period, and the Recovery Kit for admins."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import PantiError
from ..i18n import _
from ..reports.registry import REPORTS
from .common import DateEdit, Worker, heading, notify, open_file, run_busy, show_error
from .print_forms import PrintFormsDialog


class ReportsPage(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        lay = QVBoxLayout(self)
        lay.addWidget(heading(_("Reports"), self))
        hint = QLabel(_("A child's reports are made from the child's file (“{button}”). Every report is recorded in "
                        "the audit log and shows no child's name.").format(button=_("Reports (PDF)…")), self)
        hint.setWordWrap(True)
        lay.addWidget(hint)

        stats = QGroupBox(_("Centre statistics"), self)
        form = QFormLayout(stats)
        self.start = DateEdit(stats, optional=False)
        self.start.setObjectName("statsFrom")
        self.start.set_iso(date.today() - timedelta(days=365))
        self.end = DateEdit(stats, optional=False)
        self.end.setObjectName("statsTo")
        self.password = QLineEdit(stats)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("optional: the PDF opens only with it"))
        make = QPushButton(_("&Create the statistics report…"), stats)
        make.setObjectName("makeStats")
        make.clicked.connect(self._ask_statistics)
        self.centre = None
        if ws.is_hq:  # headquarters: one centre, or all of them
            from ..sync.hq import overview

            self.centre = QComboBox(stats)
            self.centre.setObjectName("statsCentre")
            self.centre.addItem(_("All centres"), None)
            for row in overview(ws):
                self.centre.addItem(f"{row.code} — {row.name}", row.code)
            form.addRow(_("Centre"), self.centre)
        form.addRow(_("From"), self.start)
        form.addRow(_("To"), self.end)
        form.addRow(_("Password"), self.password)
        form.addRow(make)
        for w in (self.start, self.end, self.password):
            w.setMaximumWidth(280)
        lay.addWidget(stats)

        blank = QGroupBox(_("Blank forms"), self)  # the child's file prints them pre-filled
        bl = QVBoxLayout(blank)
        bl.addWidget(QLabel(_("Intake, session log, consent and home-visit forms to fill in by hand."), blank))
        self.forms_button = QPushButton(_("Print blank forms…"), blank)
        self.forms_button.setObjectName("printBlankForms")
        self.forms_button.clicked.connect(lambda: PrintFormsDialog(ws, None, self).exec())
        bl.addWidget(self.forms_button)
        lay.addWidget(blank)

        if ws.role == "admin":
            kit = QGroupBox(_("Recovery Kit"), self)
            kform = QFormLayout(kit)
            note = QLabel(_("Print a new copy of the Recovery Kit for the safe. Type the recovery key from the "
                            "old sheet; it is checked against this centre's vault."), kit)
            note.setWordWrap(True)
            kform.addRow(note)
            self.key = QLineEdit(kit)
            self.key.setObjectName("kitKey")
            self.key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
            self.key.setMaximumWidth(420)
            save = QPushButton(_("Save the Recovery Kit (PDF)…"), kit)
            save.setObjectName("saveKit")
            save.clicked.connect(self._ask_kit)
            kform.addRow(_("Recovery key"), self.key)
            kform.addRow(save)
            lay.addWidget(kit)
        lay.addStretch(1)

    # statistics ----------------------------------------------------------------------------

    def _ask_statistics(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save the statistics report"), REPORTS["centre"].file_name(self.ws.centre_code, self.end.iso()),
            "PDF (*.pdf)")
        if name:
            self.statistics(Path(name))

    def statistics(self, path: Path, open_after: bool = True) -> Worker:
        start, end = date.fromisoformat(self.start.iso()), date.fromisoformat(self.end.iso())
        password = self.password.text() or None
        centre = self.centre.currentData() if self.centre is not None else None
        ws = self.ws

        def done(out) -> None:
            self.last_report = out
            notify(self, _("Report written: {path}").format(path=out))
            if open_after:
                open_file(out)

        return run_busy(self, _("Counting and writing the report…"),
                        lambda: REPORTS["centre"].build(ws, path, start=start, end=end, password=password,
                                                       centre=centre), done)

    # recovery kit --------------------------------------------------------------------------

    def _ask_kit(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Save the Recovery Kit"),
                                                    REPORTS["recovery-kit"].file_name(self.ws.centre_code), "PDF (*.pdf)")
        if name:
            self.recovery_kit(Path(name))

    def recovery_kit(self, path: Path) -> Path | None:
        from .setup_wizard import save_recovery_kit

        text = self.key.text().strip()
        try:
            self.ws.check_recovery_key(text)  # only this vault's key may be printed
        except PantiError as exc:
            show_error(self, exc)
            return None
        out = save_recovery_kit(self, self.ws, text, path)
        self.key.clear()
        return out
