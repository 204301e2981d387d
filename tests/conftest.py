"""Shared fixtures. Argon2id runs at its floor (64 MiB, t=3) so unlocks stay quick."""

from __future__ import annotations

import os

import pytest

os.environ["PANTI_KDF_TARGET_MS"] = "0"
os.environ.pop("PANTI_HOME", None)
os.environ.pop("PANTI_USER", None)
os.environ.pop("PANTI_PASSPHRASE", None)

from hypothesis import settings

from panti_desktop.i18n import set_language
from panti_desktop.vault.kdf import KdfParams

# scripts/mutation runs the tests with `--hypothesis-profile=mutation`: the same examples for
# every mutant, and no deadline on a machine busy testing them
settings.register_profile("mutation", deadline=None, derandomize=True)

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


def make_site(root, code, centre_type="sentra"):
    """A centre (or headquarters, `centre_type="hq"`) in its own folder below `root`."""
    from panti_desktop.workspace import Workspace

    ws, _key = Workspace.init(root / code.lower(), code, f"Lembaga {code}", "admin", ADMIN_PASS,
                              centre_type=centre_type, kdf=FLOOR)
    return ws


def trust_all(root, sites):
    """Every site trusts every other one's contact card."""
    from panti_desktop.sync import peers

    for s in sites:
        peers.export_card(s, root / f"{s.centre_code}.card")
    for s in sites:
        for o in sites:
            if o is not s:
                peers.add_peer(s, root / f"{o.centre_code}.card")


@pytest.fixture
def sites(tmp_path):
    """Centres SA and SB and headquarters HQ, all trusting each other."""
    a, b, hq = make_site(tmp_path, "SA"), make_site(tmp_path, "SB"), make_site(tmp_path, "HQ", "hq")
    trust_all(tmp_path, [a, b, hq])
    yield a, b, hq
    for s in (a, b, hq):
        s.close()
