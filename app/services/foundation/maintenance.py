"""本机维护: account recovery done by the operating-system user without an account, made visible.

`ssj account unlock NAME` and `ssj account reset-password NAME` may run without `--user` (the way back in
when the only administrator is locked out). Each such change is written to the audit log as action 本机维护
with the operating-system user's name; every administrator sees it on the 首页 until they acknowledge it, and
the next USB package lists it so the municipal bureau sees it too.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.core import AuditEntry, Setting
from app.services.foundation import audit
from app.services.foundation.context import current_actor, os_user

ACTION = "本机维护"
_ACK = "maintenance_ack:"  # + username → highest 本机维护 audit seq that administrator acknowledged
_PACKAGED = "maintenance_packaged"  # highest 本机维护 audit seq listed in an exported USB package


def record(session: Session, what: str, entity: str, entity_id: str) -> None:
    """Audit one recovery step as 本机维护 under the operating-system user's name."""
    actor = current_actor()
    name = actor.username[3:] if actor.username.startswith("os:") else os_user()
    audit.record(session, ACTION, entity, entity_id, summary=f"本机维护（操作系统用户 {name}）：{what}")


def _entries(session: Session, after_seq: int) -> list[AuditEntry]:
    q = select(AuditEntry).where(AuditEntry.action == ACTION, AuditEntry.seq > after_seq).order_by(AuditEntry.seq)
    return list(session.scalars(q))


def _int_setting(session: Session, key: str) -> int:
    row = session.get(Setting, key)
    try:
        return int(row.value) if row is not None else 0
    except (TypeError, ValueError):
        return 0


def _set(session: Session, key: str, value: int) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def pending(session: Session, username: str) -> list[dict]:
    """本机维护 entries this administrator has not acknowledged yet, oldest first."""
    return [
        {"seq": e.seq, "ts": e.ts, "user": e.user, "summary": e.summary}
        for e in _entries(session, _int_setting(session, _ACK + username))
    ]


def acknowledge(session: Session, username: str) -> int:
    """The administrator has read the 本机维护 notices; returns how many were acknowledged."""
    items = pending(session, username)
    if items:
        _set(session, _ACK + username, items[-1]["seq"])
    return len(items)


def dashboard_items(session: Session, today: date) -> list[dict]:
    actor = current_actor()
    if actor.role != "管理员":
        return []
    items = pending(session, actor.username)
    if not items:
        return []
    from app.services.foundation.timefmt import local_text

    lines = [f"{local_text(i['ts'])}　{i['summary']}" for i in items[-5:]]
    return [
        dict(
            title="本机维护（未经账户登录的账户操作）",
            value=f"{len(items)} 项",
            level="danger",
            page="",
            detail="\n".join(lines) + "\n请核实是否为本单位人员所为，核实后点“已知悉本机维护”。",
            kind="maintenance",
        )
    ]


def for_package(session: Session) -> tuple[list[dict], int]:
    """本机维护 entries not yet listed in an exported USB package, and the seq to mark once it is written."""
    items = [
        {"seq": e.seq, "ts": e.ts, "user": e.user, "summary": e.summary, "hash": e.hash}
        for e in _entries(session, _int_setting(session, _PACKAGED))
    ]
    return items, (items[-1]["seq"] if items else 0)


def mark_packaged(session: Session, upto_seq: int) -> None:
    if upto_seq > _int_setting(session, _PACKAGED):
        _set(session, _PACKAGED, upto_seq)
