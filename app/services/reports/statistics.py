"""季度统计: the quarterly statistics of 双随机、一公开 work, computed from the records.

`compute(session, period)` returns one JSON-able dict (the figures the bureau's 季度统计表 asks for);
`FIELDS` describes the columns of that table (label, unit, how to read the value), so the Excel
export, the on-screen table, the package and the city-wide aggregate all use one definition.

Where the figures come from:
- 污染源家数 (总数/特殊/重点/简化/一般, 正面清单): the objects in the pool (状态 存续/停产), classified by
  `app.services.rules.classification.classify` when that service can classify (a policy is set); otherwise by a
  documented fallback (manual override, 特殊监管情形, 重点管理/重点排污单位, 简化管理, else 一般).
- 应抽/实抽/已查 家次 per supervision category: the period's draws in state 已抽取/已确认 (voided draws
  never count). 应抽 = the objects originally drawn (the draw's quota, replacements excluded); 实抽 = the
  active selections (replacements included, replaced ones excluded); 已查 = active selections with an
  outcome entered (state other than 未录入).
- 非现场: checks whose mode or method says 非现场. 内部联合/部门联合: checks of tasks whose plan kind says so;
  checks merged into one 内部联合 visit by the clerk (app.services.outcomes.joint) count as 内部联合.
- 发现问题 (家次 with problems, and the number of problems), 责令整改, 立案, 公示 and 公示率 from outcomes.
- 信用分类运用比例: share of checks on objects that carry a credit grade or credit risk level.
- 年度覆盖率: distinct objects checked in the year up to the period's end / objects in the pool.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from app.models import InspectionObject, Inspector
from app.models.checks import merged_selection_ids
from app.models.core import Office
from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.rules import Plan, PolicyVersion, Task
from app.models.vocabulary import LIVE_DRAW_STATES, OutcomeState
from app.services.foundation import figures
from app.services.foundation.errors import UserError
from app.services.foundation.periods import Period, parse_period
from app.services.rules import classification, policies

ACTIVE_OBJECT_STATUSES = ("存续", "停产")
CATEGORIES = policies.CATEGORY_KINDS
CATEGORY_LABELS = policies.DEFAULT_CATEGORY_LABELS  # the form's names before a rule set is chosen

# Office-wide targets (秦皇岛 / 泽州 defaults); a policy document may override them under "targets".
DEFAULT_TARGETS = {
    "internal_joint_rate": 30.0,  # 内部联合抽查家次占比 ≥30%
    "dept_joint_checks": 1,  # 部门联合抽查 ≥1 次/季
    "credit_rate": 85.0,  # 信用风险分类运用比例 ≥85%
    "annual_coverage": 5.0,  # 年度抽查覆盖率 ≥5%
    "publication_rate": 100.0,  # 公示率 100%
}
TARGET_LABELS = {
    "internal_joint_rate": ("内部联合抽查占比", "%"),
    "dept_joint_checks": ("部门联合抽查次数", "次"),
    "credit_rate": ("信用风险分类运用比例", "%"),
    "annual_coverage": ("年度抽查覆盖率", "%"),
    "publication_rate": ("抽查结果公示率", "%"),
}


@dataclass(frozen=True)
class Field:
    """One column of the 季度统计表: group header, column header, unit and path into the stats dict."""

    key: str
    group: str
    label: str
    unit: str
    path: tuple[str, ...]
    rate: tuple[str, str] | None = None  # (numerator key, denominator key) for rates: recomputed from sums


def _count_fields() -> list[Field]:
    out = [
        Field("obj_total", "污染源家数", "总数", "家", ("objects", "total")),
        Field("obj_special", "污染源家数", "特殊", "家", ("objects", "特殊")),
        Field("obj_key", "污染源家数", "重点", "家", ("objects", "重点")),
        Field("obj_simplified", "污染源家数", "简化", "家", ("objects", "简化")),
        Field("obj_general", "污染源家数", "一般", "家", ("objects", "一般")),
        Field("obj_positive", "污染源家数", "正面清单", "家", ("objects", "positive_list")),
        Field("inspectors", "执法人员", "在岗人数", "人", ("inspectors_on_duty",)),
    ]
    for cat in CATEGORIES:
        for sub, label in (("required", "应抽"), ("drawn", "实抽"), ("inspected", "已查")):
            out.append(Field(f"{sub}_{cat}", f"{CATEGORY_LABELS[cat]}", label, "家次", ("categories", cat, sub)))
    out += [
        Field("required", "各类合计", "应抽", "家次", ("checks", "required")),
        Field("drawn", "各类合计", "实抽", "家次", ("checks", "drawn")),
        Field("inspected", "各类合计", "已查", "家次", ("checks", "inspected")),
        Field("offsite", "检查方式", "非现场", "家次", ("checks", "offsite")),
        Field("internal_joint", "检查方式", "内部联合", "家次", ("checks", "internal_joint")),
        Field("dept_joint", "检查方式", "部门联合", "家次", ("checks", "dept_joint")),
        Field("problems_found", "查处情况", "发现问题", "家次", ("checks", "problems_found")),
        Field("problem_count", "查处情况", "问题个数", "个", ("checks", "problem_count")),
        Field("rectify", "查处情况", "责令整改", "家", ("checks", "rectify")),
        Field("cases", "查处情况", "立案", "件", ("checks", "cases")),
        Field("published", "结果公示", OutcomeState.PUBLISHED, "家次", ("checks", "published")),
        Field(
            "publication_rate",
            "结果公示",
            "公示率",
            "%",
            ("rates", "publication_rate"),
            rate=("published", "inspected"),
        ),
        Field(
            "credit_rate", "信用风险分类", "运用比例", "%", ("rates", "credit_rate"), rate=("credit_used", "inspected")
        ),
        Field(
            "annual_coverage",
            "年度覆盖",
            "覆盖率",
            "%",
            ("rates", "annual_coverage"),
            rate=("annual_checked", "obj_total"),
        ),
    ]
    return out


FIELDS: list[Field] = _count_fields()
# Hidden helper counts that rates are recomputed from (kept in the data, not shown as columns).
HIDDEN_SUMS = {"credit_used": ("checks", "credit_used"), "annual_checked": ("annual", "objects_checked")}


pct = figures.pct  # one rounding for every rate (app.services.foundation.figures)


def get_path(data: dict, path: tuple[str, ...], default=0):
    cur = data
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return default
        cur = cur[key]
    return cur


def flat_counts(stats: dict) -> dict[str, float]:
    """Every summable figure of a stats dict under its field key (rates excluded)."""
    out: dict[str, float] = {}
    for f in FIELDS:
        if f.rate is None:
            v = get_path(stats, f.path)
            out[f.key] = v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0
    for key, path in HIDDEN_SUMS.items():
        v = get_path(stats, path)
        out[key] = v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0
    return out


def category_labels(session: Session) -> dict[str, str]:
    """{kind: name} of the four categories of the form, named as the active rules name them."""
    try:
        rules = policies.active_rules(session)
    except UserError:
        rules = None
    return policies.category_labels(rules)


def labels_of(stats: dict) -> dict[str, str]:
    return stats.get("category_labels") or dict(CATEGORY_LABELS)


def field_group(f: Field, stats: dict) -> str:
    """The group header of a column, with the category named as the office's rules name it."""
    if len(f.path) == 3 and f.path[0] == "categories":
        return labels_of(stats)[f.path[1]]
    return f.group


def figure_rows(stats: dict) -> list[tuple[str, str, object, str, str]]:
    """(group, label, value, unit, text) for each column of the form; a rate's text carries its counts."""
    counts = flat_counts(stats)
    out = []
    for f, v in zip(FIELDS, row_values(stats)):
        if f.rate:
            text = figures.rate_text(int(counts[f.rate[0]]), int(counts[f.rate[1]]))
        else:
            text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        label = f.label
        if f.path[:1] == ("objects",) and f.path[-1] in CATEGORIES:  # 污染源家数 by category, named as the rules do
            label = labels_of(stats)[f.path[-1]]
        out.append((field_group(f, stats), label, v, f.unit, text))
    return out


def row_values(stats: dict) -> list[float]:
    """The values of one table row, in FIELDS order, rates recomputed from the counts."""
    counts = flat_counts(stats)
    return [pct(counts[f.rate[0]], counts[f.rate[1]]) if f.rate else counts[f.key] for f in FIELDS]


def sum_rows(stats_list: list[dict]) -> list[float]:
    """A totals row: counts summed, rates recomputed from the summed counts (never averaged)."""
    totals: dict[str, float] = defaultdict(float)
    for s in stats_list:
        for k, v in flat_counts(s).items():
            totals[k] += v
    out = []
    for f in FIELDS:
        if f.rate:
            out.append(pct(totals[f.rate[0]], totals[f.rate[1]]))
        else:
            v = totals[f.key]
            out.append(int(v) if float(v).is_integer() else v)
    return out


