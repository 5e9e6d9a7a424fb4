"""一公开: publication batches of approved results, the upload xlsx, the PDF/Word public notice, the rate.

A batch (`Publication`) takes the period's approved (已审核) results that are not yet published, marks
them 已公示 with the batch id, and writes the file(s). The file is written inside the same unit of work:
if writing fails the batch is rolled back with the session. Fields follow the national platform:
序号, 企业名称, 统一社会信用代码, 抽查计划/任务, 检查机关, 检查时间, 检查结果, followed by what the public
also reads: 发现问题 and 整改期限 where the outcome has them, and the batch's 公示期 (the publication day and
NOTICE_WORKDAYS working days in all, counting that day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.outcomes import Outcome, Publication
from app.services.draw.draws import chain_heads
from app.services.foundation import audit, permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.foundation.office import require_office
from app.services.foundation.periods import parse_period
from app.services.outcomes import outcomes

FIELDS = [
    "序号", "企业名称", "统一社会信用代码", "抽查计划/任务", "检查机关", "检查时间", "检查结果",
    "发现问题", "整改期限", "公示期",
]  # fmt: skip
NOTICE_WORKDAYS = 5
SUFFIXES = (".xlsx", ".pdf", ".docx")


def suffix_message(out: Path) -> str:
    return f"输出文件“{out.name}”应以 .xlsx（上传平台）、.pdf 或 .docx（Word，可编辑后盖章）结尾。"


@dataclass
class NoticeRow:
    seq: int
    name: str
    uscc: str
    plan_task: str
    authority: str
    check_date: date | None
    result: str
    outcome_id: int
    findings: str = ""
    rectify_deadline: date | None = None
    notice_period: tuple[date, date] | None = None

    def values(self) -> list:
        return [
            self.seq,
            self.name,
            self.uscc,
            self.plan_task,
            self.authority,
            self.check_date.isoformat() if self.check_date else "",
            self.result,
            self.findings or "",
            self.rectify_deadline.isoformat() if self.rectify_deadline else "",
            f"{self.notice_period[0].isoformat()}至{self.notice_period[1].isoformat()}" if self.notice_period else "",
        ]

    def as_dict(self) -> dict:
        return dict(zip(FIELDS, self.values()))


def _plan_task(r: outcomes.OutcomeRow) -> str:
    parts = [p for p in (r.plan_name, r.task_name) if p]
    return " / ".join(parts) or f"{parse_period(r.period).label}“双随机”抽查"


def publishable(session: Session, period: str) -> list[outcomes.OutcomeRow]:
    """Approved, not yet published results of the period (what the next batch would contain)."""
    return [r for r in outcomes.period_rows(session, period) if r.state == outcomes.STATE_APPROVED]


def _rows(
    session: Session, rows: list[outcomes.OutcomeRow], notice: tuple[date, date] | None = None
) -> list[NoticeRow]:
    authority = require_office(session).name
    return [
        NoticeRow(
            i,
            r.name,
            r.uscc,
            _plan_task(r),
            authority,
            r.check_date,
            r.result,
            r.outcome_id,
            r.findings,
            r.rectify_deadline,
            notice,
        )
        for i, r in enumerate(rows, 1)
    ]


def notice_period(session: Session, batch: Publication) -> tuple[date, date]:
    """公示期: from the publication day, NOTICE_WORKDAYS working days counting that day (if it is one)."""
    if batch.notice_until:
        return batch.published_on, batch.notice_until
    return batch.published_on, notice_end(session, batch.published_on)


def notice_end(session: Session, start: date, days: int = NOTICE_WORKDAYS) -> date:
    from app.services.outcomes import workdays

    first = 1 if workdays.is_workday(session, start) else 0
    return workdays.add_workdays(session, start, days - first) if days - first > 0 else start


def batch_rows(session: Session, batch_id: int) -> list[NoticeRow]:
    batch = session.get(Publication, batch_id)
    if batch is None:
        raise UserError(f"公示批次 {batch_id} 不存在。")
    ids = _batch_outcome_ids(session, batch_id)  # once, not once a row (1,000 rows: 1,000 queries)
    rows = [r for r in outcomes.period_rows(session, batch.period) if r.outcome_id in ids]
    return _rows(session, rows, notice_period(session, batch))


def _batch_outcome_ids(session: Session, batch_id: int) -> set[int]:
    return set(session.scalars(select(Outcome.id).where(Outcome.publication_id == batch_id)))


def batches(session: Session, period: str | None = None) -> list[Publication]:
    q = select(Publication).order_by(Publication.id.desc())
    if period:
        q = q.where(Publication.period == parse_period(period).code)
    return list(session.scalars(q))


def notice_title(session: Session, period: str) -> str:
    office = require_office(session)
    return f"{office.name}{parse_period(period).label}“双随机、一公开”抽查结果公示"


def create_batch(
    session: Session, period: str, *, published_on: date | None = None, outcome_ids: list[int] | None = None
) -> Publication:
    """Record a batch of the period's approved results (all, or the chosen ones) and mark them 已公示."""
    permissions.require(session, "publish")
    p = parse_period(period)
    rows = publishable(session, p.code)
    if outcome_ids is not None:
        wanted = set(outcome_ids)
        rows = [r for r in rows if r.outcome_id in wanted]
        if len(rows) != len(wanted):
            raise UserError("所选结果中有的不是“已审核”状态（未审核或已公示），不能公示。请刷新后重新选择。")
    if not rows:
        raise UserError(f"{p.label}没有已审核、待公示的检查结果。请先由审核员审核检查结果。")
    day = published_on or date.today()
    first_check = min((r.check_date for r in rows if r.check_date), default=None)
    if first_check and day < first_check:
        raise UserError(f"公示日期 {day} 早于检查日期 {first_check}，请核对公示日期。")
    batch = Publication(
        period=p.code,
        published_on=day,
        notice_until=notice_end(session, day),
        title=notice_title(session, p.code),
        count=len(rows),
        created_by=current_user(),
    )
    session.add(batch)
    session.flush()
    ids = {r.outcome_id for r in rows}
    for o in session.scalars(select(Outcome).where(Outcome.id.in_(ids))):
        o.state = outcomes.STATE_PUBLISHED
        o.publication_id = batch.id
    session.flush()
    late = [r for r in rows if r.publish_due and r.publish_due < day]
    audit.record(
        session,
        "公示",
        "publication",
        str(batch.id),
        summary=f"{p.code} 公示 {len(rows)} 条检查结果" + (f"（其中 {len(late)} 条超过公示期限）" if late else ""),
    )
    return batch


