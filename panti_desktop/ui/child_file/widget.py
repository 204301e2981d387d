"""The child's file: header with status and actions (change status, reports), the list of sections
on the left and the chosen section on the right; it assembles the section modules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain import lifecycle
from ...domain.records import Child
from ...domain.vocab import LIFECYCLE_STATES
from ...errors import PantiError
from ...i18n import _
from ...reports.registry import by_kind
from ..common import Worker, confirm, fmt_date, has_module, notify, open_file, run_busy, show_error
from ..forms import form_fields
from ..print_forms import PrintFormsDialog
from ..review_dialog import describe
from .assessment import AssessmentSection
from .common import _kind_title
from .documents import DocumentsSection
from .history import HistorySection
from .lists import Section, diversion_law_text, law_note, victims_law_text
from .open_anyway import OpenAnywayDialog, OutsideCaseloadBanner
from .overview import OverviewPages
from .plan import PlanSection
from .reports import ReportDialog
from .sessions import SessionsSection


class ChildFileWidget(OverviewPages, QWidget):
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
        # a push button with a menu draws its arrow beside the text (a tool button drew it over the text)
        self.status_button = QPushButton(_("Change status"), self)
        self.status_button.setObjectName("statusButton")
        self.status_menu = QMenu(self.status_button)
        self.status_button.setMenu(self.status_menu)
        top.addWidget(self.status_button)
        if ws.can_read_clinical and has_module("panti_desktop.reports.child_report"):
            self.report_button = QPushButton(_("Reports (PDF)…"), self)
            self.report_button.setObjectName("progressReport")
            self.report_button.clicked.connect(self.progress_report)
            self.report_button.setVisible(not self.cf.outside_caseload)
            top.addWidget(self.report_button)
        self.forms_button = QPushButton(_("Print forms…"), self)  # paper forms with a QR code (forms/)
        self.forms_button.setObjectName("printForms")
        self.forms_button.clicked.connect(lambda: PrintFormsDialog(self.ws, self.child_id, self).exec())
        top.addWidget(self.forms_button)
        lay.addLayout(top)
        self.subheader = QLabel(self)
        self.subheader.setStyleSheet("color: #444;")
        lay.addWidget(self.subheader)
        # a counsellor's view of another counsellor's child: the clinical part closed (caseload.py)
        self.outside_banner = OutsideCaseloadBanner(self.open_anyway, self)
        self.outside_banner.setVisible(self.cf.outside_caseload)
        lay.addWidget(self.outside_banner)

        body = QHBoxLayout()
        self.sections = QListWidget(self)
        self.sections.setObjectName("sections")
        # as wide as its longest title ("Ringkasan mingguan dan supervisi"), so none is cut
        fm = self.sections.fontMetrics()
        self.sections.setFixedWidth(max(230, fm.horizontalAdvance(_("Weekly summaries and supervision")) + 40))
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
        self._add("documents", _("Documents"), DocumentsSection(ws, cid))
        if ws.can_read_clinical and not self.cf.outside_caseload:
            self._add("offence", _("Offence and victims"), Section(ws, cid, [("offence", {}), ("victim", {})],
                                                                  intro=law_note(victims_law_text)))
            self._add("assessment", _("Assessments"), AssessmentSection(ws, cid))
            self._add("plan", _("Rehabilitation plan"), PlanSection(ws, cid))
            sessions = SessionsSection(ws, cid)
            # writing a session on a small laptop: the section list steps aside until "back to the list"
            sessions.writing.connect(lambda on: self.sections.setVisible(not on))
            self._add("sessions", _("Sessions"), sessions)
            self._add("weekly", _("Weekly summaries and supervision"), Section(ws, cid, [
                ("weekly_summary", {"defaults": {"author_id": ws.user.id}}), ("supervision", {}), ("fidelity", {})]))
            self._add("safety", _("Safety plan"), Section(ws, cid, [("safety_plan", {})]))
            diversions = [(r.id, _("Diversion") + " " + fmt_date(r.data.get("offered_on")))
                          for r in ws.records_for_child("diversion", cid)]
            self._add("diversion", _("Diversion"), Section(ws, cid, [
                # who recorded an override, and when, is stamped by the workspace, not typed
                ("diversion", {"fields": [f for f in form_fields("diversion") if f not in ("override_by", "override_on")]}),
                ("diversion_item", {"ref_choices": {"diversion_id": diversions}}),
                ("diversion_supervision", {"ref_choices": {"diversion_id": diversions}})], intro=law_note(diversion_law_text)))
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

    def open_anyway(self) -> bool:
        """Ask for the reason; once recorded, the clinical sections join the file."""
        dialog = OpenAnywayDialog(self.ws, self.child_id, self.ws.child_data(self.child_id).get("register_no") or "",
                                  self)
        if not dialog.exec():
            return False
        self.cf = self.ws.child_file(self.child_id)
        current = self.section_keys[self.sections.currentRow()] if self.sections.currentRow() >= 0 else "overview"
        self.sections.blockSignals(True)
        self.sections.clear()
        for widget in self.section_widgets.values():
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.section_keys, self.section_widgets = [], {}
        self._build_sections()
        self.sections.blockSignals(False)
        self.outside_banner.hide()
        if hasattr(self, "report_button"):
            self.report_button.show()
        self.show_section(current if current in self.section_keys else "overview")
        notify(self, _("The clinical file is open; your reason is in the audit log."))
        return True

    # reports ----------------------------------------------------------------------------

    def progress_report(self) -> None:
        current, status = None, ""
        if self.ws.can_read_clinical:
            try:
                current = self.ws.reviews.current(self.child_id)
                status = describe(self.ws, current)
            except PantiError:  # outside the caseload: the report dialog asks nothing more
                pass
        dialog = ReportDialog(self, self.ws.child_data(self.child_id).get("register_no") or "", current, status)
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
            notify(self, _("Report written: {path}").format(path=out))
            if open_after:
                open_file(out)

        return run_busy(self, _("Writing the report…"), lambda: report.build(ws, path, child_id, **options), done)

    # sessions ---------------------------------------------------------------------------

    def open_session(self, session_id: str | None = None):
        if "sessions" not in self.section_keys:  # outside the caseload and not opened anyway
            return None
        section = self.show_section("sessions")
        return section.open_form(session_id)

    def save_now(self) -> None:
        section = self.section_widgets.get("sessions")
        if section is not None:
            section.save_now()
