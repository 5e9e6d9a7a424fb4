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
from dataclasses import dataclass, field
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


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default)


def canonical(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 characters kept (= json.dumps with these options; one
    encoder made once)."""
    return _CANONICAL.encode(obj)


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
    session: Session,
    action: str,
    entity: str,
    entity_id: str = "",
    *,
    summary: str = "",
    before=None,
    after=None,
    written: dict[str, tuple] | Digests | None = None,
) -> None:
    """Append one explicit entry (bulk imports, draws, logins, backups…) in the session's transaction.

    An entry about a whole replayed table (`entity` in REPLAYED, no `entity_id`: a bulk import written
    with Core statements) is followed by a 封存 entry holding row digests, so that `replay` can later tell
    which rows were changed outside the program. With `written` ({primary key text: the row's values as
    written, in `sealed_columns(entity)` order}, or their `row_digests` computed beforehand) the 封存 covers exactly
    those rows, hashed from those values (the table is not read back); without it, every row of the table, read
    back."""
    session.flush()
    pend = [_Pending(action, entity, str(entity_id), summary, before, after)]
    if entity in REPLAYED and not str(entity_id) and action != SEAL:
        pend.append(_seal(session, entity) if written is None else _seal_written(entity, written))
    _append(session, pend)


# ---------------------------------------------------------------------------------------------- replay

# The tables whose current rows `replay` compares with their last audited values (issue 10, point 7).
REPLAYED = {
    "inspection_object": "检查对象",
    "inspector": "人员",
    "outcome": "检查结果",
    "user_account": "账户",
    "publication": "公示批次",
    "policy_version": "规则版本",
    "plan": "抽查计划",
    "task": "抽查任务",
}
SEAL = "封存"


def _tables() -> dict:
    from app.models.base import Base

    return {t: Base.metadata.tables[t] for t in REPLAYED if t in Base.metadata.tables}


def _norm(value):
    """A value as the log stores it (JSON round trip), so stored and current values compare equal."""
    return json.loads(canonical(value))


# Stamped by SQLAlchemy's onupdate during the flush, after the audit hook has read the row: not compared.
_NOT_REPLAYED = {"updated_at"}


def _row_values(table, row) -> dict:
    return {c.name: _norm(_value(c.name, row[c.name])) for c in table.columns if c.name not in _NOT_REPLAYED}


def _row_pk(table, row) -> str:
    return ",".join(str(row[c.name]) for c in table.primary_key.columns)


def _digest(values: dict) -> str:
    return hashlib.sha256(canonical(values).encode("utf-8")).hexdigest()[:32]


def _row_digest(table, row) -> str:
    """`_digest(_row_values(table, row))` without the JSON round trip of every value: the canonical JSON of
    a value and of its round trip are the same text (a 50,000-row seal took 1.25 million round trips)."""
    return _digest({c.name: _value(c.name, row[c.name]) for c in table.columns if c.name not in _NOT_REPLAYED})


def _seal(session: Session, entity: str) -> _Pending:
    table = _tables()[entity]
    columns = [c for c in table.columns if c.name not in _NOT_REPLAYED]
    names = [c.name for c in columns]
    keys = [names.index(c.name) for c in table.primary_key.columns]
    plain = not any(n in _REDACTED or n in _LARGE for n in names)
    rows = {}
    for row in session.connection().execute(select(*columns)):  # = _row_digest of each row, in plain tuples
        values = dict(zip(names, row)) if plain else {n: _value(n, v) for n, v in zip(names, row)}
        rows[",".join(str(row[i]) for i in keys)] = _digest(values)
    return _Pending(
        SEAL,
        entity,
        "",
        f"{REPLAYED[entity]}表封存：{len(rows)} 行的摘要（供“审计日志校验”比对）",
        None,
        {"rows": rows},
    )


def sealed_columns(entity: str) -> list[str]:
    """The columns a 封存 of written rows hashes, in this order: every column of the table but updated_at."""
    return [c.name for c in _tables()[entity].columns if c.name not in _NOT_REPLAYED]


def values_digest(values) -> str:
    """The digest of one row's values in `sealed_columns` order, as logged (a JSON list: no keys to sort, half
    the work of `_digest` of the same row as a dict)."""
    return hashlib.sha256(canonical(list(values)).encode("utf-8")).hexdigest()[:32]


class Digests(dict):
    """{primary key text: digest} of rows one bulk write writes (`row_digests`), computed before the write lock."""


def row_digests(entity: str, written: dict[str, tuple]) -> Digests:
    """The 封存 digests of rows about to be written ({primary key text: the row's values in `sealed_columns(entity)`
    order}): a big import computes them before it takes the write lock and hands them to `record(written=…)`."""
    names = sealed_columns(entity)
    if set(names) & (_REDACTED | _LARGE):  # columns logged hidden or shortened
        written = {pk: [_value(n, v) for n, v in zip(names, values)] for pk, values in written.items()}
    return Digests({pk: values_digest(values) for pk, values in written.items()})


def _seal_written(entity: str, written: dict[str, tuple] | Digests) -> _Pending:
    """A 封存 of the rows one bulk write wrote (`replay` updates these rows' states and keeps the others')."""
    rows = written if isinstance(written, Digests) else row_digests(entity, written)
    return _Pending(
        SEAL,
        entity,
        "",
        f"{REPLAYED[entity]}表封存：本次写入的 {len(rows)} 行的摘要（供“审计日志校验”比对）",
        None,
        {"rows": rows, "written": True},
    )


def seal(session: Session, entity: str) -> None:
    """Append a 封存 entry for `entity` (a REPLAYED table written in bulk without its own `record` entry)."""
    session.flush()
    _append(session, [_seal(session, entity)])


@dataclass
class RowProblem:
    entity: str
    entity_id: str
    message: str


def replay(session: Session, limit: int = 50) -> list[RowProblem]:
    """Replay the log over the REPLAYED tables and compare with their current rows.

    Each row's last audited state is its 新增 values updated by every 修改, or — for rows written in bulk —
    the digest of its latest 封存 entry with the later 修改 on top (a 封存 of the rows one bulk write wrote
    updates those rows; an older whole-table 封存 replaces the state of every row). A row whose current value
    differs, a row the log never saw, and a row gone without a 删除 entry are each named (at most `limit`)."""
    tables = _tables()
    # state[entity][pk] = {"full": {...}} | {"digest": d, "sealed": {col: value at seal}, "now": {col: value}}
    state: dict[str, dict[str, dict]] = {t: {} for t in tables}
    q = select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
    for action, entity, entity_id, before_text, after_text in session.execute(
        q.where(AuditEntry.entity.in_(list(tables))).order_by(AuditEntry.seq)
    ):
        rows = state[entity]
        if action == SEAL:
            after = json.loads(after_text or "{}")
            form = "values" if after.get("written") else "dict"
            sealed = {
                pk: {"digest": d, "form": form, "sealed": {}, "now": {}} for pk, d in after.get("rows", {}).items()
            }
            if after.get("written"):  # the rows one bulk write wrote; the others keep their state
                rows.update(sealed)
            else:  # every row of the table (a whole-table seal, as written before issue 19)
                state[entity] = sealed
        elif action == "新增" and entity_id:
            rows[entity_id] = {"full": json.loads(after_text or "{}")}
        elif action == "修改" and entity_id and entity_id in rows:
            after, before = json.loads(after_text or "{}"), json.loads(before_text or "{}")
            st = rows[entity_id]
            if "full" in st:
                st["full"].update(after)
            else:
                for k, v in before.items():
                    st["sealed"].setdefault(k, v)
                st["now"].update(after)
        elif action == "删除" and entity_id:
            rows.pop(entity_id, None)
    problems: list[RowProblem] = []
    for entity, table in tables.items():
        rows = state[entity]
        seen = set()
        for row in session.connection().execute(select(table)).mappings():
            pk = _row_pk(table, row)
            seen.add(pk)
            problem = _compare_row(entity, pk, _row_values(table, row), rows.get(pk))
            if problem:
                problems.append(RowProblem(entity, pk, problem))
                if len(problems) >= limit:
                    return problems
        for pk in sorted(set(rows) - seen, key=lambda x: (len(x), x)):
            problems.append(
                RowProblem(
                    entity, pk, f"{REPLAYED[entity]} #{pk} 已不在数据库中，但审计日志中没有删除记录：被直接删除。"
                )
            )
            if len(problems) >= limit:
                return problems
    return problems


def _same(a, b) -> bool:
    """Equal as logged: 50000 (as entered) and "50000.00" (as a NUMERIC column returns it) are the same."""
    if a == b:
        return True
    if isinstance(a, (int, float, str)) and isinstance(b, (int, float, str)) and not isinstance(a, bool):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except ArithmeticError:
            return False
    return False


def _label(entity: str, pk: str, current: dict) -> str:
    name = current.get("name") or current.get("username") or current.get("uscc") or ""
    return f"{REPLAYED[entity]} #{pk}" + (f"（{name}）" if name else "")


def _compare_row(entity: str, pk: str, current: dict, st: dict | None) -> str:
    label = _label(entity, pk, current)
    if st is None:
        return f"{label} 在审计日志中没有任何记录：不是通过本程序写入的（可能被直接插入数据库）。"
    if "full" in st:
        for k in sorted(current):
            if k in st["full"] and not _same(st["full"][k], current[k]):
                return (
                    f"{label} 的“{k}”现为 {canonical(current[k])[:80]}，"
                    f"审计日志最后记录的是 {canonical(st['full'][k])[:80]}：被绕过程序改动。"
                )
        return ""
    for k, v in st["now"].items():
        if k in current and not _same(current[k], v):
            return (
                f"{label} 的“{k}”现为 {canonical(current[k])[:80]}，"
                f"审计日志最后记录的是 {canonical(v)[:80]}：被绕过程序改动。"
            )
    at_seal = dict(current, **{k: v for k, v in st["sealed"].items() if k in current})
    # a 封存 of written rows hashes the values in column order (= `current`'s order), a whole-table one the dict
    digest = values_digest(at_seal.values()) if st["form"] == "values" else _digest(at_seal)
    if digest != st["digest"]:
        return f"{label} 的内容与审计日志封存的摘要不符，且日志中没有相应的修改记录：被绕过程序改动。"
    return ""


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
    rows: list[RowProblem] = field(default_factory=list)
    head_seq: int = 0


def short_head(seq: int, head: str) -> str:
    """The chain head as printed on documents: 'No.1234·a1b2c3d4e5f6' (sequence number and 12 hex digits)."""
    return f"No.{seq}·{head[:12]}"


def current_head(session: Session) -> tuple[int, str]:
    row = session.get(AuditHead, 1)
    return (row.seq, row.hash) if row is not None else (0, GENESIS)


def verify(session: Session, *, rows: bool = True) -> VerifyResult:
    """Recompute every entry's hash in order; report the first broken link in Chinese. With `rows`, also
    replay the log against the current rows of the REPLAYED tables (`replay`) and name each row that differs."""
    result = _verify_chain(session)
    result.head_seq = result.count
    if not result.ok or not rows:
        return result
    problems = replay(session)
    if problems:
        more = "（仅列出前 50 处）" if len(problems) >= 50 else ""
        result.ok = False
        result.rows = problems
        result.message = (
            f"审计日志的哈希链完整（{result.count} 条），但有 {len(problems)} 行数据与审计日志最后记录的不符{more}：\n"
            + "\n".join(f"  {p.message}" for p in problems)
        )
    return result


def _verify_chain(session: Session) -> VerifyResult:
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
