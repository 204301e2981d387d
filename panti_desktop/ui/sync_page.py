"""Sinkronisasi: send and receive sync bundles, their history, conflicts and trusted peers.

At headquarters a first tab shows every centre side by side. Export and import run
off the UI thread behind a progress dialog with Cancel; an import is always
previewed first and applied only when the user says so. Dialogs (choosing files,
confirming) are kept apart from the actions, which take paths, so tests drive the
actions directly.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QStorageInfo, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..dates import long_date
from ..domain.records import RECORD_TYPES
from ..errors import Cancelled, PantiError
from ..i18n import _
from ..sync import exchange as X
from ..sync import hq as H
from ..sync import peers as P
from .common import (
    DateEdit,
    Worker,
    confirm,
    fmt_date,
    heading,
    make_table,
    note_label,
    open_file,
    run_busy,
    run_with_progress,
    show_error,
)
from .tables import Cell

MANAGERS = ("manager", "admin")


def _role_text(role: str) -> str:
    return _("Headquarters") if role == "hq" else _("Centre")


def _scope_text(scope: str) -> str:
    return {"changes": _("changes"), "transfer": _("case transfer"), "stats": _("statistics"),
            "ack": _("acknowledgement")}.get(scope, scope)


def _when(iso: str | None) -> str:
    return fmt_date(iso[:10]) + " " + iso[11:16] if iso else ""


def _result_lines(res: X.ImportResult) -> list[str]:
    """What an import did (or would do), in sentences."""
    lines = [res.summary()]
    if res.transfers:
        lines.append(_("Case transfers: {n}").format(n=res.transfers))
    if res.acked:
        lines.append(_("{n} of our bundles were acknowledged.").format(n=res.acked))
    if res.gaps:
        lines.append(_("Bundles not yet received from {code}: {seqs}. They can still be imported later.").format(
            code=res.sender, seqs=", ".join(str(n) for n in res.gaps)))
    lines += [_("Warning: {text}").format(text=w) for w in res.warnings]
    if res.conflicts or res.duplicates:
        lines.append(_("Open the Conflicts tab: a manager decides which version stays."))
    return lines


def _period(parent: QWidget, name: str) -> tuple[QHBoxLayout, DateEdit, DateEdit]:
    """From–to date pickers on one line, the last twelve months by default."""
    row = QHBoxLayout()
    start = DateEdit(parent, optional=False)
    start.setObjectName(name + "From")
    start.set_iso(date.today() - timedelta(days=365))
    end = DateEdit(parent, optional=False)
    end.setObjectName(name + "Until")
    row.addWidget(start)
    row.addWidget(QLabel("–", parent))
    row.addWidget(end)
    row.addStretch(1)
    return row, start, end


def _notify(widget: QWidget) -> None:
    """Tell the Sync page something changed, so its other tabs show the new state."""
    page = widget.parent()
    while page is not None and not isinstance(page, SyncPage):
        page = page.parent()
    if page is not None:
        page.refresh_others(widget)


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


# --- Kirim ---------------------------------------------------------------------------------


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
        if ws.role != "admin":
            box.setEnabled(False)
            self.result.setText(_("Only an administrator writes and imports sync bundles."))
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
            removable = root.startswith(("/media/", "/run/media/", "/mnt/", "/Volumes/")) or (
                len(root) <= 3 and root[:1].upper() not in ("C", "") and root[1:2] == ":")
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
                ws.set_setting("sync_folder", str(folder))
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


# --- Terima --------------------------------------------------------------------------------


class ReceiveTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.path: Path | None = None
        self.last_result: X.ImportResult | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("Import a bundle or an acknowledgement from a peer. You first see what it would "
                              "change; nothing changes until you apply it. A refused file changes nothing."), self))
        self.choose = QPushButton(_("&Choose a file to import…"), self)
        self.choose.setObjectName("chooseBundle")
        self.choose.clicked.connect(self._choose)
        lay.addWidget(self.choose, 0, Qt.AlignmentFlag.AlignLeft)
        self.preview_box = QTextBrowser(self)
        self.preview_box.setObjectName("importPreview")
        self.preview_box.setMinimumHeight(160)
        lay.addWidget(self.preview_box, 1)
        buttons = QHBoxLayout()
        self.apply_button = QPushButton(_("&Apply"), self)
        self.apply_button.setObjectName("applyImport")
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button = QPushButton(_("Do not import"), self)
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.clicked.connect(self._forget)
        self.ack_button = QPushButton(_("Write a new acknowledgement"), self)
        self.ack_button.setObjectName("writeAck")
        self.ack_button.clicked.connect(self.write_ack)
        for b in (self.apply_button, self.cancel_button, self.ack_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        self._forget()
        if ws.role != "admin":
            self.choose.setEnabled(False)
            self.preview_box.setPlainText(_("Only an administrator writes and imports sync bundles."))

    def refresh(self) -> None:
        pass

    def _forget(self) -> None:
        self.path = None
        self.apply_button.hide()
        self.cancel_button.hide()
        self.ack_button.hide()
        if self.ws.role == "admin":
            self.preview_box.setPlainText(_("No file chosen."))

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import a sync bundle"),
                                                    self.ws.setting("sync_folder") or "",
                                                    _("Panti sync bundles (*.pantisync)"))
        if path:
            self.preview(Path(path))

    def _show(self, title: str, lines: list[str]) -> None:
        html = f"<h3>{_esc(title)}</h3>" + "".join(f"<p>{_esc(line)}</p>" for line in lines)
        self.preview_box.setHtml(html)

    def preview(self, path: Path) -> Worker:
        self._forget()
        self.path = Path(path)
        ws = self.ws

        def done(res: X.ImportResult) -> None:
            head = _("Bundle {seq} from {code} ({scope}), {n} records. Nothing has changed yet:").format(
                seq=res.seq, code=res.sender, scope=_scope_text(res.scope), n=res.records) if res.scope != "ack" \
                else _("An acknowledgement from {code}. Nothing has changed yet:").format(code=res.sender)
            lines = [_("{n} of our bundles were acknowledged.").format(n=res.acked)] if res.scope == "ack" \
                else _result_lines(res)
            self._show(head, lines)
            self.apply_button.show()
            self.cancel_button.show()

        def failed(exc) -> None:
            if isinstance(exc, X.AlreadyImported):
                self._show(_("Already imported"), [str(exc), _("If the peer did not get the acknowledgement, "
                                                             "write a new one and send it.")])
                self.ack_button.show()
                return
            self.path = None
            self._show(_("This file was refused"), [str(exc) if isinstance(exc, PantiError) else
                                                    _("An unexpected error occurred. Nothing already saved was lost.")])
            show_error(self, exc)

        return run_with_progress(self, _("Sync"), _("Checking the bundle…"), "previewProgress",
                                 lambda report, cancelled: X.import_bundle(ws, self.path, preview=True,
                                                                           progress=report, cancelled=cancelled),
                                 done, failed)

    def apply(self) -> Worker | None:
        if self.path is None:
            return None
        path = self.path
        ws = self.ws
        main = self.window()
        if hasattr(main, "save_all"):
            main.save_all()

        def done(res: X.ImportResult) -> None:
            self.last_result = res
            self.apply_button.hide()
            self.cancel_button.hide()
            self.path = None
            head = _("Imported bundle {seq} from {code}:").format(seq=res.seq, code=res.sender) \
                if res.scope != "ack" else _("Acknowledgement from {code} imported.").format(code=res.sender)
            lines = _result_lines(res) if res.scope != "ack" else [
                _("{n} of our bundles were acknowledged.").format(n=res.acked)]
            if res.ack_path:
                lines.append(_("Acknowledgement for {code} written: {path} (send it back to them).").format(
                    code=res.sender, path=res.ack_path))
            self._show(head, lines)
            _notify(self)

        def failed(exc) -> None:
            if isinstance(exc, Cancelled):
                self._show(_("Cancelled"), [str(exc)])
                return
            self._show(_("This file was refused"), [str(exc) if isinstance(exc, PantiError) else
                                                    _("An unexpected error occurred. Nothing already saved was lost.")])
            show_error(self, exc)

        return run_with_progress(self, _("Sync"), _("Importing…"), "importProgress",
                                 lambda report, cancelled: X.import_bundle(ws, path, progress=report,
                                                                           cancelled=cancelled), done, failed)

    def write_ack(self) -> Path | None:
        if self.path is None:
            return None
        try:
            sender = str(X.read_header(self.path).get("sender", ""))
            out = X.write_ack(self.ws, sender, self.path.with_name(
                f"{self.ws.centre_code}-ack-to-{sender}{X.SUFFIX}"))
        except (PantiError, OSError) as exc:
            show_error(self, exc if isinstance(exc, PantiError) else _("The file could not be written: {error}").format(
                error=getattr(exc, "strerror", None) or exc))
            return None
        self._show(_("Acknowledgement written"), [_("A new acknowledgement for {code} was written: {path}").format(
            code=sender, path=out)])
        self.ack_button.hide()
        return out


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- Riwayat -------------------------------------------------------------------------------


class HistoryTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(_("Per peer"), self))
        self.status = make_table([_("Peer"), _("Sent"), _("Unacknowledged"), _("Last sent"), _("Received"),
                                  _("Last received"), _("Missing")], self, "peerStatus")
        self.status.setMaximumHeight(170)
        lay.addWidget(self.status)
        self.gaps = QLabel("", self)
        self.gaps.setObjectName("gaps")
        self.gaps.setWordWrap(True)
        self.gaps.setStyleSheet("color: #9a3412; font-weight: bold;")
        lay.addWidget(self.gaps)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Bundles"), self))
        self.filter = QComboBox(self)
        self.filter.setObjectName("historyPeer")
        self.filter.currentIndexChanged.connect(self._fill_history)
        top.addWidget(self.filter)
        top.addStretch(1)
        lay.addLayout(top)
        self.history = make_table([_("When"), _("Direction"), _("Peer"), _("Kind"), _("Number"), _("Records"),
                                   _("Acknowledged"), _("Summary")], self, "bundleHistory")
        lay.addWidget(self.history, 1)

    def refresh(self) -> None:
        items = X.peer_status(self.ws)
        self.status.set_rows([[f"{s.peer.code} — {s.peer.name}" + (" (" + _("revoked") + ")"
                                                                   if s.peer.revoked_at else ""),
                               str(s.sent), str(s.unacked), _when(s.last_sent), str(s.received),
                               _when(s.last_received),
                               Cell(", ".join(str(g) for g in s.gaps), colour="#9a3412") if s.gaps else "—"]
                              for s in items])
        self.status.resizeColumnsToContents()
        gaps = [_("Bundles not yet received from {code}: {seqs}. They can still be imported later.").format(
            code=s.peer.code, seqs=", ".join(str(n) for n in s.gaps)) for s in items if s.gaps]
        self.gaps.setText("\n".join(gaps))
        self.gaps.setVisible(bool(gaps))
        current = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem(_("All peers"), None)
        for s in items:
            self.filter.addItem(s.peer.code, s.peer.code)
        i = self.filter.findData(current)
        self.filter.setCurrentIndex(max(i, 0))
        self.filter.blockSignals(False)
        self._fill_history()

    def _fill_history(self) -> None:
        rows = []
        for b in X.history(self.ws, self.filter.currentData()):
            summary = b["summary"] if isinstance(b["summary"], dict) else {}
            text = summary.get("summary") or (", ".join(f"{k} {v}" for k, v in summary.items()
                                                        if isinstance(v, int)) if summary else "")
            text += "".join(" ⚠ " + w for w in summary.get("warnings") or [])
            rows.append([_when(b["at"]), _("received") if b["direction"] == "in" else _("sent"), b["peer"],
                         _scope_text(b["scope"]), str(b["seq"] or "—"), str(b["records"]),
                         _when(b["acked_at"]) if b["direction"] == "out" and b["scope"] != "ack" else "",
                         text])
        self.history.set_rows(rows)
        self.history.resizeColumnsToContents()


# --- Konflik -------------------------------------------------------------------------------


def _value_text(kind_name: str, name: str, value, ws=None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    cls = RECORD_TYPES.get(kind_name)
    try:
        meta = cls.field_meta(name) if cls else {}
    except KeyError:
        meta = {}
    t = meta.get("type")
    if t == "date":
        return fmt_date(value)
    if t == "bool":
        return _("yes") if value else _("no")
    if t == "code":
        return meta["vocab"].label(value)
    if t == "codes":
        return ", ".join(meta["vocab"].label(v) for v in value)
    if t == "ref" and ws is not None:
        user = ws.user_name(value)
        return user if user != value else _("a user of another installation")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)[:200]
    return str(value)


def _field_label(kind_name: str, name: str) -> str:
    cls = RECORD_TYPES.get(kind_name)
    return cls.field_label(name) if cls else name


class ConflictsTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.items: list[X.Conflict] = []
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_(
            "When two places changed the same record, the version with the later clock is used everywhere and the "
            "other is kept here. A manager decides: keep the version in use, keep the other one, or combine them "
            "field by field. The decision travels to the other places with the next bundles."), self))
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = make_table([_("Register no."), _("Record"), _("Conflict"), _("Fields")], split,
                                "conflictList")
        self.table.selection_changed.connect(self._show_selected)
        split.addWidget(self.table)
        detail = QWidget(split)
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("", detail)
        self.title.setWordWrap(True)
        dl.addWidget(self.title)
        self.fields = make_table([_("Field"), _("Version in use"), _("Other version"), _("Keep")], detail,
                                 "conflictFields")
        self.fields.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.field_names: list[str] = []
        self.field_choices: dict[str, QComboBox] = {}
        header = self.fields.horizontalHeader()
        for col, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch,
                                    QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(col, mode)
        dl.addWidget(self.fields, 1)
        buttons = QHBoxLayout()
        self.keep_mine = QPushButton(_("Keep the version in use"), detail)
        self.keep_mine.setObjectName("keepMine")
        self.keep_mine.clicked.connect(lambda: self.resolve("mine"))
        self.keep_theirs = QPushButton(_("Keep the other version"), detail)
        self.keep_theirs.setObjectName("keepTheirs")
        self.keep_theirs.clicked.connect(lambda: self.resolve("theirs"))
        self.keep_merged = QPushButton(_("Save the combination chosen above"), detail)
        self.keep_merged.setObjectName("keepMerged")
        self.keep_merged.clicked.connect(lambda: self.resolve("merged"))
        self.keep_both = QPushButton(_("They are different children"), detail)
        self.keep_both.setObjectName("keepBoth")
        self.keep_both.clicked.connect(lambda: self.resolve("both"))
        for b in (self.keep_mine, self.keep_theirs, self.keep_merged, self.keep_both):
            buttons.addWidget(b)
        buttons.addStretch(1)
        dl.addLayout(buttons)
        split.addWidget(detail)
        split.setSizes([130, 470])
        lay.addWidget(split, 1)
        self.may_resolve = ws.role in MANAGERS
        if not self.may_resolve:
            lay.addWidget(note_label(_("Only a manager or an administrator resolves conflicts."), self))
        self._show_selected()

    def refresh(self) -> None:
        self.items = X.list_conflicts(self.ws)
        reasons = {"concurrent": _("edited at two places"), "deleted": _("deleted at one place, edited at another"),
                   "duplicate": _("may be the same child registered twice")}
        rows = []
        for c in self.items:
            if c.reason == "duplicate":
                what = f"{c.mine_version} / {c.theirs_version}"
            else:
                what = ", ".join(_field_label(c.kind, f) for f in c.changed_fields()[:5])
            rows.append([c.register_no or "—", RECORD_TYPES[c.kind].TITLE.text() if c.kind in RECORD_TYPES
                         else c.kind, reasons.get(c.reason, c.reason), what])
        self.table.set_rows(rows, [c.id for c in self.items])
        self.table.resizeColumnsToContents()
        if self.items:
            self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> X.Conflict | None:
        cid = self.table.selected_data()
        return next((c for c in self.items if c.id == cid), None) if cid else None

    def _show_selected(self) -> None:
        c = self.selected()
        for b in (self.keep_mine, self.keep_theirs, self.keep_merged, self.keep_both):
            b.setVisible(False)
        self.fields.set_rows([])
        self.field_names, self.field_choices = [], {}
        if c is None:
            self.title.setText(_("No conflicts.") if not self.items else _("Choose a conflict above."))
            return
        if c.reason == "duplicate":
            self.title.setText(_("{a} and {b} have the same birth date and a similar name. Panti never merges two "
                                 "registrations. If they are different children, say so; if they are the same child, "
                                 "close the wrong file by hand.").format(a=c.mine_version, b=c.theirs_version))
            self.keep_both.setVisible(self.may_resolve)
            return
        self.title.setText(_("In use: changed {mine_at}. Other version: changed {theirs_at}.").format(
            mine_at=_when(c.mine_at) or "—", theirs_at=_when(c.theirs_at) or "—")
            + (" " + _("The version in use deletes the record.") if c.mine_deleted else "")
            + (" " + _("The other version deletes the record.") if c.theirs_deleted else ""))
        names = sorted(set(c.mine or {}) | set(c.theirs or {}), key=lambda n: (n not in c.changed_fields(), n))
        names = [n for n in names if n not in ("id", "child_id")]
        rows = []
        for n in names:
            a, b = (c.mine or {}).get(n), (c.theirs or {}).get(n)
            cells = [_field_label(c.kind, n), _value_text(c.kind, n, a, self.ws), _value_text(c.kind, n, b, self.ws)]
            rows.append([Cell(t, background="#fff4d6", bold=True) if a != b else t for t in cells] + [""])
        self.fields.set_rows(rows, names)
        self.field_names = names
        for i, n in enumerate(names):
            a, b = (c.mine or {}).get(n), (c.theirs or {}).get(n)
            if a != b and not c.mine_deleted and not c.theirs_deleted:
                choice = QComboBox(self.fields)
                choice.addItem(_("in use"), "mine")
                choice.addItem(_("other"), "theirs")
                self.fields.setIndexWidget(self.fields.model().index(i, 3), choice)
                self.field_choices[n] = choice
        self.keep_mine.setVisible(self.may_resolve)
        self.keep_theirs.setVisible(self.may_resolve)
        self.keep_merged.setVisible(self.may_resolve and not c.mine_deleted and not c.theirs_deleted)

    def merged(self) -> dict:
        """The per-field choice of the table: for each differing field, the chosen side's value."""
        c = self.selected()
        out: dict = {}
        if c is None:
            return out
        for name, choice in self.field_choices.items():
            side = (c.theirs if choice.currentData() == "theirs" else c.mine) or {}
            out[name] = side.get(name)
        return out

    def choose(self, field_name: str, side: str) -> None:
        """Pick `side` ("mine" or "theirs") for one field of the merge."""
        choice = self.field_choices[field_name]
        choice.setCurrentIndex(choice.findData(side))

    def resolve(self, keep: str) -> bool:
        c = self.selected()
        if c is None:
            return False
        try:
            X.resolve_conflict(self.ws, c.id, keep, self.merged() if keep == "merged" else None)
        except PantiError as exc:
            show_error(self, exc)
            return False
        self.refresh()
        _notify(self)
        return True


