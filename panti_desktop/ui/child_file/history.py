"""The history section: who changed what in this child's file."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...domain.records import RECORD_TYPES
from ...errors import PermissionDenied
from ...i18n import _
from ..common import fmt_when, make_table
from .common import _kind_title


class HistorySection(QWidget):
    """Who changed what in this file: the audit log for managers and admins, record dates for others."""

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        lay = QVBoxLayout(self)
        self.table = make_table([_("When"), _("Who"), _("What"), _("Record type")], self, "history")
        lay.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        actions = {"create": _("created"), "update": _("changed"), "delete": _("deleted"),
                   "read_clinical": _("read the clinical file"), "reveal_identity": _("showed the identity"),
                   "finalise": _("finalised"), "lifecycle": _("changed the status"), "print": _("printed"),
                   "export": _("exported"), "import": _("imported")}
        rows = []  # (stored moment, who, what, record type): sorted on the moment, shown as local time
        try:
            for e in self.ws.audit_entries(limit=500, child_id=self.child_id):
                rows.append((e.at, e.user, actions.get(e.action, e.action),
                             _kind_title(e.kind) if e.kind in RECORD_TYPES else ""))
        except PermissionDenied:
            for created_at, created_by, updated_at, updated_by, deleted, name in self.ws.record_dates(self.child_id):
                rows.append((created_at, self.ws.user_name(created_by), actions["create"], _kind_title(name)))
                if updated_at != created_at:
                    rows.append((updated_at, self.ws.user_name(updated_by),
                                 actions["delete" if deleted else "update"], _kind_title(name)))
            rows.sort(reverse=True)
        self.table.set_rows([[fmt_when(at), *rest] for at, *rest in rows])
        self.table.resizeColumnsToContents()