def write_batch(session: Session, batch_id: int, out: str | Path) -> Path:
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        return export_xlsx(session, batch_id, out)
    if suffix == ".pdf":
        return export_pdf(session, batch_id, out)
    if suffix == ".docx":
        return export_docx(session, batch_id, out)
    raise UserError(suffix_message(out))


def publish(
    session: Session,
    period: str,
    out: str | Path,
    *,
    published_on: date | None = None,
    outcome_ids: list[int] | None = None,
) -> dict:
    """Create the batch and write its file (xlsx for upload, or the PDF / Word notice)."""
    permissions.require(session, "publish")
    out = Path(out)
    if out.suffix.lower() not in SUFFIXES:
        raise UserError(suffix_message(out))
    batch = create_batch(session, period, published_on=published_on, outcome_ids=outcome_ids)
    write_batch(session, batch.id, out)
    return batch_info(session, batch, out)


def batch_info(session: Session, batch: Publication, out: Path) -> dict:
    start, end = notice_period(session, batch)
    return {
        "batch_id": batch.id,
        "period": batch.period,
        "count": batch.count,
        "file": str(out),
        "published_on": batch.published_on.isoformat(),
        "notice_period": [start.isoformat(), end.isoformat()],
        "title": batch.title,
    }


def export_xlsx(session: Session, batch_id: int, out: str | Path) -> Path:
    from app.services.foundation import xlsx

    batch = session.get(Publication, batch_id)
    rows = batch_rows(session, batch_id)
    wb, ws = xlsx.new_workbook("抽查结果公示")
    widths = {1: 6, 2: 36, 3: 22, 4: 44, 5: 30, 6: 12, 7: 30, 8: 36, 9: 12, 10: 24}
    xlsx.write_table(ws, FIELDS, [r.values() for r in rows], widths=widths)
    start, end = notice_period(session, batch)
    info = wb.create_sheet("公示信息")
    for i, (k, v) in enumerate(
        [
            ("标题", batch.title),
            ("期间", batch.period),
            ("公示日期", batch.published_on.isoformat()),
            ("公示期", f"{start.isoformat()}至{end.isoformat()}"),
            ("批次号", batch.id),
            ("条数", batch.count),
        ],
        1,
    ):
        info.cell(row=i, column=1, value=k)
        info.cell(row=i, column=2, value=v)
    info.column_dimensions["B"].width = 70
    return xlsx.save_workbook(wb, out)


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# the printed notice states the 公示期 once, in its text; the table has the other columns
TABLE_FIELDS = FIELDS[:-1]


def _intro(session: Session, batch: Publication, office_name: str, count: int) -> str:
    start, end = notice_period(session, batch)
    return (
        f"根据“双随机、一公开”监管工作要求，按照“谁检查、谁录入、谁公开”的原则，现将{office_name}"
        f"{parse_period(batch.period).label}随机抽查检查结果予以公示（共 {count} 条）。"
        f"公示期：{_cn_date(start)}至{_cn_date(end)}。如有异议，请在公示期内向本单位反映。"
    )


