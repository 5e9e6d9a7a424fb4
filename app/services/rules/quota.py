"""应抽数: the per-stratum quota of a period, and the strata the draw freezes.

Readings (documented in docs/policies.md):

* counts round **up** with integer arithmetic: ``(num*N + den - 1)//den``;
* a ratio given per 季度 asked for a longer period is multiplied by the number of quarters (capped at
  100%): 隆尧 重点 18%/季 → 2026H1 36%, 2026 72%;
* a ratio given per 半年 / 年 is due in one quarter of that period (``in_quarter``, default the first):
  威海 特殊 100%/半年 → Q1 and Q3 100%, Q2 and Q4 0%; 泽州 危险废物经营单位 100%/年 (4月—12月) → Q2;
* one ratio, one rounding: a row is a part of a category with its own ratio (a category, a stratum the
  document gives its own ratio, a step-up level once the office entered its amount); 现场/非现场 never splits
  a row — each object's mode comes from its attributes (``modes``), a row of both is "现场/非现场";
* step-up (信用风险) adds percentage points to the base ratio before the period conversion — only once the
  office entered the amount: a level without one waits (待本单位确定) and is listed in the row's ``waiting``;
* exclusions **choose, never count**: ``required`` is computed on the whole row (``pool``, excluded objects
  included); the draw takes only from the ``available`` ones; when fewer remain, all are taken and the
  ``shortfall`` is shown. Exclusions: objects in an earlier non-voided draw of the same year whose outcome is
  未发现问题, and objects tagged "上级已抽查" **in the period's year** (the tag's date is the history row that
  set it) or "上级已抽查2026" (named year); ``except_categories`` are never excluded (威海 特殊);
* a year/half-year row gives both 家数 (``required``: distinct objects, ratio capped at 100%) and 家次
  (``visits``: the sum of the quarters' counts);
* extra special pools (泽州 核技术利用单位 …) appear as their own rows of the quota table; they overlap the
  main categories, so ``draw_strata`` includes them only when a task's scope names them in ``categories``;
* a task whose ratio text names exactly one percentage ("20%；1次/年", "结合企业信用风险等级，不低于3%") uses
  that ratio (plus the step-up) for its strata (秦皇岛 附件2, 泽州 附件3); otherwise the rule ratios apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import InspectionObject, ObjectChange
from app.models.rules import Task
from app.models.vocabulary import DrawState
from app.services.foundation.errors import UserError
from app.services.foundation.periods import Period, parse_period
from app.services.rules import classification as cls_mod
from app.services.rules import policies

HIGHER_LEVEL_TAG = "上级已抽查"

# Task scope (对象范围) keys: key → (object field, comparison)
SCOPE_KEYS = {
    "township": ("township", "in"),
    "industry": ("industry", "contains"),
    "permit_class": ("permit_class", "in"),
    "tags": ("tags", "has_any"),
    "pollution_types": ("pollution_types", "has_any"),
    "special_situations": ("special_situations", "has_any"),
    "credit_risk": ("credit_risk", "in"),
    "credit_grade": ("credit_grade", "in"),
    "air_grade": ("air_grade", "in"),
    "name": ("name", "contains"),
    "key_polluter": ("key_polluter", "is"),
    "positive_list": ("positive_list", "is"),
    "registered_by": ("registration_date", "on_or_before"),
    "categories": ("category", "special"),
    "strata": ("stratum", "special"),
    "modes": ("mode", "special"),
}
SCOPE_LABELS = {
    "township": "乡镇",
    "industry": "行业",
    "permit_class": "排污许可管理类别",
    "tags": "标签",
    "pollution_types": "污染类型",
    "special_situations": "特殊监管情形",
    "credit_risk": "信用风险等级",
    "credit_grade": "信用等级",
    "air_grade": "大气绩效",
    "name": "名称含",
    "key_polluter": "重点排污单位",
    "positive_list": "正面清单",
    "registered_by": "成立日期不晚于",
    "categories": "监管类别",
    "strata": "分层",
    "modes": "检查模式",
}


MIXED_MODE = "现场/非现场"  # a row whose objects are checked both ways: each drawn object keeps its own mode


@dataclass
class StratumScope:
    category: str
    stratum: str
    mode: str  # 现场, 非现场 or 现场/非现场 (then ``modes`` decides per object)
    ratio: str
    required: int  # what the draw takes: min(应抽数, objects left after exclusions)
    objects: list = field(default_factory=list)  # list[InspectionObject], sorted by id
    modes: dict = field(default_factory=dict)  # {object id: 现场/非现场}
    shortfall: int = 0  # 应抽数 the exclusions left no objects for


def required_count(ratio: Fraction, n: int) -> int:
    return (ratio.numerator * n + ratio.denominator - 1) // ratio.denominator


def _multiplier(spec: dict, period: Period) -> int:
    per = spec.get("per", "季度")
    if per == "季度":
        return len(period.quarters)
    due = spec.get("in_quarter", 1)
    size = policies.PERIOD_UNITS[per]
    return sum(1 for q in period.quarters if (q.index - 1) % size + 1 == due)


def period_ratio(spec: dict | None, add: Fraction, period: Period) -> Fraction | None:
    if not spec:
        return None
    base = min(Fraction(1), policies.parse_ratio(spec["value"]) + add)
    return min(Fraction(1), base * _multiplier(spec, period))


_TASK_RATIO = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")


def task_ratio_spec(task: Task | None) -> dict | None:
    """A task whose 抽查比例 names exactly one percentage ("20%；1次/年", "结合企业信用风险等级，不低于3%"):
    {"value": "20%", "per": …}; None when it names none or several (then the rule ratios apply)."""
    if task is None:
        return None
    found = _TASK_RATIO.findall(task.ratio or "")
    if len(found) != 1:
        return None
    m = _TASK_RATIO.search(task.ratio)
    per = "季度"
    freq = re.search(r"(\d+)\s*次\s*/\s*年", task.ratio)
    if freq:
        per = {1: "年", 2: "半年"}.get(int(freq.group(1)), "季度")
    spec = {"value": f"{m.group(1)}%", "per": per}
    if per != "季度" and task.start_date:
        q = (task.start_date.month - 1) // 3 + 1
        size = policies.PERIOD_UNITS[per]
        spec["in_quarter"] = (q - 1) % size + 1
    return spec


# ------------------------------------------------------------------ scope


def validate_scope(scope: dict) -> None:
    if not isinstance(scope, dict):
        raise UserError("抽查对象范围应为“字段: 值”的筛选条件。")
    bad = [k for k in scope if k not in SCOPE_KEYS]
    if bad:
        raise UserError(f"抽查对象范围：未知的筛选字段“{'、'.join(bad)}”。可用：{'、'.join(SCOPE_KEYS)}。")
    if "registered_by" in scope:
        _scope_date(scope["registered_by"])


def _scope_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(
            f"抽查对象范围：成立日期“{value}”无法识别，请写成 2023-12-31（秦皇岛：2023年12月31日前登记设立）。"
        ) from None


def _as_list(v) -> list:
    if v is None:
        return []
    if isinstance(v, (list, tuple, set)):
        return [str(x) for x in v]
    return [str(v)]


def scope_match(obj, c: cls_mod.Classification | None, scope: dict, extra: list[str] = ()) -> bool:
    """Does the object satisfy every key of the task's saved filter?"""
    for key, want in (scope or {}).items():
        fieldname, op = SCOPE_KEYS[key]
        if op == "is":
            if bool(getattr(obj, fieldname)) != bool(want):
                return False
            continue
        if op == "on_or_before":
            # 秦皇岛 附件1 “2023年12月31日前登记设立”: objects without a 成立日期 stay in (they were registered
            # before the pool was built); the quota note counts them so the office can complete the dates.
            day = getattr(obj, fieldname)
            if day is not None and day > _scope_date(want):
                return False
            continue
        values = _as_list(want)
        if not values:
            continue
        if op == "special":
            if key == "categories":
                have = {c.category if c else ""} | set(extra)
            elif key == "strata":
                have = {c.stratum if c else ""}
            else:
                have = {c.mode if c else ""}
            if not have & set(values):
                return False
        elif op == "in":
            if (getattr(obj, fieldname) or "") not in values:
                return False
        elif op == "has_any":
            if not set(getattr(obj, fieldname) or []) & set(values):
                return False
        elif op == "contains":
            text = getattr(obj, fieldname) or ""
            if not any(v in text for v in values):
                return False
    return True


