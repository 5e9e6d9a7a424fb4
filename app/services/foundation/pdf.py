"""Shared PDF plumbing (reportlab): an embedded CJK TrueType font, A4 pages with government margins.

Font search order (`font_candidates`), first usable wins:
1. `SSJ_PDF_FONT` (a .ttf/.ttc path) if set;
2. Windows: 仿宋/宋体/黑体/微软雅黑 in the system font folder (`%WINDIR%\\Fonts`) and in the per-user
   folder (`%LOCALAPPDATA%\\Microsoft\\Windows\\Fonts`, where 仿宋_GB2312 is often installed);
3. Linux: every Chinese font fontconfig knows (`fc-list :lang=zh`), preferred families first;
4. the font shipped with the program, 文泉驿微米黑 (resources/fonts, Apache-2.0), so a PDF is made on a
   bare machine too.
Only TrueType outlines are taken: reportlab cannot embed CFF/PostScript outlines (Noto CJK / 思源 .otf/.ttc),
and never the CID font STSong-Light (not embedded: blank in viewers without it). In a .ttc the face is chosen
by name (SimSun, not NSimSun; Microsoft YaHei, not its UI variant).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable

from app import __version__
from app.services.foundation.errors import UserError

FONT = "SSJ-CJK"
FONT_BOLD = "SSJ-CJK-Bold"
# GB/T 9704 official documents: top 37 mm, left 28 mm, right 26 mm, bottom 35 mm. Forms use a bit less.
MARGINS = dict(topMargin=30 * mm, bottomMargin=25 * mm, leftMargin=28 * mm, rightMargin=26 * mm)
PAGE = A4
PAGE_LANDSCAPE = landscape(A4)
PRODUCER = f"双随机抽查工作台 {__version__}"

# Windows font files, best first: 仿宋 suits official documents; 宋体/黑体/雅黑 are on every Windows.
WINDOWS_FONTS = ["仿宋_GB2312.ttf", "FS_GB2312.ttf", "simfang.ttf", "simsun.ttc", "simhei.ttf", "msyh.ttc", "msyh.ttf"]
# Preferred faces inside collections (PostScript names as reportlab reads them).
PREFERRED_FACES = ["SimSun", "MicrosoftYaHei", "WenQuanYiZenHei", "WenQuanYiMicroHei", "FangSong", "SimHei"]
# fontconfig font files, best first (仿宋, 宋体, 黑体, 雅黑, 文泉驿, Droid); any other TrueType font comes after.
PREFERRED_FILES = ["fang", "fs_gb2312", "simsun", "song", "simhei", "msyh", "wqy-zenhei", "wqy-microhei", "droid"]


def _preference(path: str) -> int:
    name = Path(path).name.casefold()
    return next((i for i, part in enumerate(PREFERRED_FILES) if part in name), len(PREFERRED_FILES))


SHIPPED_FONT = "wqy-microhei.ttc"


def windows_font_dirs(environ=None) -> list[Path]:
    """The system font folder and the per-user one (fonts installed "for me only" on Windows 10 1809+)."""
    env = os.environ if environ is None else environ
    dirs = [Path(env.get("WINDIR") or env.get("SystemRoot") or r"C:\Windows") / "Fonts"]
    local = env.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


def outline_format(path: str | os.PathLike, index: int = 0) -> str | None:
    """'TrueType', 'CFF' (PostScript outlines, not embeddable) or None (not a font / unreadable)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if head[:4] == b"ttcf":
                count = int.from_bytes(head[8:12], "big")
                if not 0 <= index < count:
                    return None
                fh.seek(12 + 4 * index)
                fh.seek(int.from_bytes(fh.read(4), "big"))
                head = fh.read(4)
    except OSError:
        return None
    if head[:4] in (b"\x00\x01\x00\x00", b"true"):
        return "TrueType"
    if head[:4] == b"OTTO":
        return "CFF"
    return None


def pick_face(names: list[str], preferred: list[str] = PREFERRED_FACES) -> int:
    """Index of the face to use in a collection: the first preferred name present, else face 0."""
    for want in preferred:
        for i, name in enumerate(names):
            if name.replace(" ", "").casefold() == want.casefold():
                return i
    return 0


