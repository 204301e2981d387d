"""Checking the records: `verify` (every sealed record and the audit chain) and `audit` (the log)."""

from __future__ import annotations

import sys

from ..i18n import _
from .common import EXIT_FAILED, EXIT_OK, _moment, _open, _table


def cmd_verify(args) -> int:
    with _open(args) as ws:
        problems = ws.verify()
        counts = ws.record_counts()
    if problems:
        print(_("Verification found {n} problems:").format(n=len(problems)), file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        return EXIT_FAILED
    print(_("All {n} records and the audit chain verified.").format(n=sum(counts.values())))
    return EXIT_OK


def cmd_audit(args) -> int:
    with _open(args) as ws:
        entries = ws.audit_entries(limit=args.limit)
    rows = [[str(e.seq), _moment(e.at), e.user, e.action, e.kind or "", e.record_id or "", e.detail or ""]
            for e in entries]
    print(_table(rows, ["#", _("When"), _("User"), _("Action"), _("Record type"), _("Record"), _("Detail")]))
    return EXIT_OK


def register(sub) -> None:
    """Add verify and audit to the top-level commands."""
    s = sub.add_parser("verify", help=_("open every sealed record and check the audit chain"))
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("audit", help=_("the audit log (managers and admins)"))
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=cmd_audit)
