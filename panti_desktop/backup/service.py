"""The backup operations the command line and the window call: make a backup, verify a
backup file without restoring it, restore one with the data it replaces kept aside.

A backup reads the database file itself while a read transaction pins it (taken once
the write-ahead log is fully copied into the file, it keeps every checkpoint out of
the file until the backup is done; the app keeps saving meanwhile), so no plaintext
copy is ever made. `PRAGMA integrity_check` of that same state runs in a second thread
while the file is encrypted under a temporary name beside its destination, flushed,
and read back from the device (every chunk's GCM tag, order and count); only then is
it renamed and success reported.

Separate from the parts it puts together (`format`, `pinned`, `check`, `durable`,
`rotation`): each operation here is the order of the steps, and what is recorded,
audited and cleaned up when one fails.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import files
from ..errors import IntegrityError, PantiError
from ..i18n import _
from ..paths import default_data_dir
from ..store.db import DB_NAME
from ..store.schema import SCHEMA_VERSION
from ..vault.keyring import wipe
from .check import BACKUP_CHECKERS, _check_into, _check_sqlite, _counts
from .durable import _write_verified
from .format import CHUNK, FORMAT, SUFFIX, BackupInfo, Progress, _damaged, _decrypt_to, _info
from .pinned import _pinned
from .rotation import backup_history, backup_name, backups_holding_erased, latest_erasure, prune

log = logging.getLogger(__name__)


def folder_unusable(folder: Path, exc: OSError) -> PantiError:
    """The sentence for a backup folder that cannot be made: most often a stick not plugged in."""
    return PantiError(_("The backup folder {folder} cannot be used ({error}). Is the USB stick plugged in?").format(
        folder=folder, error=exc.strerror or exc))


def create_backup(ws, dest: Path, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                  keep: int | None = None) -> BackupInfo:
    """Back the centre up to `dest` (a folder or a file name) and verify it; admins only.

    Nothing is reported as done before the written file was read back and checked. A
    failure (full disk, pulled stick, cancel) removes the partial file and never touches
    other backups in the folder.
    """
    ws.require_admin()
    dest = Path(dest)
    try:
        if dest.is_dir() or str(dest).endswith(os.sep):
            dest.mkdir(parents=True, exist_ok=True)
            target = dest / backup_name(ws.centre_code)
        else:
            target = dest if dest.suffix == SUFFIX else dest.with_name(dest.name + SUFFIX)
            target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # the stick was pulled, or its drive letter is gone
        raise folder_unusable(dest, exc) from exc
    partial = target.with_name("." + target.name + ".partial")
    _master_id, master, unlockers = ws.vault.master_unlockers(ws.ring)
    master = bytearray(master)  # our own copy: wiped when done, the ring's stays
    backup_id = os.urandom(16)
    db_file = ws.db_path(ws.data_dir)
    try:
        # readers: this thread's, the integrity checkers', and one scanning for damaged rows beside them
        with _pinned(db_file, readers=BACKUP_CHECKERS + 2) as readers:
            # the database file is one consistent state while `readers` are open: read straight from it
            reader = readers[0]
            page_size = reader.execute("PRAGMA page_size").fetchone()[0]
            size = reader.execute("PRAGMA page_count").fetchone()[0] * page_size
            # the integrity check of that same state runs inside SQLite (without the GIL) while
            # this thread counts the records, encrypts, writes and reads back
            checked: dict = {}
            checker = threading.Thread(target=_check_into, args=(readers[1:], checked), daemon=True)
            checker.start()
            try:
                counts = _counts(reader)
                header = {
                    "format": FORMAT, "backup_id": backup_id.hex(), "centre_id": ws.centre_id,
                    "centre_code": ws.centre_code, "centre_name": ws.centre_name,
                    "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                    "schema_version": SCHEMA_VERSION, "counts": counts, "size": size,
                    "chunks": max(1, -(-size // CHUNK)), "created_by": ws.user.name,
                }
                _write_verified(partial, backup_id, master, unlockers, db_file, header, progress, cancelled,
                                page_size)
            finally:
                checker.join()
        if "error" in checked:
            raise checked["error"]
        files.replace(partial, target)  # only a file that was read back and checked gets the name
        files.fsync_dir(target.parent)
        info = _info(target, header)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    finally:
        wipe(master)
    history = [h for h in backup_history(ws) if Path(h["path"]) != target][-49:]
    history.append({"path": str(target), "created_at": info.created_at})
    with ws.db.atomic():
        ws.set_setting("last_verified_backup_at", info.created_at)
        ws.set_setting("backup_history", json.dumps(history))
        ws.audit_event("backup", detail=f"{target.name} {info.size} bytes")
    if keep is None:
        keep = ws.backup_keep
    if dest.is_dir():
        holding = [Path(h["path"]) for h in backups_holding_erased(ws)]
        latest = latest_erasure(ws)
        clean = sum(1 for h in backup_history(ws) if latest and h["created_at"] >= latest
                    and Path(h["path"]).parent.resolve() == dest.resolve() and Path(h["path"]).exists())
        removed = prune(dest, ws.centre_code, keep, newest=target, holding_erased=holding, clean_since_erasure=clean)
        if removed:
            ws.audit_event("backup", detail="rotated: " + ", ".join(p.name for p in removed))
    return info


STAGE_PREFIXES = (".verify-", ".restore-")
STALE_STAGE_SECONDS = 6 * 3600


def _clear_stale_stages(folder: Path) -> None:
    """Remove what a verify or restore killed halfway left behind (a decrypted database)."""
    now = time.time()
    for stage in folder.glob(".*-*"):
        if not stage.is_dir() or not stage.name.startswith(STAGE_PREFIXES):
            continue
        with contextlib.suppress(OSError):
            if now - stage.stat().st_mtime > STALE_STAGE_SECONDS:
                _remove_stage(stage)


def verify_backup(path: Path, passphrase: str | None = None, recovery_text: str | None = None,
                  master: bytearray | None = None, progress: Progress | None = None,
                  stage_in: Path | None = None) -> BackupInfo:
    """Check a backup completely without restoring it: keys, every chunk, the database inside.

    The database is decrypted into a folder inside the data folder (`stage_in`, else the
    default one), never the system's temporary folder: it is the sealed database, whose
    ids and dates are readable, and it belongs where the live one is. It is removed after."""
    path = Path(path)
    parent = Path(stage_in) if stage_in is not None else default_data_dir()
    parent.mkdir(parents=True, exist_ok=True)
    _clear_stale_stages(parent)
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIXES[0], dir=parent))
    try:
        out = stage / DB_NAME
        header = _decrypt_to(path, out, passphrase, recovery_text, master, progress)
        counts = _check_sqlite(out)
        if counts != header["counts"]:
            raise IntegrityError(_("The records in the backup do not match its header."))
    finally:
        _remove_stage(stage)
    return _info(path, header)


def _remove_stage(stage: Path) -> None:
    for p in stage.glob("*"):
        with contextlib.suppress(OSError):
            p.unlink()
    with contextlib.suppress(OSError):
        stage.rmdir()


def _swap_in(stage: Path, data_dir: Path, current: Path) -> Path | None:
    """Move the live database (and its log files) aside and the restored one in, as one step:
    if any move fails (the window or antivirus holds a file), the moves done are undone in
    reverse order and the folder is as it was; a data folder without `centre.db` would open
    the first-run wizard. Returns the folder the replaced data was kept in."""
    done: list[tuple[Path, Path]] = []  # (from, to), in the order they happened
    replaced = None
    try:
        if current.exists():
            replaced = data_dir / f"replaced-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
            replaced.mkdir()
            for suffix in ("", "-wal", "-shm"):
                p = Path(str(current) + suffix)
                if p.exists():
                    files.replace(p, replaced / p.name)
                    done.append((p, replaced / p.name))
        for p in sorted(stage.iterdir()):
            files.replace(p, data_dir / p.name)
            done.append((p, data_dir / p.name))
        files.fsync_dir(data_dir)
    except OSError as exc:
        undone = True
        for src, dst in reversed(done):
            try:
                files.replace(dst, src)
            except OSError:
                log.exception("restore: could not move %s back to %s", dst, src)
                undone = False
        if replaced is not None and undone:
            with contextlib.suppress(OSError):
                replaced.rmdir()
        if not undone:
            raise PantiError(_("The restore could not finish and not all files could be put back ({error}); the "
                               "data it replaced is in {folder}. Close Panti and restore again.").format(
                                   error=exc.strerror or exc, folder=replaced)) from exc
        raise PantiError(_("The restore could not replace the centre's files ({error}): another program (the Panti "
                           "window, antivirus) has them open. Nothing was changed; close Panti and try "
                           "again.").format(error=exc.strerror or exc)) from exc
    return replaced


@dataclass
class RestoreResult:
    info: BackupInfo
    data_dir: Path
    replaced: Path | None  # where the data it replaced was kept


def restore_backup(path: Path, data_dir: Path, passphrase: str | None = None, recovery_text: str | None = None,
                   allow_other_centre: bool = False, progress: Progress | None = None) -> RestoreResult:
    """Decrypt into a fresh folder, verify it, then swap it in; the replaced data is kept aside."""
    from ..store.db import open_database
    from ..vault.vault import Vault

    path, data_dir = Path(path), Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    current = data_dir / DB_NAME
    _clear_stale_stages(data_dir)
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIXES[1], dir=data_dir))
    try:
        header = _decrypt_to(path, stage / DB_NAME, passphrase, recovery_text, None, progress, durable=True)
        if int(header["schema_version"]) > SCHEMA_VERSION:
            raise PantiError(_("This backup comes from a newer version of Panti; update the app to restore it."))
        counts = _check_sqlite(stage / DB_NAME)
        if counts != header["counts"]:
            raise IntegrityError(_("The records in the backup do not match its header."))
        if current.exists() and not allow_other_centre:
            # not read-only: a read-only connection to a WAL database leaves -wal and -shm behind
            conn = sqlite3.connect(str(current))
            try:
                row = conn.execute("SELECT value FROM store_meta WHERE key = 'centre_id'").fetchone()
            finally:
                conn.close()
            if row and row[0] != header["centre_id"]:
                raise PantiError(_("This backup belongs to another centre ({code}). Restore it only if you "
                                   "mean to replace this centre's data: add --other-centre.").format(
                                       code=header["centre_code"]))
        db = open_database(stage / DB_NAME)  # applies newer migrations to an older backup
        try:
            if Vault(db).users() == []:
                raise _damaged()
        finally:
            db.close()
        replaced = _swap_in(stage, data_dir, current)
    finally:
        _remove_stage(stage)
    return RestoreResult(_info(path, header), data_dir, replaced)
