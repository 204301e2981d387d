"""Children's files: `demo` (a realistic demo centre) and `child list|show|add|update`."""

from __future__ import annotations

import argparse
import os
import sys

from ..i18n import _
from .common import (
    EXIT_OK,
    _data_dir,
    _day,
    _open,
    _parse_assignments,
    _Parser,
    _print_json,
    _print_recovery,
    _refuse_unknown_fields,
    _status_label,
    _table,
    add_open_anyway,
)


def cmd_demo(args) -> int:
    # the demo generator and the workspace load only for this command
    from .. import demo
    from ..workspace import Workspace

    data_dir = _data_dir(args)
    if not Workspace.exists(data_dir):
        user = args.user or os.environ.get("PANTI_USER") or "admin"
        passphrase = os.environ.get("PANTI_PASSPHRASE") or demo.DEMO_PASSPHRASE
        ws, recovery_text = Workspace.init(
            data_dir, "DEMO", "Sentra Demo Handayani", user, passphrase, centre_type="sentra",
            province="DKI Jakarta",
        )
        _print_recovery(recovery_text)
        if not os.environ.get("PANTI_PASSPHRASE"):
            print(_("Demo vault: user {user}, passphrase {passphrase}").format(user=user, passphrase=passphrase))
    else:
        ws = _open(args)
    held = len(ws.child_ids())
    with ws:
        def progress(stage: str, done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(f"\r{stage}: {done}/{total}   ", end="", file=sys.stderr, flush=True)

        counts = demo.generate(ws, args.children, args.sessions_per_child, args.seed, progress=progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        if held:
            print(_("The vault held {held} children already; the demo children were added to them.").format(held=held))
        print(
            _("Demo data: {children} children, {sessions} sessions in {path}.").format(
                children=counts.get("child", 0), sessions=counts.get("session", 0), path=data_dir
            )
        )
        if not args.quiet:
            _print_child_list(ws, limit=args.show)
    return EXIT_OK


def _print_child_list(ws, ids: list[str] | None = None, limit: int | None = None) -> None:
    ids = ws.child_ids() if ids is None else ids
    shown = ids if limit is None else ids[:limit]
    rows = []
    outside = False
    for child_id in shown:
        r = ws.child_row(child_id)
        outside = outside or not r.in_caseload
        rows.append([r.register_no + ("" if r.in_caseload else " *"), r.initials,
                     "" if r.age is None else str(r.age), _status_label(r.status),
                     ws.user_name(r.counsellor_id), _day(r.last_session) or "-", _day(r.next_review) or "-"])
    print(_table(rows, [_("Register no."), _("Initials"), _("Age"), _("Status"), _("Counsellor"),
                        _("Last session"), _("Next review")]))
    if len(shown) < len(ids):
        print(_("… and {n} more children.").format(n=len(ids) - len(shown)))
    if outside:
        print(_("* not in your caseload: the clinical file opens only with --open-anyway \"REASON\" "
                "(recorded in the audit log)."))


def _count(text: str) -> int:
    """A count given on the command line: a whole number, zero or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("“{value}” is not a whole number").format(value=text)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("“{value}” is negative; give 0 or more").format(value=text))
    return value


def cmd_child_list(args) -> int:
    with _open(args) as ws:
        # a counsellor sees their own caseload unless they ask for --all or another counsellor's
        counsellor_id = None if args.all else ws.caseload.list_filter()
        if args.counsellor:
            counsellor_id = ws.user_id(args.counsellor)
        if args.search:
            ids = ws.search_children(args.search, args.status, counsellor_id)
        else:
            ids = ws.child_ids(args.status, counsellor_id)
        if args.json:
            out = []
            for child_id in ids:
                r = ws.child_row(child_id)
                out.append({
                    "id": r.id, "register_no": r.register_no, "initials": r.initials, "age": r.age,
                    "status": r.status, "counsellor": ws.user_name(r.counsellor_id),
                    "intake_date": r.intake_date, "last_session": r.last_session, "next_review": r.next_review,
                    "consent": r.consent, "in_caseload": r.in_caseload,
                })
            _print_json(out)
        else:
            _print_child_list(ws, ids, args.limit)
    return EXIT_OK


def _record_json(rec) -> dict:
    return {
        **rec.data,
        "_version": rec.version,
        "_created_at": rec.created_at,
        "_updated_at": rec.updated_at,
    }


def cmd_child_show(args) -> int:
    with _open(args) as ws:
        if args.open_anyway is not None:
            ws.open_anyway(args.ref, args.open_anyway)
        cf = ws.child_file(args.ref)
        elig = cf.eligibility
        if args.json:
            _print_json({
                "id": cf.child.id,
                "child": _record_json(cf.child),
                "sections": {k: [_record_json(r) for r in v] for k, v in cf.sections.items()},
                "hidden_sections": cf.hidden,
                "outside_caseload": cf.outside_caseload,
                "diversion_eligibility": None if elig is None else {
                    "eligible": elig.eligible, "basis": list(elig.basis),
                },
            })
            return EXIT_OK
        # the record types load only for the printed view
        from datetime import date

        from ..dates import long_date
        from ..domain.records import RECORD_TYPES, Child

        def title(kind: str) -> str:  # what a person reads: "Keluarga", not "family"
            return RECORD_TYPES[kind].TITLE.text() if kind in RECORD_TYPES else kind

        child = Child.from_dict(cf.child.data)
        d = cf.child.data
        print(f"{d.get('register_no')}  {child.initials()}  ({_status_label(d.get('status') or '')})")
        print(_("Age: {age}").format(age=child.age_on(date.today())))
        print(_("Intake date: {date}").format(date=long_date(d.get("intake_date")) or "-"))
        print(_("Counsellor: {name}").format(name=ws.user_name(d.get("counsellor_id")) or "-"))
        print()
        for name, recs in cf.sections.items():
            if recs:
                print(f"  {title(name)}: {len(recs)}")
        if cf.outside_caseload:
            print(_("Not shown (not in your caseload; add --open-anyway \"REASON\" to open them, recorded in the "
                    "audit log): {sections}").format(sections=", ".join(title(k) for k in cf.hidden)))
        elif cf.hidden:
            print(_("Not shown (your role has no access): {sections}").format(
                sections=", ".join(title(k) for k in cf.hidden)))
        if elig is not None:
            print()
            print(_("Diversion eligibility:"), elig.summary())
            for line in elig.basis:
                print("  - " + line)
    return EXIT_OK


def cmd_child_update(args) -> int:
    changes = _parse_assignments(args.assignments)
    _refuse_unknown_fields("child", changes)
    with _open(args) as ws:
        rec = ws.update_child(args.ref, changes)
    print(_("Child {no} was updated.").format(no=rec.data.get("register_no")))
    return EXIT_OK


def cmd_child_add(args) -> int:
    data = _parse_assignments(args.assignments)
    _refuse_unknown_fields("child", data)
    with _open(args) as ws:
        rec = ws.register_child(data)
    print(_("Child registered with register number {no}.").format(no=rec.data.get("register_no")))
    return EXIT_OK


def register(sub) -> None:
    """Add demo and child to the top-level commands."""
    s = sub.add_parser("demo", help=_("fill the vault with a realistic demo centre (creates it if missing)"))
    s.add_argument("--children", type=_count, default=50)
    s.add_argument("--sessions-per-child", type=_count)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--show", type=_count, default=20, help=_("how many children to print afterwards"))
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=cmd_demo)

    c = sub.add_parser("child", help=_("children's files")).add_subparsers(dest="child_command", metavar="ACTION", parser_class=_Parser)
    s = c.add_parser("list", help=_("the caseload"))
    s.add_argument("--json", action="store_true")
    s.add_argument("--status")
    s.add_argument("--counsellor", metavar="NAME")
    s.add_argument("--search", metavar="TEXT", help=_("name, nickname or register number"))
    s.add_argument("--all", action="store_true",
                   help=_("every child, not only your caseload (counsellors; others are marked *)"))
    s.add_argument("--limit", type=_count, metavar="N")
    s.set_defaults(func=cmd_child_list)
    s = c.add_parser("show", help=_("one child's file"))
    s.add_argument("ref", metavar="REF")
    s.add_argument("--json", action="store_true")
    add_open_anyway(s)
    s.set_defaults(func=cmd_child_show)
    s = c.add_parser("add", help=_("register a child: FIELD=VALUE ..."),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    s.fields_kind = "child"
    s.set_defaults(func=cmd_child_add)
    s = c.add_parser("update", help=_("change fields of a child: REF FIELD=VALUE ..."),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("ref", metavar="REF")
    s.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    s.fields_kind = "child"
    s.set_defaults(func=cmd_child_update)
