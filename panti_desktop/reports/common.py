"""What every report shares: A4, embedded DejaVu fonts, "RAHASIA" on every page, page x of y,
metadata without any child's name, an atomic write, optional AES-256 password (pypdf)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reportlab.graphics import shapes
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from ..dates import long_date
from ..files import replace_or_explain
from ..i18n import _
from ..paths import resource

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
INK = colors.HexColor("#1f2a33")
ACCENT = colors.HexColor("#1f4e5f")
LIGHT = colors.HexColor("#e8eef2")
MARGIN = 18 * mm
DRAFT_RED = colors.HexColor("#b00020")


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(resource("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    # Charts start each drawing in this state: Helvetica, which a PDF names but never embeds.
    shapes.STATE_DEFAULTS["fontName"] = FONT


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#555555")),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4,
                                textColor=ACCENT),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=15, spaceBefore=10,
                             spaceAfter=4, textColor=ACCENT, keepWithNext=True),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "cellbold": ParagraphStyle("cellbold", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11),
        "big": ParagraphStyle("big", parent=base, fontName=FONT_BOLD, fontSize=22, leading=30, alignment=TA_CENTER),
        "warning": ParagraphStyle("warning", parent=base, fontName=FONT_BOLD, fontSize=11, leading=15,
                                  textColor=DRAFT_RED, borderColor=DRAFT_RED, borderWidth=1, borderPadding=6,
                                  spaceBefore=4, spaceAfter=10),
    }


def esc(text: object) -> str:
    """Text for a Paragraph: XML special characters escaped, newlines kept."""
    s = "" if text is None else str(text)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def table(rows: Sequence[Sequence[object]], widths: Sequence[float], header: bool = True,
          st: dict | None = None) -> Table:
    st = st or styles()
    data = [[Paragraph(esc(c), st["cellbold"] if header and i == 0 else st["cell"]) for c in row]
            for i, row in enumerate(rows)]
    t = Table(data, colWidths=list(widths), repeatRows=1 if header else 0)
    cmds = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # a table sets its cell font even for Paragraph cells
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c4cc")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), LIGHT))
    t.setStyle(TableStyle(cmds))
    return t


def key_values(pairs: Sequence[tuple[str, object]], width: float, st: dict | None = None) -> Table:
    st = st or styles()
    data = [[Paragraph(esc(k), st["cellbold"]), Paragraph(esc(v), st["cell"])] for k, v in pairs]
    t = Table(data, colWidths=[width * 0.32, width * 0.68])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT),
                           ("TOPPADDING", (0, 0), (-1, -1), 2),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#d5dde2"))]))
    return t


class _Canvas:
    """Draws the page furniture once the page count is known (page x of y)."""

    def __init__(self, centre: str, title: str, stamp: str | None = None):
        self.centre = centre
        self.title = title
        self.stamp = stamp  # e.g. "DRAFT — not reviewed": across every page, and under the header

    def factory(self):
        from reportlab.pdfgen.canvas import Canvas

        furniture = self

        class NumberedCanvas(Canvas):
            def __init__(self, *args, **kwargs):
                # every page starts in the embedded font: reportlab's default Helvetica is never embedded
                kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
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

        return NumberedCanvas

    def draw(self, c, total: int) -> None:
        w, h = A4
        c.saveState()
        c.setFont(FONT_BOLD, 9)
        c.setFillColor(colors.HexColor("#b00020"))
        c.drawRightString(w - MARGIN, h - 11 * mm, _("CONFIDENTIAL"))
        c.setFillColor(ACCENT)
        c.drawString(MARGIN, h - 11 * mm, self.centre)
        c.setStrokeColor(colors.HexColor("#b8c4cc"))
        c.line(MARGIN, h - 13 * mm, w - MARGIN, h - 13 * mm)
        c.setFont(FONT, 7.5)
        c.setFillColor(colors.HexColor("#555555"))
        title = self.title if len(self.title) <= 40 else self.title[:38].rstrip() + "…"
        c.drawString(MARGIN, 10 * mm, title)
        c.drawRightString(w - MARGIN, 10 * mm, _("Page {n} of {total}").format(n=c.getPageNumber(), total=total))
        c.drawCentredString(w / 2, 10 * mm, _("CONFIDENTIAL — UU SPPA art. 19"))
        if self.stamp:
            c.setFillColor(DRAFT_RED)
            c.setFont(FONT_BOLD, 9)
            c.drawCentredString(w / 2, h - 11 * mm, self.stamp)
            c.setFillColor(colors.Color(0.69, 0, 0.13, alpha=0.12))  # faint, so the text stays readable
            c.setFont(FONT_BOLD, 44)
            c.translate(w / 2, h / 2)
            c.rotate(45)
            c.drawCentredString(0, 0, self.stamp)
        c.restoreState()


def write_pdf(path: Path, story: list, title: str, centre: str, password: str | None = None,
              canvasmaker=None, top_margin: float = 20 * mm, stamp: str | None = None) -> Path:
    """Build the PDF in memory, encrypt it there with AES-256 if asked, then write it under a temporary
    name beside the destination, flush it and rename it. `canvasmaker` and `top_margin` are for page
    furniture of another shape (the printable forms put a QR code at the top of every page).

    With a password nothing unencrypted reaches the destination, not even for a moment: a crash, a
    failed encryption or a pulled USB stick leaves at most an encrypted `.NAME.partial` there."""
    register_fonts()
    path = Path(path)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=top_margin,
                            bottomMargin=18 * mm, title=title, author=centre, subject=title,
                            creator="Panti", producer="Panti")
    doc.build(story, canvasmaker=canvasmaker or _Canvas(centre, title, stamp).factory())
    if password:
        buffer = encrypt_pdf(buffer, password)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".partial")
    try:
        with open(tmp, "wb") as f:
            f.write(buffer.getbuffer())
            f.flush()
            os.fsync(f.fileno())
        replace_or_explain(tmp, path)  # a report still open in a PDF viewer: one sentence, not a crash
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def encrypt_pdf(plain: io.BytesIO, password: str) -> io.BytesIO:
    """The PDF in `plain`, encrypted with AES-256 (pypdf), in memory."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    plain.seek(0)
    plain.truncate()  # drop the unencrypted bytes as soon as the encrypted ones exist
    return out


def place_and_date(place: str, when: date | None = None) -> str:
    return f"{place}, {long_date(when or date.today())}" if place else long_date(when or date.today())


def content_width() -> float:
    return A4[0] - 2 * MARGIN
