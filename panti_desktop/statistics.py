"""De-identified centre statistics: the counts of a period, shared by the statistics report
(`reports/statistics.py`, which prints them) and the statistics bundle for headquarters
(`sync/export.py`, which sends them). No PDF library is needed to count.

The numbers come from the decrypted records of children served in the period: intake on
or before its end, and not ended before its start. `aggregate` keeps exact counts: a
statistics bundle carries them, because headquarters must add the centres' counts before
it suppresses. Disclosure control (`domain/disclosure.py`) runs on what is printed, after any
summing: `protect` decides which cells a report hides and which tables it leaves out.

Printed statistics cover whole calendar months (`whole_months`): two reports whose periods
differ by a few days are the same report, so subtracting one from the other reveals nothing.
"""

from __future__ import annotations

import calendar
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from .dates import long_date
from .domain import disclosure
from .domain.records import Child
from .domain.vocab import (
    CAREGIVER_RELATIONS,
    DETERMINANTS,
    EDUCATION_LEVELS,
    FAMILY_STRUCTURES,
    INCOME_BANDS,
    INTERVENTION_TYPES,
    LEGAL_STAGES,
    LIVING_ARRANGEMENTS,
    OCCUPATIONS,
    OFFENCE_FORMS,
    OFFENCE_PLACES,
    REFERRAL_SOURCES,
    SESSION_SETTINGS,
    SEXES,
    SYSTEMS,
    VICTIM_AGE_BANDS,
    VICTIM_RELATIONSHIPS,
)
from .i18n import _, current_language
from .store import cases

SMALL = disclosure.SMALL
AGE_BANDS = (("11_12", 11, 12), ("13_14", 13, 14), ("15_16", 15, 16), ("17_18", 17, 18))
PARENTS = ("father", "mother", "stepfather", "stepmother")
OUTCOMES = ("living_at_home", "in_school_or_work", "new_report")
# the study's per-child questions: the Offence flag, and the determinant code that said "yes" before it
STUDY_ITEMS = (("pornography", "pornography_exposure"), ("peer_influence", "peer_influence"),
               ("own_victimisation", "own_victimisation"))
OTHER_DETERMINANTS = tuple(c for c in DETERMINANTS.codes() if c not in {k for k, _f in STUDY_ITEMS})
NOT_RECORDED = ""


# --- numbers in the reader's language -------------------------------------------------------


def number(x: float, decimals: int = 0, lang: str | None = None) -> str:
    """1234.5 → "1.234,5" in Indonesian, "1,234.5" in English (as Babel's CLDR data has them)."""
    text = f"{x:,.{decimals}f}"
    if (lang or current_language()) == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def percent(n: int, base: int, lang: str | None = None) -> str:
    return number(100 * n / base, 1, lang) + "%" if base else "–"


# --- periods --------------------------------------------------------------------------------


def whole_months(start: date, end: date) -> tuple[date, date]:
    """The period a printed report covers: from the first day of the start's month to the last
    day of the end's month. Differencing two reports then needs whole months of difference."""
    if start > end:
        start, end = end, start
    return start.replace(day=1), end.replace(day=calendar.monthrange(end.year, end.month)[1])


# --- printable tables -----------------------------------------------------------------------


@dataclass
class Row:
    code: str
    label: str
    count: int
    hidden: bool = False


