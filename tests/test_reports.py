"""PDF reports: the content is right (read back with pypdf), identity stays hidden, passwords hold."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from panti_desktop.reports import child_report, recovery_kit

from .conftest import ADMIN_PASS, FLOOR
from .test_cli import run

CHILD = {"full_name": "Rizki Aditya Pratama", "nickname": "Kiki", "birth_date": "2011-04-12",
         "address": "Jl. Kenanga Gg. 3, Cipinang", "school_name": "SMPN 12 Jakarta", "intake_date": "2026-02-01",
         "offence_date": "2025-12-20"}


@pytest.fixture
def file(ws):
    child = ws.register_child(CHILD)
    plan = ws.add_record("plan", {"child_id": child.id, "status": "draft", "start_date": "2026-02-10",
                                  "review_date": "2026-05-10"})
    goals = [ws.add_record("intermediate_goal", {"child_id": child.id, "plan_id": plan.id, "system": system,
                                                 "text": text, "status": "in_progress"})
             for system, text in (("family", "Ibu mengawasi ponsel setiap malam"),
                                  ("school", "Hadir di sekolah 90% hari"))]
    for day, setting, ratings in (("2026-03-02", "home", (1, 0)), ("2026-03-09", "school", (2, 1)),
                                  ("2026-03-16", "home", (3, 3))):
        s = ws.save_session_draft({"child_id": child.id, "session_date": day, "setting": setting,
                                   "participants": ["child", "mother"], "systems": ["family"], "duration_minutes": 60,
                                   "goals": [{"goal_id": g.id, "rating": r} for g, r in zip(goals, ratings, strict=True)],
                                   "advances": "Ibu konsisten menyimpan ponsel", "next_steps": "Kunjungan rumah"})
        ws.finalise_session(s.id)
    ws.add_record("legal_track", {"child_id": child.id, "stage": "trial", "threatened_penalty_months": 60,
                                  "repeat_offence": False})
    return child


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_progress_report_holds_goals_ratings_and_counts_and_no_identity(ws, file, tmp_path):
    out = child_report.build(ws, file.id, tmp_path / "r.pdf", start=date(2026, 3, 1), end=date(2026, 3, 31))
    text = _text(out)
    assert file.data["register_no"] in text and "R.A.P." in text
    assert "Ibu mengawasi ponsel setiap malam" in text and "Hadir di sekolah 90% hari" in text
    assert "3 final sessions" in text and "Home" in text
    # the last rating of each goal in the period, from the fixture's third session
    assert "Ibu mengawasi ponsel setiap malam\nFamily\nIn progress\n3" in text
    assert "Hadir di sekolah 90% hari\nSchool\nIn progress\n3" in text
    assert "Home\n2" in text and "School\n1" in text  # sessions counted by setting
    for secret in ("Rizki", "Pratama", "Kenanga", "SMPN 12"):
        assert secret not in text
    meta = PdfReader(str(out)).metadata
    assert "Rizki" not in str(meta) and meta.author == "Sentra Uji"
    assert "Page 1 of" in text and "CONFIDENTIAL" in text
    assert ws.audit_entries(limit=1)[0].action == "print"


def test_full_identity_is_an_audited_choice(ws, file, tmp_path):
    out = child_report.build(ws, file.id, tmp_path / "full.pdf", full_identity=True, end=date(2026, 3, 31))
    assert "Rizki Aditya Pratama" in _text(out)
    actions = [e.action for e in ws.audit_entries(limit=3)]
    assert "reveal_identity" in actions and actions[0] == "print"
    assert "full identity" in ws.audit_entries(limit=1)[0].detail


def test_a_password_protects_the_report(ws, file, tmp_path):
    out = child_report.build(ws, file.id, tmp_path / "p.pdf", password="rahasia-123", end=date(2026, 3, 31))
    reader = PdfReader(str(out))
    assert reader.is_encrypted
    with pytest.raises(Exception):  # noqa: B017 - pypdf raises its own error types across versions
        reader.pages[0].extract_text()
    reader = PdfReader(str(out))
    assert reader.decrypt("salah") == 0
    reader = PdfReader(str(out))
    assert reader.decrypt("rahasia-123") != 0
    assert "R.A.P." in reader.pages[0].extract_text()
    import shutil
    import subprocess

    if shutil.which("pdftotext"):  # poppler agrees: no text without the password, text with it
        assert subprocess.run(["pdftotext", str(out), "-"], capture_output=True).returncode != 0
        ok = subprocess.run(["pdftotext", "-upw", "rahasia-123", str(out), "-"], capture_output=True, text=True)
        assert ok.returncode == 0 and "R.A.P." in ok.stdout


def test_a_failed_encryption_leaves_nothing_at_the_destination(ws, file, tmp_path, monkeypatch):
    """The password-protected PDF is encrypted in memory: when encryption fails, the USB stick holds
    neither the report nor an unencrypted `.NAME.partial`."""
    import pypdf

    usb = tmp_path / "usb"
    usb.mkdir()

    def broken(self, *args, **kwargs):
        raise RuntimeError("encryption failed")

    monkeypatch.setattr(pypdf.PdfWriter, "encrypt", broken)
    with pytest.raises(RuntimeError):
        child_report.build(ws, file.id, usb / "r.pdf", password="rahasia-123", end=date(2026, 3, 31))
    assert list(usb.iterdir()) == []


def test_a_process_killed_while_encrypting_leaves_no_plaintext_at_the_destination(ws, file, tmp_path):
    """As a crash would: the process is killed (SIGKILL, no clean-up runs) inside the encryption step."""
    import os
    import signal
    import subprocess
    import sys
    import textwrap

    usb = tmp_path / "usb"
    usb.mkdir()
    script = textwrap.dedent(f"""
        import os, signal, sys
        from datetime import date
        from pathlib import Path
        import pypdf
        from panti_desktop.reports import child_report
        from panti_desktop.workspace import Workspace

        def killed(self, *args, **kwargs):
            print("encrypting", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        pypdf.PdfWriter.encrypt = killed
        with Workspace.open(Path({str(ws.data_dir)!r}), "admin", {ADMIN_PASS!r}) as ws:
            child_report.build(ws, {file.id!r}, Path({str(usb / "r.pdf")!r}), password="rahasia-123",
                               end=date(2026, 3, 31))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTI_")}
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert r.returncode == -signal.SIGKILL and "encrypting" in r.stdout, r.stderr
    assert list(usb.iterdir()) == []


def test_indonesian_report(ws, file, tmp_path):
    from panti_desktop.i18n import set_language

    set_language("id")
    out = child_report.build(ws, file.id, tmp_path / "id.pdf", start=date(2026, 3, 1), end=date(2026, 3, 31))
    text = _text(out)
    assert "Laporan Perkembangan Anak" in text and "1 Maret 2026" in text and "RAHASIA" in text
    set_language("en")


def test_recovery_kit(ws, tmp_path):
    out = recovery_kit.write(tmp_path / "kit.pdf", "TST", "Sentra Uji", ws.recovery_text, "admin")
    text = _text(out)
    for group in ws.recovery_text.split("-"):
        assert group in text


def test_reports_from_the_command_line(ws, file, tmp_path):
    env = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS, "REPORT_PW": "kata-sandi-1"}
    d = ws.data_dir
    run(["report", "child", file.data["register_no"], "--from", "2026-03-01", "--to", "2026-03-31", "--out",
         str(tmp_path / "c.pdf"), "--password-env", "REPORT_PW"], env, d, check=0)
    assert PdfReader(str(tmp_path / "c.pdf")).is_encrypted
    r = run(["--lang", "en", "report", "child", "NOPE-1", "--out", str(tmp_path / "x.pdf")], env, d, check=1)
    assert "No child" in r.stderr
    r = run(["--lang", "en", "report", "child", file.id, "--from", "2026-13-01", "--out", str(tmp_path / "x.pdf")],
            env, d, check=1)
    assert "date" in r.stderr
    run(["report", "recovery-kit", "--out", str(tmp_path / "kit.pdf")],
        {"PANTI_USER": "admin", "PANTI_RECOVERY_KEY": ws.recovery_text}, d, check=0)
    run(["report", "recovery-kit", "--out", str(tmp_path / "kit2.pdf")],
        {"PANTI_USER": "admin", "PANTI_RECOVERY_KEY": "0000-0000-0000-0000-0000-0000-0000"}, d, check=1)
    assert not (tmp_path / "kit2.pdf").exists()


