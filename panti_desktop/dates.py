"""Dates as people in the centres write them: "22 November 2026"."""

from __future__ import annotations

from datetime import date, datetime

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


def long_moment(iso: str | None, lang: str | None = None) -> str:
    """A stored moment ("2026-12-02T03:38:12+00:00") in this computer's local time, as people read it:
    "2 Desember 2026 10:38"; "" when empty."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{long_date(moment.date(), lang)} {moment:%H:%M}"