@dataclass
class StatTable:
    key: str
    title: str
    unit: str  # what is counted: children, caregivers, victims, sessions
    rows: list[Row] = field(default_factory=list)
    denominator: int = 0
    note: str = ""
    multi: bool = False  # several rows per child (rows do not add up to the total)
    at_least_one: bool = False  # multi: every recorded child has at least one row
    withheld: str = ""  # why the table is not printed, when it is not

    def row(self, code: str) -> Row | None:
        return next((r for r in self.rows if r.code == code), None)

    def count(self, label_or_code: str) -> int:
        """The exact count of a row (by code or label): for tests and sums, never for printing."""
        return next(r.count for r in self.rows if label_or_code in (r.code, r.label))

    @property
    def recorded_base(self) -> int | None:
        """What percentages are of: the children with the item recorded when the "not recorded"
        row is printed (so a reader can subtract it), else every child of the table."""
        nr = self.row(NOT_RECORDED)
        if nr is None:
            return self.denominator
        if nr.hidden:
            return self.denominator
        return self.denominator - nr.count

    @property
    def of_recorded(self) -> bool:
        nr = self.row(NOT_RECORDED)
        return nr is not None and not nr.hidden and nr.count > 0

    def cell(self, r: Row) -> str:
        return "x" if r.hidden else number(r.count)

    def percent(self, r: Row) -> str:
        if r.hidden or r.code == NOT_RECORDED:
            return "–"
        return percent(r.count, self.recorded_base or 0)


@dataclass
class CentreStats:
    start: date
    end: date
    children: int
    tables: list[StatTable]
    centre: str | None = None  # one centre's code, or None for all
    sources: list[str] = field(default_factory=list)  # statistics bundles that were added in
    unavailable: list[str] = field(default_factory=list)  # titles of tables the role may not read
    requested: tuple[date, date] | None = None  # the period asked for, before whole months

    def table(self, key: str) -> StatTable:
        return next(t for t in self.tables if t.key == key)

    @property
    def printed(self) -> list[StatTable]:
        return [t for t in self.tables if not t.withheld]

    @property
    def hidden_cells(self) -> int:
        return sum(r.hidden for t in self.printed for r in t.rows)


# --- counting -------------------------------------------------------------------------------


def _by_child(ws, kind: str, child_ids: set[str], where: str = "", params: list | None = None) -> dict[str, list]:
    """Every live record of `kind` of these children, opened, oldest first."""
    out: dict[str, list] = {}
    clause = "deleted = 0 AND child_id IN (SELECT value FROM json_each(?))" + (f" AND ({where})" if where else "")
    for row in ws.db.query(f"SELECT * FROM {kind} WHERE {clause} ORDER BY created_at",
                           [json.dumps(sorted(child_ids)), *(params or [])]):
        out.setdefault(row["child_id"], []).append(ws.records.open_row(kind, row))
    return out


def _latest(ws, kind: str, child_ids: set[str], where: str = "", params: list | None = None) -> dict[str, dict]:
    """Each child's latest live record of `kind`, the only one opened (the one the counts use)."""
    clause = "deleted = 0 AND child_id IN (SELECT value FROM json_each(?))" + (f" AND ({where})" if where else "")
    sql = (f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY child_id ORDER BY created_at DESC, "
           f"rowid DESC) AS _n FROM {kind} WHERE {clause}) WHERE _n = 1")
    out: dict[str, dict] = {}
    for row in ws.db.query(sql, [json.dumps(sorted(child_ids)), *(params or [])]):
        row.pop("_n")
        out[row["child_id"]] = ws.records.open_row(kind, row)
    return out


# A session sealed in format 3 or later binds its plaintext setting and systems into its seal.
# (The bench's unsealed baseline store says which of its rows count the same way: all of them.)
BOUND_CODES = "substr(payload, 1, 1) >= x'03'"


