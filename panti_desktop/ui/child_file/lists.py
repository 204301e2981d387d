"""Sections of the child's file made of record lists: family, legal track, consent, referrals, …"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...i18n import _
from ..common import scroll_area
from .common import _columns, _group, _kind_title


def diversion_law_text() -> str:
    return _("Diversion (UU 11/2012 on juvenile justice, SPPA): sought at investigation, prosecution and court "
             "(art. 7) when the threatened penalty is under 7 years and the offence is not a repeat; attempted "
             "within 7 days of receiving the case and finished within 30 days at each level (art. 29, 42, 52). "
             "The agreement needs the consent of every victim and the victim's family (art. 9), a trained "
             "facilitator, a recent risk assessment and everyone's confidentiality. UU 12/2022 on sexual violence "
             "(TPKS) art. 23: a case of sexual violence is never settled outside court, except where the offender "
             "is a child, under the SPPA.")


def victims_law_text() -> str:
    return _("Each victim's consent to restorative justice is recorded on the victim, given by the victim or the "
             "parent or guardian, with its date; a withdrawal is recorded too. No victim is named: a code only. "
             "UU TPKS art. 23 allows a settlement outside court only for a child offender, under the SPPA.")


def law_note(text) -> QLabel:
    """A help text citing the law a section applies, in the user's language."""
    label = QLabel(text())
    label.setObjectName("lawNote")
    label.setWordWrap(True)
    label.setStyleSheet("background: #eef3f7; color: #1f2a33; padding: 6px; border-radius: 4px;")
    return label


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
