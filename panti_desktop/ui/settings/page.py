"""Pengaturan: language and passphrase for everyone; users, idle lock, recovery key for admins.

The page assembles its boxes; retention, backups and administration each live in a module
of their own (`retention.py`, `backup.py`, `admin.py`) as a section class the page inherits."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.vocab import CENTRE_TYPES
from ...errors import PantiError
from ...i18n import _, current_language, set_language
from ..common import (
    apply_language,
    heading,
    scroll_area,
    show_error,
    vocab_combo,
)
from .admin import AdminSection
from .attachments import AttachmentLimitsBox
from .backup import BackupSection
from .dialogs import NewPassphraseDialog
from .retention import RetentionSection


class SettingsPage(RetentionSection, BackupSection, AdminSection, QWidget):
    """Pengaturan: one box per concern; the role decides which boxes show."""

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
