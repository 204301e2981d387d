"""Merging versions of one record from several installations, without losing any.

Every version carries a version vector: for each device, the newest of its edits
the version descends from. A version *dominates* another when its vector is at
least as large everywhere: it was made by someone who had seen the other, so the
other is history, not a conflict. A record's state is the set of versions no
other version dominates. Of that set one is the winner, the same everywhere:

1. a version that is not a deletion beats a deletion (a delete never silently
   undoes a concurrent edit; the deletion is kept and flagged);
2. a final session beats a draft (final sessions are immutable);
3. the greater hybrid logical clock, then the greater origin device id.

The others are kept as conflicts for a manager. Because the state is "the
undominated versions of everything received", merging is commutative,
associative and idempotent: every site that received the same bundles holds the
same state, in whatever order and however often they arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Version:
    """One version of one record, as it travels in a bundle."""

    kind: str
    id: str
    hlc: int
    origin: str
    vv: dict[str, int]
    deleted: bool
    data: dict | None  # None: a local version not decrypted (yet)
    centre_id: str
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    meta: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str]:
        return self.hlc, self.origin

    @property
    def final(self) -> bool:
        if self.kind != "session":
            return False
        status = self.meta["status"] if "status" in self.meta else (self.data or {}).get("status")
        return status == "final"


def dominates(a: dict[str, int], b: dict[str, int]) -> bool:
    """True when a history `a` includes every edit of history `b`."""
    return all(a.get(device, -1) >= clock for device, clock in b.items())


def rank(v: Version) -> tuple:
    return (not v.deleted, v.final, v.hlc, v.origin)


def resolve(versions: Iterable[Version]) -> tuple[Version, list[Version]]:
    """The winner and the kept conflicts among `versions` (at least one)."""
    unique: dict[tuple[int, str], Version] = {}
    for v in versions:
        unique.setdefault(v.key, v)
    items = list(unique.values())
    frontier = [v for v in items
                if not any(w.key != v.key and dominates(w.vv, v.vv) for w in items)]
    frontier.sort(key=rank, reverse=True)
    return frontier[0], frontier[1:]


def joined(versions: Iterable[Version]) -> dict[str, int]:
    """The smallest history that includes every one of `versions` (for a resolution)."""
    out: dict[str, int] = {}
    for v in versions:
        for device, clock in v.vv.items():
            if clock > out.get(device, -1):
                out[device] = clock
    return out


__all__ = ["Version", "dominates", "joined", "rank", "resolve"]
