"""Laporan Perkembangan Anak: a child's progress over a period, for managers, Bapas and court.

By default the child appears only by initials and register number (UU SPPA art.
19); the full identity is an explicit option that is recorded in the audit log.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..dates import long_date
from ..domain.diversion import diversion_eligibility
from ..domain.records import Child
from ..domain.vocab import (
    COMPLIANCE,
    DIVERSION_STAGES,
    FAMILY_STRUCTURES,
    GOAL_STATUSES,
    LEGAL_STAGES,
    LIFECYCLE_STATES,
    PARTICIPANTS,
    PLAN_STATUSES,
    RISK_LEVELS,
    ROLES,
    SESSION_SETTINGS,
    SUPERVISION_CAPACITIES,
    SYSTEMS,
    TERMINATION_DESTINATIONS,
    TERMINATION_REASONS,
)
from ..errors import PermissionDenied, ValidationError
from ..i18n import _
from . import registry
from . import social_report as social
from .common import FONT, content_width, esc, key_values, place_and_date, styles, table, write_pdf

LINE_COLOURS = [colors.HexColor(c) for c in ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
                                             "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939")]


def _ratings_chart(goals: list, sessions: list, start: date, end: date, width: float) -> Drawing | None:
    """One line per goal: its progress rating (0–4) at each session of the period."""
    series = []
    for goal in goals:
        points = []
        for s in sessions:
            for g in s.data.get("goals") or []:
                if g.get("goal_id") == goal.id and g.get("rating") is not None:
                    points.append(((date.fromisoformat(s.data["session_date"]) - start).days, int(g["rating"])))
        if points:
            series.append((goal, points))
    if not series:
        return None
    height = 150
    legend_h = 12 * len(series)
    d = Drawing(width, height + 20 + legend_h)
    plot = LinePlot()
    plot.x, plot.y = 30, 20 + legend_h
    plot.width, plot.height = width - 40, height - 20
    plot.data = [pts for _g, pts in series]
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max(1, (end - start).days)
    plot.xValueAxis.valueSteps = None
    plot.xValueAxis.labelTextFormat = lambda v: long_date(start + timedelta(days=int(v)), short=True)
    plot.xValueAxis.labels.fontName = FONT
    plot.xValueAxis.labels.fontSize = 6.5
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, 4, 1
    plot.yValueAxis.labels.fontName = FONT
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#dde3e8")
    for i in range(len(series)):
        plot.lines[i].strokeColor = LINE_COLOURS[i % len(LINE_COLOURS)]
        plot.lines[i].strokeWidth = 1.4
        # a marker at each rating: a goal rated once in the period is one point, not an invisible line
        plot.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=LINE_COLOURS[i % len(LINE_COLOURS)],
                                          strokeColor=LINE_COLOURS[i % len(LINE_COLOURS)])
    d.add(plot)
    legend = Legend()
    legend.x, legend.y = 30, legend_h + 2
    legend.fontName = FONT
    legend.fontSize = 7
    legend.columnMaximum = len(series)
    legend.alignment = "right"
    legend.dx = legend.dy = 7
    legend.deltay = 12
    legend.colorNamePairs = [(LINE_COLOURS[i % len(LINE_COLOURS)], f"{i + 1}. {(g.data.get('text') or '')[:110]}")
                             for i, (g, _p) in enumerate(series)]
    d.add(legend)
    d.add(String(0, plot.y + plot.height + 6, _("Rating (0–4)"), fontName=FONT, fontSize=7))
    return d


def _counts_table(title: str, counter: Counter, vocab, width: float, st) -> Table:
    rows = [[title, _("Sessions")]] + [[vocab.label(code), str(n)] for code, n in counter.most_common()]
    if len(rows) == 1:
        rows.append(["—", "0"])
    return table(rows, [width * 0.72, width * 0.28], st=st)


def build(ws, ref: str, out: Path, start: date | None = None, end: date | None = None,
          full_identity: bool = False, password: str | None = None, place: str = "",
          narrative: str | None = None, kind: str = "progress", recommendation: str | None = None) -> Path:
    """A report on one child: "progress" (a period), "court" (Laporan Sosial) or "termination".

    The court report needs the social worker's assessment and recommendation: `recommendation` is
    saved for the child first, waiting for a manager's review (review.py), or without it the child's
    current one prints. It is kept, sealed, in the report's audit entry. Until a manager approves it
    the report prints as a draft, marked on every page."""
    recommendation = (recommendation or "").strip() or None
    st = styles()
    width = content_width()
    child_id = ws.resolve_child(ref)
    ws.caseload.require(child_id)  # outside a counsellor's caseload only after "open anyway" (caseload.py)
    cf = ws.child_file(child_id)
    data = cf.child.data
    child = Child.from_dict(data)
    terminations = cf.sections.get("termination") or []
    if kind == "termination" and "termination" in cf.hidden:
        raise PermissionDenied(_("The termination report is made from the clinical part of the file, which the "
                                 "role {role} cannot read.").format(role=ROLES.label(ws.role)))
    if kind == "termination" and not terminations:
        raise ValidationError(_("There is no termination record for this child yet."))
    end = end or date.today()
    if kind == "termination":
        end = date.fromisoformat(terminations[-1].data["terminated_on"])
    start = start or (date.fromisoformat(data["intake_date"]) if kind != "progress" and data.get("intake_date")
                      else end - timedelta(days=90))
    if start > end:
        raise ValidationError(_("The start of the period is after its end."), field="from")
    rec = ws.reviews.for_report(child_id, recommendation) if kind == "court" else None
    if full_identity:
        data = ws.reveal_identity(child_id)

    def in_period(rec, field_name: str) -> bool:
        v = rec.data.get(field_name)
        return bool(v) and start.isoformat() <= v <= end.isoformat()

    sessions = [s for s in cf.sections.get("session", []) if in_period(s, "session_date")
                and s.data.get("status") == "final"]
    amended = {s.data.get("amends_id") for s in sessions if s.data.get("amends_id")}  # an amendment replaces
    sessions = [s for s in sessions if s.id not in amended]
    sessions.sort(key=lambda s: s.data.get("session_date") or "")
    legal = (cf.sections.get("legal_track") or [None])[-1]
    plans = [p for p in cf.sections.get("plan", []) if p.data.get("status") != "superseded"]
    plan = plans[-1] if plans else None
    families = cf.sections.get("family") or []

    title = registry.by_kind(kind).title_text()
    story: list = [Paragraph(esc(title), st["title"]),
                   Paragraph(esc(_("Period: {start} – {end}").format(start=long_date(start), end=long_date(end))),
                             st["body"]), Spacer(1, 8)]
    if rec is not None and not rec.approved:
        social.draft_warning(story, st)
    who = [(_("Register no."), data.get("register_no")), (_("Child"), child.initials())]
    if full_identity:
        who = [(_("Register no."), data.get("register_no")), (_("Full name"), data.get("full_name")),
               (_("Date of birth"), long_date(data.get("birth_date"))), (_("Address"), data.get("address")),
               (_("School"), data.get("school_name"))]
    age = child.age_on(end)
    who += [(_("Age"), _("{age} years").format(age=age) if age is not None else "—"),
            (_("Case status"), LIFECYCLE_STATES.label(data.get("status"))),
            (_("Legal stage"), LEGAL_STAGES.label(legal.data.get("stage")) if legal else "—"),
            (_("Counsellor"), ws.user_profile(data["counsellor_id"]).get("full_name")
             or ws.user_name(data["counsellor_id"]) if data.get("counsellor_id") else "—"),
            (_("Intake date"), long_date(data.get("intake_date")))]
    story.append(key_values(who, width, st))
    hidden_note = _("Not available to the role {role}: this part of the file is clinical.").format(
        role=ROLES.label(ws.role))
    if cf.hidden:  # never print an empty section as if it were empty: say what is left out and why
        story.append(Spacer(1, 6))
        story.append(Paragraph(esc(_("This report leaves out the clinical part of the file (plan, sessions, safety "
                                     "plan, diversion), which the role {role} cannot read.").format(
            role=ROLES.label(ws.role))), st["body"]))

    def hidden(*kinds: str) -> bool:
        return any(k in cf.hidden for k in kinds)

    def legal_block() -> None:
        story.append(Paragraph(esc(_("Legal track and diversion")), st["h2"]))
        if legal is None:
            story.append(Paragraph(esc(_("No legal track is recorded.")), st["body"]))
        else:
            ld = legal.data
            if kind == "court":
                story.append(key_values([
                    (_("Case number"), ld.get("case_no") or "—"), (_("Articles charged"), ld.get("articles") or "—"),
                    (_("Threatened penalty"), _("{n} months").format(n=ld["threatened_penalty_months"])
                     if ld.get("threatened_penalty_months") is not None else "—"),
                    (_("Probation officer (PK)"), ld.get("pk_officer") or "—"),
                    (_("Litmas reference"), ld.get("litmas_ref") or "—"),
                    (_("Decision"), ld.get("decision") or "—")], width, st))
                story.append(Spacer(1, 4))
            e = diversion_eligibility(ld.get("threatened_penalty_months"), ld.get("repeat_offence"),
                                      child.age_at_offence())
            story.append(Paragraph(esc(e.summary()), st["body"]))
            for line in e.basis:
                story.append(Paragraph(esc("• " + line), st["small"]))
        diversions = cf.sections.get("diversion") or []
        if hidden("diversion"):
            story.append(Paragraph(esc(_("Diversion") + ": " + hidden_note), st["body"]))
        elif diversions:
            dv = diversions[-1]
            items = [i for i in cf.sections.get("diversion_item", []) if i.data.get("diversion_id") == dv.id]
            story.append(Paragraph(esc(_("Diversion stage: {stage}").format(
                stage=DIVERSION_STAGES.label(dv.data.get("stage")))), st["body"]))
            if dv.data.get("override_basis"):
                story.append(Paragraph(esc(_("Override of the eligibility rule by {name} on {date}: {basis}").format(
                    name=ws.user_profile(dv.data.get("override_by") or "").get("full_name")
                    or ws.user_name(dv.data.get("override_by")), date=long_date(dv.data.get("override_on")),
                    basis=dv.data["override_basis"])), st["body"]))
            if items:
                rows = [[_("Agreement item"), _("Due date"), _("Compliance")]]
                rows += [[i.data.get("text"), long_date(i.data.get("due_date")),
                          COMPLIANCE.label(i.data.get("compliance"))] for i in items]
                story.append(table(rows, [width * 0.6, width * 0.2, width * 0.2], st=st))

    def plan_block(chart: bool) -> None:
        story.append(Paragraph(esc(_("Rehabilitation plan")), st["h2"]))
        if hidden("plan"):
            story.append(Paragraph(esc(hidden_note), st["body"]))
            return
        if plan is None:
            story.append(Paragraph(esc(_("There is no rehabilitation plan yet.")), st["body"]))
            return
        pd = plan.data
        story.append(Paragraph(esc(_("Status: {status} · version {n} · review {date}").format(
            status=_plan_status(pd.get("status")), n=pd.get("version_no") or 0,
            date=long_date(pd.get("review_date")) or "—")), st["body"]))
        for g in [g for g in cf.sections.get("overarching_goal", []) if g.data.get("plan_id") == plan.id]:
            story.append(Paragraph(esc("• " + (g.data.get("text") or "")), st["body"]))
        goals = [g for g in cf.sections.get("intermediate_goal", []) if g.data.get("plan_id") == plan.id]
        if not goals:
            return
        last_rating: dict[str, int] = {}
        for s in sessions:
            for g in s.data.get("goals") or []:
                if g.get("rating") is not None:
                    last_rating[g["goal_id"]] = int(g["rating"])
        rows = [["#", _("Intermediate goal"), _("System"), _("Status"), _("Last rating")]]
        for i, g in enumerate(goals, 1):
            rows.append([str(i), g.data.get("text") or "", SYSTEMS.label(g.data.get("system")),
                         GOAL_STATUSES.label(g.data.get("status")),
                         str(last_rating[g.id]) if g.id in last_rating else "—"])
        story.append(Spacer(1, 4))
        story.append(table(rows, [width * 0.05, width * 0.5, width * 0.15, width * 0.15, width * 0.15], st=st))
        if chart:
            drawing = _ratings_chart(goals, sessions, start, end, width)
            if drawing is not None:
                story.append(KeepTogether([Paragraph(esc(_("Progress ratings over the period")), st["h2"]),
                                           drawing]))

    def sessions_block(counts: bool) -> None:
        story.append(Paragraph(esc(_("Sessions in the period")), st["h2"]))
        if hidden("session"):
            story.append(Paragraph(esc(hidden_note), st["body"]))
            return
        weeks = max(1, ((end - start).days + 1) / 7)
        minutes = sum(int(s.data.get("duration_minutes") or 0) for s in sessions)
        story.append(Paragraph(esc(_("{n} final sessions, {h:.1f} hours in all, {w:.1f} a week on average.").format(
            n=len(sessions), h=minutes / 60, w=len(sessions) / weeks)), st["body"]))
        if not counts:
            return
        third = (width - 12) / 3
        trio = Table([[_counts_table(_("Setting"), Counter(s.data.get("setting") for s in sessions),
                                     SESSION_SETTINGS, third, st),
                       _counts_table(_("Participants"), Counter(p for s in sessions for p in
                                                                s.data.get("participants") or []),
                                     PARTICIPANTS, third, st),
                       _counts_table(_("Systems addressed"), Counter(x for s in sessions for x in
                                                                     s.data.get("systems") or []),
                                     SYSTEMS, third, st)]], colWidths=[third + 4] * 3)
        trio.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("FONTNAME", (0, 0), (-1, -1), FONT)]))
        story.append(Spacer(1, 4))
        story.append(trio)

    def family_safety_block() -> None:
        story.append(Paragraph(esc(_("Family, supervision and safety") if kind != "court"
                                   else _("Supervision and safety")), st["h2"]))
        if families and kind != "court":  # the court report has the family in its own section
            fd = families[-1].data
            story.append(key_values([(_("Family structure"), FAMILY_STRUCTURES.label(fd.get("structure")) or "—"),
                                     (_("Supervision capacity"),
                                      SUPERVISION_CAPACITIES.label(fd.get("supervision_capacity")) or "—")],
                                    width, st))
        safety = (cf.sections.get("safety_plan") or [None])[-1]
        if hidden("safety_plan", "session"):
            story.append(Paragraph(esc(_("Safety plan and incidents") + ": " + hidden_note), st["body"]))
            return
        if safety is None:
            story.append(Paragraph(esc(_("No safety plan is recorded.")), st["body"]))
        else:
            sd = safety.data
            story.append(key_values([(_("Risk level"), RISK_LEVELS.label(sd.get("risk_level")) or "—"),
                                     (_("Review date"), long_date(sd.get("review_date")) or "—"),
                                     (_("No-contact rules"), sd.get("no_contact") or "—"),
                                     (_("Supervising adults"), ", ".join(sd.get("supervising_adults") or []) or "—")],
                                    width, st))
        incidents = [s for s in sessions if (s.data.get("safety_incidents") or "").strip()]
        story.append(Paragraph(esc(_("Safety incidents in the period: {n}").format(n=len(incidents))), st["body"]))
        for s in incidents:
            story.append(Paragraph(esc(f"• {long_date(s.data.get('session_date'))}: {s.data['safety_incidents']}"),
                                   st["body"]))

    def termination_block() -> None:
        td = terminations[-1].data
        story.append(Paragraph(esc(_("Termination")), st["h2"]))
        yes, no = _("yes"), _("no")

        def yn(v):
            return "—" if v is None else (yes if v else no)

        story.append(key_values([(_("Date"), long_date(td.get("terminated_on"))),
                                 (_("Reason"), TERMINATION_REASONS.label(td.get("reason"))),
                                 (_("Destination"), TERMINATION_DESTINATIONS.label(td.get("destination")) or "—"),
                                 (_("Living at home"), yn(td.get("living_at_home"))),
                                 (_("In school or work"), yn(td.get("in_school_or_work"))),
                                 (_("New report or arrest"), yn(td.get("new_report")))], width, st))
        follow_up_block()

    def follow_up_block() -> None:
        yes, no = _("yes"), _("no")

        def yn(v):
            return "—" if v is None else (yes if v else no)

        follow = sorted(cf.sections.get("follow_up") or [], key=lambda f: f.data.get("due_date") or "")
        story.append(Paragraph(esc(_("Follow-up schedule")), st["h2"]))
        if not follow:
            story.append(Paragraph(esc(_("No follow-up is scheduled.")), st["body"]))
        else:
            rows = [[_("Month"), _("Due date"), _("Done on"), _("Living at home"), _("In school or work"),
                     _("New report or arrest")]]
            rows += [[f.data.get("month"), long_date(f.data.get("due_date")), long_date(f.data.get("done_on")) or "—",
                      yn(f.data.get("living_at_home")), yn(f.data.get("in_school_or_work")),
                      yn(f.data.get("new_report"))] for f in follow]
            story.append(table(rows, [width * w for w in (0.1, 0.18, 0.18, 0.18, 0.18, 0.18)], st=st))

    note = hidden_note
    if kind == "progress":
        plan_block(chart=True)
        sessions_block(counts=True)
        family_safety_block()
        legal_block()
        if (data.get("status") == "aftercare" or terminations) and not hidden("follow_up"):
            follow_up_block()
    elif kind == "court":
        social.chronology_block(story, st, width, social.chronology(cf, ws, data, sessions, end.isoformat()))
        social.family_block(story, st, width, cf, data)
        social.school_block(story, st, width, data, full_identity)
        legal_block()
        social.victims_block(story, st, width, cf, note)
        social.assessment_block(story, st, width, cf, note)
        story.append(Paragraph(esc(_("Interventions and progress against the plan's goals")), st["h2"]))
        plan_block(chart=False)
        social.interventions_block(story, st, width, cf, plan)
        sessions_block(counts=False)
        family_safety_block()
    else:
        termination_block()
        plan_block(chart=False)
        sessions_block(counts=False)

    story.append(Paragraph(esc(_("Summary and next steps") if kind != "court" else _("Assessment and recommendation")),
                           st["h2"]))
    last = sessions[-1].data if sessions else {}
    default = terminations[-1].data.get("summary") if kind == "termination" else last.get("advances")
    if narrative is None and hidden("session"):
        default = hidden_note
    if rec is not None:
        social.recommendation_block(story, st, ws, rec)
    else:
        story.append(Paragraph(esc((narrative if narrative is not None else default) or "—"), st["body"]))
    if last.get("next_steps") and kind == "progress":
        story.append(Paragraph(esc(_("Next steps: {text}").format(text=last["next_steps"])), st["body"]))

    if rec is not None:
        signers = social.court_signers(ws, rec)
    else:
        counsellor = data.get("counsellor_id")
        manager = _reviewer(ws, plan)
        signers = [(_("Social worker"), ws.user_profile(counsellor) if counsellor else {}, ""),
                   (_("Manager"), ws.user_profile(manager) if manager else {}, "")]
    social.signature_block(story, st, width, place_and_date(place, min(end, date.today())), signers)
    stamp = social.draft_stamp() if rec is not None and not rec.approved else None
    write_pdf(out, story, title, ws.centre_name or ws.centre_code, password, stamp=stamp)
    detail = f"{kind} report {start}..{end}" + (" full identity" if full_identity else "")
    if rec is not None:
        detail += (f"\nrecommendation {rec.id}: {rec.text}\n"
                   + (f"final, approved by {ws.user_name(rec.reviewed_by)} on {rec.reviewed_on}" if rec.approved
                      else f"draft, {rec.status}"))
    ws.audit_event("print", "child", child_id, child_id, detail=detail)
    return Path(out)


def _plan_status(code: str | None) -> str:
    return PLAN_STATUSES.label(code)


def _reviewer(ws, plan) -> str | None:
    """Who signs as manager: the one who approved the plan, else the manager printing the report."""
    if plan is not None and plan.data.get("approved_by"):
        return plan.data["approved_by"]
    return ws.user.id if ws.role in ("manager", "admin") else None
