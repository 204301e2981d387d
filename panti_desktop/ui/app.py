"""Starting the desktop app: logging, language, first run or unlock, then the main window."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from .. import applog
from ..i18n import _, set_language
from ..paths import default_data_dir, resource
from .common import apply_language, guard_wheel, show_error
from .main_window import MainWindow

log = logging.getLogger(__name__)


def setup_logging(data_dir: Path) -> Path:
    """The app's log file, `logs/panti.log` next to the data; fatal errors are written there too."""
    return applog.setup_logging(data_dir)


def _qt_message(mode: QtMsgType, context, message: str) -> None:
    """Qt's own warnings and errors go to the log file (a fatal one is written before Qt aborts)."""
    level = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
             QtMsgType.QtWarningMsg: logging.WARNING}.get(mode, logging.ERROR)
    logging.getLogger("qt").log(level, "%s", message)
    if mode == QtMsgType.QtFatalMsg:
        for handler in logging.getLogger().handlers:
            handler.flush()


def install_excepthook() -> None:
    """An unexpected exception shows a dialog and is logged; the window stays alive."""

    def hook(exc_type, exc, tb):
        log.error("unexpected error\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if QApplication.instance() is not None:
            try:
                show_error(QApplication.activeWindow(), exc)
            except Exception:  # the dialog itself must never take the app down
                log.exception("could not show the error dialog")

    sys.excepthook = hook
    qInstallMessageHandler(_qt_message)


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Panti")
    app.setOrganizationName("panti")
    icon = resource("icons", "panti.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_language(app)
    guard_wheel(app)
    return app


def start(data_dir: Path | None = None, lang: str | None = None,
          ended: list[applog.AbnormalEnd] | None = None) -> QWidget | None:
    """First-run wizard or unlock dialog, then the main window (returned, already shown).

    `ended`: earlier window sessions that ended abnormally; the user is told once the window is open."""
    from ..workspace import Workspace

    data_dir = Path(data_dir or default_data_dir())
    if not Workspace.exists(data_dir):
        from .setup_wizard import SetupWizard

        wizard = SetupWizard(data_dir)
        if not wizard.exec() or getattr(wizard, "workspace", None) is None:
            return None
        ws = wizard.workspace
    else:
        from .unlock import UnlockDialog

        dialog = UnlockDialog(data_dir)
        if not dialog.exec() or getattr(dialog, "workspace", None) is None:
            return None
        ws = dialog.workspace
    preferred = ws.user_language()
    if preferred and not lang:
        set_language(preferred)
        apply_language(QApplication.instance())
    window = MainWindow(ws)
    window.show()
    applog.note_user(data_dir, ws.user.name)
    if ended:
        tell_abnormal_end(window, ended, ws.draft_count(), applog.log_folder(data_dir) / applog.LOG_NAME)
    return window


def tell_abnormal_end(window: QWidget, ended: list[applog.AbnormalEnd], drafts: int, log_path: Path) -> QMessageBox:
    """A window-modal notice that does not block the start: the last session ended abnormally."""
    box = QMessageBox(QMessageBox.Icon.Warning, _("The last session ended abnormally"),
                      applog.abnormal_end_message(ended, drafts, log_path), QMessageBox.StandardButton.Ok, window)
    box.setObjectName("abnormalEnd")
    box.open()
    return box


def run(argv: list[str] | None = None, data_dir: Path | None = None, lang: str | None = None) -> int:
    data_dir = Path(data_dir or default_data_dir())
    set_language(lang)
    ended: list[applog.AbnormalEnd] = []
    with contextlib.suppress(OSError):  # a read-only data folder is reported when the vault opens
        setup_logging(data_dir)
        ended = applog.begin_session(data_dir)
    try:
        app = make_app(argv)
        install_excepthook()
        window = start(data_dir, lang, ended)
        if window is None:
            return 0
        code = app.exec()
        ws = window.ws
        if not ws.is_locked:
            window.save_all()
        ws.close()
        return code
    finally:
        applog.end_session(data_dir)


def native_platform() -> str:
    """The installation self-test's platform check, run in a process of its own: Qt started on
    the system's own platform plugin (`qwindows.dll`, cocoa, xcb, wayland) and a native window
    created without showing it. A missing plugin ends the process with Qt's own message."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    w = QWidget()
    w.winId()  # the platform's own window, made but not shown
    name = app.platformName()
    w.deleteLater()
    app.processEvents()
    return name


def open_every_page(ws, argv0: str = "panti-desktop") -> list[str]:
    """The installation self-test's window check: open the main window, show every page, close it.

    Returns the pages shown; raises if a page the window must have is missing."""
    app = make_app([argv0])
    w = MainWindow(ws)
    w.resize(1024, 700)
    w.show()
    for key in w.page_keys:
        w.show_page(key)
        app.processEvents()
    if "sync" not in w.page_keys or "reports" not in w.page_keys:
        raise RuntimeError(f"pages missing: {w.page_keys}")
    w.save_all()
    w.hide()
    w.deleteLater()
    app.processEvents()
    return list(w.page_keys)
