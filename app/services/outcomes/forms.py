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
    draw = session.get(Draw, row.draw_id)
    task = session.get(Task, draw.task_id) if draw.task_id else None
    obj = session.scalar(select(InspectionObject).where(InspectionObject.uscc == row.uscc))
    items = _items(session, task)
    start, end = inspection_window(task, row)
    members = outcomes._team(session, [row.selection_id]).get(row.selection_id, [])
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
) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from app.services.foundation import pdf

    st = pdf.styles()
    c = notice_content(session, row, office_name)
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

    table = Table([[Paragraph(k, lab), Paragraph(cell(k, v), val)] for k, v in c.rows], colWidths=[36 * mm, 120 * mm])
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
                    Paragraph("被检查单位签收：______________　日期：__________", st["right"]),
                ],
            ]
        ],
        colWidths=[40 * mm, 116 * mm],
    )
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    scan = Paragraph(
        "扫码核验：任务编号、统一社会信用代码、抽取记录哈希", pdf.ParagraphStyle("scan", parent=st["small"])
    )
    story += [addressee, Spacer(1, 1 * mm), body, Spacer(1, 3 * mm), table, Spacer(1, 6 * mm), sign, scan]
    if heads:
        story.append(Paragraph(pdf.esc(heads), pdf.ParagraphStyle("heads", parent=st["small"])))
    return story


def _notice_docx(session: Session, rows, office_name: str, numbers: dict, issued_on: date, heads: str, out) -> None:
    """The same notices as an editable Word document: one page each, the QR code as a picture."""
    from app.services.foundation import word

    doc = word.new_document(title="检查通知书", top=25, bottom=22)
    for i, r in enumerate(rows):
        if i:
            word.page_break(doc)
        c = notice_content(session, r, office_name)
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
                ("被检查单位签收：______________　日期：__________", 0),
            )
        ):
            p = text_cell.paragraphs[0] if j == 0 else text_cell.add_paragraph()
            p.alignment = word.RIGHT
            p.paragraph_format.space_after = word.Pt(space)
            word.set_run_font(p.add_run(line), word.BODY_FONT, 12)
        word.paragraph(doc, "扫码核验：任务编号、统一社会信用代码、抽取记录哈希", size=9)
        if heads:
            word.paragraph(doc, heads, size=9)
    word.save(doc, out)


def write_notices(
    session: Session, period: str, out: str | Path, *, uscc: str | None = None, issued_on: date | None = None
) -> dict:
    """The 检查通知书 of all drawn objects of the period (or one, by USCC), one page each, as .pdf or .docx.

    Each notice gets its 文号 the first time it is printed (numbered per year, audited); a reprint keeps it.
    The caller commits (the numbers) when the file is written."""
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
        from reportlab.lib.units import mm
        from reportlab.platypus import PageBreak

        from app.services.foundation import pdf

        story: list = []
        for i, r in enumerate(rows):
            if i:
                story.append(PageBreak())
            story += notice_story(
                session, r, office.name, issued_on=issued_on, heads=heads, doc_no=numbers[r.selection_id]
            )
        pdf.build_pdf(out, story, title=f"{p.label}检查通知书", topMargin=25 * mm, bottomMargin=22 * mm)
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
