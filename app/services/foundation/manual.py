"""The user manual (使用手册): one Markdown file in resources/manual, read with importlib.resources.

The same text feeds the help window (HTML for a QTextBrowser, one anchor per section: F1 opens the section of
the current page, whose anchor is the page's key) and the printed manual (PDF, reportlab). The Markdown is a
small, fixed subset, so no Markdown library is needed: `#`/`##`/`###` headings with an optional `{#anchor}`,
paragraphs, `-` bullets, `1.` numbered steps, `> ` notes, `| a | b |` tables, `![caption](file.png)` screenshots
(resources/manual/screenshots, made by docs/screenshots/take_screenshots.py), `**bold**` and `` `code` ``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path

from app.services.foundation.errors import UserError

MANUAL = "manual.md"
SCREENSHOTS = "screenshots"


@dataclass
class Block:
    kind: str  # heading | para | bullets | steps | note | table | image
    text: str = ""
    level: int = 0
    anchor: str = ""
    items: list = field(default_factory=list)


def manual_dir():
    return resources.files("resources") / "manual"


def manual_text() -> str:
    try:
        return (manual_dir() / MANUAL).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise UserError("找不到使用手册（resources/manual），安装可能不完整：请重新安装双随机抽查工作台。") from exc


def screenshot_path(name: str) -> Path | None:
    """The screenshot's file, or None when it was not shipped (the manual still reads well without it)."""
    entry = manual_dir() / SCREENSHOTS / name
    return Path(str(entry)) if entry.is_file() else None


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        m = re.match(r"^(#{1,3})\s+(.*?)(?:\s*\{#([A-Za-z0-9_-]+)\})?$", line)
        if m:
            blocks.append(Block("heading", m.group(2).strip(), level=len(m.group(1)), anchor=m.group(3) or ""))
            i += 1
            continue
        m = re.match(r"^!\[(.*?)\]\((.*?)\)$", line.strip())
        if m:
            blocks.append(Block("image", m.group(1), anchor=m.group(2)))
            i += 1
            continue
        for kind, pattern in (("bullets", r"^-\s+(.*)$"), ("steps", r"^\d+\.\s+(.*)$")):
            if re.match(pattern, line):
                items = []
                while i < len(lines) and re.match(pattern, lines[i].rstrip()):
                    items.append(re.match(pattern, lines[i].rstrip()).group(1))
                    i += 1
                blocks.append(Block(kind, items=items))
                break
        else:
            if line.startswith("|"):
                rows = []
                while i < len(lines) and lines[i].startswith("|"):
                    cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                    if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                        rows.append(cells)
                    i += 1
                blocks.append(Block("table", items=rows))
            elif line.startswith(">"):
                parts = []
                while i < len(lines) and lines[i].startswith(">"):
                    parts.append(lines[i].lstrip("> ").rstrip())
                    i += 1
                blocks.append(Block("note", "".join(parts)))
            else:
                parts = []
                while i < len(lines) and lines[i].strip() and not re.match(r"^(#|!\[|-\s|\d+\.\s|\||>)", lines[i]):
                    parts.append(lines[i].strip())
                    i += 1
                blocks.append(Block("para", "".join(parts)))
    return blocks


def sections(blocks: list[Block] | None = None) -> list[tuple[str, str, int]]:
    """(anchor, title, level) of every heading that has an anchor — the places F1 can open."""
    blocks = parse(manual_text()) if blocks is None else blocks
    return [(b.anchor, b.text, b.level) for b in blocks if b.kind == "heading" and b.anchor]


