"""Inspections of an enterprise by other departments and levels (涉企检查), imported or entered by hand."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text
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


JOINT_MERGED, JOINT_SEPARATE = "已合并", "不合并"


def merged_selection_ids(session) -> set[int]:
    """Selections that are part of an accepted 内部联合 visit (read by the draw, rules and reports areas)."""
    from sqlalchemy import select

    out: set[int] = set()
    for ids in session.scalars(select(JointVisit.selection_ids).where(JointVisit.state == JOINT_MERGED)):
        out |= {int(i) for i in ids or []}
    return out


class JointVisit(Base):
    """内部联合: one visit for an object drawn by two or more of this office's tasks in one period.

    Proposed by the program, decided by the clerk: 已合并 (one visit, the union of the tasks' items, one team,
    one 检查通知书; counted as joint) or 不合并 (the tasks' inspections stay separate).
    """

    __tablename__ = "joint_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    object_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_object.id"), nullable=True)
    selection_ids: Mapped[list] = mapped_column(JSON, default=list)  # DrawSelection ids, one per task
    tasks: Mapped[list] = mapped_column(JSON, default=list)  # [{"draw", "task", "code", "name"}]
    items: Mapped[list] = mapped_column(JSON, default=list)  # union of the tasks' 检查事项 (names)
    team: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "cert", "role"}]
    state: Mapped[str] = mapped_column(String(6), default="")  # 已合并 / 不合并
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(80), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
