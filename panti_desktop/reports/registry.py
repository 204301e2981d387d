"""Every report the product can print, declared once: read by the window's report dialogs, the
`report` command of the CLI and the installation self-test.

A report is a name, a title, the start of its file name, what it covers (one child, the
centre, the Recovery Kit), whether it takes a period, which options it offers, and its
builder. Adding a report is one entry here plus its builder module; the CLI grows a
subcommand and the child's file a choice by themselves.

Builders are imported when a report is made, not when this module is read: the command line
lists the reports (`report --help`) without loading the PDF library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from ..files import safe_file_name
from ..i18n import N_, _

Scope = Literal["child", "centre", "recovery"]


@dataclass(frozen=True)
class Report:
    name: str  # stable: the CLI subcommand and the audit log's word for it
    title: str  # English message id; `title_text()` translates it
    help: str  # one line for the CLI and the dialog's tooltip (message id)
    file_prefix: str  # the saved file is `{prefix}-{register no or centre}-{date}.pdf`
    scope: Scope
    builder: str  # "module:function" inside panti_desktop.reports
    period: bool = False  # takes a from/to period (else: the whole case, or a fixed span)
    options: tuple[str, ...] = ()  # "full_identity", "place", "password", "centre", "recommendation"
    kind: str | None = None  # for child reports: the `kind` the builder takes

    def title_text(self) -> str:
        return _(self.title)

    def help_text(self) -> str:
        return _(self.help)

    def file_name(self, subject: str, day: date | str | None = None) -> str:
        """The file name offered when saving: laporan-sosial-SA-2026-0001-2026-12-02.pdf (a register
        number like 12/PSMP/XI/2026 becomes 12-PSMP-XI-2026: one name, safe on Windows)."""
        day = day or date.today()
        day_text = day.isoformat() if isinstance(day, date) else str(day)
        return safe_file_name(f"{self.file_prefix}-{subject}-{day_text}.pdf")

    def builder_function(self) -> Callable[..., Path]:
        module, function = self.builder.split(":")
        return getattr(importlib.import_module(f"{__package__}.{module}"), function)

    def build(self, ws, out: Path, subject: str | None = None, **options) -> Path:
        """Write the report to `out`; `subject` is the child (id or register number) of a child report."""
        fn = self.builder_function()
        if self.scope == "child":
            return fn(ws, subject, Path(out), kind=self.kind, **options)
        if self.scope == "recovery":  # options: recovery_text (the key it prints)
            return fn(Path(out), ws.centre_code, ws.centre_name, **options)
        return fn(ws, Path(out), **options)


_CHILD_OPTIONS = ("full_identity", "place", "password")

REPORTS: dict[str, Report] = {r.name: r for r in (
    Report("progress", N_("Child Progress Report"),
           N_("a child's progress report (initials and register number only)"), "laporan", "child",
           "child_report:build", period=True, options=_CHILD_OPTIONS, kind="progress"),
    Report("court", N_("Social Report for the Probation Officer and the Court"),
           N_("the social report for the probation officer and the court"), "laporan-sosial", "child",
           "child_report:build", options=_CHILD_OPTIONS + ("recommendation",), kind="court"),
    Report("termination", N_("Termination Report"),
           N_("the termination report with the follow-up schedule"), "laporan-terminasi", "child",
           "child_report:build", options=_CHILD_OPTIONS, kind="termination"),
    Report("centre", N_("Centre Statistics Report"), N_("de-identified centre statistics for a period"),
           "statistik", "centre", "statistics:build", period=True, options=("password", "centre")),
    Report("recovery-kit", N_("Recovery Kit"), N_("the Recovery Kit for the safe (needs the recovery key)"),
           "recovery-kit", "recovery", "recovery_kit:write"),
)}

# The CLI has called the progress report `report child` since the first release.
CLI_NAMES = {"progress": "child"}


def cli_name(report: Report) -> str:
    return CLI_NAMES.get(report.name, report.name)


def child_reports() -> list[Report]:
    """The reports on one child, in the order the dialog offers them."""
    return [r for r in REPORTS.values() if r.scope == "child"]


def by_kind(kind: str) -> Report:
    """A child report by the `kind` its builder takes ("progress", "court", "termination")."""
    return next(r for r in child_reports() if r.kind == kind)
