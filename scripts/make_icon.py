"""Draw the application icon (resources/icons/panti.png and panti.ico) with Qt, offscreen.

Run: `.venv/bin/python scripts/make_icon.py`. A rounded teal square (the colour of the
navigation bar) with a white house sheltering a small figure: a home that looks after
a child.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int):
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPolygonF

    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    bg = QPainterPath()
    bg.addRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 48 * s, 48 * s)
    p.fillPath(bg, QColor("#1f4e5f"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    roof = QPolygonF([QPointF(128 * s, 44 * s), QPointF(214 * s, 120 * s), QPointF(42 * s, 120 * s)])
    p.drawPolygon(roof)
    p.drawRect(QRectF(66 * s, 112 * s, 124 * s, 96 * s))
    p.setBrush(QColor("#f2a541"))  # the child, warm, inside the house
    p.drawEllipse(QPointF(128 * s, 134 * s), 15 * s, 15 * s)
    body = QPainterPath()
    body.addRoundedRect(QRectF(106 * s, 154 * s, 44 * s, 54 * s), 18 * s, 18 * s)
    p.fillPath(body, QColor("#f2a541"))
    p.end()
    return img


def main() -> int:
    from PySide6.QtGui import QGuiApplication, QImageWriter

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(OUT / "panti.png"))
    if b"ico" in [bytes(f) for f in QImageWriter.supportedImageFormats()]:
        draw(256).scaled(256, 256).save(str(OUT / "panti.ico"), "ICO")
    else:  # pragma: no cover - Qt without its ico plugin
        print("Qt cannot write .ico here; panti.ico not updated", file=sys.stderr)
    print(OUT / "panti.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
