"""Supervision rules (policy presets as data), annual plans, tasks and their 备案 adjustments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class PolicyVersion(Base):
    """The office's rule set (a preset copy or an edited/imported file), one row per saved version."""

    __tablename__ = "policy_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(80), index=True)  # preset id or custom id
    name: Mapped[str] = mapped_column(String(200), default="")
    rules: Mapped[dict] = mapped_column(JSON)  # the whole rule document
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")


class Plan(Base):
    """年度抽查计划 — an annual plan (本部门 / 内部联合 / 部门联合)."""

    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)  # 抽查计划编号
    name: Mapped[str] = mapped_column(String(300))  # 抽查计划名称
    kind: Mapped[str] = mapped_column(String(10), default="本部门")  # 本部门/内部联合/部门联合
    initiator: Mapped[str] = mapped_column(String(200), default="")  # 发起科室/部门
    partners: Mapped[list] = mapped_column(JSON, default=list)  # 联合科室/部门
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    remark: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Task(Base):
    """抽查任务 — a task of a plan; its scope (对象范围) is a saved filter over the object pool."""

    __tablename__ = "task"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)  # 抽查任务编号
    name: Mapped[str] = mapped_column(String(300))  # 抽查任务名称
    draw_type: Mapped[str] = mapped_column(String(10), default="不定向")  # 定向/不定向
    ratio: Mapped[str] = mapped_column(String(100), default="")  # 抽查比例 (text as published)
    item_ids: Mapped[list] = mapped_column(JSON, default=list)  # 抽查事项
    scope: Mapped[dict] = mapped_column(JSON, default=dict)  # 对象范围 (saved filter)
    initiator: Mapped[str] = mapped_column(String(200), default="")
    partners: Mapped[list] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # 时间窗口
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    mode: Mapped[str] = mapped_column(String(20), default="现场")  # 检查模式
    remark: Mapped[str] = mapped_column(Text, default="")


class PlanAdjustment(Base):
    """计划调整备案 — a recorded change to the annual plan, with reason and date."""

    __tablename__ = "plan_adjustment"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    filed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[str] = mapped_column(String(80), default="")
