"""The main window: navigation, the children and their files, sessions, settings, locking.

Locking (idle time set by the admin, or Ctrl+L) first saves every open draft,
then hides the window's content and wipes the keys. The same user's passphrase
brings the keys back and the window returns exactly as it was.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.vocab import SESSION_STATUSES
from ..errors import PantiError, WrongPassphrase
from ..i18n import _, current_language, set_language
from .common import (
    PassphraseField,
    Worker,
    apply_language,
    busy_bar,
    fmt_date,
    has_module,
    heading,
    make_table,
    message_label,
    off_ui_thread,
    show_error,
)

log = logging.getLogger(__name__)

INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                QEvent.Type.Wheel, QEvent.Type.TouchBegin}


class IdleWatcher(QObject):
    """Restarts the idle timer on any keyboard, mouse or touch input in the application."""

    def __init__(self, timer: QTimer, parent=None):
        super().__init__(parent)
        self.timer = timer

    def eventFilter(self, obj, event) -> bool:
        if event.type() in INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False


class LockPanel(QWidget):
    unlocked = Signal()
    quit_requested = Signal()
    switch_requested = Signal()

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        box = QFrame(self)
        box.setObjectName("lockBox")
        box.setFixedWidth(460)
        box.setStyleSheet("#lockBox { background: palette(base); border: 1px solid #c8ccd1; border-radius: 8px; }")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(10)
        lay.addWidget(heading(_("Locked"), box, 18))
        self.info = QLabel(box)
        self.info.setWordWrap(True)
        self.info.setMinimumHeight(self.info.fontMetrics().lineSpacing() * 4)
        lay.addWidget(self.info)
        self.passphrase = PassphraseField(box, _("Passphrase"))
        self.passphrase.setObjectName("lockPassphrase")
        lay.addWidget(self.passphrase)
        self.message = message_label(box, "lockMessage")
        lay.addWidget(self.message)
        self.busy = busy_bar(box, _("Opening the records…"))
        lay.addWidget(self.busy)
        self.unlock_button = QPushButton(_("&Unlock"), box)
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton(_("S&witch user"), box)
        self.switch_button.setObjectName("switchUser")
        self.switch_button.setToolTip(_("Someone else at this laptop: open the records under another name."))
        self.quit_button = QPushButton(_("&Quit"), box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.unlock_button)
        buttons.addStretch(1)
        buttons.addWidget(self.switch_button)
        buttons.addWidget(self.quit_button)
        lay.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, alignment=Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase.edit.returnPressed.connect(self.try_unlock)
        self.quit_button.clicked.connect(self.quit_requested.emit)
        self.switch_button.clicked.connect(self.switch_requested.emit)

    def prepare(self) -> None:
        self.info.setText(_("The window was locked and the keys were removed from memory. "
                            "{user}, enter your passphrase to continue where you left off.")
                          .format(user=self.ws.user.name))
        self.message.clear()
        self.passphrase.clear()
        self.passphrase.setFocus()

    def try_unlock(self) -> None:
        passphrase = self.passphrase.text()
        try:  # the key derivation runs on the background worker; the window keeps painting
            off_ui_thread(lambda: self.ws.unlock_again(passphrase), self.busy,
                          hold=(self.passphrase, self.unlock_button, self.switch_button, self.quit_button))
        except WrongPassphrase as exc:
            self.message.setText(str(exc))
            self.passphrase.clear()
            self.passphrase.setFocus()
            return
        except PantiError as exc:
            self.message.setText(str(exc))
            return
        self.passphrase.clear()
        self.unlocked.emit()


class SessionsPage(QWidget):
    """The newest sessions (plaintext columns only) and the user's drafts."""

    open_session = Signal(str, str)

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        lay = QVBoxLayout(self)
        lay.addWidget(heading(_("Sessions"), self))
        hint = QLabel(_("To log a new session, open the child's file and choose “New session”. "
                        "Double-click a session to open it."), self)
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.table = make_table([_("Date"), _("Register no."), _("Initials"), _("Status"), _("Author")], self,
                                "sessionsTable", stretch=True)
        self.table.row_activated.connect(self._open)
        lay.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        sessions = self.ws.recent_sessions(limit=300, mine=self.ws.role == "counsellor")
        rows = []
        for s in sessions:
            child = self.ws.child_row(s["child_id"])
            status = _("Amendment") if s.get("amends_id") else SESSION_STATUSES.label(s["status"])
            rows.append([fmt_date(s["session_date"]), child.register_no, child.initials, status,
                         self.ws.user_name(s["author_id"])])
        self.table.set_rows(rows, [(s["child_id"], s["id"]) for s in sessions])

    def _open(self, row: int) -> None:
        child_id, session_id = self.table.row_data(row)
        self.open_session.emit(child_id, session_id)


