"""Shared Word writing (python-docx): editable .docx documents the office edits before stamping.

A4 pages with the same margins as the PDFs, Chinese fonts set on the East Asian slot of every run (Word and
WPS pick the Chinese face from `w:rFonts/@w:eastAsia`, not from the font name alone), and each face named in
the font table with an alternative the machine surely has (仿宋_GB2312 → 仿宋, 方正小标宋简体 → 宋体), so a
PC without the official font shows the document in the next best face instead of a Western fallback.
QR codes go in as PNG pictures drawn from reportlab's encoder (no other imaging library).
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from app import __version__

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEAD_FONT = "黑体"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Word/WPS use w:altName when the named face is missing: a face every Chinese Windows has
ALTERNATIVES = {BODY_FONT: "仿宋", TITLE_FONT: "宋体", HEAD_FONT: "SimHei", TABLE_FONT: "SimSun", "仿宋": "FangSong"}
CENTER, RIGHT, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT


_RUN_PROPERTIES: dict[tuple, object] = {}  # (face, size, bold) -> the w:rPr a fresh run gets, made once


def set_run_font(run, face: str = BODY_FONT, size: float | None = None, bold: bool | None = None) -> None:
    """The face on the Latin and East Asian slots of a run (the eastAsia attribute is what Chinese text uses).

    A fresh run (no properties yet) gets a copy of the properties made the first time for the same face, size
    and weight: a public notice of 1,000 rows has 9,000 runs, and python-docx spent seconds building each."""
    from copy import deepcopy

    element = run._element
    if element.rPr is None:
        key = (face, size, bold)
        made = _RUN_PROPERTIES.get(key)
        if made is not None:
            element.insert(0, deepcopy(made))
            return
        _set_run_font(run, face, size, bold)
        _RUN_PROPERTIES[key] = deepcopy(element.rPr)
        return
    _set_run_font(run, face, size, bold)


def _set_run_font(run, face: str, size: float | None, bold: bool | None) -> None:
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), face)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def _style_font(style, face: str, size: float) -> None:
    style.font.name = LATIN_FONT
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), face)


def _font_table_alternatives(doc) -> None:
    """Name each Chinese face in the font table with its w:altName (the fallback Word/WPS use)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        font_part = doc.part.part_related_by(RT.FONT_TABLE)
    except KeyError:
        return
    from lxml import etree

    root = etree.fromstring(font_part.blob)
    present = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for face, alt in ALTERNATIVES.items():
        if face in present:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), face)
        alt_el = etree.SubElement(font, qn("w:altName"))
        alt_el.set(qn("w:val"), alt)
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if face == BODY_FONT else "auto")
    font_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def new_document(
    *,
    title: str = "",
    landscape: bool = False,
    top: float = 30,
    bottom: float = 25,
    left: float = 28,
    right: float = 26,
):
    """An A4 document (margins in mm, defaults as the PDFs: foundation.pdf.MARGINS)."""
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    _style_font(doc.styles["Normal"], BODY_FONT, 12)
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)
    _font_table_alternatives(doc)
    props = doc.core_properties
    props.title = title
    props.author = "双随机抽查工作台"
    props.comments = f"双随机抽查工作台 {__version__} 生成，可编辑后盖章"
    _page_number_footer(section)
    return doc


def _page_number_footer(section) -> None:
    """'第 N 页' centred in the footer (a PAGE field, so it stays right after edits)."""
    p = section.footer.paragraphs[0]
    p.alignment = CENTER
    set_run_font(p.add_run("第 "), TABLE_FONT, 9)
    run = p.add_run()
    set_run_font(run, TABLE_FONT, 9)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    set_run_font(p.add_run(" 页"), TABLE_FONT, 9)


def paragraph(
    doc_or_cell,
    text: str = "",
    *,
    face: str = BODY_FONT,
    size: float = 12,
    bold: bool = False,
    align=None,
    indent: bool = False,
    color: str | None = None,
    space_after: float = 0,
):
    p = doc_or_cell.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(space_after)
    if text:
        run = p.add_run(text)
        set_run_font(run, face, size, bold)
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
    return p


