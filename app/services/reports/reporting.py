"""报送期限: the reporting calendar of the active rule document (``reporting`` in the preset), on 首页.

Each entry of ``reporting`` names what is reported and when, in the words of the document (秦皇岛
“每季度结束前5个工作日内上报…”, 威海 “次月2日前”, “1月5日前”, “1月15日前”). This module turns the rule
into the next due date on or after a day, counting working days with the office's holiday calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.services.foundation.errors import UserError
from app.services.outcomes import workdays
from app.services.rules import policies

WARN_DAYS = 7  # a deadline this close is shown as a warning on 首页


def _quarter_end(year: int, q: int) -> date:
    month = 3 * q
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def _quarters_from(today: date):
    """(year, quarter) from the quarter before today's onwards."""
    year, q = today.year, (today.month - 1) // 3 + 1
    q -= 1
    if q == 0:
        year, q = year - 1, 4
    while True:
        yield year, q
        q += 1
        if q == 5:
            year, q = year + 1, 1


def _workday_test(session: Session | None):
    cal = workdays.Calendar(session)

    def is_workday(day: date) -> bool:
        try:
            return cal.is_workday(day)
        except workdays.CalendarMissing:
            return day.weekday() < 5

    return is_workday


def _due_in_quarter(rule: dict, year: int, q: int, is_workday) -> date:
    end = _quarter_end(year, q)
    kind = rule["rule"]
    if kind == "days_before_quarter_end":
        return end - timedelta(days=rule["days"])
    if kind == "next_month_day":
        first = end + timedelta(days=1)
        return date(first.year, first.month, rule["day"])
    # workdays_before_quarter_end: the first of the quarter's last n working days
    day, count = end, 0
    while True:
        if is_workday(day):
            count += 1
            if count == rule["days"]:
                return day
        day -= timedelta(days=1)


def next_due(rule: dict, today: date, is_workday) -> tuple[date, str]:
    """(due date, the period it is for) of the first deadline on or after today."""
    if rule["rule"] == "yearly_date":
        due = date(today.year, rule["month"], rule["day"])
        if due < today:
            due = date(today.year + 1, rule["month"], rule["day"])
        return due, f"{due.year}年"
    for year, q in _quarters_from(today):
        due = _due_in_quarter(rule, year, q, is_workday)
        if due >= today:
            return due, f"{year}年第{q}季度"
    raise AssertionError("unreachable")  # pragma: no cover


def deadlines(session: Session, today: date) -> list[dict]:
    """[{"id", "title", "due", "period", "source", "choice"}] of the active rules, soonest first."""
    rules = policies.active_rules(session)
    is_workday = _workday_test(session)
    out = []
    for rule in rules.get("reporting") or []:
        due, what = next_due(rule, today, is_workday)
        out.append(
            dict(
                id=rule.get("id", ""),
                title=rule["title"],
                due=due,
                period=what,
                source=rule.get("source", ""),
                choice=rule.get("choice", ""),
            )
        )
    return sorted(out, key=lambda d: (d["due"], d["title"]))


def dashboard_items(session: Session, today: date) -> list[dict]:
    try:
        items = deadlines(session, today)
    except UserError:
        return []  # no rules yet: the rules provider already says so
    cards = []
    for d in items:
        left = (d["due"] - today).days
        cards.append(
            dict(
                title=f"报送：{d['title']}",
                value=f"{d['due'].isoformat()} 前",
                detail=f"{d['period']}；还有 {left} 天。依据：{d['source']}",
                level="warn" if left <= WARN_DAYS else "info",
                page="",
            )
        )
    return cards
