"""Recovery keys and fingerprints in a fixed-width font that exists on every platform."""

from __future__ import annotations

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel

from panti_desktop.ui.common import fixed_font
from panti_desktop.ui.settings import RecoveryKeyDialog


def test_the_fixed_font_is_fixed_pitch_and_prefers_consolas(qtbot):
    font = fixed_font(18, bold=True)
    assert font.families()[0] == "Consolas" and "monospace" not in font.families()[:1]
    assert QFontInfo(font).fixedPitch() and font.bold() and font.pointSize() == 18


def test_the_recovery_key_is_shown_in_it(qtbot):
    d = RecoveryKeyDialog("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345")
    qtbot.addWidget(d)
    key = d.findChild(QLabel, "recoveryKey")
    assert QFontInfo(key.font()).fixedPitch() and key.font().families()[0] == "Consolas"
