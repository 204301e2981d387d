"""The log file keeps fatal errors, and a killed window is noticed at the next start (issue 15)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from panti_desktop import applog
from panti_desktop.i18n import set_language


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def cleanup_logging():
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, applog.LogFile):
            root.removeHandler(handler)
            handler.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSEGV is raised by hand")
def test_a_fatal_error_leaves_the_python_stack_in_the_log_file(tmp_path):
    done = _python("""
        import os, signal, sys
        from panti_desktop import applog
        applog.setup_logging(sys.argv[1])

        def refresh_retention():
            os.kill(os.getpid(), signal.SIGSEGV)  # what a C extension's refcount bug ends in

        refresh_retention()
    """, str(tmp_path))
    assert done.returncode != 0
    text = (tmp_path / "logs" / "panti.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in text and "refresh_retention" in text


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSEGV is raised by hand")
def test_after_the_log_rotates_fatal_errors_go_to_the_new_file(tmp_path):
    done = _python("""
        import logging, os, signal, sys
        from panti_desktop import applog
        applog.setup_logging(sys.argv[1])
        handler = next(h for h in logging.getLogger().handlers if isinstance(h, applog.LogFile))
        logging.getLogger("x").warning("before the rotation")
        handler.doRollover()
        os.kill(os.getpid(), signal.SIGSEGV)
    """, str(tmp_path))
    assert done.returncode != 0
    logs = tmp_path / "logs"
    assert "before the rotation" in (logs / "panti.log.1").read_text(encoding="utf-8")
    assert "Segmentation fault" in (logs / "panti.log").read_text(encoding="utf-8")
    assert "Segmentation fault" not in (logs / "panti.log.1").read_text(encoding="utf-8")


def test_an_exception_in_a_worker_thread_is_logged(tmp_path, cleanup_logging):
    import threading

    path = applog.setup_logging(tmp_path)

    def work():
        raise RuntimeError("the disk went away")

    t = threading.Thread(target=work, name="backup")
    t.start()
    t.join()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "unexpected error in thread backup" in text and "the disk went away" in text


def test_a_clean_session_leaves_nothing_to_report(tmp_path):
    assert applog.begin_session(tmp_path) == []
    applog.note_user(tmp_path, "dewi")
    applog.end_session(tmp_path)
    assert list((tmp_path / "logs").glob("*.running")) == []
    assert applog.begin_session(tmp_path) == []
    applog.end_session(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="kills with SIGKILL")
def test_a_killed_window_is_reported_once_at_the_next_start(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from panti_desktop import applog
        assert applog.begin_session(sys.argv[1]) == []
        applog.note_user(sys.argv[1], "dewi")
        print("ready", flush=True)
        time.sleep(60)
    """), str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        # While that window runs, a second start sees it alive and reports nothing.
        assert applog.begin_session(tmp_path) == []
        applog.end_session(tmp_path)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        child.kill()
        child.stdout.close()
    ended = applog.begin_session(tmp_path)
    assert [(e.pid, e.user) for e in ended] == [(child.pid, "dewi")] and ended[0].started_at
    applog.end_session(tmp_path)
    assert applog.begin_session(tmp_path) == []  # told once
    applog.end_session(tmp_path)


def test_a_damaged_marker_counts_as_an_abnormal_end(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "window-123.running").write_text("{not json", encoding="utf-8")
    ended = applog.begin_session(tmp_path)
    assert len(ended) == 1 and ended[0].started_at == ""
    applog.end_session(tmp_path)


def test_the_notice_says_what_happened_in_both_languages(tmp_path):
    ended = [applog.AbnormalEnd(4321, "2026-12-02T09:15:07", "dewi")]
    log_path = tmp_path / "logs" / "panti.log"
    set_language("en")
    text = applog.abnormal_end_message(ended, 2, log_path)
    assert "2026-12-02 09:15" in text and "ended abnormally" in text
    assert "You have 2 session drafts" in text and str(log_path) in text
    assert "1 session draft;" in applog.abnormal_end_message(ended, 1, log_path)
    assert "You have" not in applog.abnormal_end_message(ended, 0, log_path)
    set_language("id")
    text = applog.abnormal_end_message(ended, 2, log_path)
    assert "ended" not in text and "2026-12-02 09:15" in text and "2" in text and str(log_path) in text
    set_language("en")


def test_the_marker_names_the_process_and_start_time(tmp_path):
    applog.begin_session(tmp_path)
    info = json.loads((tmp_path / "logs" / f"window-{os.getpid()}.running").read_text(encoding="utf-8"))
    assert info["pid"] == os.getpid() and abs(time.time() - time.mktime(
        time.strptime(info["started_at"], "%Y-%m-%dT%H:%M:%S"))) < 120
    applog.end_session(tmp_path)
