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
            except BaseException as exc:
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
    r = _cli(["--lang", "en", "bench", "--children", "4", "--sessions-per-child", "2", "--repeats", "1",
              "--attachments-mb", "0"],
             {"TMPDIR": str(tmp_path), "PYTHONIOENCODING": "cp1252"})
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    out = r.stdout.decode("utf-8")
    assert "×" in out and ("✓" in out or "✗" in out)


# --- backups, restores, reports on a locked or pulled file ---------------------------------


def _locked(exc_cls=PermissionError):
    exc = exc_cls(13, "The process cannot access the file because it is being used by another process")
    exc.winerror = 32  # ERROR_SHARING_VIOLATION, as Windows reports it
    return exc


@pytest.fixture
def backed_up(tmp_path):
    from panti_desktop import backup
    from panti_desktop.workspace import Workspace

    from .conftest import ADMIN_PASS, FLOOR

    ws, _key = Workspace.init(tmp_path / "vault", "WIN", "Sentra Jendela", "admin", ADMIN_PASS, kdf=FLOOR)
    ws.register_child({"full_name": "Budi", "birth_date": "2011-03-04", "intake_date": "2026-01-05"})
    info = backup.create_backup(ws, tmp_path / "stick")
    yield ws, info
    ws.close()


def _folder(path):
    return {p.relative_to(path).as_posix(): (p.read_bytes() if p.is_file() else None) for p in path.rglob("*")}


def test_a_restore_whose_second_move_fails_leaves_the_folder_as_it_was(backed_up, tmp_path, monkeypatch):
    from panti_desktop import backup

    from .conftest import ADMIN_PASS

    ws, info = backed_up
    live = ws.data_dir
    ws.register_child({"full_name": "Agus", "birth_date": "2012-03-04", "intake_date": "2026-02-05"})
    ws.close()
    before = _folder(live)
    moves: list = []
    real_move = files._move

    def held_open(src, dst):  # the window (or antivirus) holds the file the second move replaces
        if (src, dst) not in moves:
            moves.append((src, dst))
        if (src, dst) == moves[min(1, len(moves) - 1)] and len(moves) >= 2:
            raise _locked()
        real_move(src, dst)

    monkeypatch.setattr(files, "_move", held_open)
    monkeypatch.setattr(files, "RETRY_SECONDS", 0.3)
    with pytest.raises(PantiError, match="Nothing was changed"):
        backup.restore_backup(info.path, live, passphrase=ADMIN_PASS)
    assert len(moves) >= 2
    assert _folder(live) == before  # centre.db where it was, byte for byte; no replaced-* or stage left
    monkeypatch.setattr(files, "_move", real_move)
    result = backup.restore_backup(info.path, live, passphrase=ADMIN_PASS)
    assert (result.replaced / "centre.db").read_bytes() == before["centre.db"]


def test_a_briefly_locked_file_is_renamed_once_the_lock_is_gone(tmp_path, monkeypatch):
    src, dst = tmp_path / "new", tmp_path / "old"
    src.write_text("new")
    dst.write_text("old")
    calls: list = []
    real_move = files._move

    def scanned(a, b):  # antivirus holds the new file for its first look
        calls.append(a)
        if len(calls) < 3:
            raise _locked()
        real_move(a, b)

    monkeypatch.setattr(files, "_move", scanned)
    files.replace(src, dst)
    assert dst.read_text() == "new" and not src.exists() and len(calls) == 3


def test_a_report_open_in_a_pdf_viewer_gets_one_sentence_and_the_old_file_stays(backed_up, tmp_path, monkeypatch):
    from panti_desktop.reports.registry import REPORTS

    ws, _info = backed_up
    child = ws.child_ids()[0]
    out = tmp_path / REPORTS["progress"].file_name("12/PSMP/XI/2026", "2026-12-02")
    assert out.name == "laporan-12-PSMP-XI-2026-2026-12-02.pdf"
    REPORTS["progress"].build(ws, out, child)
    first = out.read_bytes()

    def acrobat(a, b):
        raise _locked()

    monkeypatch.setattr(files, "_move", acrobat)
    monkeypatch.setattr(files, "RETRY_SECONDS", 0.2)
    with pytest.raises(files.FileInUse, match=r"laporan-12-PSMP-XI-2026-2026-12-02.pdf is open in another program"):
        REPORTS["progress"].build(ws, out, child)
    assert out.read_bytes() == first and [p.name for p in tmp_path.glob(".*partial")] == []


def test_a_backup_to_a_pulled_stick_says_so(backed_up, tmp_path, monkeypatch):
    from pathlib import Path

    from panti_desktop import backup

    ws, _info = backed_up

    def gone(self, *a, **k):
        raise FileNotFoundError(2, "The system cannot find the path specified")

    monkeypatch.setattr(Path, "mkdir", gone)
    with pytest.raises(PantiError, match="Is the USB stick plugged in"):
        backup.create_backup(ws, str(tmp_path / "E") + os.sep)


