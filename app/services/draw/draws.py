"""随机抽取: the draw state machine on the database, its hash chain and its tamper checks.

草稿 → 已冻结 (snapshot + fingerprint stored; 抽取前公示单) → 已抽取 (seed entered once; result and
self-contained record stored) → 已确认 | 已作废. The computation itself is `draw_algorithm` (pure).

Record chain: every drawn record carries `chain_seq` and `previous_hash` = the `record_hash` of the
record drawn before it (GENESIS for the first). `record_hash` covers the record as drawn (snapshot, seed,
result, witnesses…) and never changes; later events (对象替换, 人员替换, 确认, 作废) are appended to the
record's `amendments`, each hash-linked to the one before (the first to `record_hash`).
"""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Draw, DrawSelection, InspectionObject, Inspector, TeamMember
from app.models.core import AuditEntry, AuditHead, Setting
from app.models.draw import live_key
from app.models.rules import Plan, Task
from app.models.vocabulary import RECORDED_DRAW_STATES, DrawState
from app.services.draw import algorithm as algo
from app.services.draw import frequency
from app.services.foundation import audit, backup, permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.foundation.office import require_office
from app.services.foundation.periods import parse_period, period_of

GENESIS = "0" * 64
PENDING = (DrawState.DRAFT, DrawState.FROZEN, DrawState.DRAWN)
SEED_SOURCES = ("骰子", "计算机生成", "公开数字")
GENERATED_DIGITS = 24
RULES_KEY = "draw.team_rules"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _iso(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else ""


def generate_seed() -> str:
    """A seed from the OS CSPRNG: 24 decimal digits, shown to the witnesses and printed on the record."""
    return "".join(secrets.choice("0123456789") for _ in range(GENERATED_DIGITS))


# ----------------------------------------------------------------------------------------------
# Team rules (stored as a setting; defaults from the documents)


def team_rules(session: Session) -> dict:
    rules = dict(algo.DEFAULT_RULES)
    row = session.get(Setting, RULES_KEY)
    if row is not None and isinstance(row.value, dict):
        rules.update(row.value)
    return rules


def set_team_rules(session: Session, changes: dict) -> dict:
    permissions.require(session, "rules.edit")
    unknown = set(changes) - set(algo.DEFAULT_RULES)
    if unknown:
        raise UserError(
            f"选派规则中没有这些项：{'、'.join(sorted(unknown))}。可设置：{'、'.join(algo.DEFAULT_RULES)}。"
        )
    k = changes.get("officers_per_team")
    if k is not None and int(k) < 2:
        raise UserError("每个检查组至少需要 2 名持执法证的执法人员（威海 第十九条），不能设为少于 2。")
    row = session.get(Setting, RULES_KEY)
    merged = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    merged.update(changes)
    if row is None:
        session.add(Setting(key=RULES_KEY, value=merged))
    else:
        row.value = merged
    session.flush()
    return team_rules(session)


# ----------------------------------------------------------------------------------------------
# Pool (from the rules engineer's draw_strata) and people


def _object_dict(obj) -> dict:
    if isinstance(obj, dict):
        return {
            "id": obj.get("uscc") or obj.get("id"),
            "name": obj.get("name", ""),
            "industry": obj.get("industry", ""),
            "township": obj.get("township", ""),
            "pollution_types": obj.get("pollution_types") or [],
        }
    return {
        "id": obj.uscc,
        "name": obj.name,
        "industry": obj.industry or "",
        "township": obj.township or "",
        "pollution_types": list(obj.pollution_types or []),
    }


def pool_strata(session: Session, period: str, task_id: int | None = None) -> list[dict]:
    """The pool per stratum after exclusions and the task scope, from `app.services.rules.quota.draw_strata`."""
    from app.services.rules.quota import draw_strata

    return [
        {
            "category": sc.category,
            "stratum": sc.stratum,
            "mode": sc.mode or "现场",
            "ratio": sc.ratio or "",
            "required": sc.required,
            "objects": [_object_dict(o) for o in sc.objects],
        }
        for sc in draw_strata(session, period, task_id=task_id)
    ]


def eligible_people(session: Session) -> list[dict]:
    """On-duty 执法人员 holding a 执法证号, and on-duty 专家 (辅助人员 are not drawn into teams)."""
    people = []
    rows = session.scalars(select(Inspector).where(Inspector.on_duty.is_(True))).all()
    for p in rows:
        if p.kind == "执法人员" and (p.cert_no or "").strip():
            pid = p.cert_no.strip()
        elif p.kind == "专家":
            pid = (p.cert_no or "").strip() or (p.id_no or "").strip() or f"专家:{p.name}"
        else:
            continue
        people.append(
            {
                "id": pid,
                "name": p.name,
                "cert": (p.cert_no or "").strip(),
                "kind": p.kind,
                "expertise": list(p.expertise or []),
                "region": p.region or "",
                "avoid": list(p.avoid_usccs or []),
            }
        )
    return people


def _task_info(session: Session, task_id: int | None) -> dict | None:
    if task_id is None:
        return None
    task = session.get(Task, task_id)
    if task is None:
        raise UserError(f"抽查任务 {task_id} 不存在，请先在“抽查计划”中建立任务，或不指定 --task。")
    return {"id": task.id, "code": task.code, "name": task.name, "draw_type": task.draw_type}


# ----------------------------------------------------------------------------------------------
# State machine


def get_draw(session: Session, draw_id: int) -> Draw:
    d = session.get(Draw, int(draw_id))
    if d is None:
        raise UserError(f"抽取记录 {draw_id} 不存在。请用“ssj draw list”查看已有的抽取。")
    return d


def _refuse_duplicate(session: Session, period: str, task_id: int | None, *, except_id: int | None = None) -> None:
    q = select(Draw).where(Draw.period == period, Draw.state != DrawState.VOIDED)
    q = q.where(Draw.task_id.is_(None)) if task_id is None else q.where(Draw.task_id == task_id)
    for d in session.scalars(q):
        if d.id == except_id:
            continue
        what = DrawState.CONFIRMED if d.state == DrawState.CONFIRMED else f"尚在进行（{d.state}）"
        raise UserError(
            f"{period}{'（任务 ' + str(task_id) + '）' if task_id else ''} 已有抽取 #{d.id}{what}。"
            f"同一任务同一期间只能有一次有效抽取；如确需重抽，请先作废 #{d.id} 并说明原因，再用新的随机种子抽取。"
        )


def create(session: Session, period: str, task_id: int | None = None) -> Draw:
    """A new draw in 草稿."""
    permissions.require(session, "draw.run")
    require_office(session)
    p = parse_period(period).code
    _task_info(session, task_id)
    _refuse_duplicate(session, p, task_id)
    d = Draw(
        period=p,
        task_id=task_id,
        state=DrawState.DRAFT,
        created_by=current_user(),
        witnesses=[],
        live_key=live_key(p, task_id),
    )
    session.add(d)
    try:
        session.flush()
    except IntegrityError:
        # another process made the live draw of this task and period between our check and our write: the
        # database's unique live_key refused this one. Say which draw holds the slot.
        session.rollback()
        _refuse_duplicate(session, p, task_id)
        raise UserError(
            f"{p} 已有一次有效抽取（另一台电脑或另一个窗口刚刚完成）。同一任务同一期间只能有一次有效抽取。"
        ) from None
    audit.record(session, "新建抽取", "draw", d.id, summary=f"{p} 任务 {task_id or '（全部）'}：草稿")
    return d


def _snapshot(
    session: Session,
    period: str,
    task_id: int | None,
    strata=None,
    rules=None,
    exclude: list[str] | None = None,
    exclude_at_limit: bool = False,
) -> tuple[dict, list]:
    """The frozen pool as it stands (objects per stratum, people, team rules) and the objects the office left out
    for its 检查频次 limit (`frequency.apply_exclusions`: they choose, never count): reads only."""
    office = require_office(session)
    if strata is None:
        strata = pool_strata(session, period, task_id)
    strata, exclusions = frequency.apply_exclusions(
        session, period, strata, exclude, at_limit=exclude_at_limit, task_id=task_id
    )
    people = eligible_people(session)
    merged_rules = team_rules(session)
    merged_rules.update(rules or {})
    try:
        snap = algo.build_snapshot(
            office=office.name,
            period=period,
            task=_task_info(session, task_id),
            policy_id=office.policy_id or "",
            strata=strata,
            people=people,
            rules=merged_rules,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    _precheck(snap)
    return snap, exclusions


def _set_frozen(session: Session, d: Draw, snap: dict, text: str = "", exclusions: list | None = None) -> Draw:
    exclusions = list(exclusions or [])
    d.snapshot = text or algo.canonical(snap)
    d.fingerprint = algo.sha256_text(d.snapshot)
    d.algorithm = algo.ALGORITHM
    d.policy_id = snap.get("policy_id", "")
    d.state = DrawState.FROZEN
    d.frozen_at = _now()
    d.exclusions = exclusions
    session.flush()
    excluded_text = f"；按检查频次剔除 {len(exclusions)} 家" if exclusions else ""
    audit.record(
        session,
        "冻结",
        "draw",
        d.id,
        summary=f"{d.period} 对象快照已冻结，指纹 {d.fingerprint}{excluded_text}",
        after={"fingerprint": d.fingerprint, "state": d.state, "exclusions": exclusions},
    )
    return d


def freeze(
    session: Session,
    draw_id: int,
    *,
    strata: list[dict] | None = None,
    rules: dict | None = None,
    exclude: list[str] | None = None,
    exclude_at_limit: bool = False,
) -> Draw:
    """草稿 → 已冻结: snapshot the pool (objects per stratum, people, team rules) and store its fingerprint.

    ``exclude`` / ``exclude_at_limit``: objects the office leaves out because they already reached its yearly
    检查频次 limit (`frequency.apply_exclusions`); they choose, never count, and are recorded on the draw."""
    permissions.require(session, "draw.run")
    d = get_draw(session, draw_id)
    if d.state != DrawState.DRAFT:
        raise UserError(f"抽取 #{d.id} 当前为“{d.state}”，只有草稿可以冻结；冻结后对象库和人员的变动不再影响本次抽取。")
    snap, exclusions = _snapshot(session, d.period, d.task_id, strata, rules, exclude, exclude_at_limit)
    return _set_frozen(session, d, snap, exclusions=exclusions)


def _precheck(snap: dict) -> None:
    """Refuse to freeze a pool that can never give every drawn object a valid team."""
    officers = [p for p in snap["people"] if p["kind"] == "执法人员" and p["cert"]]
    k = max(int(snap["rules"].get("officers_per_team", 2)), 2)
    if len(officers) < k:
        raise UserError(
            f"在岗且持执法证号的执法人员只有 {len(officers)} 名，每个检查组至少需要 {k} 名。"
            "请在“执法人员库”中补充人员（或核对执法证号、在岗状态）后再冻结。"
        )
    total = sum(s["required"] for s in snap["strata"])
    cap = int(snap["rules"].get("cap_per_inspector", 0) or 0)
    if cap and cap * len(officers) < k * total:
        raise UserError(
            f"本期应抽 {total} 家，每家 {k} 名执法人员，需要 {k * total} 人次；"
            f"现有 {len(officers)} 名执法人员、每人上限 {cap} 次，最多 {cap * len(officers)} 人次。"
            "请调高上限或补充人员。"
        )
    # experts never block freezing (no document requires one): an object lacking its expert is listed in
    # the record's `unassigned` and keeps its officers
    short = _objects_short_of_people(snap, officers, k)
    if short:
        lines = "；".join(f"{o['name']}（{o['id']}）：{why}" for o, why in short[:20])
        raise UserError(
            f"有 {len(short)} 家范围内对象在回避/异地交叉规则下凑不齐检查组，若被抽中将无法组成有效检查组：{lines}。"
            "请补充人员、核对回避名单或调整选派规则后再冻结。",
            details=[{"统一社会信用代码": o["id"], "单位": o["name"], "原因": why} for o, why in short],
        )


def _objects_short_of_people(snap: dict, officers: list[dict], k: int) -> list[tuple[dict, str]]:
    """Objects (of strata to be drawn) for which the hard rules (回避, 异地交叉) leave too few people.

    Checked before the seed exists so that a draw cannot fail on them afterwards. Counting is linear:
    eligible = people − people of the object's township (异地交叉) − other people avoiding it."""
    rules = snap["rules"]
    cross = bool(rules.get("cross_region"))
    avoidance = rules.get("avoidance", True)

    def counter(people):
        by_region: dict[str, int] = {}
        avoiders: dict[str, list[dict]] = {}
        for p in people:
            if p["region"]:
                by_region[p["region"]] = by_region.get(p["region"], 0) + 1
            if avoidance:
                for u in p["avoid"]:
                    avoiders.setdefault(u, []).append(p)

        def eligible(obj) -> int:
            n = len(people)
            if cross and obj["township"]:
                n -= by_region.get(obj["township"], 0)
            for p in avoiders.get(obj["id"], []):
                if not (cross and obj["township"] and p["region"] == obj["township"]):
                    n -= 1
            return n

        return eligible

    officer_count = counter(officers)
    short = []
    for s in snap["strata"]:
        if not s["required"]:
            continue
        for o in s["objects"]:
            n = officer_count(o)
            if n < k:
                short.append((o, f"符合回避/异地规则的执法人员只有 {n} 名"))
    return short


def start(
    session: Session,
    period: str,
    task_id: int | None = None,
    *,
    strata: list[dict] | None = None,
    rules: dict | None = None,
    exclude: list[str] | None = None,
    exclude_at_limit: bool = False,
) -> Draw:
    """create + freeze in one transaction (the draw page's 冻结 button)."""
    plan = plan_draw(
        session, period, task_id, strata=strata, rules=rules, exclude=exclude, exclude_at_limit=exclude_at_limit
    )  # reads and computes first
    return write_draw(session, plan)  # then the writes, together


def frequency_notes(session: Session, period: str, task_id: int | None = None) -> dict:
    """What freezing this task and period would show about 涉企检查频次 (`frequency.freeze_notes`)."""
    return frequency.freeze_notes(session, parse_period(period).code, task_id, pool_strata(session, period, task_id))


def snapshot_of(d: Draw) -> dict:
    snap = json.loads(d.snapshot)
    if algo.fingerprint(snap) != d.fingerprint:
        raise UserError(f"抽取 #{d.id} 的对象快照与冻结时公示的指纹不符，快照已被改动。请作废此抽取并报告。")
    return snap


def _chain_head(session: Session) -> tuple[int, str]:
    last_seq, last_hash = 0, GENESIS
    for d in session.scalars(select(Draw).where(Draw.state.in_(RECORDED_DRAW_STATES), Draw.record != "")):
        try:
            rec = json.loads(d.record)
        except ValueError:
            continue
        if int(rec.get("chain_seq", 0)) > last_seq:
            last_seq, last_hash = int(rec["chain_seq"]), rec.get("record_hash", "")
    return last_seq, last_hash


def _chain_key(session: Session) -> tuple:
    """What `_chain_head` depends on, read without the records themselves (megabytes each at 100,000 objects):
    equal keys, equal heads — the write step checks it instead of parsing every record under the lock."""
    return tuple(
        session.execute(
            select(Draw.id, Draw.state, Draw.record_hash).where(Draw.record_hash != "").order_by(Draw.id)
        ).all()
    )


def canonical_with(obj: dict, texts: dict[str, str]) -> str:
    """`algo.canonical(obj)` of a dict whose values under the keys of `texts` are already serialized there
    (canonically): the snapshot and the result of a 100,000-object draw are serialized once, outside the
    write lock, and only spliced into the record inside it."""
    parts = []
    for key in sorted(obj):
        value = texts[key] if key in texts else algo.canonical(obj[key])
        parts.append(f"{algo.canonical(key)}:{value}")
    return "{" + ",".join(parts) + "}"


MIN_WITNESSES = 2


def check_witnesses(witnesses: list[str] | None, no_witness_reason: str = "") -> tuple[list[str], str]:
    """The ceremony: at least two distinct witnesses, or a written reason why there were none (on the record)."""
    names: list[str] = []
    for w in witnesses or []:
        name = " ".join((w or "").split())
        if name and name not in names:
            names.append(name)
    reason = " ".join((no_witness_reason or "").split())
    if len(names) >= MIN_WITNESSES:
        return names, ""
    if reason:
        return names, reason
    given = f"只给了 {len(names)} 名（{'、'.join(names)}）" if names else "没有给出见证人"
    raise UserError(
        f"随机抽取须有至少 {MIN_WITNESSES} 名不同的见证人，{given}。请填写两名见证人的姓名"
        "（命令行：--witness 甲 --witness 乙）；确实无人见证时，写明原因（--no-witness-reason 原因），"
        "原因将打印在抽取记录上。"
    )


# ----------------------------------------------------------------------------------------------
# The draw in two steps (issue 13 point 5): everything is read and computed first — from one consistent read,
# without the write lock — then written in one short transaction that checks nothing changed meanwhile.
# A 20,000-object draw used to hold the write lock for its whole computation (~21 s on a loaded machine).


class PoolChanged(UserError):
    """The pool, people or rules changed between the draw's read and its write: compute again."""


@dataclass
class DrawPlan:
    """What the write step needs, computed by `plan_draw` (reads only)."""

    period: str
    task_id: int | None
    draw_id: int | None  # a frozen draw to draw (None: create and freeze a new one)
    snap: dict
    fingerprint: str
    token: tuple | None  # the audit log's head when the pool was read (a new draw only)
    algorithm: str = algo.ALGORITHM
    seed: str = ""  # "" : freeze only
    seed_source: str = "骰子"
    witnesses: list = field(default_factory=list)
    no_witness_reason: str = ""
    result: dict | None = None
    snapshot_text: str = ""  # canonical JSON, computed outside the write lock
    result_text: str = ""
    exclusions: list = field(default_factory=list)  # objects left out for the 检查频次 limit (freezing only)
    result_texts: dict = field(default_factory=dict)  # canonical JSON of each key of `result`
    chain: tuple | None = None  # the draw-record chain's (seq, hash) when read, with
    chain_key: tuple | None = None  # what it depended on (`_chain_key`), checked again in the write step


def data_version(session: Session) -> tuple[int, str]:
    """The audit log's head (every data change is audited): equal heads, unchanged data."""
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return (row.seq, row.hash) if row is not None else (0, audit.GENESIS)


def _require_frozen(d: Draw) -> None:
    if d.state != DrawState.FROZEN:
        if d.state == DrawState.DRAFT:
            raise UserError(f"抽取 #{d.id} 尚未冻结：请先冻结对象范围并公示指纹，再产生随机种子。")
        raise UserError(
            f"抽取 #{d.id} 当前为“{d.state}”，随机种子只能输入一次，不能重新抽取。"
            "如确需重抽，请作废后新建抽取并使用新的种子。"
        )


def _checked_seed(session: Session, draw_id: int | None, seed: str, seed_source: str) -> str:
    if seed_source not in SEED_SOURCES:
        raise UserError(f"种子来源“{seed_source}”无效，应为 {'、'.join(SEED_SOURCES)}。")
    seed = (seed or "").strip().replace(" ", "")
    try:
        seed = algo.check_seed(seed, generated=seed_source == "计算机生成")
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    q = select(Draw).where(Draw.seed == seed)
    if draw_id is not None:
        q = q.where(Draw.id != draw_id)
    used = session.scalar(q)
    if used is not None:
        raise UserError(
            f"随机种子 {seed} 已在抽取 #{used.id}（{used.period}，{used.state}）中使用过。每次抽取必须使用新的种子。"
        )
    failed = failed_attempt(session, seed)
    if failed is not None:
        raise UserError(
            f"随机种子 {seed} 已于 {failed.ts} 用于一次未成功的抽取（审计日志第 {failed.seq} 条），不能再用。"
            "请重新掷骰子产生新的种子。"
        )
    return seed


def plan_draw(
    session: Session,
    period: str | None = None,
    task_id: int | None = None,
    seed: str | None = None,
    *,
    draw_id: int | None = None,
    seed_source: str = "骰子",
    witnesses: list[str] | None = None,
    no_witness_reason: str = "",
    strata: list[dict] | None = None,
    rules: dict | None = None,
    exclude: list[str] | None = None,
    exclude_at_limit: bool = False,
) -> DrawPlan:
    """Step 1, reads only: the snapshot of a new draw of `period` (or the frozen draw `draw_id`) and, with a
    seed, the result. A seed that leaves objects without a valid team raises `UnassignedError` here."""
    permissions.require(session, "draw.run")
    if seed is not None:
        witnesses, no_witness_reason = check_witnesses(witnesses, no_witness_reason)  # before anything else
    if draw_id is not None:
        d = get_draw(session, draw_id)
        if seed is not None:
            _require_frozen(d)
        elif d.state != DrawState.DRAFT:
            raise UserError(
                f"抽取 #{d.id} 当前为“{d.state}”，只有草稿可以冻结；冻结后对象库和人员的变动不再影响本次抽取。"
            )
        p, task_id = d.period, d.task_id
        token = data_version(session) if d.state == DrawState.DRAFT else None
        if d.state == DrawState.FROZEN:
            snap, exclusions = snapshot_of(d), list(d.exclusions or [])
        else:
            snap, exclusions = _snapshot(session, p, task_id, strata, rules, exclude, exclude_at_limit)
        algorithm = d.algorithm or algo.ALGORITHM
    else:
        require_office(session)
        p = parse_period(period).code
        _task_info(session, task_id)
        _refuse_duplicate(session, p, task_id)
        token = data_version(session)  # read first: whatever is read below is at least this recent
        snap, exclusions = _snapshot(session, p, task_id, strata, rules, exclude, exclude_at_limit)
        algorithm = algo.ALGORITHM
    text = algo.canonical(snap)
    plan = DrawPlan(
        period=p, task_id=task_id, draw_id=draw_id, snap=snap, fingerprint=algo.sha256_text(text), token=token,
        algorithm=algorithm, snapshot_text=text, exclusions=exclusions,
    )  # fmt: skip
    if seed is None:
        return plan
    plan.seed = _checked_seed(session, draw_id, seed, seed_source)
    plan.seed_source, plan.witnesses, plan.no_witness_reason = seed_source, witnesses, no_witness_reason
    plan.result = algo.compute_draw(snap, plan.seed, algorithm)
    plan.result_texts = {k: algo.canonical(v) for k, v in plan.result.items()}
    plan.result_text = canonical_with(plan.result, plan.result_texts)
    plan.chain_key, plan.chain = _chain_key(session), _chain_head(session)
    blocking = algo.teamless(plan.result)  # objects only lacking an expert keep their officers and do not block
    if blocking:
        lines = "；".join(f"{u['name']}（{u['uscc']}）：{u['reason']}" for u in blocking[:20])
        raise UnassignedError(
            f"有 {len(blocking)} 家被抽中对象无法组成有效检查组（绝不安排一人检查）：{lines}。"
            "本次抽取未保存，此种子作废（记入审计日志）。请补充执法人员/专家或调整选派规则后，作废本抽取并重新冻结。",
            details=[{"统一社会信用代码": u["uscc"], "单位": u["name"], "原因": u["reason"]} for u in blocking],
            draw_id=draw_id,
            period=p,
            task_id=task_id,
            seed=plan.seed,
            fingerprint=plan.fingerprint,
        )
    return plan


def write_draw(session: Session, plan: DrawPlan) -> Draw:
    """Step 2, in the write transaction: check that what `plan_draw` read still stands (else `PoolChanged`),
    then write the draw, its record, rows and audit entries together."""
    permissions.require(session, "draw.run")
    if plan.token is not None and data_version(session) != plan.token:
        raise PoolChanged(
            "抽取计算期间，对象库、执法人员或规则被其他用户修改了，按旧数据算出的结果不能保存。请重新抽取。"
        )
    if plan.draw_id is None:
        d = _set_frozen(
            session, create(session, plan.period, plan.task_id), plan.snap, plan.snapshot_text, plan.exclusions
        )
    else:
        d = get_draw(session, plan.draw_id)
        if plan.token is not None:  # a draft frozen now
            if d.state != DrawState.DRAFT:
                raise PoolChanged(f"抽取 #{d.id} 已被其他用户冻结或作废（当前为“{d.state}”）。")
            _set_frozen(session, d, plan.snap, plan.snapshot_text, plan.exclusions)
        elif d.state != DrawState.FROZEN or d.fingerprint != plan.fingerprint:
            raise UserError(
                f"抽取 #{d.id} 在计算期间已被其他用户抽取、作废或重新冻结（当前为“{d.state}”），本次结果没有保存。"
            )
    if not plan.seed:
        return d
    _checked_seed(session, d.id, plan.seed, plan.seed_source)  # again, under the write lock
    return _record_draw(session, d, plan)


def perform(
    session: Session,
    draw_id: int,
    seed: str,
    *,
    seed_source: str = "骰子",
    witnesses: list[str] | None = None,
    no_witness_reason: str = "",
) -> Draw:
    """已冻结 → 已抽取: enter the seed once, compute, store result, record and rows; nothing on refusal.

    Needs two distinct witnesses or `no_witness_reason`, which then becomes part of the hashed record.
    (One session; `attempts.perform` computes outside the write lock.)"""
    plan = plan_draw(
        session, seed=seed, draw_id=int(draw_id), seed_source=seed_source, witnesses=witnesses,
        no_witness_reason=no_witness_reason,
    )  # fmt: skip
    return write_draw(session, plan)


def _record_draw(session: Session, d: Draw, plan: DrawPlan) -> Draw:
    seed, seed_source, witnesses = plan.seed, plan.seed_source, plan.witnesses
    no_witness_reason, result, snap = plan.no_witness_reason, plan.result, plan.snap
    office = require_office(session)
    # Logging the seed first takes the audit log's head lock (held until commit): two offices' clients
    # drawing at the same time on PostgreSQL cannot both take the same place in the record chain.
    audit.record(
        session,
        "输入种子",
        "draw",
        d.id,
        summary=f"{d.period} 种子 {seed}（{seed_source}）",
        after={
            "seed": seed,
            "seed_source": seed_source,
            "witnesses": witnesses,
            "no_witness_reason": no_witness_reason,
        },
    )
    if plan.chain is not None and _chain_key(session) == plan.chain_key:
        seq, prev = plan.chain  # read with the pool; no record was added, changed or voided since
    else:
        seq, prev = _chain_head(session)
    d.seed = seed
    d.seed_source = seed_source
    d.witnesses = witnesses
    d.drawn_at = _now()
    d.state = DrawState.DRAWN
    record = {
        "format": algo.RECORD_FORMAT,
        "algorithm": d.algorithm or algo.ALGORITHM,
        "draw_id": d.id,
        "office": office.name,
        "period": d.period,
        "task": snap.get("task"),
        "policy_id": snap.get("policy_id", ""),
        "snapshot": snap,
        "fingerprint": d.fingerprint,
        "seed": seed,
        "seed_source": seed_source,
        "witnesses": witnesses,
        **({"no_witness_reason": no_witness_reason} if no_witness_reason else {}),
        "frozen_at": _iso(d.frozen_at),
        "drawn_at": _iso(d.drawn_at),
        "drawn_by": current_user(),
        "chain_seq": seq + 1,
        "previous_hash": prev,
        **result,
    }
    # The snapshot and the result were serialized outside the write lock: spliced in here, never again
    # (equal to `algo.record_hash(record)` and `algo.canonical(record)`).
    texts = {"snapshot": plan.snapshot_text or algo.canonical(snap)}
    if plan.result_texts:
        texts.update(plan.result_texts)
    core = {k: v for k, v in record.items() if k not in algo.UNHASHED}
    record["record_hash"] = algo.sha256_text(canonical_with(core, texts))
    record["amendments"] = []
    d.result = plan.result_text or algo.canonical(result)
    d.previous_hash = prev
    d.record_hash = record["record_hash"]
    d.record = canonical_with(record, texts)
    session.flush()
    _store_rows(session, d, record)
    audit.record(
        session,
        "抽取",
        "draw",
        d.id,
        summary=f"{d.period} 种子 {seed}（{seed_source}），抽取 {sum(len(s['selected']) for s in record['strata'])} 家",
        after={"record_hash": d.record_hash, "seed": seed, "fingerprint": d.fingerprint, "chain_seq": seq + 1},
    )
    return d


class UnassignedError(UserError):
    """The seed gave drawn objects for which no valid team exists: nothing of the draw is stored."""

    def __init__(self, message: str, *, details=None, draw_id=None, period="", task_id=None, seed="", fingerprint=""):
        super().__init__(message, details=details)
        self.attempt = {
            "draw_id": draw_id,
            "period": period,
            "task_id": task_id,
            "seed": seed,
            "fingerprint": fingerprint,
            "unassigned": [d["统一社会信用代码"] for d in (details or [])],
        }


def record_failed_attempt(session: Session, exc: UnassignedError) -> None:
    """Log a refused draw in the audit log (in a new transaction), so its seed is burnt and the attempt visible."""
    permissions.require(session, "draw.run")
    a = exc.attempt
    audit.record(
        session,
        "抽取未成功",
        "draw",
        a["draw_id"] or "",
        summary=f"{a['period']} 种子 {a['seed']}：{len(a['unassigned'])} 家对象无法组成检查组，未保存",
        after=a,
    )


def failed_attempt(session: Session, seed: str):
    for e in session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "抽取未成功", AuditEntry.entity == "draw", AuditEntry.after.contains(seed)
        )
    ):
        try:
            if json.loads(e.after).get("seed") == seed:
                return e
        except ValueError:
            continue
    return None


