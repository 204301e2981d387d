"""What every printable form shares: A4 with room to write by hand, the page furniture (centre,
title, register number and QR code on every page, page x of y), and the parts a form is built
from: fields with a line to write on, boxes to tick, ruled space, signature and thumbprint boxes.

Sizes are for a pen: a handwritten line is 8.5 mm high, a tick box 3.5 mm, a thumbprint box
30 × 38 mm. Fonts are the reports' embedded DejaVu (reports/common.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..i18n import _
from ..reports.common import (
    ACCENT,
    FONT,
    FONT_BOLD,
    INK,
    LIGHT,
    MARGIN,
    content_width,
    esc,
    styles,
    write_pdf,
)
from .reference import FormRef

ROW = 8.5 * mm  # one handwritten line
QR_SIZE = 22 * mm
TOP = 34 * mm  # the page furniture above the body: centre, title, QR code
RULE = colors.HexColor("#8a98a3")
FAINT = colors.HexColor("#b8c4cc")
BOX = "☐"


class Choices(list):
    """Options printed with a box to tick before each (a field's value, or a row of its own)."""


def choices(labels: Sequence[str]) -> Choices:
    return Choices(labels)


# --- the page ---------------------------------------------------------------------------------


def draw_qr(c, text: str, x: float, y: float, size: float) -> None:
    """The QR code of `text` as one vector path, `size` wide, its lower left corner at (x, y); the
    white quiet zone the code needs is left to the caller's margins."""
    matrix = segno.make_qr(text, error="m", boost_error=False).matrix
    n = len(matrix)
    module = size / n
    path = c.beginPath()
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(x + start * module, y + size - (r + 1) * module, (col - start) * module, module)
            else:
                col += 1
    c.saveState()
    c.setFillColor(colors.black)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


class Sheet:
    """Draws the furniture of every page once the page count is known."""

    def __init__(self, centre: str, title: str, ref: FormRef, form_label: str):
        self.centre = centre
        self.title = title
        self.ref = ref
        self.form_label = form_label

    def factory(self):
        from reportlab.pdfgen.canvas import Canvas

        furniture = self

        class SheetCanvas(Canvas):
            def __init__(self, *args, **kwargs):
                kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT  # never Helvetica
                super().__init__(*args, **kwargs)
                self._pages = []

            def showPage(self):
                self._pages.append(dict(self.__dict__))
                self._startPage()

            def save(self):
                total = len(self._pages)
                for state in self._pages:
                    self.__dict__.update(state)
                    furniture.draw(self, total)
                    super().showPage()
                super().save()

        return SheetCanvas

    def draw(self, c, total: int) -> None:
        w, h = A4
        qr_x, qr_y = w - MARGIN - QR_SIZE, h - 8 * mm - QR_SIZE
        c.saveState()
        draw_qr(c, self.ref.encode(), qr_x, qr_y, QR_SIZE)
        right = qr_x - 5 * mm  # the code's quiet zone stays white
        c.setFillColor(ACCENT)
        c.setFont(FONT_BOLD, 9)
        c.drawString(MARGIN, h - 12 * mm, self.centre[:70])
        c.setFont(FONT_BOLD, 15)
        c.drawString(MARGIN, h - 19.5 * mm, self.title)
        c.setFillColor(colors.HexColor("#b00020"))
        c.setFont(FONT_BOLD, 8)
        c.drawRightString(right, h - 12 * mm, _("CONFIDENTIAL"))
        # the register number on every page, so a loose page still finds its file
        c.setFillColor(INK)
        c.setFont(FONT, 9)
        label = _("Register no.")
        c.drawString(MARGIN, h - 27 * mm, label)
        x = MARGIN + c.stringWidth(label, FONT, 9) + 3 * mm
        if self.ref.register_no:
            c.setFont(FONT_BOLD, 11)
            c.drawString(x, h - 27 * mm, self.ref.register_no)
        else:
            c.setStrokeColor(RULE)
            c.setLineWidth(0.6)
            c.line(x, h - 28 * mm, x + 60 * mm, h - 28 * mm)
        c.setStrokeColor(FAINT)
        c.setLineWidth(0.5)
        c.line(MARGIN, h - 31 * mm, right, h - 31 * mm)
        c.setFont(FONT, 7.5)
        c.setFillColor(colors.HexColor("#555555"))
        c.drawString(MARGIN, 10 * mm, self.form_label)
        c.drawCentredString(w / 2, 10 * mm, _("CONFIDENTIAL — UU SPPA art. 19"))
        c.drawRightString(w - MARGIN, 10 * mm, _("Page {n} of {total}").format(n=c.getPageNumber(), total=total))
        c.restoreState()


def write(path: Path, story: list, title: str, centre: str, ref: FormRef, form_label: str) -> Path:
    """The form as a PDF at `path` (written under a temporary name and renamed, like every report)."""
    return write_pdf(path, story, title, centre, canvasmaker=Sheet(centre, title, ref, form_label).factory(),
                     top_margin=TOP)


# --- the parts of a form ----------------------------------------------------------------------


def form_styles() -> dict:
    st = styles()
    from reportlab.lib.styles import ParagraphStyle

    st["label"] = ParagraphStyle("label", parent=st["cell"], fontName=FONT_BOLD, fontSize=8.5, leading=11)
    st["value"] = ParagraphStyle("value", parent=st["cell"], fontSize=10, leading=13)
    st["choice"] = ParagraphStyle("choice", parent=st["cell"], fontSize=9, leading=14)
    st["section"] = ParagraphStyle("section", parent=st["cellbold"], fontSize=10, leading=13, textColor=ACCENT)
    st["text"] = ParagraphStyle("text", parent=st["body"], fontSize=9.5, leading=13.5)
    st["hint"] = ParagraphStyle("hint", parent=st["small"], fontSize=7.5, leading=9.5)
    return st


def choice_text(options: Sequence[str]) -> str:
    """"☐ Ayah   ☐ Ibu   ☐ Wali": each option with its box, kept together on a line."""
    return "&nbsp;&nbsp;&nbsp; ".join(
        f'<font size="12">{BOX}</font>&nbsp;{esc(o).replace(" ", "&nbsp;")}' for o in options)


def _value(content, st):
    if isinstance(content, Choices):
        return Paragraph(choice_text(content), st["choice"]), False
    if content is None or content == "":
        return "", True
    return Paragraph(esc(content), st["value"]), True


def section(title: str, st: dict) -> Table:
    """A section's title on a light band."""
    t = Table([[Paragraph(esc(title), st["section"])]], colWidths=[content_width()])
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), LIGHT), ("FONTNAME", (0, 0), (-1, -1), FONT),
                           ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return t


