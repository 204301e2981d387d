"""Diversion eligibility under UU 11/2012 (SPPA): computed from the facts, shown with its basis.

Art. 7(2): diversion is sought when the threatened prison term is under seven
years and the offence is not a repeat. The rule is never assumed: when a fact is
missing the answer is "unknown" and the basis says what to record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import _

LIMIT_MONTHS = 7 * 12


@dataclass
class Eligibility:
    eligible: bool | None  # None: facts missing, cannot be decided
    basis: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.eligible is True:
            return _("Eligible for diversion (UU SPPA art. 7).")
        if self.eligible is False:
            return _("Not eligible for diversion (UU SPPA art. 7).")
        return _("Diversion eligibility cannot be decided yet: facts are missing.")


def diversion_eligibility(
    threatened_penalty_months: int | None, repeat_offence: bool | None, age_at_offence: int | None = None
) -> Eligibility:
    basis: list[str] = []
    missing: list[str] = []
    verdicts: list[bool] = []

    if age_at_offence is not None:
        if age_at_offence >= 18:
            basis.append(
                _("He was {age} at the time of the offence: the juvenile justice law, and so "
                  "diversion, applies only to offences committed before 18.").format(age=age_at_offence)
            )
            verdicts.append(False)
        elif age_at_offence < 12:
            basis.append(
                _("He was {age} at the time of the offence: under 12 no criminal process applies "
                  "(UU SPPA art. 21); investigators and the PK decide on return to the parents "
                  "or a programme at an LPKS.").format(age=age_at_offence)
            )

    if threatened_penalty_months is None:
        missing.append("threatened_penalty_months")
        basis.append(_("The threatened penalty is not recorded yet."))
    elif threatened_penalty_months < LIMIT_MONTHS:
        basis.append(
            _("Threatened penalty {months} months: under 7 years (84 months).").format(
                months=threatened_penalty_months
            )
        )
        verdicts.append(True)
    else:
        basis.append(
            _("Threatened penalty {months} months: 7 years (84 months) or more.").format(
                months=threatened_penalty_months
            )
        )
        verdicts.append(False)

    if repeat_offence is None:
        missing.append("repeat_offence")
        basis.append(_("Whether this is a repeat offence is not recorded yet."))
    elif repeat_offence:
        basis.append(_("This is a repeat offence."))
        verdicts.append(False)
    else:
        basis.append(_("This is not a repeat offence."))
        verdicts.append(True)

    if False in verdicts:
        eligible: bool | None = False
    elif missing:
        eligible = None
    else:
        eligible = True
    if eligible is not False:
        basis.append(
            _("Diversion also needs the consent of the victim and the victim's family (art. 9), "
              "a risk assessment, a trained facilitator and supervision by the PK afterwards (art. 14).")
        )
    return Eligibility(eligible, basis, missing)
