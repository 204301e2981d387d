"""The app's log file, crash traces in it, and whether the last window session ended cleanly.

A centre's laptop has no one watching a terminal. When the window dies — a fatal
error in a C extension ("deallocating None" in PySide6 6.12.0, issue 15), a
segmentation fault, the process killed — something must be left to send:

- `logs/panti.log` in the data folder (never inside the sealed database) gets
  the app's log lines, unexpected exceptions from any thread, Qt's warnings, and,
  through `faulthandler`, the Python stack of every thread at a fatal error;
- each running window leaves a small marker `logs/window-<pid>.running`, removed
  when it closes normally. A marker whose process is gone means that session
  ended abnormally; the next start says so (see `abnormal_end_message`).

Plain Python: the window calls it, the tests call it without a display.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import logging.handlers
import os
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import files
from .i18n import _, ngettext

LOG_NAME = "panti.log"
MARKER_SUFFIX = ".running"

log = logging.getLogger(__name__)


def log_folder(data_dir: Path) -> Path:
    return Path(data_dir) / "logs"


class LogFile(logging.handlers.RotatingFileHandler):
    """A rotating log file that `faulthandler` writes into as well.

    `faulthandler` keeps the file's descriptor; before the file is renamed away it
    is pointed elsewhere (Windows cannot rename a file another handle holds), then
    at the new file. A second window on the same data folder holds the file too: on
    Windows the rename then fails, and the file is kept and written on; rotation is tried
    again once it has grown by another `maxBytes`."""

    def __init__(self, path: Path):
        super().__init__(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self._retry_at = 0  # after a failed rotation: the size at which to try again
        self._enable_faulthandler()

    def shouldRollover(self, record) -> bool:
        if self._retry_at and self.stream is not None and self.stream.tell() < self._retry_at:
            return False
        return bool(super().shouldRollover(record))

    def _enable_faulthandler(self) -> None:
        if self.stream is not None:
            faulthandler.enable(self.stream, all_threads=True)

    def doRollover(self) -> None:
        faulthandler.disable()
        try:
            super().doRollover()
            self._retry_at = 0
        except OSError:  # another process holds the file (Windows): keep writing to it
            if self.stream is None:
                self.stream = self._open()
            self._retry_at = self.stream.seek(0, os.SEEK_END) + self.maxBytes
        finally:
            self._enable_faulthandler()

    def close(self) -> None:
        if faulthandler.is_enabled():
            faulthandler.disable()
        super().close()
        with contextlib.suppress(AttributeError, ValueError, OSError):  # no usable stderr: stay off
            faulthandler.enable(sys.stderr, all_threads=True)


def setup_logging(data_dir: Path) -> Path:
    """Log to `logs/panti.log` (fatal errors included); returns its path. Raises OSError if unwritable."""
    folder = log_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):  # a second start in the same process (tests) replaces the first
        if isinstance(handler, LogFile):
            root.removeHandler(handler)
            handler.close()
    root.addHandler(LogFile(path))
    root.setLevel(logging.INFO)
    threading.excepthook = _log_thread_exception
    return path


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    log.error("unexpected error in thread %s", getattr(args.thread, "name", "?"),
              exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


# --- did the last session end cleanly? ----------------------------------------------------


@dataclass(frozen=True)
class AbnormalEnd:
    """A window session whose process is gone without closing normally."""

    pid: int
    started_at: str
    user: str = ""


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would send Ctrl+C there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return False
    return True


def _marker(data_dir: Path, pid: int) -> Path:
    return log_folder(data_dir) / f"window-{pid}{MARKER_SUFFIX}"


def begin_session(data_dir: Path) -> list[AbnormalEnd]:
    """Mark this window as running; return the earlier sessions that never ended cleanly.

    Their markers are removed once reported, so each abnormal end is told once."""
    folder = log_folder(data_dir)
    ended: list[AbnormalEnd] = []
    for path in sorted(folder.glob("window-*" + MARKER_SUFFIX)) if folder.is_dir() else []:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            pid = int(info["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            info, pid = {}, -1
        if pid > 0 and _pid_alive(pid):
            continue  # another window of this data folder is open right now
        ended.append(AbnormalEnd(pid, str(info.get("started_at", "")), str(info.get("user", ""))))
        with contextlib.suppress(OSError):
            path.unlink()
    for e in ended:
        log.warning("the window session started %s (process %s) ended abnormally", e.started_at or "?", e.pid)
    folder.mkdir(parents=True, exist_ok=True)
    mark = _marker(data_dir, os.getpid())
    tmp = mark.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "started_at": datetime.now().isoformat(timespec="seconds")}),
                   encoding="utf-8")
    files.replace(tmp, mark)  # waits out a short antivirus lock on the new file
    return ended


def note_user(data_dir: Path, user: str) -> None:
    """Record who unlocked this window, so the next start can tell that user about their drafts."""
    mark = _marker(data_dir, os.getpid())
    with contextlib.suppress(OSError, ValueError):
        info = json.loads(mark.read_text(encoding="utf-8"))
        info["user"] = user
        mark.write_text(json.dumps(info), encoding="utf-8")


def end_session(data_dir: Path) -> None:
    """The window closed normally."""
    with contextlib.suppress(OSError):
        _marker(data_dir, os.getpid()).unlink()


def abnormal_end_message(ended: list[AbnormalEnd], drafts: int, log_path: Path) -> str:
    """One paragraph for the next start: what happened, that drafts were kept, where the log is."""
    when = max((e.started_at for e in ended if e.started_at), default="")
    text = (_("The last session of Panti on this laptop (started {when}) ended abnormally.").format(
        when=when.replace("T", " ")[:16]) if when else _("The last session of Panti on this laptop ended abnormally."))
    text += " " + _("Everything saved before was kept, and session notes are saved as drafts while you type.")
    if drafts:
        text += " " + ngettext("You have {n} session draft; it is listed on Home under “Session drafts to finish”.",
                               "You have {n} session drafts; they are listed on Home under “Session drafts to "
                               "finish”.", drafts).format(n=drafts)
    text += " " + _("If it happens again, give the log file {path} to your administrator.").format(path=str(log_path))
    return text
