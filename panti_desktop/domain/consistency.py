"""Rules between the records of one child's file: legal track, diversion, case status, lifecycle.

`check(child_records)` is a plain function over record data, so the same rules serve three
callers: the workspace refuses a local save that would add a finding, `verify --consistency`
lists the findings of existing data, and a sync import flags (does not refuse) what arrives.

`child_records` maps a record kind to that child's records, each a dict of its data with its
"id" (oldest first): {"child": [{...}], "legal_track": [...], "diversion": [...], ...}.
Kinds that are absent count as empty. Each finding names the rule (a stable code), the
record it is about, every record it involves (the save of any of them that *adds* the finding
is refused) and one translated sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ..dates import to_date
from ..i18n import _
from .diversion import diversion_eligibility
from .records import RECORD_TYPES, Child, Diversion
from .vocab import DIVERSION_STAGES, LEGAL_STAGES, LIFECYCLE_STATES

# Stages of a diversion past the offer: the law must allow it before any of them (UU SPPA art. 7).
PAST_OFFER = ("deliberation", "agreement", "court_decree", "implementation", "completed")
# Stages at which the restorative-justice agreement has been reached.
AGREED = Diversion.AGREED_STAGES
# Legal stages in which a prosecution or trial is still open.
OPEN_PROCESS = ("prosecution", "trial")
# Case states that end the centre's service.
ENDING_STATES = ("termination", "aftercare")
RISK_ASSESSMENT_MONTHS = 6


@dataclass(frozen=True)
class Finding:
    rule: str  # a stable code, e.g. "diversion_without_process"
    child_id: str | None
    kind: str  # the kind of the record the finding is about
    record_id: str | None
    involves: tuple[tuple[str, str | None], ...]  # (kind, id) of every record the rule reads
    message: str  # one translated sentence
    field: str | None = None

    def key(self) -> tuple[str, str, str | None]:
        return (self.rule, self.kind, self.record_id)


def records_named(f: Finding) -> str:
    """The records a finding involves, by kind and the start of their id: "Diversion 1a2b3c4d, ..."."""
    out = []
    for kind, rid in f.involves:
        cls = RECORD_TYPES.get(kind)
        out.append(f"{cls.TITLE.text() if cls is not None else kind} {(rid or '')[:8]}".strip())
    return ", ".join(out)


def _latest(records: Iterable[dict]) -> dict | None:
    out = list(records)
    return out[-1] if out else None


def _age_at_offence(child: dict | None) -> int | None:
    try:
        return Child.from_dict(child).age_at_offence() if child else None
    except (TypeError, ValueError):  # an imported record with a malformed date: the age is unknown
        return None


def eligibility_for(child: dict | None, legal: dict | None):
    """The diversion eligibility of a child from the latest legal track (UU SPPA art. 7)."""
    legal = legal or {}
    return diversion_eligibility(legal.get("threatened_penalty_months"), legal.get("repeat_offence"),
                                 _age_at_offence(child))


def _months_before(day: date, months: int) -> date:
    return day - timedelta(days=round(months * 30.44))


def check(child_records: Mapping[str, Iterable[dict]], today: date | None = None,
          risk_assessment_months: int = RISK_ASSESSMENT_MONTHS) -> list[Finding]:
    """Every contradiction in one child's file, in a stable order."""
    today = today or date.today()
    recs = {k: [dict(r) for r in v] for k, v in child_records.items()}
    child = _latest(recs.get("child", []))
    child_id = (child or {}).get("id")
    if child_id is None:
        child_id = next((r.get("child_id") for v in recs.values() for r in v if r.get("child_id")), None)
    legal = _latest(recs.get("legal_track", []))
    legal_ref = ("legal_track", legal.get("id")) if legal else None
    stage = (legal or {}).get("stage")
    out: list[Finding] = []

    def add(rule: str, kind: str, rec: dict | None, involves: list, message: str, field: str | None = None):
        inv = tuple(x for x in involves if x is not None)
        out.append(Finding(rule, child_id, kind, (rec or {}).get("id"), inv, message, field))

    eligibility = eligibility_for(child, legal)
    victims = recs.get("victim", [])
    for dv in recs.get("diversion", []):
        dstage = dv.get("stage")
        ref = ("diversion", dv.get("id"))
        if dstage == "failed":
            continue
        if stage == "no_process":
            add("diversion_without_process", "diversion", dv, [ref, legal_ref],
                _("A diversion is recorded while the legal track says “{stage}”: diversion is part of a "
                  "criminal process (UU SPPA art. 7). Correct the legal stage or mark the diversion failed.").format(
                    stage=LEGAL_STAGES.label("no_process")), "stage")
        overridden = bool((dv.get("override_basis") or "").strip())
        if dstage in PAST_OFFER and not overridden:
            if eligibility.eligible is False:
                add("diversion_ineligible", "diversion", dv, [ref, legal_ref, ("child", child_id)],
                    _("The diversion cannot move to “{stage}”: {reason} A manager can record an override only "
                      "with its legal basis (e.g. a court order).").format(
                        stage=DIVERSION_STAGES.label(dstage),
                        reason=" ".join([eligibility.summary()] + eligibility.basis[:3])), "stage")
            elif eligibility.eligible is None:
                add("diversion_eligibility_unknown", "diversion", dv, [ref, legal_ref, ("child", child_id)],
                    _("The diversion cannot move to “{stage}” before its eligibility is known (UU SPPA art. 7): "
                      "record {missing} in the legal track first.").format(
                        stage=DIVERSION_STAGES.label(dstage),
                        missing=_missing_text(eligibility.missing)), "stage")
        if dstage in AGREED:
            _agreement_readiness(dv, ref, victims, recs.get("assessment", []), risk_assessment_months, today, add)

    # No aftercare or termination while a prosecution or trial is open, unless a reason is recorded.
    terminations = recs.get("termination", [])
    termination = _latest(sorted(terminations, key=lambda t: t.get("terminated_on") or ""))
    reason_given = any((t.get("open_process_reason") or "").strip() for t in terminations)
    status = (child or {}).get("status")
    if stage in OPEN_PROCESS and not reason_given:
        if status in ENDING_STATES:
            add("ending_while_process_open", "child", child, [("child", child_id), legal_ref],
                _("The case cannot be in “{status}” while the legal track says “{stage}”: record in the "
                  "termination why the service ends before the court process does.").format(
                    status=LIFECYCLE_STATES.label(status), stage=LEGAL_STAGES.label(stage)), "status")
        for t in terminations:
            add("termination_while_process_open", "termination", t, [("termination", t.get("id")), legal_ref],
                _("A termination while the legal track says “{stage}” needs the reason the service ends "
                  "before the court process does.").format(stage=LEGAL_STAGES.label(stage)), "open_process_reason")

    # Follow-ups come only after termination.
    for f in recs.get("follow_up", []):
        ref = ("follow_up", f.get("id"))
        if termination is None:
            add("follow_up_without_termination", "follow_up", f, [ref],
                _("A follow-up comes after termination: record the termination first."), "due_date")
        elif (f.get("due_date") or "") < (termination.get("terminated_on") or ""):
            add("follow_up_before_termination", "follow_up", f, [ref, ("termination", termination.get("id"))],
                _("A follow-up cannot be due before the termination on {date}.").format(
                    date=termination.get("terminated_on")), "due_date")

    # A final session cannot be dated after the case ended.
    if termination is not None and termination.get("terminated_on"):
        ended = termination["terminated_on"]
        for s in recs.get("session", []):
            if s.get("status") == "final" and (s.get("session_date") or "") > ended:
                add("session_after_end", "session", s, [("session", s.get("id")),
                                                        ("termination", termination.get("id"))],
                    _("A final session on {day} is after the case ended on {ended}: record it as a follow-up "
                      "instead, or correct the date.").format(day=s.get("session_date"), ended=ended),
                    "session_date")
    return out


