"""Printable forms: `form print KIND [REF] --out FILE.pdf` (blank without REF, pre-filled from the
child's file with it) and `form read FILE` (the child and form a scanned sheet's QR code names)."""

from __future__ import annotations

from pathlib import Path

from ..errors import PantiError
from ..forms.registry import FORMS
from ..i18n import _
from .common import EXIT_FAILED, EXIT_OK, _open, _Parser, _print_json, add_open_anyway


def cmd_form_print(args) -> int:
    # the forms (reportlab) load only when one is printed
    from ..forms.registry import print_form

    with _open(args) as ws:
        if args.ref and args.open_anyway is not None:
            ws.open_anyway(args.ref, args.open_anyway)
        out = print_form(ws, args.kind, Path(args.out), args.ref)
    print(_("Form written: {path}").format(path=out))
    return EXIT_OK


def cmd_form_read(args) -> int:
    # zxing-cpp and pypdfium2 load only when a scan is read
    from ..forms import scan

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise PantiError(_("The file cannot be read: {error}").format(error=exc.strerror or exc)) from exc
    with _open(args) as ws:
        match = scan.propose(ws, data)
        row = ws.child_row(match.child_id) if match and match.child_id else None
    if args.json:
        _print_json(None if match is None else {"form": match.kind, "child_id": match.child_id,
                                                "register_no": match.register_no, "record_id": match.record_id})
        return EXIT_OK if match else EXIT_FAILED
    if match is None:
        print(_("No Panti form code was found in {file}; choose the child yourself.").format(file=args.file))
        return EXIT_FAILED
    title = FORMS[match.kind].title_text()
    if row is None:
        print(_("{form}, blank: choose the child yourself.").format(form=title))
    else:
        print(_("{form} of {register_no} ({initials}).").format(form=title, register_no=row.register_no,
                                                                initials=row.initials))
    return EXIT_OK


def register(sub) -> None:
    """Add form (print, read) to the top-level commands."""
    form = sub.add_parser("form", help=_("printable forms with a QR code, and reading a scanned one"))
    fsub = form.add_subparsers(dest="form_command", metavar="ACTION", parser_class=_Parser)
    s = fsub.add_parser("print", help=_("a form as PDF: blank, or pre-filled for a child (REF)"),
                        description="\n".join(f"{f.kind}: {f.help_text()}" for f in FORMS.values()))
    s.add_argument("kind", metavar="KIND", choices=list(FORMS), help=" | ".join(FORMS))
    s.add_argument("ref", metavar="REF", nargs="?", help=_("the child (id or register number); blank without"))
    s.add_argument("--out", required=True, metavar="FILE.pdf")
    add_open_anyway(s)
    s.set_defaults(func=cmd_form_print)
    s = fsub.add_parser("read", help=_("the child and form a scanned sheet's QR code names (image or PDF)"))
    s.add_argument("file", metavar="FILE")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_form_read)
