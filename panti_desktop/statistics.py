"""De-identified centre statistics: the counts of a period, shared by the statistics report
(`reports/statistics.py`, which prints them) and the statistics bundle for headquarters
(`sync/export.py`, which sends them). No PDF library is needed to count.

The numbers come from the decrypted records of children served in the period: intake on
or before its end, and not ended before its start. Counts below `SMALL` are suppressed when
printed, not here: headquarters must add exact counts before it suppresses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from .dates import long_date
from .domain.records import Child
from .domain.vocab import (
    CAREGIVER_RELATIONS,
    DETERMINANTS,
    EDUCATION_LEVELS,
    FAMILY_STRUCTURES,
    INCOME_BANDS,
    LEGAL_STAGES,
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
from .i18n import _
from .store import cases

SMALL = 3
AGE_BANDS = (("11_12", 11, 12), ("13_14", 13, 14), ("15_16", 15, 16), ("17_18", 17, 18))
PARENTS = ("father", "mother", "stepfather", "stepmother")
OUTCOMES = ("living_at_home", "in_school_or_work", "new_report")


@dataclass
class StatTable:
    key: str
    title: str
    unit: str  # what is counted: children, caregivers, victims, sessions
    rows: list[tuple[str, int]] = field(default_factory=list)
    denominator: int = 0
    note: str = ""

    def cell(self, n: int) -> str:
        return f"<{SMALL}" if 0 < n < SMALL else str(n)

    def percent(self, n: int) -> str:
        if 0 < n < SMALL or not self.denominator:
            return "–"
        return f"{round(100 * n / self.denominator)}%"


@dataclass
class CentreStats:
    start: date
    end: date
    children: int
    tables: list[StatTable]
    centre: str | None = None  # one centre's code, or None for all
    sources: list[str] = field(default_factory=list)  # statistics bundles that were added in

    def table(self, key: str) -> StatTable:
        return next(t for t in self.tables if t.key == key)


def _by_child(ws, kind: str, child_ids: set[str], where: str = "", params: list | None = None) -> dict[str, list]:
    out: dict[str, list] = {}
    clause = "deleted = 0" + (f" AND ({where})" if where else "")
    for row in ws.db.query(f"SELECT * FROM {kind} WHERE {clause} ORDER BY created_at", params or []):
        if row["child_id"] in child_ids:
            out.setdefault(row["child_id"], []).append(ws.records.open_row(kind, row))
    return out


def _session_codes(ws, ids: set[str], start: date, end: date) -> tuple[Counter, Counter, int]:
    """Final sessions of the period by system and by setting.

    Sessions sealed in format 3 carry both as plaintext codes bound into their seal, so
    they are counted without being opened; older sessions are opened.
    """
    systems: Counter = Counter()
    settings: Counter = Counter()
    n = 0
    # Only the codes travel to Python, not the sealed payloads (a period at headquarters holds
    # hundreds of thousands of sessions); an older session is read whole and opened. The
    # period's rows are found in the date index, then read in table order (`rowid IN`: SQLite
    # sorts them), not in date order jumping through the table: a third less time.
    for sid, child_id, setting, codes, bound in ws.db.execute(
            "SELECT id, child_id, setting, systems, substr(payload, 1, 1) = x'03' FROM session WHERE rowid IN "
            "(SELECT rowid FROM session WHERE session_date BETWEEN ? AND ?) AND deleted = 0 AND status = 'final'",
            [start.isoformat(), end.isoformat()]):
        if child_id not in ids:
            continue
        n += 1
        if bound and setting:
            settings[setting] += 1
            systems.update(x for x in (codes or "").split(",") if x)
        else:
            row = next(ws.db.query("SELECT * FROM session WHERE id = ?", [sid]))
            data = ws.records.open_row("session", row)
            settings[data.get("setting")] += 1
            systems.update(data.get("systems") or [])
    return systems, settings, n


def _ordered_rows(counts: dict[str, int], vocab, ordered: bool) -> list[tuple[str, int]]:
    """Rows by count; for ordered scales (ages, education, income) in the scale's own order."""
    items = [(c, n) for c, n in counts.items() if c and n]
    if ordered:
        order = list(vocab.codes())
        items.sort(key=lambda cn: order.index(cn[0]) if cn[0] in order else len(order))
    else:
        items.sort(key=lambda cn: -cn[1])
    rows = [(vocab.label(code), n) for code, n in items]
    missing = counts.get("", 0)
    if missing:
        rows.append((_("not recorded"), missing))
    return rows


