"""The statistics report's charts draw no bar and no label for a count of 1 or 2: read from
the PDF's own drawing operators, not from the numbers the report was given."""

from __future__ import annotations

import re
from datetime import date

from pypdf import PdfReader

from panti_desktop.reports.registry import REPORTS

# The bars' fill colour (#2f7185) as reportlab writes it into the page: "r g b rg".
BAR_FILL = (0x2F / 255, 0x71 / 255, 0x85 / 255)
_NUM = r"-?\d*\.?\d+"
# the operators read: a fill colour (r g b rg), a rectangle (x y w h re), a font size (/F s Tf), a text (...) Tj
_OPS = re.compile(rf"({_NUM}) ({_NUM}) ({_NUM}) rg|{_NUM} {_NUM} ({_NUM}) {_NUM} re|/\S+ ({_NUM}) Tf|\((.*?)\) Tj")
CHART_TEXT_SIZE = 6.5  # the charts' value axis and bar labels


def _drawn(pdf) -> tuple[list[float], list[str]]:
    """The widths of the rectangles filled in the bars' colour, and the texts written at the
    charts' label size, in page order."""
    widths, labels = [], []
    for page in PdfReader(str(pdf)).pages:
        fill, size = None, None
        for m in _OPS.finditer(page.get_contents().get_data().decode("latin-1")):
            if m.group(1) is not None:
                fill = tuple(float(m.group(i)) for i in (1, 2, 3))
            elif m.group(4) is not None:
                if fill is not None and all(abs(a - b) < 0.002 for a, b in zip(fill, BAR_FILL, strict=True)):
                    widths.append(float(m.group(4)))
            elif m.group(5) is not None:
                size = float(m.group(5))
            elif size == CHART_TEXT_SIZE:
                labels.append(m.group(6))
    return widths, labels


def _child(ws, name: str, sex: str, intake: str):
    return ws.register_child({"full_name": name, "sex": sex, "birth_date": "2012-04-01", "intake_date": intake})


def test_counts_under_three_draw_no_bar_and_no_label(ws, tmp_path):
    _child(ws, "Satu Perempuan", "female", "2026-01-05")
    report = REPORTS["centre"]
    alone = report.build(ws, tmp_path / "one.pdf", start=date(2026, 1, 1), end=date(2026, 1, 31))
    widths, labels = _drawn(alone)
    assert [w for w in widths if w > 0.01] == []  # every count is 1: no bar at all
    assert "1" not in labels and "2" not in labels  # nor a label "1" beside one (a table of one child is withheld)

    for i in range(3):  # three boys: the count of boys is shown, and drawn
        _child(ws, f"Anak Laki {i}", "male", "2026-02-02")
    more = report.build(ws, tmp_path / "four.pdf", start=date(2026, 1, 1), end=date(2026, 2, 28))
    widths, labels = _drawn(more)
    bars = [w for w in widths if w > 0.01]
    assert bars, "the bars' colour was not found: the chart changed, update BAR_FILL"
    # the four children of one age are drawn and labelled; the three boys beside one girl are not:
    # the printed total (4) would give her away, so both sexes are hidden and drawn nowhere
    assert "4" in labels
    assert "1" not in labels and "2" not in labels and "3" not in labels
    # one bar per chart, each as wide as its chart: a count of 1 beside the 3 boys would be a third of it
    assert len({round(w, 1) for w in bars}) == 1, bars
