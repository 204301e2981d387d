"""Possible duplicate registrations: an arriving child whose birth date and name match a
child already here is flagged (table `sync_flag`), never merged.

Separate because it is a rule of its own with state of its own (`_Registrations`, kept up
to date across an import's batches) and the one part of an import that reads every child
of the vault. The import calls it for each batch of children it writes; the conflicts list
shows its flags, and a manager dismisses them there.
"""

from __future__ import annotations

import hashlib

from ..domain.names import similar_names
from ..errors import IntegrityError
from ..store.records import now_iso
from .merge import Version

__all__ = ["similar_names"]


class _Registrations:
    """The children of the vault by birth date, to flag an arriving registration that looks like
    one already here. An import reads them from the vault once, at its first batch of new
    children, then keeps them up to date with each batch it writes: opening every child in
    the vault again for each batch made a large import at headquarters quadratic."""

    def __init__(self) -> None:
        self._by_birth: dict[str, dict[str, str]] | None = None  # birth date -> {child id: full name}
        self._birth_of: dict[str, str] = {}

    def put(self, child_id: str, data: dict | None) -> None:
        """What the vault now holds for a child: its data, or None when deleted or erased."""
        if self._by_birth is None:
            return  # not read yet: reading the vault later finds it as it is
        old = self._birth_of.pop(child_id, None)
        if old is not None:
            self._by_birth[old].pop(child_id, None)
        birth = (data or {}).get("birth_date")
        if birth:
            self._by_birth.setdefault(birth, {})[child_id] = (data or {}).get("full_name") or ""
            self._birth_of[child_id] = birth

    def _read(self, ws) -> None:
        self._by_birth = {}
        for row in ws.db.query("SELECT * FROM child WHERE deleted = 0"):
            try:
                self.put(row["id"], ws.records.open_row("child", row))
            except IntegrityError:
                continue

    def flag(self, ws, written: list[tuple[str, dict | None]], arrived: list[Version]) -> int:
        """Take in a batch of children just written, and flag those `arrived` (new here) whose
        birth date and name match another child's. Returns how many flags are new."""
        if self._by_birth is None:
            if not arrived:
                return 0
            self._read(ws)  # the batch is in the vault already
        else:
            for child_id, data in written:
                self.put(child_id, data)
        return _flag_duplicates(ws, arrived, self._by_birth)


def _flag_duplicates(ws, arrived: list[Version], by_birth: dict[str, dict[str, str]]) -> int:
    n = 0
    for v in arrived:
        birth = v.data.get("birth_date")
        for other_id, other_name in by_birth.get(birth or "", {}).items():
            if other_id == v.id or not similar_names(v.data.get("full_name"), other_name):
                continue
            a, b = sorted((v.id, other_id))
            flag_id = "dup-" + hashlib.sha256(f"{a}|{b}".encode()).hexdigest()[:12]
            cur = ws.db.execute("INSERT OR IGNORE INTO sync_flag (id, reason, kind, a, b, noted_at) "
                                "VALUES (?, 'duplicate', 'child', ?, ?, ?)", [flag_id, a, b, now_iso()])
            n += cur.rowcount
    return n
