"""Test data for the outcomes area: draws built directly as rows (independent of the draw service)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, datetime

from app.models import Draw, DrawSelection, Plan, Task, TeamMember
from tests.factories import make_object

_n = itertools.count(1)


def make_draw(
    session,
    period: str = "2026Q1",
    n: int = 3,
    *,
    state: str = "已确认",
    drawn_at: datetime = datetime(2026, 1, 10, 9, 0),
    team_size: int = 2,
    task_end: date | None = date(2026, 3, 31),
) -> tuple[Draw, list[DrawSelection]]:
    """A draw of `n` objects with a two-person team each, for a plan/task of the period's year."""
    k = next(_n)
    plan = Plan(year=int(period[:4]), code=f"JH-{k:04d}", name=f"{period[:4]}年度生态环境双随机抽查计划{k}")
    session.add(plan)
    session.flush()
    task = Task(
        plan_id=plan.id,
        code=f"RW-{k:04d}",
        name=f"{period} 排污单位执法检查任务{k}",
        item_ids=[],
        start_date=date(2026, 1, 5),
        end_date=task_end,
    )
    session.add(task)
    session.flush()
    record_hash = hashlib.sha256(f"draw-{k}".encode()).hexdigest()
    draw = Draw(
        period=period,
        task_id=task.id,
        state=state,
        seed="12345678901234567890",
        seed_source="骰子",
        record_hash=record_hash,
        drawn_at=drawn_at,
        created_at=drawn_at,
    )
    session.add(draw)
    session.flush()
    sels = []
    for i in range(n):
        obj = make_object(session, address=f"测试县城关镇工业路{i + 1}号", permit_class="重点管理")
        sel = DrawSelection(
            draw_id=draw.id,
            object_id=obj.id,
            uscc=obj.uscc,
            name=obj.name,
            category="重点监管对象",
            stratum="重点监管对象",
            mode="现场",
            ticket=f"{i:04d}",
            rank=i,
        )
        session.add(sel)
        session.flush()
        for j in range(team_size):
            session.add(TeamMember(selection_id=sel.id, name=f"检查员{k}{i}{j}", cert=f"1405250{k}{i}{j}"))
        sels.append(sel)
    session.flush()
    return draw, sels


GOOD = dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题")


def enter_review_publish(db, period: str, today: date, *, entered: int, approved: int = 6):
    """A quarter's results under way: the clerk (录入员 luru) enters `entered` results, every fourth one with a
    finding and a deadline; the reviewer (审核员 shenhe) approves `approved` of them and publishes a batch."""
    from app.services.foundation.context import Actor, acting_as
    from app.services.outcomes import outcomes, publication

    with acting_as(Actor("luru", "录入员", "录入员")), db.Session() as s:
        for i, row in enumerate(outcomes.period_rows(s, period)[:entered]):
            data = {"check_date": today, "method": "现场检查", "result": "未发现问题"}
            if i % 4 == 1:
                data.update(result="发现问题已责令整改", findings="台账记录不完整", rectify_deadline=today)
            outcomes.save_outcome(s, row.selection_id, data, today=today)
        s.commit()
    with acting_as(Actor("shenhe", "审核员", "审核员")), db.Session() as s:
        done = [r.outcome_id for r in outcomes.period_rows(s, period) if r.outcome_id]
        outcomes.approve(s, done[:approved], "shenhe")
        s.commit()
        batch = publication.create_batch(s, period, published_on=today)
        s.commit()
        return batch