def test_the_lock_byte_page_of_a_database_over_1_gib_is_never_read(tmp_path, monkeypatch):
    """Windows locks SQLite's bytes at 1 GiB mandatorily: reading them fails (WinError 33)."""
    from panti_desktop.backup import pinned

    page = 4096
    db = tmp_path / "big.db"
    with open(db, "wb") as f:  # sparse: 1 GiB + 3 pages, data around the lock-byte page
        f.seek(pinned.PENDING_BYTE - page)
        f.write(b"A" * page)
        f.write(b"L" * page)  # never stored by SQLite; whatever is there must not be read
        f.write(b"B" * page)
        f.write(b"C" * page)
    size = db.stat().st_size
    assert size == pinned.PENDING_BYTE + 3 * page
    real_preadv = os.preadv

    def windows_preadv(fd, buffers, offset):
        n = sum(len(b) for b in buffers)
        if offset < pinned.PENDING_BYTE + 512 and offset + n > pinned.PENDING_BYTE:
            exc = PermissionError(13, "The process cannot access the file because another process has locked "
                                  "a portion of the file")
            exc.winerror = 33
            raise exc
        return real_preadv(fd, buffers, offset)

    monkeypatch.setattr(os, "preadv", windows_preadv)
    chunk = 1 << 20
    start = pinned.PENDING_BYTE - chunk + 2 * page  # a chunk that runs across the lock-byte page
    buf = memoryview(bytearray(size - start))
    fd = os.open(db, os.O_RDONLY)
    try:
        with pytest.raises(PermissionError):  # read as before, it fails
            pinned._read_exact(fd, start, memoryview(bytearray(size - start)))
        got = bytes(pinned._read_database(fd, start, buf, page))
    finally:
        os.close(fd)
    lock = pinned.PENDING_BYTE - start
    assert got[:lock - page] == bytes(lock - page)  # the sparse part
    assert got[lock - page:lock] == b"A" * page
    assert got[lock:lock + page] == bytes(page)  # the lock-byte page: zeros, as SQLite leaves it
    assert got[lock + page:] == b"B" * page + b"C" * page
    # a chunk wholly before or after the page is read as it is
    small = memoryview(bytearray(page))
    fd = os.open(db, os.O_RDONLY)
    try:
        assert bytes(pinned._read_database(fd, pinned.PENDING_BYTE + page, small, page)) == b"B" * page
    finally:
        os.close(fd)


# --- the bundle: trimming, size, icon --------------------------------------------------------


def _script(name):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("dest", "kept"), [
    # Windows names (PySide6 wheels put the DLLs beside the package, plugins under plugins/)
    ("PySide6\\Qt6Network.dll", False), ("PySide6\\Qt6Qml.dll", False), ("PySide6\\Qt6QuickWidgets.dll", False),
    ("PySide6\\Qt6Pdf.dll", False), ("PySide6\\Qt6Svg.dll", False), ("PySide6\\opengl32sw.dll", False),
    ("PySide6\\d3dcompiler_47.dll", False), ("PySide6\\plugins\\platforms\\qdirect2d.dll", False),
    ("PySide6\\plugins\\tls\\qschannelbackend.dll", False), ("PySide6\\plugins\\imageformats\\qpdf.dll", False),
    ("PySide6\\translations\\qtbase_de.qm", False),
    ("PySide6\\Qt6Core.dll", True), ("PySide6\\Qt6Gui.dll", True), ("PySide6\\Qt6Widgets.dll", True),
    ("PySide6\\plugins\\platforms\\qwindows.dll", True), ("PySide6\\plugins\\platforms\\qoffscreen.dll", True),
    ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True), ("PySide6\\plugins\\imageformats\\qico.dll", True),
    ("PySide6\\MSVCP140.dll", True), ("PySide6\\pyside6.abi3.dll", True),
    # Linux names
    ("PySide6/Qt/lib/libQt6Network.so.6", False), ("PySide6/Qt/plugins/platforms/libqwayland-egl.so", False),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True), ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
    ("PySide6/Qt/translations/qtbase_fr.qm", False),
    # ours
    ("resources/locale/id/LC_MESSAGES/panti_desktop.mo", True), ("resources/icons/panti.ico", True),
])
def test_the_bundle_trims_windows_names_as_it_trims_linux_ones(dest, kept):
    assert _script("bundle_trim").keep(dest) is kept


