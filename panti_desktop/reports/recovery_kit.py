"""The Recovery Kit: one page for the centre's safe with the recovery key in large characters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from ..dates import long_date
from ..i18n import _
from ..vault import recovery
from .common import FONT, content_width, esc, styles, write_pdf


def write(path: Path, centre_code: str, centre_name: str, recovery_text: str, made_by: str = "",
          when: date | None = None) -> Path:
    st = styles()
    width = content_width()
    # as the sheet writes it, however it was typed (lower case, spaces, O for 0)
    groups = recovery.encode(recovery.decode(recovery_text)).split("-")
    key_rows = [groups[:4], groups[4:]]
    key_table = Table([[Paragraph(esc(g), st["big"]) for g in row] + [""] * (4 - len(row)) for row in key_rows],
                      colWidths=[width / 4] * 4, rowHeights=[40, 40])
    key_table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#1f4e5f")),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 0), (-1, -1), FONT),
                                   ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f7f9"))]))
    steps = [
        _("Keep this sheet in the centre's safe. Do not photograph it, do not scan it, do not keep it with "
          "the laptop."),
        _("With this key an administrator can set a new passphrase when every passphrase is forgotten, and can "
          "restore a backup on a new laptop: panti-desktop restore FILE --recovery-key."),
        _("Whoever holds this key can open every child's file. If it may have been seen by someone else, make a "
          "new one at once in Settings (the old one then stops working) and destroy this sheet."),
        _("When a new key is made, replace this sheet and shred the old one."),
    ]
    story = [
        Paragraph(esc(_("Recovery Kit")), st["title"]),
        Paragraph(esc(f"{centre_name} ({centre_code})"), st["body"]),
        Paragraph(esc(_("Made on {date}{by}").format(
            date=long_date(when or date.today()), by=_(" by {name}").format(name=made_by) if made_by else "")),
            st["small"]),
        Spacer(1, 14),
        Paragraph(esc(_("Recovery key")), st["h2"]),
        key_table,
        Spacer(1, 6),
        Paragraph(esc(_("Letters and digits only; O is read as 0 and I or L as 1. The dashes do not matter.")),
                  st["small"]),
        Spacer(1, 10),
        Paragraph(esc(_("How to keep it")), st["h2"]),
        *[Paragraph(esc(f"{i}. {s}"), st["body"]) for i, s in enumerate(steps, 1)],
        Spacer(1, 24),
        Paragraph(esc(_("Stored in the safe by (name, signature, date):")), st["body"]),
        Spacer(1, 30),
        Paragraph("_" * 60, st["body"]),
    ]
    return write_pdf(path, story, _("Recovery Kit"), f"{centre_name} ({centre_code})")
