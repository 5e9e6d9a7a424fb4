"""首页: what needs attention, gathered from each domain service.

Providers are named, not imported (a registry, like the pages): the dashboard gathers from areas above
its own without depending on them. Each provider module exposes
`dashboard_items(session, today) -> list[dict]` with keys
`title` (str), `value` (str), `detail` (str), `level` ("info" | "warn" | "danger"), `page` (nav key or "").
"""

from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy.orm import Session

PROVIDERS: list[str] = [
    "app.services.pools.pools",
    "app.services.rules.targets",
    "app.services.reports.reporting",
    "app.services.outcomes.outcomes",
    "app.services.draw.draws",
    "app.services.draw.frequency",
    "app.services.reports.frequency_figures",
    "app.services.reports.statistics",
    "app.services.foundation.backup",
    "app.services.foundation.maintenance",
    "app.services.exchange.packages",
]


def collect(session: Session, today: date | None = None) -> list[dict]:
    today = today or date.today()
    items: list[dict] = []
    for name in PROVIDERS:
        module = importlib.import_module(name)
        items.extend(module.dashboard_items(session, today))
    return items


#: the unit each count card is written with (foundation.figures.count_text: "1500 家")
COUNT_UNITS = {
    "检查对象": "家",
    "检查人员及专家": "人",
    "抽查事项": "项",
    "抽查计划": "个",
    "抽取记录": "次",
    "检查结果": "条",
    "公示记录": "批",
    "账户": "个",
}


def record_counts(session: Session) -> list[tuple[str, int]]:
    """首页's count cards: (label, rows) for the main record kinds."""
    from sqlalchemy import func, select

    from app.models import Draw, InspectionItem, InspectionObject, Inspector, Outcome, Plan, Publication, User

    kinds = (
        ("检查对象", InspectionObject),
        ("检查人员及专家", Inspector),
        ("抽查事项", InspectionItem),
        ("抽查计划", Plan),
        ("抽取记录", Draw),
        ("检查结果", Outcome),
        ("公示记录", Publication),
        ("账户", User),
    )
    return [(label, session.scalar(select(func.count()).select_from(model)) or 0) for label, model in kinds]
