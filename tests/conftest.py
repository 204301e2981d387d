"""Shared fixtures. Argon2id runs at its floor (64 MiB, t=3) so unlocks stay quick."""

from __future__ import annotations

import os

import pytest

os.environ["PANTI_KDF_TARGET_MS"] = "0"
os.environ.pop("PANTI_HOME", None)
os.environ.pop("PANTI_USER", None)
os.environ.pop("PANTI_PASSPHRASE", None)

from panti_desktop.i18n import set_language
from panti_desktop.vault.kdf import KdfParams

ADMIN_PASS = "admin-passphrase-1"
FLOOR = KdfParams()


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests read messages in English unless they switch language themselves."""
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def vault_dir(tmp_path):
    return tmp_path / "vault"


@pytest.fixture
def ws(vault_dir):
    from panti_desktop.workspace import Workspace

    ws, recovery = Workspace.init(vault_dir, "TST", "Sentra Uji", "admin", ADMIN_PASS, kdf=FLOOR)
    ws.recovery_text = recovery
    yield ws
    ws.close()
