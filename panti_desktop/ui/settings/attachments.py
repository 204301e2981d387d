"""Pengaturan: how large an attached document may be, how much all of them may take, and whether
they go to headquarters (administrators change it; everyone sees it)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
)

from ... import attachments
from ...errors import PantiError
from ...i18n import _
from ..common import notify, show_error


class AttachmentLimitsBox(QGroupBox):
    def __init__(self, ws, parent=None):
        super().__init__(_("Documents"), parent)
        self.ws = ws
        form = QFormLayout(self)
        admin = ws.role == "admin"
        self.file_mb = QSpinBox(self)
        self.file_mb.setObjectName("attachmentFileMb")
        self.file_mb.setRange(1, 1000)
        self.file_mb.setSuffix(" MB")
        self.centre_mb = QSpinBox(self)
        self.centre_mb.setObjectName("attachmentCentreMb")
        self.centre_mb.setRange(1, 100_000)
        self.centre_mb.setSuffix(" MB")
        for w in (self.file_mb, self.centre_mb):
            w.setEnabled(admin)
            w.setMaximumWidth(140)
        form.addRow(_("Largest file"), self.file_mb)
        form.addRow(_("All documents of the centre together"), self.centre_mb)
        self.to_hq = QCheckBox(_("Send documents to headquarters with the sync bundles"), self)
        self.to_hq.setObjectName("attachmentsToHq")
        self.to_hq.setEnabled(admin)
        form.addRow("", self.to_hq)
        self.used = QLabel(self)
        form.addRow(_("In use"), self.used)
        if admin:
            save = QPushButton(_("Save"), self)
            save.setObjectName("saveAttachmentLimits")
            save.clicked.connect(self.save)
            row = QHBoxLayout()
            row.addWidget(save)
            row.addStretch(1)
            form.addRow(row)
        self.refresh()

    def refresh(self) -> None:
        self.file_mb.setValue(attachments.file_limit_mb(self.ws))
        self.centre_mb.setValue(attachments.centre_limit_mb(self.ws))
        self.to_hq.setChecked(attachments.sent_to_hq(self.ws))
        self.used.setText(_("{used} MB").format(used=f"{attachments.used_bytes(self.ws) / attachments.MB:.1f}"))

    def save(self) -> None:
        try:
            attachments.set_limits(self.ws, self.file_mb.value(), self.centre_mb.value())
            attachments.set_sent_to_hq(self.ws, self.to_hq.isChecked())
        except PantiError as exc:
            show_error(self, exc)
            return
        self.refresh()
        notify(self, _("Saved."))
