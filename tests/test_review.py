"""A manager's review of the social report's recommendation (review.py): through the workspace, the
command line and an attacker's sqlite3; the report read back with pypdf."""

from __future__ import annotations

import sqlite3

import pytest
from pypdf import PdfReader

from panti_desktop.errors import IntegrityError, NotFound, PermissionDenied, ValidationError
from panti_desktop.reports import child_report
from panti_desktop.workspace import Workspace

from .conftest import ADMIN_PASS, FLOOR
from .test_cli import run

FIRST = "Anak dikembalikan kepada orang tua dengan pengawasan PK Bapas selama enam bulan."
SECOND = "Anak dikembalikan kepada orang tua; konseling keluarga mingguan selama tiga bulan."
TEAM = {"siti": "counsellor", "mira": "manager", "budi": "staff"}


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages).replace("\n", " ")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One centre for the module (its users cost seconds to add): the admin's workspace and one opened
    for each member of the team; each test registers its own child of siti's."""
    ws, _recovery = Workspace.init(tmp_path_factory.mktemp("review") / "vault", "TST", "Sentra Uji", "admin",
                                   ADMIN_PASS, kdf=FLOOR)
    for name, role in TEAM.items():
        ws.add_user(name, role, f"{name} passphrase 1", kdf=FLOOR)
    ws.save_user_profile(ws.user_id("mira"), {"full_name": "Dra. Mira Lestari, M.Si.",
                                              "position": "Kepala Seksi Rehabilitasi Sosial"})
    ws.save_user_profile(ws.user_id("siti"), {"full_name": "Siti Rahmawati, S.Sos.",
                                              "position": "Pekerja Sosial Ahli Pertama"})
    opened = {name: Workspace.open(ws.data_dir, name, f"{name} passphrase 1") for name in TEAM}
    yield ws, opened
    for w in opened.values():
        w.close()
    ws.close()


@pytest.fixture
def team(site):
    ws, opened = site
    child = ws.register_child({"full_name": "Rizki Aditya Pratama", "birth_date": "2011-04-12",
                               "intake_date": "2026-02-01", "counsellor_id": ws.user_id("siti")})
    return ws, child, opened


def test_the_review_workflow_through_the_workspace(team):
    ws, child, t = team
    siti, mira, budi = t["siti"], t["mira"], t["budi"]
    admin = ws  # an administrator reviews too
    with pytest.raises(PermissionDenied, match="clinical"):
        budi.reviews.submit(child.id, FIRST)  # staff hold no CLINICAL key: they neither write nor read it
    with pytest.raises(ValidationError, match="recommendation"):
        siti.reviews.submit(child.id, "   ")
    first = siti.reviews.submit(child.id, FIRST)
    assert first.status == "pending" and first.author_id == siti.user.id
    assert siti.reviews.submit(child.id, FIRST + "\n").id == first.id  # the same text is no new draft
    assert first.id in [w.record_id for w in mira.reviews.waiting_for_me()]
    assert siti.reviews.waiting_for_me() == []  # a counsellor reviews nothing
    assert first.id in [d.record_id for d in mira.dashboard().recommendations_to_review]
    with pytest.raises(PermissionDenied, match="manager"):
        siti.reviews.approve(first.id)
    with pytest.raises(ValidationError, match="comment"):
        mira.reviews.send_back(first.id, "  ")
    returned = mira.reviews.send_back(first.id[:8], "Sebutkan jadwal konseling keluarga.")
    assert (returned.status, returned.reviewed_by, returned.review_comment) == (
        "returned", mira.user.id, "Sebutkan jadwal konseling keluarga.")
    with pytest.raises(ValidationError, match="not waiting for review"):
        admin.reviews.approve(first.id)
    assert first.id in [d.record_id for d in siti.dashboard().recommendations_returned]
    assert first.id not in [d.record_id for d in mira.dashboard().recommendations_to_review]
    # the rewritten text is a new draft; the returned one stays returned, for the history
    second = siti.reviews.submit(child.id, SECOND)
    assert second.id != first.id and siti.reviews.get(first.id).status == "returned"
    assert first.id not in [d.record_id for d in siti.dashboard().recommendations_returned]
    with pytest.raises(ValidationError, match="changed while you read it"):
        mira.reviews.approve(second.id, seen_text=FIRST)
    approved = mira.reviews.approve(second.id, "Setuju.", seen_text=SECOND)
    assert approved.approved and approved.reviewed_on and siti.reviews.current(child.id).id == second.id
    actions = [(e.action, e.record_id, e.detail) for e in ws.audit_entries() if e.kind == "court_recommendation"]
    assert ("submit", second.id, f"recommendation: {SECOND}") in actions
    assert ("return", first.id, "Sebutkan jadwal konseling keluarga.") in actions
    assert ("approve", second.id, "Setuju.") in actions
    # a manager never approves their own text; a newer draft supersedes the one still waiting
    third = mira.reviews.submit(child.id, SECOND + " Ditambah pelatihan kerja.")
    with pytest.raises(PermissionDenied, match="another manager"):
        mira.reviews.approve(third.id)
    fourth = mira.reviews.submit(child.id, SECOND + " Ditambah pelatihan kerja di LPKS.")
    assert mira.reviews.get(third.id).status == "superseded" and mira.reviews.get(second.id).approved
    waiting = [w.record_id for w in admin.reviews.waiting_for_me()]
    assert fourth.id in waiting and third.id not in waiting
    with pytest.raises(NotFound):
        admin.reviews.get("0123456789abcdef")


