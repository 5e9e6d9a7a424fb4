"""一公开: publication batches of approved results, the upload xlsx, the PDF/Word public notice, the rate.

A batch (`Publication`) takes the period's approved (已审核) results that are not yet published, marks
them 已公示 with the batch id, and writes the file(s). The file is written inside the same unit of work:
if writing fails the batch is rolled back with the session. `publish_in_steps` (CLI and GUI) renders the
files first — from one consistent read, without the write lock, into temporary files beside the targets —
and then, in one short write transaction, checks the batch it rendered is still the batch it would make
(`BatchPlan.key`), records it, moves the files into place and commits (issue 13 point 5: rendering the PDF
of hundreds of results held the write lock for seconds). Fields follow the national platform:
序号, 企业名称, 统一社会信用代码, 抽查计划/任务, 检查机关, 检查时间, 检查结果, followed by what the public
also reads: 发现问题 and 整改期限 where the outcome has them, and the batch's 公示期 (the publication day and
NOTICE_WORKDAYS working days in all, counting that day).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.outcomes import Outcome, Publication
from app.services.draw.draws import chain_heads, data_version
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
    plan = _PLANNED.get()
    if plan is not None and plan.batch.id == batch_id:  # a batch being rendered before it is written
        return plan.rows
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


@dataclass
class BatchPlan:
    """The batch `create_batch` would record now (read only): the unsaved `Publication` with the number it
    will get, its notice rows and how many are past their publication deadline."""

    batch: Publication
    rows: list[NoticeRow]
    late: int

    def key(self) -> tuple:
        """Everything the files show: equal keys, equal files."""
        b = self.batch
        rows = tuple((r.outcome_id, *r.values()) for r in self.rows)
        return (b.id, b.period, b.published_on, b.notice_until, b.title, b.count, self.late, rows)


# The batch being rendered by `publish_in_steps` before it exists: `_batch` and `batch_rows` answer from it.
_PLANNED: ContextVar[BatchPlan | None] = ContextVar("ssj_planned_batch", default=None)


def _batch(session: Session, batch_id: int) -> Publication:
    plan = _PLANNED.get()
    if plan is not None and plan.batch.id == batch_id:
        return plan.batch
    return session.get(Publication, batch_id)


def plan_batch(
    session: Session, period: str, *, published_on: date | None = None, outcome_ids: list[int] | None = None
) -> BatchPlan:
    """Reads only: the next batch of the period's approved results (all, or the chosen ones)."""
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
        id=(session.scalar(select(func.max(Publication.id))) or 0) + 1,
        period=p.code,
        published_on=day,
        notice_until=notice_end(session, day),
        title=notice_title(session, p.code),
        count=len(rows),
        created_by=current_user(),
    )
    late = sum(1 for r in rows if r.publish_due and r.publish_due < day)
    return BatchPlan(batch, _rows(session, rows, (day, batch.notice_until)), late)


def _record_batch(session: Session, plan: BatchPlan) -> Publication:
    """Write the planned batch: the Publication, its results marked 已公示, the audit entry."""
    batch = plan.batch
    session.add(batch)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":  # the number was given: the sequence moves past it
        from sqlalchemy import text

        session.execute(
            text("SELECT setval(pg_get_serial_sequence('publication', 'id'), (SELECT max(id) FROM publication))")
        )
    ids = {r.outcome_id for r in plan.rows}
    for o in session.scalars(select(Outcome).where(Outcome.id.in_(ids))):
        o.state = outcomes.STATE_PUBLISHED
        o.publication_id = batch.id
    session.flush()
    audit.record(
        session,
        "公示",
        "publication",
        str(batch.id),
        summary=f"{batch.period} 公示 {batch.count} 条检查结果"
        + (f"（其中 {plan.late} 条超过公示期限）" if plan.late else ""),
    )
    return batch


def create_batch(
    session: Session, period: str, *, published_on: date | None = None, outcome_ids: list[int] | None = None
) -> Publication:
    """Record a batch of the period's approved results (all, or the chosen ones) and mark them 已公示."""
    return _record_batch(session, plan_batch(session, period, published_on=published_on, outcome_ids=outcome_ids))


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


TRIES = 3  # renders in a row spoiled by another clerk's change to the batch before publishing gives up


def publish_in_steps(
    session_factory: Callable[[], Session],
    period: str,
    outs: list[str | Path],
    *,
    writer_factory: Callable[[], Session] | None = None,
    published_on: date | None = None,
    outcome_ids: list[int] | None = None,
) -> dict:
    """`publish` without holding the write lock while the files are rendered: plan and render every file of
    `outs` (xlsx / pdf / docx) from one consistent read into temporary files beside them, then in one short
    write transaction check the batch is unchanged (else render again), record it, put the files in place and
    commit. Returns `batch_info` for the first file. The caller's actor is in effect."""
    from app.models.db import begin_consistent_read
    from app.services.foundation.files import replace_retrying, temp_path, write_error

    outs = [Path(o) for o in outs]
    for out in outs:
        if out.suffix.lower() not in SUFFIXES:
            raise UserError(suffix_message(out))
    writer_factory = writer_factory or session_factory
    args = dict(published_on=published_on, outcome_ids=outcome_ids)
    for _ in range(TRIES):
        staged: list[tuple[Path, Path]] = []
        try:
            with session_factory() as s:
                begin_consistent_read(s)
                seen = data_version(s)  # the audit log's head: every data change is audited
                plan = plan_batch(s, period, **args)
                token = _PLANNED.set(plan)
                try:
                    for out in outs:
                        staged.append((temp_path(out, out.suffix), out))
                        write_batch(s, plan.batch.id, staged[-1][0])
                finally:
                    _PLANNED.reset(token)
                s.rollback()
            with writer_factory() as s:
                # nothing written since the read: the plan stands as it is (no second read of the rows under
                # the lock); else the batch is determined again and must show exactly what was rendered
                now = plan if data_version(s) == seen else plan_batch(s, period, **args)
                if now is not plan and now.key() != plan.key():
                    s.rollback()
                    continue
                batch = _record_batch(s, now)
                placed: list[Path] = []
                try:
                    for tmp, out in staged:
                        try:
                            replace_retrying(tmp, out)
                        except OSError as exc:
                            raise write_error(exc, out.parent, target=out) from exc
                        placed.append(out)
                    info = batch_info(s, batch, outs[0])
                    s.commit()
                except BaseException:
                    s.rollback()
                    for out in placed:  # no batch, no notice
                        out.unlink(missing_ok=True)
                    raise
                return info
        finally:
            for tmp, _out in staged:
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass
    raise UserError(
        f"生成公示期间，待公示的检查结果连续 {TRIES} 次被其他用户修改（审核、退回或另一批公示），本次没有公示。"
        "请刷新后重新生成公示。"
    )


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

    batch = _batch(session, batch_id)
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

    batch = _batch(session, batch_id)
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

    batch = _batch(session, batch_id)
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