def scope_text(scope: dict) -> str:
    parts = []
    for key, want in (scope or {}).items():
        label = SCOPE_LABELS.get(key, key)
        if SCOPE_KEYS.get(key, ("", ""))[1] == "is":
            parts.append(f"{label}：{'是' if want else '否'}")
        else:
            parts.append(f"{label}：{'、'.join(_as_list(want))}")
    return "；".join(parts) or "全部对象"


# ------------------------------------------------------------------ exclusions


def tag_years(session: Session, objects, tag: str) -> dict[int, int]:
    """{object id: calendar year in which ``tag`` was last set} for the objects carrying it.

    The year comes from the object history row that added the tag (its effective date, else its time); an
    object that carried the tag from its first import has no such row and dates from its creation.
    """
    carrying = {o.id: o for o in objects if tag in (o.tags or [])}
    years: dict[int, int] = {}
    ids = list(carrying)
    for i in range(0, len(ids), 500):
        rows = session.execute(
            select(
                ObjectChange.object_id,
                ObjectChange.old_value,
                ObjectChange.new_value,
                ObjectChange.ts,
                ObjectChange.effective_date,
            )
            .where(ObjectChange.object_id.in_(ids[i : i + 500]), ObjectChange.field == "tags")
            .order_by(ObjectChange.ts, ObjectChange.id)
        )
        for oid, old, new, ts, effective in rows:
            if tag in (new or "").split("、") and tag not in (old or "").split("、"):
                when = effective or (ts.date() if ts else None)
                if when is not None:
                    years[oid] = when.year
    for oid, obj in carrying.items():
        if oid not in years and obj.created_at is not None:
            years[oid] = obj.created_at.year
    return years