def export_docx(session: Session, batch_id: int, out: str | Path) -> Path:
    """The public notice as an editable Word document (landscape A4, margins as the PDF)."""
    from app.services.foundation import word

    batch = session.get(Publication, batch_id)
    office = require_office(session)
    rows = batch_rows(session, batch_id)
    doc = word.new_document(title=batch.title, landscape=True, top=22, bottom=20, left=25, right=25)
    word.title(doc, office.name, size=22, color="C00000")
    word.rule(doc, "C00000")
    word.title(doc, batch.title, size=18)
    word.paragraph(doc, _intro(session, batch, office.name, len(rows)), indent=True, space_after=6)
    word.table(
        doc,
        TABLE_FIELDS,
        [r.values()[: len(TABLE_FIELDS)] for r in rows],
        [10, 36, 36, 40, 30, 20, 26, 30, 19],
        size=9,
    )
    word.paragraph(doc, "", space_after=18)
    word.paragraph(doc, f"{office.name}（盖章）", align=word.RIGHT, space_after=4)
    word.paragraph(doc, _cn_date(batch.published_on), align=word.RIGHT, space_after=8)
    word.paragraph(doc, chain_heads(session)["text"], size=9)
    return word.save(doc, out)


def export_pdf(session: Session, batch_id: int, out: str | Path) -> Path:
    """The public notice: office header, title, intro, the table, the office and date with room for the seal."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from app.services.foundation import pdf

    batch = session.get(Publication, batch_id)
    office = require_office(session)
    rows = batch_rows(session, batch_id)
    st = pdf.styles()
    head = pdf.ParagraphStyle(
        "head", parent=st["title"], fontSize=22, leading=30, textColor=colors.HexColor("#C00000"), spaceAfter=2 * mm
    )
    story = [Paragraph(pdf.esc(office.name), head)]
    rule = Table([[""]], colWidths=[245 * mm], rowHeights=[1.5 * mm])
    rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1.5, colors.HexColor("#C00000"))]))
    story += [rule, Spacer(1, 5 * mm), Paragraph(pdf.esc(batch.title), st["title"])]
    intro = pdf.esc(_intro(session, batch, office.name, len(rows)))
    story += [Paragraph(intro, pdf.ParagraphStyle("intro", parent=st["body"], firstLineIndent=22)), Spacer(1, 4 * mm)]
    # cells as pre-wrapped plain text (the breaks a CJK Paragraph would make, pdf.wrap_lines): a table of 1,000
    # rows of Paragraphs spent seconds parsing markup and measuring each character
    size, leading, pad = 8, 10.5, 6
    widths = [13 * mm, 32 * mm, 36 * mm, 36 * mm, 26 * mm, 21 * mm, 24 * mm, 34 * mm, 21 * mm]
    inner = [w - 2 * pad for w in widths]
    data = [[pdf.wrap_lines(h, w, pdf.FONT_BOLD, size) for h, w in zip(TABLE_FIELDS, inner)]]
    for r in rows:
        data.append([pdf.wrap_lines(str(v), w, pdf.FONT, size) for v, w in zip(r.values(), inner)])
    data = [["\n".join(cell) for cell in row] for row in data]
    table = pdf.repeating_table_class()(data, colWidths=widths, repeatRows=1)  # the same office/plan/date drawn once
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), pdf.FONT, size, leading),
                ("FONT", (0, 0), (-1, 0), pdf.FONT_BOLD, size, leading),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
            ]
        )
    )
    story.append(table)
    sign = [
        Spacer(1, 12 * mm),
        Paragraph(pdf.esc(office.name) + "（盖章）", st["right"]),
        Spacer(1, 2 * mm),
        Paragraph(_cn_date(batch.published_on), st["right"]),
        Spacer(1, 4 * mm),
        Paragraph(pdf.esc(chain_heads(session)["text"]), st["small"]),
    ]
    story.append(KeepTogether(sign))
    return pdf.build_pdf(
        out,
        story,
        pagesize=pdf.PAGE_LANDSCAPE,
        title=batch.title,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
    )


def publication_rate(session: Session, period: str) -> dict:
    """公开率 of a period: published / results entered (the checks done), also against all drawn objects."""
    rows = outcomes.period_rows(session, period)
    entered = [r for r in rows if r.state != outcomes.STATE_NONE]
    published = [r for r in rows if r.state == outcomes.STATE_PUBLISHED]
    on_time = [r for r in published if r.publish_due and r.published_on and r.published_on <= r.publish_due]
    return {
        "period": parse_period(period).code,
        "drawn": len(rows),
        "entered": len(entered),
        "approved": sum(1 for r in rows if r.state == outcomes.STATE_APPROVED),
        "published": len(published),
        "on_time": len(on_time),
        "rate": round(len(published) / len(entered), 4) if entered else 0.0,
        "rate_of_drawn": round(len(published) / len(rows), 4) if rows else 0.0,
    }
