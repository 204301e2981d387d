"""The rehabilitation plan section: goals, fit analysis, interventions, submission and approval."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...domain.vocab import PLAN_STATUSES
from ...errors import PantiError
from ...i18n import _
from ..common import confirm, fmt_date, notify, scroll_area, show_error
from .common import _columns, _group, _kind_title


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
        self.scroll = scroll_area(self.inner)
        outer.addWidget(self.scroll)
        self.refresh()

    def current_plan(self):
        plans = self.ws.records_for_child("plan", self.child_id)
        live = [p for p in plans if p.data.get("status") != "superseded"]
        return (live or plans or [None])[-1]

    def refresh(self) -> None:
        from ..forms import RecordDialog, RecordList

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

    def _status_changed(self) -> None:
        """After submitting, approving or revising: the page is rebuilt and the new status stays in view,
        with the keyboard on the plan's buttons (not wherever Qt moves it from the deleted button)."""
        self._child_changed()
        self.scroll.verticalScrollBar().setValue(0)
        for name in ("approvePlan", "revisePlan", "submitPlan", "editPlan"):  # the next step, if any
            button = self.inner.findChild(QPushButton, name)
            if button is not None and button.isEnabled():
                button.setFocus(Qt.FocusReason.OtherFocusReason)
                break
        self.scroll.verticalScrollBar().setValue(0)  # focusing may have scrolled

    def _edit(self, dialog_cls) -> None:
        dialog = dialog_cls(self.ws, "plan", child_id=self.child_id, record=self.plan, parent=self,
                            fields=["setting", "start_date", "review_date", "end_date", "notes"])
        if dialog.exec():
            self._child_changed()

    def start_plan(self) -> None:
        from ..forms import RecordDialog

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
        self._status_changed()
        notify(self, _("The plan was submitted; a manager approves it from the dashboard."))

    def approve(self) -> None:
        if not confirm(self, _("Approve plan"), _("Approve this plan? The approved content is kept as a version.")):
            return
        try:
            self.ws.approve_plan(self.plan.id)
        except PantiError as exc:
            show_error(self, exc)
            return
        self._status_changed()
        notify(self, _("The plan was approved; the approved content is kept as a version."))

    def revise(self) -> None:
        """An approved plan stays as its version; the working copy goes back to draft."""
        try:
            self.ws.update_record("plan", self.plan.id, {"status": "draft"})
        except PantiError as exc:
            show_error(self, exc)
            return
        self._status_changed()