def excluded_objects(session: Session, rules: dict, period: Period, objects, classes=None) -> dict[int, str]:
    """{object id: reason} for the objects the rules' exclusions remove from this period's draw.

    Exclusions choose who is drawn; they never lower the count (see ``quota_detail``). An exclusion's
    ``except_categories`` (威海: 特殊监管对象, “对所有特殊监管对象每半年开展1次抽查”) are never excluded.
    """
    out: dict[int, str] = {}
    by_id = {o.id: o for o in objects}
    cat_ids = {c["name"]: c["id"] for c in rules["categories"]}

    def exempt(oid, ex) -> bool:
        if not ex.get("except_categories") or classes is None or oid not in classes:
            return False
        return cat_ids.get(classes[oid].category) in ex["except_categories"]

    for ex in rules.get("exclusions") or []:
        if ex["kind"] == "drawn_this_year_no_problem":
            results = ex.get("results") or ["未发现问题"]
            q = (
                select(DrawSelection.object_id, Draw.period, Outcome.result)
                .join(Draw, Draw.id == DrawSelection.draw_id)
                .join(Outcome, Outcome.selection_id == DrawSelection.id)
                .where(Draw.state != DrawState.VOIDED, Outcome.result.in_(results))
            )
            for oid, pcode, result in session.execute(q):
                if oid not in by_id or exempt(oid, ex):
                    continue
                try:
                    p = parse_period(pcode)
                except UserError:
                    continue
                if p.year == period.year and p.start < period.start:
                    out.setdefault(oid, f"{p.label}已抽查且{result}")
        elif ex["kind"] == "higher_level_tag":
            tag = ex["tag"]
            named = f"{tag}{period.year}"
            set_in = tag_years(session, objects, tag)
            for o in objects:
                if exempt(o.id, ex):
                    continue
                if named in (o.tags or []):
                    out.setdefault(o.id, f"标签“{named}”：上级 {period.year} 年已抽查且未发现问题")
                elif set_in.get(o.id) == period.year:
                    out.setdefault(o.id, f"标签“{tag}”（{period.year} 年标记）：上级本年度已抽查且未发现问题")
    return out


# ------------------------------------------------------------------ quota


def _load_task(session: Session, task_id) -> Task | None:
    if task_id is None:
        return None
    task = session.get(Task, int(task_id))
    if task is None:
        raise UserError(f"没有编号为 {task_id} 的抽查任务。")
    return task


def _row_key(rules: dict):
    """Sort rows as the rule document lists categories, then strata, then extra pools; 未分类 last."""
    cats = {c["name"]: (i, [st["name"] for st in c.get("strata") or []]) for i, c in enumerate(rules["categories"])}
    pools = {ep["name"]: 100 + i for i, ep in enumerate(rules.get("extra_pools") or [])}

    steps = [s["label"] for s in (rules.get("step_up") or {}).get("steps", [])]

    def key(item):
        cat, stratum = item[0]
        words = stratum[len(cat) :]
        # the words between the brackets, whole: "高风险" must not find "较高风险" (the step-up level is the last)
        parts = words[1:-1].split("，") if words.startswith("（") and words.endswith("）") else []
        step = steps.index(parts[-1]) if parts and parts[-1] in steps else -1
        offsite = "非现场" in words
        if cat in cats:
            idx, strata = cats[cat]
            sidx = next((j for j, name in enumerate(strata) if name in parts), len(strata))
            return (idx, sidx, offsite, step, stratum)
        return (pools.get(cat, 1000), 0, offsite, step, stratum)

    return key


