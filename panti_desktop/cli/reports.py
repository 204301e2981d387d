"""PDF reports: `report KIND`, one subcommand per report of reports/registry.py."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UsageError
from ..i18n import _
from ..reports.registry import REPORTS, cli_name
from .common import EXIT_OK, _data_dir, _open, _Parser, _secret, _user, add_open_anyway


def _report_password(args) -> str | None:
    if not args.password_env:
        return None
    value = os.environ.get(args.password_env)
    if not value:
        raise UsageError(_("The environment variable {var} holds no password.").format(var=args.password_env))
    return value


def _recommendation(args) -> str | None:
    """The social worker's assessment and recommendation: typed, or read from a text file."""
    if args.recommendation_file:
        try:
            return Path(args.recommendation_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(_("The recommendation file cannot be read: {error}").format(error=exc)) from exc
    return args.recommendation


def cmd_report(args) -> int:
    """Any report of the registry but the Recovery Kit (see reports/registry.py)."""
    # the field parsers load only when a report runs
    from ..domain.fields import parse_date

    report = REPORTS[args.report]
    start = parse_date(getattr(args, "date_from", None), "from", "--from")
    end = parse_date(getattr(args, "date_to", None), "to", "--to")
    options: dict = {"password": _report_password(args)}
    if report.period:
        options.update(start=start, end=end)
    if "full_identity" in report.options:
        options["full_identity"] = args.full_identity
    if "place" in report.options:
        options["place"] = args.place
    if "centre" in report.options:
        options["centre"] = args.centre.upper() if args.centre else None
    if "recommendation" in report.options:
        options["recommendation"] = _recommendation(args)
    with _open(args) as ws:
        if getattr(args, "open_anyway", None) is not None:
            ws.open_anyway(args.ref, args.open_anyway)
        out = report.build(ws, Path(args.out), getattr(args, "ref", None), **options)
        rec = ws.reviews.current(args.ref) if "recommendation" in report.options else None
    print(_("Report written: {path}").format(path=out))
    if rec is not None and not rec.approved:
        print(_("The recommendation waits for a manager's review (review list): the report is marked as a "
                "draft on every page."))
    return EXIT_OK


def cmd_report_recovery_kit(args) -> int:
    # the workspace (store, cryptography) loads only when a command runs
    from ..workspace import Workspace

    key = _secret("PANTI_RECOVERY_KEY", _("Recovery key: "))
    with Workspace.open_with_recovery(_data_dir(args), key, _user(args)) as ws:  # proves the key is this vault's
        out = REPORTS["recovery-kit"].build(ws, Path(args.out), recovery_text=key)
        ws.audit_event("print", detail="recovery kit")
    print(_("Report written: {path}").format(path=out))
    return EXIT_OK


def register(sub) -> None:
    """Add report, with one subcommand per report of the registry, to the top-level commands."""
    rep = sub.add_parser("report", help=_("PDF reports")).add_subparsers(
        dest="report_command", metavar="KIND", parser_class=_Parser)
    for report in REPORTS.values():  # one subcommand per report of the registry
        s = rep.add_parser(cli_name(report), help=report.help_text())
        if report.scope == "child":
            s.add_argument("ref", metavar="REF")
            add_open_anyway(s)
        if report.period:
            s.add_argument("--from", dest="date_from", metavar="DATE")
            s.add_argument("--to", dest="date_to", metavar="DATE")
        s.add_argument("--out", required=True, metavar="FILE")
        if "full_identity" in report.options:
            s.add_argument("--full-identity", action="store_true",
                           help=_("include the full identity (recorded in the audit log)"))
        if "password" in report.options:
            s.add_argument("--password-env", metavar="VAR", help=_("encrypt the PDF with the password in this variable"))
        if "place" in report.options:
            s.add_argument("--place", default="", help=_("place written above the signatures"))
        if "recommendation" in report.options:
            s.add_argument("--recommendation", metavar="TEXT",
                           help=_("the social worker's assessment and recommendation, saved for the child "
                                  "and sent to a manager for review (without it, the saved one prints)"))
            s.add_argument("--recommendation-file", metavar="FILE", help=_("the same, read from a text file"))
        if "centre" in report.options:
            s.add_argument("--centre", metavar="CODE", help=_("one centre only (at headquarters); all centres by default"))
        s.set_defaults(func=cmd_report_recovery_kit if report.scope == "recovery" else cmd_report,
                       report=report.name)
