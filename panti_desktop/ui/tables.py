"""Read-only lists: one Python list of rows behind a `QTableView`, no Qt item per cell.

Every list in the app (sessions, retention review, users, peers, bundle history,
conflicts, centres…) is a `RowsTable`. It replaces `QTableWidget`, which creates
a `QTableWidgetItem` per cell and converts every value through `QVariant` on
`setItem`/`setData`. Besides being slow for thousands of rows, that path is where
PySide6 6.12.0 drops a reference to `None` per call, until the interpreter aborts
("deallocating None"); see issue 15 and `tests/ui/test_none_refcount.py`.

Here the rows stay Python objects. Qt asks `RowsModel.data()` only for the cells
it paints, and the app reads a row's key with `row_data()`, in Python, never
through `QModelIndex.data()`.

A click on a column's header sorts the list in memory, through a
`QSortFilterProxyModel` (numbers by value, dates by the day, text without regard to case); until then
rows stay in the order the app gave. Rows the app names (`selectRow`, `text`,
`row_data`, `selected_row`, `row_activated`) are always its own rows, whatever the order
on screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ..dates import MONTHS_EN, MONTHS_ID

ROLE = Qt.ItemDataRole
SORT_ROLE = ROLE.UserRole + 1


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell with more than text: a tooltip, a text colour, a background, bold."""

    text: str
    tooltip: str = ""
    colour: str = ""
    background: str = ""
    bold: bool = False


def _text(value: Any) -> str:
    if isinstance(value, Cell):
        return value.text
    return "" if value is None else str(value)


_MONTHS = {name[:3].casefold(): i + 1 for months in (MONTHS_ID, MONTHS_EN) for i, name in enumerate(months)}
_LONG_DATE = re.compile(r"^(\d{1,2}) (\w{3})\w* (\d{4})(?: (\d{1,2}):(\d{2}))?$")


def _sort_key(value: Any) -> str:
    """What a header click sorts by: numbers by their value, dates as written in the app
    ("2 Desember 2026", "2 Dec 2026 10:38") by the day, other text without regard to case."""
    text = _text(value).strip()
    try:
        return f"0{float(text.replace(',', '.')) + 1e15:032.6f}"  # fixed width and positive: text order is number order
    except ValueError:
        pass
    m = _LONG_DATE.match(text)
    if m and m.group(2).casefold() in _MONTHS:
        day, month, year = int(m.group(1)), _MONTHS[m.group(2).casefold()], int(m.group(3))
        return f"1{year:04d}-{month:02d}-{day:02d} {int(m.group(4) or 0):02d}:{m.group(5) or '00'}"
    return "2" + text.casefold()


class RowsModel(QAbstractTableModel):
    """Rows of cells (text or `Cell`), one key per row for the app (`row_data`)."""

    def __init__(self, headers: Sequence[str], parent=None):
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[list[Any]] = []
        self.keys: list[Any] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: Sequence[Sequence[Any]], keys: Sequence[Any] | None = None) -> None:
        if keys is not None and len(keys) != len(rows):
            raise ValueError("one key per row")
        self.beginResetModel()
        self.rows = [list(r) for r in rows]
        self.keys = list(keys) if keys is not None else [None] * len(self.rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def cell(self, row: int, column: int) -> Any:
        values = self.rows[row]
        return values[column] if column < len(values) else ""

    def data(self, index, role: int = ROLE.DisplayRole):
        if not index.isValid():
            return None
        value = self.cell(index.row(), index.column())
        if role == ROLE.DisplayRole:
            return _text(value)
        if role == SORT_ROLE:
            return _sort_key(value)
        if not isinstance(value, Cell):
            return None
        if role == ROLE.ToolTipRole and value.tooltip:
            return value.tooltip
        if role == ROLE.ForegroundRole and value.colour:
            return QBrush(QColor(value.colour))
        if role == ROLE.BackgroundRole and value.background:
            return QBrush(QColor(value.background))
        if role == ROLE.FontRole and value.bold:
            return self._bold
        return None

    def headerData(self, section: int, orientation, role: int = ROLE.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == ROLE.DisplayRole and section < len(self.headers):
            return self.headers[section]
        return None


class RowsTable(QTableView):
    """A read-only, row-selecting list with compact rows: every list in the app looks alike.

    `row_activated(row)` fires on a double click or Enter; `selection_changed()` when the
    selected row changes."""

    row_activated = Signal(int)
    selection_changed = Signal()

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None, name: str = "",
                 stretch: bool = False):
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.rows_model = RowsModel(headers, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.rows_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        header = self.horizontalHeader()
        header.setTextElideMode(Qt.TextElideMode.ElideRight)  # a narrow column shows "Due n…", not "ue no"
        if stretch:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        else:
            header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the app's order until a header is clicked
        self.setSortingEnabled(True)
        # Qt emits `activated` on a double click, on Enter, or on a single click where the
        # platform opens items that way: one signal for all three.
        self.activated.connect(lambda index: self.row_activated.emit(self._source_row(index.row())))
        self.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())

    # filling and reading -----------------------------------------------------------------

    def set_rows(self, rows: Sequence[Sequence[Any]], keys: Sequence[Any] | None = None) -> None:
        """Replace every row; `keys[i]` is what `row_data(i)` gives back (an id, a tuple…)."""
        self.rows_model.set_rows(rows, keys)
        self.selection_changed.emit()

    def rowCount(self) -> int:
        return self.rows_model.rowCount()

    def columnCount(self) -> int:
        return self.rows_model.columnCount()

    def text(self, row: int, column: int) -> str:
        return _text(self.rows_model.cell(row, column))

    def cell(self, row: int, column: int) -> Any:
        return self.rows_model.cell(row, column)

    def row_data(self, row: int) -> Any:
        return self.rows_model.keys[row]

    def _source_row(self, view_row: int) -> int:
        return self.proxy.mapToSource(self.proxy.index(view_row, 0)).row()

    def selectRow(self, row: int) -> None:
        """Select the app's row `row`, wherever the sort put it."""
        super().selectRow(self.proxy.mapFromSource(self.rows_model.index(row, 0)).row())

    def selected_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return self.proxy.mapToSource(rows[0]).row() if rows else None

    def selected_data(self) -> Any:
        row = self.selected_row()
        return None if row is None else self.row_data(row)
