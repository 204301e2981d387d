"""Domain rules without storage: vocabularies, validation, lifecycle, diversion, templates."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panti_desktop.domain import lifecycle, vocab
from panti_desktop.domain.diversion import diversion_eligibility
from panti_desktop.domain.records import RECORD_TYPES, Child, Session, record_from_dict
from panti_desktop.domain.templates import Template, all_templates, find_template
from panti_desktop.errors import ValidationError
from panti_desktop.i18n import set_language
from panti_desktop.store.kinds import KINDS

TODAY = date(2026, 11, 24)


def test_every_store_kind_has_a_record_type_and_back():
    assert set(RECORD_TYPES) == set(KINDS)
    for name, cls in RECORD_TYPES.items():
        if KINDS[name].per_child:
            assert "child_id" in cls.field_names(), name
        for col in KINDS[name].index:
            assert col in cls.field_names(), (name, col)


def test_every_vocabulary_label_exists_in_both_languages():
    for v in vocab.ALL.values():
        assert v.title.id and v.title.en
        for code_ in v.codes():
            assert v.label(code_, "id") and v.label(code_, "en"), (v.name, code_)
    assert vocab.SYSTEMS.label("peers", "id") == "Teman sebaya"
    assert vocab.SYSTEMS.label("peers", "en") == "Peers"
    assert vocab.LEGAL_STAGES.label("investigation", "id") == "Penyidikan"
    assert vocab.SYSTEMS.label("not-a-code") == "not-a-code"


def test_every_field_has_a_label_in_both_languages():
    for cls in RECORD_TYPES.values():
        for name in cls.field_names():
            if name == "id":
                continue
            label = cls.field_meta(name)["label"]
            assert label.id and label.en, (cls.KIND, name)


def test_child_derived_values():
    c = Child(full_name="Rizki Aditya Pratama", birth_date="2011-04-12", offence_date="2025-12-20")
    assert c.initials() == "R.A.P."
    assert c.age_on(date(2026, 4, 11)) == 14 and c.age_on(date(2026, 4, 12)) == 15
    assert c.age_at_offence() == 14
    assert Child(full_name="Muh. 'Ali bin-Yusuf").initials() == "M.A.B.Y."


def test_values_typed_on_the_command_line_are_normalised():
    lt = record_from_dict("legal_track", {"child_id": "c", "threatened_penalty_months": "60",
                                          "repeat_offence": "tidak", "stage": " trial "})
    lt.validate(TODAY)
    assert lt.threatened_penalty_months == 60 and lt.repeat_offence is False and lt.stage == "trial"
    s = Session(child_id="c", session_date="2026-11-20", participants="child, mother", duration_minutes="60")
    s.validate(TODAY)
    assert s.participants == ["child", "mother"] and s.duration_minutes == 60


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("child", {"full_name": ""}, "full_name"),
        ("child", {"full_name": "A B", "birth_date": "2011-13-01"}, "birth_date"),
        ("child", {"full_name": "A B", "birth_date": "2030-01-01"}, "birth_date"),
        ("child", {"full_name": "A B", "nik": "3174 0512 0411 000"}, "nik"),
        ("child", {"full_name": "A B", "status": "happy"}, "status"),
        ("child", {"full_name": "A B", "birth_date": "2024-01-01"}, "birth_date"),
        ("session", {"child_id": "c", "session_date": "2026-11-20", "duration_minutes": "lama"}, "duration_minutes"),
        ("session", {"child_id": "c", "session_date": "2026-11-20", "participants": ["child", "alien"]}, "participants"),
        ("session", {"child_id": "c", "session_date": "2026-11-20", "status": "final"}, "participants"),
        ("session", {"child_id": "c", "session_date": "2026-11-20", "goals": [{"goal_id": "g", "rating": 7}]}, "goals"),
        ("session", {"child_id": "c", "session_date": "2026-12-01"}, "session_date"),
        ("victim", {"child_id": "c", "code": "Ahmad Fauzi"}, "code"),
        ("diversion", {"child_id": "c", "case_received_on": "2026-05-10", "started_on": "2026-05-01"}, "started_on"),
        ("victim", {"child_id": "c", "code": "K1", "rj_consent_date": "2026-05-10", "rj_withdrawn_on": "2026-05-01"},
         "rj_withdrawn_on"),
        ("plan", {"child_id": "c", "start_date": "2026-05-01", "review_date": "2026-04-01"}, "review_date"),
        ("legal_track", {"child_id": "c", "threatened_penalty_months": -1}, "threatened_penalty_months"),
        ("consent", {"child_id": "c", "given_by": "Ibu", "relation": "mother", "given_on": "2026-01-01",
                     "withdrawn_on": "2025-01-01"}, "withdrawn_on"),
    ],
)
def test_bad_input_names_the_field(kind, data, field):
    with pytest.raises(ValidationError) as e:
        record_from_dict(kind, data).validate(TODAY)
    assert e.value.field == field
    assert str(e.value)


def test_validation_messages_are_translated():
    set_language("id")
    with pytest.raises(ValidationError) as e:
        record_from_dict("child", {"full_name": "A B", "birth_date": "kemarin"}).validate(TODAY)
    assert "Tanggal lahir" in str(e.value) and "bukan tanggal yang sah" in str(e.value)
    set_language("en")
    with pytest.raises(ValidationError) as e:
        record_from_dict("child", {"full_name": "A B", "birth_date": "kemarin"}).validate(TODAY)
    assert "Date of birth" in str(e.value)


_DATE_TEXT = st.one_of(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)).map(date.isoformat),  # real dates
    st.dates().map(lambda d: f" {d.isoformat()} "),  # with spaces around
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),  # the shape of a date, often no date (2026-02-30)
    st.text(max_size=12),
)


@given(_DATE_TEXT)
def test_any_date_text_is_either_a_date_or_a_clear_error(text):
    try:
        real = date.fromisoformat(text.strip())
    except ValueError:
        real = None
    c = record_from_dict("child", {"full_name": "A B", "intake_date": text})
    try:
        c.validate(TODAY)
    except ValidationError as e:
        assert e.field == "intake_date"
        assert text.strip() and (real is None or real > TODAY), text  # refused only when wrong
    else:
        assert c.intake_date is None or date.fromisoformat(c.intake_date) <= TODAY
        assert real is None or c.intake_date == real.isoformat(), text  # a date is kept as that date


def test_unknown_keys_from_a_newer_version_are_ignored():
    c = Child.from_dict({"full_name": "A B", "shoe_size": 42})
    assert "shoe_size" not in c.to_dict()


def test_lifecycle_main_path_and_side_states():
    path = list(lifecycle.ACTIVE) + ["closed", "archived"]
    for old, new in itertools.pairwise(path):
        lifecycle.check_transition(old, new)
    lifecycle.check_transition("evaluation", "intervention")  # may return
    lifecycle.check_transition("intervention", "new_report")
    lifecycle.check_transition("new_report", "assessment")  # a new report triggers re-assessment
    for old, new in [("referral_received", "intervention"), ("initial_engagement", "closed"),
                     ("archived", "intervention"), ("closed", "intervention")]:
        with pytest.raises(ValidationError):
            lifecycle.check_transition(old, new)
    with pytest.raises(ValidationError):
        lifecycle.check_transition("intervention", "on_holiday")
    assert "assessment" in lifecycle.allowed_next("initial_engagement")
    assert lifecycle.allowed_next("archived") == []


@pytest.mark.parametrize(
    ("months", "repeat", "age", "expected"),
    [
        (83, False, 15, True),
        (84, False, 15, False),
        (60, True, 15, False),
        (None, False, 15, None),
        (60, None, 15, None),
        (None, True, 15, False),  # a repeat offence decides it even without the penalty
        (60, False, 18, False),
        (60, False, None, True),
    ],
)
def test_diversion_eligibility_rule_and_basis(months, repeat, age, expected):
    e = diversion_eligibility(months, repeat, age)
    assert e.eligible is expected
    assert e.basis and e.summary()
    if months is not None:
        assert any(str(months) in line for line in e.basis)


def test_shipped_templates_load_and_check_answers():
    ids = {t.id for t in all_templates()}
    assert {"determinants", "mst_systems", "atensi_intake"} <= ids
    mst = find_template("mst_systems")
    assert [d.id for d in mst.domains] == ["individual", "family", "peers", "school", "community"]
    det = find_template("determinants")
    det.check_answers({"pornography": "2", "own_victimisation": "yes", "notes": "bebas"})
    with pytest.raises(ValidationError):
        det.check_answers({"pornography": "5"})
    with pytest.raises(ValidationError):
        det.check_answers({"shoe_size": "2"})
    a = record_from_dict("assessment", {"child_id": "c", "template_id": "determinants", "assessed_on": "2026-11-01",
                                        "answers": {"pornography": "9"}})
    with pytest.raises(ValidationError):
        a.validate(TODAY)


def test_reassessment_comparison_knows_better_from_worse():
    det = find_template("determinants")
    changes = {c.item.id: c.direction for c in det.compare(
        {"pornography": "2", "family_supervision": "0", "peer_influence": "1"},
        {"pornography": "0", "family_supervision": "2", "peer_influence": "2"},
    )}
    assert changes == {"pornography": "better", "family_supervision": "better", "peer_influence": "worse"}
    scores = det.domain_scores({"pornography": "2", "family_supervision": "2"})
    assert scores["exposure"] == (2, 2) and scores["context"] == (0, 2)


def test_a_malformed_or_newer_template_is_refused():
    with pytest.raises(ValidationError):
        Template.from_dict({"id": "x", "version": 1, "title": "x", "domains": [{"id": "d", "title": "d",
                            "items": [{"id": "i", "text": "t", "scale": "nope"}]}]})
    with pytest.raises(ValidationError):
        Template.from_dict({"format": 99, "id": "x", "version": 1, "title": "x", "domains": []})
    with pytest.raises(ValidationError):
        Template.from_dict({"id": "x"})
