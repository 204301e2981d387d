"""The sessions section: the child's sessions, newest first, and the session form in place."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ...domain.vocab import SESSION_SETTINGS, SESSION_STATUSES
from ...i18n import _
from ..common import fmt_date, make_table


class SessionsSection(QWidget):
    """The child's sessions, newest first; logging opens the session form in place."""

    changed = Signal()
    writing = Signal(bool)  # a session form is open (the file's section list makes room for it)

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        self.stack = QStackedWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)
        listing = QWidget()
        llay = QVBoxLayout(listing)
        top = QHBoxLayout()
        self.new_button = QPushButton(_("&New session"), listing)
        self.new_button.setObjectName("newSession")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(lambda: self.open_form())
        top.addWidget(self.new_button)
        top.addStretch(1)
        llay.addLayout(top)
        self.table = make_table([_("Date"), _("Setting"), _("Status"), _("Author"), _("Notes")], listing, "sessions")
        self.table.row_activated.connect(lambda row: self.open_form(self.sessions[row].id))
        llay.addWidget(self.table)
        self.stack.addWidget(listing)
        self.form_holder = QWidget()
        self.form_layout = QVBoxLayout(self.form_holder)
        back = QPushButton(_("← Back to the list of sessions"), self.form_holder)
        back.setObjectName("backToSessions")
        back.clicked.connect(self.show_list)
        self.form_layout.addWidget(back, alignment=Qt.AlignmentFlag.AlignLeft)
        self.stack.addWidget(self.form_holder)
        self.form = None
        shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.open_form())
        self.refresh()

    def refresh(self) -> None:
        self.sessions = list(reversed(self.ws.records_for_child("session", self.child_id)))
        rows = []
        for s in self.sessions:
            d = s.data
            status = _("Amendment") if d.get("amends_id") else SESSION_STATUSES.label(d.get("status"))
            notes = (d.get("notes") or "").replace("\n", " ")
            rows.append([fmt_date(d.get("session_date")), SESSION_SETTINGS.label(d.get("setting")), status,
                         self.ws.user_name(d.get("author_id")), notes[:120]])
        self.table.set_rows(rows)
        self.table.resizeColumnsToContents()

    def open_form(self, session_id: str | None = None, amend_of: str | None = None):
        from ..session_form import SessionForm

        self.save_now()
        if self.form is not None:
            self.form_layout.removeWidget(self.form)
            self.form.deleteLater()
        self.form = SessionForm(self.ws, self.child_id, session_id, parent=self.form_holder, amend_of=amend_of)
        self.form.saved.connect(lambda _id: self.changed.emit())
        self.form.finalised.connect(lambda _id: self.changed.emit())
        self.form.amend_requested.connect(lambda sid: self.open_form(amend_of=sid))
        self.form_layout.addWidget(self.form, 1)
        self.stack.setCurrentWidget(self.form_holder)
        self.writing.emit(True)
        self.form.setFocus()
        return self.form

    def show_list(self) -> None:
        self.save_now()
        self.refresh()
        self.stack.setCurrentIndex(0)
        self.writing.emit(False)

    def save_now(self) -> None:
        if self.form is not None and getattr(self.form, "is_dirty", False):
            self.form.save_now()
