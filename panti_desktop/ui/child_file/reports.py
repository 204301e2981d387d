"""The dialog that chooses a report on the child (from the registry of reports), its period and options."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
)

from ...i18n import _
from ...reports.registry import by_kind, child_reports
from ..common import DateEdit, note_label


class ReportDialog(QDialog):
    """Which report on the child (from the registry of reports), its period and its options."""

    def __init__(self, parent, register_no: str, recommendation=None, recommendation_status: str = ""):
        """`recommendation`: the child's current one for the social report (review.py), its text
        offered again; `recommendation_status`: where its review stands, in one sentence."""
        super().__init__(parent)
        self.register_no = register_no
        self.setWindowTitle(_("Progress report"))
        form = QFormLayout(self)
        self.kind = QComboBox(self)
        self.kind.setObjectName("reportKind")
        for report in child_reports():
            self.kind.addItem(report.title_text(), report.kind)
            self.kind.setItemData(self.kind.count() - 1, report.help_text(), Qt.ItemDataRole.ToolTipRole)
        form.addRow(_("Report"), self.kind)
        self.start = DateEdit(self, optional=False)
        self.start.set_iso(date.today() - timedelta(days=90))
        self.end = DateEdit(self, optional=False)
        self.place = QLineEdit(self)
        self.place.setPlaceholderText(_("e.g. Jakarta"))
        self.full_identity = QCheckBox(_("Include the full identity (recorded in the audit log)"), self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("optional: the PDF opens only with it"))
        # wide enough for its hint in either language (it was cut off)
        self.password.setMinimumWidth(self.password.fontMetrics().horizontalAdvance(self.password.placeholderText()) + 24)
        form.addRow(_("From"), self.start)
        form.addRow(_("To"), self.end)
        self.period_note = note_label(_("This report covers the whole case, from intake."), self)
        form.addRow(self.period_note)
        form.addRow(_("Place"), self.place)
        form.addRow(self.full_identity)
        form.addRow(_("Password"), self.password)
        self.recommendation = QPlainTextEdit(self)
        self.recommendation.setObjectName("recommendation")
        self.recommendation.setPlaceholderText(_("Your assessment of the child's situation and your recommendation "
                                                 "to the probation officer and the judge (required)."))
        self.recommendation.setMinimumHeight(110)
        if recommendation is not None and recommendation.status != "superseded":
            self.recommendation.setPlainText(recommendation.text)
        self.recommendation_label = note_label(_("Assessment and recommendation"), self)
        form.addRow(self.recommendation_label)
        form.addRow(self.recommendation)
        self.review_status = note_label(recommendation_status, self)
        self.review_status.setObjectName("recommendationReview")
        form.addRow(self.review_status)
        self.error = note_label("", self)
        self.error.setObjectName("reportDialogError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    @property
    def report(self):
        return by_kind(self.kind.currentData())

    def _kind_changed(self) -> None:
        """A period only for the reports that take one (as on the command line)."""
        period = self.report.period
        self.start.setEnabled(period)
        self.end.setEnabled(period)
        self.period_note.setVisible(not period)
        wanted = "recommendation" in self.report.options
        self.recommendation.setVisible(wanted)
        self.recommendation_label.setVisible(wanted)
        self.review_status.setVisible(wanted and bool(self.review_status.text()))
        self.error.hide()

    def accept(self) -> None:
        """The social report is not written without the social worker's recommendation."""
        if "recommendation" in self.report.options and not self.recommendation.toPlainText().strip():
            self.error.setText(_("The social report needs the social worker's assessment and recommendation."))
            self.error.show()
            self.recommendation.setFocus()
            return
        super().accept()

    def options(self) -> dict:
        period = {"start": date.fromisoformat(self.start.iso()), "end": date.fromisoformat(self.end.iso())} \
            if self.report.period else {}
        return {**period, "full_identity": self.full_identity.isChecked(), "password": self.password.text() or None,
                "place": self.place.text().strip(), "kind": self.kind.currentData(),
                **({"recommendation": self.recommendation.toPlainText().strip()}
                   if "recommendation" in self.report.options else {})}

    def default_name(self) -> str:
        day = self.end.iso() if self.report.period else date.today()
        return self.report.file_name(self.register_no, day)
