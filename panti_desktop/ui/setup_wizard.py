"""First run: the centre, its administrator, and the recovery key shown exactly once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from ..domain.vocab import CENTRE_TYPES
from ..errors import PantiError, ValidationError
from ..files import is_device_name, safe_file_name
from ..i18n import _
from ..workspace import check_passphrase_strength
from .common import (
    PassphraseField,
    confirm,
    fixed_font,
    has_module,
    message_label,
    note_label,
    show_error,
    vocab_combo,
)


def passphrase_score(text: str) -> int:
    """0–100 for the strength bar: length and variety. The vault's own rule decides."""
    if not text:
        return 0
    kinds = sum(bool(k) for k in (any(c.islower() for c in text), any(c.isupper() for c in text),
                                   any(c.isdigit() for c in text), any(not c.isalnum() for c in text)))
    score = min(len(text), 24) * 3 + kinds * 7 + min(len(set(text)), 12)
    return min(100, score)


def strength_word(score: int) -> str:
    if score < 40:
        return _("weak")
    if score < 70:
        return _("fair")
    return _("strong")


class CentrePage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(_("Welcome to Panti"))
        self.setSubTitle(_("Records of the children in your care are kept encrypted on this laptop. "
                           "First, tell us about the centre."))
        form = QFormLayout(self)
        self.code = QLineEdit(self)
        self.code.setObjectName("centreCode")
        self.code.setMaxLength(12)
        self.code.setPlaceholderText(_("e.g. JKT1"))
        self.name = QLineEdit(self)
        self.name.setObjectName("centreName")
        self.name.setPlaceholderText(_("e.g. Sentra Handayani"))
        self.type = vocab_combo(CENTRE_TYPES, empty=False, parent=self)
        self.type.setObjectName("centreType")
        self.province = QLineEdit(self)
        self.province.setObjectName("province")
        form.addRow(_("Centre code"), self.code)
        form.addRow(_("Centre name"), self.name)
        form.addRow(_("Centre type"), self.type)
        form.addRow(_("Province"), self.province)
        form.addRow(note_label(_("The code starts every register number (e.g. JKT1-2026-0001) and cannot be "
                                 "changed later."), self))
        self.message = message_label(self)
        form.addRow(self.message)
        self.registerField("centreCode*", self.code)
        self.registerField("centreName*", self.name)

    def validatePage(self) -> bool:
        """A code Windows takes for a device (NUL, CON, COM1) is refused before the next page."""
        code = self.code.text().strip().upper()
        if is_device_name(code):
            self.message.setText(_("{code} is the name of a device on Windows; choose another centre code.").format(
                code=code))
            return False
        self.message.setText("")
        return True


