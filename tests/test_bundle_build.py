"""Build the PyInstaller bundle with build.spec and run its --self-test (marker `bundle`).

Not part of the main run (it takes a minute and needs PyInstaller): `scripts/test` runs it
after the suite with `-m bundle`.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.bundle


def test_the_bundle_builds_stays_small_and_passes_its_self_test():
    r = subprocess.run(["bash", str(ROOT / "scripts" / "build-bundle")], cwd=ROOT, capture_output=True, text=True,
                       timeout=1800)
    print(r.stdout[-4000:], r.stderr[-4000:])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "self-test passed" in r.stdout
    bundle = ROOT / "dist" / "panti-desktop"
    assert (bundle / "panti-desktop").exists() or (bundle / "panti-desktop.exe").exists()
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 200 * 1024 * 1024
    # nothing but the program beside the executables (no data, no logs, no caches)
    assert sorted(p.name for p in bundle.iterdir()) in (
        ["_internal", "panti-desktop", "panti-desktop-cli"],
        ["_internal", "panti-desktop-cli.exe", "panti-desktop.exe"])
    # the resources and the compiled translations are inside
    assert (bundle / "_internal" / "resources" / "locale" / "id" / "LC_MESSAGES" / "panti_desktop.mo").exists()
    assert not list((bundle / "_internal").rglob("PyQt5*")) and not list((bundle / "_internal").rglob("tkinter"))
    # the version comes from pyproject.toml
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    cli = bundle / ("panti-desktop-cli.exe" if (bundle / "panti-desktop-cli.exe").exists() else "panti-desktop-cli")
    out = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == f"panti-desktop {version}"
