"""The parts of the social report (Laporan Sosial) a probation officer and a judge read beside the
Litmas: the chronology of the case and the services, the family's socio-economic situation, school,
the assessment findings with their instrument, the victims' position in de-identified terms, the
recommendation the social worker wrote, and signature blocks from the staff's profiles.

Each function appends to a platypus story; `child_report.build` puts them in order.
"""

from __future__ import annotations

from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..dates import long_date
from ..domain.templates import find_template
from ..domain.vocab import (
    AGENCIES,
    CAREGIVER_RELATIONS,
    EDUCATION_LEVELS,
    FAMILY_STRUCTURES,
    FOLLOW_UP_MONTHS,
    INCOME_BANDS,
    INTERVENTION_TYPES,
    LIVING_ARRANGEMENTS,
    OCCUPATIONS,
    REFERRAL_DIRECTIONS,
    REFERRAL_SOURCES,
    RISK_LEVELS,
    RJ_CONSENT_GIVERS,
    SCHOOL_STATUSES,
    SUPERVISION_CAPACITIES,
    TERMINATION_REASONS,
    VICTIM_AGE_BANDS,
    VICTIM_RELATIONSHIPS,
)
from ..i18n import _
from .common import FONT, esc, key_values, table


def _yn(v) -> str:
    return "—" if v is None else (_("yes") if v else _("no"))


def _instrument(a: dict) -> str:
    t = find_template(a.get("template_id") or "", a.get("template_version"))
    name = t.title.text() if t is not None else (a.get("template_id") or "—")
    return _("{name}, version {v}").format(name=name, v=a.get("template_version") or (t.version if t else "?"))


def chronology(cf, ws, data: dict, sessions: list, until: str) -> list[tuple[str, str]]:
    """(ISO date, event) of the case and the services, oldest first, up to `until`."""
    s = cf.sections
    ev: list[tuple[str, str]] = []

    def add(day, text):
        if day and day <= until:
            ev.append((day, text))

    add(data.get("offence_date"), _("Offence (as recorded in the referral)"))
    for lt in s.get("legal_track", []):
        d = lt.data
        add(d.get("letter_date"), _("Referral letter {no} ({source})").format(
            no=d.get("letter_no") or "—", source=REFERRAL_SOURCES.label(d.get("referral_source")) or "—"))
        add(d.get("decision_date"), _("Decision: {text}").format(text=d.get("decision") or "—"))
    add(data.get("intake_date"), _("Intake at the centre"))
    for r in s.get("referral", []):
        add(r.data.get("referred_on"), _("{direction}: {agency}").format(
            direction=REFERRAL_DIRECTIONS.label(r.data.get("direction")), agency=AGENCIES.label(r.data.get("agency"))))
    for c in s.get("case_conference", []):
        add(c.data.get("held_on"), _("Case conference: {text}").format(text=c.data.get("decisions") or "—"))
    for a in s.get("assessment", []):
        add(a.data.get("assessed_on"), _("Assessment: {instrument}").format(instrument=_instrument(a.data)))
    for p in s.get("plan", []):
        if p.data.get("approved_at"):
            add(p.data["approved_at"], _("Rehabilitation plan approved (version {n})").format(
                n=p.data.get("version_no") or 1))
    if sessions:
        add(sessions[0].data.get("session_date"), _("First session of the intervention"))
        if len(sessions) > 1:
            add(sessions[-1].data.get("session_date"), _("Latest session ({n} sessions in all)").format(
                n=len(sessions)))
    for dv in s.get("diversion", []):
        d = dv.data
        add(d.get("offered_on"), _("Diversion offered"))
        add(d.get("started_on"), _("Diversion deliberation started"))
        add(d.get("agreement_date"), _("Diversion agreement reached"))
    for sp in s.get("safety_plan", []):
        add(sp.data.get("agreed_on"), _("Safety plan agreed"))
    for t in s.get("termination", []):
        add(t.data.get("terminated_on"), _("Termination: {reason}").format(
            reason=TERMINATION_REASONS.label(t.data.get("reason"))))
    for f in s.get("follow_up", []):
        add(f.data.get("done_on"), _("Follow-up after {months}").format(
            months=FOLLOW_UP_MONTHS.label(f.data.get("month"))))
    return sorted(ev, key=lambda e: e[0])


