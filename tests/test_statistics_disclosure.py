"""The centre statistics, read as a reader with a pencil would: for every hidden cell of every
printed table, what can be deduced from everything else printed (totals, other rows, other
tables, the order of the rows)? The audit below is written independently of the product's
suppression (`domain/disclosure.py`): it knows only what a reader knows and enumerates every
whole-number solution."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from panti_desktop import statistics as S
from panti_desktop.domain.vocab import DETERMINANTS, FAMILY_STRUCTURES, INCOME_BANDS
from panti_desktop.i18n import _, set_language

MULTI = {"offence_form", "determinants", "interventions", "service_system", "termination_outcome",
         "follow_up_outcome"}  # tables where a child (or session) can be in several rows
AT_LEAST_ONE = {"offence_form"}  # a child with the item recorded has at least one row
PARENTS = ("father", "mother", "stepfather", "stepmother")
TODAY = date(2026, 12, 2)


# --- the reader ---------------------------------------------------------------------------


def reader_equations(tables: list[S.StatTable]):
    """Unknowns (hidden cells) and what a reader knows about them, from the printed tables.

    Returns (unknowns, upper, constraints): `unknowns` are (table key, row code); constraints
    are (terms {unknown: coef}, lo, hi) over the unknowns, printed values moved to the bounds."""
    printed = [t for t in tables if not t.withheld]
    unknowns = [(t.key, r.code) for t in printed for r in t.rows if r.hidden]
    pos = {u: i for i, u in enumerate(unknowns)}
    upper = [next(t.denominator for t in printed if t.key == k) for k, _c in unknowns]
    cons = []

    def add(cells: list[tuple[str, str, int]], lo: int, hi: int) -> None:
        terms, known = {}, 0
        for key, code, coef in cells:
            t = next(t for t in printed if t.key == key)
            r = t.row(code)
            if r is None:
                continue
            if r.hidden:
                terms[pos[(key, code)]] = terms.get(pos[(key, code)], 0) + coef
            else:
                known += coef * int(t.cell(r).replace(".", "").replace(",", ""))  # the printed digits
        if terms:
            cons.append((terms, lo - known, hi - known))

    by_key = {t.key: t for t in printed}
    for t in printed:
        rows = [r.code for r in t.rows]
        if t.key not in MULTI:
            add([(t.key, c, 1) for c in rows], t.denominator, t.denominator)
        else:
            nr = [(t.key, "", 1)] if "" in rows else []
            for c in rows:
                if c:
                    add([(t.key, c, 1), *nr], 0, t.denominator)
            if t.key in AT_LEAST_ONE and nr:
                add([(t.key, c, 1) for c in rows], t.denominator, 10 ** 9)
    if "parent_education" in by_key and "caregiver_relation" in by_key:
        n = by_key["parent_education"].denominator
        add([("caregiver_relation", c, 1) for c in PARENTS], n, n)
    withheld = {t.key: t for t in tables if t.withheld}
    if "parent_education" in withheld and "caregiver_relation" in by_key and small(withheld["parent_education"]):
        # not printed, but its reason is ("fewer than 3 parents"): the parents' rows add up to 1 or 2
        add([("caregiver_relation", c, 1) for c in PARENTS], 1, 2)
    if "victim_known" in by_key and "victim_relationship" in by_key:
        rel = by_key["victim_relationship"]
        add([("victim_known", "known", 1)] + [("victim_relationship", r.code, -1) for r in rel.rows
                                              if r.code not in ("stranger", "")], 0, 0)
        for code in ("stranger", ""):
            add([("victim_known", code, 1), ("victim_relationship", code, -1)], 0, 0)
    return unknowns, upper, cons


def small(t: S.StatTable) -> bool:
    """What the printed reason of a withheld table tells a reader: its total is 1 or 2."""
    said = _("fewer than {n} {unit}: not shown so that no one can be recognised").format(n=3, unit=t.unit)
    return t.withheld == said and 0 < t.denominator < 3


def feasible_ranges(n: int, upper: list[int], cons) -> list[tuple[int, int]]:
    """Every solution enumerated (hidden counts are at least 1: zeros are printed as 0), per
    group of unknowns that share a constraint; the least and greatest value of each unknown."""
    groups: list[set[int]] = [{i} for i in range(n)]
    for terms, _lo, _hi in cons:
        merged = set(terms)
        keep = []
        for g in groups:
            if g & merged:
                merged |= g
            else:
                keep.append(g)
        groups = [*keep, merged]
    out: list[tuple[int, int] | None] = [None] * n
    for g in groups:
        vs = sorted(g)
        found = _enumerate(vs, upper, [c for c in cons if set(c[0]) <= g])
        for v in vs:
            assert v in found, "the printed numbers admit no solution"
            out[v] = found[v]
    return out  # type: ignore[return-value]


def _enumerate(vs: list[int], upper: list[int], cons) -> dict[int, tuple[int, int]]:
    """Walk every assignment of the unknowns `vs` (1 .. upper), pruning a partial one only when
    some constraint can no longer hold; the least and greatest value each takes in a solution."""
    found: dict[int, tuple[int, int]] = {}
    value: dict[int, int] = {}

    def ok_partial() -> bool:
        for terms, clo, chi in cons:
            smin = smax = 0
            for v, k in terms.items():
                a, b = (value[v], value[v]) if v in value else (1, upper[v])
                smin += k * (a if k > 0 else b)
                smax += k * (b if k > 0 else a)
            if smin > chi or smax < clo:
                return False
        return True

    def walk(i: int) -> None:
        if i == len(vs):
            for v in vs:
                lo, hi = found.get(v, (value[v], value[v]))
                found[v] = (min(lo, value[v]), max(hi, value[v]))
            return
        v = vs[i]
        for x in range(1, upper[v] + 1):
            value[v] = x
            if ok_partial():
                walk(i + 1)
        del value[v]

    walk(0)
    return found


def audit(tables: list[S.StatTable]) -> list[str]:
    """The hidden cells a reader can narrow too far: fewer than three possible values, or none
    of 3 or more (i.e. the reader learns that the count is 1 or 2)."""
    unknowns, upper, cons = reader_equations(tables)
    bad = []
    for (key, code), (lo, hi) in zip(unknowns, feasible_ranges(len(unknowns), upper, cons), strict=True):
        if hi - lo < 2 or hi < 3:
            bad.append(f"{key}/{code or 'not recorded'} in [{lo}, {hi}]")
    return bad


def assert_safe(stats_tables: list[S.StatTable]) -> None:
    for t in stats_tables:
        if t.withheld:
            continue
        for r in t.rows:
            assert not (0 < r.count < 3) or r.hidden, f"{t.key}/{r.code}: a count of {r.count} is printed"
        if 0 < t.denominator < 3:
            pytest.fail(f"{t.key}: a total of {t.denominator} is printed")
    assert audit(stats_tables) == []


def old_rule(tables: list[S.StatTable]) -> list[S.StatTable]:
    """What the report printed before: only 1 and 2 hidden, every total exact."""
    for t in tables:
        for r in t.rows:
            r.hidden = 0 < r.count < 3
    return tables


# --- centres ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    from panti_desktop import demo
    from panti_desktop.workspace import Workspace

    from .conftest import ADMIN_PASS, FLOOR

    ws, _key = Workspace.init(tmp_path_factory.mktemp("demo") / "v", "DEMO", "Sentra Demo", "admin", ADMIN_PASS,
                              kdf=FLOOR)
    demo.generate(ws, children=50, today=TODAY)
    yield ws
    ws.close()


def test_the_audit_recovers_cells_of_the_old_report(demo_ws):
    """The audit is not a test that cannot fail: on the rule the report used before (hide 1 and
    2, print the rest and the totals) it recovers hidden cells exactly."""
    set_language("en")
    stats = S.compute(demo_ws, date(2025, 12, 1), TODAY)
    bad = audit(old_rule(S.tables_of(S.aggregate(demo_ws, stats.start, stats.end))))
    assert len(bad) >= 5, bad
    assert any("family_structure" in b for b in bad)


@pytest.mark.parametrize("start", [date(2025, 12, 1), date(2026, 11, 1), date(2026, 12, 1)])
def test_no_hidden_cell_of_the_demo_can_be_recovered(demo_ws, start):
    """A year, and two one-month reports of the demo centre."""
    stats = S.compute(demo_ws, start, TODAY)
    assert_safe(stats.tables)
    assert stats.hidden_cells > 0  # there is something to protect, and it is protected


def test_a_small_centre_and_a_one_month_period(ws):
    """Five children: most tables are too small to print; the ones that are printed hold."""
    for i in range(5):
        c = ws.register_child({"full_name": f"Anak Kecil {i}", "birth_date": f"201{i}-02-02",
                               "intake_date": "2026-11-03", "sex": "male" if i else "female",
                               "living_arrangement": "both_parents" if i < 3 else "relatives"})
        ws.add_record("family", {"child_id": c.id, "structure": "intact" if i < 4 else "divorced"})
        ws.add_record("offence", {"child_id": c.id, "forms": ["physical_harassment"], "coercion": i % 2 == 0})
    ws.add_record("termination", {"child_id": c.id, "terminated_on": "2026-11-20", "reason": "goals_achieved",
                                  "living_at_home": True, "in_school_or_work": False})
    stats = S.compute(ws, date(2026, 11, 10), date(2026, 11, 12))
    assert (stats.start, stats.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert_safe(stats.tables)
    # one terminated child: his outcome is not printed, and the report says why
    term = stats.table("termination_outcome")
    assert term.withheld and term.denominator == 1
    # one girl among five: both sexes hidden, so a reader knows only that 1 to 4 are girls
    sexes = stats.table("child_sex")
    assert not sexes.withheld and sexes.row("female").hidden and sexes.row("male").hidden


# the aggregate of a random centre: counts per code, built as the product counts them
@st.composite
def centres(draw) -> dict:
    n = draw(st.integers(0, 60))

    def partition(codes: list[str], total: int) -> dict[str, int]:
        weights = [draw(st.integers(0, 12)) for _c in codes]
        if total == 0 or not any(weights):
            return {codes[0]: total} if total else {}
        cuts = sorted(draw(st.integers(0, total)) for _c in codes[1:])
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        return {c: p for c, p in zip(codes, parts, strict=True) if p}

    tables = {
        "family_structure": {"counts": partition(FAMILY_STRUCTURES.codes() + [""], n), "denominator": n},
        "household_income": {"counts": partition(INCOME_BANDS.codes() + [""], n), "denominator": n},
        "coercion": {"counts": partition(["yes", "no", ""], n), "denominator": n},
    }
    caregivers = draw(st.integers(0, 2 * n + 1))
    tables["caregiver_relation"] = {"counts": partition(list(PARENTS) + ["grandparent", "uncle_aunt", "other"],
                                                        caregivers), "denominator": caregivers}
    parents = sum(tables["caregiver_relation"]["counts"].get(p, 0) for p in PARENTS)
    tables["parent_education"] = {"counts": partition(["none", "primary", "junior", "senior", ""], parents),
                                  "denominator": parents}
    victims = draw(st.integers(0, n + 5))
    tables["victim_relationship"] = {"counts": partition(["friend", "sibling", "neighbour", "stranger", ""],
                                                         victims), "denominator": victims}
    nr = draw(st.integers(0, n))
    others = [c for c in DETERMINANTS.codes() if c in S.OTHER_DETERMINANTS]
    tables["determinants"] = {"counts": {**{c: draw(st.integers(0, n - nr)) for c in others}, "": nr},
                              "denominator": n}
    forms_nr = draw(st.integers(0, n))
    forms = {"physical_harassment": draw(st.integers(0, n - forms_nr))}
    forms["intercourse"] = max(n - forms_nr - forms["physical_harassment"], 0) + draw(st.integers(0, 2))
    forms["intercourse"] = min(forms["intercourse"], n - forms_nr)
    forms["electronic"] = draw(st.integers(0, n - forms_nr))
    tables["offence_form"] = {"counts": {**forms, "": forms_nr}, "denominator": n}
    terminated = draw(st.integers(0, 8))
    tables["termination_outcome"] = {"counts": {"living_at_home": draw(st.integers(0, terminated)),
                                                "new_report": draw(st.integers(0, terminated))},
                                     "denominator": terminated}
    return {"children": n, "tables": tables}


# Found by this test (it failed on some seeds with "the printed numbers admit no solution"):
# the victims known to the child were hidden whenever the strangers or the not recorded were,
# also when known was 0 (an "x" for a zero: the printed numbers contradicted each other and the
# rule) or when the relationship rows printed it anyway (8 + 7 = 15: a reader had it exactly).
KNOWN_ZERO = {"children": 0, "tables": {"victim_relationship": {"counts": {"stranger": 2, "": 2},
                                                                "denominator": 4}}}
KNOWN_PRINTED = {"children": 21, "tables": {"victim_relationship": {
    "counts": {"friend": 8, "neighbour": 7, "stranger": 4, "": 2}, "denominator": 21}}}
# And the audit linked only printed tables: "Parents' education: fewer than 3 parents" is printed
# as the reason it is left out, so the parents' rows of the caregivers table add up to 1 or 2,
# and a hidden father was 1 or 2. Now both the product and the audit keep that link.
PARENTS_WITHHELD = {"children": 12, "tables": {
    "caregiver_relation": {"counts": {"father": 1, "grandparent": 2, "uncle_aunt": 5, "other": 4}, "denominator": 12},
    "parent_education": {"counts": {"primary": 1}, "denominator": 1}}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(centres())
@example(KNOWN_ZERO)
@example(KNOWN_PRINTED)
@example(PARENTS_WITHHELD)
def test_random_centres_hold_under_the_audit(agg):
    set_language("en")
    tables = S.tables_of(agg)
    S.protect(tables)
    assert_safe(tables)


# --- not more than needed -----------------------------------------------------------------


def _fewest(table: S.StatTable) -> int:
    """By brute force with the audit: the fewest hidden cells that make one table pass."""
    primary = {r.code for r in table.rows if 0 < r.count < 3}
    others = [r.code for r in table.rows if r.count >= 3]
    for extra in range(len(others) + 1):
        for chosen in combinations(others, extra):
            for r in table.rows:
                r.hidden = r.code in primary or r.code in chosen
            if audit([table]) == []:
                return len(primary) + extra
    return -1


def test_secondary_suppression_hides_no_more_than_needed(demo_ws):
    """Each demo table hides the fewest cells the audit allows (hiding everything would pass
    too); and no hidden cell of the whole report could be shown without failing the audit."""
    for start in (date(2025, 12, 1), date(2026, 12, 1)):
        stats = S.compute(demo_ws, start, TODAY)
        linked = {"parent_education", "caregiver_relation", "victim_relationship", "victim_known"}
        for t in stats.printed:
            if t.key in linked:
                continue
            hidden = sum(r.hidden for r in t.rows)
            copy = S.StatTable(t.key, t.title, t.unit, [S.Row(r.code, r.label, r.count) for r in t.rows],
                               t.denominator, multi=t.multi, at_least_one=t.at_least_one)
            assert hidden == _fewest(copy), t.key
        for t in stats.printed:
            for r in t.rows:
                if r.hidden and r.count >= 3:
                    r.hidden = False
                    assert audit(stats.tables), f"{t.key}/{r.code} was hidden for nothing"
                    r.hidden = True


def test_categories_keep_their_order_whatever_the_counts():
    a = S.tables_of({"tables": {"family_structure": {"counts": {"intact": 30, "divorced": 2, "other": 9},
                                                     "denominator": 41}}})[0]
    b = S.tables_of({"tables": {"family_structure": {"counts": {"intact": 2, "divorced": 30, "other": 9},
                                                     "denominator": 41}}})[0]
    assert [r.code for r in a.rows] == [r.code for r in b.rows] == FAMILY_STRUCTURES.codes() + [""]


# --- periods ------------------------------------------------------------------------------


def test_periods_a_few_days_apart_give_the_same_report(demo_ws):
    """Differencing: a report is always of whole months, so two reports whose periods differ by
    a few days are identical and subtracting them reveals nothing."""
    a = S.compute(demo_ws, date(2026, 3, 1), date(2026, 10, 28))
    b = S.compute(demo_ws, date(2026, 3, 4), date(2026, 10, 31))
    assert (a.start, a.end) == (b.start, b.end) == (date(2026, 3, 1), date(2026, 10, 31))
    assert [(t.key, [(r.code, r.count, r.hidden) for r in t.rows]) for t in a.tables] == \
           [(t.key, [(r.code, r.count, r.hidden) for r in t.rows]) for t in b.tables]
    assert S.whole_months(date(2026, 2, 10), date(2024, 2, 3)) == (date(2024, 2, 1), date(2026, 2, 28))


# --- the printed PDF ----------------------------------------------------------------------


def test_the_pdf_prints_x_for_hidden_cells_and_the_rule(demo_ws, tmp_path):
    from panti_desktop.reports import statistics as R

    set_language("en")
    out = R.build(demo_ws, tmp_path / "s.pdf", date(2025, 12, 1), TODAY)
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    stats = S.compute(demo_ws, date(2025, 12, 1), TODAY)
    assert "At a glance" in text and "How small numbers are protected" in text
    assert f"{stats.hidden_cells} cells are hidden in this report." in text
    for t in stats.tables:
        assert t.title in text
        for r in t.rows:
            if t.withheld:
                continue
            if r.hidden:
                assert f"{r.label}\nx\n–" in text, (t.key, r.code)
            else:
                assert f"{r.label}\n{r.count}\n" in text, (t.key, r.code)


# --- numbers and roles --------------------------------------------------------------------


@pytest.mark.parametrize("value,decimals", [(0, 0), (7, 0), (1234, 0), (1234567, 0), (55.1, 1), (10.2, 1),
                                            (1234.5, 1), (0.04, 1)])
def test_numbers_are_written_as_each_language_writes_them(value, decimals):
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    for lang in ("id", "en"):
        assert S.number(value, decimals, lang) == format_decimal(value, pattern, locale=lang), (lang, value)
    assert S.percent(5, 45, "id") == "11,1%" and S.percent(5, 45, "en") == "11.1%"
    assert S.number(12345, 0, "id") == "12.345"


def test_a_staff_report_names_the_tables_its_role_cannot_read(ws, tmp_path):
    from panti_desktop.reports import statistics as R
    from panti_desktop.workspace import Workspace

    ws.add_user("yanti", "staff", "staff-passphrase-1")
    for i in range(4):
        ws.register_child({"full_name": f"Anak {i}", "intake_date": "2026-03-01"})
    staff = Workspace.open(ws.data_dir, "yanti", "staff-passphrase-1")
    try:
        stats = S.compute(staff, date(2026, 1, 1), date(2026, 6, 30))
        assert "Coercion" in stats.unavailable and "Victims known to the child" not in [t.title for t in stats.tables]
        text = "\n".join(p.extract_text() for p in PdfReader(R.build(staff, tmp_path / "s.pdf", date(2026, 1, 1),
                                                                         date(2026, 6, 30))).pages)
        assert "Not available to your role" in text and "Exposure to pornography" in text
    finally:
        staff.close()


def test_an_empty_table_says_no_data(ws, tmp_path):
    from panti_desktop.reports import statistics as R

    set_language("id")
    text = "\n".join(p.extract_text() for p in PdfReader(R.build(ws, tmp_path / "e.pdf", date(2026, 1, 1),
                                                                     date(2026, 1, 31))).pages)
    assert "Tidak ada data pada periode ini." in text and "0,01" not in text


def test_the_study_questions_and_the_determinants_never_disagree():
    from panti_desktop.domain.records import record_from_dict
    from panti_desktop.errors import ValidationError

    r = record_from_dict("offence", {"child_id": "c", "determinants": ["pornography"], "peer_influence": True})
    r.validate()
    assert r.pornography_exposure is True and "peer_influence" in r.determinants
    with pytest.raises(ValidationError, match="ticked among the determinants"):
        record_from_dict("offence", {"child_id": "c", "determinants": ["own_victimisation"],
                                     "own_victimisation": False}).validate()
    # a record written before the questions had fields still counts its ticked determinant as "yes"
    assert S._study_item({"determinants": ["pornography"]}, "pornography_exposure", "pornography") == "yes"
    assert S._study_item({"determinants": []}, "pornography_exposure", "pornography") is None
    assert S._study_item(None, "pornography_exposure", "pornography") is None
