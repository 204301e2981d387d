"""Laporan Statistik Lembaga: de-identified counts for a period, with a bar chart per table.

Counts of 1 or 2 are printed as "<3" (and their percentage hidden) so no child can be
singled out. The numbers come from the decrypted records of children served in the
period: intake on or before its end, and not ended before its start.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from ..dates import long_date
from ..domain.records import Child
from ..domain.vocab import (
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
from ..i18n import _
from .common import FONT, content_width, esc, styles, table, write_pdf

SMALL = 3
AGE_BANDS = (("11_12", 11, 12), ("13_14", 13, 14), ("15_16", 15, 16), ("17_18", 17, 18))
PARENTS = ("father", "mother", "stepfather", "stepmother")


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
    for row in ws.db.query(
            "SELECT *, substr(payload, 1, 1) = x'03' AS bound FROM session WHERE deleted = 0 AND status = 'final' "
            "AND session_date BETWEEN ? AND ?", [start.isoformat(), end.isoformat()]):
        if row["child_id"] not in ids:
            continue
        n += 1
        if row["bound"] and row["setting"]:
            settings[row["setting"]] += 1
            systems.update(x for x in (row["systems"] or "").split(",") if x)
        else:
            row.pop("bound")
            data = ws.records.open_row("session", row)
            settings[data.get("setting")] += 1
            systems.update(data.get("systems") or [])
    return systems, settings, n


def _counter_table(key: str, title: str, unit: str, counter: Counter, vocab, denominator: int,
                   note: str = "", ordered: bool = False) -> StatTable:
    """Rows by count; for ordered scales (ages, education, income) in the scale's own order."""
    if ordered:
        order = list(vocab.codes())
        items = sorted(((c, n) for c, n in counter.items() if c), key=lambda cn: order.index(cn[0])
                       if cn[0] in order else len(order))
    else:
        items = [(c, n) for c, n in counter.most_common() if c]
    rows = [(vocab.label(code), n) for code, n in items]
    missing = counter.get(None, 0) + counter.get("", 0)
    if missing:
        rows.append((_("not recorded"), missing))
    return StatTable(key, title, unit, rows, denominator, note)


def compute(ws, start: date | None = None, end: date | None = None) -> CentreStats:
    from ..retention import ended_on

    end = end or date.today()
    start = start or end - timedelta(days=365)
    served: list[tuple[str, dict]] = []
    for row in ws.db.query("SELECT * FROM child WHERE deleted = 0 AND (intake_date IS NULL OR intake_date <= ?)",
                           [end.isoformat()]):
        ended = ended_on(ws, row["id"])
        if ended is not None and ended < start:
            continue
        served.append((row["id"], ws.records.open_row("child", row)))
    ids = {cid for cid, _d in served}
    n = len(served)
    children_unit, caregivers_unit, victims_unit, sessions_unit = (
        _("children"), _("caregivers"), _("victims"), _("sessions"))
    tables: list[StatTable] = []

    families = _by_child(ws, "family", ids)
    tables.append(_counter_table("family_structure", _("Family structure"), children_unit,
                                 Counter((families.get(c) or [{}])[-1].get("structure") for c in ids),
                                 FAMILY_STRUCTURES, n))
    caregivers = [c for lst in _by_child(ws, "caregiver", ids).values() for c in lst]
    parents = [c for c in caregivers if c.get("relation") in PARENTS]
    tables.append(_counter_table("parent_education", _("Parents' education"), _("parents"),
                                 Counter(c.get("education") for c in parents), EDUCATION_LEVELS, len(parents),
                                 ordered=True))
    tables.append(_counter_table("occupation", _("Caregivers' occupation"), caregivers_unit,
                                 Counter(c.get("occupation") for c in caregivers), OCCUPATIONS, len(caregivers)))
    tables.append(_counter_table("income", _("Caregivers' monthly income"), caregivers_unit,
                                 Counter(c.get("income_band") for c in caregivers), INCOME_BANDS, len(caregivers),
                                 ordered=True))
    tables.append(_counter_table("caregiver_relation", _("Caregivers"), caregivers_unit,
                                 Counter(c.get("relation") for c in caregivers), CAREGIVER_RELATIONS, len(caregivers)))

    ages: Counter = Counter()
    sexes: Counter = Counter()
    for _cid, d in served:
        child = Child.from_dict(d)
        age = child.age_at_intake()
        band = next((b for b, lo, hi in AGE_BANDS if age is not None and lo <= age <= hi), "other" if age else None)
        ages[band] += 1
        sexes[d.get("sex")] += 1
    age_vocab = _AgeVocab()
    tables.append(_counter_table("child_age", _("Age of the children at intake"), children_unit, ages, age_vocab, n,
                                 ordered=True))
    tables.append(_counter_table("child_sex", _("Sex of the children"), children_unit, sexes, SEXES, n))

    if ws.can_read_clinical:
        offences = {c: lst[-1] for c, lst in _by_child(ws, "offence", ids).items()}
        with_offence = len(offences)
        tables.append(_counter_table("offence_form", _("Form of offence (UU TPKS art. 4)"), children_unit,
                                     Counter(f for o in offences.values() for f in o.get("forms") or []),
                                     OFFENCE_FORMS, with_offence))
        tables.append(_counter_table("offence_place", _("Place of the offence"), children_unit,
                                     Counter(o.get("place") for o in offences.values()), OFFENCE_PLACES, with_offence))
        coercion = Counter({True: "yes", False: "no", None: "unknown"}[o.get("coercion")] for o in offences.values())
        tables.append(_counter_table("coercion", _("Coercion"), children_unit, coercion, _YesNo(), with_offence))
        tables.append(_counter_table("determinants", _("Determinants"), children_unit,
                                     Counter(x for o in offences.values() for x in o.get("determinants") or []),
                                     DETERMINANTS, with_offence,
                                     note=_("A child can have several determinants.")))
        victims = [v for lst in _by_child(ws, "victim", ids).values() for v in lst]
        tables.append(_counter_table("victim_relationship", _("Relationship to the victim"), victims_unit,
                                     Counter(v.get("relationship") for v in victims), VICTIM_RELATIONSHIPS,
                                     len(victims)))
        tables.append(_counter_table("victim_age", _("Age of the victims"), victims_unit,
                                     Counter(v.get("age_band") for v in victims), VICTIM_AGE_BANDS, len(victims),
                                     ordered=True))
        tables.append(_counter_table("victim_sex", _("Sex of the victims"), victims_unit,
                                     Counter(v.get("sex") for v in victims), SEXES, len(victims)))
    legal = {c: lst[-1] for c, lst in _by_child(ws, "legal_track", ids).items()}
    tables.append(_counter_table("referral_source", _("Referral sources"), children_unit,
                                 Counter(lt.get("referral_source") for lt in legal.values()), REFERRAL_SOURCES,
                                 len(legal)))
    tables.append(_counter_table("legal_stage", _("Legal stage"), children_unit,
                                 Counter(lt.get("stage") for lt in legal.values()), LEGAL_STAGES, len(legal)))
    if ws.can_read_clinical:
        systems_c, settings_c, n_sessions = _session_codes(ws, ids, start, end)
        tables.append(_counter_table("service_system", _("Services delivered by system"), sessions_unit,
                                     systems_c, SYSTEMS, n_sessions,
                                     note=_("A session can address several systems.")))
        tables.append(_counter_table("service_setting", _("Services delivered by setting"), sessions_unit,
                                     settings_c, SESSION_SETTINGS, n_sessions))
        terminations = {c: lst[-1] for c, lst in _by_child(
            ws, "termination", ids, "terminated_on BETWEEN ? AND ?", [start.isoformat(), end.isoformat()]).items()}
        outcome = Counter()
        for t in terminations.values():
            for key in ("living_at_home", "in_school_or_work", "new_report"):
                if t.get(key):
                    outcome[key] += 1
        tables.append(_counter_table("termination_outcome", _("Outcomes at termination"), children_unit, outcome,
                                     _Outcomes(), len(terminations)))
        follow = Counter()
        done = 0
        for lst in _by_child(ws, "follow_up", ids, "done_on BETWEEN ? AND ?",
                             [start.isoformat(), end.isoformat()]).values():
            f = lst[-1]
            done += 1
            for key in ("living_at_home", "in_school_or_work", "new_report"):
                if f.get(key):
                    follow[key] += 1
        tables.append(_counter_table("follow_up_outcome", _("Outcomes at the latest follow-up"), children_unit,
                                     follow, _Outcomes(), done))
    return CentreStats(start, end, n, tables)


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