def _session_codes(ws, ids: set[str], start: date, end: date) -> tuple[Counter, Counter, int]:
    """Final sessions of the period by system and by setting.

    Sessions sealed in format 3 carry both as plaintext codes bound into their seal, so
    they are counted without being opened; older sessions are opened.
    """
    systems: Counter = Counter()
    settings: Counter = Counter()
    n = 0
    # Counted by SQLite: only (setting, systems, how many) comes back to Python, never a row per
    # session (a year at headquarters is half a million). The period's rows are found in the date
    # index, then read in table order (`rowid IN`: SQLite sorts them); the served children are a
    # JSON list joined in. A session sealed before its codes were bound (format 1–2) is opened.
    period = ("rowid IN (SELECT rowid FROM session WHERE session_date BETWEEN ? AND ?) AND deleted = 0 "
              "AND status = 'final' AND child_id IN (SELECT value FROM json_each(?))")
    params = [start.isoformat(), end.isoformat(), json.dumps(sorted(ids))]
    bound = getattr(ws.records, "CODES_BOUND", BOUND_CODES) + " AND setting IS NOT NULL"
    older = 0
    for setting, codes, is_bound, count in ws.db.execute(
            f"SELECT setting, systems, {bound}, count(*) FROM session WHERE {period} GROUP BY 1, 2, 3", params):
        if not is_bound:
            older += count
            continue
        n += count
        settings[setting] += count
        for x in (codes or "").split(","):
            if x:
                systems[x] += count
    if not older:  # one pass over the period in the usual case
        return systems, settings, n
    for row in ws.db.query(f"SELECT * FROM session WHERE {period} AND NOT ({bound})", params):
        n += 1
        data = ws.records.open_row("session", row)
        settings[data.get("setting")] += 1
        systems.update(data.get("systems") or [])
    return systems, settings, n


def _table(key: str, counter: Counter, denominator: int) -> tuple[str, dict]:
    """One aggregate: counts by code ("" for not recorded) and what they are out of."""
    counts: dict[str, int] = {}
    for code, n in counter.items():
        k = NOT_RECORDED if code in (None, "") else str(code)
        counts[k] = counts.get(k, 0) + n
    return key, {"counts": counts, "denominator": denominator}


def _yes_no(value) -> str | None:
    return {True: "yes", False: "no"}.get(value)


def _study_item(offence: dict | None, flag: str, code: str) -> str | None:
    """yes / no / None (not recorded) for one of the study's per-child questions."""
    if offence is None:
        return None
    value = offence.get(flag)
    if value is None and code in (offence.get("determinants") or []):
        value = True  # recorded before the question had a field of its own
    return _yes_no(value)


def served_children(ws, start: date, end: date, centre: str | None = None) -> list[tuple[str, dict]]:
    """Children served in the period (intake on or before its end, not ended before its start),
    at one centre (the one holding the case) or at all."""
    holder = cases.custody(ws.db, ws.centre_id, ws.centre_code) if centre is not None else None
    served: list[tuple[str, dict]] = []
    for row in ws.db.query("SELECT * FROM child WHERE deleted = 0 AND (intake_date IS NULL OR intake_date <= ?)",
                           [end.isoformat()]):
        if holder is not None and holder.get(row["id"]) != centre:
            continue
        ended = cases.ended_on(ws.db, row["id"])
        if ended is not None and ended < start:
            continue
        served.append((row["id"], ws.records.open_row("child", row)))
    return served


