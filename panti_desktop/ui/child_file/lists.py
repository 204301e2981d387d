"""Sections of the child's file made of record lists: family, legal track, consent, referrals, …"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..common import scroll_area
from .common import _columns, _group, _kind_title


class Section(QWidget):
    """A page of the child's file made of record lists (family, legal track, …)."""

    changed = Signal()

    def __init__(self, ws, child_id: str, kinds: list[tuple[str, dict]], parent=None, intro: QWidget | None = None):
        from ..forms import RecordList

        super().__init__(parent)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        if intro is not None:
            lay.addWidget(intro)
        self.lists = []
        for kind_name, options in kinds:
            options = {"columns": _columns(kind_name), **options}
            lst = RecordList(ws, kind_name, child_id, **options)
            lst.changed.connect(self.changed.emit)
            self.lists.append(lst)
            lay.addWidget(_group(_kind_title(kind_name), lst))
        lay.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll_area(inner))

    def refresh(self) -> None:
        for lst in self.lists:
            lst.refresh()