def _spread(n_by_code: list[tuple[object, int]]) -> list:
    return [code for code, n in n_by_code for _i in range(n)]


STUDY = {  # 49 boys in five centres (CONTEXT.md): what the study reports, as counts
    "structure": _spread([("intact", 27), ("divorced", 13), ("one_parent_deceased", 7), ("both_parents_deceased", 2)]),
    "education": _spread([("none", 4), ("primary", 24), ("junior", 14), ("senior", 7)]),
    "occupation": _spread([("labourer", 29), ("trader", 8), ("informal", 7), ("farmer_fisher", 5)]),
    "income": _spread([("under_1m", 26), ("1m_3m", 19), ("3m_5m", 4)]),
    "household_income": _spread([("under_1m", 22), ("1m_3m", 21), ("3m_5m", 6)]),
    "pornography_exposure": _spread([(True, 21), (False, 28)]),
    "peer_influence": _spread([(True, 16), (False, 33)]),
    "own_victimisation": _spread([(True, 5), (False, 40), (None, 4)]),  # 5 of 45 recorded: the study's 11%
    "coercion": _spread([(True, 33), (False, 16)]),
    "place": _spread([("friend_home", 22), ("victim_home", 17), ("own_home", 5), ("public_place", 5)]),
    "forms": _spread([(["physical_harassment"], 27), (["intercourse"], 22)]),
}
VICTIMS = _spread([("friend", 25), ("neighbour", 15), ("relative", 6), ("stranger", 7)])  # 46 of 53 known: 87%
VICTIM_AGES = _spread([("5_8", 15), ("9_12", 25), ("13_17", 13)])


