"""Pengaturan, retention (admins and managers): ended cases, their holds, and erasing what is due."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...errors import PantiError
from ...i18n import _
from ..common import (
    button_row,
    confirm,
    fmt_date,
    make_table,
    show_error,
)
from ..tables import Cell


class RetentionSection:
    """The retention box of `SettingsPage`."""

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
        from ... import retention

        if item.past_due:
            return _("Whole case")
        if item.partial and len(item.kinds_due) <= 3:
            return _("Part: {kinds}").format(kinds=", ".join(retention.kind_label(k) for k in item.kinds_due))
        if item.partial:  # the list is under the table for the chosen case
            return _("Part: {n} of {total} record types").format(n=len(item.kinds_due), total=len(item.due_by_kind))
        return ""

    def refresh_retention(self) -> None:
        from ... import retention
        from ...domain.vocab import LIFECYCLE_STATES

        self.retention_items = retention.review(self.ws)
        rows = [[i.register_no, LIFECYCLE_STATES.label(i.status), fmt_date(i.ended_on),
                 fmt_date(i.due_on) + ("  ⚠" if i.past_due else ""),
                 _("until {date}").format(date=fmt_date(i.hold_until)) if i.hold_until else "",
                 Cell(self._due_now(i), tooltip=self._retention_detail_text(i))]
                for i in self.retention_items]
        self.retention_table.set_rows(rows, [i.child_id for i in self.retention_items])
        self.retention_table.resizeColumnsToContents()
        self._show_retention_detail()
        from ...backup import backups_holding_erased

        holding = backups_holding_erased(self.ws)
        self.erased_in_backups.setVisible(bool(holding))
        self.erased_in_backups.setText(_("These backups were made before the last erasure and still hold erased "
                                         "records; delete them when they are no longer needed:") + "\n" + "\n".join(
            f"{h['path']} ({fmt_date(h['created_at'][:10])})" for h in holding))

    def _retention_detail_text(self, item) -> str:
        """What of a case is due now and what is kept until when."""
        from ... import retention

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
        from ... import retention
        from ..common import DateEdit

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
        from ... import retention

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
        from ... import retention

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