def fields(rows: Sequence[Sequence[tuple[str, object]]], st: dict, widths: Sequence[float] = (0.22, 0.3, 0.18, 0.3),
           height: float = ROW) -> Table:
    """Rows of (label, content) pairs, one or two a row: a line to write on where content is empty,
    the value where the file gives it, boxes to tick for Choices."""
    width = content_width()
    cols = [width * f for f in widths]
    data, cmds = [], [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("FONTNAME", (0, 0), (-1, -1), FONT),
                      ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                      ("LEFTPADDING", (0, 0), (-1, -1), 2)]
    heights = []
    for r, row in enumerate(rows):
        cells: list = []
        tall = False
        for i, (label, content) in enumerate(row):
            value, ruled = _value(content, st)
            tall = tall or isinstance(content, Choices)
            cells += [Paragraph(esc(label), st["label"]), value]
            c0 = 2 * i
            last = i == len(row) - 1
            c1 = len(cols) - 1 if last else c0 + 1
            if c1 > c0 + 1:
                cmds.append(("SPAN", (c0 + 1, r), (c1, r)))
                cells += [""] * (c1 - c0 - 1)
            if ruled:
                cmds.append(("LINEBELOW", (c0 + 1, r), (c1, r), 0.6, RULE))
        data.append(cells)
        heights.append(None if tall else height)
        if tall:
            cmds.append(("VALIGN", (0, r), (-1, r), "TOP"))
    t = Table(data, colWidths=cols, rowHeights=heights)
    t.setStyle(TableStyle(cmds))
    return t