def title(doc, text: str, *, size: float = 20, color: str | None = None, face: str = TITLE_FONT):
    return paragraph(doc, text, face=face, size=size, bold=True, align=CENTER, color=color, space_after=6)


def heading(doc, text: str, size: float = 14):
    p = paragraph(doc, text, face=HEAD_FONT, size=size, space_after=3)
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.keep_with_next = True
    return p


def rule(doc, color: str = "C00000", size_eighths: int = 12):
    """A coloured line across the page (the red rule under a notice's office header)."""
    p = doc.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", str(size_eighths)), ("w:space", "1"), ("w:color", color)):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)
    p.paragraph_format.space_after = Pt(8)
    return p


def _cell_text(cell, text, *, size: float, bold: bool = False, align=None) -> None:
    cell.text = ""
    lines = str("" if text is None else text).split("\n")
    first = cell.paragraphs[0]
    for i, line in enumerate(lines):
        p = first if i == 0 else cell.add_paragraph()
        if align is not None:
            p.alignment = align
        set_run_font(p.add_run(line), TABLE_FONT, size, bold)


def table(
    doc,
    headers: list[str] | None,
    rows: list[list],
    widths_mm: list[float] | None = None,
    *,
    size: float = 10.5,
    label_column: bool = False,
):
    """A grid table: an optional bold header row (repeated on each page), then the rows."""
    n_cols = len(headers) if headers else max(len(r) for r in rows)
    t = doc.add_table(rows=0, cols=n_cols)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    if headers:
        cells = t.add_row().cells
        for c, h in zip(cells, headers):
            _cell_text(c, h, size=size, bold=True, align=CENTER)
            _shade(c, "EEEEEE")
        trpr = t.rows[0]._tr.get_or_add_trPr()
        head = OxmlElement("w:tblHeader")
        head.set(qn("w:val"), "true")
        trpr.append(head)
    for row in rows:
        cells = t.add_row().cells
        for i, (c, v) in enumerate(zip(cells, row)):
            _cell_text(c, v, size=size, bold=label_column and i == 0)
            if label_column and i == 0:
                _shade(c, "F2F2F2")
    if widths_mm:
        set_widths(t, widths_mm)
    return t


def set_widths(t, widths_mm: list[float]) -> None:
    """Column widths that Word, WPS and LibreOffice all keep: the grid, every cell, and a fixed layout."""
    t.autofit = False
    for col, w in zip(t.columns, widths_mm):
        col.width = Mm(w)
    for row in t.rows:
        for c, w in zip(row.cells, widths_mm):
            c.width = Mm(w)
    tblpr = t._tbl.tblPr
    layout = tblpr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tblpr.append(layout)
    layout.set(qn("w:type"), "fixed")


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def qr_matrix(text: str, level: str = "M") -> list[list[bool]]:
    """The QR code's modules (segno, the same code the PDFs print)."""
    from app.services.foundation.pdf import qr_matrix as modules

    return [[bool(m) for m in row] for row in modules(text, level.lower())]


def qr_png(text: str, *, scale: int = 8, border: int = 4, level: str = "M") -> bytes:
    """A black-and-white PNG of the QR code (greyscale, 8 bits; written with zlib, no imaging library)."""
    modules = qr_matrix(text, level)
    n = len(modules) + 2 * border
    size = n * scale
    raw = bytearray()
    for y in range(size):
        r = y // scale - border
        raw.append(0)  # filter type none
        for x in range(size):
            c = x // scale - border
            dark = 0 <= r < len(modules) and 0 <= c < len(modules) and modules[r][c]
            raw.append(0 if dark else 255)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def picture(doc_or_cell, png: bytes, width_mm: float, *, align=None):
    """A PNG picture in its own paragraph (in the document or in a table cell)."""
    in_empty_cell = hasattr(doc_or_cell, "_tc") and not doc_or_cell.text
    p = doc_or_cell.paragraphs[0] if in_empty_cell else doc_or_cell.add_paragraph()
    if align is not None:
        p.alignment = align
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
    return p


def page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def save(doc, path: str | Path) -> Path:
    """Write the document atomically (a half-written .docx never replaces a good one)."""
    from app.services.foundation.files import atomic_path

    with atomic_path(path, ".docx") as tmp:
        doc.save(str(tmp))
    return Path(path)