# --------------------------------------------------------------------------- classification


def category_bucket(category: str, stratum: str = "", permit_class: str = "") -> str:
    """Map a supervision category (and stratum) text to one of 特殊/重点/简化/一般.

    Presets without a 简化 category (泽州: 非重点; 秦皇岛: 一般) put 简化管理 units among the general
    objects; the bureau's table still has a 简化 column, so a general object whose 排污许可管理类别 is
    简化管理 is counted there (and 一般 keeps the 登记管理/unlicensed rest).
    """
    text = category or ""
    for cat in ("特殊", "重点", "简化"):
        if cat in text:
            return cat
    if "简化" in (stratum or "") or permit_class == "简化管理":
        return "简化"
    return "一般"


def fallback_category(obj) -> str:
    """The category when no classification service/policy is available (documented in the module doc)."""
    if obj.category_override:
        return category_bucket(obj.category_override, "", obj.permit_class)
    if obj.special_situations:
        return "特殊"
    if obj.permit_class == "重点管理" or obj.key_polluter:
        return "重点"
    if obj.permit_class == "简化管理":
        return "简化"
    return "一般"


def object_rows(session: Session) -> list:
    """Every object as a read-only row of the columns classification reads (`classification.POOL_COLUMNS`),
    in id order — what the statistics count; no ORM objects (a municipal pool holds 100,000)."""
    columns = [getattr(InspectionObject, c) for c in classification.POOL_COLUMNS]
    return session.execute(select(*columns).order_by(InspectionObject.id)).all()


def classify_pool(session: Session, period: Period, objects: list) -> tuple[list, dict[int, str], str]:
    """(pool objects, {object_id: bucket}, source) for `objects` — every object, as `object_rows` reads them;
    source is "classification" or "fallback".

    With a rule set, the pool and the categories are exactly what the draw uses
    (`app.services.rules.classification.classify`, which leaves out what the pool leaves out); without one every
    object in state 存续/停产 is in the pool and `fallback_category` decides.
    """
    try:
        result = classification.classify(session, objects, period=period.code)
    except UserError:  # no rule set chosen yet
        active = [o for o in objects if o.status in ACTIVE_OBJECT_STATUSES]
        return active, {o.id: fallback_category(o) for o in active}, "fallback"
    pool = [o for o in objects if o.id in result]
    buckets = {o.id: category_bucket(result[o.id].category, result[o.id].stratum, o.permit_class) for o in pool}
    return pool, buckets, "classification"


# --------------------------------------------------------------------------- periods


def period_codes(period: Period) -> set[str]:
    """The draw period codes that belong to a period (a year holds its halves and quarters)."""
    codes = {period.code}
    if period.kind in ("half", "year"):
        codes |= {q.code for q in period.quarters}
    if period.kind == "year":
        codes |= {f"{period.year}H1", f"{period.year}H2"}
    return codes


def year_to_date_codes(period: Period) -> set[str]:
    """Draw period codes of the year up to the period's end."""
    last_q = period.quarters[-1].index
    codes = {f"{period.year}Q{q}" for q in range(1, last_q + 1)}
    if last_q >= 2:
        codes.add(f"{period.year}H1")
    if last_q == 4:
        codes |= {f"{period.year}H2", str(period.year)}
    return codes


# --------------------------------------------------------------------------- the figures


# the rule documents' target keys (resources/policies/*.json "targets", see app.services.rules.targets)
POLICY_TARGET_KEYS = {
    "internal_joint_share": "internal_joint_rate",
    "joint_per_quarter": "dept_joint_checks",
    "credit_use_share": "credit_rate",
    "annual_coverage": "annual_coverage",
    "publication_rate": "publication_rate",
}


def _target_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text[:-1]) if text.endswith("%") else float(text)
        except ValueError:
            return None
    return None


def _targets(session: Session) -> tuple[dict[str, float], str]:
    """The targets to track and where they come from: the active rule document's "targets" (only those it
    states), or — with no rule set yet — the defaults (秦皇岛/泽州 figures)."""
    pv = session.scalar(select(PolicyVersion).where(PolicyVersion.active.is_(True)).order_by(PolicyVersion.id.desc()))
    rules = pv.rules if pv is not None and isinstance(pv.rules, dict) else None
    if rules is None:
        return dict(DEFAULT_TARGETS), "默认目标"
    targets = {}
    for key, value in (rules.get("targets") or {}).items():
        mine = POLICY_TARGET_KEYS.get(key, key if key in DEFAULT_TARGETS else None)
        number = _target_number(value)
        if mine is not None and number is not None:
            targets[mine] = number
    return targets, rules.get("name") or pv.name or pv.policy_id


def _selections(session: Session, codes: set[str], memo: dict | None = None):
    """(selection, draw, outcome, plan_kind, object) rows of counted draws in the given period codes.

    With a `memo` (one dict for one document, e.g. the annual report: the year, its quarters and the year to
    date), each period code is read once and the rows reused; without one, read now."""
    if memo is None:
        return _read_selections(session, codes)
    cached = memo.setdefault("selections", {})
    missing = set(codes) - cached.keys()
    if missing:
        for code in missing:
            cached[code] = []
        for row in _read_selections(session, missing):
            cached[row[1].period].append(row)
    return sorted((row for code in codes for row in cached[code]), key=lambda row: row[0].id)


def _read_selections(session: Session, codes: set[str]):
    q = (
        select(DrawSelection, Draw, Outcome, Plan.kind, InspectionObject)
        # not the draw's snapshot, record and result (the whole pool) once per row: out of memory at 100,000
        .options(defer(Draw.snapshot), defer(Draw.record), defer(Draw.result))
        .join(Draw, DrawSelection.draw_id == Draw.id)
        .outerjoin(Outcome, Outcome.selection_id == DrawSelection.id)
        .outerjoin(Task, Draw.task_id == Task.id)
        .outerjoin(Plan, Task.plan_id == Plan.id)
        .outerjoin(InspectionObject, DrawSelection.object_id == InspectionObject.id)
        .where(Draw.period.in_(sorted(codes)), Draw.state.in_(LIVE_DRAW_STATES))
        .order_by(DrawSelection.id)
    )
    return session.execute(q).all()


def _is_inspected(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.state != OutcomeState.NOT_ENTERED


CHECK_KEYS = (
    "required",
    "drawn",
    "inspected",
    "offsite",
    "internal_joint",
    "dept_joint",
    "problems_found",
    "problem_count",
    "rectify",
    "cases",
    "published",
    "credit_used",
)


def check_counts(session: Session, codes: set[str], memo: dict | None = None) -> dict:
    """Per-category and overall 家次 for the draws of the given period codes (`memo`: see `_selections`; the
    counts of a set of codes asked for again are a copy of those counted the first time)."""
    if memo is not None:
        key = ("check_counts", frozenset(codes))
        if key not in memo:
            memo[key] = _check_counts(session, codes, memo)
        return copy.deepcopy(memo[key])
    return _check_counts(session, codes, None)


def _check_counts(session: Session, codes: set[str], memo: dict | None) -> dict:
    cats = {c: dict.fromkeys(CHECK_KEYS, 0) for c in CATEGORIES}
    strata: dict[tuple[str, str], dict] = {}
    checked_objects: set = set()
    dept_joint_draws: set[int] = set()
    if memo is not None and "merged" in memo:
        merged = memo["merged"]
    else:
        merged = merged_selection_ids(session)  # 内部联合 visits the clerk accepted (app.services.outcomes.joint)
        if memo is not None:
            memo["merged"] = merged

    for sel, draw, outcome, plan_kind, obj in _selections(session, codes, memo):
        cat = category_bucket(sel.category, sel.stratum, obj.permit_class if obj is not None else "")
        skey = (sel.category or CATEGORY_LABELS[cat], sel.stratum or "")
        srow = strata.setdefault(
            skey, {"category": skey[0], "stratum": skey[1], "bucket": cat, "required": 0, "drawn": 0, "inspected": 0}
        )
        c = cats[cat]
        if sel.replacement_of_id is None:
            c["required"] += 1
            srow["required"] += 1
        if not sel.active:
            continue
        c["drawn"] += 1
        srow["drawn"] += 1
        if plan_kind == "部门联合":
            dept_joint_draws.add(draw.id)
        if not _is_inspected(outcome):
            continue
        c["inspected"] += 1
        srow["inspected"] += 1
        checked_objects.add(sel.object_id if sel.object_id is not None else sel.uscc)
        result = outcome.result or ""
        if "非现场" in (sel.mode or "") or "非现场" in (outcome.method or ""):
            c["offsite"] += 1
        if plan_kind == "部门联合":
            c["dept_joint"] += 1
        elif plan_kind == "内部联合" or sel.id in merged:
            c["internal_joint"] += 1
        problems = int(outcome.problems or 0)
        if problems > 0 or result.startswith(("发现问题", "发现违法")):
            c["problems_found"] += 1
        c["problem_count"] += problems
        if outcome.rectify_deadline is not None or "责令整改" in result:
            c["rectify"] += 1
        if (outcome.case_no or "").strip() or "立案" in result:
            c["cases"] += 1
        if outcome.publication_id is not None or outcome.state == OutcomeState.PUBLISHED:
            c["published"] += 1
        if obj is not None and ((obj.credit_risk or "").strip() or (obj.credit_grade or "").strip()):
            c["credit_used"] += 1
    checks = {k: sum(cats[c][k] for c in CATEGORIES) for k in CHECK_KEYS}
    return {
        "categories": cats,
        "strata": sorted(strata.values(), key=lambda r: (CATEGORIES.index(r["bucket"]), r["category"], r["stratum"])),
        "checks": checks,
        "checked_objects": checked_objects,
        "dept_joint_draws": len(dept_joint_draws),
    }


def compute(session: Session, period: str | Period, memo: dict | None = None) -> dict:
    """The statistics of one period (quarter, half or year) as a JSON-able dict (`memo`: see `_selections`)."""
    p = parse_period(period) if isinstance(period, str) else period
    office = session.scalar(select(Office).order_by(Office.id).limit(1))
    objects, buckets, source = classify_pool(session, p, object_rows(session))
    obj_counts = {
        "total": len(objects),
        **{c: 0 for c in CATEGORIES},
        "positive_list": sum(1 for o in objects if o.positive_list),
    }
    for b in buckets.values():
        obj_counts[b] += 1
    inspectors = session.scalars(
        select(Inspector).where(Inspector.kind == "执法人员", Inspector.on_duty.is_(True))
    ).all()
    inspectors_on_duty = sum(1 for i in inspectors if (i.cert_no or "").strip())

    current = check_counts(session, period_codes(p), memo)
    ytd = check_counts(session, year_to_date_codes(p), memo)
    annual_checked = len(ytd["checked_objects"])
    checks = current["checks"]
    rates = {
        "publication_rate": pct(checks["published"], checks["inspected"]),
        "credit_rate": pct(checks["credit_used"], checks["inspected"]),
        "internal_joint_rate": pct(checks["internal_joint"], checks["inspected"]),
        "dept_joint_rate": pct(checks["dept_joint"], checks["inspected"]),
        "offsite_rate": pct(checks["offsite"], checks["inspected"]),
        "completion_rate": pct(checks["inspected"], checks["required"]),
        "annual_coverage": pct(annual_checked, len(objects)),
    }
    targets, targets_source = _targets(session)
    actuals = {
        "internal_joint_rate": rates["internal_joint_rate"],
        "dept_joint_checks": current["dept_joint_draws"],
        "credit_rate": rates["credit_rate"],
        "annual_coverage": rates["annual_coverage"],
        "publication_rate": rates["publication_rate"],
    }
    counts_of = {  # the counts each rate comes from, written beside it (figures.rate_text)
        "internal_joint_rate": (checks["internal_joint"], checks["inspected"]),
        "credit_rate": (checks["credit_used"], checks["inspected"]),
        "annual_coverage": (annual_checked, len(objects)),
        "publication_rate": (checks["published"], checks["inspected"]),
    }
    target_rows = []
    for key, target in targets.items():
        label, unit = TARGET_LABELS[key]
        actual = actuals[key]
        text = figures.rate_text(*counts_of[key]) if key in counts_of else figures.count_text(actual, unit)
        target_rows.append(
            {
                "key": key,
                "name": label,
                "unit": unit,
                "target": target,
                "actual": actual,
                "text": text,
                "met": bool(actual >= target),
            }
        )
    progress = []
    cum_req = cum_done = 0
    for q in parse_period(str(p.year)).quarters:
        if q.index > p.quarters[-1].index:
            break
        qc = check_counts(session, {q.code}, memo)
        cum_req += qc["checks"]["required"]
        cum_done += qc["checks"]["inspected"]
        progress.append(
            {
                "quarter": q.code,
                "required": qc["checks"]["required"],
                "inspected": qc["checks"]["inspected"],
                "cumulative_required": cum_req,
                "cumulative_inspected": cum_done,
            }
        )
    return {
        "format": "ssj-stats",
        "format_version": 1,
        "office": office.name if office else "",
        "region_code": office.region_code if office else "",
        "period": p.code,
        "period_label": p.label,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "classification_source": source,
        "objects": obj_counts,
        "inspectors_on_duty": inspectors_on_duty,
        "categories": current["categories"],
        "strata": current["strata"],
        "checks": checks,
        "dept_joint_draws": current["dept_joint_draws"],
        "rates": rates,
        "annual": {"objects_checked": annual_checked, "pool": len(objects), "coverage": rates["annual_coverage"]},
        "targets": target_rows,
        "targets_source": targets_source,
        "category_labels": category_labels(session),
        "progress": progress,
    }


def quarter_rows(session: Session, period: str | Period, memo: dict | None = None) -> list[tuple[str, dict]]:
    """The rows of the county's 季度统计表: each quarter of the year up to the period."""
    p = parse_period(period) if isinstance(period, str) else period
    memo = {} if memo is None else memo  # the quarters share their reads
    return [
        (q.label.replace(f"{q.year}年", ""), compute(session, q, memo))
        for q in parse_period(str(p.year)).quarters
        if q.index <= p.quarters[-1].index
    ]


def dumps(stats: dict) -> str:
    return json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def dashboard_items(session: Session, today) -> list[dict]:
    """首页 (county): this quarter's 已查/应抽. The city's item comes from `app.services.exchange.packages`."""
    from app.services.foundation.periods import period_of

    office = session.scalar(select(Office).order_by(Office.id).limit(1))
    p = period_of(today)
    if office is not None and office.level == "city":
        return []
    c = check_counts(session, period_codes(p))["checks"]
    if not c["required"]:
        return []
    level = "info" if c["inspected"] >= c["required"] else "warn"
    return [
        {
            "title": f"{p.label}抽查进度",
            "value": f"{c['inspected']}/{c['required']}",
            "detail": f"已查 {c['inspected']} 家次，应抽 {c['required']} 家次；已公示 {c['published']} 家次",
            "level": level,
            "page": "stats",
        }
    ]


# --------------------------------------------------------------------------- 名录库调整信息

ADJUSTMENT_KINDS = ("新增", "类型变更", "消亡", "正面清单调整", "查处情况")
_TYPE_FIELDS = {"permit_class", "key_polluter", "category_override", "category", "special_situations"}
_FIELD_LABELS = {
    "permit_class": "排污许可管理类别",
    "key_polluter": "重点排污单位",
    "category_override": "监管类别",
    "category": "监管类别",
    "special_situations": "特殊监管情形",
    "status": "状态",
    "positive_list": "正面清单",
}


def _adjustment_kind(change) -> str | None:
    kind = (change.kind or "").strip()
    field = (change.field or "").strip()
    if kind == "新增":
        return "新增"
    if kind in ("消亡", "注销", "迁出", "注销/迁出") or (field == "status" and change.new_value in ("注销", "迁出")):
        return "消亡"
    if kind == "正面清单调整" or field == "positive_list":
        return "正面清单调整"
    if kind == "类型变更" or field in _TYPE_FIELDS:
        return "类型变更"
    return None


def adjustments(session: Session, period: str | Period) -> dict:
    """名录库调整信息 of a period: {kind: [rows]} from the object history and the period's outcomes."""
    from app.models.pools import ObjectChange

    p = parse_period(period) if isinstance(period, str) else period
    out: dict[str, list[dict]] = {k: [] for k in ADJUSTMENT_KINDS}
    q = (
        select(ObjectChange, InspectionObject)
        .join(InspectionObject, ObjectChange.object_id == InspectionObject.id)
        .order_by(ObjectChange.ts, ObjectChange.id)
    )
    for change, obj in session.execute(q).all():
        day = change.effective_date or (change.ts.date() if change.ts else None)
        if day is None or not p.contains(day):
            continue
        kind = _adjustment_kind(change)
        if kind is None:
            continue
        field = _FIELD_LABELS.get(change.field, change.field or "")
        if kind == "新增":
            content = f"新增入库（{obj.permit_class or '类别未填'}）"
        elif change.old_value or change.new_value:
            content = f"{field}：{change.old_value or '（空）'} → {change.new_value or '（空）'}"
        else:
            content = field or kind
        out[kind].append(
            {
                "name": obj.name,
                "uscc": obj.uscc,
                "kind": kind,
                "content": content,
                "date": day.isoformat(),
                "source": change.source or "",
                "user": change.user or "",
            }
        )
    for sel, draw, outcome, _kind, obj in _selections(session, period_codes(p)):
        if not sel.active or not _is_inspected(outcome):
            continue
        result = outcome.result or ""
        has_case = bool((outcome.case_no or "").strip())
        rectify = outcome.rectify_deadline is not None or "责令整改" in result
        if not (has_case or rectify or int(outcome.problems or 0) > 0):
            continue
        parts = []
        if outcome.problems:
            parts.append(f"发现问题 {outcome.problems} 个")
        if rectify:
            parts.append(
                "责令整改" + (f"（期限 {outcome.rectify_deadline.isoformat()}）" if outcome.rectify_deadline else "")
            )
        if has_case:
            parts.append(f"立案 {outcome.case_no}")
        if outcome.penalty_amount is not None:
            parts.append(f"罚款 {float(outcome.penalty_amount):.2f} 元")
        out["查处情况"].append(
            {
                "name": sel.name or (obj.name if obj else ""),
                "uscc": sel.uscc,
                "kind": "查处情况",
                "content": "；".join(parts) + (f"。{result}" if result else ""),
                "date": outcome.check_date.isoformat() if outcome.check_date else "",
                "source": f"抽取记录 #{draw.id}",
                "user": outcome.entered_by or "",
            }
        )
    return {"period": p.code, "period_label": p.label, "counts": {k: len(v) for k, v in out.items()}, "items": out}


def case_candidates(session: Session, year: int) -> list[dict]:
    """The year's outcomes with problems, a case number or a rectification deadline (典型案例 candidates)."""
    q = (
        select(Outcome, DrawSelection)
        .join(DrawSelection, Outcome.selection_id == DrawSelection.id)
        .join(Draw, DrawSelection.draw_id == Draw.id)
        .where(Draw.period.like(f"{year}%"), Draw.state.in_(LIVE_DRAW_STATES))
        .order_by(Outcome.check_date, Outcome.id)
    )
    out = []
    for o, sel in session.execute(q).all():
        if (o.problems or 0) > 0 or o.case_no or o.rectify_deadline:
            out.append(
                {
                    "id": o.id,
                    "name": sel.name,
                    "check_date": o.check_date.isoformat() if o.check_date else "",
                    "result": o.result,
                }
            )
    return out
