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


def _study_centre(ws):
    """49 children with the proportions of the study in CONTEXT.md."""
    import uuid

    n = 49
    intact, porn, peers, own, coerced, known = 27, 21, 16, 5, 33, 43
    children, families, offences, victims = [], [], [], []
    for i in range(n):
        cid = uuid.uuid4().hex
        children.append({"id": cid, "register_no": f"TST-2026-{i + 1:04d}", "full_name": f"Anak Studi {i}",
                         "birth_date": f"{2010 + i % 5}-01-15", "intake_date": "2026-03-01", "sex": "male",
                         "status": "intervention"})
        families.append({"child_id": cid, "structure": "intact" if i < intact else "divorced"})
        offences.append({"child_id": cid, "forms": ["physical_harassment"] if i % 2 else ["intercourse"],
                         "place": "friend_home" if i % 3 else "victim_home", "coercion": i < coerced,
                         "determinants": [d for d, k in (("pornography", porn), ("peer_influence", peers),
                                                         ("own_victimisation", own)) if i < k]})
        victims.append({"child_id": cid, "code": f"K{i}", "sex": "male", "age_band": "9_12",
                        "relationship": "friend" if i < known else "stranger"})
    for kind, items in (("child", children), ("family", families), ("offence", offences), ("victim", victims)):
        ws.bulk_insert(kind, items)
    return n


def test_centre_statistics_match_the_records_and_hide_small_counts(ws, tmp_path):
    from panti_desktop.reports import statistics

    _study_centre(ws)
    girl = ws.register_child({"full_name": "Satu Perempuan", "sex": "female", "intake_date": "2026-03-01"})
    for day, setting in (("2026-03-02", "home"), ("2026-03-03", "home"), ("2026-03-04", "home"),
                         ("2026-03-05", "school")):
        s = ws.save_session_draft({"child_id": girl.id, "session_date": day, "setting": setting,
                                   "participants": ["child"], "systems": ["family", "individual"],
                                   "duration_minutes": 45})
        ws.finalise_session(s.id)
    stats = statistics.compute(ws, date(2026, 1, 1), date(2026, 6, 30))
    assert dict(stats.table("service_setting").rows) == {"Home": 3, "School": 1}
    assert dict(stats.table("service_system").rows) == {"Family": 4, "Individual": 4}
    assert stats.children == 50
    assert dict(stats.table("family_structure").rows)["Intact"] == 27
    det = dict(stats.table("determinants").rows)
    assert det["Exposure to pornography"] == 21 and det["Peer influence"] == 16 and det["Own history as a victim"] == 5
    assert dict(stats.table("coercion").rows)["yes"] == 33
    assert dict(stats.table("victim_relationship").rows) == {"Friend": 43, "Stranger": 6}
    ages = [label for label, _n in stats.table("child_age").rows if label[0].isdigit()]
    assert ages == sorted(ages, key=lambda label: int(label.split("–")[0])) and len(ages) == 3  # scale order
    out = statistics.build(ws, tmp_path / "stats.pdf", date(2026, 1, 1), date(2026, 6, 30))
    text = _text(out)
    for label, count, pct in (("Intact", 27, "54%"), ("Exposure to pornography", 21, "43%"),
                              ("Peer influence", 16, "33%"), ("Own history as a victim", 5, "10%"),
                              ("Friend", 43, "88%")):
        assert f"{label}\n{count}\n{pct}" in text, label
    assert "Female\n<3\n–" in text  # one girl: never a count that singles her out
    assert "Satu Perempuan" not in text and "Anak Studi" not in text


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