def chronology_block(story, st, width, events) -> None:
    story.append(Paragraph(esc(_("Chronology of the case and the services")), st["h2"]))
    if not events:
        story.append(Paragraph(esc(_("No dated events are recorded.")), st["body"]))
        return
    rows = [[_("Date"), _("Event")]] + [[long_date(day), text] for day, text in events]
    story.append(table(rows, [width * 0.22, width * 0.78], st=st))


def family_block(story, st, width, cf, data: dict) -> None:
    story.append(Paragraph(esc(_("Family and socio-economic situation")), st["h2"]))
    families = cf.sections.get("family") or []
    pairs = [(_("Living arrangement"), LIVING_ARRANGEMENTS.label(data.get("living_arrangement")) or "—")]
    if families:
        fd = families[-1].data
        pairs += [(_("Family structure"), FAMILY_STRUCTURES.label(fd.get("structure")) or "—"),
                  (_("Household size"), str(fd["household_size"]) if fd.get("household_size") else "—"),
                  (_("On the welfare register (DTKS)"), _yn(fd.get("welfare_register"))),
                  (_("Supervision capacity"), SUPERVISION_CAPACITIES.label(fd.get("supervision_capacity")) or "—"),
                  (_("Family strengths"), fd.get("strengths") or "—"),
                  (_("Family needs"), fd.get("needs") or "—")]
    story.append(key_values(pairs, width, st))
    caregivers = cf.sections.get("caregiver") or []
    if caregivers:
        rows = [[_("Relation"), _("Education"), _("Occupation"), _("Income"), _("Lives with the child")]]
        rows += [[CAREGIVER_RELATIONS.label(c.data.get("relation")), EDUCATION_LEVELS.label(c.data.get("education"))
                  or "—", OCCUPATIONS.label(c.data.get("occupation")) or "—",
                  INCOME_BANDS.label(c.data.get("income_band")) or "—", _yn(c.data.get("lives_with_child"))]
                 for c in caregivers]
        story.append(Spacer(1, 4))
        story.append(table(rows, [width * w for w in (0.2, 0.2, 0.22, 0.2, 0.18)], st=st))


def school_block(story, st, width, data: dict, full_identity: bool) -> None:
    story.append(Paragraph(esc(_("School")), st["h2"]))
    pairs = [(_("Education"), EDUCATION_LEVELS.label(data.get("education")) or "—"),
             (_("School status"), SCHOOL_STATUSES.label(data.get("school_status")) or "—")]
    if full_identity:  # the school's name identifies the child
        pairs.append((_("School"), data.get("school_name") or "—"))
    story.append(key_values(pairs, width, st))


def assessment_block(story, st, width, cf, hidden_note: str) -> None:
    story.append(Paragraph(esc(_("Assessment findings (risk and needs)")), st["h2"]))
    if "assessment" in cf.hidden:
        story.append(Paragraph(esc(hidden_note), st["body"]))
        return
    assessments = sorted(cf.sections.get("assessment") or [], key=lambda a: a.data.get("assessed_on") or "")
    if not assessments:
        story.append(Paragraph(esc(_("No assessment is recorded.")), st["body"]))
        return
    for a in assessments:
        d = a.data
        pairs = [(_("Instrument"), _instrument(d)), (_("Date"), long_date(d.get("assessed_on"))),
                 (_("Risk level"), RISK_LEVELS.label(d.get("risk_level")) or "—")]
        t = find_template(d.get("template_id") or "", d.get("template_version"))
        if t is not None:
            scores = t.domain_scores(d.get("answers") or {})
            for dom in t.domains:
                if dom.id in scores:
                    got, top = scores[dom.id]
                    pairs.append((dom.title.text(), f"{got:g} / {top:g}"))
        pairs.append((_("Findings"), d.get("summary") or "—"))
        story.append(key_values(pairs, width, st))
        story.append(Spacer(1, 4))


def interventions_block(story, st, width, cf, plan) -> None:
    if plan is None or "intervention" in cf.hidden:
        return
    items = [i for i in cf.sections.get("intervention", []) if i.data.get("plan_id") == plan.id]
    if not items:
        return
    story.append(Paragraph(esc(_("Interventions")), st["h2"]))
    rows = [[_("Type"), _("Description"), _("Frequency"), _("Start")]]
    rows += [[INTERVENTION_TYPES.label(i.data.get("type")), i.data.get("description") or "—",
              i.data.get("frequency") or "—", long_date(i.data.get("start_date")) or "—"] for i in items]
    story.append(table(rows, [width * 0.2, width * 0.45, width * 0.17, width * 0.18], st=st))