def aggregate(ws, start: date, end: date, centre: str | None = None) -> dict:
    """De-identified counts for the period: codes and numbers only, no names, ids or dates.

    This is what the statistics report prints and what a statistics bundle carries to
    headquarters; it is a plain dict so it travels as JSON. Every table over children
    counts every child served: a child whose item was never recorded is in the "" row.
    """
    served = served_children(ws, start, end, centre)
    ids = {cid for cid, _d in served}
    n = len(served)
    tables: dict[str, dict] = {}

    def add(key: str, counter: Counter, denominator: int) -> None:
        k, v = _table(key, counter, denominator)
        tables[k] = v

    families = _latest(ws, "family", ids)
    add("family_structure", Counter((families.get(c) or {}).get("structure") for c in ids), n)
    add("household_income", Counter((families.get(c) or {}).get("household_income") for c in ids), n)
    add("living_arrangement", Counter(d.get("living_arrangement") for _c, d in served), n)
    caregivers = [c for lst in _by_child(ws, "caregiver", ids).values() for c in lst]
    parents = [c for c in caregivers if c.get("relation") in PARENTS]
    add("parent_education", Counter(c.get("education") for c in parents), len(parents))
    add("occupation", Counter(c.get("occupation") for c in caregivers), len(caregivers))
    add("income", Counter(c.get("income_band") for c in caregivers), len(caregivers))
    add("caregiver_relation", Counter(c.get("relation") for c in caregivers), len(caregivers))
    ages: Counter = Counter()
    sexes: Counter = Counter()
    for _cid, d in served:
        age = Child.from_dict(d).age_at_intake()
        band = next((b for b, lo, hi in AGE_BANDS if age is not None and lo <= age <= hi), "other" if age else None)
        ages[band] += 1
        sexes[d.get("sex")] += 1
    add("child_age", ages, n)
    add("child_sex", sexes, n)
    if ws.can_read_clinical:
        offences = _latest(ws, "offence", ids)
        forms: Counter = Counter()
        for c in ids:
            got = (offences.get(c) or {}).get("forms") or []
            forms.update(got or [NOT_RECORDED])
        add("offence_form", forms, n)
        add("offence_place", Counter((offences.get(c) or {}).get("place") for c in ids), n)
        add("coercion", Counter(_yes_no((offences.get(c) or {}).get("coercion")) for c in ids), n)
        for code, flag in STUDY_ITEMS:
            add(flag, Counter(_study_item(offences.get(c), flag, code) for c in ids), n)
        others: Counter = Counter()
        for c in ids:
            o = offences.get(c)
            others.update([x for x in (o.get("determinants") or []) if x in OTHER_DETERMINANTS] if o else [NOT_RECORDED])
        add("determinants", others, n)
        victims = [v for lst in _by_child(ws, "victim", ids).values() for v in lst]
        add("victim_relationship", Counter(v.get("relationship") for v in victims), len(victims))
        add("victim_age", Counter(v.get("age_band") for v in victims), len(victims))
        add("victim_sex", Counter(v.get("sex") for v in victims), len(victims))
    legal = _latest(ws, "legal_track", ids)
    add("referral_source", Counter((legal.get(c) or {}).get("referral_source") for c in ids), n)
    add("legal_stage", Counter((legal.get(c) or {}).get("stage") for c in ids), n)
    if ws.can_read_clinical:
        planned: dict[str, set] = {}
        for c, lst in _by_child(ws, "intervention", ids).items():
            planned[c] = {i.get("type") for i in lst if i.get("type") and (i.get("start_date") or "") <= end.isoformat()}
        received: Counter = Counter()
        for c in ids:
            received.update(planned.get(c) or [NOT_RECORDED])
        add("interventions", received, n)
        systems_c, settings_c, n_sessions = _session_codes(ws, ids, start, end)
        add("service_system", systems_c, n_sessions)
        add("service_setting", settings_c, n_sessions)
        terminations = _latest(ws, "termination", ids, "terminated_on BETWEEN ? AND ?",
                               [start.isoformat(), end.isoformat()])
        outcome: Counter = Counter()
        for t in terminations.values():
            outcome.update(key for key in OUTCOMES if t.get(key))
        add("termination_outcome", outcome, len(terminations))
        follow: Counter = Counter()
        follow_ups = _latest(ws, "follow_up", ids, "done_on BETWEEN ? AND ?", [start.isoformat(), end.isoformat()])
        for f in follow_ups.values():
            follow.update(key for key in OUTCOMES if f.get(key))
        add("follow_up_outcome", follow, len(follow_ups))
    return {"start": start.isoformat(), "end": end.isoformat(), "children": n, "tables": tables}


def combine(parts: list[dict]) -> dict:
    """The sum of several centres' aggregates (each table only where a centre has it)."""
    out: dict = {"children": 0, "tables": {}}
    for agg in parts:
        out["children"] += int(agg.get("children") or 0)
        for key, t in (agg.get("tables") or {}).items():
            mine = out["tables"].setdefault(key, {"counts": {}, "denominator": 0})
            mine["denominator"] += int(t.get("denominator") or 0)
            for code, n in (t.get("counts") or {}).items():
                mine["counts"][code] = mine["counts"].get(code, 0) + int(n)
    return out


# --- from counts to printed tables ----------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    key: str
    title: str
    unit: str
    vocab: object
    multi: bool = False
    at_least_one: bool = False
    note: str = ""
    clinical: bool = False
    missing: bool = True  # has a "not recorded" row (sessions and outcomes have none)


