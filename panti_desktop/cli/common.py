"""What every command group shares: the parser class and exit codes, opening the workspace
from the command line and the environment (data folder, user, passphrase prompts), the
table, JSON and progress output, and labels and helpers used by more than one group.

Function-local imports (here and in the group modules) keep start-up fast: a command pulls
in the workspace, Qt or reportlab only when it needs them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..dates import long_date, long_moment
from ..errors import PantiError, UsageError
from ..i18n import _
from ..paths import default_data_dir
from .console import is_console

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    # a record kind whose fields `--help` lists after the options (read from its declaration
    # only when help is shown, so start-up does not load the record types)
    fields_kind: str | None = None

    def error(self, message: str):  # argparse's own message, but our exit code and no usage dump
        raise UsageError(message)

    def format_help(self) -> str:
        text = super().format_help()
        if self.fields_kind:
            text += "\n" + _fields_text(self.fields_kind) + "\n"
        return text


# --- input -----------------------------------------------------------------------------


def _secret(env: str, prompt: str, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not is_console(sys.stdin):  # on Windows NUL "is a tty", and getpass reads the console anyway
        raise UsageError(
            _("No passphrase was given: set {env} or run the command in a terminal.").format(env=env)
        )
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Repeat: ")) != value:
        raise PantiError(_("The two entries do not match."))
    return value


def _data_dir(args) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _user(args) -> str:
    user = args.user or os.environ.get("PANTI_USER")
    if not user:
        raise UsageError(_("Say which user you are with --user NAME or PANTI_USER."))
    return user


def _open(args):
    # the workspace (store, cryptography) loads only when a command runs
    from ..workspace import Workspace

    user = _user(args)
    passphrase = _secret("PANTI_PASSPHRASE", _("Passphrase for {user}: ").format(user=user))
    return Workspace.open(_data_dir(args), user, passphrase)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(out)


# --- shared by several command groups --------------------------------------------------


def _parse_assignments(items: Sequence[str]) -> dict:
    """FIELD=VALUE words as a dict; a value in JSON form ([...], {...}, true, false, null) is
    read as JSON (the field's check then refuses a list where one value belongs)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise UsageError(_("Write each change as FIELD=VALUE: {item}").format(item=item))
        key, value = item.split("=", 1)
        key = key.strip()
        value = value.strip()
        if value.startswith(("[", "{")) or value in ("true", "false", "null"):
            try:
                out[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        out[key] = None if value == "" else value
    return out


def _settable_fields(kind: str) -> list[str]:
    """The fields a person sets on a record of `kind` (the child it belongs to is given apart)."""
    # the record types load only when fields are checked or listed
    from ..domain.records import RECORD_TYPES

    return [f for f in RECORD_TYPES[kind].field_names() if f != "child_id"]


def _refuse_unknown_fields(kind: str, changes: dict) -> None:
    unknown = sorted(set(changes) - set(_settable_fields(kind)))
    if unknown:
        raise UsageError(_("Unknown field: {fields} (see: record fields {kind})").format(
            fields=", ".join(unknown), kind=kind))


def _type_text(meta: dict) -> str:
    kind = meta.get("type")
    names = {"text": _("text"), "date": _("date YYYY-MM-DD"), "time": _("time HH:MM"), "int": _("whole number"),
             "float": _("number"), "bool": _("yes/no"), "code": _("one code"), "codes": _("codes, comma-separated"),
             "ref": _("id"), "strings": _("texts, separated by ;"), "list": _("JSON list"),
             "dict": _("JSON object")}
    text = names.get(kind, str(kind))
    if kind in ("int", "float") and (meta.get("lo") is not None or meta.get("hi") is not None):
        text += f" {meta.get('lo')}–{meta.get('hi')}"
    return text


def _fields_text(kind: str) -> str:
    """Every field of a record kind: name, type, whether required, its label and allowed codes."""
    from ..domain.records import RECORD_TYPES

    cls = RECORD_TYPES[kind]
    lines = [_("Fields of {title} ({kind}):").format(title=cls.TITLE.text(), kind=kind)]
    for name in _settable_fields(kind):
        meta = cls.field_meta(name)
        required = " *" if meta.get("required") else ""
        lines.append(f"  {name}{required}  [{_type_text(meta)}]  {cls.field_label(name)}")
        vocab = meta.get("vocab")
        if vocab is not None:
            lines.append("      " + ", ".join(vocab.codes()))
    lines.append(_("* required"))
    return "\n".join(lines)


def _print_recovery(text: str) -> None:
    print(_("RECOVERY KEY (shown only once; write it down and keep it in the safe):"))
    print()
    print("    " + text)
    print()


def _status_label(code: str) -> str:
    # the vocabularies load only when a label is printed
    from ..domain.vocab import LIFECYCLE_STATES

    return LIFECYCLE_STATES.label(code) if code in LIFECYCLE_STATES else code


def _progress_printer(label: str):
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{label}: {done * 100 // max(total, 1)}%   ", end="", file=sys.stderr, flush=True)
    return report


def add_open_anyway(parser) -> None:
    """`--open-anyway REASON`: a counsellor opens the clinical file of a child outside their caseload."""
    parser.add_argument("--open-anyway", metavar="REASON",
                        help=_("open the clinical file of a child outside your caseload, for this reason "
                               "(recorded in the audit log and shown to managers)"))


def _day(value) -> str:
    """A stored date or moment as a person reads it ("2 Des 2026"); "" when empty. --json keeps ISO."""
    return long_date(str(value)[:10], short=True) if value else ""


def _moment(value) -> str:
    """A stored moment in local time ("2 Desember 2026 10:38"); "" when empty."""
    return long_moment(value)