def _waiting_for(rules: dict, scope_id: str) -> list[str]:
    """Step-up levels of this category/pool that wait for the office's amount: "高风险：待本单位确定"."""
    step = rules.get("step_up") or {}
    if step.get("applies_to") and scope_id not in step["applies_to"]:
        return []
    return [f"比例递加“{s['label']}”：{policies.WAITING}" for s in policies.waiting_steps(rules)]


def _visits(spec: dict | None, add: Fraction, p: Period, n: int) -> int:
    """家次: the sum of the quarters' counts in the period (the year view of a 季度 ratio is not capped)."""
    total = 0
    for q in p.quarters:
        r = period_ratio(spec, add, q)
        total += required_count(r, n) if r is not None else 0
    return total


def quota_detail(session: Session, period: str, task_id: int | None = None, *, rules: dict | None = None) -> dict:
    """The quota table with everything behind it: per row also the objects, excluded objects and a note.

    Row keys: category, stratum, pool (every object of the row, excluded ones included), excluded (list of
    (object, reason)), expired_permits (list of (object, classification.ExpiredPermit): objects whose deciding
    permit has expired), available (objects the draw may take), ratio, required (应抽数 on the whole pool),
    drawable (= min(required, available)), shortfall, visits (家次), mode (现场 / 非现场 / 现场/非现场),
    modes ({object id: mode}), waiting (rules that wait for the office), note, objects (the available ones).
    """
    p = parse_period(period)
    rules = rules if rules is not None else policies.active_rules(session)
    task = _load_task(session, task_id)
    objs = cls_mod.pool_objects(session, rules)
    classes = cls_mod.classify(session, objs, period=p, rules=rules)
    derived = cls_mod.derived_facts(session, p)
    extras = {o.id: cls_mod.extra_pools_of(o, rules) for o in objs} if rules.get("extra_pools") else {}
    scope = {}
    include_extra = task is None
    if task is not None and task.draw_type == "定向":
        scope = dict(task.scope or {})
        validate_scope(scope)
        include_extra = bool(
            set(_as_list(scope.get("categories"))) & {ep["name"] for ep in rules.get("extra_pools") or []}
        )
    in_scope = [o for o in objs if scope_match(o, classes.get(o.id), scope, extras.get(o.id, []))]
    if task is not None and not in_scope:
        raise UserError(
            f"任务“{task.name}”的抽查对象范围（{scope_text(scope)}）在检查对象库中没有匹配的对象，"
            "请修改任务的对象范围。"
        )
    excluded = excluded_objects(session, rules, p, in_scope, classes)
    expired = cls_mod.expired_deciding_permits(session, in_scope, rules)
    t_spec = task_ratio_spec(task)
    cat_ids = {c["name"]: c["id"] for c in rules["categories"]}
    groups: dict[tuple, dict] = {}

    def add(key, obj, spec, addr, mode, reason_excl, scope_id):
        g = groups.setdefault(
            key,
            dict(spec=spec, add=addr, objects=[], excluded=[], modes={}, scope_id=scope_id),
        )
        g["modes"][obj.id] = mode
        (g["excluded"] if reason_excl else g["objects"]).append(obj)

    scope_cats = set(_as_list(scope.get("categories")))
    for o in in_scope:
        c = classes[o.id]
        reason = excluded.get(o.id)
        if not scope_cats or c.category in scope_cats:
            spec = t_spec if t_spec and c.category != policies.UNCLASSIFIED else c.ratio
            add((c.category, c.stratum), o, spec, c.add, c.mode, reason, cat_ids.get(c.category, ""))
        if include_extra:
            for ep in rules.get("extra_pools") or []:
                if ep["name"] in extras.get(o.id, []) and (not scope_cats or ep["name"] in scope_cats):
                    label, addr, _hit, _id = cls_mod.step_for(o, rules, derived, ep["id"])
                    stratum = ep["name"] + (f"（{label}）" if label else "")
                    add((ep["name"], stratum), o, t_spec or ep["ratio"], addr, ep.get("mode", "现场"), reason, ep["id"])
    rows = []
    for (cat, stratum), g in sorted(groups.items(), key=_row_key(rules)):
        unclassified = cat == policies.UNCLASSIFIED
        ratio = period_ratio(g["spec"], g["add"], p) if not unclassified else None
        n = len(g["objects"]) + len(g["excluded"])
        available = len(g["objects"])
        required = required_count(ratio, n) if ratio is not None else 0
        drawable = min(required, available)
        modes = set(g["modes"].values())
        notes = []
        if ratio is None:
            notes.append(
                "未分类对象不计入应抽数，请补全信息或人工指定类别" if unclassified else "本级规则未规定此类别的抽查比例"
            )
        elif g["spec"] and g["spec"].get("per", "季度") != "季度" and p.kind != "year":
            due = g["spec"].get("in_quarter", 1)
            notes.append(f"每{g['spec']['per']}抽查 {g['spec']['value']}，在该{g['spec']['per']}第 {due} 个季度执行")
        if required > available:
            gone = len(g["excluded"])
            short = required - available
            notes.append(f"应抽 {required} 家，剔除 {gone} 家后只剩 {available} 家，全部抽取，少 {short} 家")
        if "registered_by" in scope:
            undated = sum(1 for o in g["objects"] + g["excluded"] if o.registration_date is None)
            if undated:
                notes.append(f"{undated} 家缺少成立日期，按范围内计")
        waiting = [] if unclassified else _waiting_for(rules, g["scope_id"])
        rows.append(
            dict(
                category=cat,
                stratum=stratum,
                pool=n,
                ratio=policies.format_ratio(ratio) if ratio is not None else "—",
                required=required,
                available=available,
                drawable=drawable,
                shortfall=required - drawable,
                visits=_visits(g["spec"], g["add"], p, n) if ratio is not None else 0,
                mode="" if unclassified else (modes.pop() if len(modes) == 1 else MIXED_MODE),
                modes=dict(g["modes"]),
                waiting=waiting,
                objects=sorted(g["objects"], key=lambda o: o.id),
                excluded=[(o, excluded[o.id]) for o in sorted(g["excluded"], key=lambda o: o.id)],
                expired_permits=[
                    (o, expired[o.id])
                    for o in sorted(g["objects"] + g["excluded"], key=lambda o: o.id)
                    if o.id in expired
                ],
                note="；".join(notes),
                ratio_fraction=ratio,
            )
        )
    return {
        "period": p.code,
        "policy": rules["id"],
        "policy_name": rules.get("name", ""),
        "task": task,
        "scope": scope,
        "rows": rows,
    }


