"""Every record form is usable by keyboard alone: Tab from the first field visits every field
once, top to bottom, and a note box passes Tab on instead of typing a tab character."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from panti_desktop.domain.records import RECORD_TYPES
from panti_desktop.ui.common import DateEdit
from panti_desktop.ui.forms import RecordForm


def _field_of(form: RecordForm, widget) -> str | None:
    while widget is not None and widget is not form:
        name = widget.objectName()
        if name in form._widgets and form._widgets[name] is widget:
            return name
        widget = widget.parentWidget()
    return None


@pytest.mark.parametrize("filled", [False, True], ids=["empty", "dates-filled"])
@pytest.mark.parametrize("kind", sorted(RECORD_TYPES))
def test_tab_walks_every_field_top_to_bottom(qtbot, kind, filled):
    form = RecordForm(kind)
    qtbot.addWidget(form)
    if filled:  # a filled date is walked day, month, year, and then left
        for w in form.findChildren(DateEdit):
            w.set_iso("2026-03-04")
    form.resize(900, 2400)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.setFocus()
    form.focusNextChild()  # what Tab does from outside the form: the first field
    visited: list[str] = []
    for _ in range(300):
        name = _field_of(form, QApplication.focusWidget())
        if name is None:
            break
        if not visited or visited[-1] != name:
            if name in visited:
                break  # back at the start: the chain went round
            visited.append(name)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    expected = [n for n in form.field_names if form._widgets[n].isVisible()]
    assert visited == expected, kind
    ys = [form._widgets[n].mapTo(form, form._widgets[n].rect().topLeft()).y() for n in visited]
    assert ys == sorted(ys), kind