def draw_now(
    session: Session,
    period: str,
    task_id: int | None,
    seed: str,
    *,
    seed_source: str = "骰子",
    witnesses: list[str] | None = None,
    strata: list[dict] | None = None,
    no_witness_reason: str = "",
) -> Draw:
    """For scripts: create, freeze and draw in one transaction."""
    plan = plan_draw(
        session, period, task_id, seed, seed_source=seed_source, witnesses=witnesses,
        no_witness_reason=no_witness_reason, strata=strata,
    )  # fmt: skip
    return write_draw(session, plan)


def _object_ids(session: Session, usccs: list[str]) -> dict[str, int]:
    out = {}
    for i in range(0, len(usccs), 500):
        chunk = usccs[i : i + 500]
        for oid, code in session.execute(
            select(InspectionObject.id, InspectionObject.uscc).where(InspectionObject.uscc.in_(chunk))
        ):
            out[code] = oid
    return out


def _inspector_ids(session: Session) -> dict[str, int]:
    out = {}
    for p in session.scalars(select(Inspector)):
        for key in ((p.cert_no or "").strip(), (p.id_no or "").strip(), f"专家:{p.name}"):
            if key and key not in out:
                out[key] = p.id
    return out


def _store_rows(session: Session, d: Draw, record: dict) -> None:
    """The drawn objects and their teams as rows, written in bulk and audited as ONE entry carrying a digest
    of the rows (`selection_digest`), instead of one audit entry per row: a draw on a 50,000-object pool
    held the write lock for over 10 s writing ~23,000 audit rows (issue 13, point 5)."""
    from sqlalchemy import insert

    usccs = [e["uscc"] for s in record["strata"] for e in s["selected"]]
    ids = _object_ids(session, usccs)
    people = _inspector_ids(session)
    entries = [(s, e) for s in record["strata"] for e in s["selected"]]
    if not entries:
        return
    mixed = [e["uscc"] for s in record["strata"] if s["mode"] not in ("现场", "非现场") for e in s["selected"]]
    modes = _object_modes(session, d.period, mixed)
    mixed = set(mixed)
    sel_rows = [
        {
            "draw_id": d.id,
            "object_id": ids.get(e["uscc"]),
            "uscc": e["uscc"],
            "name": e["name"],
            "category": s["category"],
            "stratum": s["stratum"],
            "mode": (modes.get(e["uscc"], "现场") if e["uscc"] in mixed else s["mode"]) or "现场",
            "ticket": e["ticket"],
            "rank": e["rank"],
            "active": True,
            "replaced_reason": "",
            "replacement_of_id": None,
        }
        for s, e in entries
    ]
    sel_ids = session.scalars(
        insert(DrawSelection).returning(DrawSelection.id, sort_by_parameter_order=True), sel_rows
    ).all()
    for row, sel_id in zip(sel_rows, sel_ids):
        row["id"] = sel_id
    team_rows = [
        {
            "selection_id": sel_id,
            "inspector_id": people.get(m["id"]),
            "name": m["name"],
            "cert": m["cert"],
            "role": m["role"],
            "active": True,
            "replaced_reason": "",
            "approved_by": "",
            "replacement_of_id": None,
            "extra": {"id": m["id"]},
        }
        for sel_id, (_s, e) in zip(sel_ids, entries)
        for m in e["team"]
    ]
    if team_rows:
        session.execute(insert(TeamMember), team_rows)
    audit.record(
        session,
        "抽取明细",
        "draw_selection",
        d.id,
        summary=f"抽取 #{d.id}：写入 {len(sel_rows)} 家抽中对象、{len(team_rows)} 名检查组成员（一条记录，附明细摘要）",
        after={"rows": len(sel_rows), "team_rows": len(team_rows), "digest": selection_digest(sel_rows, team_rows)},
    )


