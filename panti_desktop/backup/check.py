"""Integrity checks of a centre database: `PRAGMA integrity_check` of the pinned live
database while a backup is written, and of a decrypted backup, beside its record counts,
when one is verified or restored.

Separate because it is SQLite alone (no keys, no file format), and its split of the
pragma into parts checked side by side on several connections is a measured design of
its own (see `_check_jobs`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from ..errors import IntegrityError
from ..i18n import _
from ..store import damage
from ..store.kinds import KINDS

# integrity checks read the file through a memory map and a larger page cache: a quarter faster
MMAP = (1 << 31) - (1 << 16)
CHECK_CACHE_KIB = 64 * 1024


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Live records per table (tables a backup from an older schema lacks are left out)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    out = {name: conn.execute(f"SELECT COUNT(*) FROM {name} WHERE deleted = 0").fetchone()[0]
           for name in KINDS if name in tables}
    out["user"] = conn.execute("SELECT COUNT(*) FROM user WHERE removed_at IS NULL").fetchone()[0]
    out["audit"] = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    return out


def _check_jobs(conn: sqlite3.Connection) -> list[str]:
    """`PRAGMA integrity_check` in parts that can run side by side, largest first.

    `quick_check` checks every b-tree, the free list, that every page is used exactly once,
    and NOT NULL constraints: everything but whether each index holds exactly its table's
    rows. `integrity_check(T)` adds that for one table and its indexes. So `quick_check`
    plus `integrity_check(T)` for every table with an index checks what the whole pragma
    checks, and the parts can run on several connections to the same database state."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    indexes: dict[str, int] = {}
    for (tbl,) in conn.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'index'"):
        indexes[tbl] = indexes.get(tbl, 0) + 1
    jobs, total = [], 0
    for name in tables:
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            rows = conn.execute(f"SELECT MAX(rowid) FROM {quoted}").fetchone()[0] or 0
        except sqlite3.OperationalError:  # a table without rowids: no estimate, check it anyway
            rows = 0
        total += rows
        if indexes.get(name):
            jobs.append((rows * (1 + indexes[name]), f"PRAGMA integrity_check({quoted})"))
    jobs.append((total, "PRAGMA quick_check"))
    return [sql for _cost, sql in sorted(jobs, key=lambda j: -j[0])]


CHECKERS = max(1, min(4, os.cpu_count() or 1))  # connections checking a file nothing else is busy with
# a backup also encrypts, writes and reads back in two threads: on two cores one connection
# running the whole pragma (no part checked twice) finishes sooner than two
BACKUP_CHECKERS = max(1, min(4, (os.cpu_count() or 1) - 1))


def _run_checks(conns: list[sqlite3.Connection], jobs: list[str]) -> str | None:
    """Run check pragmas on `conns`, one thread each, largest first."""
    lock = threading.Lock()
    problems: list[str] = []

    def work(conn: sqlite3.Connection) -> None:
        while True:
            with lock:
                if not jobs or problems:
                    return
                sql = jobs.pop(0)
            try:
                bad = [r[0] for r in conn.execute(sql).fetchall() if r[0] != "ok"]
            except sqlite3.DatabaseError as exc:
                bad = [str(exc)]
            if bad:
                with lock:
                    problems.append(bad[0])
                return

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in conns[1:]]
    for t in threads:
        t.start()
    work(conns[0])
    for t in threads:
        t.join()
    return problems[0] if problems else None


def _integrity(conns: list[sqlite3.Connection]) -> str | None:
    """The whole integrity check on `conns`, which must all read the same database state:
    the plain pragma on one connection, in parts side by side on several. Returns the
    first problem found, or None when all is well."""
    jobs = _check_jobs(conns[0]) if len(conns) > 1 else ["PRAGMA integrity_check"]
    return _run_checks(conns, jobs)


def _check_sqlite(path: Path) -> dict[str, int]:
    """The integrity check and the record counts of a decrypted backup, side by side."""
    conns = []
    try:
        for _i in range(CHECKERS + 1):
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            conns.append(conn)
            conn.execute(f"PRAGMA mmap_size={MMAP}")
            conn.execute(f"PRAGMA cache_size=-{CHECK_CACHE_KIB}")
        counted: dict = {}

        def count() -> None:  # and the damage scan, side by side with the integrity check
            try:
                counted["counts"] = _counts(conns[0])
                counted["damage"] = _damaged_row(conns[0])
            except sqlite3.DatabaseError as exc:
                counted["error"] = exc

        counter = threading.Thread(target=count, daemon=True)
        counter.start()
        try:
            problem = _integrity(conns[1:])
        finally:
            counter.join()
        problem = problem or counted.get("damage")
        if problem is not None:
            raise IntegrityError(_("The database inside the backup is damaged: {error}").format(error=problem))
        if "error" in counted:
            raise counted["error"]
        return counted["counts"]
    except sqlite3.DatabaseError as exc:
        raise IntegrityError(_("The database inside the backup is damaged: {error}").format(error=exc)) from None
    finally:
        for conn in conns:
            conn.close()


def what_was_checked() -> str:
    """What a written or verified backup was checked for, said exactly (shown after each)."""
    return _("Checked: the whole file read back, the database's structure, the record counts and the type and "
             "text of every unencrypted column. The sealed records are opened only by 'verify'.")


def _damaged_row(conn: sqlite3.Connection) -> str | None:
    """The first value of the wrong type or undecodable text in any table (see store/damage.py),
    beside SQLite's own check, which accepts both."""
    found = damage.scan(conn, limit=1)
    return found[0].sentence() if found else None


def _check_into(conns: list[sqlite3.Connection], out: dict) -> None:
    """The integrity check on pinned connections, for a thread: an error is left in `out`. With more
    than one connection the last scans for damaged rows side by side with the integrity check."""
    found: dict = {}

    def scan(conn: sqlite3.Connection) -> None:
        try:
            found["damage"] = _damaged_row(conn)
        except sqlite3.DatabaseError as exc:
            found["damage"] = str(exc)

    scanner = threading.Thread(target=scan, args=(conns[-1],), daemon=True) if len(conns) > 1 else None
    if scanner is not None:
        scanner.start()
    try:
        problem = _integrity(conns[:-1] if scanner is not None else conns)
        if scanner is None:
            scan(conns[0])
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    finally:
        if scanner is not None:
            scanner.join()
    problem = problem or found.get("damage")
    if problem is not None:
        out["error"] = IntegrityError(_("The centre database failed its integrity check, so no backup was written; "
                                        "keep the earlier backups. Details: {error}").format(error=problem))
