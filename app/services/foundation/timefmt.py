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