def selection_digest(sel_rows: list[dict], team_rows: list[dict]) -> str:
    """SHA-256 over the drawn rows as stored (what `audit verify` can recompute from the tables): per
    selection (with its "id") uscc, name, category, stratum, mode, ticket, rank, then its team members
    (name, cert, role, inspector id from `extra`), sorted by ticket then uscc."""
    import hashlib

    teams: dict = {}
    for t in team_rows:
        teams.setdefault(t["selection_id"], []).append([t["name"], t["cert"], t["role"], (t["extra"] or {}).get("id")])
    items = []
    for r in sel_rows:
        team = teams.get(r["id"], [])
        items.append([r["uscc"], r["name"], r["category"], r["stratum"], r["mode"], r["ticket"], r["rank"], team])
    items.sort(key=lambda x: (x[5], x[0]))
    return hashlib.sha256(json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _object_modes(session: Session, period: str, usccs: list[str]) -> dict[str, str]:
    """现场/非现场 of each drawn object of a stratum checked both ways (rules: one ratio, one rounding)."""
    if not usccs:
        return {}
    from app.services.rules.quota import object_modes

    return object_modes(session, period, usccs)


def _add_selection(session, d, e, category, stratum, mode, ids, people, replacement_of=None) -> DrawSelection:
    sel = DrawSelection(
        draw_id=d.id,
        object_id=ids.get(e["uscc"]),
        uscc=e["uscc"],
        name=e["name"],
        category=category,
        stratum=stratum,
        mode=mode or "现场",
        ticket=e["ticket"],
        rank=e["rank"],
        active=True,
        replacement_of_id=replacement_of,
    )
    session.add(sel)
    session.flush()
    for m in e["team"]:
        session.add(
            TeamMember(
                selection_id=sel.id,
                inspector_id=people.get(m["id"]),
                name=m["name"],
                cert=m["cert"],
                role=m["role"],
                active=True,
                extra={"id": m["id"]},
            )
        )
    session.flush()
    return sel


def record_of(d: Draw) -> dict:
    if not d.record:
        raise UserError(f"抽取 #{d.id} 当前为“{d.state}”，尚未抽取，没有抽取记录。")
    return json.loads(d.record)


def _amend(session: Session, d: Draw, amendment: dict) -> dict:
    record = record_of(d)
    problems = algo.verify_record(record)
    if problems:
        raise UserError(f"抽取 #{d.id} 的记录校验不通过，不能再做变更：{problems[0]}")
    amendments = list(record.get("amendments", []))
    amendment = dict(
        amendment,
        seq=len(amendments) + 1,
        prev=amendments[-1]["hash"] if amendments else record["record_hash"],
        at=_iso(_now()),
        by=current_user(),
    )
    amendment["hash"] = algo.amendment_hash(amendment)
    record["amendments"] = amendments + [amendment]
    d.record = algo.canonical(record)
    return amendment


def confirm(session: Session, draw_id: int) -> Draw:
    permissions.require(session, "draw.confirm")
    d = get_draw(session, draw_id)
    if d.state != DrawState.DRAWN:
        raise UserError(f"抽取 #{d.id} 当前为“{d.state}”，只有“已抽取”的记录可以确认。")
    _amend(session, d, {"kind": "确认"})
    d.state = DrawState.CONFIRMED
    d.confirmed_at = _now()
    d.confirmed_by = current_user()
    session.flush()
    audit.record(session, "确认", "draw", d.id, summary=f"{d.period} 抽取结果已确认", after={"state": d.state})
    return d


def void(session: Session, draw_id: int, reason: str) -> Draw:
    permissions.require(session, "draw.void")
    d = get_draw(session, draw_id)
    reason = (reason or "").strip()
    if not reason:
        raise UserError("作废抽取必须填写原因（--reason）。")
    if d.state == DrawState.VOIDED:
        raise UserError(f"抽取 #{d.id} 已于 {d.voided_at} 作废。")
    if d.state == DrawState.CONFIRMED:
        raise UserError(f"抽取 #{d.id} 已确认，不能作废；被抽中对象如已注销/迁出/停产/无法联系，请用“替换”记录。")
    if d.record:
        _amend(session, d, {"kind": "作废", "reason": reason})
    d.state = DrawState.VOIDED
    d.live_key = None  # the slot is free again: a new draw with a new seed may be made
    d.voided_at = _now()
    d.voided_by = current_user()
    d.void_reason = reason
    session.flush()
    audit.record(
        session,
        "作废",
        "draw",
        d.id,
        summary=f"{d.period} 抽取作废：{reason}",
        after={"state": d.state, "reason": reason},
    )
    return d


def _replacement_mode(session: Session, d: Draw, record: dict, entry: dict, old) -> str:
    """The stratum's mode, or — in a stratum checked both ways — the replacement object's own mode."""
    mode = next(
        (
            s.get("mode", "现场")
            for s in record["snapshot"]["strata"]
            if s["category"] == entry["category"] and s["stratum"] == entry["stratum"]
        ),
        old.mode if old is not None else "现场",
    )
    if mode in ("现场", "非现场"):
        return mode
    return _object_modes(session, d.period, [entry["uscc"]]).get(entry["uscc"], "现场")


def _require_drawn(d: Draw) -> None:
    if d.state not in (DrawState.DRAWN, DrawState.CONFIRMED):
        raise UserError(f"抽取 #{d.id} 当前为“{d.state}”，只能对已抽取或已确认的结果做替换。")


def replace_object(session: Session, draw_id: int, uscc: str, reason: str) -> dict:
    """A drawn object found 注销/迁出/停产/无法联系 → the next ticket of its stratum; no new seed."""
    permissions.require(session, "draw.replace")
    d = get_draw(session, draw_id)
    _require_drawn(d)
    uscc = (uscc or "").strip().upper()
    reason = (reason or "").strip()
    record = record_of(d)
    try:
        entry = algo.plan_replacement(
            record["snapshot"], record["seed"], record.get("amendments", []), uscc, reason, record["algorithm"]
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    amendment = _amend(session, d, {"kind": "对象替换", "uscc": uscc, "reason": reason, "replacement": entry})
    old = session.scalar(
        select(DrawSelection).where(
            DrawSelection.draw_id == d.id, DrawSelection.uscc == uscc, DrawSelection.active.is_(True)
        )
    )
    if old is not None:
        old.active = False
        old.replaced_reason = reason
    session.flush()
    _add_selection(
        session,
        d,
        entry,
        entry["category"],
        entry["stratum"],
        _replacement_mode(session, d, record, entry, old),
        _object_ids(session, [entry["uscc"]]),
        _inspector_ids(session),
        replacement_of=old.id if old is not None else None,
    )
    audit.record(
        session,
        "替换对象",
        "draw",
        d.id,
        summary=f"{uscc}（{reason}）由第 {entry['rank']} 签 {entry['uscc']} 替补",
        after={"amendment": amendment["hash"], "replacement": entry["uscc"]},
    )
    return amendment


def replace_member(session: Session, draw_id: int, uscc: str, person: str, reason: str, approver: str) -> dict:
    """Replace an assigned inspector of one object (reason + approving leader, 威海 第二十一条)."""
    permissions.require(session, "draw.replace")
    d = get_draw(session, draw_id)
    _require_drawn(d)
    reason, approver = (reason or "").strip(), (approver or "").strip()
    if not reason:
        raise UserError("更换检查人员必须说明原因。")
    if not approver:
        raise UserError("更换检查人员必须经领导批准：请填写批准人。")
    record = record_of(d)
    uscc = (uscc or "").strip().upper()
    team = next((e["team"] for e in algo.current_selection(record) if e["uscc"] == uscc), None)
    if team is None:
        raise UserError(f"对象 {uscc} 不在抽取 #{d.id} 的有效结果中。")
    old = next((m for m in team if person in (m["id"], m["name"], m["cert"])), None)
    if old is None:
        raise UserError(f"“{person}”不在对象 {uscc} 的检查组中（组员：{'、'.join(m['name'] for m in team)}）。")
    try:
        out = algo.plan_member_replacement(
            record["snapshot"], record["seed"], record.get("amendments", []), uscc, old["id"], record["algorithm"]
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    amendment = _amend(
        session,
        d,
        {
            "kind": "人员替换",
            "uscc": uscc,
            "old": old,
            "new": out["member"],
            "skips": out["skips"],
            "at_cap": out["at_cap"],
            "reason": reason,
            "approver": approver,
        },
    )
    sel = session.scalar(
        select(DrawSelection).where(
            DrawSelection.draw_id == d.id, DrawSelection.uscc == uscc, DrawSelection.active.is_(True)
        )
    )
    if sel is not None:
        tm = session.scalar(
            select(TeamMember).where(
                TeamMember.selection_id == sel.id,
                TeamMember.active.is_(True),
                TeamMember.name == old["name"],
                TeamMember.cert == old["cert"],
            )
        )
        if tm is not None:
            tm.active = False
            tm.replaced_reason = reason
            tm.approved_by = approver
        new = out["member"]
        session.add(
            TeamMember(
                selection_id=sel.id,
                inspector_id=_inspector_ids(session).get(new["id"]),
                name=new["name"],
                cert=new["cert"],
                role=new["role"],
                active=True,
                approved_by=approver,
                replaced_reason="",
                replacement_of_id=tm.id if tm is not None else None,
                extra={"id": new["id"]},
            )
        )
    session.flush()
    audit.record(
        session,
        "更换检查人员",
        "draw",
        d.id,
        summary=f"{uscc}：{old['name']} → {out['member']['name']}（{reason}，批准人 {approver}）",
        after={"amendment": amendment["hash"]},
    )
    return amendment


# ----------------------------------------------------------------------------------------------
# Reading


def list_draws(session: Session) -> list[dict]:
    rows = []
    for d in session.scalars(select(Draw).order_by(Draw.id)):
        n = session.query(DrawSelection).filter(DrawSelection.draw_id == d.id, DrawSelection.active.is_(True)).count()
        rows.append(
            {
                "id": d.id,
                "period": d.period,
                "task_id": d.task_id,
                "state": d.state,
                "seed": d.seed,
                "fingerprint": d.fingerprint,
                "record_hash": d.record_hash,
                "selected": n,
                "created_by": d.created_by,
                "drawn_at": _iso(d.drawn_at),
                "void_reason": d.void_reason,
            }
        )
    return rows


def export_record(d: Draw) -> dict:
    """The self-contained record as exported (what `ssj verify` checks)."""
    record = record_of(d)
    record["state"] = d.state  # informative only: not hashed; the amendments carry the state changes
    return record


def verifier_path():
    return resources.files("resources") / "verifier" / "ssj_verify.py"


def copy_verifier(out_dir) -> Path:
    target = Path(out_dir) / "ssj_verify.py"
    with resources.as_file(verifier_path()) as src:
        shutil.copyfile(src, target)
    return target


# ----------------------------------------------------------------------------------------------
# Tamper checks


def verify_draw_row(session: Session, d: Draw) -> str:
    """'' if the draw's DB rows are consistent with its (re-computed) record, else the first problem."""
    label = f"抽取 #{d.id}（{d.period}）"
    if d.state == DrawState.DRAFT:
        return ""
    try:
        snap = json.loads(d.snapshot)
    except ValueError:
        return f"{label} 的对象快照不是有效的 JSON，已被改动。"
    if algo.fingerprint(snap) != d.fingerprint:
        return f"{label} 的对象快照与冻结时的指纹 {d.fingerprint} 不符，快照或指纹已被改动。"
    if not d.record:
        return f"{label} 状态为“{d.state}”却没有抽取记录。" if d.state in (DrawState.DRAWN, DrawState.CONFIRMED) else ""
    try:
        record = json.loads(d.record)
    except ValueError:
        return f"{label} 的抽取记录不是有效的 JSON，已被改动。"
    problems = algo.verify_record(record)
    if problems:
        return f"{label}：{problems[0]}"
    if record.get("draw_id") != d.id:
        return f"{label} 存放的是抽取 #{record.get('draw_id')} 的记录，记录被调换。"
    checks = [
        ("seed", d.seed, record["seed"], "随机种子"),
        ("fingerprint", d.fingerprint, record["fingerprint"], "指纹"),
        ("record_hash", d.record_hash, record["record_hash"], "记录哈希"),
        ("previous_hash", d.previous_hash, record["previous_hash"], "前一记录哈希"),
    ]
    for _k, row_value, rec_value, word in checks:
        if row_value != rec_value:
            return f"{label} 数据库中的{word}（{row_value}）与抽取记录中的（{rec_value}）不符，已被改动。"
    if d.snapshot != algo.canonical(record["snapshot"]):
        return f"{label} 数据库中的对象快照与抽取记录中的不一致，已被改动。"
    result = {k: record[k] for k in ("strata", "unassigned", "team_order", "caps")}
    if d.result != algo.canonical(result):
        return f"{label} 数据库中的抽取结果与抽取记录不一致，已被改动。"
    kinds = [a["kind"] for a in record.get("amendments", [])]
    expected_state = (
        DrawState.VOIDED if "作废" in kinds else DrawState.CONFIRMED if "确认" in kinds else DrawState.DRAWN
    )
    if d.state != expected_state:
        return f"{label} 的状态为“{d.state}”，但记录中的变更表明应为“{expected_state}”，状态已被改动。"
    if list(d.witnesses or []) != list(record.get("witnesses") or []):
        return (
            f"{label} 数据库中的见证人（{'、'.join(d.witnesses or []) or '无'}）与抽取记录中的"
            f"（{'、'.join(record.get('witnesses') or []) or '无'}）不符，已被改动。"
        )
    return _compare_rows(session, d, label, record)


def _differs(label: str, what: str, stored, recorded) -> str:
    return f"{label} {what}：数据库中为“{stored}”，记录中为“{recorded}”，已被改动。"


def _compare_rows(session: Session, d: Draw, label: str, record: dict) -> str:
    """Every stored selection and team-member row against the hash-covered record; the first difference."""
    current = {e["uscc"]: e for e in algo.current_selection(record)}
    replaced = {a["uscc"] for a in record.get("amendments", []) if a.get("kind") == "对象替换"}
    rows = session.scalars(select(DrawSelection).where(DrawSelection.draw_id == d.id).order_by(DrawSelection.id)).all()
    active = [r for r in rows if r.active]
    have = {r.uscc for r in active}
    if len(have) != len(active) or have != set(current):
        extra = sorted(have - set(current))
        missing = sorted(set(current) - have)
        dup = sorted({r.uscc for r in active if sum(1 for x in active if x.uscc == r.uscc) > 1})
        what = f"多出 {extra[0]}" if extra else f"缺少 {missing[0]}" if missing else f"{dup[0]} 出现两次"
        return f"{label} 数据库中的被抽中对象与抽取记录不一致（{what}），已被改动。"
    for r in rows:
        if not r.active and r.uscc not in replaced:
            return f"{label} 对象 {r.uscc} 在数据库中标为“已替换”，但抽取记录中没有这次替换，已被改动。"
    objects = {
        o.id: o.uscc
        for o in session.scalars(
            select(InspectionObject).where(InspectionObject.id.in_([r.object_id for r in rows if r.object_id]))
        )
    }
    person_keys = _person_keys(session)
    for r in active:
        e = current[r.uscc]
        where = f"对象 {r.uscc}"
        for column, word in (("name", "单位名称"), ("ticket", "签号"), ("rank", "顺位")):
            if getattr(r, column) != e[column]:
                return _differs(label, f"{where}的{word}", getattr(r, column), e[column])
        for column, word in (("category", "监管类别"), ("stratum", "分层"), ("mode", "检查方式")):
            if e.get(column) is not None and getattr(r, column) != e[column]:
                return _differs(label, f"{where}的{word}", getattr(r, column), e[column])
        if r.object_id is not None and objects.get(r.object_id) != r.uscc:
            return (
                f"{label} {where}关联的检查对象（编号 {r.object_id}，统一社会信用代码 "
                f"{objects.get(r.object_id, '不存在')}）不是记录中的 {r.uscc}，已被改动。"
            )
        members = session.scalars(
            select(TeamMember)
            .where(TeamMember.selection_id == r.id, TeamMember.active.is_(True))
            .order_by(TeamMember.id)
        ).all()
        want = {m["id"]: m for m in e["team"]}
        got_ids = [(m.extra or {}).get("id") or m.cert for m in members]
        if sorted(got_ids) != sorted(want) or len(members) != len(e["team"]):
            names = "、".join(m.name for m in members) or "无"
            return (
                f"{label} {where}的检查组成员（{names}）与抽取记录中的"
                f"（{'、'.join(m['name'] for m in e['team'])}）不一致，已被改动。"
            )
        for m, mid in zip(members, got_ids):
            rec = want[mid]
            for column, word in (("name", "姓名"), ("cert", "执法证号"), ("role", "身份")):
                if getattr(m, column) != rec[column]:
                    return _differs(label, f"{where}检查组成员 {rec['name']} 的{word}", getattr(m, column), rec[column])
            if m.inspector_id is not None and mid not in person_keys.get(m.inspector_id, ()):
                return (
                    f"{label} {where}检查组成员 {rec['name']} 关联的人员（编号 {m.inspector_id}）"
                    f"不是记录中的 {rec['name']}（{mid}），已被改动。"
                )
    return ""


def _person_keys(session: Session) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for p in session.scalars(select(Inspector)):
        out[p.id] = {k for k in ((p.cert_no or "").strip(), (p.id_no or "").strip(), f"专家:{p.name}") if k}
    return out


def verify_chain(session: Session) -> dict:
    """Check every draw, the chain of records and the audit log's 抽取 entries. {ok, count, head, message}."""
    drawn = []
    for d in session.scalars(select(Draw).order_by(Draw.id)):
        problem = verify_draw_row(session, d)
        if problem:
            return {"ok": False, "count": len(drawn), "head": "", "message": problem, "draw_id": d.id}
        if d.record:
            drawn.append((json.loads(d.record), d))
    drawn.sort(key=lambda x: x[0]["chain_seq"])
    prev = GENESIS
    for i, (rec, d) in enumerate(drawn):
        if rec["chain_seq"] != i + 1:
            return {
                "ok": False,
                "count": i,
                "head": prev,
                "draw_id": d.id,
                "message": f"抽取记录链缺少第 {i + 1} 条（下一条为抽取 #{d.id}，序号 {rec['chain_seq']}）："
                "有记录被删除。",
            }
        if rec["previous_hash"] != prev:
            return {
                "ok": False,
                "count": i,
                "head": prev,
                "draw_id": d.id,
                "message": f"抽取 #{d.id} 的“前一记录哈希”与链中上一条记录不符，"
                "链条在此断开（记录被删除、调换或改动）。",
            }
        prev = rec["record_hash"]
    by_id = {d.id: rec for rec, d in drawn}
    for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "抽取", AuditEntry.entity == "draw")):
        try:
            after = json.loads(e.after) if e.after else {}
        except ValueError:
            after = {}
        rec = by_id.get(int(e.entity_id)) if e.entity_id.isdigit() else None
        if rec is None:
            return {
                "ok": False,
                "count": len(drawn),
                "head": prev,
                "draw_id": int(e.entity_id or 0),
                "message": f"审计日志第 {e.seq} 条记载了抽取 #{e.entity_id}（{e.ts}），"
                "但数据库中已没有这条抽取记录：记录被删除。",
            }
        if after.get("record_hash") and after["record_hash"] != rec["record_hash"]:
            return {
                "ok": False,
                "count": len(drawn),
                "head": prev,
                "draw_id": int(e.entity_id),
                "message": f"抽取 #{e.entity_id} 的记录哈希与审计日志第 {e.seq} 条记载的不符：记录被替换。",
            }
    return {
        "ok": True,
        "count": len(drawn),
        "head": prev,
        "draw_id": None,
        "message": f"抽取记录链完整：共 {len(drawn)} 条抽取记录，链头 {prev}",
    }


def chain_heads(session: Session) -> dict:
    """Both chain heads as they stand now, and the short form printed on every public document.

    Printed heads leave the machine: whoever holds a notice, a draw record or a 检查通知书 can later ask
    whether the office's log still contains entry No.N with that hash (truncation is caught there)."""
    audit_seq, audit_hash = audit.current_head(session)
    draw_seq, draw_hash = _chain_head(session)
    text = (
        f"防篡改链头（生成时）：审计日志 {audit.short_head(audit_seq, audit_hash)}；"
        f"抽取记录链 {audit.short_head(draw_seq, draw_hash)}"
    )
    return {
        "audit_seq": audit_seq,
        "audit_head": audit_hash,
        "draw_seq": draw_seq,
        "draw_head": draw_hash,
        "text": text,
    }


def _restore_check(session: Session) -> str:
    """For `backup.check_backup`: '' when the candidate's draw-record chain verifies, else the problem."""
    result = verify_chain(session)
    return "" if result["ok"] else result["message"]


backup.register_check("抽取记录链", _restore_check)


# ----------------------------------------------------------------------------------------------
# 首页


def dashboard_items(session: Session, today: date) -> list[dict]:
    """Tasks of this quarter (or the office-wide draw) without a confirmed draw.

    A draw counts for the quarter when its period holds the quarter (the quarter, its half, its year). An
    untargeted draw (no task) is the office-wide draw of the whole pool: it covers the tasks that have no draw of
    their own, so once it is confirmed the quarter is drawn; a task's own draw still waits for its confirmation."""
    period = period_of(today)
    codes = {period.code, f"{period.year}H{1 if period.quarters[0].index <= 2 else 2}", str(period.year)}
    draws = session.scalars(select(Draw).where(Draw.period.in_(codes))).all()
    confirmed = {d.task_id for d in draws if d.state == DrawState.CONFIRMED}
    pending = {d.task_id: d.state for d in draws if d.state in PENDING}
    tasks = session.scalars(select(Task).join(Plan, Plan.id == Task.plan_id).where(Plan.year == period.year)).all()
    due = []
    office_wide = None in confirmed or None in pending  # the office draws the whole pool this quarter
    for t in tasks:
        if t.start_date and t.start_date > period.end or t.end_date and t.end_date < period.start:
            continue
        if t.id in confirmed:
            continue
        if t.id in pending:  # a task's own draw not yet confirmed
            due.append(f"{t.code} {t.name}（{pending[t.id]}）")
        elif not office_wide:  # a task without a draw, and no office-wide draw covering it
            due.append(f"{t.code} {t.name}")
    if None in pending and None not in confirmed:
        due.append(f"{period.label}抽取（{pending[None]}）")
    elif not tasks and not office_wide:
        due.append(f"{period.label}抽取")
    if not due:
        return [
            {
                "title": "本季度抽取",
                "value": "已完成",
                "detail": f"{period.label}的抽取均已确认。",
                "level": "info",
                "page": "draw",
            }
        ]
    last_month = today.month == period.end.month
    return [
        {
            "title": "本季度待抽取",
            "value": str(len(due)),
            "detail": "；".join(due[:5]) + ("…" if len(due) > 5 else ""),
            "level": "danger" if last_month else "warn",
            "page": "draw",
        }
    ]
