"""A centre's registers: `import-register FILE` (preview, dry run, all or nothing or the good
rows only) and `export-sheet --what caseload|sessions|statistics --out FILE.xlsx`."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..i18n import _
from .common import EXIT_FAILED, EXIT_OK, _open, _print_json, _progress_printer, _table


def _plan_json(plan) -> dict:
    return {
        "file": str(plan.path), "sheet": plan.sheet.name,
        "columns": {plan.sheet.header[i]: t for i, t in sorted(plan.assigned.items())},
        "rows": [{"row": r.line, "register_no": r.register_no, "action": r.action,
                  "problems": [{"row": p.line, "column": p.column, "value": p.value, "reason": p.reason}
                               for p in r.problems],
                  "warnings": [{"row": p.line, "column": p.column, "value": p.value, "reason": p.reason}
                               for p in r.warnings],
                  "kept": [{"kind": d.kind, "field": d.field, "app": d.app, "sheet": d.sheet} for d in r.kept],
                  "changes": r.changes, "similar_to": r.similar_to} for r in plan.rows],
    }


def _print_plan(plan, verbose: bool) -> None:
    from ..registers.columns import targets

    labels = targets()
    print(_("Sheet: {sheet}").format(sheet=plan.sheet.name))
    print(_("Columns:"))
    for i, name in enumerate(plan.sheet.header):
        if name:
            target = plan.assigned.get(i)
            print(f"  {name} → {labels.get(target, target) if target else _('(not imported)')}")
    shown = [r for r in plan.rows if verbose or r.action in ("refused", "flagged", "update") or r.kept or r.warnings]
    if shown:
        print()
        print(_table([[str(r.line), r.register_no or "-", r.action_label(), r.summary()] for r in shown],
                     [_("Row"), _("Register no."), _("What happens"), _("Details")]))
    print()
    print(plan.summary())


def cmd_import_register(args) -> int:
    # the register reader loads only for this command
    from ..registers.importing import Mapping, apply_import, plan_import

    mapping = Mapping.load(Path(args.mapping)) if args.mapping else None
    with _open(args) as ws:
        plan = plan_import(ws, Path(args.file), args.sheet, mapping)
        if args.json:
            _print_json(_plan_json(plan))
        else:
            _print_plan(plan, args.verbose)
        if args.dry_run:
            if not args.json:
                print(_("Dry run: nothing was written."))
            return EXIT_OK if not plan.refused else EXIT_FAILED
        refused_out = Path(args.refused_out) if args.refused_out else None
        if plan.refused and args.good_rows_only and refused_out is None:
            refused_out = Path(args.file).with_name(Path(args.file).stem + "-ditolak.csv")
        result = apply_import(ws, plan, good_rows_only=args.good_rows_only, refused_out=refused_out,
                              progress=_progress_printer(_("Importing")))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(result.summary(), file=sys.stderr if args.json else sys.stdout)
    if result.refused_file:
        print(_("The rows not imported are listed in {path}.").format(path=result.refused_file),
              file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK


def cmd_export_sheet(args) -> int:
    from ..domain.fields import parse_date
    from ..registers.export import export_sheet

    start = parse_date(args.date_from, "from", "--from")
    end = parse_date(args.date_to, "to", "--to")
    if args.full_identity and args.what != "caseload":
        raise UsageError(_("--full-identity is for the caseload only."))
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(_("The sheet is written as .xlsx: give a file name ending in .xlsx."))
    with _open(args) as ws:
        path, n = export_sheet(ws, args.what, out, start, end, args.full_identity)
    print(_("Sheet written: {path} ({n} rows).").format(path=path, n=n))
    return EXIT_OK


def register(sub) -> None:
    """Add import-register and export-sheet to the top-level commands."""
    s = sub.add_parser("import-register", help=_("import the centre's register of children (.xlsx, .xls, .ods, .csv)"))
    s.add_argument("file", metavar="FILE")
    s.add_argument("--sheet", metavar="S", help=_("the sheet to read (default: the first)"))
    s.add_argument("--mapping", metavar="M.json",
                   help=_("column mapping: {\"columns\": {header: field}, \"values\": {field: {typed: code}}} "
                          "(default: the mapping saved by the last import, then suggestions from the headers)"))
    s.add_argument("--dry-run", action="store_true", help=_("show what would happen; write nothing"))
    s.add_argument("--good-rows-only", action="store_true",
                   help=_("import the rows without problems even when others are refused"))
    s.add_argument("--refused-out", metavar="FILE.csv", help=_("where to list the rows not imported"))
    s.add_argument("--verbose", action="store_true", help=_("list every row, not only those with something to say"))
    s.add_argument("--json", action="store_true", help=_("the preview as JSON"))
    s.set_defaults(func=cmd_import_register)

    s = sub.add_parser("export-sheet", help=_("spreadsheets for the ministry and the social office (.xlsx)"))
    s.add_argument("--what", choices=["caseload", "sessions", "statistics"], required=True)
    s.add_argument("--out", metavar="FILE.xlsx", required=True)
    s.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("start of the period (default: 90 days ago)"))
    s.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("end of the period (default: today)"))
    s.add_argument("--full-identity", action="store_true",
                   help=_("the caseload with names and identity numbers (audited)"))
    s.set_defaults(func=cmd_export_sheet)
