"""Every record of a child's file from the command line: `record add|update|list|show|fields`.

The kinds and their fields come from the record declarations (domain/records.py): the same
fields, types, vocabularies and rules as the window's forms, checked by the same workspace
calls. Unknown fields are refused before anything is opened.
"""

from __future__ import annotations

import argparse

from ..errors import UsageError
from ..i18n import _
from .common import (
    EXIT_OK,
    _fields_text,
    _open,
    _parse_assignments,
    _Parser,
    _print_json,
    _refuse_unknown_fields,
    _table,
)


def record_kinds() -> list[str]:
    """The kinds a person adds to a child's file: every kind that belongs to one child, but those
    written only through their own workflow (the social report's recommendation: `review`)."""
    from ..domain.records import RECORD_TYPES

    return [k for k, cls in RECORD_TYPES.items() if cls.per_child() and cls.EDITABLE]


def _kind(name: str) -> str:
    kinds = record_kinds()
    if name not in kinds:
        raise UsageError(_("Unknown record type: {kind}. Choose one of: {kinds}").format(
            kind=name, kinds=", ".join(kinds)))
    return name


def _shown(kind: str, field: str, value) -> str:
    """A value as a person reads it: labels for codes, yes/no, lists joined."""
    from ..domain.records import RECORD_TYPES

    if value in (None, "", [], {}):
        return "-"
    meta = RECORD_TYPES[kind].field_meta(field)
    vocab = meta.get("vocab")
    if vocab is not None:
        return ", ".join(vocab.label(v) for v in value) if isinstance(value, list) else vocab.label(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _json(rec) -> dict:
    return {"id": rec.id, **rec.data, "_version": rec.version, "_created_at": rec.created_at,
            "_updated_at": rec.updated_at}


def cmd_record_add(args) -> int:
    kind = _kind(args.kind)
    data = _parse_assignments(args.assignments)
    _refuse_unknown_fields(kind, data)
    with _open(args) as ws:
        child_id = ws.resolve_child(args.ref)
        rec = ws.add_record(kind, {**data, "child_id": child_id})
    print(_("{kind} record {id} was added.").format(kind=kind, id=rec.id))
    return EXIT_OK


def cmd_record_update(args) -> int:
    kind = _kind(args.kind)
    changes = _parse_assignments(args.assignments)
    _refuse_unknown_fields(kind, changes)
    with _open(args) as ws:
        rec = ws.update_record(kind, args.id, changes)
    print(_("{kind} record {id} was updated.").format(kind=kind, id=rec.id))
    return EXIT_OK


def cmd_record_list(args) -> int:
    from ..domain.records import RECORD_TYPES

    kind = _kind(args.kind)
    cls = RECORD_TYPES[kind]
    with _open(args) as ws:
        recs = [r for r in ws.records_for_child(kind, ws.resolve_child(args.ref)) if not r.deleted]
    if args.json:
        _print_json([_json(r) for r in recs])
        return EXIT_OK
    if not recs:
        print(_("No {title} records.").format(title=cls.TITLE.text()))
        return EXIT_OK
    columns = list(cls.LIST_COLUMNS) or [f for f in cls.field_names() if f != "child_id"][:5]
    print(_table([[r.id] + [_shown(kind, c, r.data.get(c))[:40] for c in columns] for r in recs],
                 ["id"] + [cls.field_label(c) for c in columns]))
    return EXIT_OK


def cmd_record_show(args) -> int:
    from ..domain.records import RECORD_TYPES

    kind = _kind(args.kind)
    cls = RECORD_TYPES[kind]
    with _open(args) as ws:
        rec = ws.get_record(kind, args.id)
    if args.json:
        _print_json(_json(rec))
        return EXIT_OK
    print(f"{cls.TITLE.text()}  {rec.id}")
    width = max(len(cls.field_label(f)) for f in cls.field_names())
    for f in cls.field_names():
        if f == "child_id":
            continue
        print(f"  {cls.field_label(f).ljust(width)}  {_shown(kind, f, rec.data.get(f))}")
    return EXIT_OK


def cmd_record_fields(args) -> int:
    if args.kind is None:
        from ..domain.records import RECORD_TYPES

        print(_table([[k, RECORD_TYPES[k].TITLE.text()] for k in record_kinds()], [_("Kind"), _("Title")]))
        return EXIT_OK
    print(_fields_text(_kind(args.kind)))
    return EXIT_OK


def register(sub) -> None:
    """Add `record` and its actions to the top-level commands."""
    raw = argparse.RawDescriptionHelpFormatter
    r = sub.add_parser("record", help=_("any record of a child's file: family, caregivers, legal track, offence, "
                                        "victims, …")).add_subparsers(dest="record_command", metavar="ACTION",
                                                                       parser_class=_Parser)
    s = r.add_parser("add", help=_("add a record to a child's file: KIND REF FIELD=VALUE ..."), formatter_class=raw)
    s.add_argument("kind", metavar="KIND")
    s.add_argument("ref", metavar="REF", help=_("the child: register number or id"))
    s.add_argument("assignments", nargs="*", metavar="FIELD=VALUE")
    s.set_defaults(func=cmd_record_add)
    s = r.add_parser("update", help=_("change fields of a record: KIND ID FIELD=VALUE ..."), formatter_class=raw)
    s.add_argument("kind", metavar="KIND")
    s.add_argument("id", metavar="ID")
    s.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    s.set_defaults(func=cmd_record_update)
    s = r.add_parser("list", help=_("a child's records of one kind: KIND REF"))
    s.add_argument("kind", metavar="KIND")
    s.add_argument("ref", metavar="REF")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_record_list)
    s = r.add_parser("show", help=_("one record: KIND ID"))
    s.add_argument("kind", metavar="KIND")
    s.add_argument("id", metavar="ID")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_record_show)
    s = r.add_parser("fields", help=_("the fields of a kind, with their types and allowed codes"))
    s.add_argument("kind", metavar="KIND", nargs="?")
    s.set_defaults(func=cmd_record_fields)
