"""Entry point: the desktop window with no command, the command line with one.

`--self-test` (hidden) checks a fresh installation end to end; see `selftest`.
A frozen windowed executable has no console (`sys.stdout` is None): output then
goes to a log file in the user's log folder instead of failing.
"""

from __future__ import annotations

import logging
import sys

from .selftest import PLATFORM_PROBE


def _console_or_log() -> None:
    """Give print() and logging somewhere to write when there is no console."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    from .paths import log_dir

    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stream = open(folder / "console.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - process-long
    except OSError:
        import os

        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - process-long
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


def main(argv: list[str] | None = None) -> int:
    _console_or_log()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["--self-test"]:
        from .selftest import run

        return run()
    if args[:1] == [PLATFORM_PROBE]:  # the self-test's second process: the native window platform
        from .ui.app import native_platform

        print(native_platform())
        return 0
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
