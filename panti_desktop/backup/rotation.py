"""Which backups a folder keeps: this centre's last N (by name, which carries the time),
the history of verified backups, and the backups that still hold erased records (made
before the latest erasure), which rotation deletes first.

Separate because it is policy over files already written (no keys, no SQLite check), and
it is where erasure reaches the backups.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from ..store import cases
from .format import SUFFIX

KEEP_DEFAULT = 5
MAX_AGE_DAYS_DEFAULT = 7


def backup_name(centre_code: str, when: datetime | None = None) -> str:
    when = when or datetime.now()
    return f"panti-{centre_code}-{when:%Y%m%d-%H%M%S}{SUFFIX}"


def backup_history(ws) -> list[dict]:
    """The backups this installation wrote and verified: where and when (no content)."""
    try:
        return list(json.loads(ws.setting("backup_history") or "[]"))
    except ValueError:
        return []


def latest_erasure(ws) -> str | None:
    """When anything was last erased: a whole case (its tombstone) or record types past their period."""
    row = ws.db.execute("SELECT MAX(erased_at) FROM erasure").fetchone()
    times = [t for t in ((row[0] if row else None), ws.setting(cases.PARTIAL_ERASURE_SETTING)) if t]
    return max(times) if times else None


def backups_holding_erased(ws) -> list[dict]:
    """Backups still on disk that were made before the latest erasure: they hold erased records."""
    latest = latest_erasure(ws)
    if not latest:
        return []
    return [h for h in backup_history(ws) if h["created_at"] < latest and Path(h["path"]).exists()]


def prune(folder: Path, centre_code: str, keep: int, newest: Path, holding_erased: Iterable[Path] = (),
          clean_since_erasure: int = 0) -> list[Path]:
    """Delete this centre's backups beyond `keep`, oldest first; never the newest verified one.

    Backups that still hold erased cases (`holding_erased`) go first, and go altogether
    once at least two verified backups made after the erasure (`clean_since_erasure`)
    are there to restore from: erasure must reach the backups too.
    """
    keep = max(1, int(keep))
    holding = {Path(p).resolve() for p in holding_erased}
    mine = sorted(folder.glob(f"panti-{centre_code}-*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    doomed = list(mine[keep:])
    if clean_since_erasure >= 2:
        doomed += [p for p in mine[:keep] if p.resolve() in holding]
    removed = []
    for p in doomed:
        if p == newest:
            continue
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed
