"""应抽数: the per-stratum quota of a period, and the strata the draw freezes.

Readings (documented in docs/policies.md):

* counts round **up** with integer arithmetic: ``(num*N + den - 1)//den``;
* a ratio given per 季度 asked for a longer period is multiplied by the number of quarters (capped at
  100%): 隆尧 重点 18%/季 → 2026H1 36%, 2026 72%;
* a ratio given per 半年 / 年 is due in one quarter of that period (``in_quarter``, default the first):
  威海 特殊 100%/半年 → Q1 and Q3 100%, Q2 and Q4 0%; 泽州 危险废物经营单位 100%/年 (4月—12月) → Q2;
* step-up (信用风险) adds percentage points to the base ratio before the period conversion;
* exclusions: objects in an earlier non-voided draw of the same year whose outcome is 未发现问题, and
  objects tagged "上级已抽查" (or "上级已抽查2026") — a higher level drew them this year and found no problem;
* extra special pools (泽州 核技术利用单位 …) appear as their own rows of the quota table; they overlap the
  main categories, so ``draw_strata`` includes them only when a task's scope names them in ``categories``;
* a task whose ratio text names exactly one percentage ("20%；1次/年", "结合企业信用风险等级，不低于3%") uses
  that ratio (plus the step-up) for its strata (秦皇岛 附件2, 泽州 附件3); otherwise the rule ratios apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.rules import Task
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
    "categories": "监管类别",
    "strata": "分层",
    "modes": "检查模式",
}


@dataclass
class StratumScope:
    category: str
    stratum: str
    mode: str
    ratio: str
    required: int
    objects: list = field(default_factory=list)  # list[InspectionObject], sorted by id


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


def excluded_objects(session: Session, rules: dict, period: Period, objects) -> dict[int, str]:
    """{object id: reason} for the objects the rules' exclusions remove from this period's pool."""
    out: dict[int, str] = {}
    for ex in rules.get("exclusions") or []:
        if ex["kind"] == "drawn_this_year_no_problem":
            results = ex.get("results") or ["未发现问题"]
            q = (
                select(DrawSelection.object_id, Draw.period, Outcome.result)
                .join(Draw, Draw.id == DrawSelection.draw_id)
                .join(Outcome, Outcome.selection_id == DrawSelection.id)
                .where(Draw.state != "已作废", Outcome.result.in_(results))
            )
            for oid, pcode, result in session.execute(q):
                try:
                    p = parse_period(pcode)
                except UserError:
                    continue
                if oid is not None and p.year == period.year and p.start < period.start:
                    out.setdefault(oid, f"{p.label}已抽查且{result}")
        elif ex["kind"] == "higher_level_tag":
            tags = {ex["tag"], f"{ex['tag']}{period.year}"}
            for o in objects:
                if tags & set(o.tags or []):
                    out.setdefault(o.id, f"标签“{ex['tag']}”：上级本年度已抽查且未发现问题")
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
        step = next((j for j, name in enumerate(steps) if f"，{name}）" in words or f"（{name}）" in words), -1)
        offsite = "非现场" in words
        if cat in cats:
            idx, strata = cats[cat]
            sidx = next((j for j, name in enumerate(strata) if name in words), len(strata))
            return (idx, sidx, offsite, step, stratum)
        return (pools.get(cat, 1000), 0, offsite, step, stratum)

    return key


def quota_detail(session: Session, period: str, task_id: int | None = None, *, rules: dict | None = None) -> dict:
    """The quota table with everything behind it: per row also the objects, excluded objects and a note."""
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
    excluded = excluded_objects(session, rules, p, in_scope)
    t_spec = task_ratio_spec(task)
    groups: dict[tuple, dict] = {}

    def add(key, obj, spec, addr, mode, reason_excl):
        g = groups.setdefault(
            key, dict(category=key[0], stratum=key[1], mode=mode, spec=spec, add=addr, objects=[], excluded=[])
        )
        (g["excluded"] if reason_excl else g["objects"]).append(obj)

    scope_cats = set(_as_list(scope.get("categories")))
    for o in in_scope:
        c = classes[o.id]
        reason = excluded.get(o.id)
        if not scope_cats or c.category in scope_cats:
            spec = t_spec if t_spec and c.category != policies.UNCLASSIFIED else c.ratio
            add((c.category, c.stratum), o, spec, c.add, c.mode, reason)
        if include_extra:
            for ep in rules.get("extra_pools") or []:
                if ep["name"] in extras.get(o.id, []) and (not scope_cats or ep["name"] in scope_cats):
                    label, addr, _hit, _id = cls_mod.step_for(o, rules, derived, ep["id"])
                    stratum = ep["name"] + (f"（{label}）" if label else "")
                    add((ep["name"], stratum), o, t_spec or ep["ratio"], addr, ep.get("mode", "现场"), reason)
    rows = []
    for (cat, stratum), g in sorted(groups.items(), key=_row_key(rules)):
        ratio = period_ratio(g["spec"], g["add"], p) if cat != policies.UNCLASSIFIED else None
        n = len(g["objects"])
        required = required_count(ratio, n) if ratio is not None else 0
        note = ""
        if ratio is None:
            note = (
                "未分类对象不计入应抽数，请补全信息或人工指定类别"
                if cat == policies.UNCLASSIFIED
                else "本级规则未规定此类别的抽查比例"
            )
        elif g["spec"] and g["spec"].get("per", "季度") != "季度" and p.kind != "year":
            due = g["spec"].get("in_quarter", 1)
            note = f"每{g['spec']['per']}抽查 {g['spec']['value']}，在该{g['spec']['per']}第 {due} 个季度执行"
        rows.append(
            dict(
                category=cat,
                stratum=stratum,
                pool=n,
                ratio=policies.format_ratio(ratio) if ratio is not None else "—",
                required=required,
                mode=g["mode"] if cat != policies.UNCLASSIFIED else "",
                objects=sorted(g["objects"], key=lambda o: o.id),
                excluded=[(o, excluded[o.id]) for o in sorted(g["excluded"], key=lambda o: o.id)],
                note=note,
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
    """{"period", "policy", "rows": [{"category", "stratum", "pool", "ratio", "required", "mode"}]}."""
    detail = quota_detail(session, period, task_id)
    keys = ("category", "stratum", "pool", "ratio", "required", "mode")
    return {
        "period": detail["period"],
        "policy": detail["policy"],
        "rows": [{k: r[k] for k in keys} for r in detail["rows"]],
    }


def draw_strata(session: Session, period: str, task_id: int | None = None) -> list[StratumScope]:
    """The strata the draw freezes: objects after exclusions and the task's scope; rows with required > 0.

    未分类 and rows whose ratio is 0 for this period are left out (nothing to draw). Extra pools appear only
    for a 定向 task whose scope names them in ``categories``.
    """
    detail = quota_detail(session, period, task_id)
    task = detail["task"]
    main = set(policies.category_names_of(policies.active_rules(session)))
    out = []
    for r in detail["rows"]:
        if r["category"] == policies.UNCLASSIFIED or r["required"] <= 0:
            continue
        if task is None and r["category"] not in main:
            continue
        out.append(StratumScope(r["category"], r["stratum"], r["mode"], r["ratio"], r["required"], r["objects"]))
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
        [r["category"], r["stratum"], r["pool"], r["ratio"], r["required"], r["mode"], len(r["excluded"]), r["note"]]
        for r in detail["rows"]
    ]
    rows.append(
        [
            "合计",
            "",
            sum(
                r["pool"]
                for r in detail["rows"]
                if r["category"]
                in {c["name"] for c in policies.active_rules(session)["categories"]} | {policies.UNCLASSIFIED}
            ),
            "",
            sum(r["required"] for r in detail["rows"]),
            "",
            "",
            "合计名录数不含专项对象库（与类别重叠）",
        ]
    )
    xlsx.write_table(
        ws, ("监管类别", "分层", "名录数", "比例", "应抽", "检查方式", "已剔除", "说明"), rows, start_row=2
    )
    excluded = [[r["stratum"], o.uscc, o.name, why] for r in detail["rows"] for o, why in r["excluded"]]
    if excluded:
        ws2 = wb.create_sheet("已剔除对象")
        xlsx.write_table(ws2, ("分层", "统一社会信用代码", "单位名称", "剔除原因"), excluded)
    return xlsx.save_workbook(wb, path)