class MainWindow(QMainWindow):
    """Navigation on the left, pages on the right; child files and sessions open as tabs."""

    language_changed = Signal()

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle(_("Panti — {centre}").format(centre=ws.centre_name or ws.centre_code))
        self.resize(1280, 760)
        self.outer = QStackedWidget(self)
        self.setCentralWidget(self.outer)
        self._new_lock_panel()
        self._build()

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        self.set_idle_minutes(ws.idle_lock_minutes)
        self.idle_watcher = IdleWatcher(self.idle_timer, self)
        QApplication.instance().installEventFilter(self.idle_watcher)
        self.lock_shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        self.lock_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_shortcut.activated.connect(self.lock)

    # building ---------------------------------------------------------------------------

    def _build(self) -> None:
        from .children import ChildrenPage
        from .dashboard import Dashboard
        from .settings import SettingsPage

        self.content = QWidget(self)
        lay = QHBoxLayout(self.content)
        lay.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget(self.content)
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(190)
        self.nav.setStyleSheet(
            "QListWidget { background: #1f4e5f; color: white; border: none; font-size: 11pt; }"
            "QListWidget::item { padding: 10px 14px; }"
            "QListWidget::item:selected { background: #2f7185; }"
        )
        self.pages = QStackedWidget(self.content)
        lay.addWidget(self.nav)
        lay.addWidget(self.pages, 1)

        self.dashboard = Dashboard(self.ws, self)
        self.children_tabs = QTabWidget(self)
        self.children_tabs.setObjectName("childTabs")
        self.children_tabs.setTabsClosable(True)
        self.children_tabs.setDocumentMode(True)
        self.children_tabs.tabCloseRequested.connect(self.close_tab)
        self.children_page = ChildrenPage(self.ws, self)
        self.children_tabs.addTab(self.children_page, _("All children"))
        self.children_tabs.tabBar().setTabButton(0, self.children_tabs.tabBar().ButtonPosition.RightSide, None)
        self.sessions_page = SessionsPage(self.ws, self) if self.ws.can_read_clinical else None
        self.settings_page = SettingsPage(self.ws, self)

        self.page_keys: list[str] = []
        self._add_page("dashboard", _("Home"), self.dashboard)
        self._add_page("children", _("Children"), self.children_tabs)
        if self.sessions_page is not None:
            self._add_page("sessions", _("Sessions"), self.sessions_page)
        # Reports and sync appear when their features are installed (no empty screens).
        if has_module("panti_desktop.ui.reports_page"):
            from .reports_page import ReportsPage

            self._add_page("reports", _("Reports"), ReportsPage(self.ws, self))
        if has_module("panti_desktop.ui.sync"):
            from .sync import SyncPage

            self._add_page("sync", _("Sync"), SyncPage(self.ws, self))
        self._add_page("settings", _("Settings"), self.settings_page)
        self.nav.currentRowChanged.connect(self._switch)
        self.nav.setCurrentRow(0)

        self.dashboard.open_child.connect(self.open_child)
        self.dashboard.open_session.connect(self.open_session)
        self.dashboard.open_section.connect(self.open_section)
        self.children_page.open_child.connect(self.open_child)
        if self.sessions_page is not None:
            self.sessions_page.open_session.connect(self.open_session)
        self.settings_page.language_changed.connect(self.rebuild)
        self.settings_page.idle_changed.connect(self.set_idle_minutes)
        self.outer.insertWidget(0, self.content)
        self.outer.setCurrentWidget(self.content)

    def _add_page(self, key: str, title: str, widget: QWidget) -> None:
        self.page_keys.append(key)
        self.pages.addWidget(widget)
        self.nav.addItem(title)  # its key is page_keys[row]

    def _switch(self, row: int) -> None:
        if row < 0:
            return
        self.pages.setCurrentIndex(row)
        page = self.pages.widget(row)
        if hasattr(page, "refresh") and page is not self.settings_page:
            try:
                page.refresh()
            except PantiError as exc:
                show_error(self, exc)

    def show_page(self, key: str) -> None:
        self.nav.setCurrentRow(self.page_keys.index(key))

    def rebuild(self) -> None:
        """After a language switch: save drafts, rebuild every page, reopen the child tabs."""
        self.save_all()
        reopen = [self.children_tabs.widget(i).child_id for i in range(1, self.children_tabs.count())
                  if hasattr(self.children_tabs.widget(i), "child_id")]
        current = self.page_keys[self.nav.currentRow()]
        old = self.content
        self.outer.removeWidget(old)
        old.deleteLater()
        self._build()
        self.setWindowTitle(_("Panti — {centre}").format(centre=self.ws.centre_name or self.ws.centre_code))
        self.lock_panel.deleteLater()
        self._new_lock_panel()
        for child_id in dict.fromkeys(reopen):
            self.open_child(child_id, switch=False)
        self.show_page(current)

    def _new_lock_panel(self) -> None:
        self.lock_panel = LockPanel(self.ws, self)
        self.lock_panel.unlocked.connect(self._after_unlock)
        self.lock_panel.quit_requested.connect(self.close)
        self.lock_panel.switch_requested.connect(self.switch_user)
        self.outer.addWidget(self.lock_panel)

    def switch_user(self) -> bool:
        """Another person at the shared laptop. The drafts were saved and the keys wiped when the
        window locked; this user's open files close, and the records open under the name and
        passphrase given in the unlock dialog. Cancelled, the window stays locked."""
        from .unlock import UnlockDialog

        dialog = UnlockDialog(self.ws.data_dir, self)
        if not dialog.exec() or dialog.workspace is None:
            return False
        for i in range(self.children_tabs.count() - 1, 0, -1):  # nothing of the last user stays open
            widget = self.children_tabs.widget(i)
            self.children_tabs.removeTab(i)
            widget.deleteLater()
        old, self.ws = self.ws, dialog.workspace
        old.close()
        set_language(self.ws.user_language() or current_language())
        apply_language(QApplication.instance())
        self.rebuild()
        self.outer.setCurrentWidget(self.content)
        self.set_idle_minutes(self.ws.idle_lock_minutes)
        self.show_page("dashboard")
        return True

    # child files and sessions --------------------------------------------------------------

    def _tab_for(self, attr: str, value: str) -> int:
        for i in range(1, self.children_tabs.count()):
            if getattr(self.children_tabs.widget(i), attr, None) == value:
                return i
        return -1

    def open_child(self, child_id: str, switch: bool = True):
        from .child_file import ChildFileWidget

        i = self._tab_for("child_id", child_id)
        if i < 0:
            try:
                widget = ChildFileWidget(self.ws, child_id, self)
            except PantiError as exc:
                show_error(self, exc)
                return None
            widget.changed.connect(self.children_page.model.reload)
            i = self.children_tabs.addTab(widget, widget.tab_title())
        if switch:
            self.show_page("children")
            self.children_tabs.setCurrentIndex(i)
        return self.children_tabs.widget(i)

    def open_section(self, child_id: str, section: str) -> None:
        """A child's file at one section (the plan waiting for approval, the follow-ups due…)."""
        widget = self.open_child(child_id)
        if widget is not None and section in getattr(widget, "section_keys", []):
            widget.show_section(section)

    def open_session(self, child_id: str, session_id: str) -> None:
        widget = self.open_child(child_id)
        if widget is not None:
            widget.open_session(session_id)

    def close_tab(self, index: int) -> None:
        if index == 0:
            return
        widget = self.children_tabs.widget(index)
        if hasattr(widget, "save_now"):
            widget.save_now()
        self.children_tabs.removeTab(index)
        widget.deleteLater()

    # locking ------------------------------------------------------------------------------

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_timer.setInterval(max(1, int(minutes)) * 60_000)
        if not self.ws.is_locked:
            self.idle_timer.start()

    def save_all(self) -> None:
        """Save every open draft now (before locking, closing or rebuilding)."""
        for widget in self.findChildren(QWidget):
            saver = getattr(widget, "save_now", None)
            if callable(saver) and widget.__class__.__name__ == "SessionForm":
                try:
                    saver()
                except PantiError:
                    log.exception("saving a draft failed")

    @property
    def is_locked(self) -> bool:
        return self.outer.currentWidget() is self.lock_panel

    def lock(self) -> None:
        if self.is_locked:
            return
        if Worker.busy():  # an import or a backup still needs the keys: try again after another idle period
            self.idle_timer.start()
            return
        self.save_all()
        self.idle_timer.stop()
        self.ws.lock()
        self.lock_panel.prepare()
        self.outer.setCurrentWidget(self.lock_panel)

    def _after_unlock(self) -> None:
        self.outer.setCurrentWidget(self.content)
        self.save_all()
        self.children_page.apply_filters()
        self.idle_timer.start()

    def closeEvent(self, event) -> None:
        if not self.ws.is_locked:
            self.save_all()
        self.idle_timer.stop()
        self.children_page._timer.stop()
        QApplication.instance().removeEventFilter(self.idle_watcher)
        super().closeEvent(event)