def collection_faces(path: str | os.PathLike) -> list[str]:
    """PostScript names of the faces in a .ttc ([] if unreadable)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    names = []
    for i in range(32):
        try:
            names.append(TTFontFile(str(path), subfontIndex=i).name.decode("latin-1", "replace"))
        except Exception:
            break
    return names


def parse_fc_list(text: str) -> list[tuple[str, int]]:
    """(file, face index) of the TrueType fonts in `fc-list :lang=zh file index fontformat` output,
    preferred families first (仿宋/宋体/黑体/文泉驿), each file once."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        m = re.match(r"^(.*?):\s*:?index=(\d+):fontformat=(\S+)", line.strip())
        if not m or m.group(3) != "TrueType":
            continue
        path, index = m.group(1), int(m.group(2))
        if path not in found or index < found[path]:
            found[path] = index
    return sorted(found.items(), key=lambda item: (_preference(item[0]), item[0]))


def fontconfig_fonts(run=subprocess.run) -> list[tuple[str, int]]:
    """Chinese TrueType fonts fontconfig knows ([] without fontconfig)."""
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = run([exe, ":lang=zh", "file", "index", "fontformat"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_fc_list(out.stdout or "")


def shipped_font() -> str | None:
    try:
        entry = resources.files("resources") / "fonts" / SHIPPED_FONT
        return str(entry) if entry.is_file() else None
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        return None


def font_candidates(platform: str | None = None, environ=None, fc=fontconfig_fonts) -> list[tuple[str, int | None]]:
    """(path, face index or None = choose by name) in the order they are tried."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    out: list[tuple[str, int | None]] = []
    if env.get("SSJ_PDF_FONT"):
        out.append((env["SSJ_PDF_FONT"], None))
    if platform == "win32":
        out += [(str(folder / name), None) for name in WINDOWS_FONTS for folder in windows_font_dirs(env)]
    else:
        out += list(fc())
    shipped = shipped_font()
    if shipped:
        out.append((shipped, 0))
    return out


def usable_font(path: str, index: int | None) -> tuple[str, int] | None:
    """(path, face) if `path` is a readable font with TrueType outlines, else None."""
    if not Path(path).is_file():
        return None
    if path.lower().endswith(".ttc") or outline_format(path) is None:
        if index is None:
            index = pick_face(collection_faces(path))
    index = index or 0
    return (path, index) if outline_format(path, index) == "TrueType" else None


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the CJK font under FONT (and FONT_BOLD, the same face) and return its file path."""
    for path, index in font_candidates():
        usable = usable_font(path, index)
        if usable is None:
            continue
        path, index = usable
        try:
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, path, subfontIndex=index))
        except Exception:  # a damaged or unsupported font: try the next
            continue
        from reportlab.lib.fonts import addMapping

        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT)
        addMapping(FONT, 1, 1, FONT_BOLD)
        return path
    raise UserError(
        "找不到可嵌入的中文字体，无法生成 PDF。程序自带的文泉驿微米黑字体（resources/fonts）缺失，"
        "安装可能不完整：请重新安装双随机抽查工作台。"
    )


def font_name() -> str:
    """A human-readable name of the font PDFs use (for the self-test and the 关于 dialog)."""
    path = register_fonts()
    face = pdfmetrics.getFont(FONT).face
    name = getattr(face, "name", b"")
    name = name.decode("latin-1", "replace") if isinstance(name, bytes) else str(name)
    return f"{name}（{path}）"


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


def footer_with_progress(progress, total: int, what: str):
    """An onPage callback: the page number footer, and `progress(done, total, text)` told each page (for the
    program's progress dialog; `progress.cancelled()`, when it has one and says so, stops the document)."""

    def on_page(canvas, doc) -> None:
        page_number_footer(canvas, doc)
        if progress is None:
            return
        cancelled = getattr(progress, "cancelled", None)
        if cancelled is not None and cancelled():
            raise UserError(f"已取消：{what}没有生成。")
        done = min(canvas.getPageNumber(), total)
        progress(done, total, f"正在生成{what}：第 {done} / {total} 页……")

    return on_page


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
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=pagesize,
            title=title,
            author="双随机抽查工作台",
            creator=PRODUCER,
            producer=PRODUCER,
            subject=f"{title}（双随机抽查工作台 {__version__} 生成）" if title else PRODUCER,
            **opts,
        )
        doc.build(list(story), onFirstPage=on_page, onLaterPages=on_page)
    return Path(path)


