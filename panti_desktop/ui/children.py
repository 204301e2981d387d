"""The children list: a lazy Qt model over the workspace, with search and filters.

Only plaintext columns (register number, status, counsellor, dates) are read to
list and filter the caseload; a child's sealed record is opened only when its
row is painted, so 10,000 children open as fast as 100.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.vocab import LIFECYCLE_STATES
from ..errors import PantiError
from ..i18n import _, ngettext
from .common import fmt_date, show_error

Index = QModelIndex | QPersistentModelIndex


def outside_caseload_tip() -> str:
    return _("Not in your caseload: the clinical file opens only with “Open anyway” and a reason, "
             "recorded in the audit log.")


class ChildrenModel(QAbstractTableModel):
    """Rows are child ids; each row's display values are computed when first asked for."""

    COLUMNS = ("register_no", "initials", "age", "status", "counsellor", "last_session", "next_review", "consent")
    SORTABLE: ClassVar[dict[int, str]] = {0: "register_no", 3: "status, register_no", 4: "counsellor_id, register_no"}

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.ids: list[str] = []
        self._rows: dict[str, object] = {}
        self._names: dict[str | None, str] = {}
        self.query = ""
        self.status: str | None = None
        self.counsellor_id: str | None = ws.caseload.list_filter()  # a counsellor starts with their caseload
        self.order_by = "register_no"
        self.reload()

    # data ---------------------------------------------------------------------------

    def headers(self) -> list[str]:
        return [_("Register no."), _("Initials"), _("Age"), _("Status"), _("Counsellor"),
                _("Last session"), _("Next review"), _("Consent")]

    def reload(self) -> None:
        """Re-read the ids for the current search and filters (plaintext, no decryption)."""
        self.beginResetModel()
        if self.query.strip():
            self.ids = self.ws.search_children(self.query, self.status, self.counsellor_id)
        else:
            self.ids = self.ws.child_ids(self.status, self.counsellor_id, order_by=self.order_by)
        self._rows.clear()
        self.endResetModel()

    def set_filter(self, query: str | None = None, status: str | None = "", counsellor_id: str | None = "") -> None:
        if query is not None:
            self.query = query
        if status != "":
            self.status = status
        if counsellor_id != "":
            self.counsellor_id = counsellor_id
        self.reload()

    def row_of(self, row: int):
        child_id = self.ids[row]
        r = self._rows.get(child_id)
        if r is None:
            r = self._rows[child_id] = self.ws.child_row(child_id)
        return r

    def child_id(self, row: int) -> str:
        return self.ids[row]

    def _user(self, user_id: str | None) -> str:
        if user_id not in self._names:
            self._names[user_id] = self.ws.user_name(user_id)
        return self._names[user_id]

    # Qt -------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return self.headers()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole):
            try:
                r = self.row_of(index.row())
            except PantiError:
                return None
            if not r.in_caseload:  # another counsellor's child: grey and italic (caseload.py)
                if role == Qt.ItemDataRole.FontRole:
                    font = QFont()
                    font.setItalic(True)
                    return font
                return QColor("#80868b")
            if role == Qt.ItemDataRole.ForegroundRole and self.COLUMNS[index.column()] == "consent" \
                    and not r.consent:
                return QColor("#b35c00")
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        try:
            r = self.row_of(index.row())
        except PantiError:
            return "…"
        if role == Qt.ItemDataRole.ToolTipRole and not r.in_caseload:
            return outside_caseload_tip()
        col = self.COLUMNS[index.column()]
        if col == "register_no":
            return r.register_no
        if col == "initials":
            return r.initials
        if col == "age":
            return "" if r.age is None else str(r.age)
        if col == "status":
            return LIFECYCLE_STATES.label(r.status)
        if col == "counsellor":
            return self._user(r.counsellor_id)
        if col == "last_session":
            return fmt_date(r.last_session, short=True)
        if col == "next_review":
            return fmt_date(r.next_review, short=True)
        if col == "consent":
            return _("recorded") if r.consent else _("missing")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        base = self.SORTABLE.get(column)
        if base is None:
            return
        desc = order == Qt.SortOrder.DescendingOrder
        self.order_by = ", ".join(f"{c.strip()} DESC" for c in base.split(",")) if desc else base
        if not self.query.strip():
            self.reload()


