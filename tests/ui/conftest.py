"""GUI tests run offscreen (no display) with pytest-qt."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest

from panti_desktop.workspace import Workspace

from ..conftest import ADMIN_PASS, FLOOR


@pytest.fixture
def team_ws(ws):
    """The `ws` fixture (admin) plus a counsellor, a staff member and a manager."""
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    ws.add_user("budi", "staff", "budi passphrase 1", kdf=FLOOR)
    ws.add_user("mira", "manager", "mira passphrase 1", kdf=FLOOR)
    return ws


@pytest.fixture
def child(ws):
    return ws.register_child({
        "full_name": "Rizki Aditya Pratama", "nickname": "Kiki", "birth_date": "2011-04-12",
        "intake_date": "2026-02-01", "offence_date": "2025-12-20", "sex": "male",
    })


def open_as(ws, name: str, passphrase: str) -> Workspace:
    return Workspace.open(ws.data_dir, name, passphrase)


__all__ = ["ADMIN_PASS", "FLOOR", "open_as"]
