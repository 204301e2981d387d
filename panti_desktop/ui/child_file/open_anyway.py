"""A counsellor opens the clinical file of a child outside their caseload: the banner that says
so in the child's file and the dialog that asks for the reason (the rule is caseload.py's)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...errors import PantiError
from ...i18n import _
from ..common import message_label, note_label


class OpenAnywayDialog(QDialog):
    """Why the counsellor opens this file; accepted only once the workspace recorded the reason."""

    def __init__(self, ws, child_id: str, register_no: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        self.setWindowTitle(_("Open anyway"))
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("{no} is not in your caseload. You can open the clinical file anyway, for "
                                   "example to stand in for a colleague. Your reason is recorded in the audit log "
                                   "and shown to the managers; the file stays open until the window locks.").format(
            no=register_no), self))
        lay.addWidget(QLabel(_("Reason"), self))
        self.reason = QLineEdit(self)
        self.reason.setObjectName("openAnywayReason")
        self.reason.setPlaceholderText(_("e.g. standing in for Agus this week"))
        lay.addWidget(self.reason)
        self.message = message_label(self)
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.open_button = buttons.addButton(_("Open anyway"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setObjectName("openAnywayConfirm")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.reason.setFocus()

    def accept(self) -> None:
        try:
            self.ws.open_anyway(self.child_id, self.reason.text())
        except PantiError as exc:  # too short a reason: say so here, keep what was typed
            self.message.setText(str(exc))
            self.message.show()
            return
        super().accept()


class OutsideCaseloadBanner(QWidget):
    """In a child's file: the clinical sections are closed, with the way to open them."""

    def __init__(self, on_open, parent=None):
        super().__init__(parent)
        self.setObjectName("outsideCaseload")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # a plain QWidget paints no background
        self.setStyleSheet("#outsideCaseload { background: #e8f0fb; border: 1px solid #b9cbe6; border-radius: 4px; }")
        lay = QHBoxLayout(self)
        text = QLabel(_("This child is not in your caseload: the clinical part of the file (plan, sessions, "
                        "assessments, safety plan, diversion) is closed."), self)
        text.setWordWrap(True)
        lay.addWidget(text, 1)
        self.button = QPushButton(_("Open anyway…"), self)
        self.button.setObjectName("openAnyway")
        self.button.clicked.connect(on_open)
        lay.addWidget(self.button)
