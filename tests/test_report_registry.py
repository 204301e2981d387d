"""One registry of reports (reports/registry.py) feeds the CLI, the window's dialog and the self-test:
a report added there appears everywhere; each builds from every place with the same options."""

from __future__ import annotations

import argparse

from pypdf import PdfReader

from panti_desktop.cli import build_parser
from panti_desktop.reports import registry
from panti_desktop.reports.registry import REPORTS

from .conftest import ADMIN_PASS
from .test_cli import run
from .test_reports import file  # noqa: F401 - the fixture

ENV = {"PANTI_USER": "admin", "PANTI_PASSPHRASE": ADMIN_PASS}


def _report_subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rep = sub.choices["report"]
    return next(a for a in rep._actions if isinstance(a, argparse._SubParsersAction)).choices


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_every_report_is_a_cli_subcommand_with_its_options():
    subs = _report_subcommands()
    assert set(subs) == {registry.cli_name(r) for r in REPORTS.values()}
    for report in REPORTS.values():
        flags = {opt for a in subs[registry.cli_name(report)]._actions for opt in a.option_strings}
        assert ("--from" in flags) == report.period and ("--to" in flags) == report.period
        assert ("--full-identity" in flags) == ("full_identity" in report.options)
        assert ("--centre" in flags) == ("centre" in report.options)
        assert ("--recommendation" in flags) == ("recommendation" in report.options)
        assert "--out" in flags


def test_court_and_termination_reports_from_the_command_line(ws, file, tmp_path):  # noqa: F811
    no = file.data["register_no"]
    run(["--lang", "en", "report", "court", no, "--out", str(tmp_path / "court.pdf"), "--place", "Bekasi",
         "--recommendation", "Dikembalikan kepada orang tua."], ENV, ws.data_dir, check=0)
    text = _text(tmp_path / "court.pdf")
    assert "Social Report for the Probation Officer and the Court" in text and "Bekasi" in text
    r = run(["--lang", "en", "report", "termination", no, "--out", str(tmp_path / "t.pdf")], ENV, ws.data_dir, check=1)
    assert "no termination record" in r.stderr and not (tmp_path / "t.pdf").exists()
    r = run(["report", "court", no, "--from", "2026-01-01", "--out", str(tmp_path / "x.pdf")], ENV, ws.data_dir,
            check=2)  # the court report covers the whole case: no period to give
