"""One vocabulary: the states, roles and named sets every area speaks of, defined once.

Each is a `StrEnum`, so a member *is* its Chinese text: it is stored, hashed, shown and compared as that
text, and records written before these enums existed read back unchanged. Code never spells a state or a
role as a literal string; it names the member (tests/architecture/test_vocabulary.py checks it).
"""

from __future__ import annotations

from enum import StrEnum


class DrawState(StrEnum):
    """A draw's state: 草稿 → 已冻结 → 已抽取 → 已确认, or 已作废 from any state before 已确认."""

    DRAFT = "草稿"
    FROZEN = "已冻结"
    DRAWN = "已抽取"
    CONFIRMED = "已确认"
    VOIDED = "已作废"


#: Draws that stand: their selection is inspected, counted in quotas and statistics, and has outcomes.
LIVE_DRAW_STATES: tuple[DrawState, ...] = (DrawState.DRAWN, DrawState.CONFIRMED)
#: Draws that hold a record (a seed was used): the live ones and those voided after drawing.
RECORDED_DRAW_STATES: tuple[DrawState, ...] = (DrawState.DRAWN, DrawState.CONFIRMED, DrawState.VOIDED)


class OutcomeState(StrEnum):
    """An inspection outcome: 未录入 → 已录入 → 已审核 → 已公示."""

    NOT_ENTERED = "未录入"
    ENTERED = "已录入"
    APPROVED = "已审核"
    PUBLISHED = "已公示"


class Role(StrEnum):
    """An account's role. What each may do is decided in app.services.foundation (permissions)."""

    ADMIN = "管理员"
    CLERK = "录入员"
    REVIEWER = "审核员"
    LEADER = "领导"


ROLES: tuple[Role, ...] = tuple(Role)
DRAW_STATES: tuple[DrawState, ...] = tuple(DrawState)
OUTCOME_STATES: tuple[OutcomeState, ...] = tuple(OutcomeState)
