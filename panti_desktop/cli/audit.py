"""Checking the records: `verify` (every sealed record and the audit chain) and `audit` (the log)."""

from __future__ import annotations

import sys

from ..domain.consistency import records_named
from ..i18n import _, ngettext
from .common import EXIT_FAILED, EXIT_OK, _moment, _open, _table


def cmd_verify(args) -> int:
    if getattr(args, "consistency", False):
        return _verify_consistency(args)
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


def _verify_consistency(args) -> int:
    """Every contradiction between the records of a child's file, local or imported."""
    with _open(args) as ws:
        findings = ws.consistency_findings()
        registers = {f.child_id: ws.child_row(f.child_id).register_no for f in findings if f.child_id}
    if not findings:
        print(_("No contradictions between the records of the children's files."))
        return EXIT_OK
    print(ngettext("{n} contradiction between records:", "{n} contradictions between records:",
                   len(findings)).format(n=len(findings)), file=sys.stderr)
    for f in findings:
        print(f"  - {registers.get(f.child_id) or f.child_id} [{f.rule}] {f.message}", file=sys.stderr)
        print("    " + _("Records: {records}").format(records=records_named(f)), file=sys.stderr)
    return EXIT_FAILED


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
    s.add_argument("--consistency", action="store_true",
                   help=_("list contradictions between the records of each child's file instead"))
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("audit", help=_("the audit log (managers and admins)"))
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=cmd_audit)
