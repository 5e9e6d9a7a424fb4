"""Read-only listings the faces show: the audit log filtered, its filter choices, and the accounts.

Both the GUI pages (审计日志, 用户管理) and the CLI (`ssj audit list`, `ssj user list`) read through these
functions, so the two faces show the same rows; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.core import AuditEntry, User
from app.services.foundation.errors import UserError

AUDIT_LIMIT = 5000


@dataclass(frozen=True)
class AuditFilter:
    """What the clerk narrowed the log to; empty fields do not filter."""

    user: str | None = None
    action: str | None = None
    entity: str | None = None
    date_from: date | None = None  # local dates, both included
    date_to: date | None = None
    text: str = ""
    limit: int = AUDIT_LIMIT


@dataclass(frozen=True)
class AuditChoices:
    users: list[str]
    actions: list[str]
    entities: list[str]
    first_day: str | None  # the UTC timestamp of the first entry, or None for an empty log


def _utc_bound(d: date, end: bool) -> str:
    local = datetime.combine(d, time.max if end else time.min).astimezone()
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_entries(session: Session, f: AuditFilter) -> list[AuditEntry]:
    """The newest entries first, at most ``f.limit``."""
    q = select(AuditEntry)
    if f.user:
        q = q.where(AuditEntry.user == f.user)
    if f.action:
        q = q.where(AuditEntry.action == f.action)
    if f.entity:
        q = q.where(AuditEntry.entity == f.entity)
    if f.date_from:
        q = q.where(AuditEntry.ts >= _utc_bound(f.date_from, False))
    if f.date_to:
        q = q.where(AuditEntry.ts <= _utc_bound(f.date_to, True))
    text = (f.text or "").strip()
    if text:
        like = f"%{text}%"
        q = q.where(
            or_(
                AuditEntry.summary.like(like),
                AuditEntry.entity_id == text,
                AuditEntry.before.like(like),
                AuditEntry.after.like(like),
            )
        )
    return list(session.scalars(q.order_by(AuditEntry.seq.desc()).limit(f.limit)))


def audit_choices(session: Session) -> AuditChoices:
    def distinct(column):
        return list(session.scalars(select(column).distinct().order_by(column)))

    first = session.scalar(select(AuditEntry.ts).order_by(AuditEntry.seq).limit(1))
    return AuditChoices(distinct(AuditEntry.user), distinct(AuditEntry.action), distinct(AuditEntry.entity), first)


def _local(dt) -> str:
    return "" if dt is None else dt.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def account_status(u: User) -> str:
    """正常 / 已停用 / 已锁定 / 未设置密码 / 需改密码."""
    if not u.active:
        return "已停用"
    if u.locked_until and u.locked_until > utcnow():
        return "已锁定"
    if not u.password_hash:
        return "未设置密码"
    if u.must_change_password:
        return "需改密码"
    return "正常"


@dataclass(frozen=True)
class AccountRow:
    """One account as 账户管理 and `ssj user list` show it."""

    id: int
    username: str
    display_name: str
    role: str
    status: str
    active: bool
    locked: bool
    last_login: str  # local time, minutes
    created: str


def accounts(session: Session) -> list[AccountRow]:
    rows = []
    for u in session.scalars(select(User).order_by(User.id)):
        status = account_status(u)
        rows.append(
            AccountRow(
                id=u.id,
                username=u.username,
                display_name=u.display_name or "",
                role=u.role,
                status=status,
                active=bool(u.active),
                locked=status == "已锁定",
                last_login=_local(u.last_login_at),
                created=_local(u.created_at),
            )
        )
    return rows


def account(session: Session, user_id: int) -> User:
    """The account to change; a clear message when it was deleted meanwhile."""
    user = session.get(User, user_id)
    if user is None:
        raise UserError("该账户已不存在，请刷新列表。")
    return user


def account_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == (username or "").strip()))


def display_names(session: Session) -> dict[str, str]:
    """username → the person's name (the username when no name was given): screens show people, not logins."""
    return {u.username: (u.display_name or u.username) for u in session.scalars(select(User))}


def person_text(names: dict[str, str], who: str | None) -> str:
    """How a screen names whoever did something: the person's name for an account, "命令行（本机用户 X）" for a change
    made with `ssj` without --user (recorded as ``os:X``), "—" for nobody."""
    who = (who or "").strip()
    if not who:
        return "—"
    if who.startswith("os:"):
        return f"命令行（本机用户 {who[3:]}）"
    return names.get(who, who)


def person(session: Session, who: str | None) -> str:
    return person_text(display_names(session), who)
