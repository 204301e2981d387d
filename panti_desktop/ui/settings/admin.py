"""Pengaturan, administration (admins): users, their profiles, case rules, the idle lock, the recovery key."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.vocab import ROLES
from ...errors import Cancelled, PantiError
from ...i18n import _
from ..common import (
    Worker,
    button_row,
    confirm,
    fmt_date,
    make_table,
    run_with_progress,
    show_error,
)
from ..forms import RecordDialog
from .dialogs import NewPassphraseDialog, RecoveryKeyDialog


class AdminSection:
    """The administration box of `SettingsPage`."""

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

        rules_row = QHBoxLayout()
        rules_row.addWidget(QLabel(_("Follow-ups after termination (months):"), box))
        self.follow_up_months = QLineEdit(", ".join(str(m) for m in self.ws.follow_up_pattern), box)
        self.follow_up_months.setObjectName("followUpMonths")
        self.follow_up_months.setMaximumWidth(140)
        rules_row.addWidget(self.follow_up_months)
        rules_row.addWidget(QLabel(_("Risk assessment valid for diversion (months):"), box))
        self.risk_months = QSpinBox(box)
        self.risk_months.setObjectName("riskMonths")
        self.risk_months.setRange(1, 24)
        self.risk_months.setValue(self.ws.risk_assessment_months)
        rules_row.addWidget(self.risk_months)
        save_rules = QPushButton(_("Save"), box)
        save_rules.setObjectName("saveCaseRules")
        save_rules.clicked.connect(self._save_case_rules)
        rules_row.addWidget(save_rules)
        rules_row.addStretch(1)
        lay.addLayout(rules_row)

        lay.addWidget(QLabel(_("Users"), box))
        self.users = make_table([_("Name"), _("Role"), _("Since")], box, "usersTable")
        self.users.setMinimumHeight(160)
        lay.addWidget(self.users)
        lay.addLayout(button_row(box, [(_("&Add user…"), "addUser", self._add_user),
                                       (_("Set a new passphrase…"), "resetUser", self._reset_user),
                                       (_("Name and position…"), "editProfile", self._edit_selected_profile),
                                       (_("&Remove user…"), "removeUser", self._remove_user)]))

        regen = QPushButton(_("Make a new recovery key…"), box)
        regen.setObjectName("regenerateRecovery")
        regen.clicked.connect(self._regenerate)
        lay.addWidget(regen, alignment=Qt.AlignmentFlag.AlignLeft)
        self._fill_users()
        return box

    def _fill_users(self) -> None:
        users = [u for u in self.ws.users() if u.removed_at is None]
        self.users.set_rows([[u.name, ROLES.label(u.role), fmt_date(u.created_at[:10])] for u in users],
                            [u.name for u in users])
        self.users.resizeColumnsToContents()

    def _selected_user(self) -> str | None:
        name = self.users.selected_data()
        if name is None:
            show_error(self, _("Choose a user in the list first."))
        return name

    def profile_dialog(self, user_id: str) -> RecordDialog:
        """The full name, NIP or staff number, position and phone that reports sign with."""
        current = self.ws.user_profile(user_id)
        record = self.ws.get_record("user_profile", current["id"]) if current.get("id") else None
        return RecordDialog(self.ws, "user_profile", record=record, parent=self, defaults={"user_id": user_id},
                            fields=["full_name", "staff_no", "position", "phone"])

    def edit_profile(self, user_id: str) -> None:
        try:
            dialog = self.profile_dialog(user_id)
        except PantiError as exc:
            show_error(self, exc)
            return
        if dialog.exec():
            self._info(_("The profile was saved."))

    def _edit_selected_profile(self) -> None:
        name = self._selected_user()
        if name is not None:
            self.edit_profile(self.ws.user_id(name))

    def _save_case_rules(self) -> None:
        try:
            self.ws.set_case_rules(self.follow_up_months.text(), self.risk_months.value())
        except PantiError as exc:
            show_error(self, exc)
            return
        self.follow_up_months.setText(", ".join(str(m) for m in self.ws.follow_up_pattern))
        self._info(_("Saved."))

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
        ws = self.ws

        def done(rotated) -> None:
            self._fill_users()
            self._info(_("{user} was removed; {n} keys were replaced.").format(user=name, n=len(rotated)))

        def failed(exc) -> None:
            if isinstance(exc, Cancelled):
                self._info(str(exc))
            else:
                show_error(self, exc)

        return run_with_progress(
            self, _("Remove user"), _("Removing {user} and re-sealing every record…").format(user=name),
            "rotationProgress",
            lambda report, cancelled: ws.remove_user(name, progress=report, cancelled=cancelled), done, failed)

    def _regenerate(self) -> None:
        if not confirm(self, _("New recovery key"), _(
                "Make a new recovery key? The old one stops working at once; the new one is shown only once.")):
            return
        try:
            text = self.ws.regenerate_recovery_key()
        except PantiError as exc:
            show_error(self, exc)
            return
        RecoveryKeyDialog(text, self, ws=self.ws).exec()
