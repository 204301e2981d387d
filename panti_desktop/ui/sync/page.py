"""The Sync page: a heading and the tabs (Centres at headquarters, Send, Receive, History, Conflicts,
Refused, Peers); after an export, import, resolution or a new peer every other tab shows the new state."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ...errors import PantiError
from ...i18n import _
from ...sync import exchange as X
from ...sync import quarantine as Q
from ..common import heading, show_error
from .centres import CentresTab
from .common import SyncPageBase
from .conflicts import ConflictsTab
from .history import HistoryTab
from .peers import PeersTab
from .quarantine import QuarantineTab
from .receive import ReceiveTab
from .send import SendTab


class SyncPage(SyncPageBase):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        lay = QVBoxLayout(self)
        lay.addWidget(heading(_("Sync"), self))
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("syncTabs")
        self.centres = CentresTab(ws, self.tabs) if ws.is_hq else None
        self.send = SendTab(ws, self.tabs)
        self.receive = ReceiveTab(ws, self.tabs)
        self.history = HistoryTab(ws, self.tabs)
        self.conflicts = ConflictsTab(ws, self.tabs)
        self.quarantine = QuarantineTab(ws, self.tabs)
        self.peers = PeersTab(ws, self.tabs)
        if self.centres is not None:
            self.tabs.addTab(self.centres, _("Centres"))
        self.tabs.addTab(self.send, _("Send"))
        self.tabs.addTab(self.receive, _("Receive"))
        self.tabs.addTab(self.history, _("History"))
        self.tabs.addTab(self.conflicts, _("Conflicts"))
        self.tabs.addTab(self.quarantine, _("Refused"))
        self.tabs.addTab(self.peers, _("Peers"))
        lay.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(lambda _i: self._refresh(self.tabs.currentWidget()))

    def _tabs(self) -> list[QWidget]:
        return [t for t in (self.centres, self.send, self.receive, self.history, self.conflicts, self.quarantine,
                            self.peers) if t is not None]

    def _refresh(self, tab) -> None:
        try:
            tab.refresh()
        except PantiError as exc:
            show_error(self, exc)

    def refresh(self) -> None:
        for t in self._tabs():
            self._refresh(t)
        self._counts()

    def refresh_others(self, source: QWidget) -> None:
        """After an export, import, resolution or a new peer: every other tab shows the new state."""
        for t in self._tabs():
            if t is not source:
                self._refresh(t)
        self._counts()

    def _counts(self) -> None:
        """The tabs' titles say how many conflicts and held erasures wait for a decision."""
        n = X.conflict_count(self.ws)
        self.tabs.setTabText(self.tabs.indexOf(self.conflicts), _("Conflicts ({n})").format(n=n) if n
                             else _("Conflicts"))
        held = Q.held_count(self.ws)
        self.tabs.setTabText(self.tabs.indexOf(self.quarantine), _("Refused ({n} held)").format(n=held) if held
                             else _("Refused"))
