"""Dates as people in the centres write them: "22 November 2026"."""

from __future__ import annotations

from datetime import date

from .i18n import current_language

MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]


def to_date(value: str | date | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def long_date(value: str | date | None, lang: str | None = None, short: bool = False) -> str:
    """`2026-11-22` → "22 November 2026" ("22 Nov 2026" when short); "" when empty."""
    d = to_date(value)
    if d is None:
        return "" if value in (None, "") else str(value)
    months = MONTHS_EN if (lang or current_language()) == "en" else MONTHS_ID
    month = months[d.month - 1]
    return f"{d.day} {month[:3] if short else month} {d.year}"
