"""The assessments section: assessments from versioned templates, and how each item moved since the
previous one with the same template."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...domain.templates import all_templates, find_template
from ...domain.vocab import RISK_LEVELS
from ...errors import PantiError, ValidationError
from ...i18n import _
from ..common import (
    DateEdit,
    fmt_date,
    make_table,
    message_label,
    note_label,
    show_error,
    vocab_combo,
)
from ..tables import Cell
from .common import _kind_title


class AssessmentDialog(QDialog):
    """An assessment form built from a versioned template, one answer per item."""

    def __init__(self, ws, child_id: str, record=None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        self.record = record
        self.saved_record = None
        data = record.data if record else {}
        self.setWindowTitle(_kind_title("assessment"))
        self.resize(760, 640)
        lay = QVBoxLayout(self)
        top = QFormLayout()
        self.template = QComboBox(self)
        self.template.setObjectName("template")
        for t in all_templates():
            self.template.addItem(f"{t.title.text()} (v{t.version})", f"{t.id}@{t.version}")
        if data:
            i = self.template.findData(f"{data.get('template_id')}@{data.get('template_version')}")
            self.template.setCurrentIndex(max(0, i))
            self.template.setEnabled(False)
        top.addRow(_("Template"), self.template)
        self.assessed_on = DateEdit(self, optional=False)
        self.assessed_on.setObjectName("assessed_on")
        if data.get("assessed_on"):
            self.assessed_on.set_iso(data["assessed_on"])
        top.addRow(_("Date"), self.assessed_on)
        self.risk = vocab_combo(RISK_LEVELS, parent=self)
        self.risk.setCurrentIndex(max(0, self.risk.findData(data.get("risk_level"))))
        top.addRow(RISK_LEVELS.title.text(), self.risk)
        lay.addLayout(top)
        self.items_area = QScrollArea(self)
        self.items_area.setWidgetResizable(True)
        lay.addWidget(self.items_area, 1)
        self.summary = QLineEdit(self)
        self.summary.setObjectName("summary")
        self.summary.setText(data.get("summary") or "")
        form = QFormLayout()
        form.addRow(_("Summary"), self.summary)
        lay.addLayout(form)
        self.message = message_label(self)
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.answers: dict[str, QWidget] = {}
        self.template.currentIndexChanged.connect(lambda _i: self._build_items(data.get("answers") or {}))
        self._build_items(data.get("answers") or {})

    def current_template(self):
        tid, version = str(self.template.currentData()).rsplit("@", 1)
        return find_template(tid, int(version))

    def _build_items(self, answers: dict) -> None:
        t = self.current_template()
        inner = QWidget()
        lay = QVBoxLayout(inner)
        self.answers = {}
        if t.description.text():
            lay.addWidget(note_label(t.description.text(), inner))
        for dom in t.domains:
            box = QGroupBox(dom.title.text(), inner)
            form = QFormLayout(box)
            for it in dom.items:
                if it.scale.free_text:
                    w = QLineEdit(box)
                    w.setText(str(answers.get(it.id) or ""))
                else:
                    w = QComboBox(box)
                    w.addItem("—", None)
                    for o in it.scale.options:
                        w.addItem(o.label.text(), o.value)
                    w.setCurrentIndex(max(0, w.findData(answers.get(it.id))))
                w.setObjectName(it.id)
                label = QLabel(it.text.text(), box)
                label.setWordWrap(True)
                form.addRow(label, w)
                self.answers[it.id] = w
            lay.addWidget(box)
        lay.addStretch(1)
        self.items_area.setWidget(inner)

    def values(self) -> dict:
        t = self.current_template()
        answers = {}
        for item_id, w in self.answers.items():
            v = w.text().strip() if isinstance(w, QLineEdit) else w.currentData()
            if v not in (None, ""):
                answers[item_id] = v
        return {"template_id": t.id, "template_version": t.version, "assessed_on": self.assessed_on.iso(),
                "answers": answers, "risk_level": self.risk.currentData(),
                "summary": self.summary.text().strip() or None}

    def save(self) -> None:
        values = self.values()
        try:
            if self.record is None:
                self.saved_record = self.ws.add_record("assessment", {
                    **values, "child_id": self.child_id, "assessor_id": self.ws.user.id})
            else:
                self.saved_record = self.ws.update_record("assessment", self.record.id, values)
        except ValidationError as exc:
            self.message.setText(str(exc))
            return
        except PantiError as exc:
            show_error(self, exc)
            return
        self.accept()


class AssessmentSection(QWidget):
    changed = Signal()

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        lay = QVBoxLayout(self)
        self.table = make_table([_("Date"), _("Template"), RISK_LEVELS.title.text(), _("Summary")], self,
                                "assessments")
        self.table.row_activated.connect(lambda _row: self.open_selected())
        lay.addWidget(self.table)
        buttons = QHBoxLayout()
        for text, slot in ((_("&New assessment…"), self.new), (_("&Open…"), self.open_selected),
                           (_("&Compare with the previous one"), self.compare_selected)):
            b = QPushButton(text, self)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        self.comparison = make_table([_("Item"), _("Before"), _("Now"), _("Change")], self, "comparison")
        self.comparison.hide()
        lay.addWidget(self.comparison, 1)
        self.refresh()

    def refresh(self) -> None:
        self.records = self.ws.records_for_child("assessment", self.child_id)
        rows = []
        for rec in self.records:
            t = find_template(rec.data.get("template_id", ""), rec.data.get("template_version"))
            rows.append([fmt_date(rec.data.get("assessed_on")), t.title.text() if t else rec.data.get("template_id"),
                         RISK_LEVELS.label(rec.data.get("risk_level")), rec.data.get("summary") or ""])
        self.table.set_rows(rows)
        self.table.resizeColumnsToContents()

    def _selected(self):
        row = self.table.selected_row()
        return None if row is None else self.records[row]

    def new(self) -> None:
        dialog = AssessmentDialog(self.ws, self.child_id, parent=self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def open_selected(self) -> None:
        rec = self._selected()
        if rec is None:
            return
        dialog = AssessmentDialog(self.ws, self.child_id, rec, parent=self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def compare_selected(self) -> None:
        rec = self._selected() or (self.records[-1] if self.records else None)
        if rec is None:
            return
        self.compare(rec)

    def compare(self, rec) -> int:
        """Show how each item moved since the previous assessment with the same template."""
        same = [r for r in self.records if r.data.get("template_id") == rec.data.get("template_id")
                and (r.data.get("assessed_on") or "") < (rec.data.get("assessed_on") or "")]
        self.comparison.show()
        if not same:
            self.comparison.set_rows([[_("There is no earlier assessment with this template.")]])
            return 0
        prev = same[-1]
        t = find_template(rec.data["template_id"], rec.data.get("template_version"))
        changes = t.compare(prev.data.get("answers") or {}, rec.data.get("answers") or {})
        words = {"better": _("better"), "worse": _("worse"), "same": _("same"), "changed": _("changed")}
        colours = {"better": "#1b7a35", "worse": "#b00020"}

        def label(it, value):
            opt = it.scale.option(str(value)) if value is not None else None
            return opt.label.text() if opt else (str(value) if value is not None else "—")

        self.comparison.set_rows([
            [c.item.text.text(), label(c.item, c.before), label(c.item, c.after),
             Cell(words[c.direction], colour=colours.get(c.direction, ""))]
            for c in changes])
        self.comparison.resizeColumnsToContents()
        return len(changes)
