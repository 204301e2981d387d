"""Pengaturan: language and passphrase for everyone; users, idle lock, recovery key for admins."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..domain.vocab import CENTRE_TYPES, ROLES
from ..errors import Cancelled, PantiError
from ..i18n import _, current_language, set_language
from .common import (
    PassphraseField,
    Worker,
    apply_language,
    confirm,
    fill_table,
    fmt_date,
    heading,
    make_table,
    scroll_area,
    show_error,
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
        self.first = PassphraseField(self)
        self.first.setObjectName("newPassphrase")
        self.second = PassphraseField(self)
        self.second.setObjectName("newPassphraseConfirm")
        form.addRow(_("New passphrase"), self.first)
        form.addRow(_("Repeat it"), self.second)
        hint = QLabel(_("At least 10 characters; a short sentence is easy to remember and hard to guess."), self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        form.addRow(hint)
        self.message = QLabel(self)
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
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

    def __init__(self, text: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("New recovery key"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(_("Write this key on paper and keep it in the centre's safe. "
                               "It is shown only now. The old recovery key no longer works."), self))
        key = QLabel(text, self)
        key.setObjectName("recoveryKey")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(18)
        font.setBold(True)
        key.setFont(font)
        key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(key)
        copy = QPushButton(_("&Copy"), self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(text))
        lay.addWidget(copy, alignment=Qt.AlignmentFlag.AlignLeft)
        self.confirmed = QCheckBox(_("I have written the recovery key down and stored it safely"), self)
        self.confirmed.setObjectName("recoveryConfirmed")
        lay.addWidget(self.confirmed)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.confirmed.toggled.connect(self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled)
        self.buttons.accepted.connect(self.accept)
        lay.addWidget(self.buttons)

    def reject(self) -> None:  # Esc must not close it before the key is written down
        if self.confirmed.isChecked():
            super().reject()


class SettingsPage(QWidget):
    language_changed = Signal()
    idle_changed = Signal(int)

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        outer = QVBoxLayout(self)
        inner = QWidget()
        outer.addWidget(scroll_area(inner))
        lay = QVBoxLayout(inner)
        lay.addWidget(heading(_("Settings"), inner))

        # language and own passphrase: everyone
        mine = QGroupBox(_("You"), inner)
        form = QFormLayout(mine)
        self.language = QComboBox(mine)
        self.language.setObjectName("language")
        self.language.addItem("Bahasa Indonesia", "id")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        self.language.setMaximumWidth(260)
        self.language.currentIndexChanged.connect(self._language)
        form.addRow(_("Language"), self.language)
        change = QPushButton(_("Change my passphrase…"), mine)
        change.setMaximumWidth(260)
        change.clicked.connect(self._change_passphrase)
        form.addRow(_("Passphrase"), change)
        lay.addWidget(mine)

        centre = QGroupBox(_("Centre"), inner)
        form = QFormLayout(centre)
        data = ws.centre_record().data
        form.addRow(_("Code"), QLabel(ws.centre_code, centre))
        self.centre_name = QLineEdit(data.get("name") or "", centre)
        self.centre_name.setObjectName("centreName")
        self.centre_type = vocab_combo(CENTRE_TYPES, empty=False, parent=centre)
        self.centre_type.setObjectName("centreType")
        self.centre_type.setCurrentIndex(max(0, self.centre_type.findData(data.get("type"))))
        self.province = QLineEdit(data.get("province") or "", centre)
        self.province.setObjectName("province")
        form.addRow(_("Name"), self.centre_name)
        form.addRow(_("Type"), self.centre_type)
        form.addRow(_("Province"), self.province)
        admin = ws.role == "admin"
        for w in (self.centre_name, self.province):
            w.setReadOnly(not admin)
            w.setMaximumWidth(420)
        self.centre_type.setEnabled(admin)
        if admin:
            save = QPushButton(_("Save centre details"), centre)
            save.setObjectName("saveCentre")
            save.clicked.connect(self._save_centre)
            form.addRow(save)
        lay.addWidget(centre)

        if ws.role == "admin":
            lay.addWidget(self._admin_box(inner))
        lay.addStretch(1)

    def _save_centre(self) -> None:
        try:
            self.ws.update_centre(self.centre_name.text(), self.province.text(), self.centre_type.currentData())
        except PantiError as exc:
            show_error(self, exc)
            return
        window = self.window()
        if hasattr(window, "setWindowTitle") and window is not self:
            window.setWindowTitle(_("Panti — {centre}").format(centre=self.ws.centre_name))
        self._info(_("The centre details were saved."))

    # everyone -------------------------------------------------------------------------

    def _language(self) -> None:
        lang = self.language.currentData()
        set_language(lang)
        try:
            self.ws.set_user_language(lang)
        except PantiError as exc:
            show_error(self, exc)
        apply_language(QApplication.instance())
        self.language_changed.emit()

    def _change_passphrase(self) -> None:
        dialog = NewPassphraseDialog(_("Change my passphrase"), self, with_current=True)
        if not dialog.exec():
            return
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            self.ws.change_passphrase(dialog.current.text(), dialog.passphrase())
        except PantiError as exc:
            QApplication.restoreOverrideCursor()
            show_error(self, exc)
            return
        QApplication.restoreOverrideCursor()
        self._info(_("Your passphrase was changed."))

    def _info(self, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(self, _("Settings"), text)

    # admin ------------------------------------------------------------------------------

    def _admin_box(self, parent: QWidget) -> QWidget:
        box = QGroupBox(_("Administration"), parent)
        lay = QVBoxLayout(box)
        idle_row = QHBoxLayout()
        idle_row.addWidget(QLabel(_("Lock the window after this many idle minutes:"), box))
        self.idle = QSpinBox(box)
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(1, 240)
        self.idle.setValue(self.ws.idle_lock_minutes)
        idle_row.addWidget(self.idle)
        save_idle = QPushButton(_("Save"), box)
        save_idle.setObjectName("saveIdle")
        save_idle.clicked.connect(self._save_idle)
        idle_row.addWidget(save_idle)
        idle_row.addStretch(1)
        lay.addLayout(idle_row)

        lay.addWidget(QLabel(_("Users"), box))
        self.users = make_table([_("Name"), _("Role"), _("Since")], box, "usersTable")
        self.users.setMinimumHeight(160)
        lay.addWidget(self.users)
        buttons = QHBoxLayout()
        for text, slot, name in ((_("&Add user…"), self._add_user, "addUser"),
                                 (_("Set a new passphrase…"), self._reset_user, "resetUser"),
                                 (_("&Remove user…"), self._remove_user, "removeUser")):
            b = QPushButton(text, box)
            b.setObjectName(name)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)

        regen = QPushButton(_("Make a new recovery key…"), box)
        regen.setObjectName("regenerateRecovery")
        regen.clicked.connect(self._regenerate)
        lay.addWidget(regen, alignment=Qt.AlignmentFlag.AlignLeft)
        self._fill_users()
        return box

    def _fill_users(self) -> None:
        users = [u for u in self.ws.users() if u.removed_at is None]
        fill_table(self.users, [[u.name, ROLES.label(u.role), fmt_date(u.created_at[:10])] for u in users],
                   [u.name for u in users])
        self.users.resizeColumnsToContents()

    def _selected_user(self) -> str | None:
        rows = self.users.selectionModel().selectedRows()
        if not rows:
            show_error(self, _("Choose a user in the list first."))
            return None
        return self.users.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def _save_idle(self) -> None:
        try:
            self.ws.set_setting("idle_lock_minutes", str(self.idle.value()))
        except PantiError as exc:
            show_error(self, exc)
            return
        self.idle_changed.emit(self.ws.idle_lock_minutes)

    def _add_user(self) -> None:
        dialog = NewPassphraseDialog(_("Add user"), self, with_user=True)
        if not dialog.exec():
            return
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            self.ws.add_user(dialog.name.text().strip(), dialog.role.currentData(), dialog.passphrase())
        except PantiError as exc:
            QApplication.restoreOverrideCursor()
            show_error(self, exc)
            return
        QApplication.restoreOverrideCursor()
        self._fill_users()

    def _reset_user(self) -> None:
        name = self._selected_user()
        if not name:
            return
        dialog = NewPassphraseDialog(_("New passphrase for {user}").format(user=name), self)
        if not dialog.exec():
            return
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            self.ws.reset_passphrase(name, dialog.passphrase())
        except PantiError as exc:
            QApplication.restoreOverrideCursor()
            show_error(self, exc)
            return
        QApplication.restoreOverrideCursor()
        self._info(_("{user} can now unlock with the new passphrase.").format(user=name))

    def _confirm_remove(self, name: str) -> bool:
        return confirm(self, _("Remove user"), _(
            "Remove {user}? Their key slot is deleted and every key they held is replaced; all "
            "records are re-sealed under the new keys. This cannot be undone.").format(user=name))

    def _remove_user(self) -> None:
        name = self._selected_user()
        if not name:
            return
        if name == self.ws.user.name:
            show_error(self, _("You cannot remove yourself."))
            return
        if not self._confirm_remove(name):
            return
        self.remove_user_in_background(name)

    def remove_user_in_background(self, name: str) -> Worker:
        """Key rotation re-seals every record: it runs off the UI thread behind a progress dialog."""
        main = self.window()
        if hasattr(main, "save_all"):
            main.save_all()
        progress = QProgressDialog(_("Removing {user} and re-sealing every record…").format(user=name),
                                   _("Cancel"), 0, 0, self)
        progress.setObjectName("rotationProgress")
        progress.setWindowTitle(_("Remove user"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.show()
        ws = self.ws

        def work(report, cancelled):
            return ws.remove_user(name, progress=report, cancelled=cancelled)

        worker = Worker(work)

        def advance(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)

        def done(rotated) -> None:
            progress.close()
            self._fill_users()
            self._info(_("{user} was removed; {n} keys were replaced.").format(user=name, n=len(rotated)))

        def failed(exc) -> None:
            progress.close()
            if isinstance(exc, Cancelled):
                self._info(str(exc))
            else:
                show_error(self, exc)

        worker.signals.progress.connect(advance)
        progress.canceled.connect(worker.cancel)
        self._progress = progress
        worker.signals.finished.connect(done)
        worker.signals.failed.connect(failed)
        self._worker = worker
        return worker.start()

    def _regenerate(self) -> None:
        if not confirm(self, _("New recovery key"), _(
                "Make a new recovery key? The old one stops working at once; the new one is shown only once.")):
            return
        try:
            text = self.ws.regenerate_recovery_key()
        except PantiError as exc:
            show_error(self, exc)
            return
        RecoveryKeyDialog(text, self).exec()
