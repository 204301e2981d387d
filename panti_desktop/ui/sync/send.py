"""The Send tab (Kirim): write a bundle of changes, a case transfer or statistics for a trusted peer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QStorageInfo, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...errors import Cancelled
from ...files import removable_drive
from ...i18n import _
from ...sync import exchange as X
from ...sync import peers as P
from ...sync.identity import may_sync
from ..common import Worker, confirm, note_label, run_with_progress, show_error
from .common import _notify, _period, _role_text


class _PeerChoice(QComboBox):
    """Trusted peers that are not revoked; the data of each item is its code."""

    def __init__(self, ws, parent: QWidget, name: str):
        super().__init__(parent)
        self.ws = ws
        self.setObjectName(name)
        self.setMinimumWidth(320)
        self.reload()

    def reload(self) -> None:
        current = self.currentData()
        self.blockSignals(True)  # the choice around it must not reset while the list is rebuilt
        try:
            self.clear()
            for p in P.peers(self.ws):
                if not p.revoked_at:
                    self.addItem(f"{p.code} — {p.name} ({_role_text(p.role)})", p.code)
            i = self.findData(current)
            if i >= 0:
                self.setCurrentIndex(i)
        finally:
            self.blockSignals(False)

    def peer(self) -> P.Peer | None:
        code = self.currentData()
        return P.peer(self.ws, code) if code else None


class SendTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.last_result: X.ExportResult | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("A bundle is signed by this centre and encrypted so that only the chosen peer can "
                              "open it. Carry it on a USB stick or send it by e-mail; the peer imports it and "
                              "sends back an acknowledgement, which you import in the Receive tab."), self))
        box = QGroupBox(_("Write a bundle"), self)
        form = QFormLayout(box)
        self.peer = _PeerChoice(ws, box, "sendPeer")
        self.peer.currentIndexChanged.connect(self._update)
        form.addRow(_("Send to"), self.peer)
        self.what = QButtonGroup(box)
        self.changes = QRadioButton(_("Everything the peer has not acknowledged yet"), box)
        self.changes.setObjectName("sendChanges")
        self.transfer = QRadioButton(_("Transfer one child's whole file to this centre"), box)
        self.transfer.setObjectName("sendTransfer")
        self.stats = QRadioButton(_("Only the de-identified statistics of a period (for headquarters)"), box)
        self.stats.setObjectName("sendStats")
        for i, b in enumerate((self.changes, self.transfer, self.stats)):
            self.what.addButton(b, i)
            b.toggled.connect(self._update)
        self.changes.setChecked(True)
        what = QVBoxLayout()
        for b in (self.changes, self.transfer, self.stats):
            what.addWidget(b)
        form.addRow(_("What"), what)
        self.child = QComboBox(box)
        self.child.setObjectName("sendChild")
        self.child.setMinimumWidth(320)
        form.addRow(_("Child"), self.child)
        period, self.start, self.end = _period(box, "send")
        form.addRow(_("Period"), period)
        dest = QHBoxLayout()
        self.folder = QLineEdit(ws.setting("sync_folder") or ws.setting("backup_folder") or "", box)
        self.folder.setObjectName("sendFolder")
        self.folder.setPlaceholderText(_("A folder on a USB stick, or any folder to attach the file to an e-mail"))
        choose = QPushButton(_("Choose…"), box)
        choose.clicked.connect(self._choose_folder)
        dest.addWidget(self.folder, 1)
        dest.addWidget(choose)
        form.addRow(_("Destination"), dest)
        self.drives = QHBoxLayout()
        form.addRow(_("Removable drives"), self.drives)
        self.write = QPushButton(_("&Write the bundle"), box)
        self.write.setObjectName("writeBundle")
        self.write.clicked.connect(lambda: self.export_to(Path(self.folder.text().strip()))
                                   if self.folder.text().strip() else show_error(
                                       self, _("Choose the folder to write the bundle to first.")))
        write_row = QHBoxLayout()
        write_row.addWidget(self.write)
        write_row.addStretch(1)
        form.addRow(write_row)
        lay.addWidget(box)
        self.result = QLabel("", self)
        self.result.setObjectName("sendResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.result)
        lay.addStretch(1)
        if not may_sync(ws):
            box.setEnabled(False)
            self.result.setText(_("Only a manager or an administrator writes and imports sync bundles."))
        self.refresh()

    def refresh(self) -> None:
        self.peer.reload()
        self._children_stale = True
        self._list_drives()
        self._update()

    def _fill_children(self) -> None:
        """The cases this centre can hand on, read only when a transfer is chosen (a
        headquarters may hold thousands)."""
        current = self.child.currentData()
        self.child.clear()
        gone = self.ws.handed_on()
        for cid in self.ws.child_ids():
            if cid in gone:
                continue
            r = self.ws.child_row(cid)
            self.child.addItem(f"{r.register_no} — {r.initials}", cid)
        i = self.child.findData(current)
        if i >= 0:
            self.child.setCurrentIndex(i)
        self._children_stale = False

    def _list_drives(self) -> None:
        while self.drives.count():
            item = self.drives.takeAt(0)
            if item.widget():
                item.widget().hide()
                item.widget().deleteLater()
        found = 0
        for v in QStorageInfo.mountedVolumes():
            root = v.rootPath()
            removable = removable_drive(root)  # on Windows by drive type: not C:, a network or a second disk
            if v.isValid() and v.isReady() and not v.isReadOnly() and removable:
                b = QPushButton(f"{v.displayName() or root} ({root})", self)
                b.clicked.connect(lambda _c=False, r=root: self.folder.setText(r))
                self.drives.addWidget(b)
                found += 1
        if not found:
            none = QLabel(_("None found; plug in a USB stick or choose a folder."), self)
            none.setStyleSheet("color: #555;")
            self.drives.addWidget(none)
        self.drives.addStretch(1)

    def _update(self) -> None:
        if not hasattr(self, "write"):  # still being built
            return
        p = self.peer.peer()
        is_hq = p is not None and p.role == "hq"
        self.transfer.setEnabled(p is not None and not is_hq)
        self.stats.setEnabled(is_hq)
        if (self.transfer.isChecked() and not self.transfer.isEnabled()) or (
                self.stats.isChecked() and not self.stats.isEnabled()):
            self.changes.setChecked(True)
        self.child.setEnabled(self.transfer.isChecked())
        if self.transfer.isChecked() and getattr(self, "_children_stale", True):
            self._fill_children()
        self.start.setEnabled(self.stats.isChecked())
        self.end.setEnabled(self.stats.isChecked())
        self.write.setEnabled(p is not None)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Where to write the bundle"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    def export_to(self, folder: Path) -> Worker | None:
        p = self.peer.peer()
        if p is None:
            show_error(self, _("Add a trusted peer first (Peers tab)."))
            return None
        ws = self.ws
        scope = "transfer" if self.transfer.isChecked() else "stats" if self.stats.isChecked() else "changes"
        child_id = self.child.currentData()
        if scope == "transfer":
            if not child_id:
                show_error(self, _("Choose the child whose file moves."))
                return None
            if not self._confirm_transfer(p):
                return None
        start, end = date.fromisoformat(self.start.iso()), date.fromisoformat(self.end.iso())
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if ws.setting("sync_folder") != str(folder):
                ws.set_setting("sync_folder", str(folder), admin_only=False)  # managers sync too
        except OSError as exc:
            show_error(self, _("The folder cannot be used: {error}").format(error=exc.strerror or exc))
            return None
        main = self.window()
        if hasattr(main, "save_all"):
            main.save_all()
        out = folder / X.default_name(ws, p.code, scope)

        def work(report, cancelled):
            if scope == "transfer":
                return X.export_child(ws, child_id, p.code, out, progress=report, cancelled=cancelled)
            if scope == "stats":
                return X.export_stats(ws, p.code, out, start, end)
            return X.export_changes(ws, p.code, out, progress=report, cancelled=cancelled)

        def done(res: X.ExportResult) -> None:
            self.last_result = res
            if res.scope == "transfer":
                text = _("Case transferred to {code}: {n} records in {path}. Its file here is now read-only.").format(
                    code=res.peer, n=res.records, path=res.path)
            elif res.scope == "stats":
                text = _("Statistics bundle {seq} for {code} written: {path} ({n} children counted, no names).").format(
                    seq=res.seq, code=res.peer, path=res.path, n=res.counts.get("children", 0))
            else:
                text = _("Bundle {seq} for {code} written: {n} records in {path}.").format(
                    seq=res.seq, code=res.peer, n=res.records, path=res.path)
            self.result.setText(text + "\n" + _("Send the file to {code}. When their acknowledgement comes back, "
                                                "import it in the Receive tab.").format(code=res.peer))
            self.refresh()
            _notify(self)

        def failed(exc) -> None:
            if isinstance(exc, Cancelled):
                self.result.setText(str(exc))
            elif isinstance(exc, OSError):
                show_error(self, _("The bundle could not be written ({error}); no bundle was left behind.").format(
                    error=exc.strerror or exc))
            else:
                show_error(self, exc)

        return run_with_progress(self, _("Sync"), _("Writing the bundle…"), "exportProgress", work, done, failed)

    def _confirm_transfer(self, p: P.Peer) -> bool:
        return confirm(self, _("Transfer a case"), _(
            "The whole file of {child} goes to {code}. From now on {code} holds the case; the file here becomes "
            "read-only. Continue?").format(child=self.child.currentText(), code=p.code))
