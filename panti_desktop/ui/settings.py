"""Pengaturan: language and passphrase for everyone; users, idle lock, recovery key for admins."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
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
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..domain.vocab import CENTRE_TYPES, ROLES
from ..errors import Cancelled, PantiError
from ..i18n import _, current_language, set_language
from .attachment_settings import AttachmentLimitsBox
from .common import (
    PassphraseField,
    Worker,
    apply_language,
    button_row,
    confirm,
    fixed_font,
    fmt_date,
    heading,
    make_table,
    message_label,
    new_passphrase_rows,
    note_label,
    notify,
    run_with_progress,
    scroll_area,
    show_error,
    vocab_combo,
)
from .forms import RecordDialog
from .tables import Cell


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
        from .setup_wizard import save_recovery_kit

        save_recovery_kit(self, ws, text)

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
        profile = QPushButton(_("My name and position for reports…"), mine)
        profile.setObjectName("editMyProfile")
        profile.setMaximumWidth(260)
        profile.clicked.connect(lambda: self.edit_profile(ws.user.id))
        form.addRow(_("Signature"), profile)
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
        lay.addWidget(AttachmentLimitsBox(ws, inner))

        if ws.role in ("admin", "manager"):
            lay.addWidget(self._retention_box(inner))
        if ws.role == "admin":
            lay.addWidget(self._backup_box(inner))
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

    # retention --------------------------------------------------------------------------

    def _retention_box(self, parent: QWidget) -> QWidget:
        box = QGroupBox(_("Retention"), parent)
        lay = QVBoxLayout(box)
        note = QLabel(_("Ended cases and the day their retention period runs out. Record types with a shorter "
                        "period (sessions, assessments) can be erased when theirs has passed, the rest of the case "
                        "stays until its own period ends; a legal hold keeps everything."), box)
        note.setWordWrap(True)
        lay.addWidget(note)
        self.retention_table = make_table([_("Register no."), _("Status"), _("Ended"), _("Retention until"),
                                           _("Legal hold"), _("Due now")], box, "retentionTable")
        self.retention_table.setMinimumHeight(140)
        self.retention_table.selection_changed.connect(self._show_retention_detail)
        lay.addWidget(self.retention_table)
        self.retention_detail = QLabel(box)
        self.retention_detail.setObjectName("retentionDetail")
        self.retention_detail.setWordWrap(True)
        self.retention_detail.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.retention_detail)
        self.erased_in_backups = QLabel(box)
        self.erased_in_backups.setObjectName("erasedInBackups")
        self.erased_in_backups.setWordWrap(True)
        self.erased_in_backups.setStyleSheet("color: #7a5200;")
        lay.addWidget(self.erased_in_backups)
        lay.addLayout(button_row(box, [(_("Place a legal &hold…"), "placeHold", self._place_hold),
                                       (_("&Erase what is due…"), "eraseCase", self._erase)]))
        self.refresh_retention()
        return box

    @staticmethod
    def _due_now(item) -> str:
        from .. import retention

        if item.past_due:
            return _("Whole case")
        if item.partial and len(item.kinds_due) <= 3:
            return _("Part: {kinds}").format(kinds=", ".join(retention.kind_label(k) for k in item.kinds_due))
        if item.partial:  # the list is under the table for the chosen case
            return _("Part: {n} of {total} record types").format(n=len(item.kinds_due), total=len(item.due_by_kind))
        return ""

    def refresh_retention(self) -> None:
        from .. import retention
        from ..domain.vocab import LIFECYCLE_STATES

        self.retention_items = retention.review(self.ws)
        rows = [[i.register_no, LIFECYCLE_STATES.label(i.status), fmt_date(i.ended_on),
                 fmt_date(i.due_on) + ("  ⚠" if i.past_due else ""),
                 _("until {date}").format(date=fmt_date(i.hold_until)) if i.hold_until else "",
                 Cell(self._due_now(i), tooltip=self._retention_detail_text(i))]
                for i in self.retention_items]
        self.retention_table.set_rows(rows, [i.child_id for i in self.retention_items])
        self.retention_table.resizeColumnsToContents()
        self._show_retention_detail()
        from ..backup import backups_holding_erased

        holding = backups_holding_erased(self.ws)
        self.erased_in_backups.setVisible(bool(holding))
        self.erased_in_backups.setText(_("These backups were made before the last erasure and still hold erased "
                                         "records; delete them when they are no longer needed:") + "\n" + "\n".join(
            f"{h['path']} ({fmt_date(h['created_at'][:10])})" for h in holding))

    def _retention_detail_text(self, item) -> str:
        """What of a case is due now and what is kept until when."""
        from .. import retention

        if item.past_due:
            text = _("{no}: the retention of the whole case has run out; it can be erased.").format(
                no=item.register_no)
        elif item.partial:
            text = _("{no}: due now: {kinds}. Kept: {kept}.").format(
                no=item.register_no, kinds=", ".join(retention.kind_label(k) for k in item.kinds_due),
                kept=retention.kept_text(item, fmt_date))
        else:
            text = _("{no}: nothing is due yet. Kept: {kept}.").format(
                no=item.register_no, kept=retention.kept_text(item, fmt_date))
        if item.hold_until:
            text += " " + _("A legal hold until {date} keeps everything: {reason}").format(
                date=fmt_date(item.hold_until), reason=item.hold_reason or "")
        return text

    def _show_retention_detail(self) -> None:
        row = self.retention_table.selected_row()
        item = self.retention_items[row] if row is not None and row < len(self.retention_items) else None
        self.retention_detail.setVisible(item is not None)
        self.retention_detail.setText(self._retention_detail_text(item) if item is not None else "")

    def _selected_case(self):
        row = self.retention_table.selected_row()
        if row is None:
            show_error(self, _("Choose a case in the list first."))
            return None
        return self.retention_items[row]

    def _place_hold(self) -> None:
        from .. import retention
        from .common import DateEdit

        item = self._selected_case()
        if item is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(_("Legal hold for {no}").format(no=item.register_no))
        form = QFormLayout(dialog)
        reason = QLineEdit(dialog)
        until = DateEdit(dialog, optional=False)
        form.addRow(_("Reason"), reason)
        form.addRow(_("Until"), until)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if not self._exec_hold_dialog(dialog, reason, until):
            return
        try:
            retention.place_hold(self.ws, item.child_id, reason.text(), until.iso())
        except PantiError as exc:
            show_error(self, exc)
            return
        self.refresh_retention()

    def _exec_hold_dialog(self, dialog, reason, until) -> bool:
        return bool(dialog.exec())

    def _erase_question(self, item) -> str:
        """The confirmation text: exactly what will be erased."""
        from .. import retention

        if not item.partial:
            return _("Erase case {no}? Every record of this child is deleted from this laptop for good; only an "
                     "erasure record that identifies no one remains. Backups made earlier still hold the case "
                     "until they rotate.").format(no=item.register_no)
        return _("Erase these records of case {no}: {kinds}? They are deleted from this laptop for good, and from "
                 "headquarters and the centres holding a copy once they import the next sync bundle. The rest of the case is kept: {kept}. "
                 "Backups made earlier still hold the records until they rotate.").format(
            no=item.register_no, kinds=", ".join(retention.kind_label(k) for k in item.kinds_due),
            kept=retention.kept_text(item, fmt_date))

    def _confirm_erase(self, item) -> bool:
        title = _("Erase records") if item.partial else _("Erase case")
        return confirm(self, title, self._erase_question(item))

    def _erase(self) -> None:
        from .. import retention

        item = self._selected_case()
        if item is None:
            return
        # a case held or not due yet: erase() says why it cannot, without asking first
        if item.due and not item.hold_until and not self._confirm_erase(item):
            return
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            done = retention.erase(self.ws, item.child_id, reason=_("retention period ended"))
        except PantiError as exc:
            QApplication.restoreOverrideCursor()
            show_error(self, exc)
            return
        QApplication.restoreOverrideCursor()
        self.refresh_retention()
        if done.whole:
            self._info(_("Case {no} was erased; an erasure record that identifies no one was kept.").format(
                no=done.register_no))
        else:
            self._info(_("From case {no}, the records of these types were erased (past their retention period, {n} "
                         "in all): {kinds}. The rest of the case is kept until its own retention period ends.").format(
                no=done.register_no, n=done.records, kinds=", ".join(retention.kind_label(k) for k in done.kinds)))

    # backups ----------------------------------------------------------------------------

    def _backup_box(self, parent: QWidget) -> QWidget:
        box = QGroupBox(_("Backup"), parent)
        form = QFormLayout(box)
        last = self.ws.last_verified_backup()
        self.backup_status = QLabel(_("Last verified backup: {date}").format(date=fmt_date(last[:10])) if last
                                    else _("No verified backup yet."), box)
        self.backup_status.setObjectName("backupStatus")
        form.addRow(self.backup_status)
        row = QHBoxLayout()
        self.backup_folder = QLineEdit(self.ws.setting("backup_folder") or "", box)
        self.backup_folder.setObjectName("backupFolder")
        self.backup_folder.setPlaceholderText(_("A folder on a USB stick or another disk"))
        choose = QPushButton(_("Choose…"), box)
        choose.clicked.connect(self._choose_backup_folder)
        row.addWidget(self.backup_folder, 1)
        row.addWidget(choose)
        form.addRow(_("Destination"), row)
        self.backup_keep = QSpinBox(box)
        self.backup_keep.setObjectName("backupKeep")
        self.backup_keep.setRange(1, 100)
        self.backup_keep.setValue(self.ws.backup_keep)
        form.addRow(_("Backups to keep on the destination"), self.backup_keep)
        self.backup_age = QSpinBox(box)
        self.backup_age.setObjectName("backupAge")
        self.backup_age.setRange(1, 365)
        self.backup_age.setValue(self.ws.backup_max_age_days)
        form.addRow(_("Warn when the last backup is older than (days)"), self.backup_age)
        self.backup_saved = QLabel("", box)  # "Saved." after the button; cleared on the next change
        self.backup_saved.setObjectName("backupSaved")
        self.backup_saved.setStyleSheet("color: #1b5e20;")
        form.addRow(self.backup_saved)
        for signal in (self.backup_folder.textChanged, self.backup_keep.valueChanged, self.backup_age.valueChanged):
            signal.connect(lambda *_a: self.backup_saved.setText(""))
        form.addRow(button_row(box, [(_("Save these settings"), "saveBackupSettings", self.save_backup_settings),
                                     (_("&Make a backup now"), "makeBackup", self.start_backup),
                                     (_("Check a backup file…"), "checkBackup", self._check_backup)]))
        form.addRow(note_label(_("A backup is encrypted as a whole: it opens only with an administrator's passphrase "
                                 "or the recovery key. To restore one, use: panti-desktop restore FILE."), box))
        return box

    def _choose_backup_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, _("Where to write backups"), self.backup_folder.text())
        if folder:
            self.backup_folder.setText(folder)

    def save_backup_settings(self, quiet: bool = False) -> bool:
        """Store the destination, how many backups to keep and the warning age (also done before
        each backup); says so unless `quiet`."""
        values = (("backup_folder", self.backup_folder.text().strip()),
                  ("backup_keep", str(self.backup_keep.value())),
                  ("backup_max_age_days", str(self.backup_age.value())))
        try:
            for key, value in values:
                if self.ws.setting(key) != value:
                    self.ws.set_setting(key, value)
        except PantiError as exc:
            show_error(self, exc)
            return False
        if not quiet:
            notify(self, _("The backup settings were saved."))
            self.backup_saved.setText(_("Saved."))
        return True

    def start_backup(self) -> Worker | None:
        from .. import backup

        folder = self.backup_folder.text().strip()
        if not folder:
            show_error(self, _("Choose the folder to write the backup to first."))
            return None
        if not self.save_backup_settings(quiet=True):
            return None
        main = self.window()
        if hasattr(main, "save_all"):
            main.save_all()
        ws = self.ws
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # the stick is not plugged in, or its drive letter changed
            show_error(self, backup.folder_unusable(Path(folder), exc))
            return None

        def done(info) -> None:
            self.backup_status.setText(_("Last verified backup: {date}").format(date=fmt_date(info.created_at[:10])))
            self._info(_("The backup was written and verified: {path}").format(path=info.path) + "\n\n"
                       + backup.what_was_checked())

        def failed(exc) -> None:
            if isinstance(exc, OSError):
                show_error(self, _("The backup could not be written ({error}). Earlier backups were not "
                                   "touched.").format(error=exc.strerror or exc))
            elif isinstance(exc, Cancelled):
                self._info(str(exc))
            else:
                show_error(self, exc)

        return run_with_progress(
            self, _("Backup"), _("Writing and checking the backup…"), "backupProgress",
            lambda report, cancelled: backup.create_backup(ws, Path(folder), progress=report, cancelled=cancelled),
            done, failed)

    def _check_backup(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getOpenFileName(self, _("Check a backup file"), self.backup_folder.text(),
                                                    _("Panti backups (*.pantibak)"))
        if path:
            self.check_backup(Path(path))

    def check_backup(self, path: Path) -> bool:
        from .. import backup

        master = self.ws.master_key_for_backups()
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            info = backup.verify_backup(path, master=master, stage_in=self.ws.data_dir)
        except PantiError as exc:
            QApplication.restoreOverrideCursor()
            show_error(self, _("{error} A backup made before the keys were last replaced opens only with the "
                               "recovery key: panti-desktop backup verify FILE --recovery-key.").format(error=exc))
            return False
        QApplication.restoreOverrideCursor()
        self._info(_("The backup is complete and intact: centre {code}, made {when}, {children} children, "
                     "{sessions} sessions, {users} users.").format(
            code=info.centre_code, when=info.created_at.replace("T", " ")[:16],
            children=info.counts.get("child", 0), sessions=info.counts.get("session", 0),
            users=info.counts.get("user", 0)) + "\n\n" + backup.what_was_checked())
        return True

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