def _rows(counts: dict[str, int], vocab, missing: bool) -> list[Row]:
    """Every category in the vocabulary's own order (never by count), zeros included, then any
    code a newer version sent, then "not recorded"."""
    codes = list(vocab.codes())
    codes += sorted(c for c in counts if c and c not in codes)
    rows = [Row(c, vocab.label(c), int(counts.get(c, 0))) for c in codes]
    if missing or counts.get(NOT_RECORDED):
        rows.append(Row(NOT_RECORDED, _("not recorded"), int(counts.get(NOT_RECORDED, 0))))
    return rows


def tables_of(agg: dict, clinical: bool = True) -> list[StatTable]:
    """The printable tables of an aggregate, titled and labelled in the reader's language.
    Nothing is hidden yet: `protect` does that once every table is known."""
    out = []
    for s in specs():
        t = (agg.get("tables") or {}).get(s.key)
        if t is None:
            continue
        counts = t.get("counts") or {}
        if s.key == "victim_relationship":
            out.append(_table_of(s, counts, t))
            known = _known_spec()
            kc = {"known": sum(n for c, n in counts.items() if c not in ("stranger", NOT_RECORDED)),
                  "stranger": counts.get("stranger", 0), NOT_RECORDED: counts.get(NOT_RECORDED, 0)}
            out.append(_table_of(known, kc, t))
            continue
        out.append(_table_of(s, counts, t))
    return out


def _table_of(s: Spec, counts: dict, t: dict) -> StatTable:
    rows = _rows(counts, s.vocab, s.missing)
    return StatTable(s.key, s.title, s.unit, rows, int(t.get("denominator") or 0), s.note, s.multi, s.at_least_one)


def specs() -> list[Spec]:
    children, caregivers, victims, sessions = _("children"), _("caregivers"), _("victims"), _("sessions")
    return [
        Spec("family_structure", _("Family structure"), children, FAMILY_STRUCTURES),
        Spec("household_income", _("Household monthly income"), children, INCOME_BANDS),
        Spec("living_arrangement", _("Living arrangement before intake"), children, LIVING_ARRANGEMENTS),
        Spec("parent_education", _("Parents' education"), _("parents"), EDUCATION_LEVELS),
        Spec("occupation", _("Caregivers' occupation"), caregivers, OCCUPATIONS),
        Spec("income", _("Caregivers' own monthly income"), caregivers, INCOME_BANDS),
        Spec("caregiver_relation", _("Caregivers"), caregivers, CAREGIVER_RELATIONS),
        Spec("child_age", _("Age of the children at intake"), children, _AgeVocab()),
        Spec("child_sex", _("Sex of the children"), children, SEXES),
        Spec("offence_form", _("Form of offence (UU TPKS art. 4)"), children, OFFENCE_FORMS, multi=True,
             at_least_one=True, note=_("A child can have several forms."), clinical=True),
        Spec("offence_place", _("Place of the offence"), children, OFFENCE_PLACES, clinical=True),
        Spec("coercion", _("Coercion"), children, _YesNo(), clinical=True),
        Spec("pornography_exposure", _("Exposure to pornography"), children, _YesNo(), clinical=True),
        Spec("peer_influence", _("Peer influence"), children, _YesNo(), clinical=True),
        Spec("own_victimisation", _("Own history as a victim of sexual abuse"), children, _YesNo(), clinical=True),
        Spec("determinants", _("Other determinants"), children, _Codes(DETERMINANTS, OTHER_DETERMINANTS), multi=True,
             note=_("A child can have several determinants."), clinical=True),
        Spec("victim_relationship", _("Relationship to the victim"), victims, VICTIM_RELATIONSHIPS, clinical=True),
        Spec("victim_age", _("Age of the victims"), victims, VICTIM_AGE_BANDS, clinical=True),
        Spec("victim_sex", _("Sex of the victims"), victims, SEXES, clinical=True),
        Spec("referral_source", _("Referral sources"), children, REFERRAL_SOURCES),
        Spec("legal_stage", _("Legal stage"), children, LEGAL_STAGES),
        Spec("interventions", _("Interventions in the children's plans"), children, INTERVENTION_TYPES, multi=True,
             note=_("Interventions of each child's rehabilitation plan that started by the end of the period; "
                    "a child can have several."), clinical=True),
        Spec("service_system", _("Services delivered by system"), sessions, SYSTEMS, multi=True,
             note=_("A session can address several systems."), clinical=True, missing=False),
        Spec("service_setting", _("Services delivered by setting"), sessions, SESSION_SETTINGS, clinical=True,
             missing=False),
        Spec("termination_outcome", _("Outcomes at termination"), children, _Outcomes(), multi=True,
             note=_("Children whose case was terminated in the period; a child can have several outcomes."),
             clinical=True, missing=False),
        Spec("follow_up_outcome", _("Outcomes at the latest follow-up"), children, _Outcomes(), multi=True,
             note=_("Children with a follow-up done in the period."), clinical=True, missing=False),
    ]


