"""The overview (register number, age, status, diversion eligibility, record counts) and the identity
page of the child's file, whose contents stay hidden until the user asks (an audited action)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...domain.consistency import records_named
from ...domain.vocab import LIFECYCLE_STATES
from ...errors import PantiError
from ...i18n import _
from ..common import fmt_date, scroll_area, show_error
from .common import _group, _kind_title

IDENTITY_FIELDS = ["full_name", "nickname", "nik", "birth_date", "birth_place", "address", "school_name",
                   "father_name", "mother_name", "guardian_name", "guardian_contact"]
PROFILE_FIELDS = ["sex", "education", "school_status", "religion", "living_arrangement", "disability",
                  "intake_date", "offence_date", "counsellor_id"]


class OverviewPages:
    """The overview and identity pages of `ChildFileWidget` (widget.py), which mixes this in: they read
    its `ws`, `child_id`, `cf` and `child()` and update its header."""

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
            from ...domain.diversion import diversion_eligibility

            lt = legal[-1].data
            e = diversion_eligibility(lt.get("threatened_penalty_months"), lt.get("repeat_offence"), at_offence)
            text = e.summary() + "\n" + "\n".join("• " + b for b in e.basis)
            label = QLabel(text)
            label.setObjectName("eligibility")
            label.setWordWrap(True)
            lay.addWidget(_group(_("Diversion eligibility"), label))
        findings = ws.consistency_findings(child_id=cid)
        if findings:  # records that arrived by sync, or older data, are flagged here, never refused
            label = QLabel("\n".join(f"• {f.message} ({records_named(f)})" for f in findings))
            label.setObjectName("contradictions")
            label.setWordWrap(True)
            label.setStyleSheet("color: #b00020;")
            lay.addWidget(_group(_("Contradictions between the records of this file"), label))
        due = ws.due_in_file(cid)
        if due:
            label = QLabel("\n".join("• " + due_text(what, when) for what, when in due))
            label.setObjectName("dueInFile")
            label.setWordWrap(True)
            label.setStyleSheet("color: #7a3b00;")
            lay.addWidget(_group(_("Due in this file"), label))
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
        if self.cf.hidden and not self.cf.outside_caseload:  # outside the caseload: the banner above says why
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
        from ..forms import RecordDialog, RecordForm

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


def due_text(what: str, when: str) -> str:
    """One line of what the MST cadence or the law makes due in a child's file."""
    day = fmt_date(when)
    return {
        "weekly_summary": _("Weekly case summary due {date} (MST: every week of the intervention)"),
        "supervision": _("Supervision due {date} (MST: every week of the intervention)"),
        "safety_plan": _("Safety plan review overdue since {date}"),
        "attempt": _("Diversion to be attempted by {date} (7 days: UU SPPA art. 29, 42, 52)"),
        "process": _("Diversion process to end by {date} (at most 30 days: UU SPPA art. 29, 42, 52)"),
    }.get(what, what + " {date}").format(date=day)


def _form_widget(form: QFormLayout) -> QWidget:
    w = QWidget()
    w.setLayout(form)
    return w