def compute_quota(session: Session, period: str, task_id: int | None = None) -> dict:
    """{"period", "policy", "rows": [{"category", "stratum", "pool", "ratio", "required", "mode", "excluded",
    "available", "drawable", "shortfall", "visits", "waiting", "note", "expired_permits"}]} — ``pool`` counts
    excluded objects too; ``expired_permits`` lists the row's objects whose deciding permit has expired
    ({uscc, name, permit_no, valid_to, permit_class, note})."""
    detail = quota_detail(session, period, task_id)
    keys = ("category", "stratum", "pool", "ratio", "required", "mode")
    rows = []
    for r in detail["rows"]:
        row = {k: r[k] for k in keys}
        row.update(
            excluded=len(r["excluded"]),
            available=r["available"],
            drawable=r["drawable"],
            shortfall=r["shortfall"],
            visits=r["visits"],
            waiting=list(r["waiting"]),
            note=r["note"],
            expired_permits=[{"uscc": o.uscc, "name": o.name, **flag.as_dict()} for o, flag in r["expired_permits"]],
        )
        rows.append(row)
    return {"period": detail["period"], "policy": detail["policy"], "rows": rows}


def draw_strata(session: Session, period: str, task_id: int | None = None) -> list[StratumScope]:
    """The strata the draw freezes: objects after exclusions and the task's scope; rows with something to draw.

    ``required`` of a stratum is what can be drawn (all remaining objects when exclusions left fewer than the
    应抽数; ``shortfall`` says how many are missing).
    未分类 and rows whose ratio is 0 for this period are left out (nothing to draw). Extra pools appear only
    for a 定向 task whose scope names them in ``categories``.
    """
    detail = quota_detail(session, period, task_id)
    task = detail["task"]
    main = set(policies.category_names_of(policies.active_rules(session)))
    out = []
    for r in detail["rows"]:
        if r["category"] == policies.UNCLASSIFIED or r["drawable"] <= 0:
            continue
        if task is None and r["category"] not in main:
            continue
        modes = {o.id: r["modes"][o.id] for o in r["objects"]}
        kinds = set(modes.values())
        mode = kinds.pop() if len(kinds) == 1 else MIXED_MODE
        out.append(
            StratumScope(
                r["category"], r["stratum"], mode, r["ratio"], r["drawable"], r["objects"], modes, r["shortfall"]
            )
        )
    seen: dict[int, str] = {}
    for sc in out:
        for o in sc.objects:
            if o.id in seen:
                raise UserError(
                    f"任务的抽查对象范围同时包含“{seen[o.id]}”和“{sc.stratum}”，对象“{o.name}”在两者中都有，"
                    "同一次抽取会重复抽到它。请把专项对象库（如核技术利用单位）和监管类别分成两个任务。"
                )
            seen[o.id] = sc.stratum
    if task is not None and not out:
        raise UserError(f"任务“{task.name}”在 {detail['period']} 没有需要抽取的对象（范围内对象的应抽数均为 0）。")
    return out