def _known_spec() -> Spec:
    return Spec("victim_known", _("Victims known to the child"), _("victims"), _Known(),
                note=_("Every relationship but “stranger” counts as known."), clinical=True)


# --- disclosure control ---------------------------------------------------------------------


def protect(tables: list[StatTable]) -> None:
    """Decide, for everything printed together, which cells are hidden and which tables are
    left out (`withheld`), by the rule in `domain/disclosure.py`."""
    cells: list[tuple[StatTable, Row]] = []
    for t in tables:
        if 0 < t.denominator < SMALL:
            t.withheld = _("fewer than {n} {unit}: not shown so that no one can be recognised").format(
                n=SMALL, unit=t.unit)
            continue
        if t.key in DERIVED:
            continue
        cells += [(t, r) for r in t.rows]
    index = {id(r): i for i, (_t, r) in enumerate(cells)}
    p = disclosure.Problem([r.count for _t, r in cells], [t.denominator for t, _r in cells],
                           group=[t.key for t, _r in cells])
    live = {t.key: t for t in tables if not t.withheld}
    linked = links({t.key: t for t in tables})
    for t in live.values():
        if t.key in DERIVED:
            continue
        for con in linked.get(t.key) or table_constraints(t):
            p.add({index[id(r)]: k for r, k in con[0]}, con[1], con[2])
    hidden, dropped = disclosure.suppress(p)
    for i, (_t, r) in enumerate(cells):
        r.hidden = i in hidden
    for key in dropped:
        live[key].withheld = _("too few to show without making a child recognisable")
        for r in live[key].rows:
            r.hidden = False
    known, vr = live.get("victim_known"), live.get("victim_relationship")
    if known is not None:
        _derive_known(known, vr)


# Tables that print nothing a reader cannot already compute from another table: they follow it.
DERIVED = ("victim_known",)


def _derive_known(known: StatTable, vr: StatTable | None) -> None:
    """Victims known to the child = victims − strangers − not recorded, all printed in the
    relationship table: its cells hide with theirs, so it tells a reader nothing new."""
    if vr is None or vr.withheld:
        known.withheld = vr.withheld if vr is not None else _("too few to show without making a child recognisable")
        return
    stranger, nr = vr.row("stranger"), vr.row(NOT_RECORDED)
    for code, src in (("stranger", stranger), (NOT_RECORDED, nr)):
        if known.row(code) is not None and src is not None:
            known.row(code).hidden = src.hidden
    # "known" is the sum of the other relationship rows: a reader can compute it when those rows
    # are all printed, or when the strangers and the not recorded are. Only otherwise is it
    # hidden, and then one of its rows is hidden, so it is at least 1, as every hidden count is
    # (hiding a 0 would print numbers that contradict each other and the rule).
    parts_hidden = any(r.hidden for r in vr.rows if r.code not in ("stranger", NOT_RECORDED))
    rest_hidden = bool((stranger and stranger.hidden) or (nr and nr.hidden))
    known.row("known").hidden = parts_hidden and rest_hidden


