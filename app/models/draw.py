"""The auditable draw: records, selected objects and assigned teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.vocabulary import DrawState

DRAW_STATES = (DrawState.DRAFT, DrawState.FROZEN, DrawState.DRAWN, DrawState.CONFIRMED, DrawState.VOIDED)
VOID = DrawState.VOIDED


def live_key(period: str, task_id: int | None) -> str:
    """The slot a live (not 作废) draw occupies: one per task and period, or one per period without a task."""
    return f"{period}/{task_id if task_id is not None else '*'}"


def _live_key_default(ctx) -> str | None:
    row = ctx.get_current_parameters()
    if row.get("state") == VOID:
        return None
    return live_key(row.get("period"), row.get("task_id"))


class Draw(Base):
    """抽取记录 — one draw for a task and period, moving 草稿 → 已冻结 → 已抽取 → 已确认 | 已作废."""

    __tablename__ = "draw"
    # One live draw per task and period, enforced by the database itself (two processes drawing at the same
    # moment: the second INSERT fails): `live_key` is set while the draw is live and cleared when it is 作废.
    __table_args__ = (UniqueConstraint("live_key", name="uq_draw_live_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), index=True)  # 2026Q1, 2026H1, 2026
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(6), default=DrawState.DRAFT)
    policy_id: Mapped[str] = mapped_column(String(80), default="")
    algorithm: Mapped[str] = mapped_column(String(40), default="")
    snapshot: Mapped[str] = mapped_column(Text, default="")  # canonical JSON, frozen
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    seed: Mapped[str] = mapped_column(String(200), default="")
    seed_source: Mapped[str] = mapped_column(String(20), default="")  # 骰子 / 计算机生成
    witnesses: Mapped[list] = mapped_column(JSON, default=list)
    result: Mapped[str] = mapped_column(Text, default="")  # canonical JSON of the computed result
    record: Mapped[str] = mapped_column(Text, default="")  # the exported self-contained record JSON
    previous_hash: Mapped[str] = mapped_column(String(64), default="")
    record_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    confirmed_by: Mapped[str] = mapped_column(String(80), default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    voided_by: Mapped[str] = mapped_column(String(80), default="")
    void_reason: Mapped[str] = mapped_column(Text, default="")
    live_key: Mapped[str | None] = mapped_column(String(40), nullable=True, default=_live_key_default)
    # objects the office excluded at freezing (涉企检查频次: already at the yearly limit), with the reason:
    # [{"uscc", "name", "stratum", "reason"}]; they chose, the stratum's 应抽数 was kept (printed on 抽取前公示单)
    exclusions: Mapped[list] = mapped_column(JSON, default=list)


class DrawSelection(Base):
    """A drawn object of a draw (or a replacement), with its ticket and stratum."""

    __tablename__ = "draw_selection"
    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id"), index=True)
    object_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_object.id"), nullable=True, index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    stratum: Mapped[str] = mapped_column(String(60), default="")
    mode: Mapped[str] = mapped_column(String(10), default="现场")
    ticket: Mapped[str] = mapped_column(String(80), default="")
    rank: Mapped[int] = mapped_column(Integer, default=0)  # position in its stratum's ticket order
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once replaced
    replaced_reason: Mapped[str] = mapped_column(Text, default="")
    replacement_of_id: Mapped[int | None] = mapped_column(ForeignKey("draw_selection.id"), nullable=True)


class TeamMember(Base):
    """检查组成员 — an inspector or expert assigned to a drawn object; replacements are recorded."""

    __tablename__ = "team_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("draw_selection.id"), index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspector.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(60))
    cert: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[str] = mapped_column(String(10), default="执法人员")  # 执法人员 / 专家
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    replaced_reason: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str] = mapped_column(String(80), default="")
    replacement_of_id: Mapped[int | None] = mapped_column(ForeignKey("team_member.id"), nullable=True)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
