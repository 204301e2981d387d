"""The demo centre: realistic, deterministic, valid, and never stored in plaintext."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest

from panti_desktop import demo
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    ws, _ = Workspace.init(d, "DEMO", "Sentra Demo", "admin", ADMIN_PASS, kdf=FLOOR)
    demo.generate(ws, children=40, seed=5, today=TODAY)
    yield ws
    ws.close()


def _secrets(ws) -> set[str]:
    """Every identifying or clinical text the demo wrote, read back through the vault."""
    out: set[str] = set()
    for child_id in ws.child_ids():
        data = ws.child_data(child_id)
        for key in ("full_name", "nik", "address", "school_name", "father_name", "mother_name",
                    "guardian_contact"):
            if data.get(key):
                out.add(data[key])
        for s in ws.records_for_child("session", child_id):
            out.add(s.data["notes"])
        for c in ws.records_for_child("caregiver", child_id):
            if c.data.get("name"):
                out.add(c.data["name"])
    return out


def _stored_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("centre.db*")))


def test_no_plaintext_in_the_database_or_its_wal(demo_ws):
    secrets = _secrets(demo_ws)
    assert len(secrets) > 200
    for check in ("while open", "after close"):
        blob = _stored_bytes(demo_ws.data_dir)
        # the scan does see what is stored in the clear: register numbers are plaintext by design
        assert demo_ws.child_data(demo_ws.child_ids()[0])["register_no"].encode() in blob
        leaked = [s for s in secrets if s.encode("utf-8") in blob]
        assert leaked == [], (check, leaked[:5])
        if check == "while open":
            assert Path(str(demo_ws.db_path(demo_ws.data_dir)) + "-wal").exists()
            demo_ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_demo_data_is_valid_and_shaped_like_the_field(demo_ws):
    assert demo_ws.verify() == []
    counts = demo_ws.record_counts()
    assert counts["child"] == 40 and counts["session"] > 200 and counts["plan"] > 10
    ages, structures = [], []
    for child_id in demo_ws.child_ids():
        row = demo_ws.child_row(child_id, today=TODAY)
        assert row.register_no.startswith("DEMO-") and "." in row.initials
        ages.append(demo_ws.child_data(child_id)["sex"])
        structures += [f.data["structure"] for f in demo_ws.records_for_child("family", child_id)]
    assert set(ages) == {"male"}
    assert 0.3 < structures.count("intact") / len(structures) < 0.8
    statuses = {demo_ws.child_data(i)["status"] for i in demo_ws.child_ids()}
    assert {"intervention", "aftercare"} <= statuses


def test_demo_is_deterministic_for_a_seed(tmp_path):
    names = []
    for n in (1, 2):
        ws, _ = Workspace.init(tmp_path / str(n), "DEMO", "Sentra Demo", "admin", ADMIN_PASS, kdf=FLOOR)
        with ws:
            demo.generate(ws, children=5, sessions_per_child=3, seed=11, today=TODAY)
            names.append([ws.child_data(i)["full_name"] for i in ws.child_ids()])
            assert ws.record_counts()["session"] == 15
    assert names[0] == names[1]


def test_demo_adds_to_an_existing_caseload_without_clashing(demo_ws):
    before = set(demo_ws.db.execute("SELECT register_no FROM child").fetchall())
    demo.generate(demo_ws, children=3, seed=99, today=TODAY)
    after = demo_ws.db.execute("SELECT register_no FROM child").fetchall()
    assert len(after) == len(set(after)) == len(before) + 3


def test_demo_references_point_at_real_records(demo_ws):
    ws = demo_ws
    for kind, ref, target in (("intermediate_goal", "plan_id", "plan"), ("plan_version", "plan_id", "plan"),
                              ("diversion_item", "diversion_id", "diversion"), ("caregiver", "family_id", "family")):
        rows = ws.db.execute(f"SELECT {ref} FROM {kind}").fetchall()
        assert rows, kind
        for (value,) in rows:
            assert ws.db.execute(f"SELECT 1 FROM {target} WHERE id = ?", [value]).fetchone(), (kind, value)
    with_goals = [i for i in ws.child_ids() if ws.active_goals(i)]
    assert with_goals


def test_demo_ids_are_reproducible_and_in_the_order_records_are_made(tmp_path):
    ids = []
    for run in ("a", "b"):
        ws, _key = Workspace.init(tmp_path / run, "DMO", "Sentra Demo", "admin", ADMIN_PASS, kdf=FLOOR)
        demo.generate(ws, children=3, seed=11, today=date(2026, 6, 1))
        ids.append([r[0] for r in ws.db.execute("SELECT id FROM session ORDER BY rowid")])
        children = [r[0] for r in ws.db.execute("SELECT id FROM child")]
        ws.close()
    assert ids[0] == ids[1] and ids[0] == sorted(ids[0])
    assert {uuid.UUID(c).version for c in children} == {4}  # a child's id is all random


def test_the_demo_holds_no_contradiction(tmp_path):
    """The same rules the workspace enforces on save find nothing in a larger demo centre."""
    ws, _ = Workspace.init(tmp_path / "c", "DEMO", "Sentra Demo", "admin", ADMIN_PASS, kdf=FLOOR)
    try:
        demo.generate(ws, children=150, seed=11, today=TODAY)
        counts = ws.record_counts()
        assert counts["diversion"] and counts["termination"] and counts["follow_up"]
        assert [(f.rule, f.message) for f in ws.consistency_findings(TODAY)] == []
    finally:
        ws.close()


@pytest.mark.slow
def test_scripts_demo_on_a_fresh_copy_installs_lists_the_caseload_and_builds_a_report(tmp_path):
    """A fresh clone, as the README's quick start runs it without a display: `bash scripts/demo` installs
    the app into the copy's own .venv (this interpreter; the libraries it already has are reused through
    a path file, so nothing is downloaded), creates the demo centre, speaks Indonesian with pip's output
    kept in a log, prints the caseload; then a report is built from that vault (reports are not an extra)."""
    import os
    import subprocess
    import sys
    import sysconfig

    repo = Path(__file__).resolve().parents[1]
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=repo, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    copy = tmp_path / "panti"
    for name in files:
        src = repo / name
        if src.is_file() and not name.startswith(("demo-vault/", ".venv/")):
            dst = copy / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes())
            dst.chmod(src.stat().st_mode)
    subprocess.run([sys.executable, "-m", "venv", str(copy / ".venv")], check=True)
    site = next((copy / ".venv" / "lib").glob("python3*/site-packages"))
    (site / "zz_parent_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PANTI_") and k not in ("DISPLAY", "WAYLAND_DISPLAY", "VIRTUAL_ENV")}
    env.update(PANTI_KDF_TARGET_MS="0", PANTI_LANG="id")
    r = subprocess.run(["bash", "scripts/demo", "--limit", "5"], cwd=copy, env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-2000:])
    out = r.stdout + r.stderr
    assert "Memasang panti-desktop ke .venv" in out and "Membuat lembaga demo" in out
    assert "Tidak ada layar" in out and "No. register" in r.stdout  # the caseload, in Indonesian
    for noise in ("Collecting", "Requirement already", "Successfully installed", "Traceback", "WARNING"):
        assert noise not in out, noise
    where = subprocess.run([str(copy / ".venv/bin/python"), "-c", "import panti_desktop; print(panti_desktop.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, check=True).stdout
    assert where.startswith(str(copy)), where  # the copy's code, not this checkout's

    env.update(PANTI_HOME=str(copy / "demo-vault"), PANTI_USER="admin", PANTI_PASSPHRASE=demo.DEMO_PASSPHRASE)
    ref = next(line.split()[0] for line in r.stdout.splitlines() if line.startswith("DEMO-"))
    pdf = tmp_path / "laporan.pdf"
    rep = subprocess.run([str(copy / ".venv/bin/panti-desktop"), "report", "child", ref, "--out", str(pdf)],
                         cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0, rep.stderr
    assert "Laporan ditulis" in rep.stdout and pdf.read_bytes().startswith(b"%PDF")
