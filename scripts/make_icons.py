"""Render resources/icons/ssj.svg into the PNG (desktop entry, window) and the multi-size ICO (Windows exe,
installer). Run after changing the SVG:  QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = [16, 24, 32, 48, 64, 128, 256]


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(ICONS / "ssj.svg")).render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data)


def write_ico(path: Path, pngs: list[tuple[int, bytes]]) -> None:
    """An ICO file holding PNG-compressed images (Windows Vista and later read these)."""
    out = io.BytesIO()
    out.write((0).to_bytes(2, "little") + (1).to_bytes(2, "little") + len(pngs).to_bytes(2, "little"))
    offset = 6 + 16 * len(pngs)
    for size, data in pngs:
        dim = 0 if size >= 256 else size
        out.write(bytes([dim, dim, 0, 0]) + (1).to_bytes(2, "little") + (32).to_bytes(2, "little"))
        out.write(len(data).to_bytes(4, "little") + offset.to_bytes(4, "little"))
        offset += len(data)
    for _size, data in pngs:
        out.write(data)
    path.write_bytes(out.getvalue())


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    pngs = [(size, png_bytes(render(size))) for size in SIZES]
    (ICONS / "ssj.png").write_bytes(dict(pngs)[256])
    write_ico(ICONS / "ssj.ico", pngs)
    print("wrote", ICONS / "ssj.png", ICONS / "ssj.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
