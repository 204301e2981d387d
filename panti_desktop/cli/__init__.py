"""The command line: every operation an admin scripts, over the same workspace as the GUI.

Exit codes: 0 success, 1 a refused or failed operation, 2 a usage error. Errors are
one translated sentence on stderr, never a traceback.

One module per command group, each with the `cmd_*` functions and a `register(sub)` that adds
its parsers: vault (init, user, recover), children (demo, child), records (record), registers
(import-register, export-sheet), audit (verify, audit), forms (form),
review (review of the social report),
backup (backup, restore), retention, reports, sync (contact, peer, export, import, conflicts,
sync) and tools (gui, bench). common.py holds what they share; group modules import it and
never each other. This module builds the parser from the groups and runs a command.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import PantiError, UsageError
from ..i18n import _, set_language
from . import (
    attach,
    audit,
    backup,
    children,
    forms,
    records,
    registers,
    reports,
    retention,
    review,
    sync,
    tools,
    vault,
)
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _Parser
from .console import prepare_streams
from .tools import cmd_gui

log = logging.getLogger(__name__)


# --- parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="panti-desktop", description=_("Encrypted case records for child rehabilitation centres."))
    # Python 3.11's argparse does not translate the --version help itself (3.12 does)
    p.add_argument("--version", action="version", version=f"panti-desktop {__version__}",
                   help=_("show program's version number and exit"))
    p.add_argument("--data-dir", metavar="DIR", help=_("the centre's data folder (default: PANTI_HOME or the platform data folder)"))
    p.add_argument("--user", metavar="NAME", help=_("who you are (default: PANTI_USER)"))
    p.add_argument("--lang", choices=["id", "en"], help=_("language of messages (default: id)"))
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # each group adds its commands; this order is the order of --help
    vault.register(sub)
    children.register(sub)
    records.register(sub)
    attach.register(sub)
    registers.register(sub)
    audit.register(sub)
    backup.register(sub)
    retention.register(sub)
    reports.register(sub)
    forms.register(sub)
    review.register(sub)
    sync.register(sub)
    tools.register(sub)
    return p


def _language_from(argv: Sequence[str]) -> str | None:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


def _translate_argparse(lang: str) -> None:
    """argparse's own messages ("the following arguments are required") come from our catalogue."""
    # only this function binds argparse to the catalogue
    import gettext

    from ..i18n import DOMAIN
    from ..paths import resource

    gettext.bindtextdomain(DOMAIN, str(resource("locale")))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    prepare_streams()  # UTF-8 when piped or redirected (Windows would give cp1252 with strict errors)
    lang = set_language(_language_from(argv))
    _translate_argparse(lang)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            if getattr(args, "command", None) is None:
                return cmd_gui(args)  # no command: the desktop window
            parser.print_help()
            return EXIT_USAGE
        code = args.func(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a reader that went away is met here, inside the handlers below
        return code
    except UsageError as exc:
        print(f"panti-desktop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PantiError as exc:
        print(f"panti-desktop: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(_("Cancelled."), file=sys.stderr)
        return EXIT_FAILED
    except ModuleNotFoundError as exc:  # an installation without a library it needs
        log.debug("missing module", exc_info=True)
        print("panti-desktop: " + _("A part of Panti is not installed ({module}). Install Panti again with its "
                                    "installer, or: pip install panti-desktop").format(module=exc.name or exc),
              file=sys.stderr)
        return EXIT_FAILED
    except sqlite3.DatabaseError as exc:  # met on a connection of its own (import, backup)
        # the workspace loads only to map a storage error
        from ..workspace import storage_error

        mapped = storage_error(exc)
        if mapped is None:
            raise
        log.warning("storage error: %s", exc)
        print(f"panti-desktop: {mapped}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # the reader went away (`child show … | head`): end quietly, as other Unix tools do;
        # stdout goes to nothing so the interpreter's last flush does not fail again
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        log.debug("OS error", exc_info=True)
        print(
            "panti-desktop: "
            + _("The operation failed: {error}").format(error=exc.strerror or exc),
            file=sys.stderr,
        )
        return EXIT_FAILED
