"""Retention: `retention list|hold|erase|rules` (the review, legal holds, erasure, the periods)."""

from __future__ import annotations

from ..errors import UsageError
from ..i18n import _
from .common import EXIT_OK, _day, _open, _Parser, _print_json, _status_label, _table


def _retention_due_now(item) -> str:
    """The "due now" cell of a case in the retention review."""
    if item.past_due:
        return _("the whole case")
    if item.partial:
        return _("part ({n} of {total} record types)").format(n=len(item.kinds_due), total=len(item.due_by_kind))
    return _("no")



def cmd_retention_list(args) -> int:
    # retention (store, cryptography) loads only for this command
    from .. import retention

    with _open(args) as ws:
        items = retention.review(ws, only_due=not args.all)
        if args.json:
            _print_json([item.__dict__ for item in items])
            return EXIT_OK
        rows = [[i.register_no, _status_label(i.status), i.ended_on, i.due_on, _retention_due_now(i),
                 "" if not i.hold_until else _("until {date}").format(date=i.hold_until)] for i in items]
        print(_table(rows, [_("Register no."), _("Status"), _("Ended"), _("Retention until"), _("Due now"),
                            _("Legal hold")]))
        if not items:
            print(_("No case has reached the end of its retention period."))
        for i in items:
            if i.partial:
                print()
                print(_("{no}: these record types are past their retention period and can be erased: "
                        "{kinds}.").format(no=i.register_no,
                                           kinds=", ".join(retention.kind_label(k) for k in i.kinds_due)))
                print(_("The rest is kept: {kinds}.").format(kinds=retention.kept_text(i)))
        # the backup code loads only for this note
        from ..backup import backups_holding_erased

        holding = backups_holding_erased(ws)
        if holding:
            print()
            print(_("These backups were made before the last erasure and still hold erased records; delete "
                    "them when they are no longer needed:"))
            for h in holding:
                print(f"  {h['path']}  ({_day(h['created_at'])})")
    return EXIT_OK


def cmd_retention_hold(args) -> int:
    # retention (store, cryptography) loads only for this command
    from .. import retention
    from ..domain.fields import parse_date

    until = parse_date(args.until, "until", "--until")
    with _open(args) as ws:
        retention.place_hold(ws, args.ref, args.reason, until.isoformat())
    print(_("Legal hold placed until {date}.").format(date=_day(until.isoformat())))
    return EXIT_OK


def cmd_retention_erase(args) -> int:
    # retention (store, cryptography) loads only for this command
    from .. import retention

    with _open(args) as ws:
        done = retention.erase(ws, args.ref, args.reason or "")
    if done.whole:
        print(_("Case {no} was erased; an erasure record that identifies no one was kept.").format(
            no=done.register_no))
    else:
        print(_("From case {no}, the records of these types were erased (past their retention period, {n} in "
                "all): {kinds}. The rest of the case is kept until its own retention period ends.").format(
            no=done.register_no, n=done.records, kinds=", ".join(retention.kind_label(k) for k in done.kinds)))
    return EXIT_OK


def cmd_retention_rules(args) -> int:
    # retention (store, cryptography) loads only for this command
    from .. import retention

    with _open(args) as ws:
        for item in args.set or []:
            kind, _sep, years = item.partition("=")
            if not years.isdigit():
                raise UsageError(_("Write each rule as KIND=YEARS: {item}").format(item=item))
            retention.set_years(ws, kind.strip(), int(years))
        rows = [[k, str(retention.years_for(ws, k))] for k in sorted(retention.DEFAULT_YEARS)]
        print(_table(rows, [_("Record type"), _("Years after the case ended")]))
    return EXIT_OK


def register(sub) -> None:
    """Add retention to the top-level commands."""
    r = sub.add_parser("retention", help=_("retention review, legal holds and erasure")).add_subparsers(
        dest="retention_command", metavar="ACTION", parser_class=_Parser)
    s = r.add_parser("list", help=_("cases with records past the end of their retention period"))
    s.add_argument("--json", action="store_true")
    s.add_argument("--all", action="store_true", help=_("every ended case, not only those past due"))
    s.set_defaults(func=cmd_retention_list)
    s = r.add_parser("hold", help=_("place a legal hold that blocks erasure"))
    s.add_argument("ref", metavar="REF")
    s.add_argument("--reason", required=True, metavar="TEXT")
    s.add_argument("--until", required=True, metavar="DATE")
    s.set_defaults(func=cmd_retention_hold)
    s = r.add_parser("erase", help=_("erase what of a case is past its retention: the whole case or some "
                                     "record types"))
    s.add_argument("ref", metavar="REF")
    s.add_argument("--reason", metavar="TEXT")
    s.set_defaults(func=cmd_retention_erase)
    s = r.add_parser("rules", help=_("show or set the retention period per record type"))
    s.add_argument("--set", action="append", metavar="KIND=YEARS")
    s.set_defaults(func=cmd_retention_rules)