def table_constraints(t: StatTable) -> list[tuple[list[tuple[Row, int]], int, int]]:
    """What a reader knows of one printed table: its rows and its total."""
    if not t.multi:
        return [([(r, 1) for r in t.rows], t.denominator, t.denominator)]
    nr = t.row(NOT_RECORDED)
    items = [r for r in t.rows if r.code != NOT_RECORDED]
    out = []
    for r in items:  # each item is at most the recorded children
        out.append(([(r, 1)] + ([(nr, 1)] if nr else []), 0, t.denominator))
    if nr is not None and t.at_least_one:  # every recorded child has at least one item
        out.append(([(r, 1) for r in items] + [(nr, 1)], t.denominator, 10 ** 9))
    return out


def links(tables: dict[str, StatTable]) -> dict[str, list[tuple[list[tuple[Row, int]], int, int]]]:
    """What a reader knows across tables, as the constraints that replace a table's own:
    parents are caregivers, so the caregivers table splits into the parents (as many as the
    parents' education table counts) and the others. (Victims known to the child are derived
    from the relationship table and follow its cells: `_derive_known`.) Written this way no
    two constraints share a cell, which keeps the search for what a reader can deduce short."""
    out: dict[str, list] = {}
    pe, rel = tables.get("parent_education"), tables.get("caregiver_relation")
    if pe and rel and not rel.withheld:
        parents = [(r, 1) for r in rel.rows if r.code in PARENTS]
        others = [(r, 1) for r in rel.rows if r.code not in PARENTS]
        if small_withheld(pe):
            # not printed, but its reason is: "fewer than 3 parents", so the parents' rows of the
            # caregivers table add up to 1 or 2 — a link a reader still has
            out["caregiver_relation"] = [(parents, 1, SMALL - 1),
                                         ([(r, 1) for r in rel.rows], rel.denominator, rel.denominator)]
        else:
            out["caregiver_relation"] = [(parents, pe.denominator, pe.denominator),
                                         (others, rel.denominator - pe.denominator,
                                          rel.denominator - pe.denominator)]
    return out


def small_withheld(t: StatTable) -> bool:
    """Left out for its small total: the printed reason tells a reader the total is 1 .. SMALL-1."""
    return bool(t.withheld) and 0 < t.denominator < SMALL


# --- the whole report -----------------------------------------------------------------------


def compute(ws, start: date | None = None, end: date | None = None, centre: str | None = None,
            exact_period: bool = False) -> CentreStats:
    """The statistics of one centre (`centre` = its code) or of all, with disclosure control.

    The period is widened to whole calendar months (unless `exact_period`, for tests of the
    counting itself). At headquarters, "all" adds the statistics bundles of centres whose
    records are not here (only their latest bundle; its own period is named in `sources`):
    exact counts are summed first, then suppressed.
    """
    end = end or date.today()
    start = start or end - timedelta(days=365)
    requested = (start, end)
    if not exact_period:
        start, end = whole_months(start, end)
    parts = [aggregate(ws, start, end, centre)]
    sources: list[str] = []
    with_records = cases.centres_with_records(ws.db, ws.centre_id, ws.centre_code)  # these count from their records
    received = cases.received_stats(ws.db, ws.ring) if ws.can_read_clinical else []
    for rec in received:
        if rec["centre"] in with_records or (centre is not None and rec["centre"] != centre):
            continue
        parts.append(rec["aggregate"])
        sources.append(_("{code}: statistics bundle for {start} – {end}").format(
            code=rec["centre"], start=long_date(date.fromisoformat(rec["aggregate"]["start"])),
            end=long_date(date.fromisoformat(rec["aggregate"]["end"]))))
    agg = combine(parts) if len(parts) > 1 else parts[0]
    tables = tables_of(agg)
    protect(tables)
    unavailable = [] if ws.can_read_clinical else [s.title for s in [*specs(), _known_spec()] if s.clinical]
    return CentreStats(start, end, int(agg["children"]), tables, centre, sources, unavailable, requested)


