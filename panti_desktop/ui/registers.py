"""The centre's register in and spreadsheets out: the import wizard (file and sheet, columns,
values, preview with every row's problems, import) and the export dialog.

Everything is decided by `registers.importing` and written by `registers.export`; this module
only lays it out. Nothing is written before the person presses Import on the preview.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.records import RECORD_TYPES
from ..errors import PantiError
from ..i18n import _
from ..registers import columns as C
from ..registers.export import export_sheet
from ..registers.importing import (
    FLAGGED,
    REFUSED,
    UPDATE,
    Mapping,
    apply_import,
    plan_import,
    saved_mapping,
)
from ..registers.sheets import sheet_names
from .common import DateEdit, heading, message_label, note_label, notify, scroll_area, show_error
from .tables import Cell, RowsTable

_FILTER = "Register (*.xlsx *.xls *.ods *.csv)"


def _busy(fn):
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return fn()
    finally:
        QGuiApplication.restoreOverrideCursor()


class RegisterImportDialog(QDialog):
    """Four steps on one dialog: the file, its columns, the values no code fits, the preview."""

    def __init__(self, ws, parent=None, path: str | None = None):
        super().__init__(parent)
        self.ws = ws
        self.setObjectName("registerImport")
        self.setWindowTitle(_("Import the centre's register"))
        self.resize(900, 560)
        self.plan = None
        self.result = None
        self.mapping = saved_mapping(ws) or Mapping()
        self.column_boxes: dict[str, QComboBox] = {}
        self.value_boxes: dict[tuple[str, str], QComboBox] = {}

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._file_page())
        self.columns_page = QWidget(self)
        self.columns_form = QFormLayout(self.columns_page)
        self.pages.addWidget(self._wrap(_("Which field does each column hold?"), _(
            "Suggested from the column names; choose “not imported” for a column you leave out. "
            "The choice is kept for the next import."), scroll_area(self.columns_page)))
        self.values_page = QWidget(self)
        self.values_form = QFormLayout(self.values_page)
        self.pages.addWidget(self._wrap(_("What do these entries mean?"), _(
            "No code fits these entries. Choose one, or leave it empty: the text is then kept as a note on the "
            "family record."), scroll_area(self.values_page)))
        self.pages.addWidget(self._preview_page())
        self.message = message_label(self)

        self.back = QPushButton(_("&Back"), self)
        self.next = QPushButton(_("&Next"), self)
        self.next.setObjectName("next")
        self.next.setDefault(True)
        close = QPushButton(_("Close"), self)
        self.back.clicked.connect(self.go_back)
        self.next.clicked.connect(self.go_next)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.next)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.pages, 1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        if path:
            self.set_file(path)
        self._update_buttons()

    # pages ------------------------------------------------------------------------------

    def _wrap(self, title: str, note: str, body: QWidget) -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.addWidget(heading(title, page, 13))
        lay.addWidget(note_label(note, page))
        lay.addWidget(body, 1)
        return page

    def _file_page(self) -> QWidget:
        page = QWidget(self)
        self.path = QLineEdit(page)
        self.path.setObjectName("registerFile")
        self.path.setReadOnly(True)
        choose = QPushButton(_("Choose…"), page)
        choose.clicked.connect(self.choose_file)
        self.sheet = QComboBox(page)
        self.sheet.setObjectName("sheet")
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(choose)
        form = QFormLayout()
        form.addRow(_("Register file"), file_row)
        form.addRow(_("Sheet"), self.sheet)
        lay = QVBoxLayout(page)
        lay.addWidget(heading(_("Import the centre's register"), page, 13))
        lay.addWidget(note_label(_(
            "An Excel (.xlsx, .xls), LibreOffice (.ods) or CSV register of the children. Every row is checked and "
            "shown before anything is saved. Children are matched by register number: importing the same "
            "register again, or a later one, updates them and adds nothing twice."), page))
        lay.addLayout(form)
        lay.addStretch(1)
        return page

    def _preview_page(self) -> QWidget:
        page = QWidget(self)
        self.summary = QLabel(page)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.table = RowsTable([_("Row"), _("Register no."), _("What happens"), _("Details")], page, "importPreview")
        self.table.horizontalHeader().resizeSection(0, 50)
        self.table.horizontalHeader().resizeSection(1, 130)
        self.table.horizontalHeader().resizeSection(2, 130)
        self.good_only = QCheckBox(_("Import only the rows without problems (the others are listed in a file to fix)"),
                                   page)
        self.good_only.setObjectName("goodRowsOnly")
        self.good_only.toggled.connect(lambda _on: self._update_buttons())
        lay = QVBoxLayout(page)
        lay.addWidget(heading(_("Preview"), page, 13))
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.good_only)
        return page

    # steps ------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import the centre's register"), "", _FILTER)
        if path:
            self.set_file(path)

    def set_file(self, path: str) -> None:
        self.message.clear()
        try:
            names = sheet_names(Path(path))
        except PantiError as exc:
            self.message.setText(str(exc))
            return
        self.path.setText(path)
        self.sheet.clear()
        self.sheet.addItems(names)
        self.sheet.setEnabled(len(names) > 1)
        self._update_buttons()

    def _fill_columns(self) -> None:
        from ..registers.importing import _open_sheet, assign_columns

        sheet = _busy(lambda: _open_sheet(Path(self.path.text()), self.sheet.currentText() or None))
        assigned = assign_columns(sheet.header, self.mapping)
        while self.columns_form.rowCount():
            self.columns_form.removeRow(0)
        self.column_boxes.clear()
        choices = C.targets()
        for i, name in enumerate(sheet.header):
            if not name:
                continue
            box = QComboBox(self.columns_page)
            box.setObjectName(f"column{i}")
            box.addItem(_("(not imported)"), "")
            for target, label in choices.items():
                box.addItem(label, target)
            box.setCurrentIndex(max(0, box.findData(assigned.get(i, ""))))
            sample = next((C.cell_text(r[i]) for r in sheet.rows if i < len(r) and C.cell_text(r[i])), "")
            box.setToolTip(_("For example: {value}").format(value=sample) if sample else "")
            self.column_boxes[name] = box
            self.columns_form.addRow(name, box)

    def _mapping(self) -> Mapping:
        values = {t: dict(m) for t, m in self.mapping.values.items()}
        for (target, typed), box in self.value_boxes.items():
            if box.currentData():
                values.setdefault(target, {})[typed] = box.currentData()
        return Mapping({name: box.currentData() or "" for name, box in self.column_boxes.items()}, values)

    def _unmatched(self) -> list[tuple[str, str]]:
        """(target, value as typed) of the code cells no code fitted, from the last preview."""
        out: list[tuple[str, str]] = []
        if self.plan is None:
            return out
        by_column = {self.plan.sheet.header[i]: t for i, t in self.plan.assigned.items()}
        for r in self.plan.rows:
            for w in r.warnings:
                target = by_column.get(w.column)
                if target and "." in target and C.target_meta(target).get("type") == "code" \
                        and (target, w.value) not in out:
                    out.append((target, w.value))
        return out

    def _fill_values(self) -> None:
        while self.values_form.rowCount():
            self.values_form.removeRow(0)
        self.value_boxes.clear()
        for target, typed in self._unmatched():
            vocab = C.target_meta(target)["vocab"]
            box = QComboBox(self.values_page)
            box.addItem(_("(keep as a note)"), "")
            for code, label in vocab.items():
                box.addItem(label, code)
            self.value_boxes[(target, typed)] = box
            kind, name = target.split(".", 1)
            self.values_form.addRow(f"{RECORD_TYPES[kind].field_label(name)}: “{typed}”", box)

    def preview(self) -> None:
        self.mapping = self._mapping()
        self.plan = _busy(lambda: plan_import(self.ws, Path(self.path.text()), self.sheet.currentText() or None,
                                              self.mapping))
        rows, colours = [], {REFUSED: "#b00020", FLAGGED: "#b35c00", UPDATE: "#1f5f8b"}
        for r in self.plan.rows:
            if r.action in (REFUSED, FLAGGED, UPDATE) or r.kept or r.warnings:
                colour = colours.get(r.action, "")
                rows.append([str(r.line), r.register_no or "-", Cell(r.action_label(), colour=colour, bold=bool(colour)),
                             Cell(r.summary(), tooltip=r.summary())])
        self.table.set_rows(rows)
        self.summary.setText(self.plan.summary() + (" " + _("Nothing is saved until you press Import.")))
        self.good_only.setVisible(bool(self.plan.refused))

    def go_next(self) -> None:
        self.message.clear()
        step = self.pages.currentIndex()
        try:
            if step == 0:
                self._fill_columns()
                self.pages.setCurrentIndex(1)
            elif step in (1, 2):
                self.preview()
                if step == 1 and self._unmatched():
                    self._fill_values()
                    self.pages.setCurrentIndex(2)
                else:
                    self.pages.setCurrentIndex(3)
            else:
                self.run_import()
        except PantiError as exc:
            self.message.setText(str(exc))
        self._update_buttons()

    def go_back(self) -> None:
        self.message.clear()
        step = self.pages.currentIndex()
        self.pages.setCurrentIndex(1 if step == 3 else max(0, step - 1))
        self._update_buttons()

    def run_import(self) -> None:
        plan = self.plan
        if plan is None:
            return
        refused_out = None
        if plan.refused and self.good_only.isChecked():
            default = str(plan.path.with_name(plan.path.stem + "-ditolak.csv"))
            refused_out, _f = QFileDialog.getSaveFileName(self, _("Where to list the rows not imported"), default,
                                                          "CSV (*.csv)")
            if not refused_out:
                return
        self.result = _busy(lambda: apply_import(self.ws, plan, self.good_only.isChecked(),
                                                 Path(refused_out) if refused_out else None))
        text = self.result.summary()
        if self.result.refused_file:
            text += " " + _("The rows not imported are listed in {path}.").format(path=self.result.refused_file)
        self.summary.setText(text)
        self.table.set_rows([])
        self.good_only.hide()
        self.plan = None

    def _update_buttons(self) -> None:
        step = self.pages.currentIndex()
        self.back.setEnabled(step > 0 and self.result is None)
        done = self.result is not None
        self.next.setText(_("&Import") if step == 3 else _("&Next"))
        ready = bool(self.path.text())
        if step == 3:
            ready = self.plan is not None and (not self.plan.refused or self.good_only.isChecked()) and not done
        self.next.setEnabled(ready)


class ExportSheetDialog(QDialog):
    """Choose a sheet (caseload, sessions, statistics), a period and where to save it."""

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.setObjectName("exportSheet")
        self.setWindowTitle(_("Export a spreadsheet"))
        self.what = QComboBox(self)
        self.what.setObjectName("what")
        self.what.addItem(_("Caseload (register number and initials)"), "caseload")
        if ws.can_read("session"):
            self.what.addItem(_("Sessions in the period"), "sessions")
            self.what.addItem(_("Centre statistics for the period"), "statistics")
        self.full_identity = QCheckBox(_("With names and identity numbers (recorded in the audit log)"), self)
        self.full_identity.setObjectName("fullIdentity")
        today = date.today()
        self.start = DateEdit(self, optional=False)
        self.start.set_iso(date(today.year, ((today.month - 1) // 3) * 3 + 1, 1).isoformat())
        self.end = DateEdit(self, optional=False)
        self.end.set_iso(today.isoformat())
        form = QFormLayout()
        form.addRow(_("Sheet"), self.what)
        form.addRow("", self.full_identity)
        form.addRow(_("From"), self.start)
        form.addRow(_("To"), self.end)
        self.message = message_label(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("A real spreadsheet for the ministry or the social office; counts of 1 or 2 in "
                                   "the statistics are shown as “<3”."), self))
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.what.currentIndexChanged.connect(lambda _i: self._update())
        self._update()
        self.written: Path | None = None

    def _update(self) -> None:
        caseload = self.what.currentData() == "caseload"
        self.full_identity.setVisible(caseload)
        self.start.setEnabled(not caseload)
        self.end.setEnabled(not caseload)

    def save(self, out: str | None = None) -> None:
        what = self.what.currentData()
        if not out:
            default = f"{what}-{self.ws.centre_code}-{date.today().isoformat()}.xlsx"
            out, _f = QFileDialog.getSaveFileName(self, _("Export a spreadsheet"), default, "Excel (*.xlsx)")
            if not out:
                return
        if not out.lower().endswith(".xlsx"):
            out += ".xlsx"
        try:
            start, end = date.fromisoformat(self.start.iso() or ''), date.fromisoformat(self.end.iso() or '')
            self.written, n = _busy(lambda: export_sheet(self.ws, what, Path(out), start, end,
                                                         self.full_identity.isChecked() and what == "caseload"))
        except PantiError as exc:
            self.message.setText(str(exc))
            return
        except (OSError, ValueError) as exc:
            show_error(self, exc)
            return
        notify(self.parent() or self, _("Sheet written: {path} ({n} rows).").format(path=self.written, n=n))
        self.accept()