def _table(key: str, counter: Counter, denominator: int) -> tuple[str, dict]:
    """One aggregate: counts by code ("" for not recorded) and what they are out of."""
    counts: dict[str, int] = {}
    for code, n in counter.items():
        k = "" if code in (None, "") else str(code)
        counts[k] = counts.get(k, 0) + n
    return key, {"counts": counts, "denominator": denominator}


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
    headquarters; it is a plain dict so it travels as JSON.
    """
    served = served_children(ws, start, end, centre)
    ids = {cid for cid, _d in served}
    n = len(served)
    tables: dict[str, dict] = {}

    def add(key: str, counter: Counter, denominator: int) -> None:
        k, v = _table(key, counter, denominator)
        tables[k] = v

    families = _by_child(ws, "family", ids)
    add("family_structure", Counter((families.get(c) or [{}])[-1].get("structure") for c in ids), n)
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
        offences = {c: lst[-1] for c, lst in _by_child(ws, "offence", ids).items()}
        with_offence = len(offences)
        add("offence_form", Counter(f for o in offences.values() for f in o.get("forms") or []), with_offence)
        add("offence_place", Counter(o.get("place") for o in offences.values()), with_offence)
        add("coercion", Counter({True: "yes", False: "no", None: "unknown"}[o.get("coercion")]
                                for o in offences.values()), with_offence)
        add("determinants", Counter(x for o in offences.values() for x in o.get("determinants") or []), with_offence)
        victims = [v for lst in _by_child(ws, "victim", ids).values() for v in lst]
        add("victim_relationship", Counter(v.get("relationship") for v in victims), len(victims))
        add("victim_age", Counter(v.get("age_band") for v in victims), len(victims))
        add("victim_sex", Counter(v.get("sex") for v in victims), len(victims))
    legal = {c: lst[-1] for c, lst in _by_child(ws, "legal_track", ids).items()}
    add("referral_source", Counter(lt.get("referral_source") for lt in legal.values()), len(legal))
    add("legal_stage", Counter(lt.get("stage") for lt in legal.values()), len(legal))
    if ws.can_read_clinical:
        systems_c, settings_c, n_sessions = _session_codes(ws, ids, start, end)
        add("service_system", systems_c, n_sessions)
        add("service_setting", settings_c, n_sessions)
        terminations = {c: lst[-1] for c, lst in _by_child(
            ws, "termination", ids, "terminated_on BETWEEN ? AND ?", [start.isoformat(), end.isoformat()]).items()}
        outcome: Counter = Counter()
        for t in terminations.values():
            outcome.update(key for key in OUTCOMES if t.get(key))
        add("termination_outcome", outcome, len(terminations))
        follow: Counter = Counter()
        done = 0
        for lst in _by_child(ws, "follow_up", ids, "done_on BETWEEN ? AND ?",
                             [start.isoformat(), end.isoformat()]).values():
            done += 1
            follow.update(key for key in OUTCOMES if lst[-1].get(key))
        add("follow_up_outcome", follow, done)
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


def tables_of(agg: dict) -> list[StatTable]:
    """The printable tables of an aggregate, titled and labelled in the reader's language."""
    out = []
    for key, title, unit, vocab, ordered, note in _specs():
        t = (agg.get("tables") or {}).get(key)
        if t is None:
            continue
        out.append(StatTable(key, title, unit, _ordered_rows(t.get("counts") or {}, vocab, ordered),
                             int(t.get("denominator") or 0), note))
    return out


def _specs() -> list[tuple]:
    children, caregivers, victims, sessions = _("children"), _("caregivers"), _("victims"), _("sessions")
    return [
        ("family_structure", _("Family structure"), children, FAMILY_STRUCTURES, False, ""),
        ("parent_education", _("Parents' education"), _("parents"), EDUCATION_LEVELS, True, ""),
        ("occupation", _("Caregivers' occupation"), caregivers, OCCUPATIONS, False, ""),
        ("income", _("Caregivers' monthly income"), caregivers, INCOME_BANDS, True, ""),
        ("caregiver_relation", _("Caregivers"), caregivers, CAREGIVER_RELATIONS, False, ""),
        ("child_age", _("Age of the children at intake"), children, _AgeVocab(), True, ""),
        ("child_sex", _("Sex of the children"), children, SEXES, False, ""),
        ("offence_form", _("Form of offence (UU TPKS art. 4)"), children, OFFENCE_FORMS, False, ""),
        ("offence_place", _("Place of the offence"), children, OFFENCE_PLACES, False, ""),
        ("coercion", _("Coercion"), children, _YesNo(), False, ""),
        ("determinants", _("Determinants"), children, DETERMINANTS, False,
         _("A child can have several determinants.")),
        ("victim_relationship", _("Relationship to the victim"), victims, VICTIM_RELATIONSHIPS, False, ""),
        ("victim_age", _("Age of the victims"), victims, VICTIM_AGE_BANDS, True, ""),
        ("victim_sex", _("Sex of the victims"), victims, SEXES, False, ""),
        ("referral_source", _("Referral sources"), children, REFERRAL_SOURCES, False, ""),
        ("legal_stage", _("Legal stage"), children, LEGAL_STAGES, False, ""),
        ("service_system", _("Services delivered by system"), sessions, SYSTEMS, False,
         _("A session can address several systems.")),
        ("service_setting", _("Services delivered by setting"), sessions, SESSION_SETTINGS, False, ""),
        ("termination_outcome", _("Outcomes at termination"), children, _Outcomes(), False, ""),
        ("follow_up_outcome", _("Outcomes at the latest follow-up"), children, _Outcomes(), False, ""),
    ]


def compute(ws, start: date | None = None, end: date | None = None, centre: str | None = None) -> CentreStats:
    """The statistics of one centre (`centre` = its code) or of all.

    At headquarters, "all" adds the statistics bundles of centres whose records are not
    here (only their latest bundle; its own period is named in `sources`).
    """
    end = end or date.today()
    start = start or end - timedelta(days=365)
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
    return CentreStats(start, end, int(agg["children"]), tables_of(agg), centre, sources)


class _AgeVocab:
    def codes(self):
        return ["11_12", "13_14", "15_16", "17_18", "other"]

    def label(self, code):
        return {"11_12": _("11–12 years"), "13_14": _("13–14 years"), "15_16": _("15–16 years"),
                "17_18": _("17–18 years"), "other": _("other ages")}.get(code, _("unknown"))


class _YesNo:
    def label(self, code):
        return {"yes": _("yes"), "no": _("no"), "unknown": _("unknown")}[code]


class _Outcomes:
    def label(self, code):
        return {"living_at_home": _("living at home"), "in_school_or_work": _("in school or work"),
                "new_report": _("new report or arrest")}[code]
