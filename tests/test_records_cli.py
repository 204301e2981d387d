"""Every record of a child's file from the command line, and the register commands, as an
admin scripts a migration: fields from the one declaration, refused input in one sentence."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from panti_desktop.cli import main
from panti_desktop.domain.records import RECORD_TYPES

from .test_cli import ADMIN_PASS, admin_env, run
from .test_registers import BAD, N, register_rows, write_xlsx


@pytest.fixture
def centre(tmp_path, monkeypatch):
    d = tmp_path / "centre"
    monkeypatch.setenv("PANTI_KDF_TARGET_MS", "0")
    monkeypatch.setenv("PANTI_PASSPHRASE", ADMIN_PASS)
    assert main(["--lang", "en", "--data-dir", str(d), "init", "--centre-code", "TST", "--centre-name",
                 "Sentra Uji", "--admin", "admin"]) == 0
    monkeypatch.setenv("PANTI_USER", "admin")
    return d


def cli(d, *args) -> int:
    return main(["--lang", "en", "--data-dir", str(d), *args])


def _value(kind: str, field: str, made: dict[str, str]):
    meta = RECORD_TYPES[kind].field_meta(field)
    typ = meta["type"]
    if typ == "ref":
        return made[field.removesuffix("_id")]
    if typ == "code":
        default = RECORD_TYPES[kind].__dataclass_fields__[field].default
        return default if isinstance(default, str) else meta["vocab"].codes()[0]
    if typ == "date":
        return "2025-06-02"
    if typ == "int":
        return str(meta.get("lo") or 1)
    return "uji"


def test_record_add_list_show_update_for_every_kind(centre, capsys):
    assert cli(centre, "child", "add", "full_name=Budi Santoso", "birth_date=2011-03-12", "intake_date=2025-01-02") == 0
    ref = "TST-" + capsys.readouterr().out.split("TST-")[1].split(".")[0].strip()
    made: dict[str, str] = {}
    kinds = [k for k, cls in RECORD_TYPES.items() if cls.per_child() and cls.EDITABLE]
    assert {"family", "caregiver", "legal_track", "offence", "victim", "diversion", "session"} <= set(kinds)
    expected = {}
    for kind in kinds:
        cls = RECORD_TYPES[kind]
        data = {f: _value(kind, f, made) for f in cls.field_names()
                if f != "child_id" and cls.field_meta(f).get("required")}
        assert cli(centre, "record", "add", kind, ref, *[f"{k}={v}" for k, v in data.items()]) == 0, kind
        made[kind] = capsys.readouterr().out.split(" record ")[1].split()[0]
        expected[kind] = data
    from panti_desktop.workspace import Workspace

    with Workspace.open(centre, "admin", ADMIN_PASS) as ws:
        child_id = ws.resolve_child(ref)
        for kind, data in expected.items():
            stored = ws.records_for_child(kind, child_id)
            if kind == "follow_up":  # saving the termination scheduled the centre's follow-ups too
                assert made[kind] in [r.id for r in stored], kind
            else:
                assert [r.id for r in stored] == [made[kind]], kind
            mine = next(r for r in stored if r.id == made[kind])
            for k, v in data.items():
                assert str(mine.data[k]) == v, (kind, k)
    assert cli(centre, "record", "list", "session", ref) == 0
    assert made["session"] in capsys.readouterr().out
    # every kind was stored and can be shown and changed through the same declaration
    assert cli(centre, "record", "update", "family", made["family"], "household_size=6", "structure=intact") == 0
    capsys.readouterr()
    assert cli(centre, "record", "show", "family", made["family"], "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["household_size"], shown["structure"]) == (6, "intact")
    assert cli(centre, "record", "show", "family", made["family"]) == 0
    assert "Intact" in capsys.readouterr().out


def test_records_refuse_unknown_fields_and_wrong_types_in_one_sentence(centre, capsys):
    cli(centre, "child", "add", "full_name=Budi Santoso")
    ref = "TST-" + capsys.readouterr().out.split("TST-")[1].split(".")[0].strip()
    assert cli(centre, "record", "add", "offence", ref, "victim_count=abc") == 1
    assert "Number of victims" in capsys.readouterr().err
    assert cli(centre, "record", "add", "offence", ref, "shoe_size=3") == 2
    assert "Unknown field: shoe_size" in capsys.readouterr().err
    assert cli(centre, "record", "add", "spaceship", ref, "a=b") == 2
    assert "Unknown record type" in capsys.readouterr().err
    # child add refuses what it does not know, as child update does; nothing is registered
    assert cli(centre, "child", "add", "full_name=Andi", "structure=intact", "coercion=true") == 2
    assert "coercion, structure" in capsys.readouterr().err
    assert cli(centre, "child", "add", 'full_name=["a","b"]') == 1
    assert cli(centre, "child", "add", "full_name=Andi", "birth_date={}") == 1
    assert "Date of birth takes one value" in capsys.readouterr().err
    assert cli(centre, "child", "list", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert cli(centre, "child", "list", "--limit", "-1") == 2
    assert "negative" in capsys.readouterr().err


def test_help_lists_the_fields_with_types_and_codes(centre, capsys):
    with pytest.raises(SystemExit):
        cli(centre, "child", "add", "--help")
    out = capsys.readouterr().out
    assert "full_name *  [text]" in out and "male, female" in out and "birth_date  [date YYYY-MM-DD]" in out
    assert cli(centre, "record", "fields", "victim") == 0
    out = capsys.readouterr().out
    assert "code *  [text]" in out and "age_band" in out and "5_8" in out


def test_import_register_through_the_cli(centre, tmp_path, capsys):
    path = write_xlsx(tmp_path / "register.xlsx", register_rows())
    assert cli(centre, "import-register", str(path), "--dry-run") == 1  # refused rows: nothing to import yet
    out = capsys.readouterr().out
    assert "Dry run" in out and f"{len(BAD)} refused" in out
    assert cli(centre, "child", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert cli(centre, "import-register", str(path)) == 1  # all or nothing
    assert "nothing was imported" in capsys.readouterr().err
    refused = tmp_path / "fix.csv"
    assert cli(centre, "import-register", str(path), "--good-rows-only", "--refused-out", str(refused)) == 0
    assert f"{N - len(BAD)} new children" in capsys.readouterr().out
    assert len(refused.read_text(encoding="utf-8-sig").splitlines()) == len(BAD) + 1
    assert cli(centre, "import-register", str(path), "--good-rows-only", "--json") == 0
    preview = json.loads(capsys.readouterr().out)
    assert {r["action"] for r in preview["rows"]} == {"unchanged", "refused"}
    assert preview["columns"]["TTL"] == "ttl"
    out = tmp_path / "caseload.xlsx"
    assert cli(centre, "export-sheet", "--what", "caseload", "--out", str(out)) == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 4 + N - len(BAD)
    assert cli(centre, "export-sheet", "--what", "caseload", "--out", str(tmp_path / "x.csv")) == 2


def test_a_closed_pipe_ends_quietly_and_demo_twice_refuses_in_one_sentence(tmp_path):
    d = tmp_path / "demo"
    run(["demo", "--children", "3", "--quiet"], admin_env(PANTI_PASSPHRASE="demo-passphrase-2026"), d, check=0)
    env = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": "demo-passphrase-2026"}
    r = run(["demo", "--children", "5", "--quiet"], env, d, check=1)
    assert len(r.stderr.strip().splitlines()) == 1 and "seed" in r.stderr
    r = run(["demo", "--children", "2", "--seed", "2", "--quiet"], env, d, check=0)
    r = run(["--lang", "en", "child", "list", "--json"], env, d, check=0)
    assert len(json.loads(r.stdout)) == 5
    # `child list | head -1`: the reader closes the pipe early
    import os

    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("PANTI_")}, **env,
                "PANTI_HOME": str(d), "PANTI_KDF_TARGET_MS": "0"}
    full_env.pop("PYTHONUNBUFFERED", None)
    for args, unbuffered in ((["record", "fields", "session"], "1"), (["record", "fields", "session"], ""),
                             (["--lang", "en", "child", "list"], "")):
        # the reader is gone before anything is written (what `| head` does to a long output);
        # with buffered output the write happens when the command has finished
        env = {**full_env, "PYTHONUNBUFFERED": unbuffered} if unbuffered else full_env
        p = subprocess.Popen([sys.executable, "-m", "panti_desktop", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        p.stdout.close()
        err = p.stderr.read().decode()
        assert p.wait() == 0, err
        assert err == ""


def test_import_register_with_a_mapping_file_and_a_bad_one(centre, tmp_path, capsys):
    from .test_registers import write_csv

    path = write_csv(tmp_path / "r.csv", [["Kode", "Anak", "Kelamin"], ["A-1", "Budi Santoso", "cowok"]],
                     "cp1252", ";")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"Kode": "child.register_no", "Anak": "child.full_name",
                                               "Kelamin": "child.sex"},
                                   "values": {"child.sex": {"cowok": "male"}}}), encoding="utf-8")
    assert cli(centre, "import-register", str(path), "--mapping", str(mapping)) == 0
    capsys.readouterr()
    assert cli(centre, "child", "show", "A-1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["child"]["sex"] == "male"
    mapping.write_text("{not json", encoding="utf-8")
    assert cli(centre, "import-register", str(path), "--mapping", str(mapping)) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert cli(centre, "import-register", str(tmp_path / "missing.xlsx")) == 1
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "notes.txt.pdf").write_bytes(b"%PDF")
    assert cli(centre, "import-register", str(tmp_path / "notes.txt.pdf")) == 1
    assert "not a register" in capsys.readouterr().err
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    assert cli(centre, "import-register", str(tmp_path / "broken.xlsx")) == 1
    assert "could not be read as a register" in capsys.readouterr().err