def _bar_chart(t: StatTable, width: float) -> Drawing | None:
    rows = list(reversed(t.rows[:12]))
    if not rows:
        return None
    bar_h = 13
    height = bar_h * len(rows) + 24
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = width * 0.38, 14
    chart.width, chart.height = width * 0.55, bar_h * len(rows)
    chart.data = [[n if n >= SMALL else 0 for _l, n in rows]]
    chart.categoryAxis.categoryNames = [label[:40] for label, _n in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6.5
    chart.bars[0].fillColor = colors.HexColor("#2f7185")
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = lambda v: "" if v == 0 else str(int(v))
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def build(ws, out: Path, start: date | None = None, end: date | None = None, password: str | None = None) -> Path:
    stats = compute(ws, start, end)
    st = styles()
    width = content_width()
    title = _("Centre Statistics Report")
    story: list = [
        Paragraph(esc(title), st["title"]),
        Paragraph(esc(_("Period: {start} – {end}").format(start=long_date(stats.start), end=long_date(stats.end))),
                  st["body"]),
        Paragraph(esc(_("{n} children served in the period. Counts of 1 or 2 are shown as “<3” so that no child "
                        "can be recognised; this report holds no names.").format(n=stats.children)), st["small"]),
        Spacer(1, 6),
    ]
    for t in stats.tables:
        rows = [[t.title, t.unit.capitalize(), "%"]]
        rows += [[label, t.cell(n), t.percent(n)] for label, n in t.rows] or [["—", "0", "–"]]
        rows.append([_("Total ({unit})").format(unit=t.unit), str(t.denominator), ""])
        block = [Paragraph(esc(t.title), st["h2"]), table(rows, [width * 0.6, width * 0.2, width * 0.2], st=st)]
        if t.note:
            block.append(Paragraph(esc(t.note), st["small"]))
        chart = _bar_chart(t, width)
        if chart is not None:
            block.append(chart)
        story.append(KeepTogether(block))
    write_pdf(out, story, title, ws.centre_name or ws.centre_code, password)
    ws._audit("print", detail=f"centre statistics {stats.start}..{stats.end}")
    return Path(out)


__all__ = ["CentreStats", "StatTable", "build", "compute"]
