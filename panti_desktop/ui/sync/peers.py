"""The Peers tab (Mitra): this centre's contact card, and trusting or revoking peers by fingerprint."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...errors import PantiError
from ...files import safe_file_name
from ...i18n import _
from ...sync import peers as P
from ...sync.identity import pending_by_peer
from ..common import confirm, fixed_font, fmt_date, make_table, note_label, show_error
from .common import _notify, _role_text


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
        fp.setFont(fixed_font(20))
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
        self.my_fp.setFont(fixed_font(16))
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
                                 _("Revoked"), _("New keys")], self, "peerList")
        lay.addWidget(self.table, 1)
        self.notice_note = note_label("", self)
        self.notice_note.setObjectName("keyNoticeNote")
        lay.addWidget(self.notice_note)
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
        pending = pending_by_peer(self.ws)
        self.table.set_rows([[p.code, p.name, _role_text(p.role), p.fingerprint, fmt_date(p.added_at[:10]),
                              fmt_date(p.revoked_at[:10]) if p.revoked_at else "",
                              _("not yet received (since {date})").format(date=fmt_date(pending[p.code][0][:10]))
                              if pending.get(p.code) else ""] for p in items],
                            [p.code for p in items])
        waiting = [p.code for p in items if pending.get(p.code) and not p.revoked_at]
        self.notice_note.setText(_("This centre's sync keys were replaced when a person who could sync was removed. "
                                   "Until {codes} import a bundle from here, they still accept bundles signed with "
                                   "the old keys: send them a bundle soon.").format(codes=", ".join(waiting))
                                 if waiting else "")
        self.notice_note.setVisible(bool(waiting))
        self.table.resizeColumnsToContents()

    def _ask_save_card(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Save my contact card"),
                                                    safe_file_name(f"{self.ws.centre_code}.pantipeer"),
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