def _study_centre(ws):
    """The study's 49 boys, entered through the workspace as a centre would."""
    for i in range(49):
        c = ws.register_child({"full_name": f"Anak Studi {i}", "birth_date": f"{2010 + i % 5}-01-15",
                               "intake_date": "2026-03-01", "sex": "male", "status": "intervention"})
        fam = ws.add_record("family", {"child_id": c.id, "structure": STUDY["structure"][i],
                                       "household_income": STUDY["household_income"][i]})
        ws.add_record("caregiver", {"child_id": c.id, "family_id": fam.id, "relation": "mother",
                                    "education": STUDY["education"][i], "occupation": STUDY["occupation"][i],
                                    "income_band": STUDY["income"][i]})
        ws.add_record("offence", {"child_id": c.id, "forms": STUDY["forms"][i], "place": STUDY["place"][i],
                                  "coercion": STUDY["coercion"][i],
                                  **{k: STUDY[k][i] for k in ("pornography_exposure", "peer_influence",
                                                               "own_victimisation")}})
    children = [row["id"] for row in ws.db.query("SELECT id FROM child ORDER BY register_no")]
    for v, (relationship, age) in enumerate(zip(VICTIMS, VICTIM_AGES, strict=True)):
        ws.add_record("victim", {"child_id": children[v % 49], "code": f"K{v}", "sex": "male", "age_band": age,
                                 "relationship": relationship})
    return children


def test_the_study_centre_reproduces_the_study(ws, tmp_path):
    """The study's proportions come out of the report as counts and percentages of the children
    with the item recorded; small cells stay hidden and cannot be subtracted out."""
    from panti_desktop.reports import statistics

    from .test_statistics_disclosure import audit

    children = _study_centre(ws)
    for day, setting in (("2026-03-02", "home"), ("2026-03-03", "home"), ("2026-03-04", "home"),
                         ("2026-03-05", "school")):
        s = ws.save_session_draft({"child_id": children[0], "session_date": day, "setting": setting,
                                   "participants": ["child"], "systems": ["family", "individual"],
                                   "duration_minutes": 45})
        ws.finalise_session(s.id)
    stats = statistics.compute(ws, date(2026, 1, 1), date(2026, 6, 30))
    assert stats.children == 49
    expected = [  # table, row, count, base, the study's percentage
        ("family_structure", "intact", 27, 49, 55), ("pornography_exposure", "yes", 21, 49, 43),
        ("peer_influence", "yes", 16, 49, 33), ("own_victimisation", "yes", 5, 45, 11),
        ("coercion", "yes", 33, 49, 67), ("victim_known", "known", 46, 53, 87),
    ]
    for key, code, count, base, pct in expected:
        t = stats.table(key)
        r = t.row(code)
        assert (r.count, r.hidden, t.recorded_base) == (count, False, base), key
        assert round(100 * count / base) == pct
    assert stats.table("own_victimisation").of_recorded  # 4 not recorded: shown, and out of the base
    for key in ("family_structure", "parent_education", "occupation", "income", "household_income",
                "offence_place", "offence_form", "victim_age", "victim_sex", "service_setting"):
        assert not stats.table(key).withheld, key
    # both parents deceased = 49 − 27 − 13 − 7 = 2 was recoverable; now a second cell hides with it
    fam = stats.table("family_structure")
    assert fam.row("both_parents_deceased").hidden and fam.row("one_parent_deceased").hidden
    assert audit(stats.tables) == []
    # one session at school among four: both settings hidden, so neither is 1 for sure
    setting = stats.table("service_setting")
    assert setting.row("school").hidden and setting.row("home").hidden and setting.denominator == 4
    out = statistics.build(ws, tmp_path / "stats.pdf", date(2026, 1, 1), date(2026, 6, 30))
    text = _text(out)
    for label, count, pct in (("Intact", 27, "55.1%"), ("Exposed to pornography", 21, "42.9%"),
                              ("Peer influence", 16, "32.7%"), ("Coercion", 33, "67.3%")):
        assert f"{count} of 49 children ({pct})" in text or f"{label}\n{count}\n{pct}" in text, label
    assert "5 of 45 children with this recorded (11.1%)" in text  # the study's 11%
    assert "46 of 53 victims (86.8%)" in text  # the study's 87%, per victim
    assert "Both parents deceased\nx\n–" in text
    assert "Anak Studi" not in text