def object_modes(session: Session, period: str, usccs) -> dict[str, str]:
    """{USCC: 现场/非现场} for the given objects in the period, from their attributes (mode rules, strata)."""
    wanted = list(dict.fromkeys(usccs))
    objs = []
    for i in range(0, len(wanted), 500):
        objs += session.scalars(select(InspectionObject).where(InspectionObject.uscc.in_(wanted[i : i + 500]))).all()
    classes = cls_mod.classify(session, objs, period=period)
    return {o.uscc: classes[o.id].mode for o in objs if o.id in classes}


def export_quota_xlsx(session: Session, period: str, task_id: int | None, path):
    """The quota table (and the excluded objects) as an Excel file."""
    from app.services.foundation import xlsx

    detail = quota_detail(session, period, task_id)
    p = parse_period(period)
    wb, ws = xlsx.new_workbook(f"{p.code}应抽数")
    title = f"{p.label}应抽数（规则：{detail['policy_name'] or detail['policy']}）"
    if detail["task"] is not None:
        title += f"　任务：{detail['task'].code} {detail['task'].name}"
    ws.cell(row=1, column=1, value=title).font = xlsx.HEADER_FONT
    rows = [
        [
            r["category"],
            r["stratum"],
            r["pool"],
            len(r["excluded"]),
            r["ratio"],
            r["required"],
            r["drawable"],
            r["visits"],
            r["mode"],
            "；".join(x for x in [r["note"], *r["waiting"]] if x),
        ]
        for r in detail["rows"]
    ]
    main = {c["name"] for c in policies.active_rules(session)["categories"]} | {policies.UNCLASSIFIED}
    rows.append(
        [
            "合计",
            "",
            sum(r["pool"] for r in detail["rows"] if r["category"] in main),
            sum(len(r["excluded"]) for r in detail["rows"] if r["category"] in main),
            "",
            sum(r["required"] for r in detail["rows"]),
            sum(r["drawable"] for r in detail["rows"]),
            sum(r["visits"] for r in detail["rows"]),
            "",
            "合计名录数不含专项对象库（与类别重叠）；应抽数按整个类别（含已剔除对象）计算",
        ]
    )
    xlsx.write_table(
        ws,
        ("监管类别", "分层", "名录数", "已剔除", "比例", "应抽", "可抽", "家次", "检查方式", "说明"),
        rows,
        start_row=2,
    )
    excluded = [[r["stratum"], o.uscc, o.name, why] for r in detail["rows"] for o, why in r["excluded"]]
    if excluded:
        ws2 = wb.create_sheet("已剔除对象")
        xlsx.write_table(ws2, ("分层", "统一社会信用代码", "单位名称", "剔除原因"), excluded)
    expired = [
        [r["stratum"], o.uscc, o.name, flag.permit_no, flag.valid_to.isoformat(), flag.note]
        for r in detail["rows"]
        for o, flag in r["expired_permits"]
    ]
    if expired:
        ws3 = wb.create_sheet("许可证已过期")
        head = ("分层", "统一社会信用代码", "单位名称", "许可证编号", "有效期至", "规则如何处理")
        xlsx.write_table(ws3, head, expired, widths={6: 80})
    return xlsx.save_workbook(wb, path)