def inline_html(text: str) -> str:
    out = escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def to_html(blocks: list[Block] | None = None, *, image_width: int = 720) -> str:
    """The manual as HTML for a QTextBrowser (images by file name: the browser's search path is the
    screenshots folder)."""
    blocks = parse(manual_text()) if blocks is None else blocks
    html = [
        "<html><head><style>"
        "body{font-size:11pt;} h1{font-size:18pt;} h2{font-size:15pt;margin-top:18px;} h3{font-size:12.5pt;}"
        "code{background:#f0f0f0;font-family:monospace;} .note{background:#fff8e1;padding:6px;}"
        "td,th{padding:3px 8px;border:1px solid #999;} th{background:#eee;} .cap{color:#555;font-size:9pt;}"
        "</style></head><body>"
    ]
    for b in blocks:
        if b.kind == "heading":
            name = f'<a name="{b.anchor}"></a>' if b.anchor else ""
            html.append(f"<h{b.level}>{name}{inline_html(b.text)}</h{b.level}>")
        elif b.kind == "para":
            html.append(f"<p>{inline_html(b.text)}</p>")
        elif b.kind in ("bullets", "steps"):
            tag = "ul" if b.kind == "bullets" else "ol"
            html.append(f"<{tag}>" + "".join(f"<li>{inline_html(x)}</li>" for x in b.items) + f"</{tag}>")
        elif b.kind == "note":
            html.append(f'<table class="note" width="100%"><tr><td>{inline_html(b.text)}</td></tr></table>')
        elif b.kind == "table":
            head, *rows = b.items
            html.append(
                '<table cellspacing="0">'
                + "<tr>"
                + "".join(f"<th>{inline_html(c)}</th>" for c in head)
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in r) + "</tr>" for r in rows)
                + "</table>"
            )
        elif b.kind == "image" and screenshot_path(b.anchor):
            html.append(
                f'<p><img src="{escape(b.anchor)}" width="{image_width}"><br>'
                f'<span class="cap">图：{escape(b.text)}</span></p>'
            )
    html.append("</body></html>")
    return "".join(html)


def _pdf_inline(text: str, esc) -> str:
    from app.services.foundation.pdf import FONT

    out = esc(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    # commands in the CJK font (Courier has no Chinese glyphs) on a grey ground
    return re.sub(r"`(.+?)`", rf"<font name='{FONT}' backColor='#EEEEEE'>\1</font>", out)


def manual_pdf(out: str | Path) -> dict:
    """The printed manual (A4): every section, the screenshots scaled to the page width, page numbers."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, ListFlowable, ListItem, Paragraph, Spacer, Table, TableStyle

    from app.services.foundation import pdf

    blocks = parse(manual_text())
    st = pdf.styles()
    width = 210 * mm - 28 * mm - 26 * mm
    h = {
        1: st["title"],
        2: pdf.ParagraphStyle("m2", parent=st["h2"], fontSize=15, leading=22, spaceBefore=6 * mm),
        3: pdf.ParagraphStyle("m3", parent=st["h2"], fontSize=12.5, leading=18),
    }
    body = pdf.ParagraphStyle("mb", parent=st["body"], spaceAfter=2 * mm)
    story: list = []
    titles = []
    headings: list = []  # headings waiting for the block they introduce (kept on its page)
    for b in blocks:
        flow = None
        if b.kind == "heading":
            headings.append(Paragraph(_pdf_inline(b.text, pdf.esc), h[b.level]))
            titles.append(b.text)
            continue
        if b.kind == "para":
            flow = Paragraph(_pdf_inline(b.text, pdf.esc), body)
        elif b.kind in ("bullets", "steps"):
            flow = ListFlowable(
                [ListItem(Paragraph(_pdf_inline(x, pdf.esc), body)) for x in b.items],
                bulletType="bullet" if b.kind == "bullets" else "1",
                bulletFontName=pdf.FONT,
                leftIndent=14,
            )
        elif b.kind == "note":
            flow = Table([[Paragraph(_pdf_inline(b.text, pdf.esc), body)]], colWidths=[width])
            flow.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FFF8E1"))]))
        elif b.kind == "table":
            flow = Table([[Paragraph(_pdf_inline(c, pdf.esc), st["cell"]) for c in r] for r in b.items], repeatRows=1)
            flow.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                    ]
                )
            )
        elif b.kind == "image":
            path = screenshot_path(b.anchor)
            if path is None:
                continue
            img = Image(str(path))
            scale = min(width / img.imageWidth, 110 * mm / img.imageHeight)
            img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
            flow = KeepTogether([img, Paragraph(f"图：{pdf.esc(b.text)}", st["small"]), Spacer(1, 3 * mm)])
        if flow is None:
            continue
        if headings:  # a heading never stands alone at a page foot
            story.append(KeepTogether([*headings, flow]))
            headings = []
        else:
            story.append(flow)
    story += headings
    path = pdf.build_pdf(out, story, title="双随机抽查工作台使用手册")
    return {"file": str(path), "sections": titles}
