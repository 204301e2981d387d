"""Work off the UI thread: one serial worker for background jobs (`Worker`), and waiting for
one with the event loop running (`off_ui_thread`, the key derivation at unlock).

The database side of the rule (one thread at a time on the connection) is store/db.py's
guard; this module makes sure background jobs never run two at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import ClassVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QProgressBar, QWidget

# --- work off the UI thread --------------------------------------------------------------


def off_ui_thread(fn: Callable[[], object], busy: QWidget | None = None,
                  hold: Iterable[QWidget] = ()) -> object:
    """Run `fn` (key derivation: Argon2id takes about a second by design) on the background
    worker and return its result or raise its error; meanwhile this thread's event loop keeps
    running, so the window paints, timers fire and what is not held back can be clicked
    (a dialog's Cancel).

    The widgets in `hold` are disabled for the duration (nothing can be sent twice); `busy`,
    when given, is shown meanwhile (a sentence and a moving bar)."""
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def finished(result) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(exc) -> None:
        outcome["error"] = exc
        loop.quit()

    worker = Worker(lambda _report, _cancelled: fn())
    worker.signals.finished.connect(finished)
    worker.signals.failed.connect(failed)
    held = [w for w in hold if w.isEnabled()]
    for w in held:
        w.setEnabled(False)
    if busy is not None:
        busy.show()
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    try:
        worker.start()
        if not outcome:
            loop.exec()
    finally:
        QApplication.restoreOverrideCursor()
        if busy is not None:
            busy.hide()
        for w in held:
            w.setEnabled(True)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("result")


def busy_bar(parent: QWidget, text: str) -> QWidget:
    """A sentence and a moving bar (no known length), hidden until `off_ui_thread` shows them."""
    box = QWidget(parent)
    box.setObjectName("busy")
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(QLabel(text, box))
    bar = QProgressBar(box)
    bar.setRange(0, 0)  # no known length: it moves to and fro
    bar.setTextVisible(False)
    bar.setMaximumHeight(12)
    lay.addWidget(bar, 1)
    box.hide()
    return box


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)


class _SerialQueue:
    """The one background thread: jobs run on it one after another, in the order started.

    Anki's CollectionOp/QueryOp in small: the window hands database work to this thread and
    gets the result back as a signal. With one thread, two jobs (an import and a backup, a
    key rotation and a report) never use the centre connection together; the connection's
    own guard (store/db.py) keeps the window's reads out of a job's transaction."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, worker: Worker) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="panti-worker", daemon=True)
                self._thread.start()
        self._jobs.put(worker)

    def _loop(self) -> None:
        while True:
            worker = self._jobs.get()
            done = worker._done
            worker.run()
            del worker  # this thread lets go first; the window drops the last reference (see Worker)
            done.set()

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread


class Worker:
    """Run `fn(progress, cancelled)` on the background thread (`_SerialQueue`), after any
    job started before it.

    `progress(done, total)` reports to the UI; `cancelled()` is true once `cancel()` was
    called. Results and errors come back as signals on the UI thread.

    A plain Python thread, not a QRunnable in Qt's pool: the pool deletes a finished runnable
    in its own thread while Python may still hold, and later delete, the same object. That
    race crashed the process now and then (a segmentation fault after an unlock). Here each
    worker is kept until the background thread has let go of it and is then let go on the
    UI thread.
    """

    _running = 0
    _count_lock = threading.Lock()
    _alive: ClassVar[set[Worker]] = set()
    jobs = _SerialQueue()

    def __init__(self, fn: Callable[[Callable[[int, int], None], Callable[[], bool]], object]):
        self.fn = fn
        self.signals = _Signals()  # lives on the UI thread: what the thread emits is queued there
        self._cancel = False
        self._done = threading.Event()

    @classmethod
    def busy(cls) -> bool:
        """Whether background work (an import, a backup, a key rotation) is running or waiting."""
        with cls._count_lock:
            return cls._running > 0

    def cancel(self) -> None:
        self._cancel = True

    @property
    def cancelled(self) -> bool:
        return self._cancel

    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit, lambda: self._cancel)
        except BaseException as exc:
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)
        finally:
            with Worker._count_lock:
                Worker._running -= 1

    def _ended(self, *_args) -> None:
        """On the UI thread, after the result arrived: wait until the background thread let go."""
        self._done.wait()
        Worker._alive.discard(self)

    def start(self) -> Worker:
        with Worker._count_lock:
            Worker._running += 1
        Worker._alive.add(self)
        self.signals.finished.connect(self._ended)
        self.signals.failed.connect(self._ended)
        Worker.jobs.put(self)
        return self
