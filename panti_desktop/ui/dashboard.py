"""Beranda: what needs attention today, for the user's role."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..domain.vocab import ROLES
from ..errors import PantiError
from ..i18n import _
from .common import fmt_date, fmt_when, heading, scroll_area
from .review_dialog import ReviewDialog


class Card(QFrame):
    """A titled box with a big number or a list of items to open."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#card { background: palette(base); border: 1px solid #d0d4d9; border-radius: 6px; }")
        lay = QVBoxLayout(self)
        self.title = QLabel(title, self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        lay.addWidget(self.title)
        lay.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.body = lay


class Dashboard(QWidget):
    open_child = Signal(str)
    open_session = Signal(str, str)  # child id, session id
    open_section = Signal(str, str)  # child id, section of the child's file (e.g. "plan")

    MAX_ITEMS = 8

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        outer = QVBoxLayout(self)
        self.inner = QWidget()
        self.scroll = scroll_area(self.inner)
        outer.addWidget(self.scroll)
        self.refresh()

    def refresh(self, today: date | None = None) -> None:
        today = today or date.today()
        if self.inner.layout() is not None:  # a fresh page; the scroll area deletes the old one
            self.inner = QWidget()
            self.scroll.setWidget(self.inner)
        lay = QVBoxLayout(self.inner)
        greeting = heading(_("Welcome, {name}").format(name=self.ws.user.name), self.inner, 16)
        lay.addWidget(greeting)
        sub = QLabel(f"{ROLES.label(self.ws.role)} · {self.ws.centre_name} · {fmt_date(today)}", self.inner)
        sub.setStyleSheet("color: #555;")
        lay.addWidget(sub)

        d = self.ws.dashboard(today)
        if d.tampered:
            alarm = QLabel(_("The centre database was changed outside the app. What was changed is not used; "
                             "restore the last verified backup or ask for help.") + "\n• " + "\n• ".join(d.tampered[:5]),
                           self.inner)
            alarm.setObjectName("tamperWarning")
            alarm.setWordWrap(True)
            alarm.setStyleSheet("background: #fdecea; color: #8b1a1a; padding: 8px; border-radius: 4px;")
            lay.addWidget(alarm)
        if d.backup_overdue:
            # Only admins have Settings → Backup: a manager is told whom to ask, not where to click.
            if self.ws.role == "admin":
                todo = _("Make a backup in Settings → Backup.")
            else:
                todo = _("Ask an administrator to make a backup.")
            if d.last_backup:
                text = _("The last verified backup is from {date}, more than {n} days ago.").format(
                    date=fmt_date(d.last_backup[:10]), n=self.ws.backup_max_age_days) + " " + todo
            else:
                text = _("This centre has no verified backup yet. Until one is made, this laptop holds the only "
                         "copy of every child's file.") + " " + todo
            warn = QLabel(text, self.inner)
            warn.setObjectName("backupWarning")
            warn.setWordWrap(True)
            warn.setStyleSheet("background: #fff4d6; color: #7a5200; padding: 8px; border-radius: 4px;")
            lay.addWidget(warn)
        elif d.last_backup and self.ws.role in ("admin", "manager"):
            ok = QLabel(_("Last verified backup: {date}").format(date=fmt_date(d.last_backup[:10])), self.inner)
            ok.setObjectName("backupAge")
            ok.setStyleSheet("color: #1b5e20;")
            lay.addWidget(ok)
        grid = QGridLayout()
        lay.addLayout(grid)
        numbers = [(_("My caseload") if self.ws.role == "counsellor" else _("Open cases"), d.caseload)]
        if self.ws.can_read_clinical:
            numbers.append((_("Sessions this week"), d.sessions_this_week))
        for i, (title, value) in enumerate(numbers):
            card = Card(title, self.inner)
            big = QLabel(str(value), card)
            big.setObjectName("number")
            f = big.font()
            f.setPointSize(26)
            f.setBold(True)
            big.setFont(f)
            card.body.addWidget(big)
            grid.addWidget(card, 0, i, alignment=Qt.AlignmentFlag.AlignTop)

        lists = [
            (_("Session drafts to finish"), d.drafts, "session"),
            # each item opens what it names: the session, or the section of the file that holds it
            (_("Plans waiting for your approval"), d.plans_to_approve, "plan"),
            (_("Plan reviews due or overdue"), d.plans_due, "plan"),
            (_("Follow-ups due"), d.follow_ups_due, "termination"),
            (_("Diversion agreement items due"), d.diversion_items_due, "diversion"),
            (_("Diversion deadlines (UU SPPA art. 29, 42, 52)"), d.diversion_deadlines, "diversion"),
            (_("Weekly case summaries due (MST)"), d.weekly_summaries_due, "weekly"),
            (_("Supervision due (MST)"), d.supervision_due, "weekly"),
            (_("Safety plan reviews overdue"), d.safety_reviews_overdue, "safety"),
            # the social report's recommendations: a manager reviews them here (ui/review_dialog.py)
            (_("Social report recommendations to review"), d.recommendations_to_review, "review"),
            (_("Recommendations returned to you"), d.recommendations_returned, None),
            (_("New referrals"), d.new_referrals, None),
        ]
        n = 0
        for title, items, kind in lists:
            if not items and title != _("Session drafts to finish"):
                continue
            if not self.ws.can_read_clinical and kind == "session":
                continue
            card = Card(f"{title} ({len(items)})", self.inner)
            if not items:
                card.body.addWidget(QLabel(_("Nothing to do here."), card))
            else:
                lst = QListWidget(card)
                lst.setObjectName("dueList")
                lst.setFrameShape(QFrame.Shape.NoFrame)
                # What each line opens, kept in Python (no per-item Qt data, see ui/tables.py).
                targets = [(due.child_id, due.record_id, kind) for due in items[: self.MAX_ITEMS]]
                for due in items[: self.MAX_ITEMS]:
                    row = self.ws.child_row(due.child_id)
                    when = fmt_date(due.when[:10] if due.when else None)
                    lst.addItem(f"{row.register_no}  {row.initials}   {when}")
                if len(items) > self.MAX_ITEMS:
                    lst.addItem(_("… and {n} more").format(n=len(items) - self.MAX_ITEMS))
                lst.setMaximumHeight(26 * min(len(items), self.MAX_ITEMS + 1) + 6)
                # `itemActivated` fires on a double click and on Enter.
                lst.itemActivated.connect(lambda item, lst=lst, targets=targets: self._activate(targets, lst.row(item)))
                card.body.addWidget(lst)
            grid.addWidget(card, 1 + n // 2, n % 2, alignment=Qt.AlignmentFlag.AlignTop)
            n += 1
        if self.ws.role in ("manager", "admin"):
            self._opened_anyway(grid, 1 + n // 2, n % 2)
        refresh = QPushButton(_("&Refresh"), self.inner)
        refresh.clicked.connect(lambda: self.refresh())
        grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        lay.addWidget(refresh, alignment=Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)

    def _opened_anyway(self, grid: QGridLayout, row: int, col: int) -> None:
        """Clinical files counsellors opened outside their caseload, with their reasons (caseload.py)."""
        try:
            opened = self.ws.opened_anyway(days=14)
        except PantiError:  # no key to the audit log: nothing to show
            return
        if not opened:
            return
        card = Card(_("Opened outside a caseload, last 14 days ({n})").format(n=len(opened)), self.inner)
        lst = QListWidget(card)
        lst.setObjectName("openedAnywayList")
        lst.setFrameShape(QFrame.Shape.NoFrame)
        lst.setWordWrap(True)
        targets = []
        for o in opened[: self.MAX_ITEMS]:
            try:
                child = self.ws.child_row(o.child_id)
                who = f"{child.register_no}  {child.initials}"
            except PantiError:  # erased since
                who = "—"
            lst.addItem(f"{fmt_when(o.at)} · {o.user} · {who}\n{o.reason}")
            targets.append((o.child_id, None, None))
        if len(opened) > self.MAX_ITEMS:
            lst.addItem(_("… and {n} more").format(n=len(opened) - self.MAX_ITEMS))
        line = 2 * lst.fontMetrics().lineSpacing() + 6  # two lines an item: who and which child, then why
        lst.setFixedHeight(line * min(lst.count(), 4) + 6)
        lst.itemActivated.connect(lambda item: self._activate(targets, lst.row(item)))
        card.body.addWidget(lst)
        grid.addWidget(card, row, col, alignment=Qt.AlignmentFlag.AlignTop)

    def _activate(self, targets: list[tuple], row: int) -> None:
        if not 0 <= row < len(targets):  # the "… and N more" line
            return
        child_id, record_id, kind = targets[row]
        if kind == "review":
            self.open_review(record_id)
        elif kind == "session":
            self.open_session.emit(child_id, record_id)
        elif kind:
            self.open_section.emit(child_id, kind)
        else:
            self.open_child.emit(child_id)

    def open_review(self, record_id: str) -> ReviewDialog:
        """The recommendation in its review dialog; the page is refreshed when it closes."""
        dialog = ReviewDialog(self.ws, record_id, self)

        def closed(_result) -> None:
            if dialog.wants_file:
                self.open_child.emit(dialog.rec.child_id)
            self.refresh()

        dialog.finished.connect(closed)
        dialog.open()
        return dialog
