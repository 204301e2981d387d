"""One child's file: every section of DESIGN §2, shown only to roles whose keys open it.

The identity block stays hidden until the user asks for it (an audited action);
lists and headers show initials and the register number only.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..domain import lifecycle
from ..domain.records import RECORD_TYPES, Child
from ..domain.templates import all_templates, find_template
from ..domain.vocab import (
    LIFECYCLE_STATES,
    PLAN_STATUSES,
    RISK_LEVELS,
    SESSION_SETTINGS,
    SESSION_STATUSES,
)
from ..errors import PantiError, PermissionDenied, ValidationError
from ..i18n import _
from ..reports.registry import by_kind, child_reports
from .common import (
    DateEdit,
    Worker,
    confirm,
    fmt_date,
    has_module,
    make_table,
    message_label,
    note_label,
    open_file,
    run_busy,
    scroll_area,
    show_error,
    vocab_combo,
)
from .tables import Cell

IDENTITY_FIELDS = ["full_name", "nickname", "nik", "birth_date", "birth_place", "address", "school_name",
                   "father_name", "mother_name", "guardian_name", "guardian_contact"]
PROFILE_FIELDS = ["sex", "education", "school_status", "religion", "living_arrangement", "disability",
                  "intake_date", "offence_date", "counsellor_id"]


def _columns(kind_name: str) -> list[str] | None:
    """What a list of these records shows first (`LIST_COLUMNS` of the kind; None: every field)."""
    return list(RECORD_TYPES[kind_name].LIST_COLUMNS) or None


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    for w in widgets:
        lay.addWidget(w)
    return box


class Section(QWidget):
    """A page of the child's file made of record lists (family, legal track, …)."""

    changed = Signal()

    def __init__(self, ws, child_id: str, kinds: list[tuple[str, dict]], parent=None, intro: QWidget | None = None):
        from .forms import RecordList

        super().__init__(parent)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        if intro is not None:
            lay.addWidget(intro)
        self.lists = []
        for kind_name, options in kinds:
            options = {"columns": _columns(kind_name), **options}
            lst = RecordList(ws, kind_name, child_id, **options)
            lst.changed.connect(self.changed.emit)
            self.lists.append(lst)
            lay.addWidget(_group(_kind_title(kind_name), lst))
        lay.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll_area(inner))

    def refresh(self) -> None:
        for lst in self.lists:
            lst.refresh()


def _kind_title(kind_name: str) -> str:
    return RECORD_TYPES[kind_name].TITLE.text()


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


