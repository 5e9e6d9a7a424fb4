"""Periods: 2026Q1…Q4 (季度), 2026H1/H2 (半年), 2026 (年)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.services.foundation.errors import UserError

_RE = re.compile(r"^(\d{4})(?:(Q)([1-4])|(H)([12]))?$")


@dataclass(frozen=True)
class Period:
    code: str
    year: int
    kind: str  # quarter | half | year
    index: int  # 1-4 for quarters, 1-2 for halves, 1 for the year
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.index - 1]}季度"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        return f"{self.year}年度"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def quarters(self) -> list[Period]:
        first = {"quarter": self.index, "half": 2 * self.index - 1, "year": 1}[self.kind]
        count = {"quarter": 1, "half": 2, "year": 4}[self.kind]
        return [parse_period(f"{self.year}Q{q}") for q in range(first, first + count)]


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(code: str) -> Period:
    text = (code or "").strip().upper()
    m = _RE.match(text)
    if not m:
        raise UserError(f"期间“{code}”格式不对，应为 2026Q1（季度）、2026H1（半年）或 2026（年）。")
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        raise UserError(f"期间“{code}”的年份不合理。")
    if m.group(2):
        q = int(m.group(3))
        return Period(text, year, "quarter", q, date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
    if m.group(4):
        h = int(m.group(5))
        return Period(text, year, "half", h, date(year, 6 * h - 5, 1), _month_end(year, 6 * h))
    return Period(text, year, "year", 1, date(year, 1, 1), date(year, 12, 31))


def period_of(day: date, kind: str = "quarter") -> Period:
    if kind == "quarter":
        return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")
    if kind == "half":
        return parse_period(f"{day.year}H{1 if day.month <= 6 else 2}")
    return parse_period(str(day.year))


def previous_quarter(period: Period) -> Period:
    q = period.quarters[0]
    if q.index == 1:
        return parse_period(f"{q.year - 1}Q4")
    return parse_period(f"{q.year}Q{q.index - 1}")


def next_quarter(period: Period) -> Period:
    q = period.quarters[-1]
    if q.index == 4:
        return parse_period(f"{q.year + 1}Q1")
    return parse_period(f"{q.year}Q{q.index + 1}")


#: what a period chooser is for → which periods it offers (period_choices)
PERIOD_PURPOSES = ("draw", "rules", "reports")


def period_choices(purpose: str, today: date | None = None) -> list[str]:
    """The periods a chooser offers, the same on every page and in the command line:

    - ``draw``: this quarter and the next three (a draw is made for the quarter ahead);
    - ``rules``: last, this and next year's quarters, halves and years, in calendar order (quota, classification);
    - ``reports``: this and last year's quarters, halves and years, newest first (statistics, packages).
    A period not offered can still be typed (the choosers are editable)."""
    today = today or date.today()
    if purpose == "draw":
        out = [period_of(today)]
        for _ in range(3):
            out.append(next_quarter(out[-1]))
        return [p.code for p in out]
    if purpose == "rules":
        return [
            code
            for y in (today.year - 1, today.year, today.year + 1)
            for code in [f"{y}Q{q}" for q in range(1, 5)] + [f"{y}H1", f"{y}H2", str(y)]
        ]
    if purpose == "reports":
        return [
            code
            for y in (today.year, today.year - 1)
            for code in [f"{y}Q{q}" for q in (4, 3, 2, 1)] + [f"{y}H2", f"{y}H1", str(y)]
        ]
    raise ValueError(f"unknown period purpose {purpose!r}; one of {PERIOD_PURPOSES}")
