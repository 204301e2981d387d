"""Commands that hand over to another part of the program: `gui` (the window) and `bench`."""

from __future__ import annotations

from ..errors import PantiError
from ..i18n import _
from .common import EXIT_OK, _data_dir


def cmd_gui(args) -> int:
    """The desktop window (first-run wizard or unlock, then the main window)."""
    # PySide6 is optional: look for it before importing Qt
    import importlib.util

    if importlib.util.find_spec("PySide6") is None:
        raise PantiError(_("The desktop window needs PySide6: pip install 'panti-desktop[gui]'."))
    # Qt loads only for the window
    from ..ui.app import run

    return run(data_dir=_data_dir(args), lang=args.lang)


def cmd_bench(args) -> int:
    # the benchmark loads only for this command
    from .. import bench

    bench.run(args.scale, children=args.children, sessions_per_child=args.sessions_per_child,
              repeats=args.repeats, register_rows=args.register_rows, attachments_mb=args.attachments_mb)
    return EXIT_OK


def register(sub) -> None:
    """Add gui and bench to the top-level commands."""
    s = sub.add_parser("gui", help=_("open the desktop window (also what runs with no command)"))
    s.set_defaults(func=cmd_gui)

    s = sub.add_parser("bench", help=_("measure performance against an unsealed baseline"))
    s.add_argument("--scale", choices=["centre", "hq"], default="centre")
    s.add_argument("--children", type=int)
    s.add_argument("--sessions-per-child", type=int)
    s.add_argument("--repeats", type=int, default=7)
    s.add_argument("--register-rows", type=int, default=10_000, metavar="N",
                   help=_("rows of the register import measured (0: not measured)"))
    s.add_argument("--attachments-mb", type=int, default=200, metavar="MB",
                   help=_("megabytes of documents in the measured backup, in 10 MB PDFs (0: not measured)"))
    s.set_defaults(func=cmd_bench)
