"""A child's records of one kind as a list (`RecordTableModel` in a `RecordList`), with
Add / Edit / Delete."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.records import RECORD_TYPES
from ...errors import PantiError, PermissionDenied
from ...i18n import _
from ..common import (
    confirm,
    fmt_date,
    show_error,
)
from .dialog import RecordDialog
from .fields import USER_REFS, _bool_text, _fields, _number_text, form_fields


class RecordTableModel(QAbstractTableModel):
    """Records of one kind as rows, chosen fields as human-readable columns."""

    def __init__(self, kind: str, columns: list[str], ws=None, ref_choices: dict | None = None, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.columns = list(columns)
        self.ws = ws
        self.ref_labels = {f: dict(choices) for f, choices in (ref_choices or {}).items()}
        self._meta = {n: f.metadata for n, f in _fields(kind).items()}
        self._records: list = []

    def set_records(self, records: list) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int):
        return self._records[row]

    def row_of(self, record_id: str) -> int:
        return next((i for i, r in enumerate(self._records) if r.id == record_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        # the tooltip: a column narrowed to fit the list (RecordList._fit_columns) still names itself
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return RECORD_TYPES[self.kind].field_label(self.columns[section])
            return None
        return str(section + 1) if 0 <= section < len(self._records) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._records)) \
                or not (0 <= index.column() < len(self.columns)):
            return None
        rec = self._records[index.row()]
        name = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = self.display(name, rec.data.get(name))
            first = text.splitlines()[0] if text else ""
            return first[:117] + "…" if len(first) > 120 or first != text else first
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self.display(name, rec.data.get(name))
            return text if len(text) > 40 or "\n" in text else None
        if role == Qt.ItemDataRole.UserRole:
            return rec.id
        return None

    def display(self, name: str, value: Any) -> str:
        m = self._meta.get(name, {})
        kind = m.get("type")
        if value is None or value == "" or value == [] or value == {}:
            return ""
        if kind == "date":
            return fmt_date(value)
        if kind == "bool":
            return _bool_text(value)
        if kind == "code":
            return m["vocab"].label(value)
        if kind == "codes":
            return ", ".join(m["vocab"].label(v) for v in value)
        if kind == "strings":
            return "; ".join(str(v) for v in value)
        if kind in ("int", "float"):
            return _number_text(value)
        if kind == "ref":
            if name in self.ref_labels and value in self.ref_labels[name]:
                return self.ref_labels[name][value] or ""
            if self.ws is not None:
                return self.ws.user_name(value)
            return str(value)
        if kind in ("list", "dict"):
            return _("{n} entries").format(n=len(value))
        return str(value)


class RecordList(QWidget):
    """A child's records of one kind, with Add / Edit / Delete."""

    changed = Signal()

    def __init__(self, ws, kind: str, child_id: str, parent: QWidget | None = None,
                 columns: list[str] | None = None, ref_choices: dict[str, list[tuple[str, str]]] | None = None,
                 defaults: dict | None = None, readonly: bool = False, fields: list[str] | None = None):
        super().__init__(parent)
        self.ws = ws
        self.kind = kind
        self.child_id = child_id
        self.ref_choices = dict(ref_choices or {})
        self.defaults = dict(defaults or {})
        self.readonly = readonly
        self.fields = fields
        self.denied = False
        self.setObjectName(f"recordList_{kind}")
        self.columns = columns or self._default_columns()
        self.model = RecordTableModel(kind, self.columns, ws, self.ref_choices, self)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button_row = QHBoxLayout()
        self.add_button = QPushButton(_("&Add…"), self)
        self.add_button.setObjectName("addRecord")
        self.edit_button = QPushButton(_("&Edit…"), self)
        self.edit_button.setObjectName("editRecord")
        self.delete_button = QPushButton(_("&Delete…"), self)
        self.delete_button.setObjectName("deleteRecord")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.delete_button.clicked.connect(self.delete)
        for b in (self.add_button, self.edit_button, self.delete_button):
            self.button_row.addWidget(b)
        self.button_row.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("recordCount")
        self.count_label.setStyleSheet("color: #555;")
        self.button_row.addWidget(self.count_label)
        lay.addLayout(self.button_row)

        self.stack = QStackedWidget(self)
        self.table = QTableView(self.stack)
        self.table.setObjectName("recordTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setAccessibleName(RECORD_TYPES[kind].TITLE.text())
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _index: self.edit())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sc = QShortcut(QKeySequence(key), self.table, activated=self.edit)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        del_sc = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, activated=self.delete)
        del_sc.setContext(Qt.ShortcutContext.WidgetShortcut)

        self.empty_label = QLabel(_("No records yet."), self.stack)
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setStyleSheet("color: #555; font-style: italic; padding: 4px 2px;")
        self.denied_label = QLabel(_("Your role has no access to this section."), self.stack)
        self.denied_label.setObjectName("noAccessLabel")
        self.denied_label.setWordWrap(True)
        self.denied_label.setStyleSheet("color: #8a5a00; padding: 6px 2px;")
        for w in (self.table, self.empty_label, self.denied_label):
            self.stack.addWidget(w)
        lay.addWidget(self.stack)
        self.stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.refresh()

    def _default_columns(self) -> list[str]:
        meta = {n: f.metadata for n, f in _fields(self.kind).items()}
        names = [n for n in form_fields(self.kind, self.fields)
                 if meta[n].get("type") != "ref" or n in self.ref_choices or n in USER_REFS]
        return names[:4]

    # state ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        current = self.current_record()
        keep = current.id if current is not None else None
        try:
            records = self.ws.records_for_child(self.kind, self.child_id)
        except PermissionDenied:
            self.denied = True
            self.model.set_records([])
            self.stack.setCurrentWidget(self.denied_label)
            for b in (self.add_button, self.edit_button, self.delete_button):
                b.hide()
            self.count_label.hide()
            self._fit_height()
            return
        self.denied = False
        self.model.set_records(records)
        self.stack.setCurrentWidget(self.table if records else self.empty_label)
        self.count_label.setText(_("{n} records").format(n=len(records)) if len(records) > 1 else "")
        if records:
            self.table.resizeColumnsToContents()
            header = self.table.horizontalHeader()
            self._natural = [min(max(header.sectionSize(c), 90), 320) for c in range(self.model.columnCount())]
            self._fit_columns()
        row = self.model.row_of(keep) if keep else -1
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()
        self._fit_height()

    def _fit_columns(self, table_width: int | None = None) -> None:
        """Every column in view where the texts allow: the widest (a goal's text) gives up width, elided
        with its whole text in the tooltip, so the status at the end is never cut off."""
        natural = getattr(self, "_natural", None)
        if not natural:
            return
        header = self.table.horizontalHeader()
        width = (table_width if table_width is not None else self.table.viewport().width()) - 2
        sizes = list(natural)
        floor = 80
        excess = sum(sizes) - width
        for c in range(len(sizes) - 1):  # first the columns only their title makes wide (often empty)
            content = max(60, self.table.sizeHintForColumn(c))
            if excess > 0 and sizes[c] > content:
                step = min(excess, sizes[c] - content)
                sizes[c] -= step
                excess -= step
        while excess > 0:  # take from the widest column first (not the last one, often the status)
            widest = max(range(len(sizes) - 1 or 1), key=lambda c: sizes[c])
            if sizes[widest] <= floor:
                break  # too narrow for every column: the list scrolls sideways
            others = [sizes[c] for c in range(len(sizes) - 1) if c != widest] or [floor]
            step = min(excess, sizes[widest] - max(floor, max(others) - 1))
            sizes[widest] -= max(1, step)
            excess -= max(1, step)
        for c, size in enumerate(sizes):
            header.resizeSection(c, size)

    def _fit_height(self, table_width: int | None = None) -> None:
        """As tall as its rows (up to ten): lists sit in a scrolling page, one under another."""
        page = self.stack.currentWidget()
        if page is self.table:
            rows = min(self.model.rowCount(), 10)
            h = self.table.horizontalHeader().sizeHint().height()
            h += sum(self.table.verticalHeader().sectionSize(r) for r in range(rows)) or 30
            h += 2 * self.table.frameWidth() + 1
            header = self.table.horizontalHeader()
            last = self.model.columnCount() - 1
            needed = sum(header.sectionSize(c) for c in range(last)) + min(header.sectionSize(last),
                                                                          header.defaultSectionSize())
            width = (table_width if table_width is not None else self.table.width()) - 2 * self.table.frameWidth()
            if self.model.rowCount() > 10:
                width -= self.table.verticalScrollBar().sizeHint().width()
            if needed > width:
                h += self.table.horizontalScrollBar().sizeHint().height()
            self.table.setFixedHeight(h)
            self.stack.setFixedHeight(h)
        else:
            self.stack.setFixedHeight(page.sizeHint().height())

    def eventFilter(self, obj, event) -> bool:
        # the table's width decides whether a horizontal scroll bar needs room
        if obj is self.table and event.type() == QEvent.Type.Resize \
                and event.size().width() != event.oldSize().width() and self.stack.currentWidget() is self.table:
            self._fit_columns(event.size().width() - 2 * self.table.frameWidth())
            self._fit_height(event.size().width())
        return False

    def _update_buttons(self, *args) -> None:
        show = not self.readonly and not self.denied
        selected = self.current_record() is not None
        has_rows = self.model.rowCount() > 0
        self.add_button.setVisible(show)
        self.edit_button.setVisible(show and has_rows)
        self.delete_button.setVisible(show and has_rows)
        self.edit_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)

    def current_record(self):
        sel = self.table.selectionModel()
        rows = sel.selectedRows() if sel is not None else []
        if not rows:
            return None
        row = rows[0].row()
        return self.model.record(row) if 0 <= row < self.model.rowCount() else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    # actions --------------------------------------------------------------------------------

    def _dialog(self, record=None) -> RecordDialog:
        return RecordDialog(self.ws, self.kind, child_id=self.child_id, record=record, parent=self,
                            fields=self.fields, ref_choices=self.ref_choices, defaults=self.defaults)

    def add(self) -> None:
        if self.readonly or self.denied:
            return
        dialog = self._dialog()
        if dialog.exec() and dialog.saved_record is not None:
            self.refresh()
            row = self.model.row_of(dialog.saved_record.id)
            if row >= 0:
                self.table.selectRow(row)
            self.changed.emit()

    def edit(self) -> None:
        rec = self.current_record()
        if rec is None or self.denied:
            return
        dialog = self._dialog(rec)
        if self.readonly:
            dialog.form.set_readonly(True)
            dialog.save_button.hide()
            dialog.setWindowTitle(RECORD_TYPES[self.kind].TITLE.text())
        if dialog.exec() and dialog.saved_record is not None:
            self.refresh()
            self.changed.emit()

    def _confirm_delete(self) -> bool:
        return confirm(self, _("Delete record"),
                       _("Delete this record ({kind})? The deletion is kept in the history of changes.").format(
                           kind=RECORD_TYPES[self.kind].TITLE.text()))

    def delete(self) -> None:
        rec = self.current_record()
        if rec is None or self.readonly or self.denied:
            return
        if not self._confirm_delete():
            return
        try:
            self.ws.delete_record(self.kind, rec.id)
        except PantiError as exc:
            show_error(self, exc)
            return
        self.refresh()
        self.changed.emit()

