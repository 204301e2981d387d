"""The Conflicts tab (Konflik): records changed at two places, and a manager's decision field by field."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...domain.records import RECORD_TYPES
from ...errors import PantiError
from ...i18n import _
from ...sync import exchange as X
from ..common import fmt_date, make_table, note_label, show_error
from ..tables import Cell
from .common import _notify, _when

MANAGERS = ("manager", "admin")


def _value_text(kind_name: str, name: str, value, ws=None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    cls = RECORD_TYPES.get(kind_name)
    try:
        meta = cls.field_meta(name) if cls else {}
    except KeyError:
        meta = {}
    t = meta.get("type")
    if t == "date":
        return fmt_date(value)
    if t == "bool":
        return _("yes") if value else _("no")
    if t == "code":
        return meta["vocab"].label(value)
    if t == "codes":
        return ", ".join(meta["vocab"].label(v) for v in value)
    if t == "ref" and ws is not None:
        user = ws.user_name(value)
        return user if user != value else _("a user of another installation")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)[:200]
    return str(value)


def _field_label(kind_name: str, name: str) -> str:
    cls = RECORD_TYPES.get(kind_name)
    return cls.field_label(name) if cls else name


class ConflictsTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.items: list[X.Conflict] = []
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_(
            "When two places changed the same record, the version with the later clock is used everywhere and the "
            "other is kept here. A manager decides: keep the version in use, keep the other one, or combine them "
            "field by field. The decision travels to the other places with the next bundles."), self))
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = make_table([_("Register no."), _("Record"), _("Conflict"), _("Fields")], split,
                                "conflictList")
        self.table.selection_changed.connect(self._show_selected)
        split.addWidget(self.table)
        detail = QWidget(split)
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("", detail)
        self.title.setWordWrap(True)
        dl.addWidget(self.title)
        self.fields = make_table([_("Field"), _("Version in use"), _("Other version"), _("Keep")], detail,
                                 "conflictFields")
        self.fields.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.field_names: list[str] = []
        self.field_choices: dict[str, QComboBox] = {}
        header = self.fields.horizontalHeader()
        for col, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch,
                                    QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(col, mode)
        dl.addWidget(self.fields, 1)
        buttons = QHBoxLayout()
        self.keep_mine = QPushButton(_("Keep the version in use"), detail)
        self.keep_mine.setObjectName("keepMine")
        self.keep_mine.clicked.connect(lambda: self.resolve("mine"))
        self.keep_theirs = QPushButton(_("Keep the other version"), detail)
        self.keep_theirs.setObjectName("keepTheirs")
        self.keep_theirs.clicked.connect(lambda: self.resolve("theirs"))
        self.keep_merged = QPushButton(_("Save the combination chosen above"), detail)
        self.keep_merged.setObjectName("keepMerged")
        self.keep_merged.clicked.connect(lambda: self.resolve("merged"))
        self.keep_both = QPushButton(_("They are different children"), detail)
        self.keep_both.setObjectName("keepBoth")
        self.keep_both.clicked.connect(lambda: self.resolve("both"))
        for b in (self.keep_mine, self.keep_theirs, self.keep_merged, self.keep_both):
            buttons.addWidget(b)
        buttons.addStretch(1)
        dl.addLayout(buttons)
        split.addWidget(detail)
        split.setSizes([130, 470])
        lay.addWidget(split, 1)
        self.may_resolve = ws.role in MANAGERS
        if not self.may_resolve:
            lay.addWidget(note_label(_("Only a manager or an administrator resolves conflicts."), self))
        self._show_selected()

    def refresh(self) -> None:
        self.items = X.list_conflicts(self.ws)
        reasons = {"concurrent": _("edited at two places"), "deleted": _("deleted at one place, edited at another"),
                   "duplicate": _("may be the same child registered twice"),
                   "amendment": _("a peer's other content for a session that is final here")}
        rows = []
        for c in self.items:
            if c.reason == "duplicate":
                what = f"{c.mine_version} / {c.theirs_version}"
            else:
                what = ", ".join(_field_label(c.kind, f) for f in c.changed_fields()[:5])
            rows.append([c.register_no or "—", RECORD_TYPES[c.kind].TITLE.text() if c.kind in RECORD_TYPES
                         else c.kind, reasons.get(c.reason, c.reason), what])
        self.table.set_rows(rows, [c.id for c in self.items])
        self.table.resizeColumnsToContents()
        if self.items:
            self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> X.Conflict | None:
        cid = self.table.selected_data()
        return next((c for c in self.items if c.id == cid), None) if cid else None

    def _show_selected(self) -> None:
        c = self.selected()
        for b in (self.keep_mine, self.keep_theirs, self.keep_merged, self.keep_both):
            b.setVisible(False)
        self.fields.set_rows([])
        self.field_names, self.field_choices = [], {}
        if c is None:
            self.title.setText(_("No conflicts.") if not self.items else _("Choose a conflict above."))
            return
        if c.reason == "duplicate":
            self.title.setText(_("{a} and {b} have the same birth date and a similar name. Panti never merges two "
                                 "registrations. If they are different children, say so; if they are the same child, "
                                 "close the wrong file by hand.").format(a=c.mine_version, b=c.theirs_version))
            self.keep_both.setVisible(self.may_resolve)
            return
        self.title.setText(_("In use: changed {mine_at}. Other version: changed {theirs_at}.").format(
            mine_at=_when(c.mine_at) or "—", theirs_at=_when(c.theirs_at) or "—")
            + (" " + _("The version in use deletes the record.") if c.mine_deleted else "")
            + (" " + _("The other version deletes the record.") if c.theirs_deleted else ""))
        names = sorted(set(c.mine or {}) | set(c.theirs or {}), key=lambda n: (n not in c.changed_fields(), n))
        names = [n for n in names if n not in ("id", "child_id")]
        rows = []
        for n in names:
            a, b = (c.mine or {}).get(n), (c.theirs or {}).get(n)
            cells = [_field_label(c.kind, n), _value_text(c.kind, n, a, self.ws), _value_text(c.kind, n, b, self.ws)]
            rows.append([Cell(t, background="#fff4d6", bold=True) if a != b else t for t in cells] + [""])
        self.fields.set_rows(rows, names)
        self.field_names = names
        for i, n in enumerate(names):
            a, b = (c.mine or {}).get(n), (c.theirs or {}).get(n)
            if a != b and not c.mine_deleted and not c.theirs_deleted:
                choice = QComboBox(self.fields)
                choice.addItem(_("in use"), "mine")
                choice.addItem(_("other"), "theirs")
                self.fields.setIndexWidget(self.fields.model().index(i, 3), choice)
                self.field_choices[n] = choice
        self.keep_mine.setVisible(self.may_resolve)
        self.keep_theirs.setVisible(self.may_resolve)
        self.keep_merged.setVisible(self.may_resolve and not c.mine_deleted and not c.theirs_deleted)

    def merged(self) -> dict:
        """The per-field choice of the table: for each differing field, the chosen side's value."""
        c = self.selected()
        out: dict = {}
        if c is None:
            return out
        for name, choice in self.field_choices.items():
            side = (c.theirs if choice.currentData() == "theirs" else c.mine) or {}
            out[name] = side.get(name)
        return out

    def choose(self, field_name: str, side: str) -> None:
        """Pick `side` ("mine" or "theirs") for one field of the merge."""
        choice = self.field_choices[field_name]
        choice.setCurrentIndex(choice.findData(side))

    def resolve(self, keep: str) -> bool:
        c = self.selected()
        if c is None:
            return False
        try:
            X.resolve_conflict(self.ws, c.id, keep, self.merged() if keep == "merged" else None)
        except PantiError as exc:
            show_error(self, exc)
            return False
        self.refresh()
        _notify(self)
        return True
