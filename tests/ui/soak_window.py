"""A working day in one process, for `test_none_refcount.py`: run as a script, prints JSON.

Opens the main window on a demo vault as the admin, shows every page, refreshes every list 50
times (painting the window each round), opens and closes 100 child files (every section shown),
and reports `sys.getrefcount(None)` after a warm-up pass and at the end, and its change around
each action summed per action. A binding that drops references to None loses some on every
call (PySide6 6.12.0: 3 to 47 per list refresh), then aborts the process; a sound one loses none
(some Qt calls keep a reference, so the totals may only rise).

Usage: python tests/ui/soak_window.py DATA_DIR [--children N] [--rounds R] [--files F]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PANTI_KDF_TARGET_MS", "0")

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from panti_desktop import demo
from panti_desktop.i18n import set_language
from panti_desktop.ui.app import make_app
from panti_desktop.ui.main_window import MainWindow
from panti_desktop.vault.kdf import KdfParams
from panti_desktop.workspace import Workspace

PASS = "soak-passphrase-2026"


def none_count() -> int:
    gc.collect()
    return sys.getrefcount(None)


def settle(app: QApplication) -> None:
    app.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


def list_refreshers(window: MainWindow) -> dict[str, object]:
    """Every list's refresh, by a readable name: each page and tab with one, and the settings lists."""
    out = {}
    for widget in window.findChildren(QWidget):
        refresh = getattr(type(widget), "refresh", None)
        if callable(refresh) and widget.__class__.__module__.startswith("panti_desktop.ui"):
            out[type(widget).__name__] = widget.refresh
    out["retention review"] = window.settings_page.refresh_retention
    out["users"] = window.settings_page._fill_users
    out["caseload"] = window.children_page.model.reload
    return out


class Counter:
    """Change of None's reference count around each action, summed per action."""

    def __init__(self) -> None:
        self.deltas: dict[str, int] = {}
        self.calls: dict[str, int] = {}

    def run(self, name: str, action, app: QApplication) -> None:
        before = none_count()
        action()
        settle(app)
        self.deltas[name] = self.deltas.get(name, 0) + none_count() - before
        self.calls[name] = self.calls.get(name, 0) + 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("--children", type=int, default=30)
    p.add_argument("--rounds", type=int, default=50)
    p.add_argument("--files", type=int, default=100)
    args = p.parse_args(argv)
    set_language("en")
    ws, _key = Workspace.init(args.data_dir, "SOAK", "Sentra Uji", "admin", PASS, kdf=KdfParams())
    demo.generate(ws, children=args.children, sessions_per_child=4)
    # A loaded test machine can take longer than the idle lock: the lock would wipe the keys
    # under the refreshes this script calls directly.
    ws.set_setting("idle_lock_minutes", "240")
    app = make_app(["soak"])
    window = MainWindow(ws)
    window.resize(1024, 600)
    window.show()
    ids = ws.child_ids()

    def visit_pages() -> None:
        for key in window.page_keys:
            window.show_page(key)
            settle(app)
            window.grab()

    opened = [0]

    def open_files(count: int) -> None:
        for _ in range(count):
            tab = window.open_child(ids[opened[0] % len(ids)])
            opened[0] += 1
            for row in range(tab.sections.count()):
                tab.sections.setCurrentRow(row)
                tab.grab()
            window.close_tab(window.children_tabs.indexOf(tab))
            settle(app)

    # Warm-up: every page, list and kind of file once, so caches and lazily built widgets exist.
    visit_pages()
    for refresh in list_refreshers(window).values():
        refresh()
    open_files(2)
    counter = Counter()
    start = none_count()
    visit_pages()
    for _ in range(args.rounds):
        for name, refresh in list_refreshers(window).items():
            counter.run(name, refresh, app)
        counter.run("paint", window.grab, app)
    for _ in range(args.files):
        counter.run("child file", lambda: open_files(1), app)
    visit_pages()
    end = none_count()
    window.close()
    ws.close()
    print(json.dumps({"before": start, "after": end, "deltas": counter.deltas, "calls": counter.calls,
                      "pages": window.page_keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