def victims_block(story, st, width, cf, hidden_note: str) -> None:
    story.append(Paragraph(esc(_("The victims' position (de-identified)")), st["h2"]))
    if "victim" in cf.hidden:
        story.append(Paragraph(esc(hidden_note), st["body"]))
        return
    victims = cf.sections.get("victim") or []
    if not victims:
        story.append(Paragraph(esc(_("No victim is recorded.")), st["body"]))
        return
    rows = [[_("Victim"), _("Age band"), _("Relationship"), _("Ready to meet"), _("Restorative justice")]]
    for n, v in enumerate(victims, 1):
        d = v.data
        if d.get("rj_withdrawn_on"):
            consent = _("consent withdrawn on {date}").format(date=long_date(d["rj_withdrawn_on"]))
        elif d.get("rj_consent"):
            consent = _("consents ({who}, {date})").format(who=RJ_CONSENT_GIVERS.label(d.get("rj_consent_by")) or "—",
                                                           date=long_date(d.get("rj_consent_date")) or "—")
        else:
            consent = _("no consent recorded")
        rows.append([_("Victim {n}").format(n=n), VICTIM_AGE_BANDS.label(d.get("age_band")) or "—",
                     VICTIM_RELATIONSHIPS.label(d.get("relationship")) or "—", _yn(d.get("rj_ready")), consent])
    story.append(table(rows, [width * w for w in (0.12, 0.15, 0.2, 0.15, 0.38)], st=st))


def signature_block(story, st, width, place_date: str, signers: list[tuple[str, dict, str]]) -> None:
    """Signers: (role title, profile, note); the full name, NIP and position come from the profile,
    the note (e.g. the date of a review) follows them; a blank line to write on where a profile has
    no full name (never a login name)."""
    head = [Paragraph(esc(role), st["cellbold"]) for role, _p, _n in signers]
    names, details = [], []
    for _role, profile, note in signers:
        names.append(Paragraph(esc(profile.get("full_name") or "(..............................)"), st["body"]))
        lines = [profile.get("position") or ""]
        if profile.get("staff_no"):
            lines.append(_("NIP / staff no. {no}").format(no=profile["staff_no"]))
        lines.append(note)
        details.append(Paragraph(esc("\n".join(x for x in lines if x)), st["small"]))
    col = width / max(1, len(signers))
    sig = Table([[Paragraph(esc(place_date), st["body"])] + [""] * (len(signers) - 1), head,
                 [""] * len(signers), names, details], colWidths=[col] * len(signers),
                rowHeights=[None, None, 40, None, None])
    sig.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)]))
    story.append(Spacer(1, 18))
    story.append(KeepTogether([sig]))


def draft_warning(story, st) -> None:
    """At the top of a social report whose recommendation no manager has approved yet."""
    story.append(Paragraph(esc(draft_stamp() + ". " + _(
        "No manager has approved the recommendation yet: this is not the social report to hand to the "
        "probation officer or the court.")), st["warning"]))


def draft_stamp() -> str:
    return _("DRAFT — not reviewed")


def recommendation_block(story, st, ws, rec) -> None:
    """The recommendation as written, who wrote it and where its review stands."""
    def name(user_id):
        return ws.user_profile(user_id).get("full_name") or ws.user_name(user_id) if user_id else "—"

    story.append(Paragraph(esc(rec.text), st["body"]))
    written = _("Written by {name} on {date}.").format(name=name(rec.author_id), date=long_date(rec.written_on))
    if rec.approved:
        state = _("Reviewed and approved by {name} on {date}.").format(name=name(rec.reviewed_by),
                                                                        date=long_date(rec.reviewed_on))
    elif rec.status == "returned":
        state = _("Returned for changes by {name} on {date}; not approved.").format(
            name=name(rec.reviewed_by), date=long_date(rec.reviewed_on))
    else:
        state = _("Not yet reviewed by a manager.")
    story.append(Spacer(1, 3))
    story.append(Paragraph(esc(written + " " + state), st["small"]))


def court_signers(ws, rec) -> list[tuple[str, dict, str]]:
    """The social worker who wrote the recommendation; the manager who approved it, with the date,
    or a blank block that says no one has."""
    signers = [(_("Social worker"), ws.user_profile(rec.author_id), "")]
    if rec.approved:
        signers.append((_("Reviewed and approved by"), ws.user_profile(rec.reviewed_by),
                        _("Reviewed on {date}").format(date=long_date(rec.reviewed_on))))
    else:
        signers.append((_("Reviewer (manager)"), {}, _("Not reviewed yet")))
    return signers