def test_the_size_limit_is_checked_in_python(tmp_path):
    size = _script("bundle_size")
    folder = tmp_path / "panti-desktop"
    (folder / "_internal" / "PySide6").mkdir(parents=True)
    with open(folder / "_internal" / "PySide6" / "Qt6Gui.dll", "wb") as f:
        f.truncate(3 * size.MB)  # sparse: counted by its size
    (folder / "panti-desktop-cli.exe").write_bytes(b"MZ" * 1000)
    lines: list[str] = []
    assert size.check(folder, limit_mb=4, out=lines.append) == 3 * size.MB + 2000
    assert "PySide6" in lines[1]
    with pytest.raises(SystemExit, match="over the 2 MB limit"):
        size.check(folder, limit_mb=2, out=lines.append)


def test_the_icon_holds_every_size_windows_asks_for():
    from pathlib import Path

    from PIL import Image

    ico = Path(__file__).resolve().parent.parent / "resources" / "icons" / "panti.ico"
    sizes = _script("make_icon").ico_sizes(ico.read_bytes())
    assert {16, 24, 32, 48, 256} <= set(sizes)
    with Image.open(ico) as im:  # a second reader agrees: every image decodes at its size
        assert {(s, s) for s in sizes} == set(im.info["sizes"])
        im.size = (16, 16)
        im.load()
        assert im.size == (16, 16) and im.getpixel((8, 8))[3] > 0


# --- smaller points: the log, drives --------------------------------------------------------


def test_the_log_keeps_writing_while_a_second_window_holds_it(tmp_path, capsys):
    import logging

    from panti_desktop.applog import LogFile

    handler = LogFile(tmp_path / "panti.log")
    handler.maxBytes = 2000
    held = {"on": True}
    real_rotate = handler.rotate

    def rotate(source, dest):  # Windows: the other window's handle forbids the rename
        if held["on"]:
            raise _locked()
        real_rotate(source, dest)

    handler.rotate = rotate
    log = logging.getLogger("panti-test-rotation")
    log.propagate = False
    log.addHandler(handler)
    try:
        for i in range(100):
            log.warning("line %03d %s", i, "x" * 40)
        text = (tmp_path / "panti.log").read_text(encoding="utf-8")
        assert all(f"line {i:03d}" in text for i in range(100))  # nothing lost, nothing printed
        assert "Logging error" not in capsys.readouterr().err
        held["on"] = False  # the other window closed: the next rotation goes through
        for i in range(100, 200):
            log.warning("line %03d %s", i, "x" * 40)
        assert (tmp_path / "panti.log.1").exists()
        assert (tmp_path / "panti.log").stat().st_size <= 2000
    finally:
        log.removeHandler(handler)
        handler.close()


def test_only_removable_drives_are_offered_as_sticks(monkeypatch):
    types = {"C:\\": 3, "D:\\": 3, "E:\\": 2, "F:\\": 4, "G:\\": 5}  # fixed, fixed, USB, network, DVD
    monkeypatch.setattr(files, "WINDOWS", True)
    monkeypatch.setattr(files, "_windows_drive_type", lambda root: types[root])
    assert [r for r in ("C:/", "D:/", "E:/", "F:/", "G:/") if files.removable_drive(r)] == ["E:/"]
    monkeypatch.setattr(files, "WINDOWS", False)
    assert files.removable_drive("/media/budi/STICK") and files.removable_drive("/Volumes/STICK")
    assert not files.removable_drive("/") and not files.removable_drive("/home")


def test_a_contact_card_is_never_written_to_a_device(tmp_path):
    from panti_desktop.errors import ValidationError
    from panti_desktop.sync import peers

    ws = make_site(tmp_path, "SA")
    try:
        with pytest.raises(ValidationError, match="name of a device"):
            peers.export_card(ws, tmp_path / "NUL.pantipeer")
        assert not (tmp_path / "NUL.pantipeer").exists()
        peers.export_card(ws, tmp_path / files.safe_file_name("NUL.pantipeer"))
        assert peers.read_card(tmp_path / "_NUL.pantipeer")["code"] == "SA"
    finally:
        ws.close()


def test_a_restore_that_cannot_put_the_files_back_says_where_the_data_is(backed_up, monkeypatch):
    from pathlib import Path

    from panti_desktop import backup

    from .conftest import ADMIN_PASS

    ws, info = backed_up
    live = ws.data_dir
    ws.close()
    before = (live / "centre.db").read_bytes()
    moved: list = []
    real_move = files._move

    def first_move_only(src, dst):  # the first move goes through, then every file stays locked
        if moved:
            raise _locked()
        moved.append(dst)
        real_move(src, dst)

    monkeypatch.setattr(files, "_move", first_move_only)
    monkeypatch.setattr(files, "RETRY_SECONDS", 0.1)
    with pytest.raises(PantiError, match="not all files could be put back") as err:
        backup.restore_backup(info.path, live, passphrase=ADMIN_PASS)
    kept = Path(moved[0]).parent
    assert kept.name.startswith("replaced-") and str(kept) in str(err.value)
    assert (kept / "centre.db").read_bytes() == before  # nothing lost: the old database is where it says