class PlanSection(QWidget):
    """The rehabilitation plan: goals, fit analysis, interventions, submission and approval."""

    changed = Signal()

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.inner = QWidget()
        outer.addWidget(scroll_area(self.inner))
        self.refresh()

    def current_plan(self):
        plans = self.ws.records_for_child("plan", self.child_id)
        live = [p for p in plans if p.data.get("status") != "superseded"]
        return (live or plans or [None])[-1]

    def refresh(self) -> None:
        from .forms import RecordDialog, RecordList

        old = self.inner.layout()
        if old is not None:
            QWidget().setLayout(old)
            for w in self.inner.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
                w.deleteLater()
        lay = QVBoxLayout(self.inner)
        plan = self.current_plan()
        self.plan = plan
        if plan is None:
            lay.addWidget(QLabel(_("There is no rehabilitation plan yet."), self.inner))
            b = QPushButton(_("&Start a plan…"), self.inner)
            b.setObjectName("startPlan")
            b.clicked.connect(self.start_plan)
            lay.addWidget(b, alignment=Qt.AlignmentFlag.AlignLeft)
            lay.addStretch(1)
            return
        d = plan.data
        status = QLabel(_("Status: {status} · version {n} · review {date}").format(
            status=PLAN_STATUSES.label(d.get("status")), n=d.get("version_no") or 0,
            date=fmt_date(d.get("review_date")) or "—"), self.inner)
        status.setObjectName("planStatus")
        f = status.font()
        f.setBold(True)
        status.setFont(f)
        lay.addWidget(status)
        if d.get("approved_by"):
            lay.addWidget(QLabel(_("Approved by {name} on {date}").format(
                name=self.ws.user_name(d["approved_by"]), date=fmt_date(d.get("approved_at"))), self.inner))
        buttons = QHBoxLayout()
        edit = QPushButton(_("&Edit plan…"), self.inner)
        edit.setObjectName("editPlan")
        edit.clicked.connect(lambda: self._edit(RecordDialog))
        buttons.addWidget(edit)
        if d.get("status") in ("draft", None):
            submit = QPushButton(_("Su&bmit for approval"), self.inner)
            submit.setObjectName("submitPlan")
            submit.clicked.connect(self.submit)
            buttons.addWidget(submit)
        if self.ws.role in ("manager", "admin") and d.get("status") in ("draft", "submitted"):
            approve = QPushButton(_("&Approve plan"), self.inner)
            approve.setObjectName("approvePlan")
            approve.clicked.connect(self.approve)
            buttons.addWidget(approve)
        if d.get("status") == "approved":
            revise = QPushButton(_("&Revise (new version)…"), self.inner)
            revise.setObjectName("revisePlan")
            revise.clicked.connect(self.revise)
            buttons.addWidget(revise)
            edit.setEnabled(False)
        buttons.addStretch(1)
        lay.addLayout(buttons)

        behaviours = d.get("referral_behaviours") or []
        outcomes = d.get("desired_outcomes") or []
        text = "".join(f"• {b.get('behaviour')} ({', '.join(str(b[k]) for k in ('frequency', 'intensity', 'duration') if b.get(k))})\n"
                       for b in behaviours)
        text += "".join(f"• {o.get('stakeholder')}: {o.get('outcome')}\n" for o in outcomes)
        if text:
            summary = QLabel(text.strip(), self.inner)
            summary.setWordWrap(True)
            lay.addWidget(_group(_("Referral behaviours and desired outcomes"), summary))

        readonly = d.get("status") == "approved"
        plan_defaults = {"plan_id": plan.id}
        goals, drivers, inter = self.ws.plan_parts(plan.id)
        choices = {
            "overarching_goal_id": [(g.id, g.data.get("text") or "") for g in goals],
            "driver_id": [(x.id, x.data.get("driver") or "") for x in drivers],
            "goal_id": [(g.id, g.data.get("text") or "") for g in inter],
        }
        self.lists = []
        for kind_name in ("overarching_goal", "fit_driver", "intermediate_goal", "intervention"):
            lst = RecordList(self.ws, kind_name, self.child_id, ref_choices=choices, defaults=plan_defaults,
                             readonly=readonly, columns=_columns(kind_name))
            lst.changed.connect(self._child_changed)
            self.lists.append(lst)
            lay.addWidget(_group(_kind_title(kind_name), lst))
        versions = RecordList(self.ws, "plan_version", self.child_id, readonly=True,
                              columns=_columns("plan_version"))
        lay.addWidget(_group(_("Approved versions"), versions))
        lay.addStretch(1)

    def _child_changed(self) -> None:
        self.changed.emit()
        self.refresh()

    def _edit(self, dialog_cls) -> None:
        dialog = dialog_cls(self.ws, "plan", child_id=self.child_id, record=self.plan, parent=self,
                            fields=["setting", "start_date", "review_date", "end_date", "notes"])
        if dialog.exec():
            self._child_changed()

    def start_plan(self) -> None:
        from .forms import RecordDialog

        dialog = RecordDialog(self.ws, "plan", child_id=self.child_id, parent=self,
                              fields=["setting", "start_date", "review_date", "end_date", "notes"],
                              defaults={"status": "draft", "start_date": date.today().isoformat()})
        if dialog.exec():
            self._child_changed()

    def submit(self) -> None:
        try:
            self.ws.submit_plan(self.plan.id)
        except PantiError as exc:
            show_error(self, exc)
            return
        self._child_changed()

    def approve(self) -> None:
        if not confirm(self, _("Approve plan"), _("Approve this plan? The approved content is kept as a version.")):
            return
        try:
            self.ws.approve_plan(self.plan.id)
        except PantiError as exc:
            show_error(self, exc)
            return
        self._child_changed()

    def revise(self) -> None:
        """An approved plan stays as its version; the working copy goes back to draft."""
        try:
            self.ws.update_record("plan", self.plan.id, {"status": "draft"})
        except PantiError as exc:
            show_error(self, exc)
            return
        self._child_changed()