# Fast text: documents of hundreds of pages (171 检查通知书, a public notice of 1,000 results) lay out plain text
# with the line breaks reportlab's CJK Paragraph would make, from the font's width table read once, instead of one
# Paragraph (markup parser, per-character stringWidth calls) per cell; then draw it with plain canvas calls.


@lru_cache(maxsize=8)
def _widths(font: str) -> tuple[dict, float]:
    register_fonts()
    face = pdfmetrics.getFont(font).face
    return face.charWidths, face.defaultWidth


def text_width(text: str, font: str = FONT, size: float = 11) -> float:
    """The width of `text` in points, as pdfmetrics.stringWidth gives it for a TrueType font."""
    widths, default = _widths(font)
    return 0.001 * size * sum(widths.get(ord(ch), default) for ch in text)


@lru_cache(maxsize=20000)
def wrap_lines(text: str, width: float, font: str = FONT, size: float = 11, first: float | None = None) -> tuple:
    """The lines of `text` wrapped to `width` points (the first line to `first` if given) the way reportlab's
    Paragraph with wordWrap="CJK" breaks one run of text: as many characters as fit, a closing mark (，。）…)
    never starting a line, Latin words kept whole where possible; each "\n" starts a new line and runs of
    white space count as one space, as in a Paragraph. Memoised: the same text in the same column wraps once."""
    from reportlab.lib.textsplit import dumbSplit

    widths, default = _widths(font)
    scale = 0.001 * size
    out: list[str] = []
    for part in str(text).split("\n"):
        part = " ".join(part.split())
        if not part:
            out.append("")
            continue
        limits = [first, width] if first is not None and not out else [width]
        chars = [widths.get(ord(ch), default) * scale for ch in part]
        out += [line for _space, line in dumbSplit(part, chars, limits)]
    return tuple(out)


def draw_lines(
    canvas,
    lines,
    x: float,
    y: float,
    *,
    font: str = FONT,
    size: float = 11,
    leading: float = 17,
    align: str = "left",
    width: float = 0,
    first_indent: float = 0,
) -> None:
    """Draw pre-wrapped lines, the first baseline at `y`, aligned in the box [x, x + width] as a Paragraph
    would (left / centre / right)."""
    canvas.setFont(font, size)
    for i, line in enumerate(lines):
        if not line:
            y -= leading
            continue
        if align == "center":
            canvas.drawCentredString(x + width / 2, y, line)
        elif align == "right":
            canvas.drawRightString(x + width, y, line)
        else:
            canvas.drawString(x + (first_indent if i == 0 else 0), y, line)
        y -= leading


