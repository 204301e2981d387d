"""File names and file moves that work on a Windows laptop and a FAT32/exFAT stick as well as on
Linux and macOS.

- `safe_file_name`: every generated name (a report named after a register number like
  `12/PSMP/XI/2026`, a bundle named after a centre code) without `\\ / : * ? " < > |`,
  control characters, trailing dots or spaces, and never a DOS device (`NUL.pantipeer`
  is the null device on Windows: a contact card written there is silently lost).
- `is_device_name`: CON, PRN, AUX, NUL, COM0–9, LPT0–9 (refused as centre codes).
- `replace`: `os.replace` that waits out a short lock (antivirus scanning a new file, the
  search indexer) and, on Windows, renames with write-through, so the rename is on the
  device when it returns (a directory fsync does nothing there).
- `fsync_dir`: the folder's entry on the device after a rename (POSIX).
- `removable_drive`: whether a mounted volume is a USB stick or card (not a network drive).

Plain Python below every capability: reports, backups, bundles and the log all use it.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

from .errors import PantiError
from .i18n import _

WINDOWS = os.name == "nt"

_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
                     | {f"{p}{n}" for p in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]})
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
MAX_NAME = 120  # characters: well inside 255 (exFAT, NTFS) with a folder path before it


def is_device_name(name: str) -> bool:
    """True for a name Windows takes as a device, with or without an extension (`nul`, `COM1.txt`)."""
    stem = name.strip().split(".", 1)[0].rstrip(" ").upper()
    return stem in _DEVICES


def safe_file_name(name: str, replacement: str = "-") -> str:
    """`name` made usable as one file name on every platform: separators and the characters
    Windows refuses become `replacement`, trailing dots and spaces go, a device name gets a
    leading underscore, and a very long name keeps its extension."""
    text = _UNSAFE.sub(replacement, str(name)).strip()
    if replacement:
        text = re.sub(re.escape(replacement) + "{2,}", replacement, text)
    text = text.rstrip(". ") or "_"
    if is_device_name(text):
        text = "_" + text
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[:MAX_NAME - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            text = text[:MAX_NAME].rstrip(". ")
    return text


class FileInUse(PantiError):
    """A file another program holds open (a PDF viewer, antivirus) could not be replaced."""


RETRY_SECONDS = 2.0


def _is_sharing_violation(exc: OSError) -> bool:
    # Windows: 5 access denied (a file being scanned, or open without FILE_SHARE_DELETE),
    # 32 sharing violation, 33 lock violation. Elsewhere a rename is never blocked by a reader.
    return getattr(exc, "winerror", None) in (5, 32, 33)


def _move(src: str, dst: str) -> None:
    if WINDOWS:  # write-through: the rename is on the device before this returns
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        if not kernel32.MoveFileExW(src, dst, 0x1 | 0x8):  # MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
        return
    os.replace(src, dst)


def replace(src: Path | str, dst: Path | str, seconds: float = RETRY_SECONDS) -> None:
    """Move `src` to `dst`, replacing it; a briefly locked file is tried again for `seconds`.

    Raises the last OSError if it stays locked (`FileInUse` is the caller's sentence to give)."""
    deadline = time.monotonic() + seconds
    pause = 0.05
    while True:
        try:
            _move(os.fspath(src), os.fspath(dst))
            return
        except OSError as exc:
            if not _is_sharing_violation(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def replace_or_explain(src: Path | str, dst: Path | str) -> None:
    """`replace` for a file a person may have open (a report in a PDF viewer): a lock that stays
    becomes one sentence saying what to do."""
    try:
        replace(src, dst)
    except OSError as exc:
        if not _is_sharing_violation(exc):
            raise
        raise FileInUse(_("{name} is open in another program (a PDF viewer?) and cannot be replaced. Close it "
                          "and try again, or save under another name.").format(name=Path(dst).name)) from exc


def fsync_dir(path: Path | str) -> None:
    """Put a folder's entries (a rename into it) on the device. Windows has no such call: there
    `replace` renames with write-through instead."""
    if WINDOWS:
        return
    with contextlib.suppress(OSError):  # not every file system allows it
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- removable drives ------------------------------------------------------------------------

DRIVE_REMOVABLE = 2  # GetDriveTypeW: a USB stick or memory card (3 fixed, 4 network, 5 optical)
_MOUNT_ROOTS = ("/media/", "/run/media/", "/mnt/", "/Volumes/")


def _windows_drive_type(root: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def removable_drive(root: str) -> bool:
    """Whether a mounted volume's root is a removable drive: on Windows by its drive type (so a
    network drive or a second hard disk is not offered as a stick), elsewhere by where it is
    mounted."""
    if re.fullmatch(r"[A-Za-z]:[\\/]?", root):
        if not WINDOWS:
            return False
        return _windows_drive_type(root[:2] + "\\") == DRIVE_REMOVABLE
    return root.startswith(_MOUNT_ROOTS)
