"""The command line as an admin scripts it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

ADMIN_PASS = "admin-passphrase-1"


def run(args, env_extra=None, data_dir=None, check=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTI_")}
    env["PANTI_KDF_TARGET_MS"] = "0"
    if data_dir is not None:
        env["PANTI_HOME"] = str(data_dir)
    env.update(env_extra or {})
    r = subprocess.run([sys.executable, "-m", "panti_desktop", *args], capture_output=True, text=True,
                       env=env, stdin=subprocess.DEVNULL)
    assert "Traceback" not in r.stderr, r.stderr
    if check is not None:
        assert r.returncode == check, (r.returncode, r.stdout, r.stderr)
    return r


def admin_env(**extra):
    return {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS, **extra}


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    d = tmp_path_factory.mktemp("centre")
    r = run(["init", "--centre-code", "JKT", "--centre-name", "Sentra Handayani", "--admin", "admin"],
            {"PANTI_PASSPHRASE": ADMIN_PASS}, d, check=0)
    recovery = next(line.strip() for line in r.stdout.splitlines() if line.count("-") == 6)
    run(["demo", "--children", "12", "--seed", "3", "--quiet"], admin_env(), d, check=0)
    run(["user", "add", "siti", "--role", "counsellor"], admin_env(PANTI_NEW_PASSPHRASE="siti-passphrase-1"), d, check=0)
    run(["user", "add", "budi", "--role", "staff"], admin_env(PANTI_NEW_PASSPHRASE="budi-passphrase-1"), d, check=0)
    return d, recovery


def test_init_prints_the_recovery_key_once_and_refuses_a_second_vault(centre):
    d, recovery = centre
    assert len(recovery.split("-")) == 7
    r = run(["init", "--centre-code", "JKT", "--centre-name", "X", "--admin", "admin"],
            {"PANTI_PASSPHRASE": ADMIN_PASS}, d, check=1)
    assert "already" in r.stderr or "sudah" in r.stderr


def test_child_list_and_show_json(centre):
    d, _ = centre
    r = run(["child", "list", "--json"], admin_env(), d, check=0)
    children = json.loads(r.stdout)
    assert len(children) == 12
    first = children[0]
    assert set(first) >= {"id", "register_no", "initials", "age", "status"}
    assert "full_name" not in first
    r = run(["child", "show", first["register_no"], "--json"], admin_env(), d, check=0)
    shown = json.loads(r.stdout)
    assert shown["child"]["register_no"] == first["register_no"]
    assert "session" in shown["sections"] and shown["hidden_sections"] == []


def test_staff_cannot_read_clinical_records_but_a_counsellor_can(centre):
    d, _ = centre
    staff = {"PANTI_USER": "budi", "PANTI_PASSPHRASE": "budi-passphrase-1"}
    ref = json.loads(run(["child", "list", "--json"], staff, d, check=0).stdout)[0]["register_no"]
    shown = json.loads(run(["child", "show", ref, "--json"], staff, d, check=0).stdout)
    assert "session" not in shown["sections"] and "offence" not in shown["sections"]
    assert "session" in shown["hidden_sections"] and "family" in shown["sections"]
    counsellor = {"PANTI_USER": "dewi", "PANTI_PASSPHRASE": "demo-passphrase-2026"}
    mine = json.loads(run(["child", "list", "--json"], counsellor, d, check=0).stdout)[0]["register_no"]
    shown = json.loads(run(["child", "show", mine, "--json"], counsellor, d, check=0).stdout)
    assert "session" in shown["sections"] and not shown["outside_caseload"]


def dewi_id(d):
    users = json.loads(run(["user", "list", "--json"], admin_env(), d, check=0).stdout)
    return next(u["id"] for u in users if u["name"] == "dewi")


def test_a_counsellor_opens_a_file_outside_the_caseload_only_with_a_reason(centre, tmp_path):
    """The caseload limit holds through the CLI: the list, child show, the reports, reassignment."""
    d, _ = centre
    dewi = {"PANTI_USER": "dewi", "PANTI_PASSPHRASE": "demo-passphrase-2026"}
    mine = json.loads(run(["child", "list", "--json"], dewi, d, check=0).stdout)
    every = json.loads(run(["child", "list", "--all", "--json"], dewi, d, check=0).stdout)
    assert mine and {c["counsellor"] for c in mine} == {"dewi"} and all(c["in_caseload"] for c in mine)
    assert len(every) == 12 and {c["register_no"] for c in every if c["in_caseload"]} == {c["register_no"] for c in mine}
    other = next(c["register_no"] for c in every if not c["in_caseload"])
    printed = run(["--lang", "en", "child", "list", "--all"], dewi, d, check=0).stdout
    assert f"{other} *" in printed and "not in your caseload" in printed

    shown = json.loads(run(["child", "show", other, "--json"], dewi, d, check=0).stdout)
    assert shown["outside_caseload"] and "session" in shown["hidden_sections"] and "session" not in shown["sections"]
    assert "family" in shown["sections"]  # the case part stays open, as to staff
    assert "--open-anyway" in run(["--lang", "en", "child", "show", other], dewi, d, check=0).stdout
    r = run(["--lang", "en", "report", "child", other, "--out", str(tmp_path / "r.pdf")], dewi, d, check=1)
    assert "not in your caseload" in r.stderr and not (tmp_path / "r.pdf").exists()
    r = run(["--lang", "en", "child", "update", other, "counsellor_id=" + dewi_id(d)], dewi, d, check=1)
    assert "Only a manager or an administrator can change a child's counsellor." in r.stderr
    r = run(["--lang", "en", "child", "show", other, "--open-anyway", "ok"], dewi, d, check=1)
    assert "at least" in r.stderr

    shown = json.loads(run(["child", "show", other, "--json", "--open-anyway", "Agus is ill; his client called"],
                           dewi, d, check=0).stdout)
    assert not shown["outside_caseload"] and "session" in shown["sections"]
    run(["report", "child", other, "--out", str(tmp_path / "r.pdf"), "--open-anyway", "court asks today"],
        dewi, d, check=0)
    assert (tmp_path / "r.pdf").exists()
    log = run(["--lang", "en", "audit", "--limit", "10"], admin_env(), d, check=0).stdout
    assert "open_anyway" in log and "Agus is ill; his client called" in log and "court asks today" in log


def test_wrong_passphrase_unknown_user_exit_1_with_clear_message(centre):
    d, _ = centre
    r = run(["child", "list"], {"PANTI_USER": "admin", "PANTI_PASSPHRASE": "not the passphrase"}, d, check=1)
    assert r.stderr.strip().endswith("The passphrase is wrong.") or "salah" in r.stderr
    r = run(["--lang", "en", "child", "list"], {"PANTI_USER": "ghost", "PANTI_PASSPHRASE": "x" * 12}, d, check=1)
    assert "There is no user named ghost." in r.stderr
    r = run(["--lang", "id", "child", "list"], {"PANTI_USER": "admin", "PANTI_PASSPHRASE": "not the passphrase"}, d, check=1)
    assert "Frasa sandi salah." in r.stderr


def test_usage_errors_exit_2(centre):
    d, _ = centre
    run(["child", "frobnicate"], admin_env(), d, check=2)
    run(["user", "add", "x", "--role", "wizard"], admin_env(), d, check=2)
    r = run(["--lang", "en", "child", "list"], {}, d, check=2)
    assert "PANTI_USER" in r.stderr
    r = run(["--lang", "en", "child", "list"], {"PANTI_USER": "admin"}, d, check=2)
    assert "PANTI_PASSPHRASE" in r.stderr


def test_child_update_is_validated(centre):
    d, _ = centre
    ref = json.loads(run(["child", "list", "--json"], admin_env(), d, check=0).stdout)[0]["register_no"]
    r = run(["--lang", "en", "child", "update", ref, "birth_date=2024-02-30"], admin_env(), d, check=1)
    assert "birth_date" in r.stderr or "date" in r.stderr
    run(["child", "update", ref, "nickname=Iki"], admin_env(), d, check=0)
    shown = json.loads(run(["child", "show", ref, "--json"], admin_env(), d, check=0).stdout)
    assert shown["child"]["nickname"] == "Iki"
    r = run(["--lang", "en", "child", "update", ref, "no_such_field=1"], admin_env(), d, check=2)
    assert "no_such_field" in r.stderr


def test_search_by_name_finds_the_child(centre):
    d, _ = centre
    ref = json.loads(run(["child", "list", "--json"], admin_env(), d, check=0).stdout)[0]["register_no"]
    full = json.loads(run(["child", "show", ref, "--json"], admin_env(), d, check=0).stdout)["child"]["full_name"]
    word = full.split()[0].lower()
    found = json.loads(run(["child", "list", "--json", "--search", word], admin_env(), d, check=0).stdout)
    assert ref in [c["register_no"] for c in found]


def test_verify_passes_then_names_a_damaged_record(centre, tmp_path):
    import shutil
    import sqlite3

    d, _ = centre
    run(["verify"], admin_env(), d, check=0)
    copy = tmp_path / "copy"
    shutil.copytree(d, copy)
    con = sqlite3.connect(copy / "centre.db")
    sid, payload = con.execute("SELECT id, payload FROM session LIMIT 1").fetchone()
    other = con.execute("SELECT id FROM session WHERE id != ? LIMIT 1", [sid]).fetchone()[0]
    con.execute("UPDATE session SET payload = ? WHERE id = ?", [payload, other])
    con.commit()
    con.close()
    r = run(["--lang", "en", "verify"], admin_env(), copy, check=1)
    assert other in r.stderr and sid not in r.stderr


def test_recover_sets_a_new_passphrase_and_the_old_one_stops_working(centre, tmp_path):
    import shutil

    d, recovery = centre
    copy = tmp_path / "copy"
    shutil.copytree(d, copy)
    run(["recover", "--user", "siti"], {"PANTI_RECOVERY_KEY": recovery, "PANTI_NEW_PASSPHRASE": "siti-new-passphrase"}, copy, check=0)
    run(["child", "list"], {"PANTI_USER": "siti", "PANTI_PASSPHRASE": "siti-new-passphrase"}, copy, check=0)
    run(["child", "list"], {"PANTI_USER": "siti", "PANTI_PASSPHRASE": "siti-passphrase-1"}, copy, check=1)
    r = run(["--lang", "en", "recover", "--user", "siti"],
            {"PANTI_RECOVERY_KEY": "AAAA-AAAA", "PANTI_NEW_PASSPHRASE": "whatever-pass"}, copy, check=1)
    assert "recovery key" in r.stderr


def test_user_remove_and_list(centre, tmp_path):
    import shutil

    d, _ = centre
    copy = tmp_path / "copy"
    shutil.copytree(d, copy)
    run(["user", "remove", "siti"], admin_env(), copy, check=0)
    names = [u["name"] for u in json.loads(run(["user", "list", "--json"], {}, copy, check=0).stdout)]
    assert "siti" not in names and "admin" in names
    r = run(["--lang", "en", "child", "list"], {"PANTI_USER": "siti", "PANTI_PASSPHRASE": "siti-passphrase-1"}, copy, check=1)
    assert "no user named siti" in r.stderr
    run(["verify"], admin_env(), copy, check=0)
    run(["child", "list"], {"PANTI_USER": "budi", "PANTI_PASSPHRASE": "budi-passphrase-1"}, copy, check=0)


def test_no_vault_is_a_clear_error(tmp_path):
    r = run(["--lang", "en", "child", "list"], admin_env(), tmp_path / "nothing", check=1)
    assert "No centre vault was found" in r.stderr


def test_bench_prints_every_operation_with_its_ratio(tmp_path):
    r = run(["--lang", "en", "bench", "--children", "6", "--sessions-per-child", "3", "--repeats", "1",
             "--register-rows", "40", "--attachments-mb", "10"], {"TMPDIR": str(tmp_path)}, check=0)
    for op in ("open the children list", "search by name", "open one child's full file", "save a session",
               "full scan of all sessions", "bulk insert of"):
        assert op in r.stdout
    ratios = [float(line.split("×")[0].split()[-1]) for line in r.stdout.splitlines() if "×" in line]
    assert len(ratios) == 21 and all(x > 0 for x in ratios)
    assert "centre statistics report over 6 children" in r.stdout and "counting and protecting only" in r.stdout
    assert "add a 10 MB PDF" in r.stdout and "preview a 10 MB PDF" in r.stdout and "backup with 10 MB" in r.stdout
    assert "register import, 40 rows" in r.stdout and "the same register imported again" in r.stdout
    for op in ("full export", "full import at headquarters", "incremental export of one week",
               "re-import of an imported bundle"):
        assert op in r.stdout
    assert "child progress report, 200 sessions" in r.stdout and "centre statistics over" in r.stdout
    assert "restore a backup" in r.stdout
    assert list(tmp_path.iterdir()) == []  # the temporary vaults are gone


def test_child_show_speaks_the_chosen_language(centre):
    """The printed view names sections and dates as a person reads them; --json keeps stable keys."""
    d, _ = centre
    staff = {"PANTI_USER": "budi", "PANTI_PASSPHRASE": "budi-passphrase-1"}
    ref = json.loads(run(["child", "list", "--json"], staff, d, check=0).stdout)[0]["register_no"]
    text = run(["child", "show", ref], staff, d, check=0).stdout  # Indonesian by default
    assert "Keluarga" in text and "family" not in text and "legal_track" not in text
    assert "Sesi" in text  # among the sections the role cannot read
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None  # long dates, not ISO
    english = run(["--lang", "en", "child", "show", ref], staff, d, check=0).stdout
    assert "Family" in english and "Session" in english


def test_a_missing_library_is_one_sentence_not_a_traceback(tmp_path):
    """reportlab removed from an installation: `report` says what is missing, exit 1."""
    code = textwrap.dedent("""
        import sys
        sys.modules["reportlab"] = None  # as if it were not installed
        from panti_desktop.cli import main
        sys.exit(main(["--lang", "en", "--data-dir", sys.argv[1], "report", "centre", "--out", "x.pdf"]))
    """)
    env = {**os.environ, "PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS}
    from panti_desktop.workspace import Workspace

    from .conftest import FLOOR

    Workspace.init(tmp_path / "v", "TST", "Sentra Uji", "admin", ADMIN_PASS, kdf=FLOOR)[0].close()
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "v")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "A part of Panti is not installed (reportlab" in done.stderr


def test_indonesian_help_has_no_english_left():
    """argparse's own lines too: '--version' said "show program's version number and exit" (issue 20)."""
    r = run(["--lang", "id", "--help"], check=0)
    assert "tampilkan nomor versi program lalu keluar" in r.stdout and "show program" not in r.stdout
    assert "tampilkan bantuan ini lalu keluar" in r.stdout and "positional arguments" not in r.stdout


def test_the_printed_lists_show_long_dates_and_json_keeps_iso(centre):
    """Issue 20: the CLI printed ISO dates while the window says "2 Desember 2026"."""
    d, _ = centre
    iso = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
    long = re.compile(r"\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des)")
    for args in (["child", "list"], ["user", "list"]):
        out = run(["--lang", "id", *args], admin_env(), d, check=0).stdout
        assert not iso.search(out) and long.search(out), (args, out)
    audit = run(["--lang", "id", "audit", "--limit", "5"], admin_env(), d, check=0).stdout.splitlines()[2:]
    assert audit and all(long.match(line.split(None, 1)[1]) for line in audit), audit  # "When", after "#"
    children = json.loads(run(["child", "list", "--json"], admin_env(), d, check=0).stdout)
    assert any(c["last_session"] and iso.fullmatch(c["last_session"]) for c in children)
