"""Encrypted, verified backups of the whole centre database, and restoring them.

    format.py    the `.pantibak` file format: its key, its chunks, reading and decrypting it
    check.py     SQLite integrity checks, in parts side by side; record counts
    pinned.py    the live database file read as one consistent state, no copy made
    durable.py   encrypt, write, flush, and read back from the device while writing
    rotation.py  the last N in a folder; backups that still hold erased records
    service.py   make, verify and restore: what the command line and the window call

Within the package imports point one way (service → durable → pinned → check; durable,
rotation and service → format; service → rotation, check), kept so by import-linter.
Callers use the names below; tests that patch a module's internals patch that module.
"""

from .check import what_was_checked
from .format import BackupInfo
from .rotation import backups_holding_erased
from .service import (
    STALE_STAGE_SECONDS,
    RestoreResult,
    create_backup,
    folder_unusable,
    restore_backup,
    verify_backup,
)

__all__ = [
    "STALE_STAGE_SECONDS",
    "BackupInfo",
    "RestoreResult",
    "backups_holding_erased",
    "create_backup",
    "folder_unusable",
    "restore_backup",
    "verify_backup",
    "what_was_checked",
]
