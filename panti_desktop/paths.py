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


def default_data_dir() -> Path:
    """`PANTI_HOME` if set, else the platform's per-user data folder."""
    env = os.environ.get("PANTI_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, APP_AUTHOR))
