"""The passphrase dialogs of Pengaturan: a new passphrase typed twice, a new recovery key shown once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ...domain.vocab import ROLES
from ...i18n import _
from ..common import (
    PassphraseField,
    fixed_font,
    message_label,
    new_passphrase_rows,
    note_label,
    vocab_combo,
)


class NewPassphraseDialog(QDialog):
    """A new passphrase typed twice (and, for a new user, a name and a role)."""

    def __init__(self, title: str, parent=None, with_user: bool = False, with_current: bool = False):
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.name = QLineEdit(self)
        self.name.setObjectName("userName")
        self.role = vocab_combo(ROLES, empty=False, parent=self)
        self.role.setObjectName("userRole")
        self.role.setCurrentIndex(max(0, self.role.findData("counsellor")))
        if with_user:
            form.addRow(_("User name"), self.name)
            form.addRow(_("Role"), self.role)
        self.current = PassphraseField(self)
        self.current.setObjectName("currentPassphrase")
        if with_current:
            form.addRow(_("Current passphrase"), self.current)
        for widget, used in ((self.name, with_user), (self.role, with_user), (self.current, with_current)):
            widget.setVisible(used)  # not in the form: it would float over the dialog's corner
        self.first, self.second = new_passphrase_rows(form, self)
        form.addRow(note_label(_("At least 10 characters; a short sentence is easy to remember and hard to guess."),
                               self))
        self.message = message_label(self)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.with_user = with_user
        self.setMinimumWidth(460)

    def _check(self) -> None:
        if self.with_user and not self.name.text().strip():
            self.message.setText(_("Enter the user's name."))
            return
        if self.first.text() != self.second.text():
            self.message.setText(_("The two passphrases are not the same."))
            return
        self.accept()

    def passphrase(self) -> str:
        return self.first.text()


class RecoveryKeyDialog(QDialog):
    """Shows a recovery key once; closes only after the admin confirms it was written down."""

    def __init__(self, text: str, parent=None, ws=None):
        super().__init__(parent)
        self.setWindowTitle(_("New recovery key"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(_("Write this key on paper and keep it in the centre's safe. "
                               "It is shown only now. The old recovery key no longer works."), self))
        key = QLabel(text, self)
        key.setObjectName("recoveryKey")
        key.setFont(fixed_font(18, bold=True))
        key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(key)
        row = QHBoxLayout()
        copy = QPushButton(_("&Copy"), self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(text))
        row.addWidget(copy)
        if ws is not None:
            kit = QPushButton(_("Save the Recovery Kit (PDF)…"), self)
            kit.setObjectName("recoveryKit")
            kit.clicked.connect(lambda: self._save_kit(ws, text))
            row.addWidget(kit)
        row.addStretch(1)
        lay.addLayout(row)
        self.confirmed = QCheckBox(_("I have written the recovery key down and stored it safely"), self)
        self.confirmed.setObjectName("recoveryConfirmed")
        lay.addWidget(self.confirmed)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.confirmed.toggled.connect(self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled)
        self.buttons.accepted.connect(self.accept)
        lay.addWidget(self.buttons)

    def _save_kit(self, ws, text: str) -> None:
        from ..setup_wizard import save_recovery_kit

        save_recovery_kit(self, ws, text)

    def reject(self) -> None:  # Esc must not close it before the key is written down
        if self.confirmed.isChecked():
            super().reject()
