"""首页: what needs attention, gathered from each domain service.

Each provider module exposes `dashboard_items(session, today) -> list[dict]` with keys
`title` (str), `value` (str), `detail` (str), `level` ("info" | "warn" | "danger"), `page` (nav key or "").
"""
from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy.orm import Session

PROVIDERS: list[str] = [
    "app.services.pools",
    "app.services.targets",
    "app.services.outcomes",
    "app.services.draws",
    "app.services.stats",
    "app.services.backup",
]


def collect(session: Session, today: date | None = None) -> list[dict]:
    today = today or date.today()
    items: list[dict] = []
    for name in PROVIDERS:
        module = importlib.import_module(name)
        items.extend(module.dashboard_items(session, today))
    return items
