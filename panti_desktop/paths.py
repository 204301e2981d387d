"""Where the program finds its shipped resources and keeps its data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "panti-desktop"
APP_AUTHOR = "panti"


def resource_dir() -> Path:
    """The `resources/` folder, both from a source checkout and from a frozen bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)


def portable_dir() -> Path | None:
    """Portable mode: a file named `portable` beside the executable keeps the data in a
    `data` folder beside it (a USB-stick installation). Only a frozen bundle has one."""
    if not getattr(sys, "frozen", False):
        return None
    here = Path(sys.executable).resolve().parent
    return here / "data" if (here / "portable").exists() else None


def machine_data_dir() -> Path:
    """The data folder every account of this computer shares, once an administrator has made it
    (`C:\\ProgramData\\panti\\panti-desktop` on Windows; see docs/windows.md)."""
    from platformdirs import site_data_dir

    return Path(site_data_dir(APP_NAME, APP_AUTHOR))


def default_data_dir() -> Path:
    """`PANTI_HOME` if set, else portable mode's folder, else the machine-wide folder if it
    exists, else the platform's per-user data folder.

    Nothing is ever written beside the executable outside portable mode, and the machine-wide
    folder is never created here (an administrator makes it, with rights for every account).
    """
    env = os.environ.get("PANTI_HOME")
    if env:
        return Path(env)
    portable = portable_dir()
    if portable is not None:
        return portable
    shared = machine_data_dir()
    if shared.is_dir():
        return shared
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    """Where a windowed app without a console writes what it would have printed."""
    portable = portable_dir()
    if portable is not None:
        return portable / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, APP_AUTHOR))
