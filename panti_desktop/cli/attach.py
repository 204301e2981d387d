"""Documents of a child's file from the command line: `attach add|list|export`."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import PantiError, UsageError, ValidationError
from ..i18n import _
from .common import EXIT_OK, _day, _moment, _open, _Parser, _print_json, _table, add_open_anyway


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n / 1024))} KB" if n else "0 KB"


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()  # into memory: the content is never copied to another file
    except FileNotFoundError:
        raise PantiError(_("{path} does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise PantiError(_("{path} is a folder, not a file.").format(path=path)) from None
    except OSError as exc:
        raise PantiError(_("{path} could not be read: {error}").format(path=path, error=exc.strerror or exc)) from None


def cmd_attach_add(args) -> int:
    from .. import attachments
    from ..domain.vocab import ATTACHMENT_TYPES
    from ..forms.scan import attachment_proposal

    if args.type not in ATTACHMENT_TYPES:
        raise UsageError(_("Unknown document type: {type}. Choose one of: {types}").format(
            type=args.type, types=", ".join(ATTACHMENT_TYPES.codes())))
    record = attachments.parse_record(args.record)
    content = _read(args.file)
    with _open(args) as ws:
        if args.open_anyway is not None:
            ws.open_anyway(args.ref, args.open_anyway)
        proposal = attachment_proposal(ws, content)
        if proposal is not None and proposal.child_id != ws.resolve_child(args.ref):
            # a printed form of another child: it would put that child's paper in this file
            raise ValidationError(_("The code on this form names register number {no}, another child: attach it "
                                    "to that child.").format(no=proposal.register_no or "?"))
        if proposal is not None:
            print(_("Recognised from its code: a form of this child (register number {no}).").format(
                no=proposal.register_no or "?"))
        meta = attachments.add(ws, args.ref, content, Path(args.file).name, args.type, record=record,
                               doc_date=args.date, note=args.note or "", downscale_image=args.downscale)
    print(_("Attachment {id} was added ({size}, sealed).").format(id=meta.id, size=_size(meta.size)))
    return EXIT_OK


def cmd_attach_list(args) -> int:
    from .. import attachments
    from ..domain.vocab import ATTACHMENT_TYPES

    with _open(args) as ws:
        if args.open_anyway is not None:
            ws.open_anyway(args.ref, args.open_anyway)
        items = attachments.listing(ws, args.ref)
    if args.json:
        _print_json([item.meta.as_json() if item.meta else
                     {"id": item.id, "type": item.doc_type, "size": item.size, "record_kind": item.record_kind,
                      "record_id": item.record_id, "added_at": item.added_at, "locked": True} for item in items])
        return EXIT_OK
    if not items:
        print(_("No document is attached to this file."))
        return EXIT_OK
    locked = _("(clinical: not available to your role)")
    rows = [[i.id, ATTACHMENT_TYPES.label(i.doc_type), _day(i.meta.doc_date) if i.meta else "",
             i.meta.file_name if i.meta else locked, _size(i.size),
             f"{i.record_kind}:{i.record_id}" if i.record_kind else "", _moment(i.added_at)] for i in items]
    print(_table(rows, [_("Number"), _("Type"), _("Date"), _("File"), _("Size"), _("Record"), _("Added")]))
    return EXIT_OK


def cmd_attach_export(args) -> int:
    from .. import attachments

    with _open(args) as ws:
        if args.open_anyway is not None:
            ws.open_anyway(attachments.child_of(ws, args.id), args.open_anyway)
        meta = attachments.export(ws, args.id, Path(args.out))
    print(_("A plaintext copy of {file} was written to {path}. It is no longer protected by the app: keep it "
            "safe and delete it when it is no longer needed. The copy was recorded in the audit log.").format(
        file=meta.file_name, path=args.out), file=sys.stderr)
    return EXIT_OK


def register(sub) -> None:
    """Add `attach` and its actions to the top-level commands."""
    a = sub.add_parser("attach", help=_("documents of a child's file: scanned letters, decisions, forms, "
                                        "photos")).add_subparsers(dest="attach_command", metavar="ACTION",
                                                                  parser_class=_Parser)
    s = a.add_parser("add", help=_("attach a file to a child's file or one of its records, sealed"))
    s.add_argument("ref", metavar="REF", help=_("the child: register number or id"))
    s.add_argument("file", metavar="FILE")
    s.add_argument("--type", required=True, metavar="T",
                   help=_("court_decision, litmas, consent_form, school_letter, medical, photo or other"))
    s.add_argument("--record", metavar="KIND:ID",
                   help=_("the record it belongs to: consent, legal_track, referral, assessment or session"))
    s.add_argument("--date", metavar="YYYY-MM-DD", help=_("the document's own date"))
    s.add_argument("--note", metavar="TEXT")
    s.add_argument("--downscale", action="store_true", help=_("make an image smaller before it is stored"))
    add_open_anyway(s)
    s.set_defaults(func=cmd_attach_add)
    s = a.add_parser("list", help=_("a child's attached documents"))
    s.add_argument("ref", metavar="REF")
    s.add_argument("--json", action="store_true")
    add_open_anyway(s)
    s.set_defaults(func=cmd_attach_list)
    s = a.add_parser("export", help=_("write a plaintext copy of a document (audited)"))
    s.add_argument("id", metavar="ID")
    s.add_argument("--out", required=True, metavar="FILE")
    add_open_anyway(s)
    s.set_defaults(func=cmd_attach_export)
