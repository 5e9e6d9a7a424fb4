"""Printed forms: the 检查通知书 / 检查任务单 handed to each drawn object (扫码入企).

One A4 page per drawn object: office, plan and task, the object (name, USCC, address), the team with
their enforcement certificate numbers, the inspection items of the task, the date window, and a QR code
carrying the task code, the object's USCC, the period and the draw-record hash, so the enterprise can
check that the visit was drawn (the hash is printed in full beside the code too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.core import Setting
from app.models.draw import Draw
from app.models.outcomes import NoticeNumber
from app.models.pools import InspectionItem, InspectionObject
from app.models.rules import Task
from app.services.draw.draws import chain_heads
from app.services.foundation import permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.foundation.office import require_office
from app.services.foundation.periods import parse_period
from app.services.outcomes import outcomes

PREFIX_KEY = "notice_number_prefix"  # Setting: the office's 字 of the 文号, e.g. 泽环执通
MAX_PREFIX = 20
# where the QR code is printed (the sign block's left cell); the body text says the same words
QR_PLACE = "左下方"


def number_prefix(session: Session) -> str:
    row = session.get(Setting, PREFIX_KEY)
    return str(row.value or "") if row else ""


def format_number(prefix: str, year: int, seq: int) -> str:
    """文号 as GB/T 9704 writes it: 字〔年〕号, e.g. 泽环执通〔2026〕12号."""
    return f"{prefix}〔{year}〕{seq}号"


def set_number_prefix(session: Session, prefix: str) -> dict:
    """Set the office's 字 of the notices' 文号 (audited as a setting). Numbers already given keep theirs."""
    permissions.require(session, "settings")
    prefix = (prefix or "").strip()
    if any(ch in prefix for ch in "〔〕[]()（）") or any(ch.isdigit() for ch in prefix[-1:]):
        raise UserError(f"文号字头“{prefix}”只写机关代字，不含年份和序号（如“泽环执通”），程序自动加上〔年份〕和序号。")
    if len(prefix) > MAX_PREFIX:
        raise UserError(f"文号字头“{prefix}”太长：至多 {MAX_PREFIX} 个字。")
    row = session.get(Setting, PREFIX_KEY)
    if row is None:
        session.add(Setting(key=PREFIX_KEY, value=prefix))
    else:
        row.value = prefix
    session.flush()
    return {"prefix": prefix, "example": format_number(prefix, date.today().year, next_seq(session, date.today().year))}


def next_seq(session: Session, year: int) -> int:
    from sqlalchemy import func

    return (session.scalar(select(func.max(NoticeNumber.seq)).where(NoticeNumber.year == year)) or 0) + 1


def assign_numbers(session: Session, rows: list[outcomes.OutcomeRow], *, issued_on: date) -> dict[int, str]:
    """文号 of each row's notice: the one given when it was first printed, or the next of `issued_on`'s year."""
    ids = [r.selection_id for r in rows]
    have = {
        n.selection_id: n.doc_no
        for n in session.scalars(select(NoticeNumber).where(NoticeNumber.selection_id.in_(ids)))
    }
    missing = [i for i in ids if i not in have]
    if missing:
        permissions.require(session, "forms.notice")
        prefix, year = number_prefix(session), issued_on.year
        seq = next_seq(session, year)
        for sel_id in missing:
            doc_no = format_number(prefix, year, seq)
            session.add(
                NoticeNumber(
                    selection_id=sel_id,
                    year=year,
                    seq=seq,
                    doc_no=doc_no,
                    issued_on=issued_on,
                    issued_by=current_user(),
                )
            )
            have[sel_id] = doc_no
            seq += 1
        session.flush()
    return {i: have[i] for i in ids}


def notice_rows(session: Session, period: str, uscc: str | None = None) -> list[outcomes.OutcomeRow]:
    """The drawn objects of the period whose notices are printed (all, or the one with this USCC)."""
    p = parse_period(period)
    rows = outcomes.period_rows(session, p.code)
    if uscc:
        code = uscc.strip().upper()
        rows = [r for r in rows if r.uscc == code]
        if not rows:
            raise UserError(f"统一社会信用代码“{uscc}”的对象不在{p.label}的抽中名单中。")
    if not rows:
        raise UserError(f"{p.label}没有已抽取/已确认的抽取结果，无法生成检查通知书。请先完成抽取。")
    return rows


def inspection_window(task: Task | None, row: outcomes.OutcomeRow) -> tuple[date, date]:
    """检查时间: the task's dates (else the period's), never starting before the objects were drawn."""
    p = parse_period(row.period)
    start = (task.start_date if task else None) or p.start
    end = (task.end_date if task else None) or p.end
    if row.drawn_on and row.drawn_on > start:
        start = row.drawn_on
    return start, max(start, end)


def qr_payload(task_code: str, uscc: str, period: str, record_hash: str) -> str:
    """The QR text: compact, readable, verifiable against the published draw record."""
    return f"SSJ1|任务:{task_code}|对象:{uscc}|期间:{period}|抽取记录:{record_hash}"


def _cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "____年__月__日"


def _items(session: Session, task: Task | None) -> list[InspectionItem]:
    ids = list(task.item_ids or []) if task else []
    ids = [int(i) for i in ids if str(i).isdigit()]
    if not ids:
        return []
    found = {i.id: i for i in session.scalars(select(InspectionItem).where(InspectionItem.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@dataclass
class NoticeContent:
    """What one 检查通知书 says, in plain text: the PDF and the Word document are both made from it."""

    period_label: str
    addressee: str
    body: str
    rows: list[tuple[str, str]]  # (label, text); lines inside a text are separated by "\n"
    payload: str  # the QR code's text
    record_hash: str
    mode: str


def notice_content(session: Session, row: outcomes.OutcomeRow, office_name: str) -> NoticeContent:
    return notice_contents(session, [row], office_name)[0]


def notice_contents(session: Session, rows: list[outcomes.OutcomeRow], office_name: str) -> list[NoticeContent]:
    """What each notice of `rows` says; the draws, tasks, objects, items and teams read once for all of them."""
    draws = {d.id: d for d in session.scalars(select(Draw).where(Draw.id.in_({r.draw_id for r in rows})))}
    task_ids = {d.task_id for d in draws.values() if d.task_id}
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(task_ids)))} if task_ids else {}
    usccs = {r.uscc for r in rows}
    objects: dict[str, InspectionObject] = {}
    for obj in session.scalars(select(InspectionObject).where(InspectionObject.uscc.in_(usccs))):
        objects.setdefault(obj.uscc, obj)
    teams = outcomes._team(session, [r.selection_id for r in rows])
    items = {tid: _items(session, t) for tid, t in tasks.items()}
    out = []
    for row in rows:
        draw = draws[row.draw_id]
        task = tasks.get(draw.task_id) if draw.task_id else None
        out.append(_content(row, office_name, draw, task, objects.get(row.uscc), items.get(draw.task_id, []), teams))
    return out


def _content(row, office_name: str, draw: Draw, task: Task | None, obj, items, teams) -> NoticeContent:
    start, end = inspection_window(task, row)
    members = teams.get(row.selection_id, [])
    team_lines = [f"{m.name}（{m.role}，执法证号：{m.cert or '—'}）" for m in members]
    item_lines = [f"{i}. {it.name}" + (f"：{it.content}" if it.content else "") for i, it in enumerate(items, 1)] or [
        "按本年度随机抽查事项清单中与本单位相关的事项进行检查。"
    ]
    label = parse_period(row.period).label
    plan_task = (
        " / ".join(x for x in (row.plan_name, f"{row.task_code} {row.task_name}".strip()) if x)
        or f"{label}“双随机”抽查"
    )
    mode = row.mode or (task.mode if task else "") or "现场"
    body = (
        f"根据{label}“双随机、一公开”抽查工作安排，贵单位经随机抽取被确定为本次抽查的检查对象。"
        f"本单位将派执法人员于下列时间内对贵单位进行{mode}检查，请予以配合，如实提供有关资料。"
        f"执法人员不少于两人，并出示执法证件。可扫描{QR_PLACE}二维码或凭抽取记录哈希向本单位核实本次检查确系随机抽取。"
    )
    rows = [
        ("检查机关", office_name),
        ("抽查计划/任务", plan_task),
        ("检查对象", row.name),
        ("统一社会信用代码", row.uscc),
        ("地址", obj.address if obj and obj.address else "—"),
        ("监管类别", row.category or "—"),
        ("检查时间", f"{_cn_date(start)} 至 {_cn_date(end)}"),
        ("检查方式", mode),
        ("检查人员", "\n".join(team_lines) or "（待指派）"),
        ("检查事项", "\n".join(item_lines)),
        ("抽取记录哈希", draw.record_hash or "—"),
    ]
    payload = qr_payload(row.task_code or "-", row.uscc, row.period, draw.record_hash or "-")
    return NoticeContent(label, row.name, body, rows, payload, draw.record_hash or "", mode)


def notice_story(
    session: Session,
    row: outcomes.OutcomeRow,
    office_name: str,
    *,
    issued_on: date,
    heads: str = "",
    doc_no: str = "",
    content: NoticeContent | None = None,
) -> list:
    """The notice as platypus flowables: used for a notice too long for one page (`NoticePage` draws the others),
    so it goes on to the next page: the table's rows split, the QR code and the seal block stay together."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from app.services.foundation import pdf

    st = pdf.styles()
    c = content or notice_content(session, row, office_name)
    ParagraphStyle = pdf.ParagraphStyle
    lab = ParagraphStyle("lab", parent=st["cell"], fontName=pdf.FONT_BOLD, fontSize=10, leading=14)
    val = ParagraphStyle("val", parent=st["cell"], fontSize=10, leading=14)
    drawing = pdf.qr_flowable(c.payload, 34 * mm)

    head = pdf.ParagraphStyle("fhead", parent=st["title"], fontSize=20, leading=28, spaceAfter=1 * mm)
    story = [
        Paragraph(pdf.esc(office_name), pdf.ParagraphStyle("org", parent=st["subtitle"], spaceAfter=1 * mm)),
        Paragraph("“双随机、一公开”检查通知书", head),
        Paragraph("（检查任务单）", pdf.ParagraphStyle("sub", parent=st["center"], spaceAfter=2 * mm)),
    ]
    if doc_no:
        story.append(Paragraph(pdf.esc(doc_no), pdf.ParagraphStyle("docno", parent=st["center"], spaceAfter=3 * mm)))
    addressee = Paragraph(f"<b>{pdf.esc(c.addressee)}</b>：", st["body"])
    body = Paragraph(pdf.esc(c.body), pdf.ParagraphStyle("b", parent=st["body"], firstLineIndent=22))

    def cell(label: str, text: str) -> str:
        if label == "抽取记录哈希":
            return f"<font size=7>{pdf.esc(text)}</font>"
        return "<br/>".join(pdf.esc(line) for line in text.split("\n"))

    table = Table(
        [[Paragraph(k, lab), Paragraph(cell(k, v), val)] for k, v in c.rows],
        colWidths=[36 * mm, 120 * mm],
        splitInRow=1,  # a 检查事项 cell longer than a page goes on to the next one
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    sign = Table(
        [
            [
                drawing,  # the left cell: QR_PLACE (左下方) says so in the body
                [
                    Paragraph(pdf.esc(office_name) + "（盖章）", st["right"]),
                    Spacer(1, 3 * mm),
                    Paragraph(_cn_date(issued_on), st["right"]),
                    Spacer(1, 6 * mm),
                    Paragraph(_SIGN_LINE, st["right"]),
                ],
            ]
        ],
        colWidths=[40 * mm, 116 * mm],
    )
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    scan = Paragraph(_SCAN_LINE, pdf.ParagraphStyle("scan", parent=st["small"]))
    tail = [sign, scan]
    if heads:
        tail.append(Paragraph(pdf.esc(heads), pdf.ParagraphStyle("heads", parent=st["small"])))
    story += [addressee, Spacer(1, 1 * mm), body, Spacer(1, 3 * mm), table, Spacer(1, 6 * mm), KeepTogether(tail)]
    return story


# ---------------------------------------------------------------------------------------------------------------
# The fast page. 171 notices through platypus cost ~23 ms a page of CPU (30-odd Paragraphs: markup parsing,
# per-character widths, table sizing). NoticePage draws the same page with canvas calls: text pre-wrapped by
# pdf.wrap_lines (the same line breaks), the positions platypus gives (frame padding 6 pt, a Paragraph's first
# baseline at its top minus the font size, a table cell's text centred as VALIGN MIDDLE does, space after), and
# what is the same on every page (the heading, the seal block and the lines under it, the body text of a mode)
# drawn once into a PDF Form XObject and placed on each page with doForm.

NOTICE_MARGINS = {"topMargin": 25 * 2.834645669, "bottomMargin": 22 * 2.834645669}
_PAD = 6  # a platypus Frame's padding, and a table cell's left/right padding
_LABEL_W, _VALUE_W, _QR_W = 36, 120, 40  # mm
_SIGN_LINE = "被检查单位签收：______________　日期：__________"
_SCAN_LINE = "扫码核验：任务编号、统一社会信用代码、抽取记录哈希"


class NoticeBatch:
    """What all the notices of one file share: the office, the date, the chain heads, and the forms drawn once."""

    def __init__(self, office_name: str, issued_on: date, heads: str):
        from reportlab.lib.units import mm

        from app.services.foundation import pdf

        self.office_name, self.issued_on, self.heads = office_name, issued_on, heads
        page_w, page_h = pdf.PAGE
        self.width = page_w - pdf.MARGINS["leftMargin"] - pdf.MARGINS["rightMargin"] - 2 * _PAD
        self.height = page_h - NOTICE_MARGINS["topMargin"] - NOTICE_MARGINS["bottomMargin"] - 2 * _PAD
        self.mm = mm
        self.forms: dict[object, str] = {}
        self.table_x = (self.width - (_LABEL_W + _VALUE_W) * mm) / 2  # a table wider than the frame is centred
        wrap = pdf.wrap_lines
        self.org = wrap(office_name, self.width, pdf.FONT, 13)
        self.title = wrap("“双随机、一公开”检查通知书", self.width, pdf.FONT_BOLD, 20)
        self.head_h = len(self.org) * 20 + mm + len(self.title) * 28 + mm + 17 + 2 * mm
        # the seal block: a table row (QR | office（盖章）, date, signature line), valign bottom, 3 pt padding
        self.seal_w = (_LABEL_W + _VALUE_W - _QR_W) * mm - 2 * _PAD
        self.seal = wrap(office_name + "（盖章）", self.seal_w, pdf.FONT, 11)
        self.sign = wrap(_SIGN_LINE, self.seal_w, pdf.FONT, 11)
        self.seal_list_h = len(self.seal) * 17 + 3 * mm + 17 + 6 * mm + len(self.sign) * 17
        self.qr_size = 34 * mm
        self.sign_h = max(self.qr_size, self.seal_list_h) + 6
        self.scan = wrap(_SCAN_LINE, self.width, pdf.FONT, 9)
        self.heads_lines = wrap(heads, self.width, pdf.FONT, 9) if heads else ()
        self.tail_h = 6 * mm + self.sign_h + 12 * (len(self.scan) + len(self.heads_lines))

    def form(self, canvas, key, draw) -> str:
        """The name of the Form XObject `key`, drawn by `draw(canvas)` the first time it is asked for."""
        name = self.forms.get(key)
        if name is None:
            name = self.forms[key] = f"SSJNotice{len(self.forms)}"
            page_w, page_h = canvas._pagesize
            canvas.beginForm(name, -page_w, -page_h, page_w, page_h)
            draw(canvas)
            canvas.endForm()
        return name

    def place(self, canvas, key, draw, x: float, y: float) -> None:
        name = self.form(canvas, key, draw)
        canvas.saveState()
        canvas.translate(x, y)
        canvas.doForm(name)
        canvas.restoreState()


def _notice_page_flowable():
    from reportlab.platypus import Flowable

    from app.services.foundation import pdf

    class NoticePage(Flowable):
        """One 检查通知书 filling the frame, drawn with canvas calls (see above)."""

        def __init__(self, batch: NoticeBatch, c: NoticeContent, doc_no: str):
            super().__init__()
            self.batch, self.c, self.doc_no = batch, c, doc_no
            b, mm, wrap = batch, batch.mm, pdf.wrap_lines
            self.doc_lines = wrap(doc_no, b.width, pdf.FONT, 11) if doc_no else ()
            self.addressee = wrap(c.addressee + "：", b.width, pdf.FONT_BOLD, 11)
            self.body = wrap(c.body, b.width, pdf.FONT, 11, first=b.width - 22)
            self.cells = []
            label_w, value_w = _LABEL_W * mm - 2 * _PAD, _VALUE_W * mm - 2 * _PAD
            for label, text in c.rows:
                size = 7 if label == "抽取记录哈希" else 10
                lab, val = wrap(label, label_w, pdf.FONT_BOLD, 10), wrap(text, value_w, pdf.FONT, size)
                self.cells.append((lab, val, size, max(len(lab), len(val)) * 14 + 6))
            self.table_h = sum(cell[3] for cell in self.cells)
            self.needed = (
                b.head_h
                + (len(self.doc_lines) * 17 + 3 * mm if doc_no else 0)
                + len(self.addressee) * 17
                + mm
                + len(self.body) * 17
                + 3 * mm
                + self.table_h
                + b.tail_h
            )

        def fits(self) -> bool:
            return self.needed <= self.batch.height + 1e-6

        def wrap(self, avail_width, avail_height):
            return self.batch.width, self.batch.height

        def draw(self):
            canvas, b, c, mm = self.canv, self.batch, self.c, self.batch.mm
            width, top = b.width, b.height
            b.place(canvas, "head", self._draw_head, 0, top)
            y = top - b.head_h
            if self.doc_lines:
                pdf.draw_lines(canvas, self.doc_lines, 0, y - 11, align="center", width=width)
                y -= len(self.doc_lines) * 17 + 3 * mm
            pdf.draw_lines(canvas, self.addressee, 0, y - 11, font=pdf.FONT_BOLD)
            y -= len(self.addressee) * 17 + mm
            b.place(canvas, ("body", self.body), self._draw_body, 0, y)
            y -= len(self.body) * 17 + 3 * mm
            self._draw_table(canvas, b.table_x, y)
            y -= self.table_h + 6 * mm
            # the seal row: the QR code in the left cell (QR_PLACE), bottom-aligned, no left padding
            row_bottom = y - b.sign_h
            pdf.qr_flowable(c.payload, b.qr_size).drawOn(canvas, b.table_x, row_bottom + 3)
            b.place(canvas, "seal", self._draw_seal, b.table_x, row_bottom)

        def _draw_head(self, canvas):
            b, mm = self.batch, self.batch.mm
            y = 0
            pdf.draw_lines(canvas, b.org, 0, y - 13, size=13, leading=20, align="center", width=b.width)
            y -= len(b.org) * 20 + mm
            pdf.draw_lines(canvas, b.title, 0, y - 20, font=pdf.FONT_BOLD, size=20, leading=28, align="center",
                           width=b.width)  # fmt: skip
            y -= len(b.title) * 28 + mm
            pdf.draw_lines(canvas, ("（检查任务单）",), 0, y - 11, align="center", width=b.width)

        def _draw_body(self, canvas):
            pdf.draw_lines(canvas, self.body, 0, -11, first_indent=22)

        def _draw_table(self, canvas, x, top):
            from reportlab.lib import colors

            mm = self.batch.mm
            label_w, value_w = _LABEL_W * mm, _VALUE_W * mm
            bottom = top - self.table_h
            canvas.saveState()
            canvas.setFillColor(colors.HexColor("#F2F2F2"))
            canvas.rect(x, bottom, label_w, self.table_h, stroke=0, fill=1)
            canvas.setFillColor(colors.black)
            y = top
            rules = []
            for lab, val, size, h in self.cells:
                y -= h
                middle = y + h / 2
                pdf.draw_lines(canvas, lab, x + _PAD, middle + len(lab) * 7 - 10, font=pdf.FONT_BOLD, size=10,
                               leading=14)  # fmt: skip
                pdf.draw_lines(canvas, val, x + label_w + _PAD, middle + len(val) * 7 - size, size=size, leading=14)
                rules.append((x, y, x + label_w + value_w, y))
            rules.append((x, top, x + label_w + value_w, top))
            rules += [(xx, top, xx, bottom) for xx in (x, x + label_w, x + label_w + value_w)]
            canvas.setLineWidth(0.5)
            canvas.setStrokeColor(colors.black)
            canvas.lines(rules)
            canvas.restoreState()

        def _draw_seal(self, canvas):
            """The seal block's text, from the bottom of its row: the right cell bottom-aligned, then the two
            small lines under the row."""
            b, mm = self.batch, self.batch.mm
            x = _QR_W * mm + _PAD
            y = 3 + b.seal_list_h
            pdf.draw_lines(canvas, b.seal, x, y - 11, align="right", width=b.seal_w)
            y -= len(b.seal) * 17 + 3 * mm
            pdf.draw_lines(canvas, (_cn_date(b.issued_on),), x, y - 11, align="right", width=b.seal_w)
            y -= 17 + 6 * mm
            pdf.draw_lines(canvas, b.sign, x, y - 11, align="right", width=b.seal_w)
            # under the row, from the frame's left edge (the table is centred on the frame)
            pdf.draw_lines(canvas, b.scan + b.heads_lines, -b.table_x, -9, size=9, leading=12)

    return NoticePage


def _notice_docx(session: Session, rows, office_name: str, numbers: dict, issued_on: date, heads: str, out) -> None:
    """The same notices as an editable Word document: one page each, the QR code as a picture."""
    from app.services.foundation import word

    doc = word.new_document(title="检查通知书", top=25, bottom=22)
    for i, (r, c) in enumerate(zip(rows, notice_contents(session, rows, office_name))):
        if i:
            word.page_break(doc)
        word.paragraph(doc, office_name, size=14, align=word.CENTER, space_after=2)
        word.title(doc, "“双随机、一公开”检查通知书", size=20)
        word.paragraph(doc, "（检查任务单）", align=word.CENTER, space_after=2)
        if numbers.get(r.selection_id):
            word.paragraph(doc, numbers[r.selection_id], align=word.CENTER, space_after=6)
        word.paragraph(doc, f"{c.addressee}：", bold=True)
        word.paragraph(doc, c.body, indent=True, space_after=6)
        word.table(doc, None, [list(x) for x in c.rows], [36, 120], size=10.5, label_column=True)
        word.paragraph(doc, "")
        sign = word.table(doc, None, [["", ""]], [40, 116])
        sign.style = None
        qr_cell, text_cell = sign.rows[0].cells
        word.picture(qr_cell, word.qr_png(c.payload), 32)
        text_cell.text = ""
        for j, (line, space) in enumerate(
            (
                (f"{office_name}（盖章）", 3),
                (_cn_date(issued_on), 12),
                (_SIGN_LINE, 0),
            )
        ):
            p = text_cell.paragraphs[0] if j == 0 else text_cell.add_paragraph()
            p.alignment = word.RIGHT
            p.paragraph_format.space_after = word.Pt(space)
            word.set_run_font(p.add_run(line), word.BODY_FONT, 12)
        word.paragraph(doc, _SCAN_LINE, size=9)
        if heads:
            word.paragraph(doc, heads, size=9)
    word.save(doc, out)


def write_notices(
    session: Session,
    period: str,
    out: str | Path,
    *,
    uscc: str | None = None,
    issued_on: date | None = None,
    progress=None,
) -> dict:
    """The 检查通知书 of all drawn objects of the period (or one, by USCC), one page each, as .pdf or .docx.

    Each notice gets its 文号 the first time it is printed (numbered per year, audited); a reprint keeps it.
    The caller commits (the numbers) when the file is written. `progress(done, total, text)` is told each PDF
    page (see `pdf.footer_with_progress`)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise UserError(f"输出文件“{out.name}”应以 .pdf 或 .docx（Word，可编辑后盖章）结尾。")
    p = parse_period(period)
    office = require_office(session)
    rows = notice_rows(session, p.code, uscc)
    issued_on = issued_on or date.today()
    numbers = assign_numbers(session, rows, issued_on=issued_on)
    heads = chain_heads(session)["text"]
    if suffix == ".docx":
        _notice_docx(session, rows, office.name, numbers, issued_on, heads, out)
    else:
        from reportlab.platypus import PageBreak

        from app.services.foundation import pdf

        batch = NoticeBatch(office.name, issued_on, heads)
        page_cls = _notice_page_flowable()
        story: list = []
        for i, (r, c) in enumerate(zip(rows, notice_contents(session, rows, office.name))):
            if i:
                story.append(PageBreak())
            page = page_cls(batch, c, numbers[r.selection_id])
            if page.fits():
                story.append(page)
            else:  # too long for one page: platypus lays it out over two
                story += notice_story(
                    session, r, office.name, issued_on=issued_on, heads=heads, doc_no=numbers[r.selection_id], content=c
                )
        on_page = pdf.footer_with_progress(progress, len(rows), "检查通知书")
        pdf.build_pdf(out, story, title=f"{p.label}检查通知书", on_page=on_page, **NOTICE_MARGINS)
    return {
        "file": str(out),
        "period": p.code,
        "pages": len(rows),
        "objects": [{"uscc": r.uscc, "name": r.name, "doc_no": numbers[r.selection_id]} for r in rows],
    }


def notice_pdf(
    session: Session, period: str, out: str | Path, *, uscc: str | None = None, issued_on: date | None = None
) -> dict:
    """All drawn objects of the period (or one, by USCC), one PDF page each (see `write_notices`)."""
    return write_notices(session, period, Path(out), uscc=uscc, issued_on=issued_on)
