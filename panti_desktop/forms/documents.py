"""The four printable forms: intake, session log, consent and home-visit checklist.

Each builder takes a Subject (a child's pre-filled data, or none) and returns the platypus story of
the form's body; registry.print_form adds the page furniture (title, register number, QR code). The
fields follow the records they are typed into later (their labels and codes come from
domain/records.py and domain/vocab.py), so the paper and the window ask the same questions.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from ..domain import vocab as V
from ..domain.records import Child, Consent, Family, LegalTrack, Session
from ..i18n import _
from ..reports.common import esc
from .layout import (
    ROW,
    choices,
    fields,
    form_styles,
    paragraph,
    section,
    signatures,
    tick_table,
    writing_space,
)
from .subject import Subject


def _labels(vocab) -> list[str]:
    return [label for _code, label in vocab.items()]


def _who(subject: Subject, st: dict) -> list:
    """Who the form is about: initials and counsellor (the register number is in the page header)."""
    return [fields([[(_("Child (initials)"), subject.initials or None),
                     (_("Counsellor"), subject.counsellor or None)]], st), Spacer(1, 4)]


def _yes_no() -> list[str]:
    return [_("yes"), _("no")]


# --- intake -----------------------------------------------------------------------------------


def intake(subject: Subject) -> list:
    st = form_styles()
    c = Child.field_label
    story: list = [paragraph(_("Filled in when a child is received. The child's name and identity are written "
                               "here by hand and typed into Panti the same day; keep the sheet in the locked "
                               "case file."), st, "hint"), Spacer(1, 4)] + _who(subject, st)
    story += [section(_("A. The child"), st), fields([
        [(c("full_name"), None)],
        [(c("nickname"), None), (c("sex"), choices(_labels(V.SEXES)))],
        [(c("nik"), None), (c("religion"), None)],
        [(c("birth_place"), None), (c("birth_date"), None)],
        [(c("address"), None)],
        [("", None)],
        [(c("education"), choices(_labels(V.EDUCATION_LEVELS)))],
        [(c("school_status"), choices(_labels(V.SCHOOL_STATUSES)))],
        [(c("school_name"), None)],
        [(c("living_arrangement"), choices(_labels(V.LIVING_ARRANGEMENTS)))],
        [(c("disability"), None)],
    ], st), Spacer(1, 6)]
    story += [section(_("B. Parents or guardian"), st), fields([
        [(c("father_name"), None)],
        [(c("mother_name"), None)],
        [(c("guardian_name"), None), (c("guardian_contact"), None)],
        [(Family.field_label("structure"), choices(_labels(V.FAMILY_STRUCTURES)))],
        [(Family.field_label("household_size"), None),
         (Family.field_label("welfare_register"), choices(_yes_no()))],
    ], st), Spacer(1, 6)]
    lt = LegalTrack.field_label
    story += [section(_("C. Referral and legal track"), st), fields([
        [(c("intake_date"), None), (c("offence_date"), None)],
        [(lt("referral_source"), choices(_labels(V.REFERRAL_SOURCES)))],
        [(lt("letter_no"), None), (lt("letter_date"), None)],
        [(lt("stage"), choices(_labels(V.LEGAL_STAGES)))],
        [(lt("pk_officer"), None)],
    ], st), Spacer(1, 6)]
    story += [KeepTogether([section(_("D. Documents received"), st), fields([
        [("", choices([_("referral letter"), _("Litmas"), _("court decision or decree"),
                       _("birth certificate / KIA"), _("family card (KK)"), _("signed consent form"),
                       _("school report")]))]], st, widths=(0.02, 0.98, 0, 0))]), Spacer(1, 6)]
    story += [KeepTogether([section(_("E. First observations"), st), Spacer(1, 3),
                            *writing_space(_("The child's condition on arrival (health, mood, belongings)"), 6, st)]),
              KeepTogether(writing_space(_("Urgent needs and safety concerns"), 4, st)),
              signatures([_("Receiving officer"), _("Parent or guardian")], st)]
    return story


# --- session log ------------------------------------------------------------------------------


def session_log(subject: Subject) -> list:
    st = form_styles()
    s = Session.field_label
    story: list = _who(subject, st)
    story += [fields([
        [(s("session_date"), None), (s("start_time"), None)],
        [(s("duration_minutes"), None)],
        [(s("setting"), choices(_labels(V.SESSION_SETTINGS)))],
        [(s("participants"), choices(_labels(V.PARTICIPANTS)))],
        [(s("systems"), choices(_labels(V.SYSTEMS)))],
        [(s("interventions"), choices(_labels(V.INTERVENTION_TYPES)))],
    ], st), Spacer(1, 6)]
    story.append(section(_("Goals worked on and progress (0–4)"), st))
    story.append(paragraph("   ".join(_labels(V.PROGRESS_RATINGS)), st, "hint"))
    rows = [[str(i + 1), V.SYSTEMS.label(g.system), g.text, "", "", "", "", "", ""]
            for i, g in enumerate(subject.goals)]
    extra = 2 if rows else 5
    rows += [[str(len(rows) + i + 1), "", "", "", "", "", "", "", ""] for i in range(extra)]
    story.append(tick_table(["#", _("System"), _("Goal"), "0", "1", "2", "3", "4", _("Note")], rows,
                            (0.04, 0.14, 0.41, 0.05, 0.05, 0.05, 0.05, 0.05, 0.16), st,
                            box_columns=(3, 4, 5, 6, 7), height=10 * mm))
    if not subject.blank and subject.goals_closed:
        story.append(paragraph(_("The goals are not pre-printed: your role or caseload keeps this child's plan "
                                 "closed. Copy them from the plan."), st, "hint"))
    elif not subject.blank and not subject.goals:
        story.append(paragraph(_("The child's plan has no goals in progress yet."), st, "hint"))
    story.append(Spacer(1, 6))
    for name, lines in (("family_task", 3), ("advances", 4), ("barriers", 3), ("safety_incidents", 3),
                        ("next_steps", 3)):
        story.append(KeepTogether(writing_space(s(name), lines, st)))
    story.append(signatures([_("Social worker"), _("Reviewed by (supervisor)")], st))
    return story


# --- consent ----------------------------------------------------------------------------------

def _scope_explanation(code: str) -> str:
    return {
        "processing": _("Recording and keeping the information about my child and my family in the centre's case "
                        "records, encrypted, readable only by the staff who work on my child's case."),
        "reports": _("Reports on my child's progress to the probation officer (PK Bapas), the prosecutor and the "
                     "court in my child's case."),
        "headquarters": _("Sharing with the ministry's headquarters: statistics without names, and my child's "
                          "file if my child is transferred to another centre."),
        "agencies": _("Sharing with the services my child is referred to (health, school, religious or "
                      "vocational), limited to what they need to help my child."),
    }.get(code, "")


def consent(subject: Subject) -> list:
    st = form_styles()
    story: list = [paragraph(_("I, the undersigned:"), st), Spacer(1, 2), fields([
        [(_("Name"), None)],
        [(Consent.field_label("relation"), choices(_labels(V.CAREGIVER_RELATIONS)))],
        [(Child.field_label("address"), None)],
        [(_("Telephone"), None), (_("NIK"), None)],
    ], st), Spacer(1, 6), paragraph(_("parent or guardian of the child:"), st), Spacer(1, 2), fields([
        [(_("Child's name"), None)],
        [(_("Register no."), subject.register_no or None), (Child.field_label("birth_date"), None)],
    ], st), Spacer(1, 8)]
    centre = subject.centre_name
    statements = [
        _("I have been given an explanation, in a language I understand, of the rehabilitation programme of "
          "{centre} for my child: an assessment, a written plan, counselling sessions with my child and with the "
          "family, visits to our home and to my child's school, and cooperation with the probation officer "
          "(PK Bapas) as the juvenile justice law requires (UU No. 11 Tahun 2012).").format(centre=centre),
        _("I agree that my child takes part in this programme, and I will take part in it myself as my child's "
          "parent or guardian."),
        _("I agree to the following uses of the information about my child and my family (tick one box on "
          "each line):"),
    ]
    for i, text in enumerate(statements, 1):
        story.append(paragraph(f"{i}. {text}", st))
        story.append(Spacer(1, 3))
    rows = [[V.CONSENT_SCOPES.label(code), _scope_explanation(code), "", ""] for code in V.CONSENT_SCOPES.codes()]
    story.append(tick_table([_("Use"), _("What it means"), _("I agree"), _("I do not agree")], rows,
                            (0.2, 0.56, 0.12, 0.12), st, box_columns=(2, 3), height=15 * mm))
    story.append(Spacer(1, 6))
    story.append(paragraph("4. " + _("I understand that my child's identity is kept confidential (UU No. 11 Tahun "
                                     "2012 art. 19) and that the information is protected as personal data (UU "
                                     "No. 27 Tahun 2022). I may withdraw this consent, or any part of it, at any "
                                     "time, in writing or orally, and my child keeps receiving the centre's "
                                     "services. A withdrawal does not undo what was shared before it. The records "
                                     "are kept only as long as the rules of the centre require, then erased."),
                           st))
    story.append(Spacer(1, 3))
    story.append(paragraph("5. " + _("I give this consent freely, without pressure from anyone."), st))
    story.append(Spacer(1, 6))
    story.append(KeepTogether([fields([
        [(Consent.field_label("method"), choices(_labels(V.CONSENT_METHODS)))],
        [(_("Read aloud and explained to the signer"), choices(_yes_no())),
         (_("Language used"), None)],
        [(_("The child was told, in words suited to the child's age, and agrees"), choices(_yes_no()))],
        [(_("Place"), None), (Consent.field_label("given_on"), None)],
    ], st, widths=(0.3, 0.25, 0.17, 0.28), height=ROW)]))
    story.append(signatures([_("Parent or guardian"), _("The child")], st, thumbprint=True))
    story.append(signatures([_("Social worker"), _("Witness")], st))
    return story


# --- home visit -------------------------------------------------------------------------------


def _system_checks() -> dict[str, list[str]]:
    """What to look at in each system at a home visit, after MST's fit analysis: what drives the
    behaviour and what protects, in the family, at school, among peers and in the neighbourhood."""
    return {
        "family": [
            _("The main caregiver is present and takes part in the visit"),
            _("The family task from the last session was done"),
            _("The caregiver knows where the child is and with whom, day and evening"),
            _("House rules (curfew, phone and internet use) exist and are kept"),
            _("The child is never left alone with younger children; sleeps apart from them"),
            _("Conflict or violence in the family since the last visit"),
        ],
        "school": [
            _("The child attends school (or training) regularly"),
            _("The caregiver was in contact with the teacher since the last visit"),
            _("School reports problems with behaviour or learning"),
        ],
        "peers": [
            _("The caregiver knows the child's friends and their families"),
            _("The child spends less time with friends who draw him into trouble"),
            _("The child takes part in positive activities with peers (sport, religious, youth groups)"),
        ],
        "community": [
            _("A neighbour, relative or religious figure supports the family"),
            _("The child can reach risky places or content unsupervised (internet café, phone)"),
            _("The family needs social assistance or a referral (PKH, DTKS, health)"),
        ],
    }


def home_visit(subject: Subject) -> list:
    st = form_styles()
    story: list = _who(subject, st)
    story += [fields([
        [(_("Date of the visit"), None), (_("Time (from – to)"), None)],
        [(_("Visited by"), None)],
        [(_("Present"), choices(_labels(V.PARTICIPANTS)))],
        [(_("Purpose of the visit"), None)],
    ], st), Spacer(1, 6)]
    goals_by_system: dict[str, list[str]] = {}
    for g in subject.goals:
        goals_by_system.setdefault(g.system, []).append(g.text)
    for code, checks in _system_checks().items():
        block: list = [section(V.SYSTEMS.label(code), st), Spacer(1, 2)]
        goals = goals_by_system.get(code)
        label = esc(_("Goal in the plan:"))
        block += [Paragraph(f"<b>{label}</b> {esc(text)}", st["text"]) for text in goals or ()]
        block.append(tick_table([_("Seen or heard at the visit"), _("yes"), _("no"), _("don't know"), _("Note")],
                                [[text, "", "", "", ""] for text in checks],
                                (0.52, 0.065, 0.075, 0.1, 0.24), st, box_columns=(1, 2, 3), height=7 * mm))
        block.append(Spacer(1, 2))
        block += writing_space(_("Strengths and drivers of the behaviour seen here"), 2, st)
        story.append(KeepTogether(block))
    story.append(KeepTogether([section(_("Safety and next steps"), st), Spacer(1, 2), tick_table(
        [_("Safety"), _("yes"), _("no"), _("Note")], [
            [_("A child at risk was seen during the visit (tell the supervisor today)"), "", "", ""],
            [_("The safety plan was gone through with the caregiver"), "", "", ""],
        ], (0.59, 0.065, 0.075, 0.27), st, box_columns=(1, 2), height=7 * mm)]))
    story.append(Spacer(1, 2))
    story.append(KeepTogether(writing_space(_("Notes of the visit (what happened, what the family said)"), 6, st)))
    # what was agreed and the signatures stay on one page: a signature never stands alone
    story.append(KeepTogether([*writing_space(_("Family task and next steps"), 3, st),
                               fields([[(_("Next visit (date)"), None)]], st),
                               signatures([_("Social worker"), _("Caregiver")], st)]))
    return story
