"""Pengaturan, backups (admins): the folder, a backup now, checking a backup file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...errors import Cancelled, PantiError
from ...i18n import _
from ..common import (
    Worker,
    button_row,
    fmt_date,
    note_label,
    notify,
    run_with_progress,
    show_error,
)


class BackupSection:
    """The backup box of `SettingsPage`."""

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
        from ... import backup

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
        from ... import backup

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