class SessionsSection(QWidget):
    """The child's sessions, newest first; logging opens the session form in place."""

    changed = Signal()

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        self.stack = QStackedWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)
        listing = QWidget()
        llay = QVBoxLayout(listing)
        top = QHBoxLayout()
        self.new_button = QPushButton(_("&New session"), listing)
        self.new_button.setObjectName("newSession")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(lambda: self.open_form())
        top.addWidget(self.new_button)
        top.addStretch(1)
        llay.addLayout(top)
        self.table = make_table([_("Date"), _("Setting"), _("Status"), _("Author"), _("Notes")], listing, "sessions")
        self.table.row_activated.connect(lambda row: self.open_form(self.sessions[row].id))
        llay.addWidget(self.table)
        self.stack.addWidget(listing)
        self.form_holder = QWidget()
        self.form_layout = QVBoxLayout(self.form_holder)
        back = QPushButton(_("← Back to the list of sessions"), self.form_holder)
        back.setObjectName("backToSessions")
        back.clicked.connect(self.show_list)
        self.form_layout.addWidget(back, alignment=Qt.AlignmentFlag.AlignLeft)
        self.stack.addWidget(self.form_holder)
        self.form = None
        shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.open_form())
        self.refresh()

    def refresh(self) -> None:
        self.sessions = list(reversed(self.ws.records_for_child("session", self.child_id)))
        rows = []
        for s in self.sessions:
            d = s.data
            status = _("Amendment") if d.get("amends_id") else SESSION_STATUSES.label(d.get("status"))
            notes = (d.get("notes") or "").replace("\n", " ")
            rows.append([fmt_date(d.get("session_date")), SESSION_SETTINGS.label(d.get("setting")), status,
                         self.ws.user_name(d.get("author_id")), notes[:120]])
        self.table.set_rows(rows)
        self.table.resizeColumnsToContents()

    def open_form(self, session_id: str | None = None, amend_of: str | None = None):
        from .session_form import SessionForm

        self.save_now()
        if self.form is not None:
            self.form_layout.removeWidget(self.form)
            self.form.deleteLater()
        self.form = SessionForm(self.ws, self.child_id, session_id, parent=self.form_holder, amend_of=amend_of)
        self.form.saved.connect(lambda _id: self.changed.emit())
        self.form.finalised.connect(lambda _id: self.changed.emit())
        self.form.amend_requested.connect(lambda sid: self.open_form(amend_of=sid))
        self.form_layout.addWidget(self.form, 1)
        self.stack.setCurrentWidget(self.form_holder)
        self.form.setFocus()
        return self.form

    def show_list(self) -> None:
        self.save_now()
        self.refresh()
        self.stack.setCurrentIndex(0)

    def save_now(self) -> None:
        if self.form is not None and getattr(self.form, "is_dirty", False):
            self.form.save_now()


