"""What several sections of the child's file share: a titled group, a kind's title and list columns."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from ...domain.records import RECORD_TYPES


def _columns(kind_name: str) -> list[str] | None:
    """What a list of these records shows first (`LIST_COLUMNS` of the kind; None: every field)."""
    return list(RECORD_TYPES[kind_name].LIST_COLUMNS) or None


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    for w in widgets:
        lay.addWidget(w)
    return box


def _kind_title(kind_name: str) -> str:
    return RECORD_TYPES[kind_name].TITLE.text()
