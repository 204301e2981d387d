"""Entry point: the desktop window with no command, the command line with one."""

from __future__ import annotations

import logging
import sys

from .cli import main as cli_main


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