class HistorySection(QWidget):
    """Who changed what in this file: the audit log for managers and admins, record dates for others."""

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = child_id
        lay = QVBoxLayout(self)
        self.table = make_table([_("When"), _("Who"), _("What"), _("Record type")], self, "history")
        lay.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        actions = {"create": _("created"), "update": _("changed"), "delete": _("deleted"),
                   "read_clinical": _("read the clinical file"), "reveal_identity": _("showed the identity"),
                   "finalise": _("finalised"), "lifecycle": _("changed the status"), "print": _("printed"),
                   "export": _("exported"), "import": _("imported")}
        rows = []
        try:
            for e in self.ws.audit_entries(limit=500, child_id=self.child_id):
                rows.append((e.at.replace("T", " ")[:16], e.user, actions.get(e.action, e.action),
                             _kind_title(e.kind) if e.kind in RECORD_TYPES else ""))
        except PermissionDenied:
            for created_at, created_by, updated_at, updated_by, deleted, name in self.ws.record_dates(self.child_id):
                rows.append((created_at.replace("T", " ")[:16], self.ws.user_name(created_by), actions["create"],
                             _kind_title(name)))
                if updated_at != created_at:
                    rows.append((updated_at.replace("T", " ")[:16], self.ws.user_name(updated_by),
                                 actions["delete" if deleted else "update"], _kind_title(name)))
            rows.sort(reverse=True)
        self.table.set_rows(rows)
        self.table.resizeColumnsToContents()


