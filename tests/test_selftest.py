"""The hidden --self-test, portable mode and the frozen app's missing console."""

from __future__ import annotations

import os
import subprocess
import sys

from panti_desktop import __main__ as entry
from panti_desktop import paths, selftest


def test_self_test_passes_from_source(tmp_path):
    r = subprocess.run([sys.executable, "-m", "panti_desktop", "--self-test"], capture_output=True, text=True,
                       timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PANTI_KDF_TARGET_MS": "0"})
    assert r.returncode == 0, r.stdout + r.stderr
    for check in ("translations and resources", "vault, child, final session", "progress report (PDF)",
                  "printed form and its QR code read back",
                  "sync bundle export and import", "main window opens and closes"):
        assert f"ok   {check}" in r.stdout
    assert "self-test passed" in r.stdout
    assert list(tmp_path.iterdir()) == [] or all(p.name.startswith(".") for p in tmp_path.iterdir())


def test_self_test_names_what_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "resource_dir", lambda: tmp_path / "nothing-here")
    lines: list[str] = []
    assert selftest.run(lines.append) == 1
    assert any(line.startswith("FAIL translations and resources") for line in lines)
    assert lines[-1].startswith("self-test FAILED: translations and resources")


def test_self_test_is_not_in_the_help():
    r = subprocess.run([sys.executable, "-m", "panti_desktop", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "self-test" not in r.stdout


def test_portable_mode_keeps_data_beside_the_executable(tmp_path, monkeypatch):
    monkeypatch.delenv("PANTI_HOME", raising=False)
    exe = tmp_path / "panti-desktop.exe"
    exe.write_bytes(b"")
    monkeypatch.setattr(sys, "executable", str(exe))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert paths.portable_dir() is None  # no marker: the per-user folder, nothing beside the executable
    assert tmp_path not in paths.default_data_dir().parents
    (tmp_path / "portable").write_text("")
    assert paths.default_data_dir() == tmp_path / "data"
    assert paths.log_dir() == tmp_path / "data" / "logs"
    monkeypatch.setenv("PANTI_HOME", str(tmp_path / "elsewhere"))
    assert paths.default_data_dir() == tmp_path / "elsewhere"


def test_a_windowed_app_without_console_writes_to_a_log(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "log_dir", lambda: tmp_path / "logs")
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    entry._console_or_log()
    print("hello from a windowed app")
    sys.stdout.flush()
    assert "hello from a windowed app" in (tmp_path / "logs" / "console.log").read_text(encoding="utf-8")


def test_the_self_test_starts_qt_on_the_native_platform_unless_forced(monkeypatch):
    """A bundle without its platform plugin (qwindows.dll) fails the self-test; a forced
    platform or a machine without a display says the check was not made."""
    lines: list[str] = []
    monkeypatch.setattr(selftest, "_checks", lambda r, tmp: None)
    monkeypatch.setattr(selftest, "_no_display", lambda: False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    # the platform Qt would load is missing: the check fails with Qt's own words
    monkeypatch.setattr(selftest, "_platform_env", lambda: {**os.environ, "QT_QPA_PLATFORM": "qwindows-missing"})
    assert selftest.run(lines.append) == 1
    failed = next(line for line in lines if line.startswith("FAIL native window platform"))
    assert "qwindows-missing" in failed
    # Qt starts, but on a stand-in rather than the system's own platform: not passed either
    lines.clear()
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(selftest, "_platform_env", lambda: {**os.environ, "QT_QPA_PLATFORM": "minimal"})
    assert selftest.run(lines.append) == 1 and any("not on the system's own platform" in line for line in lines)
    # forced offscreen (the tests, CI): said, not checked
    lines.clear()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert selftest.run(lines.append) == 0
    assert "--   native window platform: not checked (QT_QPA_PLATFORM=offscreen)" in lines


def test_the_platform_probe_reports_the_platform_qt_started_on():
    assert selftest.native_platform({**os.environ, "QT_QPA_PLATFORM": "offscreen"}) == "offscreen"


def test_a_machine_wide_data_folder_is_used_once_an_administrator_made_it(tmp_path, monkeypatch):
    monkeypatch.delenv("PANTI_HOME", raising=False)
    shared = tmp_path / "ProgramData" / "panti" / "panti-desktop"
    monkeypatch.setattr(paths, "machine_data_dir", lambda: shared)
    assert paths.default_data_dir() != shared and not shared.exists()  # never made here
    shared.mkdir(parents=True)
    assert paths.default_data_dir() == shared
    monkeypatch.setenv("PANTI_HOME", str(tmp_path / "mine"))  # PANTI_HOME still comes first
    assert paths.default_data_dir() == tmp_path / "mine"
