"""审计日志: an append-only, hash-chained log of every change to data.

Every flush through a session made by `app.services.foundation.store.open_database` is inspected: each inserted,
updated or deleted row becomes an `AuditEntry` (who, when, what, before/after as JSON) whose hash
covers the previous entry's hash. Bulk operations that bypass the ORM must call `record()`.

Writers are serialised on the single `audit_head` row (UPDATE first, then read), so two processes
never fork the chain: on SQLite the second writer waits for the lock, on PostgreSQL for the row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models.core import AuditEntry, AuditHead
from app.services.foundation.context import current_user

GENESIS = "0" * 64
# Columns too large or too secret to copy into the log (their change is still recorded by name).
_REDACTED = {"password_hash", "signing_key_pem"}
_LARGE = {"snapshot", "result", "record"}


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)


def canonical(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default)


def entry_hash(
    seq: int,
    ts: str,
    user: str,
    action: str,
    entity: str,
    entity_id: str,
    summary: str,
    before: str,
    after: str,
    prev_hash: str,
) -> str:
    payload = canonical([seq, ts, user, action, entity, entity_id, summary, before, after, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _value(key: str, value):
    if key in _REDACTED:
        return "***"
    if key in _LARGE and isinstance(value, str) and len(value) > 200:
        return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()
    return value


def _row_state(obj, *, committed: bool) -> dict:
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if committed:
            if hist.deleted:
                val = hist.deleted[0]
            elif hist.unchanged:
                val = hist.unchanged[0]
            else:
                val = getattr(obj, attr.key, None) if not hist.added else None
        else:
            val = getattr(obj, attr.key, None)
        out[attr.key] = _value(attr.key, val)
    return out


@dataclass
class _Pending:
    action: str
    entity: str
    entity_id: str
    summary: str
    before: dict | None
    after: dict | None
    obj: object | None = None


def _lock_head(session: Session) -> tuple[int, str]:
    conn = session.connection()
    result = conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    if result.rowcount == 0:
        conn.execute(AuditHead.__table__.insert().values(id=1, seq=0, hash=GENESIS))
    row = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    return row.seq, row.hash


def _append(session: Session, pendings: list[_Pending]) -> None:
    if not pendings:
        return
    seq, prev = _lock_head(session)
    user = current_user()
    conn = session.connection()
    rows = []
    for p in pendings:
        seq += 1
        ts = _now_iso()
        before = canonical(p.before) if p.before is not None else ""
        after = canonical(p.after) if p.after is not None else ""
        h = entry_hash(seq, ts, user, p.action, p.entity, p.entity_id, p.summary, before, after, prev)
        rows.append(
            dict(
                seq=seq,
                ts=ts,
                user=user,
                action=p.action,
                entity=p.entity,
                entity_id=p.entity_id,
                summary=p.summary,
                before=before,
                after=after,
                prev_hash=prev,
                hash=h,
            )
        )
        prev = h
    conn.execute(AuditEntry.__table__.insert(), rows)
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))


def record(
    session: Session, action: str, entity: str, entity_id: str = "", *, summary: str = "", before=None, after=None
) -> None:
    """Append one explicit entry (bulk imports, draws, logins, backups…) in the session's transaction."""
    session.flush()
    _append(session, [_Pending(action, entity, str(entity_id), summary, before, after)])


def _before_flush(session: Session, _ctx, _instances) -> None:
    pend: list[_Pending] = session.info.setdefault("_audit_pending", [])
    for obj in session.new:
        if isinstance(obj, (AuditEntry, AuditHead)):
            continue
        pend.append(_Pending("新增", obj.__tablename__, "", "", None, None, obj))
    for obj in session.dirty:
        if isinstance(obj, (AuditEntry, AuditHead)) or not session.is_modified(obj, include_collections=False):
            continue
        before = _row_state(obj, committed=True)
        after = {k: _value(k, getattr(obj, k, None)) for k in before}
        changed_b = {k: v for k, v in before.items() if after.get(k) != v}
        changed_a = {k: after[k] for k in changed_b}
        if not changed_a:
            continue
        pend.append(_Pending("修改", obj.__tablename__, _pk(obj), "", changed_b, changed_a))
    for obj in session.deleted:
        if isinstance(obj, (AuditEntry, AuditHead)):
            raise PermissionError("审计日志只能追加，不能删除。")
        pend.append(_Pending("删除", obj.__tablename__, _pk(obj), "", _row_state(obj, committed=True), None))


def _after_flush(session: Session, _ctx) -> None:
    pend: list[_Pending] = session.info.pop("_audit_pending", [])
    for p in pend:
        if p.obj is not None:  # inserts: the primary key and defaults exist only now
            p.entity_id = _pk(p.obj)
            p.after = {a.key: _value(a.key, getattr(p.obj, a.key, None)) for a in inspect(p.obj).mapper.column_attrs}
            p.obj = None
    _append(session, pend)


def _pk(obj) -> str:
    state = inspect(obj)
    ident = state.identity or state.mapper.primary_key_from_instance(obj)
    if ident and any(x is not None for x in ident):
        return ",".join(str(x) for x in ident)
    return ""


def _after_rollback(session: Session) -> None:
    session.info.pop("_audit_pending", None)


def install(factory: sessionmaker) -> None:
    """Attach the audit listeners to a sessionmaker (idempotent)."""
    if getattr(factory, "_ssj_audit", False):
        return
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    factory._ssj_audit = True


@dataclass
class VerifyResult:
    ok: bool
    count: int
    head: str
    broken_seq: int | None = None
    message: str = ""


def verify(session: Session) -> VerifyResult:
    """Recompute every entry's hash in order; report the first broken link in Chinese."""
    prev = GENESIS
    expected_seq = 0
    count = 0
    for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        expected_seq += 1
        count += 1
        if e.seq != expected_seq:
            return VerifyResult(
                False, count, prev, e.seq, f"审计日志第 {expected_seq} 条缺失（下一条为第 {e.seq} 条），日志已被删改。"
            )
        if e.prev_hash != prev:
            return VerifyResult(
                False, count, prev, e.seq, f"审计日志第 {e.seq} 条的“前一条哈希”与第 {e.seq - 1} 条不符，链条在此断开。"
            )
        h = entry_hash(e.seq, e.ts, e.user, e.action, e.entity, e.entity_id, e.summary, e.before, e.after, e.prev_hash)
        if h != e.hash:
            return VerifyResult(
                False,
                count,
                prev,
                e.seq,
                f"审计日志第 {e.seq} 条（{e.ts}，{e.user}，{e.action} {e.entity}）的内容与其哈希不符，已被篡改。",
            )
        prev = e.hash
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq or head.hash != prev):
        return VerifyResult(
            False,
            count,
            prev,
            expected_seq + 1,
            f"审计日志链头记录为第 {head.seq} 条，但日志只到第 {expected_seq} 条：末尾的记录已被删除。",
        )
    return VerifyResult(True, count, prev, None, f"审计日志完整：共 {count} 条，链头 {prev[:16]}…")