class ChildrenPage(QWidget):
    """Search as you type, filter by status and counsellor, register a new child."""

    open_child = Signal(str)

    SEARCH_DELAY_MS = 200

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.model = ChildrenModel(ws, self)

        self.search = QLineEdit(self)
        self.search.setObjectName("childSearch")
        self.search.setPlaceholderText(_("Search by name, nickname or register number…"))
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox(self)
        self.status.setObjectName("statusFilter")
        self.status.addItem(_("All statuses"), None)
        for code_, label in LIFECYCLE_STATES.items():
            self.status.addItem(label, code_)
        self.counsellor = QComboBox(self)
        self.counsellor.setObjectName("counsellorFilter")
        if ws.caseload.limited:  # the default, first: the counsellor's own caseload
            self.counsellor.addItem(_("My caseload"), ws.user.id)
        self.counsellor.addItem(_("All counsellors"), None)
        for u in ws.counsellors():
            if u.id != ws.caseload.list_filter():
                self.counsellor.addItem(u.name, u.id)
        self.new_button = QPushButton(_("&New child…"), self)
        self.new_button.setObjectName("newChild")
        self.new_button.setVisible(ws.can_read("child"))
        # short labels: the search keeps its width on a 1024×600 screen
        self.import_button = QPushButton(_("&Import…"), self)
        self.import_button.setObjectName("importRegister")
        self.import_button.setToolTip(_("Import the centre's register of children (.xlsx, .xls, .ods, .csv)"))
        self.import_button.setVisible(ws.can_read("child"))
        self.export_button = QPushButton(_("E&xport…"), self)
        self.export_button.setObjectName("exportSheet")
        self.export_button.setToolTip(_("Spreadsheets for the ministry and the social office (.xlsx)"))

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.status, 1)
        top.addWidget(self.counsellor, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)

        self.view = QTableView(self)
        self.view.setObjectName("childrenTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(26)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in enumerate((150, 80, 50, 170, 140, 110, 120)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.doubleClicked.connect(self._open_index)
        self.view.activated.connect(self._open_index)

        self.count = QLabel(self)
        self.count.setObjectName("childCount")

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view)
        lay.addWidget(self.count)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.status.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.counsellor.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.new_button.clicked.connect(self.register_child)
        self.import_button.clicked.connect(self.import_register)
        self.export_button.clicked.connect(self.export_sheet)
        self.model.modelReset.connect(self._update_count)
        self._update_count()

    def apply_filters(self) -> None:
        if self.ws.is_locked:  # a search typed just before locking waits for the unlock
            return
        self.model.set_filter(self.search.text(), self.status.currentData(), self.counsellor.currentData())

    def _update_count(self) -> None:
        text = _("{n} children").format(n=self.model.rowCount())
        outside = len(self.ws.caseload.marks(self.model.ids))
        if outside:
            text += " · " + ngettext("{n} not in your caseload (grey): its clinical file opens only with “Open anyway”",
                                     "{n} not in your caseload (grey): their clinical files open only with “Open "
                                     "anyway”", outside).format(n=outside)
        self.count.setText(text)

    def _open_index(self, index) -> None:
        if index.isValid():
            self.open_child.emit(self.model.child_id(index.row()))

    def register_child(self) -> None:
        from .forms import RecordDialog

        choices = {"counsellor_id": [(u.id, u.name) for u in self.ws.counsellors()]}
        fields = ["full_name", "nickname", "nik", "sex", "birth_date", "birth_place", "address",
                  "school_name", "father_name", "mother_name", "guardian_name", "guardian_contact",
                  "education", "school_status", "religion", "living_arrangement", "disability",
                  "intake_date", "offence_date", "counsellor_id"]
        defaults = {"intake_date": date.today().isoformat(), "sex": "male"}
        if self.ws.role == "counsellor":
            defaults["counsellor_id"] = self.ws.user.id
        dialog = RecordDialog(self.ws, "child", parent=self, fields=fields, ref_choices=choices,
                              defaults=defaults)
        try:
            if dialog.exec() and dialog.saved_record is not None:
                self.model.reload()
                self.open_child.emit(dialog.saved_record.id)
        except PantiError as exc:
            show_error(self, exc)

    def import_register(self) -> None:
        from .registers import RegisterImportDialog

        dialog = RegisterImportDialog(self.ws, self)
        dialog.exec()
        if dialog.result is not None:
            self.model.reload()

    def export_sheet(self) -> None:
        from .registers import ExportSheetDialog

        ExportSheetDialog(self.ws, self).exec()
