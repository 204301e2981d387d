"""Background work: one serial worker for database jobs, the window's reads never inside a job's
transaction, and the key derivation at unlock off the UI thread with the dialog responsive."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QProgressBar

from panti_desktop.store.db import open_database
from panti_desktop.ui.common import Worker
from panti_desktop.ui.unlock import UnlockDialog
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS


def test_jobs_run_one_after_another_on_one_thread(qtbot, tmp_path):
    spans: list[tuple[str, float, float]] = []

    def job(_report, _cancelled):
        start = time.monotonic()
        time.sleep(0.02)
        spans.append((threading.current_thread().name, start, time.monotonic()))

    for _ in range(3):
        Worker(job).start()
    qtbot.waitUntil(lambda: not Worker.busy(), timeout=10_000)
    assert len(spans) == 3 and {name for name, _s, _e in spans} == {"panti-worker"}
    spans.sort(key=lambda s: s[1])
    assert all(a[2] <= b[1] for a, b in itertools.pairwise(spans))  # never two jobs at once


def test_a_read_from_the_window_waits_out_a_background_transaction(qtbot, tmp_path):
    """The window reads (a timer, as the autosave and the dashboard do) while a background job
    is inside a transaction: the read waits for the commit and sees all of it. Without the
    guard it runs inside the job's transaction on the shared connection and counts 2 rows."""
    db = open_database(tmp_path / "centre.db", create=True)
    db.execute("CREATE TABLE probe (n INTEGER)")
    attempt = threading.Event()
    committed: list[float] = []

    def job(_report, _cancelled):
        with db.atomic():
            db.execute("INSERT INTO probe VALUES (1), (2)")
            attempt.clear()
            attempt.wait(5)  # the window is reading now, inside this transaction
            time.sleep(0.05)
            db.execute("INSERT INTO probe VALUES (3), (4)")
        committed.append(time.monotonic())

    reads: list[tuple[float, int]] = []

    def read():
        asked = time.monotonic()
        attempt.set()
        reads.append((asked, db.execute("SELECT COUNT(*) FROM probe").fetchone()[0]))

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(read)
    timer.start()
    Worker(job).start()
    qtbot.waitUntil(lambda: bool(committed) and not Worker.busy(), timeout=10_000)
    qtbot.wait(20)
    timer.stop()
    assert all(n in (0, 4) for _t, n in reads), reads  # never a transaction half done
    assert any(t < committed[0] and n == 4 for t, n in reads), reads  # asked during it, answered after
    db.conn.close()


def _slow_derivation(monkeypatch, seconds: float):
    from panti_desktop.vault.kdf import KdfParams

    real = KdfParams.derive

    def slow(self, passphrase):
        time.sleep(seconds)
        return real(self, passphrase)

    monkeypatch.setattr(KdfParams, "derive", slow)


def test_cancel_while_the_key_is_derived_closes_the_dialog_and_opens_nothing(qtbot, ws, monkeypatch):
    _slow_derivation(monkeypatch, 0.4)
    opened: list[Workspace] = []
    real_open = Workspace.open.__func__

    def spy(cls, *args):
        opened.append(real_open(cls, *args))
        return opened[-1]

    monkeypatch.setattr(Workspace, "open", classmethod(spy))
    dialog = UnlockDialog(ws.data_dir, user_name="admin")
    qtbot.addWidget(dialog)
    dialog.show()
    during: dict[str, object] = {}

    def click_cancel():
        bar = dialog.busy.findChild(QProgressBar)
        during.update(busy=dialog.busy.isVisible(), input=dialog.passphrase.isEnabled(),
                      unlock=dialog.unlock_button.isEnabled(), cancel=dialog.cancel_button.isEnabled(),
                      bar=(bar.minimum(), bar.maximum()))
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(100, click_cancel)
    dialog.passphrase.edit.setText(ADMIN_PASS)
    assert not dialog.try_unlock()
    assert during == {"busy": True, "input": False, "unlock": False, "cancel": True, "bar": (0, 0)}
    assert dialog.result() == dialog.DialogCode.Rejected and dialog.workspace is None
    assert len(opened) == 1 and opened[0].is_locked  # derived after all, then closed again
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].db.execute("SELECT 1")
    assert dialog.passphrase.isEnabled() and dialog.busy.isHidden()
