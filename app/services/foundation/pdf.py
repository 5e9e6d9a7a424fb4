"""Shared PDF plumbing (reportlab): an embedded CJK TrueType font, A4 pages with government margins.

Font search order: the font shipped in resources/fonts (if any), Windows 仿宋/宋体/黑体, then
WenQuanYi on Linux. Never the CID font STSong-Light (not embedded: blank in viewers without it).
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.services.foundation.errors import UserError

FONT = "SSJ-CJK"
FONT_BOLD = "SSJ-CJK-Bold"
# GB/T 9704 official documents: top 37 mm, left 28 mm, right 26 mm, bottom 35 mm. Forms use a bit less.
MARGINS = dict(topMargin=30 * mm, bottomMargin=25 * mm, leftMargin=28 * mm, rightMargin=26 * mm)
PAGE = A4
PAGE_LANDSCAPE = landscape(A4)

_WINDOWS = ["simfang.ttf", "simsun.ttc", "simhei.ttf", "msyh.ttc"]
_LINUX = ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"]


def _candidates() -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    env = os.environ.get("SSJ_PDF_FONT")
    if env:
        out.append((env, 0))
    try:
        fonts = resources.files("resources") / "fonts"
        for entry in sorted(fonts.iterdir(), key=lambda p: p.name):
            if entry.name.lower().endswith((".ttf", ".ttc")):
                out.append((str(entry), 0))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    out += [(str(windir / name), 0) for name in _WINDOWS]
    out += [(p, 0) for p in _LINUX]
    return out


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the CJK font under FONT (and FONT_BOLD, the same face) and return its file path."""
    for path, index in _candidates():
        if not Path(path).is_file():
            continue
        try:
            kwargs = {"subfontIndex": index} if path.lower().endswith(".ttc") else {}
            pdfmetrics.registerFont(TTFont(FONT, path, **kwargs))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, path, **kwargs))
            from reportlab.lib.fonts import addMapping

            addMapping(FONT, 0, 0, FONT)
            addMapping(FONT, 1, 0, FONT_BOLD)
            addMapping(FONT, 0, 1, FONT)
            addMapping(FONT, 1, 1, FONT_BOLD)
            return path
        except Exception:  # a font reportlab cannot embed (e.g. PostScript outlines): try the next
            continue
    raise UserError(
        "找不到可嵌入的中文字体，无法生成 PDF。Windows 请确认 C:\\Windows\\Fonts 下有宋体/仿宋；"
        "Linux 请安装 fonts-wqy-zenhei。"
    )


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=30, alignment=1, spaceAfter=6 * mm
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=20, alignment=1, spaceAfter=4 * mm),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=13, leading=20, spaceBefore=3 * mm, spaceAfter=2 * mm
        ),
        "right": ParagraphStyle("right", parent=base, alignment=2),
        "center": ParagraphStyle("center", parent=base, alignment=1),
    }


def page_number_footer(canvas, doc) -> None:
    """onPage callback: '第 N 页' centred in the bottom margin."""
    register_fonts()
    canvas.saveState()
    canvas.setFont(FONT, 9)
    width = doc.pagesize[0]
    canvas.drawCentredString(width / 2, 12 * mm, f"第 {canvas.getPageNumber()} 页")
    canvas.restoreState()


def esc(text) -> str:
    """Escape text for a reportlab Paragraph."""
    from xml.sax.saxutils import escape

    return escape("" if text is None else str(text)).replace("\n", "<br/>")


def build_pdf(path, story, *, pagesize=PAGE, title: str = "", on_page=page_number_footer, **margins):
    """Build a PDF from flowables atomically; returns the path."""
    from reportlab.platypus import SimpleDocTemplate

    from app.services.foundation.files import atomic_path

    register_fonts()
    opts = dict(MARGINS)
    opts.update(margins)
    with atomic_path(path, ".pdf") as tmp:
        doc = SimpleDocTemplate(str(tmp), pagesize=pagesize, title=title, author="双随机抽查工作台", **opts)
        doc.build(list(story), onFirstPage=on_page, onLaterPages=on_page)
    return Path(path)
