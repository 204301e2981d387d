"""The layers of docs/architecture.md hold: checked by import-linter from pyproject.toml.

Function-local imports count too (import-linter reads every import statement), so a circle
cannot hide inside a function."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "4 kept, 0 broken" in done.stdout


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(ROOT / "panti_desktop", tmp_path / "panti_desktop",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + text + "\n", encoding="utf-8")


def test_an_upward_import_inside_a_function_breaks_the_layers(copy):
    _add(copy / "panti_desktop" / "store" / "cases.py",
         "def _sneaky():\n    from ..workspace import Workspace\n\n    return Workspace")
    done = _lint(copy)
    assert done.returncode == 1 and "Layers point one way BROKEN" in done.stdout
    assert "panti_desktop.store.cases -> panti_desktop.workspace" in done.stdout


def test_a_circle_qt_outside_ui_or_the_window_reading_the_store_is_refused(copy):
    _add(copy / "panti_desktop" / "sync" / "lines.py", "def _back():\n    from . import exchange\n\n    return exchange")
    _add(copy / "panti_desktop" / "reports" / "common.py", "def _window():\n    from PySide6 import QtWidgets\n\n"
                                                          "    return QtWidgets")
    _add(copy / "panti_desktop" / "ui" / "dashboard.py", "def _raw(ws):\n    from ..store.kinds import KINDS\n\n"
                                                        "    return KINDS")
    done = _lint(copy)
    assert done.returncode == 1
    assert "The window and the command line go through the workspace BROKEN" in done.stdout
    assert "No import circles between the modules of a package BROKEN" in done.stdout
    assert "Qt only under ui/ BROKEN" in done.stdout
