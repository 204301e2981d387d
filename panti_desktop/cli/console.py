"""The command line's streams as Windows has them: whether there is a person at a console to
ask for a passphrase, and output that never dies of a character its encoding lacks.

- On Windows `isatty()` is true for the NUL device (a scheduled task started with `< NUL`),
  and `getpass` reads the console, not stdin: a run without a person there would wait
  forever at the prompt. A real console is one `GetConsoleMode` accepts.
- Output piped or redirected on Windows is cp1252 with strict errors: `bench`'s ✓ and a
  `--json` name in another script would end the command with a `UnicodeEncodeError`, and
  JSON read by another program should be UTF-8 anyway. A stream that is not a console is
  made UTF-8; a console keeps its encoding and shows `?` for what it cannot draw.
"""

from __future__ import annotations

import contextlib
import os
import sys

WINDOWS = os.name == "nt"


def _windows_console_mode(fd: int) -> bool:
    """Whether the handle behind `fd` is a console (the NUL device and pipes are not)."""
    import ctypes
    import msvcrt

    mode = ctypes.c_uint32()
    handle = msvcrt.get_osfhandle(fd)  # type: ignore[attr-defined]
    return bool(ctypes.windll.kernel32.GetConsoleMode(handle, ctypes.byref(mode)))  # type: ignore[attr-defined]


def is_console(stream) -> bool:
    """Whether `stream` is a terminal or console a person types into or reads."""
    if stream is None:
        return False
    try:
        if not stream.isatty():
            return False
        return _windows_console_mode(stream.fileno()) if WINDOWS else True
    except (AttributeError, ValueError, OSError):  # closed, or a stream without a descriptor
        return False


def prepare_streams() -> None:
    """UTF-8 on stdout and stderr unless they are a console; a console never raises for a
    character it cannot show."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        with contextlib.suppress(ValueError, OSError, AttributeError):
            if is_console(stream):
                stream.reconfigure(errors="replace")
            elif (stream.encoding or "").replace("-", "").lower() != "utf8":
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")