class Ruled(Flowable):
    """Lines to write on, `lines` of them, one handwritten line apart."""

    def __init__(self, lines: int, width: float | None = None, spacing: float = ROW):
        super().__init__()
        self.lines, self.spacing = lines, spacing
        self.width = width or content_width()

    def wrap(self, avail_width, avail_height):
        return self.width, self.lines * self.spacing + 1

    def draw(self):
        c = self.canv
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        for i in range(self.lines):
            y = i * self.spacing + 1
            c.line(0, y, self.width, y)


def writing_space(label: str, lines: int, st: dict, hint: str | None = None) -> list:
    """A labelled block of ruled lines (its parts: wrap them in KeepTogether, or add them to a block
    that is kept together)."""
    parts: list = [Paragraph(esc(label), st["label"])]
    if hint:
        parts.append(Paragraph(esc(hint), st["hint"]))
    parts.append(Ruled(lines))
    parts.append(Spacer(1, 2))
    return parts


def tick_table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float], st: dict,
               box_columns: Sequence[int] = (), height: float = 7.5 * mm) -> Table:
    """A table whose `box_columns` hold a tick box in every row; other cells hold text (or nothing,
    ruled, to write in)."""
    width = content_width()
    cols = [width * f for f in widths]
    data = [[Paragraph(esc(h), st["label"]) for h in header]]
    heights: list[float | None] = [None]
    for row in rows:
        cells = []
        tallest = 0.0
        for i, cell in enumerate(row):
            if i in box_columns:
                cells.append(Paragraph(f'<font size="13">{BOX}</font>', st["choice"]))
            elif cell:
                p = Paragraph(esc(cell), st["cell"])
                tallest = max(tallest, p.wrap(cols[i] - 12, 1000)[1] + 5)  # a longer text grows its row
                cells.append(p)
            else:
                cells.append("")
        data.append(cells)
        heights.append(max(height, tallest))
    t = Table(data, colWidths=cols, rowHeights=heights, repeatRows=1)
    cmds = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("GRID", (0, 0), (-1, -1), 0.5, RULE), ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    cmds += [("ALIGN", (i, 0), (i, -1), "CENTER") for i in box_columns]
    t.setStyle(TableStyle(cmds))
    return t


def signatures(parties: Sequence[str], st: dict, thumbprint: bool = False) -> KeepTogether:
    """A column per party: room to sign above a line, then the name and the date written in; with
    `thumbprint`, a box for the thumbprint (cap jempol) of a signer who does not write."""
    width = content_width()
    gap = 8 * mm
    n = len(parties) + (1 if thumbprint else 0)
    col = (width - gap * (n - 1)) / n
    head, space, name, cols, lined = [], [], [], [], []

    def add(cells: tuple, ruled: bool) -> None:
        if head:  # a narrow empty column between two parties keeps their lines apart
            for row in (head, space, name):
                row.append("")
            cols.append(gap)
        for row, cell in zip((head, space, name), cells, strict=True):
            row.append(cell)
        cols.append(col)
        if ruled:
            lined.append(len(cols) - 1)

    if thumbprint:
        add((Paragraph(esc(_("Thumbprint (if not signed)")), st["label"]), ThumbBox(min(col, 30 * mm), 38 * mm),
             Paragraph(esc(_("left / right thumb")), st["hint"])), False)
    for party in parties:
        add((Paragraph(esc(party), st["label"]), "", Paragraph(esc(_("Name and date:")), st["hint"])), True)
    cmds = [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("VALIGN", (0, 0), (-1, 0), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), FONT), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
    cmds += [("LINEBELOW", (i, 1), (i, 2), 0.6, RULE) for i in lined]
    t = Table([head, space, name], colWidths=cols, rowHeights=[None, 40 * mm if thumbprint else 18 * mm, ROW])
    t.setStyle(TableStyle(cmds))
    return KeepTogether([Spacer(1, 4), t])


class ThumbBox(Flowable):
    """An empty framed box for a thumbprint."""

    def __init__(self, width: float, height: float):
        super().__init__()
        self.width, self.height = width, height

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


def paragraph(text: str, st: dict, style: str = "text") -> Paragraph:
    return Paragraph(esc(text), st[style])
