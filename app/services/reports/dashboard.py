"""首页: what needs attention, gathered from each domain service.

Providers are named, not imported (a registry, like the pages): the dashboard gathers from areas above
its own without depending on them. Each provider module exposes `dashboard_items(session, today) -> list[dict]` with keys
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
    "app.services.reports.statistics",
    "app.services.foundation.backup",
    "app.services.exchange.packages",
]


def collect(session: Session, today: date | None = None) -> list[dict]:
    today = today or date.today()
    items: list[dict] = []
    for name in PROVIDERS:
        module = importlib.import_module(name)
        items.extend(module.dashboard_items(session, today))
    return items
