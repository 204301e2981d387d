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
