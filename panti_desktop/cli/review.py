"""The manager's review of the social report's recommendation: `review list|show|approve|return`."""

from __future__ import annotations

from ..i18n import _
from .common import EXIT_OK, _day, _open, _Parser, _print_json, _table


def _person(ws, user_id: str | None) -> str:
    if not user_id:
        return ""
    return ws.user_profile(user_id).get("full_name") or ws.user_name(user_id)


def _as_dict(ws, rec) -> dict:
    row = ws.child_row(rec.child_id)
    return {"id": rec.id, "register_no": row.register_no, "status": rec.status, "text": rec.text,
            "written_by": ws.user_name(rec.author_id), "written_on": rec.written_on,
            "reviewed_by": ws.user_name(rec.reviewed_by) if rec.reviewed_by else None,
            "reviewed_on": rec.reviewed_on, "review_comment": rec.review_comment}


def cmd_review_list(args) -> int:
    with _open(args) as ws:
        recs = ws.reviews.listing(pending_only=args.pending)
        if args.json:
            _print_json([_as_dict(ws, r) for r in recs])
            return EXIT_OK
        rows = []
        for r in recs:
            child = ws.child_row(r.child_id)
            rows.append([r.id, child.register_no, child.initials, r.status_label, _person(ws, r.author_id),
                         _day(r.written_on), _person(ws, r.reviewed_by), _day(r.reviewed_on)])
        print(_table(rows, [_("Id"), _("Register no."), _("Child"), _("Status"), _("Written by"), _("Written on"),
                            _("Reviewed by"), _("Reviewed on")]))
        if not recs:
            print(_("No recommendation is waiting for your review.") if args.pending
                  else _("No social report recommendation is recorded."))
    return EXIT_OK


def _show(ws, rec) -> None:
    child = ws.child_row(rec.child_id)
    print(_("Recommendation {id} for {no} ({initials})").format(id=rec.id, no=child.register_no,
                                                               initials=child.initials))
    print("  " + _("Status: {status}").format(status=rec.status_label))
    print("  " + _("Written by {name} on {date}").format(name=_person(ws, rec.author_id), date=_day(rec.written_on)))
    if rec.reviewed_by:
        print("  " + _("Reviewed by {name} on {date}").format(name=_person(ws, rec.reviewed_by),
                                                              date=_day(rec.reviewed_on)))
    if rec.review_comment:
        print("  " + _("Comment: {text}").format(text=rec.review_comment))
    print()
    print(rec.text)


def cmd_review_show(args) -> int:
    with _open(args) as ws:
        rec = ws.reviews.get(args.id)
        if args.json:
            _print_json(_as_dict(ws, rec))
        else:
            _show(ws, rec)
    return EXIT_OK


def cmd_review_decide(args) -> int:
    with _open(args) as ws:
        if args.decision == "approve":
            rec = ws.reviews.approve(args.id, args.comment or "")
            print(_("Approved: the social report of {no} now prints as final, with your signature.").format(
                no=ws.child_row(rec.child_id).register_no))
        else:
            rec = ws.reviews.send_back(args.id, args.comment or "")
            print(_("Returned to {name} with your comment; the report prints as a draft until a new text is "
                    "approved.").format(name=_person(ws, rec.author_id)))
    return EXIT_OK


def register(sub) -> None:
    """Add review to the top-level commands."""
    r = sub.add_parser("review", help=_("a manager's review of the social report's recommendation")).add_subparsers(
        dest="review_command", metavar="ACTION", parser_class=_Parser)
    s = r.add_parser("list", help=_("each child's current recommendation and where its review stands"))
    s.add_argument("--pending", action="store_true", help=_("only those waiting for your review"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_review_list)
    s = r.add_parser("show", help=_("one recommendation: its text, author and review"))
    s.add_argument("id", metavar="ID", help=_("the id `review list` shows (its beginning is enough)"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_review_show)
    s = r.add_parser("approve", help=_("approve a recommendation: the report then prints as final"))
    s.add_argument("id", metavar="ID")
    s.add_argument("--comment", metavar="TEXT", help=_("an optional comment (kept in the audit log)"))
    s.set_defaults(func=cmd_review_decide, decision="approve")
    s = r.add_parser("return", help=_("return a recommendation to its author with a comment"))
    s.add_argument("id", metavar="ID")
    s.add_argument("--comment", required=True, metavar="TEXT", help=_("what should change (required)"))
    s.set_defaults(func=cmd_review_decide, decision="return")