class ChildFileWidget(QWidget):
    """Header with status and actions, section list on the left, the section on the right."""

    changed = Signal()

    def __init__(self, ws, child_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.child_id = ws.resolve_child(child_id)
        self.cf = ws.child_file(self.child_id)
        self.identity_shown = False
        lay = QVBoxLayout(self)
        self.header = QLabel(self)
        self.header.setObjectName("childHeader")
        f = self.header.font()
        f.setPointSize(14)
        f.setBold(True)
        self.header.setFont(f)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        self.status_button = QToolButton(self)
        self.status_button.setObjectName("statusButton")
        self.status_button.setText(_("Change status"))
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.status_menu = QMenu(self.status_button)
        self.status_button.setMenu(self.status_menu)
        top.addWidget(self.status_button)
        if ws.can_read_clinical and has_module("panti_desktop.reports.child_report"):
            self.report_button = QPushButton(_("Reports (PDF)…"), self)
            self.report_button.setObjectName("progressReport")
            self.report_button.clicked.connect(self.progress_report)
            top.addWidget(self.report_button)
        lay.addLayout(top)
        self.subheader = QLabel(self)
        self.subheader.setStyleSheet("color: #444;")
        lay.addWidget(self.subheader)

        body = QHBoxLayout()
        self.sections = QListWidget(self)
        self.sections.setObjectName("sections")
        self.sections.setFixedWidth(230)
        self.sections.setStyleSheet("QListWidget::item { padding: 5px 6px; }")
        self.sections.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self)
        body.addWidget(self.sections)
        body.addWidget(self.stack, 1)
        lay.addLayout(body, 1)
        self.section_keys: list[str] = []
        self.section_widgets: dict[str, QWidget] = {}
        self._build_sections()
        self.sections.currentRowChanged.connect(self._show_section)
        self.sections.setCurrentRow(0)
        self._update_header()

    # header -----------------------------------------------------------------------------

    def child(self) -> Child:
        return Child.from_dict(self.ws.child_data(self.child_id))

    def tab_title(self) -> str:
        d = self.ws.child_data(self.child_id)
        return f"{d.get('register_no')} {self.child().initials()}"

    def _update_header(self) -> None:
        d = self.ws.child_data(self.child_id)
        c = self.child()
        name = d.get("full_name") if self.identity_shown else c.initials()
        self.header.setText(f"{name} · {d.get('register_no')}")
        age = c.age_on(date.today())
        parts = [LIFECYCLE_STATES.label(d.get("status"))]
        if age is not None:
            parts.append(_("{age} years").format(age=age))
        if d.get("counsellor_id"):
            parts.append(_("Counsellor: {name}").format(name=self.ws.user_name(d["counsellor_id"])))
        if d.get("intake_date"):
            parts.append(_("Intake: {date}").format(date=fmt_date(d["intake_date"])))
        self.subheader.setText("  ·  ".join(parts))
        self.status_menu.clear()
        for state in lifecycle.allowed_next(d.get("status")):
            action = self.status_menu.addAction(LIFECYCLE_STATES.label(state))
            action.setData(state)
            action.triggered.connect(lambda _c=False, s=state: self.transition(s))
        self.status_button.setEnabled(bool(self.status_menu.actions()))

    def transition(self, state: str) -> None:
        if not confirm(self, _("Change status"), _("Move this case to “{state}”?").format(
                state=LIFECYCLE_STATES.label(state))):
            return
        try:
            self.ws.transition(self.child_id, state)
        except PantiError as exc:
            show_error(self, exc)
            return
        self._update_header()
        self._refresh("overview")
        self.changed.emit()

    # sections ---------------------------------------------------------------------------

    def _add(self, key: str, title: str, widget: QWidget) -> None:
        self.section_keys.append(key)
        self.section_widgets[key] = widget
        self.stack.addWidget(widget)
        self.sections.addItem(title)  # its key is section_keys[row]
        if hasattr(widget, "changed"):
            widget.changed.connect(self._section_changed)

    def _build_sections(self) -> None:
        ws, cid = self.ws, self.child_id
        counsellors = [(u.id, u.name) for u in ws.counsellors()]
        families = [(r.id, _kind_title("family") + " " + fmt_date(r.created_at[:10]))
                    for r in ws.records_for_child("family", cid)]
        self._add("overview", _("Overview"), self._overview())
        self._add("identity", _("Identity"), self._identity_page(counsellors))
        self._add("family", _("Family and caregivers"), Section(ws, cid, [
            ("family", {}), ("caregiver", {"ref_choices": {"family_id": families}})]))
        self._add("legal", _("Legal track"), Section(ws, cid, [("legal_track", {})]))
        self._add("consent", _("Consent"), Section(ws, cid, [("consent", {})]))
        self._add("referrals", _("Referrals and case conferences"), Section(ws, cid, [
            ("referral", {}), ("case_conference", {})]))
        if ws.can_read_clinical:
            self._add("offence", _("Offence and victims"), Section(ws, cid, [("offence", {}), ("victim", {})]))
            self._add("assessment", _("Assessments"), AssessmentSection(ws, cid))
            self._add("plan", _("Rehabilitation plan"), PlanSection(ws, cid))
            self._add("sessions", _("Sessions"), SessionsSection(ws, cid))
            self._add("weekly", _("Weekly summaries and supervision"), Section(ws, cid, [
                ("weekly_summary", {"defaults": {"author_id": ws.user.id}}), ("supervision", {}), ("fidelity", {})]))
            self._add("safety", _("Safety plan"), Section(ws, cid, [("safety_plan", {})]))
            diversions = [(r.id, _("Diversion") + " " + fmt_date(r.data.get("offered_on")))
                          for r in ws.records_for_child("diversion", cid)]
            self._add("diversion", _("Diversion"), Section(ws, cid, [
                ("diversion", {}), ("diversion_item", {"ref_choices": {"diversion_id": diversions}}),
                ("diversion_supervision", {"ref_choices": {"diversion_id": diversions}})]))
            self._add("termination", _("Termination and follow-up"), Section(ws, cid, [
                ("termination", {}), ("follow_up", {})]))
        self._add("history", _("History of changes"), HistorySection(ws, cid))

    def _show_section(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)

    def show_section(self, key: str) -> QWidget:
        self.sections.setCurrentRow(self.section_keys.index(key))
        return self.section_widgets[key]

    def _section_changed(self) -> None:
        self._update_header()
        self._refresh("overview")
        self.changed.emit()

    def _refresh(self, key: str) -> None:
        widget = self.section_widgets.get(key)
        if key == "overview" and widget is not None:
            i = self.section_keys.index("overview")
            new = self._overview()
            self.stack.insertWidget(i, new)
            self.stack.removeWidget(widget)
            widget.deleteLater()
            self.section_widgets["overview"] = new
            self.stack.setCurrentIndex(self.sections.currentRow())
        elif widget is not None and hasattr(widget, "refresh"):
            widget.refresh()

    def _overview(self) -> QWidget:
        ws, cid = self.ws, self.child_id
        page = QWidget()
        lay = QVBoxLayout(page)
        d = ws.child_data(cid)
        c = self.child()
        form = QFormLayout()
        form.addRow(_("Register no."), QLabel(d.get("register_no") or ""))
        form.addRow(_("Initials"), QLabel(c.initials()))
        age = c.age_on(date.today())
        form.addRow(_("Age"), QLabel("" if age is None else str(age)))
        at_offence = c.age_at_offence()
        if at_offence is not None:
            form.addRow(_("Age at the offence"), QLabel(str(at_offence)))
        form.addRow(_("Case status"), QLabel(LIFECYCLE_STATES.label(d.get("status"))))
        lay.addWidget(_group(_("Child"), _form_widget(form)))
        legal = ws.records_for_child("legal_track", cid)
        if legal:
            from ..domain.diversion import diversion_eligibility

            lt = legal[-1].data
            e = diversion_eligibility(lt.get("threatened_penalty_months"), lt.get("repeat_offence"), at_offence)
            text = e.summary() + "\n" + "\n".join("• " + b for b in e.basis)
            label = QLabel(text)
            label.setObjectName("eligibility")
            label.setWordWrap(True)
            lay.addWidget(_group(_("Diversion eligibility"), label))
        counts = []
        for name in ("family", "legal_track", "consent", "assessment", "plan", "session", "safety_plan",
                     "diversion", "termination", "follow_up"):
            if ws.can_read(name):
                n = ws.record_count(name, cid)
                counts.append(f"{_kind_title(name)}: {n}")
        if not ws.has_active_consent(cid):
            warn = QLabel(_("No consent of a parent or guardian is recorded for this child."))
            warn.setObjectName("consentWarning")
            warn.setStyleSheet("color: #b35c00; font-weight: bold;")
            lay.addWidget(warn)
        summary = QLabel("   ".join(counts))
        summary.setWordWrap(True)
        lay.addWidget(_group(_("Records in this file"), summary))
        if self.cf.hidden:
            lay.addWidget(QLabel(_("Clinical sections are not shown: your role has no access to them.")))
        lay.addStretch(1)
        return scroll_area(page)

    def _identity_page(self, counsellors) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        note = QLabel(_("The identity of a child in conflict with the law is confidential (UU SPPA art. 19). "
                        "Showing it is recorded in the audit log."), page)
        note.setWordWrap(True)
        lay.addWidget(note)
        self.reveal_button = QPushButton(_("&Show identity"), page)
        self.reveal_button.setObjectName("revealIdentity")
        self.reveal_button.clicked.connect(self.reveal_identity)
        lay.addWidget(self.reveal_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.identity_holder = QVBoxLayout()
        lay.addLayout(self.identity_holder)
        lay.addStretch(1)
        self._counsellors = counsellors
        return scroll_area(page)

    def reveal_identity(self) -> None:
        from .forms import RecordDialog, RecordForm

        try:
            data = self.ws.reveal_identity(self.child_id)
        except PantiError as exc:
            show_error(self, exc)
            return
        self.identity_shown = True
        self.reveal_button.hide()
        form = RecordForm("child", data, readonly=True, fields=IDENTITY_FIELDS + PROFILE_FIELDS,
                          ref_choices={"counsellor_id": self._counsellors})
        form.setObjectName("identityForm")
        self.identity_holder.addWidget(form)
        edit = QPushButton(_("&Edit identity and profile…"), form.parentWidget())
        edit.setObjectName("editIdentity")

        def do_edit() -> None:
            rec = self.ws.child_record(self.child_id)
            dialog = RecordDialog(self.ws, "child", record=rec, parent=self, fields=IDENTITY_FIELDS + PROFILE_FIELDS,
                                  ref_choices={"counsellor_id": self._counsellors})
            if dialog.exec():
                form.set_values(self.ws.child_data(self.child_id))
                self._section_changed()

        edit.clicked.connect(do_edit)
        self.identity_holder.addWidget(edit, alignment=Qt.AlignmentFlag.AlignLeft)
        self._update_header()

    # reports ----------------------------------------------------------------------------

    def progress_report(self) -> None:
        dialog = ReportDialog(self, self.ws.child_data(self.child_id).get("register_no") or "")
        if not dialog.exec():
            return
        from PySide6.QtWidgets import QFileDialog

        name, _filter = QFileDialog.getSaveFileName(self, _("Save the progress report"),
                                                    dialog.default_name(), "PDF (*.pdf)")
        if name:
            self.write_progress_report(Path(name), dialog.options())

    def write_progress_report(self, path: Path, options: dict, open_after: bool = True) -> Worker:
        """Write the report `options["kind"]` names (progress by default) with the dialog's options."""
        self.save_now()
        ws, child_id = self.ws, self.child_id
        options = dict(options)
        report = by_kind(options.pop("kind", "progress"))

        def done(out) -> None:
            self.report_written = out
            if open_after:
                open_file(out)

        return run_busy(self, _("Writing the report…"), lambda: report.build(ws, path, child_id, **options), done)

    # sessions ---------------------------------------------------------------------------

    def open_session(self, session_id: str | None = None):
        section = self.show_section("sessions")
        return section.open_form(session_id)

    def save_now(self) -> None:
        section = self.section_widgets.get("sessions")
        if section is not None:
            section.save_now()


class ReportDialog(QDialog):
    """Which report on the child (from the registry of reports), its period and its options."""

    def __init__(self, parent, register_no: str):
        super().__init__(parent)
        self.register_no = register_no
        self.setWindowTitle(_("Progress report"))
        form = QFormLayout(self)
        self.kind = QComboBox(self)
        self.kind.setObjectName("reportKind")
        for report in child_reports():
            self.kind.addItem(report.title_text(), report.kind)
            self.kind.setItemData(self.kind.count() - 1, report.help_text(), Qt.ItemDataRole.ToolTipRole)
        form.addRow(_("Report"), self.kind)
        self.start = DateEdit(self, optional=False)
        self.start.set_iso(date.today() - timedelta(days=90))
        self.end = DateEdit(self, optional=False)
        self.place = QLineEdit(self)
        self.place.setPlaceholderText(_("e.g. Jakarta"))
        self.full_identity = QCheckBox(_("Include the full identity (recorded in the audit log)"), self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("optional: the PDF opens only with it"))
        form.addRow(_("From"), self.start)
        form.addRow(_("To"), self.end)
        self.period_note = note_label(_("This report covers the whole case, from intake."), self)
        form.addRow(self.period_note)
        form.addRow(_("Place"), self.place)
        form.addRow(self.full_identity)
        form.addRow(_("Password"), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    @property
    def report(self):
        return by_kind(self.kind.currentData())

    def _kind_changed(self) -> None:
        """A period only for the reports that take one (as on the command line)."""
        period = self.report.period
        self.start.setEnabled(period)
        self.end.setEnabled(period)
        self.period_note.setVisible(not period)

    def options(self) -> dict:
        period = {"start": date.fromisoformat(self.start.iso()), "end": date.fromisoformat(self.end.iso())} \
            if self.report.period else {}
        return {**period, "full_identity": self.full_identity.isChecked(), "password": self.password.text() or None,
                "place": self.place.text().strip(), "kind": self.kind.currentData()}

    def default_name(self) -> str:
        day = self.end.iso() if self.report.period else date.today()
        return self.report.file_name(self.register_no, day)


def _form_widget(form: QFormLayout) -> QWidget:
    w = QWidget()
    w.setLayout(form)
    return w


__all__ = ["ChildFileWidget"]