def test_court_and_termination_reports(ws, file, tmp_path):
    court = _text(child_report.build(ws, file.id, tmp_path / "court.pdf", kind="court", end=date(2026, 3, 31),
                                     recommendation="Dikembalikan kepada orang tua."))
    assert "Social Report" in court and "Eligible for diversion" in court and "60 months" in court
    with pytest.raises(Exception, match="termination"):
        child_report.build(ws, file.id, tmp_path / "t.pdf", kind="termination")
    ws.add_record("termination", {"child_id": file.id, "terminated_on": "2026-04-30", "reason": "goals_achieved",
                                  "destination": "family_home", "living_at_home": True, "in_school_or_work": True,
                                  "new_report": False, "summary": "Tujuan tercapai",
                                  "open_process_reason": "Putusan pelatihan kerja di LPKS"})
    # follow-ups are scheduled at termination: 1, 3, 6 and 12 months after it
    text = _text(child_report.build(ws, file.id, tmp_path / "t.pdf", kind="termination"))
    assert "Termination Report" in text and "Goals achieved" in text and "30 May 2026" in text
    assert "Tujuan tercapai" in text and "Rizki" not in text


def test_a_staff_members_report_names_what_the_role_cannot_read(ws, file, tmp_path):
    """Staff hold no CLINICAL key: the plan, sessions and safety plan are said to be hidden, never
    printed as if the child had none; the termination report is refused."""
    from panti_desktop.errors import PermissionDenied
    from panti_desktop.workspace import Workspace

    ws.add_record("safety_plan", {"child_id": file.id, "agreed_on": "2026-03-01", "risk_level": "medium"})
    ws.add_record("termination", {"child_id": file.id, "terminated_on": "2026-04-01", "reason": "goals_achieved",
                                  "open_process_reason": "Putusan pelatihan kerja di LPKS"})
    ws.add_user("yanti", "staff", "yanti passphrase 1", kdf=FLOOR)
    staff = Workspace.open(ws.data_dir, "yanti", "yanti passphrase 1")
    try:
        out = child_report.build(staff, file.id, tmp_path / "staff.pdf", start=date(2026, 3, 1),
                                 end=date(2026, 3, 31))
        text = _text(out).replace("\n", " ")
        assert "There is no rehabilitation plan" not in text and "0 final sessions" not in text
        assert "No safety plan" not in text
        assert "leaves out the clinical part of the file" in text
        assert text.count("Not available to the role Administrative staff") >= 3
        assert file.data["register_no"] in text  # the case part is still there
        with pytest.raises(PermissionDenied, match="termination report"):
            child_report.build(staff, file.id, tmp_path / "t.pdf", kind="termination")
        assert not (tmp_path / "t.pdf").exists()
    finally:
        staff.close()
    # the same child seen by the admin: everything is there
    text = _text(child_report.build(ws, file.id, tmp_path / "admin.pdf", start=date(2026, 3, 1),
                                    end=date(2026, 3, 31)))
    assert "3 final sessions" in text and "Not available" not in text
