"""What breaks on a Windows laptop or a FAT32/exFAT stick, imitated on Linux: a reader that dies
before it takes its pipe, a locked file, device names, the lock-byte page of a large database."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from panti_desktop import files
from panti_desktop.errors import PantiError
from panti_desktop.sync import exchange as X
from panti_desktop.sync import reader as R

from .conftest import make_site, trust_all
from .test_sync_adversarial import _dump


def _die_at_once(conn, spec) -> None:
    """A reading process that ends before its first message (antivirus, a failed frozen start)."""
    os._exit(3)


def test_a_reader_that_dies_before_its_first_message_ends_the_import_and_releases_the_lock(tmp_path, monkeypatch):
    a, hq = make_site(tmp_path, "SA"), make_site(tmp_path, "HQ", "hq")
    try:
        trust_all(tmp_path, [a, hq])
        a.register_child({"full_name": "Budi", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
        path = tmp_path / "b.pantisync"
        X.export_changes(a, "HQ", path)
        before = _dump(hq.data_dir / "centre.db")
        kept: list[int] = []
        real_pipe = R._pipe

        def windows_pipe(ctx):  # as on Windows: this process keeps a handle on the child's end
            ours, theirs = real_pipe(ctx)
            kept.append(os.dup(theirs.fileno()))
            return ours, theirs

        monkeypatch.setattr(R, "_pipe", windows_pipe)
        monkeypatch.setattr(R, "_read", _die_at_once)
        outcome: dict = {}

        def run() -> None:
            try:
                X.import_bundle(hq, path, read_beside=True)
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                outcome["error"] = exc

        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.join(60)
        assert not t.is_alive(), "the import waits forever for a reader that is gone"
        assert isinstance(outcome.get("error"), PantiError)
        assert "process reading it stopped" in str(outcome["error"])
        # nothing changed, and the write lock is released: the app saves again at once
        assert _dump(hq.data_dir / "centre.db") == before
        other = sqlite3.connect(hq.data_dir / "centre.db", timeout=0)
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        other.close()
        hq.register_child({"full_name": "Agus", "birth_date": "2012-01-01", "intake_date": "2026-01-05"})
    finally:
        for fd in kept:
            os.close(fd)
        a.close()
        hq.close()


# --- file names ------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [
    ("laporan-12/PSMP/XI/2026-2026-12-02.pdf", "laporan-12-PSMP-XI-2026-2026-12-02.pdf"),
    ("NUL", "_NUL"),
    ("NUL.pantipeer", "_NUL.pantipeer"),
    ("com1.txt", "_com1.txt"),
    ("a:b", "a-b"),
    ('a*b?c"d<e>f|g\\h', "a-b-c-d-e-f-g-h"),
    ("report. ", "report"),
    ("NULL.pdf", "NULL.pdf"),
    ("CONSOLE", "CONSOLE"),
])
def test_generated_file_names_are_safe_on_windows(given, expected):
    assert files.safe_file_name(given) == expected


def test_a_long_name_keeps_its_extension():
    name = files.safe_file_name("x" * 300 + ".pantisync")
    assert name.endswith(".pantisync") and len(name) <= files.MAX_NAME


def test_dos_device_names_are_refused_as_centre_codes(tmp_path):
    from panti_desktop.errors import ValidationError
    from panti_desktop.workspace import Workspace

    from .conftest import ADMIN_PASS, FLOOR

    for code in ("NUL", "con", "COM1", "LPT9", "AUX", "PRN"):
        with pytest.raises(ValidationError, match="device"):
            Workspace.init(tmp_path / code, code, "Sentra", "admin", ADMIN_PASS, kdf=FLOOR)
        assert not (tmp_path / code / "centre.db").exists()


# --- the console -----------------------------------------------------------------------------


def _cli(args, env_extra=None, stdin=None):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANTI_", "PYTHONIOENCODING"))}
    env["PANTI_KDF_TARGET_MS"] = "0"
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "panti_desktop", *args], capture_output=True, env=env,
                          stdin=subprocess.DEVNULL if stdin is None else stdin, timeout=300)


def test_a_passphrase_is_never_asked_of_stdin_that_is_not_a_console(tmp_path):
    """A scheduled backup without PANTI_PASSPHRASE: exit 2 with the sentence, at once."""
    with open(tmp_path / "answers.txt", "w+") as answers:  # stdin from a file, as `< NUL` on Windows
        answers.write("a guess\n")
        answers.seek(0)
        r = _cli(["--lang", "en", "--data-dir", str(tmp_path / "v"), "--user", "admin", "backup", "--out",
                  str(tmp_path / "b")], stdin=answers)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == ("panti-desktop: No passphrase was given: set PANTI_PASSPHRASE or run the "
                                         "command in a terminal.")


def test_the_nul_device_is_not_a_console_on_windows(monkeypatch, capsys):
    """Windows says NUL `isatty()`; the console check asks GetConsoleMode, which NUL fails."""
    import getpass
    import io

    from panti_desktop.cli import console, main

    class Nul(io.StringIO):
        def isatty(self) -> bool:
            return True

        def fileno(self) -> int:
            return 0

    asked: list = []
    monkeypatch.setattr(console, "WINDOWS", True)
    monkeypatch.setattr(console, "_windows_console_mode", lambda fd: asked.append(fd) or False)
    monkeypatch.setattr(getpass, "getpass", lambda *a: pytest.fail("prompted without a console"))
    monkeypatch.setattr("sys.stdin", Nul())
    assert main(["--lang", "en", "--user", "admin", "verify"]) == 2
    assert asked and "No passphrase was given" in capsys.readouterr().err
    monkeypatch.setattr(console, "_windows_console_mode", lambda fd: True)
    assert console.is_console(Nul())


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    d = tmp_path_factory.mktemp("centre")
    env = {"PANTI_HOME": str(d), "PANTI_USER": "admin", "PANTI_PASSPHRASE": "admin-passphrase-1"}
    r = _cli(["init", "--centre-code", "JKT", "--centre-name", "Sentra Handayani", "--admin", "admin"], env)
    assert r.returncode == 0, r.stderr
    r = _cli(["child", "add", "full_name=Dedi Świątek → 李小龍", "birth_date=2011-05-06", "intake_date=2026-01-05",
              "register_no=12/PSMP/XI/2026"], env)
    assert r.returncode == 0, r.stderr
    return env


def test_json_is_utf8_on_a_cp1252_pipe(centre):
    import json

    r = _cli(["child", "show", "12/PSMP/XI/2026", "--json"], {**centre, "PYTHONIOENCODING": "cp1252"})
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in r.stderr
    shown = json.loads(r.stdout.decode("utf-8"))
    assert "Dedi Świątek → 李小龍" in json.dumps(shown, ensure_ascii=False)


def test_bench_runs_on_a_cp1252_pipe(tmp_path):
    r = _cli(["--lang", "en", "bench", "--children", "4", "--sessions-per-child", "2", "--repeats", "1"],
             {"TMPDIR": str(tmp_path), "PYTHONIOENCODING": "cp1252"})
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    out = r.stdout.decode("utf-8")
    assert "×" in out and ("✓" in out or "✗" in out)
