"""The Refused tab (Ditolak): lines of trusted peers' bundles refused on their own, with the reason;
a held erasure waits here for a manager: erase the case here too, or keep it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...errors import PantiError
from ...i18n import _
from ...sync import quarantine as Q
from ..common import make_table, note_label, notify, show_error
from ..tables import Cell
from .common import _notify, _when
from .conflicts import _field_label


class QuarantineTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.items: list[Q.Quarantined] = []
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_(
            "A bundle from a trusted peer is still checked line by line: a record of a case the peer does not "
            "hold here, a field the form would refuse, a clock far in the future. Such a line is refused and "
            "listed here; the rest of the bundle was applied. An erasure of a case that is under a legal hold "
            "here, or whose retention here has not run out, waits for a manager."), self))
        top = QHBoxLayout()
        self.everything = QCheckBox(_("Show decided lines too"), self)
        self.everything.setObjectName("quarantineAll")
        self.everything.toggled.connect(lambda _on: self.refresh())
        top.addWidget(self.everything)
        top.addStretch(1)
        lay.addLayout(top)
        self.table = make_table([_("When"), _("Peer"), _("Line"), _("Case or record"), _("Field"), _("State"),
                                 _("Reason")], self, "quarantineList")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selection_changed.connect(self._show_selected)
        lay.addWidget(self.table, 1)
        self.detail = QLabel("", self)
        self.detail.setObjectName("quarantineDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.detail)
        buttons = QHBoxLayout()
        self.erase_button = QPushButton(_("Accept the erasure"), self)
        self.erase_button.setObjectName("acceptErasure")
        self.erase_button.clicked.connect(lambda: self.decide(True))
        self.keep_button = QPushButton(_("Keep the case"), self)
        self.keep_button.setObjectName("keepCase")
        self.keep_button.clicked.connect(lambda: self.decide(False))
        for b in (self.erase_button, self.keep_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        self.may_decide = ws.role in Q.ROLES_THAT_DECIDE
        if not self.may_decide:
            lay.addWidget(note_label(_("Only a manager or an administrator decides on a held erasure."), self))
        self._show_selected()

    def refresh(self) -> None:
        self.items = Q.listed(self.ws, self.everything.isChecked())
        rows = []
        for q in self.items:
            state = Cell(q.status_text(), colour="#9a3412", bold=True) if q.held else q.status_text()
            rows.append([_when(q.noted_at), q.peer, q.what(), q.register_no or q.record_id[:12] or "—",
                         _field_label(q.kind, q.field) if q.field else "—", state, q.reason])
        self.table.set_rows(rows, [q.id for q in self.items])
        for column in range(6):  # the reason takes the rest of the width; the line below shows it whole
            self.table.resizeColumnToContents(column)
        if self.items:
            self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> Q.Quarantined | None:
        qid = self.table.selected_data()
        return next((q for q in self.items if q.id == qid), None) if qid else None

    def _show_selected(self) -> None:
        q = self.selected()
        held = q is not None and q.held
        self.erase_button.setVisible(held and self.may_decide)
        self.keep_button.setVisible(held and self.may_decide)
        if q is None:
            self.detail.setText(_("Nothing was refused.") if not self.items else "")
            return
        text = _("{what} from {peer}: {reason}").format(what=q.what(), peer=q.peer, reason=q.reason)
        if held:
            text += " " + _("Accepting erases case {no} here as {peer} did; keeping it leaves the case as it is "
                            "here.").format(no=q.register_no or q.record_id[:12], peer=q.peer)
        self.detail.setText(text)

    def decide(self, erase: bool) -> bool:
        q = self.selected()
        if q is None or not q.held:
            return False
        try:
            Q.decide(self.ws, q.id, erase)
        except PantiError as exc:
            show_error(self, exc)
            return False
        notify(self, _("Case {no} was erased here.").format(no=q.register_no) if erase else
               _("Case {no} is kept here.").format(no=q.register_no))
        self.refresh()
        _notify(self)
        return True
