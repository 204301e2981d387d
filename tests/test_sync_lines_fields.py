"""The import's fast field check (`lines._canonical`) against the form's own validation.

An imported record that passes the fast check is stored as it came, so the fast check must
never pass what the form would refuse or change: drawn records of every kind, their fields
valid, one step off or of the wrong type (seeded), and whatever the fast check accepts, the form's
validation accepts, each field unchanged by its normalisation. A record as the app writes it takes the fast path."""

from __future__ import annotations

import dataclasses
import random
from datetime import date

from panti_desktop.domain import fields as F
from panti_desktop.domain.records import RECORD_TYPES
from panti_desktop.errors import ValidationError
from panti_desktop.sync import lines as L

TODAY = date(2026, 6, 1)

_JUNK = [None, True, False, 0, -1, 2.5, float("nan"), "", " ", "x ", " x", "\u00a0x", "2026-01-01", "09:30", "final",
         [1, "a"], [[1]], {"a": 1}, "x" * 20_001]


def _good(m: dict, rnd: random.Random):
    kind = m.get("type")
    if kind == "text":
        return rnd.choice(["ok", "Pertemuan di sekolah.", "a\tb", "x" * m.get("max_len", 20_000)])
    if kind == "date":
        return rnd.choice(["2026-01-01", "2011-05-06", "2026-06-01", "2020-02-29"])
    if kind == "time":
        return rnd.choice(["09:30", "23:59", "00:00"])
    if kind in ("int", "float"):
        lo, hi = m.get("lo"), m.get("hi")
        lo = 0 if lo is None else lo
        return rnd.choice([lo, lo + 1, lo if hi is None else hi])
    if kind == "bool":
        return rnd.choice([True, False])
    if kind == "code":
        return rnd.choice(list(m["vocab"]))
    if kind == "codes":
        return rnd.sample(list(m["vocab"]), rnd.randint(0, min(2, len(m["vocab"]))))
    if kind == "strings":
        return rnd.sample(["a", "b", "c d"], rnd.randint(0, 2))
    if kind == "list":
        return rnd.choice([[], [{"goal_id": "g1", "rating": 2}], [{"goal_id": "g1"}]])
    if kind == "dict":
        return rnd.choice([{}, {"a": 1}])
    return rnd.choice(["r1", "01a2340d0c0b7b71"])


def _near(m: dict, rnd: random.Random):
    """A value one step off what the form stores for this field."""
    kind = m.get("type")
    lo, hi = m.get("lo"), m.get("hi")
    options = {
        "text": [" ok", "ok ", "", "\nok", "x" * (m.get("max_len", 20_000) + 1), ["ok"]],
        "date": ["2026-02-30", "2026-1-1", " 2026-01-01", "2099-01-01", "20260101", "2026-06-02"],
        "time": ["24:00", "9:30", " 09:30", "12:60"],
        "int": [x for b in (lo, hi) if b is not None for x in (b - 1, b + 1)] + [1.5, "3", True, 2**80],
        "float": [x for b in (lo, hi) if b is not None for x in (b - 0.5, b + 0.5)] + ["3", True, float("nan")],
        "bool": ["true", 1, 0, "no"],
        "code": ["nope", " " + next(iter(m.get("vocab") or ["x"])), 1],
        "codes": [["nope"], [next(iter(m.get("vocab") or ["x"]))] * 2, "a,b", [1], [[1]], [""]],
        "strings": [[" a"], [""], "a;b", [1], ["a", None]],
        "list": [["x"], [{"rating": "9"}], [{"goal_id": "g1", "rating": "3"}], {"a": 1}],
        "dict": [[], "x", [["a", 1]]],
        "ref": [" r1", "r1 ", 5, ""],
    }
    return rnd.choice(options.get(kind, [None]) + [rnd.choice(_JUNK)])


def _drawn(rnd: random.Random) -> tuple[str, dict]:
    name = rnd.choice(sorted(RECORD_TYPES))
    data = {"id": "r1"}
    for f in dataclasses.fields(RECORD_TYPES[name]):
        roll = rnd.random()
        if roll < 0.08:
            continue  # absent
        data[f.name] = None if roll < 0.16 else _near(f.metadata, rnd) if roll < 0.22 else _good(f.metadata, rnd)
    return name, data


def _empty(v) -> bool:
    return v is None or v == "" or v == [] or v == {}


def test_what_the_fast_check_passes_the_form_accepts_unchanged():
    rnd = random.Random(18)
    passed = 0
    for _i in range(3000):
        name, data = _drawn(rnd)
        if not L._canonical(name, data, TODAY):
            continue
        passed += 1
        obj = RECORD_TYPES[name].from_dict(data)
        try:
            obj.validate(TODAY)
        except (ValidationError, TypeError, ValueError, AttributeError, KeyError) as exc:
            raise AssertionError(f"the fast check passed {name} {data!r}, the form refuses it: {exc}") from None
        fields = {f.name: f for f in dataclasses.fields(RECORD_TYPES[name])}
        for field, value in data.items():
            if field == "id":
                continue
            clean = F.normalise(fields[field], value)  # the field as the form stores it (rules aside)
            assert clean == value or (_empty(clean) and _empty(value)), (name, field, value, clean)
            assert type(clean) is type(value) or _empty(value) or isinstance(clean, float), (name, field, value)
    assert passed > 300  # the drawing reaches the fast path, not only the refusals


def test_a_record_as_the_app_writes_it_takes_the_fast_path():
    session = {"id": "s1", "child_id": "c1", "session_date": "2026-05-01", "start_time": "18:00",
               "duration_minutes": 45, "setting": "centre", "participants": ["child", "mother"],
               "systems": ["family"], "goals": [{"goal_id": "g1", "rating": 2}], "interventions": ["mst"],
               "notes": "Pertemuan di sekolah.", "author_id": "u1", "status": "final", "finalised_at": "2026-05-01"}
    assert L._canonical("session", session, TODAY)
    assert L.field_refusal("session", session, TODAY) is None
    # and what the form refuses is refused, with the field named
    assert not L._canonical("session", {**session, "participants": []}, TODAY)
    assert L.field_refusal("session", {**session, "participants": []}, TODAY)[0] == "participants"
    assert L.field_refusal("session", {**session, "systems": ["family", "family"]}, TODAY) is None  # normalised
    assert not L._canonical("session", {**session, "systems": ["family", "family"]}, TODAY)
    assert L.field_refusal("session", {**session, "setting": "moon"}, TODAY)[0] == "setting"
    assert L.field_refusal("session", {**session, "interventions": [["mst"]]}, TODAY)[0] == "interventions"
    assert L.field_refusal("session", {**session, "notes": "x" * 20_001}, TODAY)[0] == "notes"
