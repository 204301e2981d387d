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
from pathlib import Path

from ..dates import long_date, long_moment
from ..errors import PantiError, UsageError
from ..i18n import _
from ..paths import default_data_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own message, but our exit code and no usage dump
        raise UsageError(message)


# --- input -----------------------------------------------------------------------------


def _secret(env: str, prompt: str, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin or not sys.stdin.isatty():
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
