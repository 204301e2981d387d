"""Unlocking: pick a user, type the passphrase; or set a new one with the recovery key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ..domain.vocab import ROLES
from ..errors import PantiError
from ..i18n import _
from .common import (
    PassphraseField,
    busy_bar,
    fixed_font,
    heading,
    message_label,
    new_passphrase_rows,
    note_label,
    off_ui_thread,
)


def _users_combo(data_dir: Path, parent, user_name: str | None) -> QComboBox:
    from ..workspace import Workspace

    combo = QComboBox(parent)
    combo.setObjectName("user")
    for u in Workspace.list_users(data_dir):
        if u.removed_at is None:
            combo.addItem(f"{u.name} ({ROLES.label(u.role)})", u.name)
    if user_name:
        combo.setCurrentIndex(max(0, combo.findData(user_name)))
    return combo


class UnlockDialog(QDialog):
    def __init__(self, data_dir: Path, parent=None, user_name: str | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.workspace = None
        self.setWindowTitle(_("Panti — unlock"))
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 16)
        lay.addWidget(heading(_("Unlock the centre's records"), self, 15))
        lay.addWidget(note_label(_("Records of children are encrypted on this laptop. Choose your name and type "
                                   "your passphrase."), self))
        form = QFormLayout()
        self.user = _users_combo(self.data_dir, self, user_name)
        self.user.setEnabled(user_name is None)
        self.passphrase = PassphraseField(self)
        self.passphrase.setObjectName("passphrase")
        form.addRow(_("User"), self.user)
        form.addRow(_("Passphrase"), self.passphrase)
        lay.addLayout(form)
        self.message = message_label(self)
        lay.addWidget(self.message)
        self.busy = busy_bar(self, _("Opening the records…"))
        lay.addWidget(self.busy)
        self.recover = QPushButton(_("Forgot your passphrase? Use the recovery key…"), self)
        self.recover.setObjectName("recover")
        self.recover.setFlat(True)
        self.recover.setStyleSheet("text-align: left; color: #1f5e9c; text-decoration: underline;")
        self.recover.clicked.connect(self.open_recovery)
        lay.addWidget(self.recover, alignment=Qt.AlignmentFlag.AlignLeft)
        buttons = QDialogButtonBox(self)
        self.unlock_button = buttons.addButton(_("&Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.setDefault(True)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.passphrase.edit.returnPressed.connect(self.try_unlock)
        self.passphrase.setFocus()
        self.deriving = False
        self._cancelled = False

    def reject(self) -> None:
        """Cancel, also while the key is being derived: the dialog closes at once and the
        workspace the derivation opens after all is closed again (`try_unlock`)."""
        self._cancelled = True
        super().reject()

    def try_unlock(self) -> bool:
        from ..workspace import Workspace

        if self.deriving:
            return False
        self.message.clear()
        self._cancelled = False
        name, passphrase = self.user.currentData() or "", self.passphrase.text()
        self.deriving = True
        try:  # the key derivation runs on the background worker; this dialog stays responsive
            workspace = off_ui_thread(lambda: Workspace.open(self.data_dir, name, passphrase), self.busy,
                                      hold=(self.user, self.passphrase, self.unlock_button, self.recover))
        except PantiError as exc:
            if not self._cancelled:
                self.message.setText(str(exc))
                self.passphrase.clear()
                self.passphrase.setFocus()
            return False
        finally:
            self.deriving = False
        self.passphrase.clear()
        if self._cancelled:  # cancelled while the key was derived: nothing stays open
            workspace.close()
            return False
        self.workspace = workspace
        self.accept()
        return True

    def open_recovery(self) -> None:
        dialog = RecoveryDialog(self.data_dir, self.user.currentData(), self)
        if dialog.exec() and dialog.workspace is not None:
            self.workspace = dialog.workspace
            self.accept()


class RecoveryDialog(QDialog):
    """The recovery key from the centre's safe sets a new passphrase for one user."""

    def __init__(self, data_dir: Path, user_name: str | None = None, parent=None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.workspace = None
        self._cancelled = False
        self.setWindowTitle(_("Recover with the recovery key"))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        note = QLabel(_("Type the recovery key kept in the centre's safe (28 characters; dashes and "
                        "capitals do not matter), then a new passphrase. The old passphrase stops working."), self)
        note.setWordWrap(True)
        lay.addWidget(note)
        form = QFormLayout()
        self.user = _users_combo(self.data_dir, self, user_name)
        self.key = QLineEdit(self)
        self.key.setObjectName("recoveryKey")
        self.key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.key.setFont(fixed_font(self.key.font().pointSize()))
        form.addRow(_("User"), self.user)
        form.addRow(_("Recovery key"), self.key)
        self.first, self.second = new_passphrase_rows(form, self)
        lay.addLayout(form)
        self.message = message_label(self)
        lay.addWidget(self.message)
        self.busy = busy_bar(self, _("Opening the records…"))
        lay.addWidget(self.busy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.try_recover)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def try_recover(self) -> bool:
        from ..workspace import Workspace, check_passphrase_strength

        self.message.clear()
        if self.first.text() != self.second.text():
            self.message.setText(_("The two passphrases are not the same."))
            return False
        name, key, new = self.user.currentData() or "", self.key.text(), self.first.text()
        self._cancelled = False

        def recover():
            ws = Workspace.open_with_recovery(self.data_dir, key, name)
            try:
                ws.reset_passphrase(name, new)
            finally:
                ws.close()
            # re-open as the user with the new passphrase: the normal keys of that role
            return Workspace.open(self.data_dir, name, new)

        try:
            check_passphrase_strength(new)
            workspace = off_ui_thread(recover, self.busy,
                                      hold=(self.user, self.key, self.first, self.second, self.ok_button))
        except PantiError as exc:
            self.message.setText(str(exc))
            return False
        if self._cancelled:  # cancelled meanwhile: the new passphrase is set, nothing stays open
            workspace.close()
            return False
        self.workspace = workspace
        self.accept()
        return True

    def reject(self) -> None:
        self._cancelled = True
        super().reject()
