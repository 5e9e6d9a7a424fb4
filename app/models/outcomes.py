"""Inspection outcomes, follow-up, attachments, working-day calendar and publication batches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.vocabulary import OutcomeState

OUTCOME_STATES = (OutcomeState.NOT_ENTERED, OutcomeState.ENTERED, OutcomeState.APPROVED, OutcomeState.PUBLISHED)


class Outcome(Base):
    """检查结果 — the outcome of one drawn object's inspection and its follow-up."""

    __tablename__ = "outcome"
    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("draw_selection.id"), unique=True)
    state: Mapped[str] = mapped_column(String(6), default=OutcomeState.ENTERED)
    check_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # 检查日期
    method: Mapped[str] = mapped_column(String(20), default="")  # 检查方式
    findings: Mapped[str] = mapped_column(Text, default="")  # 发现问题
    result: Mapped[str] = mapped_column(String(60), default="")  # 检查结果 phrase
    determined_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 结果认定日期
    problems: Mapped[int] = mapped_column(Integer, default=0)  # 发现问题数
    # 责令整改
    rectify_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    rectify_verified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rectify_result: Mapped[str] = mapped_column(String(100), default="")
    # 立案
    case_no: Mapped[str] = mapped_column(String(80), default="")
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    penalty_amount: Mapped[float | None] = mapped_column(Numeric(14, 2), nullable=True)
    # 移交/移送
    transfer_to: Mapped[str] = mapped_column(String(200), default="")
    entered_by: Mapped[str] = mapped_column(String(80), default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_by: Mapped[str] = mapped_column(String(80), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    publish_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publication.id"), nullable=True)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)


class Attachment(Base):
    """笔录 scans, photos: copied into the data folder with their SHA-256."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    stored_path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(80), default="")


class Publication(Base):
    """公示批次 — a batch of results published together."""

    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    published_on: Mapped[date] = mapped_column(Date)
    notice_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # 公示期 ends (published_on → this day)
    title: Mapped[str] = mapped_column(String(300), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CalendarDay(Base):
    """Holiday table for years chinese_calendar does not know: 放假 days and 调休 workdays."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # 节假日 | 调休上班
    name: Mapped[str] = mapped_column(String(60), default="")


class ResultPhrase(Base):
    """The editable list of standard result phrases (检查结果)."""

    __tablename__ = "result_phrase"
    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(60), unique=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    problem_found: Mapped[bool] = mapped_column(default=False)


class NoticeNumber(Base):
    """文号 of a 检查通知书: "<字>〔年〕N号", numbered per year in the order notices are first printed.

    A drawn object keeps its number when its notice is printed again; the prefix (`字`, an office setting) is
    copied into `doc_no` when the number is given, so a later change of the setting never renumbers a notice."""

    __tablename__ = "notice_number"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_notice_number_year_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("draw_selection.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    doc_no: Mapped[str] = mapped_column(String(80))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(80), default="")