class AdminPage(QWizardPage):
    """The administrator and passphrase. Leaving this page creates the vault."""

    def __init__(self, wizard: SetupWizard):
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle(_("The administrator"))
        self.setSubTitle(_("The administrator adds the other users and keeps the recovery key. "
                           "Choose a passphrase: a short sentence is easy to remember and hard to guess."))
        self.setCommitPage(True)  # leaving this page creates the vault: there is no way back
        form = QFormLayout(self)
        self.admin = QLineEdit("admin", self)
        self.admin.setObjectName("adminName")
        self.first = PassphraseField(self)
        self.first.setObjectName("passphrase")
        self.second = PassphraseField(self)
        self.second.setObjectName("passphraseConfirm")
        self.meter = QProgressBar(self)
        self.meter.setObjectName("strength")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(True)
        self.meter.setMaximumHeight(16)
        self.message = message_label(self)
        form.addRow(_("User name"), self.admin)
        form.addRow(_("Passphrase"), self.first)
        form.addRow(_("Strength"), self.meter)
        form.addRow(_("Repeat it"), self.second)
        form.addRow(self.message)
        for edit in (self.first.edit, self.second.edit, self.admin):
            edit.textChanged.connect(self._changed)
        self._changed()

    def _problem(self) -> str | None:
        if not self.admin.text().strip():
            return _("Enter the administrator's name.")
        try:
            check_passphrase_strength(self.first.text())
        except PantiError as exc:
            return str(exc)
        if self.first.text() != self.second.text():
            return _("The two passphrases are not the same.")
        return None

    def _changed(self) -> None:
        score = passphrase_score(self.first.text())
        self.meter.setValue(score)
        self.meter.setFormat(strength_word(score))
        problem = self._problem()
        typed = bool(self.first.text())
        self.message.setText(problem if problem and typed else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._problem() is None

    def validatePage(self) -> bool:
        if self.wiz.workspace is not None:
            return True
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            self.wiz.create_vault(self.admin.text().strip(), self.first.text())
        except (ValidationError, PantiError) as exc:
            self.message.setText(str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        return True


class RecoveryPage(QWizardPage):
    def __init__(self, wizard: SetupWizard):
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle(_("The recovery key"))
        self.setSubTitle(_("This key opens the records if every passphrase is forgotten. It is shown only now."))
        lay = QVBoxLayout(self)
        self.key = QLabel(self)
        self.key.setObjectName("recoveryKey")
        self.key.setFont(fixed_font(20, bold=True))
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setStyleSheet("background: white; border: 1px dashed #888; padding: 14px;")
        lay.addWidget(self.key)
        copy = QPushButton(_("&Copy"), self)
        copy.setObjectName("copyKey")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.key.text()))
        lay.addWidget(copy, alignment=Qt.AlignmentFlag.AlignLeft)
        if has_module("panti_desktop.reports.recovery_kit"):
            kit = QPushButton(_("Save the Recovery Kit (PDF)…"), self)
            kit.setObjectName("recoveryKit")
            kit.clicked.connect(self._save_kit)
            lay.addWidget(kit, alignment=Qt.AlignmentFlag.AlignLeft)
        steps = QLabel(_("1. Write the key on paper, clearly, in the groups shown.\n"
                         "2. Keep the paper in the centre's safe, away from this laptop.\n"
                         "3. Never store the key on this laptop, in e-mail or in a chat."), self)
        steps.setWordWrap(True)
        lay.addWidget(steps)
        self.confirmed = QCheckBox(_("I have written the recovery key down and stored it safely"), self)
        self.confirmed.setObjectName("recoveryConfirmed")
        self.confirmed.toggled.connect(self.completeChanged)
        lay.addWidget(self.confirmed)
        lay.addStretch(1)

    def initializePage(self) -> None:
        self.key.setText(self.wiz.recovery_text or "")

    def isComplete(self) -> bool:
        return self.confirmed.isChecked()

    def _save_kit(self) -> None:
        save_recovery_kit(self, self.wiz.workspace, self.wiz.recovery_text)


def save_recovery_kit(parent, ws, text: str, path: Path | None = None) -> Path | None:
    """Ask where to save the Recovery Kit PDF (to print it for the safe), then write it."""
    from PySide6.QtWidgets import QFileDialog

    from ..reports import recovery_kit

    if path is None:
        name, _filter = QFileDialog.getSaveFileName(parent, _("Save the Recovery Kit"),
                                                    safe_file_name(f"recovery-kit-{ws.centre_code}.pdf"), "PDF (*.pdf)")
        if not name:
            return None
        path = Path(name)
    try:
        out = recovery_kit.write(path, ws.centre_code, ws.centre_name, text, ws.user.name)
    except (OSError, PantiError) as exc:
        show_error(parent, exc if isinstance(exc, PantiError) else str(exc))
        return None
    ws.audit_event("print", detail="recovery kit")
    return out


class SetupWizard(QWizard):
    def __init__(self, data_dir: Path, parent=None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.workspace = None
        self.recovery_text: str | None = None
        self.setWindowTitle(_("Panti — first start"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setMinimumSize(640, 480)
        self.centre = CentrePage(self)
        self.admin = AdminPage(self)
        self.recovery = RecoveryPage(self)
        for page in (self.centre, self.admin, self.recovery):
            self.addPage(page)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("&Create the vault"))

    def create_vault(self, admin: str, passphrase: str) -> None:
        from ..workspace import Workspace

        self.workspace, self.recovery_text = Workspace.init(
            self.data_dir, self.centre.code.text(), self.centre.name.text(), admin, passphrase,
            centre_type=self.centre.type.currentData(), province=self.centre.province.text().strip(),
        )

    def _confirm_cancel(self) -> bool:
        return confirm(self, _("Leave the setup?"), _(
            "The centre vault was created, but the recovery key will not be shown again. "
            "Leave anyway?"))

    def reject(self) -> None:
        if self.workspace is not None and not self.recovery.confirmed.isChecked() and not self._confirm_cancel():
            return
        if self.workspace is not None:  # the vault stays; the next start asks to unlock it
            self.workspace.close()
            self.workspace = None
        super().reject()

    def accept(self) -> None:
        self.recovery_text = None  # shown once; not kept in memory longer than needed
        super().accept()
