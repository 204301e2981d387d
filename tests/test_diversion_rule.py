"""The diversion rule (UU SPPA art. 7) exactly: the verdict, every line of its basis, what is
missing, and the summary, at every boundary and in both languages.

Written against mutation testing (scripts/mutation diversion): a changed comparison, a dropped
line of the basis or a changed word of it fails here.
"""

from __future__ import annotations

import pytest

from panti_desktop.domain.diversion import LIMIT_MONTHS, Eligibility, diversion_eligibility
from panti_desktop.i18n import set_language

CONSENT = ("Diversion also needs the consent of the victim and the victim's family (art. 9), a risk "
           "assessment, a trained facilitator and supervision by the PK afterwards (art. 14).")
UNDER = "Threatened penalty {m} months: under 7 years (84 months)."
OVER = "Threatened penalty {m} months: 7 years (84 months) or more."
NO_PENALTY = "The threatened penalty is not recorded yet."
REPEAT = "This is a repeat offence."
NOT_REPEAT = "This is not a repeat offence."
NO_REPEAT = "Whether this is a repeat offence is not recorded yet."
ADULT = ("He was {age} at the time of the offence: the juvenile justice law, and so diversion, applies "
         "only to offences committed before 18.")
YOUNG = ("He was {age} at the time of the offence: under 12 no criminal process applies (UU SPPA art. 21); "
         "investigators and the PK decide on return to the parents or a programme at an LPKS.")


@pytest.mark.parametrize(
    ("months", "repeat", "age", "eligible", "basis", "missing"),
    [
        (83, False, 15, True, [UNDER.format(m=83), NOT_REPEAT, CONSENT], []),
        (84, False, 15, False, [OVER.format(m=84), NOT_REPEAT], []),
        (85, False, 15, False, [OVER.format(m=85), NOT_REPEAT], []),
        (0, False, None, True, [UNDER.format(m=0), NOT_REPEAT, CONSENT], []),
        (60, True, 15, False, [UNDER.format(m=60), REPEAT], []),
        (None, False, 15, None, [NO_PENALTY, NOT_REPEAT, CONSENT], ["threatened_penalty_months"]),
        (60, None, 15, None, [UNDER.format(m=60), NO_REPEAT, CONSENT], ["repeat_offence"]),
        (None, None, None, None, [NO_PENALTY, NO_REPEAT, CONSENT], ["threatened_penalty_months", "repeat_offence"]),
        (None, True, 15, False, [NO_PENALTY, REPEAT], ["threatened_penalty_months"]),
        (90, None, 15, False, [OVER.format(m=90), NO_REPEAT], ["repeat_offence"]),
        (60, False, 17, True, [UNDER.format(m=60), NOT_REPEAT, CONSENT], []),
        (60, False, 18, False, [ADULT.format(age=18), UNDER.format(m=60), NOT_REPEAT], []),
        (60, False, 19, False, [ADULT.format(age=19), UNDER.format(m=60), NOT_REPEAT], []),
        (60, False, 12, True, [UNDER.format(m=60), NOT_REPEAT, CONSENT], []),
        (60, False, 11, True, [YOUNG.format(age=11), UNDER.format(m=60), NOT_REPEAT, CONSENT], []),
        (None, None, 18, False, [ADULT.format(age=18), NO_PENALTY, NO_REPEAT],
         ["threatened_penalty_months", "repeat_offence"]),
    ],
)
def test_the_rule_its_basis_and_what_is_missing(months, repeat, age, eligible, basis, missing):
    e = diversion_eligibility(months, repeat, age)
    assert e.eligible is eligible
    assert e.basis == basis
    assert e.missing == missing


def test_the_limit_is_seven_years_and_age_is_optional():
    assert LIMIT_MONTHS == 84
    assert diversion_eligibility(83, False) == diversion_eligibility(83, False, None)


def test_the_summary_of_each_verdict():
    assert Eligibility(True).summary() == "Eligible for diversion (UU SPPA art. 7)."
    assert Eligibility(False).summary() == "Not eligible for diversion (UU SPPA art. 7)."
    assert Eligibility(None).summary() == "Diversion eligibility cannot be decided yet: facts are missing."
    assert Eligibility(None).basis == [] and Eligibility(None).missing == []


def test_the_basis_and_summary_are_in_indonesian_when_the_language_is():
    english = diversion_eligibility(60, False, 11)
    set_language("id")
    e = diversion_eligibility(60, False, 11)
    assert e.summary() == "Memenuhi syarat diversi (Pasal 7 UU SPPA)."
    assert len(e.basis) == len(english.basis) == 4
    for line, en in zip(e.basis, english.basis, strict=True):
        assert line and line != en
    assert "11" in e.basis[0] and "60" in e.basis[1]
    assert diversion_eligibility(90, True).summary() == "Tidak memenuhi syarat diversi (Pasal 7 UU SPPA)."
    assert diversion_eligibility(None, False).summary() == (
        "Syarat diversi belum dapat ditentukan: ada data yang belum dicatat.")