def _missing_text(missing: list[str]) -> str:
    names = {"threatened_penalty_months": _("the threatened penalty"),
             "repeat_offence": _("whether it is a repeat offence")}
    return _(" and ").join(names.get(m, m) for m in missing) or _("the legal track")


def _agreement_readiness(dv: dict, ref, victims: list[dict], assessments: list[dict], months: int,
                         today: date, add) -> None:
    """UU SPPA art. 8–9 and the centre's practice: what a restorative-justice agreement needs."""
    if not victims:
        add("agreement_without_victims", "diversion", dv, [ref],
            _("A diversion agreement needs every victim's consent (UU SPPA art. 9): record the victims first."),
            "stage")
    for v in victims:
        code = v.get("code") or "?"
        if not v.get("rj_consent") or v.get("rj_withdrawn_on"):
            add("agreement_without_consent", "diversion", dv, [ref],
                _("Victim {code} has not consented to the agreement (or withdrew the consent): a diversion "
                  "agreement needs the consent of every victim (UU SPPA art. 9).").format(code=code),
                "stage")
        elif not v.get("rj_ready"):
            add("agreement_victim_not_ready", "diversion", dv, [ref],
                _("Victim {code} (or the guardian) is not recorded as ready for the meeting.").format(code=code),
                "stage")
    if not (dv.get("facilitator") or "").strip() or not dv.get("facilitator_trained"):
        add("agreement_without_facilitator", "diversion", dv, [ref],
            _("A diversion agreement needs a trained facilitator, named in the record."), "facilitator")
    if not dv.get("confidentiality_agreed"):
        add("agreement_without_confidentiality", "diversion", dv, [ref],
            _("A diversion agreement needs the confidentiality agreement of everyone present."),
            "confidentiality_agreed")
    day = to_date(dv.get("agreement_date")) or today
    since = _months_before(day, months).isoformat()
    if not any(a.get("risk_level") and since <= (a.get("assessed_on") or "") <= day.isoformat() for a in assessments):
        add("agreement_without_risk_assessment", "diversion", dv, [ref],
            _("A diversion agreement needs a risk assessment dated within the {n} months before it.").format(
                n=months), "stage")
