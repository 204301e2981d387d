"""Starting the desktop app: logging, language, first run or unlock, then the main window."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import sys
import traceback
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from ..i18n import set_language
from ..paths import default_data_dir, resource
from .common import apply_language, show_error

log = logging.getLogger(__name__)


def setup_logging(data_dir: Path) -> Path:
    """A rotating log file next to the data (never inside the sealed database)."""
    log_dir = Path(data_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "panti.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


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


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Panti")
    app.setOrganizationName("panti")
    icon = resource("icons", "panti.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_language(app)
    return app


def start(data_dir: Path | None = None, lang: str | None = None) -> QWidget | None:
    """First-run wizard or unlock dialog, then the main window (returned, already shown)."""
    from ..workspace import Workspace
    from .main_window import MainWindow

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
    return window


def run(argv: list[str] | None = None, data_dir: Path | None = None, lang: str | None = None) -> int:
    data_dir = Path(data_dir or default_data_dir())
    set_language(lang)
    with contextlib.suppress(OSError):  # a read-only data folder is reported when the vault opens
        setup_logging(data_dir)
    app = make_app(argv)
    install_excepthook()
    window = start(data_dir, lang)
    if window is None:
        return 0
    code = app.exec()
    ws = window.ws
    if not ws.is_locked:
        window.save_all()
    ws.close()
    return code
