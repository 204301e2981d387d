"""A manager reads the social report's recommendation and approves it or returns it with a comment
(review.py); the report dialog says where the child's recommendation stands."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
)

from ..errors import PantiError
from ..i18n import _
from .common import fmt_date, note_label


def person(ws, user_id: str | None) -> str:
    """A user's full name from the profile, else the login name."""
    if not user_id:
        return "—"
    return ws.user_profile(user_id).get("full_name") or ws.user_name(user_id)


def describe(ws, rec) -> str:
    """Where the child's recommendation stands, and what printing the report does with it."""
    if rec is None or rec.status == "superseded":
        return _("Your recommendation is saved for this child and sent to a manager for review. Until a manager "
                 "approves it, the report prints as a draft.")
    if rec.status == "approved":
        return _("Approved by {name} on {date}: the report prints as final, with the reviewer's signature. A "
                 "changed text goes back for review.").format(name=person(ws, rec.reviewed_by),
                                                              date=fmt_date(rec.reviewed_on))
    if rec.status == "returned":
        return _("Returned for changes by {name} on {date}: “{comment}” Change the text; printing sends it for "
                 "review again.").format(name=person(ws, rec.reviewed_by), date=fmt_date(rec.reviewed_on),
                                         comment=rec.review_comment or "")
    return _("Waiting for a manager's review since {date}: the report prints as a draft. A changed text is sent "
             "for review again.").format(date=fmt_date(rec.written_on))


class ReviewDialog(QDialog):
    """One recommendation: the child, who wrote it and when, its text; approve or return it."""

    def __init__(self, ws, record_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.rec = ws.reviews.get(record_id)
        self.setWindowTitle(_("Review the social report's recommendation"))
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        child = ws.child_row(self.rec.child_id)
        form.addRow(_("Child"), QLabel(f"{child.register_no}  {child.initials}", self))
        form.addRow(_("Written by"), QLabel(_("{name} on {date}").format(
            name=person(ws, self.rec.author_id), date=fmt_date(self.rec.written_on)), self))
        self.status = QLabel(self.rec.status_label, self)
        self.status.setObjectName("reviewStatus")
        form.addRow(_("Status"), self.status)
        self.text = QPlainTextEdit(self.rec.text, self)
        self.text.setObjectName("recommendationText")
        self.text.setReadOnly(True)
        self.text.setMinimumHeight(140)
        form.addRow(note_label(_("Assessment and recommendation"), self))
        form.addRow(self.text)
        self.comment = QPlainTextEdit(self)
        self.comment.setObjectName("reviewComment")
        self.comment.setPlaceholderText(_("Your comment to the social worker (required to return it)."))
        self.comment.setMaximumHeight(80)
        form.addRow(note_label(_("Comment"), self))
        form.addRow(self.comment)
        self.error = note_label("", self)
        self.error.setObjectName("reviewError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(self)
        self.approve_button = QPushButton(_("&Approve"), self)
        self.approve_button.setObjectName("approveRecommendation")
        self.return_button = QPushButton(_("Re&turn for changes"), self)
        self.return_button.setObjectName("returnRecommendation")
        self.file_button = QPushButton(_("Open the child's &file"), self)
        self.file_button.setObjectName("openChildFile")
        self.file_button.setToolTip(_("Read the findings the recommendation rests on; the social report prints "
                                      "from the file's Report button (as a draft until approved)."))
        buttons.addButton(self.approve_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.return_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.HelpRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.approve_button.clicked.connect(self.approve)
        self.return_button.clicked.connect(self.send_back)
        self.file_button.clicked.connect(self.open_file)
        form.addRow(buttons)
        self.reviewed = False
        self.wants_file = False  # the dashboard opens the child's file after the dialog closes
        why = None
        if self.rec.status != "pending":
            why = _("This recommendation is not waiting for review: it is “{status}”.").format(
                status=self.rec.status_label)
        elif self.rec.author_id == ws.user.id:
            why = _("You wrote this recommendation: another manager reviews it.")
        elif ws.role not in ("manager", "admin"):
            why = _("Only a manager can review the social report's recommendation.")
        if why:
            self._say(why)
            self.approve_button.setEnabled(False)
            self.return_button.setEnabled(False)
            self.comment.setEnabled(False)

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def approve(self) -> None:
        self._decide(lambda: self.ws.reviews.approve(self.rec.id, self.comment.toPlainText(),
                                                     seen_text=self.rec.text))

    def send_back(self) -> None:
        if not self.comment.toPlainText().strip():
            self._say(_("Say what should change: a returned recommendation needs a comment."))
            self.comment.setFocus()
            return
        self._decide(lambda: self.ws.reviews.send_back(self.rec.id, self.comment.toPlainText(),
                                                       seen_text=self.rec.text))

    def _decide(self, fn) -> None:
        try:
            self.rec = fn()
        except PantiError as exc:  # one sentence; nothing saved is lost
            self._say(str(exc))
            return
        self.reviewed = True
        self.accept()

    def open_file(self) -> None:
        self.wants_file = True
        self.reject()