def test_the_generic_record_paths_never_write_a_recommendation(team):
    ws, child, t = team
    with pytest.raises(PermissionDenied, match="report dialog"):
        ws.add_record("court_recommendation", {"child_id": child.id, "text": FIRST, "status": "approved",
                                               "author_id": ws.user.id, "written_on": "2026-03-01",
                                               "reviewed_by": ws.user.id, "reviewed_on": "2026-03-01"})
    rec = t["siti"].reviews.submit(child.id, FIRST)
    with pytest.raises(PermissionDenied, match="report dialog"):
        ws.update_record("court_recommendation", rec.id, {"status": "approved", "reviewed_by": ws.user.id,
                                                          "reviewed_on": "2026-03-01"})
    with pytest.raises(PermissionDenied, match="report dialog"):
        ws.delete_record("court_recommendation", rec.id)
    assert ws.reviews.get(rec.id).status == "pending"


def test_a_status_forged_with_sqlite3_prints_no_final_report(team, tmp_path):
    """Someone with the file and sqlite3 marks the draft approved: the seal binds the plaintext
    status, so the recommendation no longer opens and no report is written, final or draft."""
    ws, child, t = team
    rec = t["siti"].reviews.submit(child.id, FIRST)
    conn = sqlite3.connect(ws.db_path(ws.data_dir))
    with conn:
        conn.execute("UPDATE court_recommendation SET status = 'approved' WHERE id = ?", [rec.id])
    conn.close()
    try:
        with pytest.raises(IntegrityError):
            child_report.build(t["mira"], child.id, tmp_path / "c.pdf", kind="court")
        assert not (tmp_path / "c.pdf").exists()
        assert any("court_recommendation" in p for p in ws.verify())
    finally:  # the module's other tests share this file
        conn = sqlite3.connect(ws.db_path(ws.data_dir))
        with conn:
            conn.execute("UPDATE court_recommendation SET status = 'pending' WHERE id = ?", [rec.id])
        conn.close()
    assert t["mira"].reviews.get(rec.id).status == "pending"


def test_the_review_from_the_command_line(team, tmp_path):
    ws, child, t = team
    d, reg = ws.data_dir, child.data["register_no"]
    siti_env = {"PANTI_USER": "siti", "PANTI_PASSPHRASE": "siti passphrase 1"}
    mira_env = {"PANTI_USER": "mira", "PANTI_PASSPHRASE": "mira passphrase 1"}
    r = run(["--lang", "en", "report", "court", reg, "--out", str(tmp_path / "draft.pdf"), "--recommendation",
             FIRST], siti_env, d, check=0)
    assert "waits for a manager's review" in r.stdout
    draft = _text(tmp_path / "draft.pdf")
    assert "DRAFT — not reviewed" in draft and FIRST in draft and "Dra. Mira Lestari" not in draft
    rec_id = t["mira"].reviews.current(child.id).id
    r = run(["--lang", "en", "review", "list", "--pending"], mira_env, d, check=0)
    assert rec_id in r.stdout and reg in r.stdout and "Waiting for review" in r.stdout
    r = run(["--lang", "en", "review", "show", rec_id[:10], "--json"], mira_env, d, check=0)
    assert f'"text": "{FIRST}"' in r.stdout and '"written_by": "siti"' in r.stdout
    r = run(["--lang", "en", "review", "approve", rec_id], siti_env, d, check=1)
    assert "Only a manager" in r.stderr and "Traceback" not in r.stderr
    run(["--lang", "en", "review", "approve", rec_id, "--comment", "Setuju."], mira_env, d, check=0)
    r = run(["--lang", "en", "report", "court", reg, "--out", str(tmp_path / "final.pdf")], siti_env, d, check=0)
    assert "waits" not in r.stdout
    final = _text(tmp_path / "final.pdf")
    for words in (FIRST, "Siti Rahmawati, S.Sos.", "Dra. Mira Lestari, M.Si.", "Kepala Seksi Rehabilitasi Sosial",
                  "Reviewed and approved by"):
        assert words in final, words
    assert "DRAFT" not in final
