"""What several tabs of the Sync page share: texts for roles, scopes and times, a period picker, and
telling the page that something changed."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ...i18n import _
from ..common import DateEdit, fmt_when


def _role_text(role: str) -> str:
    return _("Headquarters") if role == "hq" else _("Centre")


def _scope_text(scope: str) -> str:
    return {"changes": _("changes"), "transfer": _("case transfer"), "stats": _("statistics"),
            "ack": _("acknowledgement")}.get(scope, scope)


def _when(iso: str | None) -> str:
    return fmt_when(iso)


def _period(parent: QWidget, name: str) -> tuple[QHBoxLayout, DateEdit, DateEdit]:
    """From–to date pickers on one line, the last twelve months by default."""
    row = QHBoxLayout()
    start = DateEdit(parent, optional=False)
    start.setObjectName(name + "From")
    start.set_iso(date.today() - timedelta(days=365))
    end = DateEdit(parent, optional=False)
    end.setObjectName(name + "Until")
    row.addWidget(start)
    row.addWidget(QLabel("–", parent))
    row.addWidget(end)
    row.addStretch(1)
    return row, start, end


class SyncPageBase(QWidget):
    """What `_notify` looks for among a tab's parents: the Sync page (`SyncPage` in page.py, which
    imports the tabs, so the tabs cannot import it)."""


def _notify(widget: QWidget) -> None:
    """Tell the Sync page something changed, so its other tabs show the new state."""
    page = widget.parent()
    while page is not None and not isinstance(page, SyncPageBase):
        page = page.parent()
    if page is not None:
        page.refresh_others(widget)
