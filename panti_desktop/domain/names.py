"""The duplicate rule for names: two registrations whose names fold to the same words, one
inside the other, or nearly the same letters are the same child written twice.

Shared by the sync import (an arriving child) and the register import (a sheet row without
a register number); both flag a match for a person to decide, never merge it.
"""

from __future__ import annotations

import difflib


def fold_name(text: str | None) -> str:
    return " ".join("".join(ch for ch in (text or "").lower() if ch.isalnum() or ch.isspace()).split())


def similar_names(a: str | None, b: str | None) -> bool:
    fa, fb = fold_name(a), fold_name(b)
    if not fa or not fb:
        return False
    if fa == fb or fa in fb or fb in fa:
        return True
    return difflib.SequenceMatcher(None, fa, fb).ratio() >= 0.8
