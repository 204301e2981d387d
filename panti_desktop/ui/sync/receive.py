"""The Receive tab (Terima): preview a bundle or an acknowledgement, then apply it or leave it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...errors import Cancelled, PantiError
from ...i18n import _
from ...sync import exchange as X
from ...sync.identity import may_sync
from ..common import Worker, note_label, run_with_progress, show_error
from .common import _notify, _scope_text


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
    for q in res.quarantined:
        lines.append(_("Refused: {what} {where}{field}: {reason}").format(
            what=q.what(), where=q.register_no or q.record_id[:12], field=f" ({q.field})" if q.field else "",
            reason=q.reason) + (" " + _("(held for a manager: accept the erasure or keep the case in the Refused "
                                        "tab)") if q.held else ""))
    if res.quarantined and not res.preview:
        lines.append(_("The refused lines are listed in the Refused tab; the rest of the bundle was applied."))
    for f in res.flagged:
        lines.append(_("Flagged, not refused: child {register} breaks a consistency rule:").format(
            register=f.register_no or f.child_id))
        lines += ["    • " + line for line in f.lines()]
    if res.flagged:
        lines.append(_("The sending centre's records stand as it wrote them; the contradictions show on each child's "
                       "file until someone corrects them."))
    return lines


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
        if not may_sync(ws):
            self.choose.setEnabled(False)
            self.preview_box.setPlainText(_("Only a manager or an administrator writes and imports sync bundles."))

    def refresh(self) -> None:
        pass

    def _forget(self) -> None:
        self.path = None
        self.apply_button.hide()
        self.cancel_button.hide()
        self.ack_button.hide()
        if may_sync(self.ws):
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
