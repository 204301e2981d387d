"""Every record kind the store keeps: its table, its sealing role and its plaintext columns.

Plaintext columns exist only where a query needs them and identify no one (ids,
codes, dates, status). Everything else is inside the sealed payload. They are declared
with the kind itself (`ROLE`, `INDEX` on its dataclass in domain/records.py); this module
is the store's reading of that declaration, in the declaration's order (parents first).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..domain.records import RECORD_TYPES
from ..vault.keyring import CASE, CLINICAL


@dataclass(frozen=True)
class Kind:
    name: str
    role: str
    index: tuple[str, ...] = ()
    per_child: bool = True
    # The plaintext columns seals of format 1 and 2 were bound to, when columns were added later.
    index_v2: tuple[str, ...] | None = None

    @cached_property
    def columns(self) -> tuple[str, ...]:  # read for every row sealed: computed once
        return (("child_id",) if self.per_child else ()) + self.index

    def columns_for(self, fmt: int) -> tuple[str, ...]:
        """The plaintext columns a seal of format `fmt` binds."""
        if fmt <= 2 and self.index_v2 is not None:
            return (("child_id",) if self.per_child else ()) + self.index_v2
        return self.columns


def _kinds() -> dict[str, Kind]:
    """The store's view of every record kind, read from its one declaration (domain/records.py)."""
    out = {}
    for name, cls in RECORD_TYPES.items():
        if cls.ROLE not in (CASE, CLINICAL):
            raise ValueError(f"{name}: sealed under an unknown role {cls.ROLE!r}")
        out[name] = Kind(name, cls.ROLE, tuple(cls.INDEX), per_child=cls.per_child(),
                         index_v2=tuple(cls.INDEX_V2) if cls.INDEX_V2 is not None else None)
    return out


KINDS: dict[str, Kind] = _kinds()

# Columns every record table has, outside the sealed payload.
BASE_COLUMNS = (
    "id",
    "centre_id",
    "hlc",
    "origin",
    "deleted",
    "key_id",
    "payload",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
)


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown record kind {name!r}") from None
