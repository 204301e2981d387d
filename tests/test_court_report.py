"""The social report for the PK and the judge, read back as text: each section with this file's own
values; the progress report of a child in aftercare; a goal rated once on the chart; embedded fonts."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from panti_desktop.dates import long_date
from panti_desktop.errors import ValidationError
from panti_desktop.reports import child_report
from panti_desktop.workspace import Workspace

from .conftest import FLOOR
from .test_cli import admin_env, run

CHILD = {"full_name": "Rizki Aditya Pratama", "birth_date": "2011-04-12", "school_name": "SMPN 12 Jakarta",
         "education": "junior", "school_status": "in_school", "living_arrangement": "both_parents",
         "intake_date": "2026-02-01", "offence_date": "2025-12-20"}
RECOMMENDATION = "Anak dikembalikan kepada orang tua dengan pengawasan PK Bapas selama enam bulan."


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture
def court_file(ws):
    ws.add_user("siti", "counsellor", "siti passphrase 1", kdf=FLOOR)
    ws.add_user("mira", "manager", "mira passphrase 1", kdf=FLOOR)
    siti, mira = ws.user_id("siti"), ws.user_id("mira")
    ws.save_user_profile(siti, {"full_name": "Siti Rahmawati, S.Sos.", "staff_no": "198805122015032001",
                                "position": "Pekerja Sosial Ahli Pertama"})
    ws.save_user_profile(mira, {"full_name": "Dra. Mira Lestari", "staff_no": "197203041998032002",
                                "position": "Kepala Seksi Rehabilitasi Sosial"})
    child = ws.register_child({**CHILD, "counsellor_id": siti})
    ws.add_record("legal_track", {"child_id": child.id, "stage": "investigation", "threatened_penalty_months": 60,
                                  "repeat_offence": False, "letter_no": "B/123/II/2026/Reskrim",
                                  "letter_date": "2026-01-28", "referral_source": "police"})
    fam = ws.add_record("family", {"child_id": child.id, "structure": "intact", "household_size": 6,
                                   "welfare_register": True, "supervision_capacity": "medium",
                                   "needs": "Penghasilan tidak tetap; ayah bekerja di luar kota"})
    ws.add_record("caregiver", {"child_id": child.id, "family_id": fam.id, "relation": "mother",
                                "education": "primary", "occupation": "trader", "income_band": "under_1m",
                                "lives_with_child": True, "primary": True})
    ws.add_record("assessment", {"child_id": child.id, "template_id": "determinants", "assessed_on": "2026-02-10",
                                 "answers": {"pornography": "2", "peer_influence": "1", "own_victimisation": "no",
                                             "device_access": "2", "family_supervision": "2"},
                                 "risk_level": "medium",
                                 "summary": "Paparan pornografi lewat ponsel tanpa pengawasan."})
    plan = ws.add_record("plan", {"child_id": child.id, "start_date": "2026-02-15", "review_date": "2026-05-15"})
    goal = ws.add_record("intermediate_goal", {"child_id": child.id, "plan_id": plan.id, "system": "family",
                                               "text": "Ibu menyimpan ponsel anak setiap malam",
                                               "status": "in_progress"})
    ws.add_record("intervention", {"child_id": child.id, "plan_id": plan.id, "type": "parent_training",
                                   "description": "Pelatihan pengasuhan untuk ibu", "frequency": "mingguan"})
    mgr = Workspace.open(ws.data_dir, "mira", "mira passphrase 1")
    try:
        mgr.approve_plan(plan.id)
    finally:
        mgr.close()
    s = ws.save_session_draft({"child_id": child.id, "session_date": "2026-03-02", "participants": ["child"],
                               "duration_minutes": 60, "goals": [{"goal_id": goal.id, "rating": 2}]})
    ws.finalise_session(s.id)
    ws.add_record("victim", {"child_id": child.id, "code": "K1", "age_band": "9_12", "relationship": "neighbour",
                             "rj_ready": True, "rj_consent": True, "rj_consent_by": "parent",
                             "rj_consent_date": "2026-02-20"})
    return child


def test_the_social_report_has_every_section_with_this_files_values(ws, court_file, tmp_path):
    with pytest.raises(ValidationError, match="recommendation"):
        child_report.build(ws, court_file.id, tmp_path / "x.pdf", kind="court")
    assert not (tmp_path / "x.pdf").exists()
    # the social worker writes the recommendation: it prints as a draft until a manager approves it
    siti = Workspace.open(ws.data_dir, "siti", "siti passphrase 1")
    try:
        draft = _text(child_report.build(siti, court_file.id, tmp_path / "draft.pdf", kind="court",
                                         end=date(2026, 3, 31), recommendation=RECOMMENDATION)).replace("\n", " ")
    finally:
        siti.close()
    assert "DRAFT — not reviewed" in draft and "Not reviewed yet" in draft and RECOMMENDATION in draft
    assert "Dra. Mira Lestari" not in draft  # no reviewer signs a draft
    mira = Workspace.open(ws.data_dir, "mira", "mira passphrase 1")
    try:
        [waiting] = mira.reviews.waiting_for_me()
        mira.reviews.approve(waiting.record_id, seen_text=RECOMMENDATION)
    finally:
        mira.close()
    out = child_report.build(ws, court_file.id, tmp_path / "court.pdf", kind="court", end=date(2026, 3, 31))
    text = _text(out).replace("\n", " ")
    assert "DRAFT" not in text
    for heading in ("Chronology of the case and the services", "Family and socio-economic situation", "School",
                    "Assessment findings (risk and needs)", "Interventions and progress against the plan's goals",
                    "The victims' position (de-identified)", "Assessment and recommendation"):
        assert heading in text, heading
    # the chronology's dates and events
    for day, event in (("20 December 2025", "Offence"), ("28 January 2026", "B/123/II/2026/Reskrim"),
                       ("1 February 2026", "Intake at the centre"), ("10 February 2026", "Assessment"),
                       ("2 March 2026", "First session")):
        assert day in text and event in text
    chron = text[text.index("Chronology of the case"):text.index("Family and socio-economic")]
    assert chron.index("20 December 2025") < chron.index("1 February 2026") < chron.index("2 March 2026")
    # socio-economic situation and school
    assert "Penghasilan tidak tetap" in text and "Trader" in text and "Under IDR 1 million" in text
    assert "Junior secondary" in text and "In school" in text and "Both parents" in text
    assert "SMPN 12 Jakarta" not in text  # the school's name identifies the child
    # the instrument and its findings
    assert "Determinants of the behaviour, version 1" in text and "Paparan pornografi lewat ponsel" in text
    assert "Exposure and influence" in text and "Medium" in text
    # interventions and progress; the victim in de-identified terms
    assert "Ibu menyimpan ponsel anak" in text and "Pelatihan pengasuhan" in text
    assert "Victim 1" in text and "Neighbour" in text and "K1" not in text
    # the recommendation the social worker typed; the signatures with full names, NIP, positions and
    # the date of the review
    assert RECOMMENDATION in text
    for words in ("Siti Rahmawati, S.Sos.", "198805122015032001", "Pekerja Sosial Ahli Pertama",
                  "Dra. Mira Lestari", "Kepala Seksi Rehabilitasi Sosial", "Reviewed and approved by",
                  "Reviewed on " + long_date(date.today())):
        assert words in text, words
    assert not re.search(r"\b(siti|mira)\b", text)  # never a login name
    assert "Rizki" not in text
    entry = next(e for e in ws.audit_entries() if e.action == "print")
    assert RECOMMENDATION in entry.detail and "approved by mira" in entry.detail


def test_every_report_names_only_embedded_fonts(ws, court_file, tmp_path):
    from panti_desktop.reports import recovery_kit, statistics

    outs = [child_report.build(ws, court_file.id, tmp_path / "p.pdf", start=date(2026, 2, 1), end=date(2026, 3, 31)),
            child_report.build(ws, court_file.id, tmp_path / "c.pdf", kind="court", recommendation="Baik."),  # a draft
            statistics.build(ws, tmp_path / "s.pdf", start=date(2026, 1, 1), end=date(2026, 3, 31)),
            recovery_kit.write(tmp_path / "k.pdf", ws.centre_code, ws.centre_name, ws.recovery_text)]
    for out in outs:
        _embedded_only(out)


def _embedded_only(out) -> None:
    fonts = []
    for page in PdfReader(str(out)).pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            f = f.get_object()
            desc = f.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in f:
                desc = f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            fonts.append((str(f["/BaseFont"]), desc is not None and any(
                k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert not any("Helvetica" in name for name, _e in fonts)
    if shutil.which("pdffonts"):
        listing = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
        assert "Helvetica" not in listing
        assert all(line.split()[-5] == "yes" for line in listing.splitlines()[2:])  # the "emb" column
    if shutil.which("qpdf"):
        subprocess.run(["qpdf", "--check", str(out)], check=True, capture_output=True)


def test_a_goal_rated_once_is_a_point_on_the_chart(ws, court_file):
    [goal] = ws.records_for_child("intermediate_goal", court_file.id)
    sessions = [s for s in ws.records_for_child("session", court_file.id)]
    drawing = child_report._ratings_chart([goal], sessions, date(2026, 2, 1), date(2026, 3, 31), 400)
    plot = next(c for c in drawing.contents if hasattr(c, "lines"))
    assert plot.data == [[(29, 2)]] and plot.lines[0].symbol is not None


def test_the_progress_report_in_aftercare_lists_the_follow_ups(ws, court_file, tmp_path):
    ws.add_record("termination", {"child_id": court_file.id, "terminated_on": "2026-03-20",
                                  "reason": "goals_achieved"})
    text = _text(child_report.build(ws, court_file.id, tmp_path / "p.pdf", start=date(2026, 2, 1),
                                    end=date(2026, 3, 31)))
    assert "Follow-up schedule" in text and "20 April 2026" in text and "20 March 2027" in text


def test_the_social_report_and_profiles_from_the_command_line(ws, court_file, tmp_path):
    d, reg = ws.data_dir, court_file.data["register_no"]
    r = run(["--lang", "en", "user", "profile", "full_name=Admin Sentra", "position=Administrator"],
            admin_env(), d, check=0)
    assert "Admin Sentra" in r.stdout
    r = run(["--lang", "en", "report", "court", reg, "--out", str(tmp_path / "c.pdf")], admin_env(), d)
    assert r.returncode != 0 and "recommendation" in r.stderr and not (tmp_path / "c.pdf").exists()
    run(["report", "court", reg, "--out", str(tmp_path / "c.pdf"), "--recommendation", RECOMMENDATION],
        admin_env(), d, check=0)
    assert RECOMMENDATION in _text(tmp_path / "c.pdf").replace("\n", " ")
    env = {"PANTI_USER": "siti", "PANTI_PASSPHRASE": "siti passphrase 1"}
    r = run(["--lang", "en", "user", "profile", "mira", "position=X"], env, d)
    assert r.returncode != 0 and "administrator" in r.stderr
