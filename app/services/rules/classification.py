"""监管分类: every object of the pool → its supervision category, stratum, check mode and the reason.

Rules come from the active rule document (app.services.rules.policies). Objects whose status is excluded by
the rules (注销/迁出 in every preset) or that match ``pool.exclude_conditions`` (威海: 住宿餐饮/教育) are not
in the pool and are not returned. 停产 objects stay in the pool: a suspended unit is still a registered
polluter and the check records "已关闭停业或正在组织清算" instead of silently dropping it (every preset
keeps 停产 out of ``exclude_statuses``; an office may add it in the rule editor).

Objects that match no category land in ``未分类`` — never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import InspectionObject, ObjectPermit
from app.models.vocabulary import DrawState
from app.services.foundation.errors import UserError
from app.services.foundation.periods import Period, parse_period, period_of, previous_quarter
from app.services.rules import policies

PENALIZED = "上一季度被处罚"


@dataclass
class Classification:
    category: str
    stratum: str
    mode: str
    reason: str
    rule_ids: list = field(default_factory=list)
    overridden: bool = False
    step: str = ""  # label of the step-up level applied (e.g. 较高风险), "" if none
    add: Fraction = Fraction(0)  # ratio increase from the step-up
    ratio: dict | None = None  # the base ratio spec of the stratum (policies ratio dict) or None
    matched: list = field(default_factory=list)  # names of every category whose conditions matched, winner first


# ------------------------------------------------------------------ conditions


def _value(obj, fieldname, derived):
    if fieldname == "penalized_last_quarter":
        return obj.id in derived.get("penalized", set()) or PENALIZED in (obj.special_situations or [])
    return getattr(obj, fieldname)


def match(cond: dict, obj, derived: dict) -> list[str] | None:
    """None if the condition fails, else the list of human labels of what matched."""
    if "any" in cond:
        for sub in cond["any"]:
            got = match(sub, obj, derived)
            if got is not None:
                return [cond["label"]] if "label" in cond else got
        return None
    if "all" in cond:
        labels = []
        for sub in cond["all"]:
            got = match(sub, obj, derived)
            if got is None:
                return None
            labels += got
        return [cond["label"]] if "label" in cond else labels
    if "not" in cond:
        return None if match(cond["not"], obj, derived) is not None else [cond.get("label", "其他")]
    if "always" in cond:
        return [cond.get("label", "全部对象")]
    f = cond["field"]
    v = _value(obj, f, derived)
    hit = None
    if "is" in cond:
        if bool(v) == cond["is"]:
            hit = "是" if cond["is"] else "否"
    elif "in" in cond:
        if (v or "") in cond["in"]:
            hit = v
    elif "has_any" in cond:
        common = [x for x in (v or []) if x in cond["has_any"]]
        if common:
            hit = "、".join(common)
    elif "contains_any" in cond:
        text = v or ""
        found = [w for w in cond["contains_any"] if w in text]
        if found:
            hit = text
    if hit is None:
        return None
    label = cond.get("label") or f"{policies.FIELD_LABELS.get(f, f)} {hit}"
    return [label.replace("{value}", str(hit))]


def match_any(conds: list, obj, derived: dict) -> list[str] | None:
    for c in conds:
        got = match(c, obj, derived)
        if got is not None:
            return got
    return None


def matched_condition_ids(conds: list, obj, derived: dict) -> set[str]:
    """Ids of the top-level conditions of an any-of list that the object satisfies."""
    return {c["id"] for c in conds if "id" in c and match(c, obj, derived) is not None}


def _apply_narrow_conflicts(matched: list, rules: dict, obj, derived: dict) -> list:
    """A conflict read narrowly (``narrow``: true) lets its winner beat the others only when the winner matched
    through one of ``narrow_conditions`` (秦皇岛: only 正面清单 moves a 重点 enterprise into 一般)."""
    for c in rules.get("conflicts") or []:
        if not (c.get("narrow") and c.get("narrow_conditions")):
            continue
        ids = [cat["id"] for cat, _got in matched]
        if c["winner"] not in ids:
            continue
        w = ids.index(c["winner"])
        if matched_condition_ids(matched[w][0]["conditions"], obj, derived) & set(c["narrow_conditions"]):
            continue
        losers = [i for i, cid in enumerate(ids) if cid in c["between"] and cid != c["winner"] and i > w]
        if losers:
            last = max(losers)
            matched = matched[:w] + matched[w + 1 : last + 1] + [matched[w]] + matched[last + 1 :]
    return matched


# ------------------------------------------------------------------ derived facts


def penalized_in(session: Session, quarter: Period) -> set[int]:
    """Objects with a 行政处罚决定 dated in the quarter (隆尧 “上一季度被下达行政处罚决定的企业”).

    Only the outcome's 处罚决定日期 counts — from an outcome entered here or imported from the provincial
    platform; a case number, a 立案 result or a check date alone is not a penalty decision. Outcomes of a
    voided draw do not count.
    """
    q = (
        select(DrawSelection.object_id, Outcome.decision_date)
        .join(Outcome, Outcome.selection_id == DrawSelection.id)
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .where(Draw.state != DrawState.VOIDED, Outcome.decision_date.is_not(None))
    )
    return {oid for oid, decided in session.execute(q) if oid is not None and quarter.contains(decided)}


def _period(period) -> Period:
    if period is None:
        return period_of(date.today())
    return period if isinstance(period, Period) else parse_period(period)


# The columns classification, the quota, task scopes and the draw read (every field a rule condition may name,
# see policies.FIELD_LABELS). The pool is loaded as plain rows of these columns, not as ORM objects: a
# municipal pool has 100,000 objects and nothing here changes them.
POOL_COLUMNS = (
    "id",
    "uscc",
    "name",
    "status",
    "permit_class",
    "key_polluter",
    "industry",
    "pollution_types",
    "township",
    "positive_list",
    "credit_grade",
    "credit_risk",
    "air_grade",
    "special_situations",
    "tags",
    "registration_date",
    "category_override",
    "override_reason",
    "created_at",
)


def pool_objects(session: Session, rules: dict) -> list:
    """The objects of the pool in id order, as read-only rows with the attributes of ``POOL_COLUMNS``."""
    statuses = (rules.get("pool") or {}).get("exclude_statuses", ["注销", "迁出"])
    q = select(*(getattr(InspectionObject, c) for c in POOL_COLUMNS)).order_by(InspectionObject.id)
    if statuses:
        q = q.where(InspectionObject.status.not_in(statuses))
    objs = session.execute(q).all()
    excl = (rules.get("pool") or {}).get("exclude_conditions") or []
    if excl:
        objs = [o for o in objs if match_any(excl, o, {}) is None]
    return objs


# ------------------------------------------------------------------ classification


def _category_by_name(rules: dict, name: str) -> dict | None:
    for cat in rules["categories"]:
        if cat["name"] == name or cat["id"] == name:
            return cat
    return None


def _stratum(cat: dict, obj, derived) -> tuple[dict | None, list[str]]:
    for st in cat.get("strata") or []:
        conds = st.get("conditions") or []
        if not conds:
            return st, []
        got = match_any(conds, obj, derived)
        if got is not None:
            return st, got
    return None, []


def classify_one(obj, rules: dict, derived: dict) -> Classification:
    cats = {c["id"]: c for c in rules["categories"]}
    order = [cats[i] for i in rules["precedence"]] + [
        c for c in rules["categories"] if c["id"] not in rules["precedence"]
    ]
    matched = []
    for cat in order:
        got = match_any(cat["conditions"], obj, derived)
        if got is not None:
            matched.append((cat, got))
    matched = _apply_narrow_conflicts(matched, rules, obj, derived)
    parts = []
    rule_ids = []
    overridden = False
    if obj.category_override:
        winner = _category_by_name(rules, obj.category_override)
        overridden = True
        if winner is None:
            return Classification(
                obj.category_override,
                obj.category_override,
                "现场",
                f"人工调整为“{obj.category_override}”：{obj.override_reason}（该类别不在当前规则中）",
                ["override"],
                True,
            )
        parts.append(f"人工调整 → {winner['name']}：{obj.override_reason}")
        rule_ids.append("override")
        if matched:
            parts.append("按规则原为 " + "；".join(f"{'、'.join(g)} → {c['name']}" for c, g in matched[:1]))
    elif not matched:
        return Classification(
            policies.UNCLASSIFIED,
            policies.UNCLASSIFIED,
            "现场",
            "不符合任何监管类别的条件 → 未分类（请补全排污许可管理类别等信息或人工指定类别）",
            [],
            False,
        )
    else:
        winner = matched[0][0]
        # Losers first, the winning category last:
        # "排污许可重点管理 → 重点监管对象; 信用等级 C → 特殊监管对象（特殊优先）"
        for cat, got in matched[1:] + matched[:1]:
            text = f"{'、'.join(got)} → {cat['name']}"
            if cat is winner and len(matched) > 1:
                short = winner["name"].replace("监管对象", "")
                text += f"（{short}优先）"
            parts.append(text)
            rule_ids.append(cat["id"])
    cat = winner
    st, st_labels = _stratum(cat, obj, derived)
    stratum_words = []
    mode = cat.get("mode", "现场")
    ratio = cat.get("ratio")
    if st is not None:
        stratum_words.append(st["name"])
        rule_ids.append(f"{cat['id']}/{st.get('id', st['name'])}")
        mode = st.get("mode", mode)
        ratio = st.get("ratio", ratio)
        if st_labels:
            parts.append(f"{'、'.join(st_labels)} → {st['name']}")
    elif cat.get("strata"):
        # In the category but no stratum matches: keep it visible, with the category's own ratio if any.
        stratum_words.append("其他")
        parts.append("不符合任何分层的条件 → 其他")
    for rule in rules.get("mode_rules") or []:
        if rule.get("categories") and cat["id"] not in rule["categories"]:
            continue
        got = match_any(rule["conditions"], obj, derived)
        if got is not None and rule["mode"] != mode:
            mode = rule["mode"]
            parts.append(f"{'、'.join(got)} → {mode}")
            rule_ids.append(rule.get("id", "mode"))
            break
    # 现场/非现场 is decided per object and never splits a stratum: one ratio, one rounding.
    step_label, add, step_hit, step_id = step_for(obj, rules, derived, cat["id"])
    if step_label:
        stratum_words.append(step_label)
        rule_ids.append(step_id)
        if add:
            parts.append(f"{'、'.join(step_hit)} → 比例递加 {policies.format_ratio(add)}")
    stratum = cat["name"] + (f"（{'，'.join(stratum_words)}）" if stratum_words else "")
    return Classification(
        cat["name"],
        stratum,
        mode,
        "; ".join(parts),
        rule_ids,
        overridden,
        step_label,
        add,
        ratio,
        [c["name"] for c, _got in matched],
    )


def step_for(obj, rules: dict, derived: dict, scope_id: str) -> tuple[str, Fraction, list, str]:
    """The step-up level (label, added ratio, matched labels, rule id) for an object in category/pool scope_id."""
    step = rules.get("step_up") or {}
    best = ("", Fraction(0), [], "")
    if not step.get("steps") or (step.get("applies_to") and scope_id not in step["applies_to"]):
        return best
    for s in step["steps"]:
        if "add" not in s:  # the document gives no amount: waits for the office (待本单位确定)
            continue
        got = match_any(s["conditions"], obj, derived)
        if got is not None:
            a = policies.parse_ratio(s["add"])
            if not best[0] or a > best[1]:
                best = (s["label"], a, got, s.get("id", s["label"]))
    return best


def derived_facts(session: Session, period) -> dict:
    p = _period(period)
    return {"penalized": penalized_in(session, previous_quarter(p)), "period": p}


def classify(session: Session, objects=None, *, period=None, rules=None) -> dict[int, Classification]:
    """{InspectionObject.id: Classification} for the objects of the pool (default: the whole pool)."""
    rules = rules if rules is not None else policies.active_rules(session)
    if objects is None:
        objects = pool_objects(session, rules)  # already without the objects the pool leaves out
    of = classifier(session, period=period, rules=rules)
    return {o.id: c for o in objects if (c := of(o)) is not None}


def classifier(session: Session, *, period=None, rules=None):
    """A function object → its Classification, or None for an object the pool leaves out (its status or the
    pool's exclusion conditions) — for a caller that reads the objects itself, one at a time (`objects list`).
    Objects with the same `classification_key` share one Classification."""
    rules = rules if rules is not None else policies.active_rules(session)
    derived = derived_facts(session, period)
    statuses = set((rules.get("pool") or {}).get("exclude_statuses", ["注销", "迁出"]))
    excl = (rules.get("pool") or {}).get("exclude_conditions") or []
    key_of = classification_key(rules, derived)
    known: dict[tuple, Classification] = {}

    def of(obj) -> Classification | None:
        if obj.status in statuses or (excl and match_any(excl, obj, {}) is not None):
            return None
        key = key_of(obj)
        c = known.get(key)
        if c is None:
            c = known[key] = classify_one(obj, rules, derived)
        return c

    return of


def rule_fields(rules: dict) -> list[str]:
    """Every object field a condition anywhere in the rule document names, in a stable order."""
    found: dict[str, None] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("field"), str):
                found[node["field"]] = None
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(rules)
    return list(found)


def classification_key(rules: dict, derived: dict):
    """A function object → the values classification reads from it (as a hashable tuple).

    ``classify_one`` reads nothing else: the fields the rule conditions name (``penalized_last_quarter``
    through ``_value``) and the manual override. Objects with the same key get the same Classification, so
    a pool of 100,000 objects is classified once per distinct combination (a few hundred in practice).
    """
    fields = [f for f in rule_fields(rules) if f != "penalized_last_quarter"]
    read = attrgetter("category_override", "override_reason", *fields)
    penalized = "penalized_last_quarter" in rule_fields(rules)

    def key(obj) -> tuple:
        values = tuple(tuple(v) if isinstance(v, list) else v for v in read(obj))
        if penalized:
            values += (_value(obj, "penalized_last_quarter", derived),)
        return values

    return key


@dataclass(frozen=True)
class ExpiredPermit:
    """The permit that decides an object's 管理类别 (the one whose number the object carries), past its
    有效期限: `text` names it and its expiry, `note` says what the rule does with it and what to do."""

    permit_no: str
    valid_to: date
    permit_class: str
    note: str

    @property
    def text(self) -> str:
        return f"许可证 {self.permit_no} 已于 {self.valid_to.isoformat()} 到期（已过期）"

    def as_dict(self) -> dict:
        return {
            "permit_no": self.permit_no,
            "valid_to": self.valid_to.isoformat(),
            "permit_class": self.permit_class,
            "note": self.note,
        }


def expired_deciding_permits(session: Session, objects, rules: dict, *, today: date | None = None):
    """{object id: ExpiredPermit} for the given objects whose deciding permit is 有效 in the record but past
    its 有效期限 today. The class stays the expired permit's until a permit list is imported again (the
    import takes the strictest valid permit): an expired permit does not make an enterprise less supervised."""
    today = today or date.today()
    wanted = {o.id: o for o in objects}
    if not wanted:
        return {}
    P, Obj = ObjectPermit, InspectionObject  # noqa: N806
    expired = session.execute(
        select(P.object_id, P.permit_no, P.permit_class, P.valid_to)
        .join(Obj, (Obj.id == P.object_id) & (Obj.permit_no == P.permit_no))
        .where(P.state == "有效", P.valid_to.is_not(None), P.valid_to < today)
    ).all()
    expired = [e for e in expired if e.object_id in wanted]
    others: dict[int, list] = {}
    ids = [e.object_id for e in expired]
    for i in range(0, len(ids), 500):
        for p in session.execute(
            select(P.object_id, P.permit_no, P.permit_class).where(
                P.object_id.in_(ids[i : i + 500]), P.state == "有效", (P.valid_to.is_(None)) | (P.valid_to >= today)
            )
        ):
            others.setdefault(p.object_id, []).append(p)
    reads_class = "permit_class" in rule_fields(rules)
    out = {}
    for e in expired:
        obj = wanted[e.object_id]
        cls = getattr(obj, "permit_class", "") or e.permit_class
        valid = others.get(e.object_id, [])
        if obj.category_override:
            note = f"已人工指定为“{obj.category_override}”，归类不受影响；请核实该许可证是否已延续或重新申领。"
        elif not reads_class:
            note = "本规则不按排污许可管理类别归类，归类不受影响；请核实该许可证是否已延续或重新申领。"
        elif valid:
            names = "、".join(f"{p.permit_no}（{p.permit_class or '未填管理类别'}）" for p in valid)
            note = (
                f"该单位另有有效许可证 {names}；规则仍按“{cls}”归类，直到重新导入许可证清单"
                "（导入时管理类别取有效许可证中最严的）。"
            )
        else:
            note = (
                f"没有其他有效许可证，规则仍按“{cls}”归类（过期不等于降级监管）；"
                "请核实是否已延续或重新申领，已注销的请导入注销清单。"
            )
        out[e.object_id] = ExpiredPermit(e.permit_no, e.valid_to, e.permit_class, note)
    return out


def conflict_moves(classes: dict[int, Classification], rules: dict) -> dict[int, tuple[str, str, str]]:
    """{object id: (from category, to category, the clause)} for objects a conflict clause moved out of a
    category they also match (秦皇岛: 重点 → 一般/特殊). Manual overrides are not moves."""
    names = {c["id"]: c["name"] for c in rules["categories"]}
    out = {}
    for oid, c in classes.items():
        if c.overridden or len(c.matched) < 2:
            continue
        for conflict in rules.get("conflicts") or []:
            if names.get(conflict["winner"]) != c.category:
                continue
            losers = [names[b] for b in conflict["between"] if b != conflict["winner"] and names.get(b) in c.matched]
            if losers:
                out[oid] = (losers[0], c.category, conflict.get("source", ""))
                break
    return out


def conflict_moved(session: Session, *, period=None, rules=None) -> list[dict]:
    """The objects a conflict clause moved, as [{"object", "from", "to", "reason", "source"}] in object order."""
    rules = rules if rules is not None else policies.active_rules(session)
    objects = pool_objects(session, rules)
    classes = classify(session, objects, period=period, rules=rules)
    moves = conflict_moves(classes, rules)
    return [
        {
            "object": o,
            "from": moves[o.id][0],
            "to": moves[o.id][1],
            "reason": classes[o.id].reason,
            "source": moves[o.id][2],
        }
        for o in objects
        if o.id in moves
    ]


def extra_pools_of(obj, rules: dict) -> list[str]:
    """Names of the extra special pools (泽州 核技术利用单位 …) the object belongs to."""
    return [ep["name"] for ep in rules.get("extra_pools") or [] if match_any(ep["conditions"], obj, {}) is not None]


def category_names(rules: dict) -> list[str]:
    return [c["name"] for c in rules["categories"]]


def override(session: Session, obj: InspectionObject | str, category: str, reason: str) -> InspectionObject:
    """Manually set an object's category with a recorded reason (audited via the ORM flush).

    ``category`` "" (or "自动") removes the override. ``obj`` may be an InspectionObject or a USCC.
    Allowed for 管理员, 审核员 and 领导 (a 录入员 cannot change how an object is supervised).
    """
    from app.services.foundation import permissions

    permissions.require(session, "classify")
    if isinstance(obj, str):
        uscc = obj.strip().upper()
        found = session.scalar(select(InspectionObject).where(InspectionObject.uscc == uscc))
        if found is None:
            raise UserError(f"检查对象库中没有统一社会信用代码为“{obj}”的对象。")
        obj = found
    category = (category or "").strip()
    reason = (reason or "").strip()
    old = obj.category_override
    if category in ("", "自动", "取消"):
        obj.category_override = ""
        obj.override_reason = reason
        _record_override(session, obj, old, "", reason)
        return obj
    rules = policies.active_rules(session)
    names = category_names(rules)
    if category not in names:
        raise UserError(f"类别“{category}”不在当前规则中。可选：{'、'.join(names)}。")
    if not reason:
        raise UserError("人工调整类别必须填写理由（“调整理由”）。")
    obj.category_override = category
    obj.override_reason = reason
    _record_override(session, obj, old, category, reason)
    return obj


def _record_override(session: Session, obj: InspectionObject, old: str, new: str, reason: str) -> None:
    """名录库调整信息: a manual category change is a 类型变更 of the object (reported each quarter)."""
    from app.models.pools import ObjectChange
    from app.services.foundation.context import current_user

    if old != new:
        session.add(
            ObjectChange(
                object_id=obj.id,
                kind="类型变更",
                field="category_override",
                old_value=old or "（按规则）",
                new_value=new or "（按规则）",
                effective_date=date.today(),
                user=current_user(),
                source=f"人工指定监管类别：{reason}" if reason else "人工指定监管类别",
            )
        )
    session.flush()
