"""Printed forms: the 检查通知书 / 检查任务单 handed to each drawn object (扫码入企).

One A4 page per drawn object: office, plan and task, the object (name, USCC, address), the team with
their enforcement certificate numbers, the inspection items of the task, the date window, and a QR code
carrying the task code, the object's USCC, the period and the draw-record hash, so the enterprise can
check that the visit was drawn (the hash is printed in full beside the code too).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.draw import Draw
from app.models.pools import InspectionItem, InspectionObject
from app.models.rules import Task
from app.services.draw.draws import chain_heads
from app.services.foundation.errors import UserError
from app.services.foundation.office import require_office
from app.services.foundation.periods import parse_period
from app.services.outcomes import outcomes


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


def notice_story(
    session: Session, row: outcomes.OutcomeRow, office_name: str, *, issued_on: date, heads: str = ""
) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from app.services.foundation import pdf

    st = pdf.styles()
    draw = session.get(Draw, row.draw_id)
    task = session.get(Task, draw.task_id) if draw.task_id else None
    obj = session.scalar(select(InspectionObject).where(InspectionObject.uscc == row.uscc))
    items = _items(session, task)
    ParagraphStyle = pdf.ParagraphStyle
    lab = ParagraphStyle("lab", parent=st["cell"], fontName=pdf.FONT_BOLD, fontSize=10, leading=14)
    val = ParagraphStyle("val", parent=st["cell"], fontSize=10, leading=14)

    if task and (task.start_date or task.end_date):
        window = f"{_cn_date(task.start_date)} 至 {_cn_date(task.end_date)}"
    else:
        p = parse_period(row.period)
        window = f"{_cn_date(p.start)} 至 {_cn_date(p.end)}"
    team_lines = []
    members = outcomes._team(session, [row.selection_id]).get(row.selection_id, [])
    for m in members:
        team_lines.append(f"{pdf.esc(m.name)}（{pdf.esc(m.role)}，执法证号：{pdf.esc(m.cert or '—')}）")
    item_lines = [
        f"{i}. {pdf.esc(it.name)}" + (f"：{pdf.esc(it.content)}" if it.content else "") for i, it in enumerate(items, 1)
    ] or ["按本年度随机抽查事项清单中与本单位相关的事项进行检查。"]
    address = obj.address if obj and obj.address else "—"
    plan_task = (
        " / ".join(x for x in (row.plan_name, f"{row.task_code} {row.task_name}".strip()) if x)
        or f"{parse_period(row.period).label}“双随机”抽查"
    )

    payload = qr_payload(row.task_code or "-", row.uscc, row.period, draw.record_hash or "-")
    drawing = pdf.qr_flowable(payload, 34 * mm)

    head = pdf.ParagraphStyle("fhead", parent=st["title"], fontSize=20, leading=28, spaceAfter=1 * mm)
    story = [
        Paragraph(pdf.esc(office_name), pdf.ParagraphStyle("org", parent=st["subtitle"], spaceAfter=1 * mm)),
        Paragraph("“双随机、一公开”检查通知书", head),
        Paragraph("（检查任务单）", pdf.ParagraphStyle("sub", parent=st["center"], spaceAfter=4 * mm)),
    ]
    addressee = Paragraph(f"<b>{pdf.esc(row.name)}</b>：", st["body"])
    body = Paragraph(
        f"根据{pdf.esc(parse_period(row.period).label)}“双随机、一公开”抽查工作安排，贵单位经随机抽取被确定为本次抽查的检查对象。"
        f"本单位将派执法人员于下列时间内对贵单位进行{pdf.esc(row.mode or '现场')}检查，请予以配合，如实提供有关资料。"
        "执法人员不少于两人，并出示执法证件。可扫描右下方二维码或凭抽取记录哈希向本单位核实本次检查确系随机抽取。",
        pdf.ParagraphStyle("b", parent=st["body"], firstLineIndent=22),
    )
    rows = [
        ("检查机关", pdf.esc(office_name)),
        ("抽查计划/任务", pdf.esc(plan_task)),
        ("检查对象", pdf.esc(row.name)),
        ("统一社会信用代码", pdf.esc(row.uscc)),
        ("地址", pdf.esc(address)),
        ("监管类别", pdf.esc(row.category or "—")),
        ("检查时间", pdf.esc(window)),
        ("检查方式", pdf.esc(row.mode or (task.mode if task else "现场"))),
        ("检查人员", "<br/>".join(team_lines) or "（待指派）"),
        ("检查事项", "<br/>".join(item_lines)),
        ("抽取记录哈希", f"<font size=7>{pdf.esc(draw.record_hash or '—')}</font>"),
    ]
    table = Table([[Paragraph(k, lab), Paragraph(v, val)] for k, v in rows], colWidths=[36 * mm, 120 * mm])
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
                drawing,
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


def notice_pdf(
    session: Session, period: str, out: str | Path, *, uscc: str | None = None, issued_on: date | None = None
) -> dict:
    """All drawn objects of the period (or one, by USCC), one page each."""
    from reportlab.platypus import PageBreak

    from app.services.foundation import pdf

    p = parse_period(period)
    office = require_office(session)
    rows = outcomes.period_rows(session, p.code)
    if uscc:
        code = uscc.strip().upper()
        rows = [r for r in rows if r.uscc == code]
        if not rows:
            raise UserError(f"统一社会信用代码“{uscc}”的对象不在{p.label}的抽中名单中。")
    if not rows:
        raise UserError(f"{p.label}没有已抽取/已确认的抽取结果，无法生成检查通知书。请先完成抽取。")
    issued_on = issued_on or date.today()
    heads = chain_heads(session)["text"]
    story: list = []
    for i, r in enumerate(rows):
        if i:
            story.append(PageBreak())
        story += notice_story(session, r, office.name, issued_on=issued_on, heads=heads)
    from reportlab.lib.units import mm

    pdf.build_pdf(out, story, title=f"{p.label}检查通知书", topMargin=25 * mm, bottomMargin=22 * mm)
    return {
        "file": str(out),
        "period": p.code,
        "pages": len(rows),
        "objects": [{"uscc": r.uscc, "name": r.name} for r in rows],
    }