# --- Mitra ---------------------------------------------------------------------------------


class FingerprintDialog(QDialog):
    """A contact card's code, name and fingerprint, to compare before trusting it."""

    def __init__(self, card: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Trust a new peer"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(_("Contact card of {code} — {name} ({role})").format(
            code=card["code"], name=card.get("name") or "", role=_role_text(card.get("role") or "")), self))
        fp = QLabel(card["fingerprint"], self)
        fp.setObjectName("cardFingerprint")
        font = fp.font()
        font.setPointSize(20)
        font.setFamily("DejaVu Sans Mono")
        fp.setFont(font)
        fp.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(fp)
        lay.addWidget(note_label(_("Call {code} (not by a number from the same e-mail) and ask them to read out the "
                              "fingerprint on their screen. Trust the card only if every character is the same.")
                            .format(code=card["code"]), self))
        self.same = QCheckBox(_("I compared it with {code}: it is the same").format(code=card["code"]), self)
        self.same.setObjectName("sameFingerprint")
        lay.addWidget(self.same)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Trust"))
        ok.setEnabled(False)
        self.same.toggled.connect(ok.setEnabled)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


class PeersTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        lay = QVBoxLayout(self)
        mine = QGroupBox(_("This centre's contact card"), self)
        ml = QVBoxLayout(mine)
        self.my_fp = QLabel("", mine)
        self.my_fp.setObjectName("myFingerprint")
        font = self.my_fp.font()
        font.setPointSize(16)
        font.setFamily("DejaVu Sans Mono")
        self.my_fp.setFont(font)
        self.my_fp.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ml.addWidget(note_label(_("Give the card file to a centre or headquarters once; they read this fingerprint to "
                             "you over the phone before they trust it."), mine))
        ml.addWidget(self.my_fp)
        save = QPushButton(_("Save my contact card…"), mine)
        save.setObjectName("saveCard")
        save.clicked.connect(self._ask_save_card)
        ml.addWidget(save, 0, Qt.AlignmentFlag.AlignLeft)
        self.card_note = QLabel("", mine)
        self.card_note.setObjectName("cardNote")
        self.card_note.setWordWrap(True)
        self.card_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ml.addWidget(self.card_note)
        lay.addWidget(mine)
        lay.addWidget(QLabel(_("Trusted peers"), self))
        self.table = make_table([_("Code"), _("Name"), _("Role"), _("Fingerprint"), _("Trusted since"),
                                 _("Revoked")], self, "peerList")
        lay.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add a peer from a contact card…"), self)
        self.add_button.setObjectName("addPeer")
        self.add_button.clicked.connect(self._ask_add)
        self.revoke_button = QPushButton(_("Revoke the selected peer…"), self)
        self.revoke_button.setObjectName("revokePeer")
        self.revoke_button.clicked.connect(self._ask_revoke)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        if ws.role != "admin":
            for w in (save, self.add_button, self.revoke_button):
                w.setEnabled(False)
            lay.addWidget(note_label(_("Only an administrator manages peers."), self))

    def refresh(self) -> None:
        try:
            self.my_fp.setText(P.contact_card(self.ws)["fingerprint"])
        except PantiError:
            self.my_fp.setText("—")
        items = P.peers(self.ws)
        self.table.set_rows([[p.code, p.name, _role_text(p.role), p.fingerprint, fmt_date(p.added_at[:10]),
                              fmt_date(p.revoked_at[:10]) if p.revoked_at else ""] for p in items],
                            [p.code for p in items])
        self.table.resizeColumnsToContents()

    def _ask_save_card(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Save my contact card"),
                                                    f"{self.ws.centre_code}.pantipeer",
                                                    _("Contact cards (*.pantipeer)"))
        if name:
            self.save_card(Path(name))

    def save_card(self, path: Path) -> Path | None:
        try:
            card = P.export_card(self.ws, path)
        except (PantiError, OSError) as exc:
            show_error(self, exc if isinstance(exc, PantiError) else str(exc))
            return None
        self.card_note.setText(_("Contact card written: {path}").format(path=path) + "\n" + _(
            "Fingerprint (compare it with the other centre by phone or on paper): {fp}").format(
            fp=card["fingerprint"]))
        return path

    def _ask_add(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Add a peer"), "",
                                                    _("Contact cards (*.pantipeer *.card *.json);;All files (*)"))
        if not path:
            return
        try:
            card = P.read_card(Path(path))
        except PantiError as exc:
            show_error(self, exc)
            return
        dialog = FingerprintDialog(card, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_peer(Path(path), card["fingerprint"])

    def add_peer(self, path: Path, compared_fingerprint: str) -> P.Peer | None:
        """Trust a card; `compared_fingerprint` is the one the admin checked with the peer."""
        try:
            p = P.add_peer(self.ws, path, compared_fingerprint)
        except PantiError as exc:
            show_error(self, exc)
            return None
        self.refresh()
        _notify(self)
        return p

    def selected_code(self) -> str | None:
        return self.table.selected_data()

    def _ask_revoke(self) -> None:
        code = self.selected_code()
        if code and confirm(self, _("Revoke a peer"), _(
                "Bundles from {code} will be refused and nothing more can be sent to it. Continue?").format(
                code=code)):
            self.revoke(code)

    def revoke(self, code: str) -> bool:
        try:
            P.revoke_peer(self.ws, code)
        except PantiError as exc:
            show_error(self, exc)
            return False
        self.refresh()
        return True


# --- Lembaga (headquarters) ---------------------------------------------------------------


class CentresTab(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.rows: list[H.CentreOverview] = []
        lay = QVBoxLayout(self)
        lay.addWidget(note_label(_("Every centre whose bundles reach headquarters, side by side. Numbers come from the "
                              "records received; a centre that sends only statistics shows its latest statistics "
                              "bundle."), self))
        self.table = make_table([_("Centre"), _("Name"), _("Children"), _("Active"), _("Sessions (30 days)"),
                                 _("Conflicts"), _("Last received"), _("Missing")], self, "centreOverview")
        lay.addWidget(self.table, 1)
        box = QGroupBox(_("Centre statistics report"), self)
        form = QFormLayout(box)
        period, self.start, self.end = _period(box, "centreStats")
        form.addRow(_("Period"), period)
        buttons = QHBoxLayout()
        one = QPushButton(_("Report for the selected centre…"), box)
        one.setObjectName("statsOne")
        one.clicked.connect(lambda: self._ask_report(self.selected_code() or ""))
        every = QPushButton(_("Report across all centres…"), box)
        every.setObjectName("statsAll")
        every.clicked.connect(lambda: self._ask_report(None))
        buttons.addWidget(one)
        buttons.addWidget(every)
        buttons.addStretch(1)
        form.addRow(buttons)
        lay.addWidget(box)

    def refresh(self) -> None:
        self.rows = H.overview(self.ws)
        out = []
        for r in self.rows:
            if r.from_statistics:
                out.append([r.code, r.name, str(r.stats_children), "—", "—", "—",
                            _("statistics {start} – {end}").format(start=long_date(date.fromisoformat(
                                r.stats_period[0])), end=long_date(date.fromisoformat(r.stats_period[1]))), ""])
            else:
                out.append([r.code, r.name, str(r.children), str(r.active), str(r.sessions_30d),
                            str(r.open_conflicts), _when(r.last_received), ", ".join(map(str, r.gaps)) or ""])
        self.table.set_rows(out, [r.code for r in self.rows])
        self.table.resizeColumnsToContents()

    def selected_code(self) -> str | None:
        return self.table.selected_data()

    def _ask_report(self, code: str | None) -> None:
        if code == "":
            show_error(self, _("Choose a centre in the table first."))
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save the statistics report"), f"statistics-{code or 'all'}.pdf", "PDF (*.pdf)")
        if name:
            self.report(Path(name), code)

    def report(self, path: Path, code: str | None, open_after: bool = True) -> Worker:
        from ..reports import statistics

        start, end = date.fromisoformat(self.start.iso()), date.fromisoformat(self.end.iso())
        ws = self.ws
        self.last_report = None

        def done(out) -> None:
            self.last_report = out
            if open_after:
                open_file(out)

        return run_busy(self, _("Counting and writing the report…"),
                        lambda: statistics.build(ws, path, start, end, centre=code), done)


# --- the page ------------------------------------------------------------------------------


class SyncPage(QWidget):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        lay = QVBoxLayout(self)
        lay.addWidget(heading(_("Sync"), self))
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("syncTabs")
        self.centres = CentresTab(ws, self.tabs) if ws.is_hq else None
        self.send = SendTab(ws, self.tabs)
        self.receive = ReceiveTab(ws, self.tabs)
        self.history = HistoryTab(ws, self.tabs)
        self.conflicts = ConflictsTab(ws, self.tabs)
        self.peers = PeersTab(ws, self.tabs)
        if self.centres is not None:
            self.tabs.addTab(self.centres, _("Centres"))
        self.tabs.addTab(self.send, _("Send"))
        self.tabs.addTab(self.receive, _("Receive"))
        self.tabs.addTab(self.history, _("History"))
        self.tabs.addTab(self.conflicts, _("Conflicts"))
        self.tabs.addTab(self.peers, _("Peers"))
        lay.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(lambda _i: self._refresh(self.tabs.currentWidget()))

    def _tabs(self) -> list[QWidget]:
        return [t for t in (self.centres, self.send, self.receive, self.history, self.conflicts, self.peers)
                if t is not None]

    def _refresh(self, tab) -> None:
        try:
            tab.refresh()
        except PantiError as exc:
            show_error(self, exc)

    def refresh(self) -> None:
        for t in self._tabs():
            self._refresh(t)
        n = X.conflict_count(self.ws)
        self.tabs.setTabText(self.tabs.indexOf(self.conflicts), _("Conflicts ({n})").format(n=n) if n
                             else _("Conflicts"))

    def refresh_others(self, source: QWidget) -> None:
        """After an export, import, resolution or a new peer: every other tab shows the new state."""
        for t in self._tabs():
            if t is not source:
                self._refresh(t)
        n = X.conflict_count(self.ws)
        self.tabs.setTabText(self.tabs.indexOf(self.conflicts), _("Conflicts ({n})").format(n=n) if n
                             else _("Conflicts"))
