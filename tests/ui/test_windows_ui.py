"""Windows in the window: a fixed-width font that exists there, device names refused as centre codes."""

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


def test_a_dos_device_name_is_refused_as_the_centre_code_on_its_page(qtbot, tmp_path):
    from panti_desktop.ui.setup_wizard import SetupWizard

    wizard = SetupWizard(tmp_path / "v")
    qtbot.addWidget(wizard)
    wizard.centre.code.setText("nul")
    wizard.centre.name.setText("Sentra")
    assert not wizard.centre.validatePage()
    assert "NUL is the name of a device on Windows" in wizard.centre.message.text()
    wizard.centre.code.setText("NULA")
    assert wizard.centre.validatePage() and wizard.centre.message.text() == ""
