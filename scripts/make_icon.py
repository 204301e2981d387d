"""Draw the application icon (resources/icons/panti.png and panti.ico) with Qt, offscreen.

Run: `.venv/bin/python scripts/make_icon.py`. A rounded teal square (the colour of the
navigation bar) with a white house sheltering a small figure: a home that looks after
a child.

panti.ico holds the icon drawn at every size Windows asks for (16 px in the title bar and
the taskbar at 100 %, 20/24 at 125/150 %, 32 and 48 on the desktop, 256 in large views),
each drawn at its size rather than scaled down from 256. Qt's ICO writer stores one image,
so the file is put together here: PNG images in an ICO directory (Windows Vista and later).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


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


def png_bytes(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    draw(size).save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An ICO file of PNG images: the directory (type 1), one 16-byte entry per size, the images."""
    sizes = sorted(images)
    out = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    for size in sizes:
        side = 0 if size >= 256 else size  # 0 means 256
        out += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(images[size]), offset)
        offset += len(images[size])
    return out + b"".join(images[s] for s in sizes)


def ico_sizes(data: bytes) -> list[int]:
    """The sizes an ICO file holds (read back by the test)."""
    reserved, kind, count = struct.unpack_from("<HHH", data)
    if reserved != 0 or kind != 1:
        raise ValueError("not an icon file")
    return [struct.unpack_from("<B", data, 6 + 16 * i)[0] or 256 for i in range(count)]


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(OUT / "panti.png"))
    (OUT / "panti.ico").write_bytes(ico_bytes({size: png_bytes(size) for size in ICO_SIZES}))
    print(OUT / "panti.png", OUT / "panti.ico", ", ".join(f"{s} px" for s in ICO_SIZES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
