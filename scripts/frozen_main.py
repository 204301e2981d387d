"""The bundle's entry script (build.spec): PyInstaller runs it as a top-level script, so it
imports the package absolutely and hands over to `panti_desktop.__main__`."""

import multiprocessing
import sys

from panti_desktop.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a spawned process (the reader of a large bundle) starts here
    sys.exit(main())