def repeating_table_class():
    """A LongTable class for one document whose text cells that repeat (the office in every row of a public
    notice, the plan, the date, the result) are drawn once each into a PDF Form XObject and then placed: a table
    of 1,000 rows drew the same three lines of the office's name 1,000 times. Positions are those of
    `Table._drawCell` for a text cell (alignment, VALIGN), so the page looks the same."""
    from collections import Counter

    from reportlab.platypus import LongTable

    forms: dict[tuple, str] = {}

    class RepeatingTable(LongTable):
        def __init__(self, data, *args, **kw):
            super().__init__(data, *args, **kw)
            if not hasattr(RepeatingTable, "repeats"):
                RepeatingTable.repeats = Counter(v for row in data for v in row if isinstance(v, str) and v)

        def _drawCell(self, cellval, cellstyle, pos, size):
            if not isinstance(cellval, str) or RepeatingTable.repeats.get(cellval, 0) < 2 or cellstyle.href:
                return super()._drawCell(cellval, cellstyle, pos, size)
            colpos, rowpos = pos
            colwidth, rowheight = size
            just, valign = cellstyle.alignment, cellstyle.valign
            lines = cellval.split("\n")
            leading, fontsize = cellstyle.leading, cellstyle.fontsize
            if just in ("CENTRE", "CENTER"):
                x = colpos + (colwidth + cellstyle.leftPadding - cellstyle.rightPadding) * 0.5
            elif just == "RIGHT":
                x = colpos + colwidth - cellstyle.rightPadding
            elif just == "LEFT":
                x = colpos + cellstyle.leftPadding
            else:
                return super()._drawCell(cellval, cellstyle, pos, size)
            if valign == "BOTTOM":
                y = rowpos + cellstyle.bottomPadding + len(lines) * leading - fontsize
            elif valign == "TOP":
                y = rowpos + rowheight - cellstyle.topPadding - fontsize
            else:
                y = rowpos + (cellstyle.bottomPadding + rowheight - cellstyle.topPadding + len(lines) * leading) / 2.0
                y -= fontsize
            key = (cellval, cellstyle.fontname, fontsize, leading, just, str(cellstyle.color))
            canvas = self.canv
            name = forms.get(key)
            if name is None:
                name = forms[key] = f"SSJCell{len(forms)}"
                width, height = canvas._pagesize
                canvas.beginForm(name, -width, -height, width, height)
                canvas.setFillColor(cellstyle.color)
                draw = {"LEFT": canvas.drawString, "RIGHT": canvas.drawRightString}.get(just, canvas.drawCentredString)
                canvas.setFont(cellstyle.fontname, fontsize, leading)
                for i, line in enumerate(lines):
                    draw(0, -i * leading, line)
                canvas.endForm()
            canvas.saveState()
            canvas.translate(x, y)
            canvas.doForm(name)
            canvas.restoreState()

    return RepeatingTable


# QR codes: segno computes the module matrix, the page draws it as one filled path (one rectangle per run of
# dark modules in a row). A fixed mask pattern (ISO/IEC 18004 allows any of the eight; the reader takes it from
# the format information) skips scoring all eight masks, which was most of the time of a notice page.
QR_MASK = 2


def qr_matrix(text: str, error: str = "m") -> tuple[bytes, ...]:
    """The QR code of `text` as rows of modules (1 dark, 0 light), without the quiet zone, as segno makes it."""
    import segno

    code = segno.make(text, error=error, micro=False, boost_error=False, mask=QR_MASK)
    return tuple(bytes(row) for row in code.matrix)


_DARK_RUN = re.compile(rb"[^\x00]+")


def qr_runs(matrix) -> list[tuple[int, int, int]]:
    """(row from the top, first column, length) of every run of dark modules."""
    return [(r, m.start(), m.end() - m.start()) for r, row in enumerate(matrix) for m in _DARK_RUN.finditer(bytes(row))]


class QRFlowable(Flowable):
    """A square QR code `size` points wide with a `border`-module quiet zone, painted as one filled path."""

    def __init__(self, text: str, size: float, *, border: int = 4, error: str = "m"):
        super().__init__()
        self.qr_text = text
        self.width = self.height = size
        self.border = border
        matrix = qr_matrix(text, error)
        self.modules = len(matrix) + 2 * border
        self.runs = qr_runs(matrix)

    def draw(self):
        # in module units (one unit = one module, y up from the code's bottom-left corner): one "x y w h re"
        # rectangle per run, all filled at once ("f") — a few kilobytes of page content per code
        unit = self.width / self.modules
        top = self.modules - self.border
        canvas = self.canv
        canvas.saveState()
        canvas.scale(unit, unit)
        canvas.setFillColorRGB(0, 0, 0)
        rects = [f"{self.border + c} {top - r - 1} {n} 1 re" for r, c, n in self.runs]
        canvas.addLiteral("\n".join(rects) + "\nf")
        canvas.restoreState()


def qr_flowable(text: str, size: float, *, border: int = 4, error: str = "m") -> QRFlowable:
    """The QR code of `text` as a flowable for tables and stories."""
    return QRFlowable(text, size, border=border, error=error)
