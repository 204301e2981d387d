"""Reading a register: the sheets of a workbook or a CSV file, as rows of plain values.

Spreadsheet cells arrive typed (text, numbers, dates) from python-calamine; CSV cells are
text. A CSV file's encoding is UTF-8 (with or without a byte-order mark) or, failing that,
Windows-1252, and its delimiter is whichever of `,` `;` tab `|` splits the first lines evenly.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PantiError
from ..i18n import _

log = logging.getLogger(__name__)

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
FORMATS = (*SPREADSHEETS, ".csv", ".txt")
_DELIMITERS = ",;\t|"


@dataclass
class Sheet:
    """One sheet: its header (the row that names the columns) and the rows under it."""

    name: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    first_line: int = 2  # the line number (as the spreadsheet shows it) of rows[0]

    def line(self, index: int) -> int:
        return self.first_line + index


def _unreadable(path: Path, reason: object) -> PantiError:
    log.info("cannot read %s: %s", path, reason)
    return PantiError(_("{name} could not be read as a register: {reason}").format(name=path.name, reason=reason))


def _workbook(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise _unreadable(path, exc) from None


def sheet_names(path: Path) -> list[str]:
    path = Path(path)
    _check(path)
    if path.suffix.lower() in SPREADSHEETS:
        return list(_workbook(path).sheet_names)
    return [path.stem]


def _check(path: Path) -> None:
    if not path.exists():
        raise PantiError(_("The file {name} does not exist.").format(name=path))
    if path.suffix.lower() not in FORMATS:
        raise PantiError(_("{name} is not a register Panti can read (.xlsx, .xls, .ods or .csv).").format(
            name=path.name))


def decode_text(raw: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped) or else Windows-1252, as spreadsheets save CSV."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in _DELIMITERS}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _csv_rows(path: Path) -> list[list[Any]]:
    text = decode_text(path.read_bytes())
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def raw_rows(path: Path, sheet: str | None = None) -> tuple[str, list[list[Any]]]:
    """Every row of the chosen sheet (the first when none is named), blanks included."""
    path = Path(path)
    _check(path)
    if path.suffix.lower() not in SPREADSHEETS:
        return path.stem, _csv_rows(path)
    wb = _workbook(path)
    names = list(wb.sheet_names)
    if not names:
        raise _unreadable(path, _("the workbook has no sheets"))
    name = sheet or names[0]
    if name not in names:
        raise PantiError(_("The workbook has no sheet named {sheet} (it has: {names}).").format(
            sheet=name, names=", ".join(names)))
    try:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise _unreadable(path, exc) from None
    return name, [list(r) for r in rows]


def read_sheet(path: Path, sheet: str | None = None, header_score=None) -> Sheet:
    """The sheet with its header row found: the row among the first 15 that `header_score`
    rates highest (how many of its cells name a known field), else the first non-blank row.
    Title lines above the header and blank rows below it are skipped."""
    name, rows = raw_rows(path, sheet)
    candidates = [(i, r) for i, r in enumerate(rows[:15]) if sum(not _blank(c) for c in r) >= 1]
    if not candidates:
        raise PantiError(_("The sheet {sheet} is empty.").format(sheet=name))
    best_i = candidates[0][0]
    if header_score is not None:
        scored = [(header_score([_cell_text(c) for c in r]), -i, i) for i, r in candidates]
        top = max(scored)
        if top[0] > 0:
            best_i = top[2]
    header = [_cell_text(c) for c in rows[best_i]]
    body = rows[best_i + 1:]
    width = len(header)
    out = Sheet(name=name, header=header, first_line=best_i + 2)
    out.rows = [(list(r) + [None] * width)[:max(width, len(r))] for r in body]
    return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
