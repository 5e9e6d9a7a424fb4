"""Inspections of an enterprise by other departments and levels (涉企检查), imported or entered by hand."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class ExternalCheck(Base):
    """A check of an enterprise made by another body (or recorded from the credit system's results)."""

    __tablename__ = "external_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)  # or the old 15-digit 注册号
    name: Mapped[str] = mapped_column(String(200), default="")
    object_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_object.id"), nullable=True, index=True)
    authority: Mapped[str] = mapped_column(String(200), default="")  # 检查机关
    check_date: Mapped[date] = mapped_column(Date, index=True)  # 检查日期
    items: Mapped[str] = mapped_column(Text, default="")  # 检查事项
    method: Mapped[str] = mapped_column(String(40), default="")  # 检查方式
    task_code: Mapped[str] = mapped_column(String(80), default="")  # 抽查任务编号 (credit-system exports)
    source: Mapped[str] = mapped_column(String(20), default="导入")  # 导入 / 录入
    source_file: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
