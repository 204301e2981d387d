"""Laporan Statistik Lembaga: de-identified counts for a period, with a bar chart per table.

Counts of 1 or 2 are printed as "<3" (and their percentage hidden) so no child can be
singled out. The numbers are counted by `panti_desktop.statistics` (re-exported here).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from ..dates import long_date
from ..i18n import _
from ..statistics import (
    SMALL,
    CentreStats,
    StatTable,
    aggregate,
    combine,
    compute,
    tables_of,
)
from ..store import cases
from .common import FONT, content_width, esc, styles, table, write_pdf
from .registry import REPORTS


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
    story += [
        Paragraph(esc(_("Period: {start} – {end}").format(start=long_date(stats.start), end=long_date(stats.end))),
                  st["body"]),
        Paragraph(esc(_("{n} children served in the period. Counts of 1 or 2 are shown as “<3” so that no child "
                        "can be recognised; this report holds no names.").format(n=stats.children)), st["small"]),
    ]
    if stats.sources:
        story.append(Paragraph(esc(_("Also included, as reported by centres whose records are not held here:")),
                               st["small"]))
        story += [Paragraph(esc("• " + line), st["small"]) for line in stats.sources]
    story.append(Spacer(1, 6))
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
    ws.audit_event("print", detail=f"centre statistics {stats.start}..{stats.end}" + (f" {centre}" if centre else ""))
    return Path(out)


__all__ = ["CentreStats", "StatTable", "aggregate", "build", "combine", "compute", "tables_of"]