class _AgeVocab:
    def codes(self):
        return ["11_12", "13_14", "15_16", "17_18", "other"]

    def label(self, code):
        return {"11_12": _("11–12 years"), "13_14": _("13–14 years"), "15_16": _("15–16 years"),
                "17_18": _("17–18 years"), "other": _("other ages")}.get(code, _("unknown"))


class _YesNo:
    def codes(self):
        return ["yes", "no"]

    def label(self, code):
        return {"yes": _("yes"), "no": _("no")}.get(code, code)


class _Known:
    def codes(self):
        return ["known", "stranger"]

    def label(self, code):
        return {"known": _("known to the child"), "stranger": _("stranger")}.get(code, code)


class _Codes:
    """Some codes of a vocabulary, in its order."""

    def __init__(self, vocab, codes):
        self.vocab, self._codes = vocab, list(codes)

    def codes(self):
        return self._codes

    def label(self, code):
        return self.vocab.label(code)


class _Outcomes:
    def codes(self):
        return list(OUTCOMES)

    def label(self, code):
        return {"living_at_home": _("living at home"), "in_school_or_work": _("in school or work"),
                "new_report": _("new report or arrest")}.get(code, code)


# --- the summary up front -------------------------------------------------------------------


def _share(stats: CentreStats, key: str, codes: tuple[str, ...]) -> str | None:
    """"n of N (p%)" for some rows of a printed table, from printed cells only; None if the
    table is not in the report; a sentence when a cell needed is hidden."""
    t = next((t for t in stats.tables if t.key == key), None)
    if t is None:
        return None
    if t.withheld:
        return _("not shown: too few to show safely")
    rows = [t.row(c) for c in codes]
    if any(r is None or r.hidden for r in rows):
        return _("not shown: too few to show safely")
    n = sum(r.count for r in rows)
    base = t.recorded_base or 0
    if not base:
        return _("no data")
    of = _("{n} of {base} {unit} with this recorded ({pct})") if t.of_recorded else _("{n} of {base} {unit} ({pct})")
    return of.format(n=number(n), base=number(base), unit=t.unit, pct=percent(n, base))


def glance(stats: CentreStats) -> list[tuple[str, str]]:
    """The one-page summary: the study's questions, each answered from the printed tables."""
    items = [
        (_("Children served"), number(stats.children)),
        (_("Families intact"), _share(stats, "family_structure", ("intact",))),
        (_("Living with both parents before intake"), _share(stats, "living_arrangement", ("both_parents",))),
        (_("Household income under IDR 1 million a month"), _share(stats, "household_income", ("under_1m",))),
        (_("Parents with primary school or less"), _share(stats, "parent_education", ("none", "primary"))),
        (_("Parents working as labourers"), _share(stats, "occupation", ("labourer",))),
        (_("Exposed to pornography"), _share(stats, "pornography_exposure", ("yes",))),
        (_("Influenced by peers"), _share(stats, "peer_influence", ("yes",))),
        (_("Were themselves victims of sexual abuse"), _share(stats, "own_victimisation", ("yes",))),
        (_("Used coercion"), _share(stats, "coercion", ("yes",))),
        (_("Offence at a friend's or the victim's house"), _share(stats, "offence_place", ("friend_home", "victim_home"))),
        (_("Victims known to the child"), _share(stats, "victim_known", ("known",))),
        (_("Victims aged 12 or younger"), _share(stats, "victim_age", ("0_4", "5_8", "9_12"))),
        (_("Children with multisystemic therapy (MST) in their plan"), _share(stats, "interventions", ("mst",))),
        (_("Children with community-based rehabilitation in their plan"),
         _share(stats, "interventions", ("community_based",))),
        (_("Terminated in the period and living at home"), _share(stats, "termination_outcome", ("living_at_home",))),
    ]
    return [(label, value) for label, value in items if value is not None]
