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


def test_jobs_run_one_after_another_and_ui_reads_interleave_without_overlap(qtbot, tmp_path):
    db = open_database(tmp_path / "centre.db", create=True)
    db.execute("CREATE TABLE probe (n INTEGER)")
    spans: list[tuple[str, float, float]] = []

    def job(name):
        def run(_report, _cancelled):
            start = time.monotonic()
            with db.atomic():
                for i in range(4):
                    db.execute("INSERT INTO probe VALUES (?)", [i])
                    time.sleep(0.03)
            spans.append((threading.current_thread().name, start, time.monotonic()))
        return run

    reads: list[tuple[float, int]] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: reads.append((time.monotonic(),
                                                db.execute("SELECT COUNT(*) FROM probe").fetchone()[0])))
    timer.start()
    workers = [Worker(job(n)).start() for n in range(3)]
    qtbot.waitUntil(lambda: not Worker.busy(), timeout=10_000)
    timer.stop()
    assert all(w.signals for w in workers) and len(spans) == 3
    assert {name for name, _s, _e in spans} == {"panti-worker"}  # one thread for every job
    spans.sort(key=lambda s: s[1])
    assert all(a[2] <= b[1] for a, b in itertools.pairwise(spans))  # never two jobs at once
    during = [n for t, n in reads if spans[0][1] < t < spans[-1][2]]
    assert len(during) >= 3, reads  # the UI thread kept reading while the jobs ran …
    assert all(n % 4 == 0 for _t, n in reads), reads  # … and never saw a job's transaction half done
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
