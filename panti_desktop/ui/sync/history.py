"""The History tab (Riwayat): per peer what was sent, acknowledged, received and is missing; every bundle."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...i18n import _
from ...sync import exchange as X
from ..common import make_table
from ..tables import Cell
from .common import _scope_text, _when


class HistoryTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(_("Per peer"), self))
        self.status = make_table([_("Peer"), _("Sent"), _("Unacknowledged"), _("Last sent"), _("Received"),
                                  _("Last received"), _("Missing")], self, "peerStatus")
        self.status.setMaximumHeight(170)
        lay.addWidget(self.status)
        self.gaps = QLabel("", self)
        self.gaps.setObjectName("gaps")
        self.gaps.setWordWrap(True)
        self.gaps.setStyleSheet("color: #9a3412; font-weight: bold;")
        lay.addWidget(self.gaps)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Bundles"), self))
        self.filter = QComboBox(self)
        self.filter.setObjectName("historyPeer")
        self.filter.currentIndexChanged.connect(self._fill_history)
        top.addWidget(self.filter)
        top.addStretch(1)
        lay.addLayout(top)
        self.history = make_table([_("When"), _("Direction"), _("Peer"), _("Kind"), _("Number"), _("Records"),
                                   _("Acknowledged"), _("Summary")], self, "bundleHistory")
        lay.addWidget(self.history, 1)

    def refresh(self) -> None:
        items = X.peer_status(self.ws)
        self.status.set_rows([[f"{s.peer.code} — {s.peer.name}" + (" (" + _("revoked") + ")"
                                                                   if s.peer.revoked_at else ""),
                               str(s.sent), str(s.unacked), _when(s.last_sent), str(s.received),
                               _when(s.last_received),
                               Cell(", ".join(str(g) for g in s.gaps), colour="#9a3412") if s.gaps else "—"]
                              for s in items])
        self.status.resizeColumnsToContents()
        gaps = [_("Bundles not yet received from {code}: {seqs}. They can still be imported later.").format(
            code=s.peer.code, seqs=", ".join(str(n) for n in s.gaps)) for s in items if s.gaps]
        self.gaps.setText("\n".join(gaps))
        self.gaps.setVisible(bool(gaps))
        current = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem(_("All peers"), None)
        for s in items:
            self.filter.addItem(s.peer.code, s.peer.code)
        i = self.filter.findData(current)
        self.filter.setCurrentIndex(max(i, 0))
        self.filter.blockSignals(False)
        self._fill_history()

    def _fill_history(self) -> None:
        rows = []
        for b in X.history(self.ws, self.filter.currentData()):
            summary = b["summary"] if isinstance(b["summary"], dict) else {}
            text = summary.get("summary") or (", ".join(f"{k} {v}" for k, v in summary.items()
                                                        if isinstance(v, int)) if summary else "")
            text += "".join(" ⚠ " + w for w in summary.get("warnings") or [])
            rows.append([_when(b["at"]), _("received") if b["direction"] == "in" else _("sent"), b["peer"],
                         _scope_text(b["scope"]), str(b["seq"] or "—"), str(b["records"]),
                         _when(b["acked_at"]) if b["direction"] == "out" and b["scope"] != "ack" else "",
                         text])
        self.history.set_rows(rows)
        self.history.resizeColumnsToContents()
