"""Showing stored times: the store keeps naive UTC (and ISO strings ending in Z in the audit log and draw
records); people read local time with its offset where the document may travel."""

from __future__ import annotations

from datetime import UTC, datetime


def to_local(value: datetime | str | None) -> datetime | None:
    """A naive-UTC datetime or an ISO 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z' string as an aware local datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


def local_text(value: datetime | str | None, *, seconds: bool = False, offset: bool = False) -> str:
    """'2026-11-22 12:58' in local time ('' for None; an unparsable string is returned as it is).

    With offset=True the UTC offset follows, e.g. '2026-11-22 12:58（UTC+08:00）', for printed records.
    """
    local = to_local(value)
    if local is None:
        return value if isinstance(value, str) else ""
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if offset:
        off = local.strftime("%z")
        text += f"（UTC{off[:3]}:{off[3:]}）"
    return text


def parse_day(text: str):
    """A day typed by a clerk: 2026-11-01, 2026/11/01, 2026.11.01, 20261101 or 2026年11月1日 → date; "" → None.
    Raises ValueError with a Chinese message for anything else (or an impossible date)."""
    import re
    from datetime import date

    s = (text or "").strip().translate(str.maketrans("０１２３４５６７８９－／．", "0123456789-/."))
    if not s:
        return None
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ValueError(f"“{text}”不是有效的日期（没有这一天）。") from None
    raise ValueError(f"“{text}”无法识别为日期，请写成 2026-11-01（也可写 2026/11/01、2026.11.01 或 20261101）。")
