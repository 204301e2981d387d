"""Laporan Statistik Lembaga: de-identified counts for a period, a summary page up front and a
bar chart per table.

What is hidden is decided by `panti_desktop.statistics.protect` (the rule is in
`domain/disclosure.py` and printed in the report's own note): hidden cells print as "x",
tables too small to protect are named with the reason, never silently left out.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

from ..dates import long_date
from ..i18n import _, ngettext
from ..statistics import (
    SMALL,
    CentreStats,
    StatTable,
    aggregate,
    combine,
    compute,
    glance,
    number,
    tables_of,
)
from ..store import cases
from .common import FONT, content_width, esc, key_values, styles, table, write_pdf
from .registry import REPORTS

BAR = colors.HexColor("#2f7185")
AXIS = colors.HexColor("#888888")


def _bar_chart(t: StatTable, width: float) -> Drawing | None:
    """Bars for the same cells as the table: a hidden cell has no bar and is labelled "x".

    Drawn from plain shapes (a label, a rectangle and a value per row, an axis with its ends):
    reportlab's chart widget took most of the report's time at headquarters, for the same picture.
    """
    rows = list(t.rows[:14])
    if not rows or not any(r.count and not r.hidden for r in rows):
        return None
    bar_h, gap, size = 12, 2.5, 7
    plot_x, plot_w = width * 0.38, width * 0.55
    height = bar_h * len(rows) + 24
    top = max(r.count for r in rows if not r.hidden)
    scale = plot_w / (max(top, 1) * 1.15)
    d = Drawing(width, height)
    base = 14
    for i, r in enumerate(rows):
        y = base + bar_h * (len(rows) - 1 - i)
        d.add(String(plot_x - 4, y + bar_h / 2 - size / 2 + 1, r.label[:40], fontName=FONT, fontSize=size,
                     textAnchor="end"))
        length = 0 if r.hidden else r.count * scale
        if length:
            d.add(Rect(plot_x, y + gap / 2, length, bar_h - gap, fillColor=BAR, strokeColor=None))
        d.add(String(plot_x + length + 3, y + bar_h / 2 - 6.5 / 2 + 1, "x" if r.hidden else number(r.count),
                     fontName=FONT, fontSize=6.5))
    d.add(Line(plot_x, base, plot_x + plot_w, base, strokeColor=AXIS, strokeWidth=0.5))
    d.add(Line(plot_x, base, plot_x, base + bar_h * len(rows), strokeColor=AXIS, strokeWidth=0.5))
    for value in (0, top):
        x = plot_x + value * scale
        d.add(Line(x, base, x, base - 2, strokeColor=AXIS, strokeWidth=0.5))
        d.add(String(x, base - 9, number(value), fontName=FONT, fontSize=6.5, textAnchor="middle"))
    return d


def scope_label(ws, centre: str | None) -> str | None:
    """What a report covers, when this installation holds more than its own centre (headquarters)."""
    if centre is not None:
        names = {r[0]: r[1] for r in ws.db.execute("SELECT code, name FROM sync_centre")}
        names[ws.centre_code] = ws.centre_name or ws.centre_code
        name = names.get(centre)
        return _("Centre: {code}").format(code=centre) + (f" — {name}" if name and name != centre else "")
    if cases.is_hq(ws.db):
        return _("All centres")
    return None


def rule_note() -> str:
    return _("How small numbers are protected: a count of 1 or 2 is never printed, and further counts are "
             "hidden (“x”) until, from everything this report prints — totals, other rows, other tables — "
             "each hidden count could still be any of at least three values, one of them {small} or more. "
             "A zero is printed as 0. A table too small to protect this way is named, not printed. "
             "Categories keep a fixed order. The period is whole calendar months, so two reports a few days "
             "apart are the same report and cannot be subtracted from each other; reports of periods that "
             "differ by a month or more can still be, so share the fewest periods you need."
             ).format(small=SMALL)


def _table_block(t: StatTable, st: dict, width: float) -> list:
    if t.withheld:
        return [KeepTogether([Paragraph(esc(t.title), st["h2"]),
                              Paragraph(esc(_("Not shown: {reason}.").format(reason=t.withheld)), st["small"])])]
    pct = _("% of recorded") if t.of_recorded else "%"
    rows = [[t.title, t.unit.capitalize(), pct]]
    rows += [[r.label, t.cell(r), t.percent(r)] for r in t.rows] or [["—", "0", "–"]]
    rows.append([_("Total ({unit})").format(unit=t.unit), number(t.denominator), ""])
    block = [Paragraph(esc(t.title), st["h2"]), table(rows, [width * 0.6, width * 0.2, width * 0.2], st=st)]
    if t.note:
        block.append(Paragraph(esc(t.note), st["small"]))
    chart = _bar_chart(t, width)
    if chart is not None:
        block.append(chart)
    else:
        block.append(Paragraph(esc(_("No data in this period.")), st["small"]))
    return [KeepTogether(block)]


def build(ws, out: Path, start: date | None = None, end: date | None = None, password: str | None = None,
          centre: str | None = None) -> Path:
    stats = compute(ws, start, end, centre)
    st = styles()
    width = content_width()
    title = REPORTS["centre"].title_text()
    story: list = [Paragraph(esc(title), st["title"])]
    scope = scope_label(ws, centre)
    if scope:
        story.append(Paragraph(esc(scope), st["body"]))
    story.append(Paragraph(esc(_("Period: {start} – {end}").format(start=long_date(stats.start),
                                                                    end=long_date(stats.end))), st["body"]))
    if stats.requested and stats.requested != (stats.start, stats.end):
        story.append(Paragraph(esc(_("Asked for {start} – {end}; printed statistics always cover whole months.").format(
            start=long_date(stats.requested[0]), end=long_date(stats.requested[1]))), st["small"]))
    story.append(Paragraph(esc(_("{n} children served in the period. This report holds no names.").format(
        n=number(stats.children))), st["small"]))
    if stats.sources:
        story.append(Paragraph(esc(_("Also included, as reported by centres whose records are not held here "
                                     "(their exact counts were added before anything was hidden):")), st["small"]))
        story += [Paragraph(esc("• " + line), st["small"]) for line in stats.sources]
    story += [Paragraph(esc(_("At a glance")), st["h2"]),
              key_values([(label, value) for label, value in glance(stats)], width, st=st),
              Spacer(1, 6)]
    if stats.unavailable:
        story.append(Paragraph(esc(_("Not available to your role (they need the clinical key): {tables}.").format(
            tables="; ".join(stats.unavailable))), st["body"]))
    withheld = [t.title for t in stats.tables if t.withheld]
    if withheld:
        story.append(Paragraph(esc(_("Not shown because too few children are in them: {tables}.").format(
            tables="; ".join(withheld))), st["small"]))
    story += [Paragraph(esc(rule_note()), st["small"]),
              Paragraph(esc(ngettext("{n} cell is hidden in this report.", "{n} cells are hidden in this report.",
                                     stats.hidden_cells).format(n=number(stats.hidden_cells))), st["small"]),
              PageBreak()]
    for t in stats.tables:
        story += _table_block(t, st, width)
    write_pdf(out, story, title, ws.centre_name or ws.centre_code, password)
    ws.audit_event("print", detail=f"centre statistics {stats.start}..{stats.end}" + (f" {centre}" if centre else ""))
    return Path(out)


__all__ = ["CentreStats", "StatTable", "aggregate", "build", "combine", "compute", "tables_of"]
