"""监管规则: the office's published rules as data (presets in resources/policies/<id>.json).

A rule document (schema ``ssj-rules/1``) holds:

* ``pool``: which objects are in the 检查对象名录库 at all (statuses and conditions excluded);
* ``categories``: 监管类别 with membership ``conditions`` (any-of), an optional list of ``strata``
  (first match wins; an empty condition list is a catch-all), a ``ratio`` ({"value": "25%", "per": "季度"})
  and a ``mode`` (现场/非现场);
* ``precedence``: the order in which overlapping categories win (秦皇岛's conflict rule is expressed here
  and documented in ``conflicts``);
* ``mode_rules``: objects checked 非现场 (正面清单 …), ``step_up``: ratio increases (信用风险), ``exclusions``
  (威海 第十八条), ``extra_pools`` (泽州 核技术利用单位 …), ``targets`` and ``publication``.

Every rule carries ``source`` (the sentence of the document) and, where the document is ambiguous,
``choice`` (the reading this preset picked). Ratios are exact fractions ("25%", "0.5%", "1/4").
"""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date
from fractions import Fraction
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.core import Office
from app.models.rules import PolicyVersion
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError

SCHEMA = "ssj-rules/1"
PRESET_IDS = (
    "qinhuangdao-city-2024",
    "qinhuangdao-county-2024",
    "wugang-2024",
    "longyao-2026",
    "zezhou-2024",
    "weihai",
)
PERIOD_UNITS = {"季度": 1, "半年": 2, "年": 4}  # length in quarters
MODES = ("现场", "非现场")
CATEGORY_KINDS = ("特殊", "重点", "简化", "一般")  # for statistics columns
UNCLASSIFIED = "未分类"

# Object fields a condition may test, with their kind.
FIELDS = {
    "permit_class": "str",
    "key_polluter": "bool",
    "industry": "str",
    "pollution_types": "list",
    "township": "str",
    "status": "str",
    "positive_list": "bool",
    "credit_grade": "str",
    "credit_risk": "str",
    "air_grade": "str",
    "special_situations": "list",
    "tags": "list",
    "name": "str",
    "penalized_last_quarter": "bool",  # derived: special situation 上一季度被处罚 or 立案/处罚 in the last quarter
}
FIELD_LABELS = {
    "permit_class": "排污许可管理类别",
    "key_polluter": "重点排污单位",
    "industry": "行业类别",
    "pollution_types": "污染类型",
    "township": "所属乡镇",
    "status": "状态",
    "positive_list": "正面清单",
    "credit_grade": "信用等级",
    "credit_risk": "信用风险等级",
    "air_grade": "大气绩效等级",
    "special_situations": "特殊监管情形",
    "tags": "标签",
    "name": "单位名称",
    "penalized_last_quarter": "上一季度被处罚",
}
OPS = ("in", "is", "has_any", "contains_any")

TOP_KEYS = {
    "schema",
    "id",
    "name",
    "office",
    "document",
    "level",
    "year",
    "description",
    "pool",
    "categories",
    "precedence",
    "conflicts",
    "mode_rules",
    "step_up",
    "exclusions",
    "extra_pools",
    "targets",
    "publication",
    "choices",
    "reporting",
}
REQUIRED_TOP = {"schema", "id", "name", "categories", "precedence"}
CATEGORY_KEYS = {"id", "name", "kind", "conditions", "strata", "ratio", "mode", "source", "choice", "note"}
STRATUM_KEYS = {"id", "name", "conditions", "ratio", "mode", "source", "choice", "note"}
RATIO_KEYS = {"value", "per", "in_quarter", "source", "choice"}
COND_KEYS = {
    "id",
    "label",
    "field",
    "in",
    "is",
    "has_any",
    "contains_any",
    "any",
    "all",
    "not",
    "always",
    "source",
    "choice",
}
MODE_RULE_KEYS = {"id", "label", "conditions", "categories", "mode", "source", "choice"}
STEP_KEYS = {"id", "label", "conditions", "add", "source", "choice", "set_by", "set_at"}
WAITING = "待本单位确定"  # a step-up whose amount the document does not state (no "add" yet)
STEP_UP_KEYS = {"steps", "source", "choice", "applies_to"}
EXCLUSION_KEYS = {"id", "kind", "label", "tag", "results", "except_categories", "source", "choice"}
EXCLUSION_KINDS = ("drawn_this_year_no_problem", "higher_level_tag")
EXTRA_POOL_KEYS = {"id", "name", "conditions", "ratio", "mode", "source", "choice", "note"}
POOL_KEYS = {"exclude_statuses", "exclude_conditions", "source", "choice"}
TARGET_KEYS = {
    "internal_joint_share",
    "joint_per_quarter",
    "credit_use_share",
    "annual_coverage",
    "publication_rate",
    "source",
    "choice",
}
PUBLICATION_KEYS = {"workdays", "from", "source", "choice"}
PUBLICATION_FROM = ("结果认定", "季度任务完成")
CONFLICT_KEYS = {"between", "winner", "narrow_conditions", "narrow", "source", "choice"}
REPORTING_KEYS = {"id", "title", "every", "rule", "days", "month", "day", "source", "choice"}
REPORTING_EVERY = ("季度", "年")
# "rule" of a reporting deadline:
#   workdays_before_quarter_end (days)   每季度结束前 n 个工作日内
#   days_before_quarter_end (days)       每季度结束前 n 日
#   next_month_day (day)                 每季度（任务完成后）次月 n 日前
#   yearly_date (month, day)             每年 m 月 d 日前
REPORTING_RULES = ("workdays_before_quarter_end", "days_before_quarter_end", "next_month_day", "yearly_date")


# ------------------------------------------------------------------ ratios


def parse_ratio(value, where: str = "ratio") -> Fraction:
    """ "25%" / "0.5%" / "1/4" / "1:4" (read as 1 of 4) / "全覆盖" / 0.25 → Fraction in [0, 1]."""
    if isinstance(value, bool) or value is None:
        raise UserError(f"{where}：比例“{value}”无效，应写成 25%、0.5% 或 1/4。")
    if isinstance(value, (int, float)):
        frac = Fraction(str(value))
    else:
        text = str(value).strip().replace("％", "%").replace("：", ":")
        try:
            if text in ("全覆盖", "全部", "100%"):
                frac = Fraction(1)
            elif text.endswith("%"):
                frac = Fraction(text[:-1].strip()) / 100
            elif "/" in text:
                a, b = text.split("/", 1)
                frac = Fraction(int(a), int(b))
            elif ":" in text:
                a, b = text.split(":", 1)
                frac = Fraction(int(a), int(b))
            else:
                frac = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise UserError(f"{where}：比例“{value}”无法识别，应写成 25%、0.5% 或 1/4。") from None
    if frac < 0 or frac > 1:
        raise UserError(f"{where}：比例“{value}”超出范围，应在 0% 到 100% 之间。")
    return frac


def format_ratio(frac: Fraction) -> str:
    pct = frac * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    text = f"{float(pct):.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


# ------------------------------------------------------------------ presets


def _preset_dir():
    return resources.files("resources") / "policies"


def preset_ids() -> list[str]:
    return list(PRESET_IDS)


def load_preset(preset_id: str) -> dict:
    if preset_id not in PRESET_IDS:
        raise UserError(f"没有名为“{preset_id}”的规则预设。可选：{'、'.join(PRESET_IDS)}。")
    text = (_preset_dir() / f"{preset_id}.json").read_text(encoding="utf-8")
    return json.loads(text)


def preset_names() -> dict[str, str]:
    return {pid: load_preset(pid)["name"] for pid in PRESET_IDS}


# ------------------------------------------------------------------ validation


def _unknown(d: dict, allowed: set, where: str) -> None:
    if not isinstance(d, dict):
        raise UserError(f"{where}：应为一个对象（{{…}}），实际是 {type(d).__name__}。")
    extra = sorted(set(d) - allowed)
    if extra:
        raise UserError(f"{where}：未知字段“{'、'.join(extra)}”。允许的字段：{'、'.join(sorted(allowed))}。")


def _validate_condition(c, where: str) -> None:
    _unknown(c, COND_KEYS, where)
    ops = [k for k in ("field", "any", "all", "not", "always") if k in c]
    if len(ops) != 1:
        raise UserError(f"{where}：条件必须且只能含 field / any / all / not / always 之一。")
    if "any" in c or "all" in c:
        key = "any" if "any" in c else "all"
        if not isinstance(c[key], list) or not c[key]:
            raise UserError(f"{where}：“{key}”应为非空的条件列表。")
        for i, sub in enumerate(c[key], 1):
            _validate_condition(sub, f"{where} › {key} 第{i}项")
        return
    if "not" in c:
        _validate_condition(c["not"], f"{where} › not")
        return
    if "always" in c:
        if c["always"] is not True:
            raise UserError(f"{where}：“always”只能为 true。")
        return
    field = c["field"]
    if field not in FIELDS:
        raise UserError(f"{where}：未知的对象字段“{field}”。可用字段：{'、'.join(FIELDS)}。")
    ops_here = [k for k in OPS if k in c]
    if len(ops_here) != 1:
        raise UserError(f"{where}：字段“{field}”须且只能用 in / is / has_any / contains_any 之一比较。")
    op = ops_here[0]
    kind = FIELDS[field]
    if op == "is":
        if kind != "bool" or not isinstance(c["is"], bool):
            raise UserError(f"{where}：“is”只用于是/否字段，值为 true 或 false（字段“{field}”）。")
    elif op == "has_any":
        if kind != "list":
            raise UserError(f"{where}：“has_any”只用于列表字段（特殊监管情形、标签、污染类型），不能用于“{field}”。")
    elif kind == "list" and op == "in":
        raise UserError(f"{where}：列表字段“{field}”请用 has_any。")
    elif kind == "bool":
        raise UserError(f"{where}：是/否字段“{field}”请用 is。")
    if op != "is":
        vals = c[op]
        if not isinstance(vals, list) or not vals or not all(isinstance(v, str) for v in vals):
            raise UserError(f"{where}：“{op}”应为非空的文字列表。")


def _validate_conditions(conds, where: str, *, allow_empty: bool) -> None:
    if not isinstance(conds, list):
        raise UserError(f"{where} › conditions：应为条件列表（满足任一即可）。")
    if not conds and not allow_empty:
        raise UserError(f"{where} › conditions：条件列表为空，此类别不会包含任何对象。")
    for i, c in enumerate(conds, 1):
        _validate_condition(c, f"{where} › 条件{i}")


def _validate_ratio(r, where: str, *, required: bool = True) -> None:
    if r is None:
        if required:
            raise UserError(f"{where}：缺少“ratio”（抽查比例）。")
        return
    _unknown(r, RATIO_KEYS, f"{where} › ratio")
    if "value" not in r:
        raise UserError(f"{where} › ratio：缺少“value”（如 25%）。")
    parse_ratio(r["value"], f"{where} › ratio")
    per = r.get("per", "季度")
    if per not in PERIOD_UNITS:
        raise UserError(f"{where} › ratio：周期“{per}”无效，应为 季度、半年 或 年。")
    if "in_quarter" in r:
        q = r["in_quarter"]
        if not isinstance(q, int) or isinstance(q, bool) or not 1 <= q <= PERIOD_UNITS[per]:
            raise UserError(
                f"{where} › ratio：in_quarter 应为 1 到 {PERIOD_UNITS[per]} 之间的整数（该周期内第几个季度执行）。"
            )


def _validate_mode(mode, where: str) -> None:
    if mode not in MODES:
        raise UserError(f"{where}：检查模式“{mode}”无效，应为 现场 或 非现场。")


def validate_rules(doc) -> None:
    """Raise UserError naming the rule and field at the first problem; return None if the document is usable."""
    if not isinstance(doc, dict):
        raise UserError("规则文件的内容应为一个 JSON 对象。")
    _unknown(doc, TOP_KEYS, "规则文件")
    missing = sorted(REQUIRED_TOP - set(doc))
    if missing:
        raise UserError(f"规则文件：缺少字段“{'、'.join(missing)}”。")
    if doc["schema"] != SCHEMA:
        raise UserError(f"规则文件：schema 应为“{SCHEMA}”，实际为“{doc['schema']}”。")
    if not isinstance(doc["id"], str) or not doc["id"].strip():
        raise UserError("规则文件：id 不能为空。")
    pool = doc.get("pool", {})
    _unknown(pool, POOL_KEYS, "pool（名录库范围）")
    _validate_conditions(pool.get("exclude_conditions", []), "pool", allow_empty=True)
    cats = doc["categories"]
    if not isinstance(cats, list) or not cats:
        raise UserError("规则文件：categories（监管类别）应为非空列表。")
    ids, names = set(), set()
    for i, cat in enumerate(cats, 1):
        where = f"类别{i}"
        _unknown(cat, CATEGORY_KEYS, where)
        for key in ("id", "name", "conditions"):
            if key not in cat:
                raise UserError(f"{where}：缺少字段“{key}”。")
        where = f"类别“{cat['name']}”"
        if cat["id"] in ids or cat["name"] in names:
            raise UserError(f"{where}：类别 id 或名称重复。")
        if cat["name"] == UNCLASSIFIED:
            raise UserError(f"{where}：“{UNCLASSIFIED}”是保留名称，不能作为类别。")
        if "kind" in cat and cat["kind"] not in CATEGORY_KINDS:
            raise UserError(f"{where}：kind“{cat['kind']}”无效，应为 {'、'.join(CATEGORY_KINDS)} 之一。")
        ids.add(cat["id"])
        names.add(cat["name"])
        _validate_conditions(cat["conditions"], where, allow_empty=False)
        if "mode" in cat:
            _validate_mode(cat["mode"], where)
        strata = cat.get("strata")
        if strata:
            if not isinstance(strata, list):
                raise UserError(f"{where} › strata：应为列表。")
            snames = set()
            for j, st in enumerate(strata, 1):
                swhere = f"{where} › 分层{j}"
                _unknown(st, STRATUM_KEYS, swhere)
                if "name" not in st:
                    raise UserError(f"{swhere}：缺少“name”（区分词，如 简化管理）。")
                swhere = f"{where} › 分层“{st['name']}”"
                if st["name"] in snames:
                    raise UserError(f"{swhere}：分层名称重复。")
                snames.add(st["name"])
                _validate_conditions(st.get("conditions", []), swhere, allow_empty=True)
                _validate_ratio(st.get("ratio", cat.get("ratio")), swhere, required=False)
                if "mode" in st:
                    _validate_mode(st["mode"], swhere)
        else:
            _validate_ratio(cat.get("ratio"), where, required=False)
    prec = doc["precedence"]
    if not isinstance(prec, list) or len(set(prec)) != len(prec):
        raise UserError("precedence（优先顺序）：应为类别 id 的列表，且不能重复。")
    unknown = [p for p in prec if p not in ids]
    if unknown:
        raise UserError(f"precedence（优先顺序）：未知的类别 id“{'、'.join(map(str, unknown))}”。")
    missing = [c["name"] for c in cats if c["id"] not in prec]
    if missing and len(cats) > 1:
        raise UserError(
            f"类别“{'、'.join(missing)}”可能与其他类别重叠，但未在 precedence（优先顺序）中给出位置；"
            "请把每个类别的 id 按“重叠时谁优先”的顺序写入 precedence。"
        )
    for i, c in enumerate(doc.get("conflicts", []) or [], 1):
        if not isinstance(c, dict):
            raise UserError(f"conflicts 第{i}项：应为对象。")
        _unknown(c, CONFLICT_KEYS, f"conflicts 第{i}项")
        if "narrow" in c and not isinstance(c["narrow"], bool):
            raise UserError(f"conflicts 第{i}项：narrow 应为 true 或 false。")
        between = c.get("between", [])
        winner = c.get("winner")
        if winner not in between or any(b not in ids for b in between):
            raise UserError(f"conflicts 第{i}项：between 须为已定义的类别 id，winner 须是其中之一。")
        others = [b for b in between if b != winner]
        if any(prec.index(winner) > prec.index(o) for o in others):
            raise UserError(f"conflicts 第{i}项：冲突规则要求“{winner}”优先，但 precedence 中它排在后面。")
    for i, rule in enumerate(doc.get("mode_rules", []) or [], 1):
        where = f"非现场规则{i}"
        _unknown(rule, MODE_RULE_KEYS, where)
        if "conditions" not in rule or "mode" not in rule:
            raise UserError(f"{where}：缺少“conditions”或“mode”。")
        _validate_conditions(rule["conditions"], where, allow_empty=False)
        _validate_mode(rule["mode"], where)
        bad = [c for c in rule.get("categories", []) if c not in ids]
        if bad:
            raise UserError(f"{where} › categories：未知的类别 id“{'、'.join(bad)}”。")
    extra_ids = {ep.get("id") for ep in doc.get("extra_pools", []) or [] if isinstance(ep, dict)}
    step = doc.get("step_up")
    if step:
        _unknown(step, STEP_UP_KEYS, "step_up（比例递加）")
        bad = [c for c in step.get("applies_to", []) if c not in ids and c not in extra_ids]
        if bad:
            raise UserError(f"step_up › applies_to：未知的类别 id“{'、'.join(bad)}”。")
        for i, s in enumerate(step.get("steps", []), 1):
            where = f"step_up 第{i}级"
            _unknown(s, STEP_KEYS, where)
            if "label" not in s or "conditions" not in s:
                raise UserError(f"{where}：缺少“label”或“conditions”。")
            if "add" in s:  # no "add": the document gives no amount, the step waits (待本单位确定)
                parse_ratio(s["add"], f"{where} › add")
            _validate_conditions(s["conditions"], where, allow_empty=False)
    for i, ex in enumerate(doc.get("exclusions", []) or [], 1):
        where = f"剔除规则{i}"
        _unknown(ex, EXCLUSION_KEYS, where)
        if ex.get("kind") not in EXCLUSION_KINDS:
            raise UserError(f"{where}：kind 应为 {' 或 '.join(EXCLUSION_KINDS)}。")
        if ex["kind"] == "higher_level_tag" and not ex.get("tag"):
            raise UserError(f"{where}：higher_level_tag 需要“tag”（如 上级已抽查）。")
        bad = [c for c in ex.get("except_categories", []) if c not in ids]
        if bad:
            raise UserError(f"{where} › except_categories：未知的类别 id“{'、'.join(bad)}”。")
    pool_names = set()
    for i, ep in enumerate(doc.get("extra_pools", []) or [], 1):
        where = f"专项对象库{i}"
        _unknown(ep, EXTRA_POOL_KEYS, where)
        for key in ("id", "name", "conditions", "ratio"):
            if key not in ep:
                raise UserError(f"{where}：缺少字段“{key}”。")
        where = f"专项对象库“{ep['name']}”"
        if ep["name"] in names or ep["name"] in pool_names or ep["id"] in ids:
            raise UserError(f"{where}：名称或 id 与其他类别重复。")
        pool_names.add(ep["name"])
        _validate_conditions(ep["conditions"], where, allow_empty=False)
        _validate_ratio(ep["ratio"], where)
        if "mode" in ep:
            _validate_mode(ep["mode"], where)
    targets = doc.get("targets")
    if targets:
        _unknown(targets, TARGET_KEYS, "targets（年度目标）")
        for key in ("internal_joint_share", "credit_use_share", "annual_coverage", "publication_rate"):
            if key in targets:
                parse_ratio(targets[key], f"targets › {key}")
        if "joint_per_quarter" in targets and (
            not isinstance(targets["joint_per_quarter"], int) or targets["joint_per_quarter"] < 0
        ):
            raise UserError("targets › joint_per_quarter：应为非负整数。")
    for i, rep in enumerate(doc.get("reporting", []) or [], 1):
        where = f"报送期限{i}"
        _unknown(rep, REPORTING_KEYS, where)
        if not rep.get("title"):
            raise UserError(f"{where}：缺少“title”（报送什么）。")
        if rep.get("rule") not in REPORTING_RULES:
            raise UserError(f"{where}：rule 应为 {'、'.join(REPORTING_RULES)} 之一。")
        if rep.get("every", "季度") not in REPORTING_EVERY:
            raise UserError(f"{where}：every 应为 季度 或 年。")
        need = {"yearly_date": ("month", "day"), "next_month_day": ("day",)}.get(rep["rule"], ("days",))
        for key in need:
            if not isinstance(rep.get(key), int) or isinstance(rep.get(key), bool) or rep[key] <= 0:
                raise UserError(f"{where}：“{key}”应为正整数。")
    pub = doc.get("publication")
    if pub:
        _unknown(pub, PUBLICATION_KEYS, "publication（公示期限）")
        if not isinstance(pub.get("workdays"), int) or pub["workdays"] <= 0:
            raise UserError("publication › workdays：应为正整数（工作日数）。")
        if pub.get("from") not in PUBLICATION_FROM:
            raise UserError(f"publication › from：应为 {' 或 '.join(PUBLICATION_FROM)}。")


# ------------------------------------------------------------------ storage


def _read_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"无法读取规则文件“{path}”：{exc.strerror or exc}。") from None
    except UnicodeDecodeError:
        raise UserError(f"规则文件“{path.name}”不是 UTF-8 编码的文本，请用导出的 .json 文件。") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"规则文件“{path.name}”第 {exc.lineno} 行第 {exc.colno} 列：JSON 格式错误（{exc.msg}）。"
        ) from None
    except RecursionError:
        raise UserError(
            f"规则文件“{path.name}”的 JSON 嵌套层数过深，不是规则文件。请用本程序导出的 .json 文件。"
        ) from None


def resolve_rules(id_or_path) -> dict:
    """A preset id, a path to a rule file, or a rule dict → a validated rule document (a copy)."""
    if isinstance(id_or_path, dict):
        doc = deepcopy(id_or_path)
    elif isinstance(id_or_path, str) and id_or_path in PRESET_IDS:
        doc = load_preset(id_or_path)
    else:
        path = Path(id_or_path)
        if not path.exists():
            raise UserError(f"“{id_or_path}”既不是规则预设 id，也不是存在的文件。可选预设：{'、'.join(PRESET_IDS)}。")
        doc = _read_file(path)
        try:
            validate_rules(doc)
        except UserError as exc:
            raise UserError(f"规则文件“{path.name}”：{exc.message}") from None
    validate_rules(doc)
    return doc


def set_policy(session: Session, id_or_path) -> PolicyVersion:
    """Store a new active version of the office's rules (preset id, rule file or dict); sets Office.policy_id."""
    from app.services.foundation import permissions

    permissions.require(session, "rules.edit")
    doc = resolve_rules(id_or_path)
    for old in session.scalars(select(PolicyVersion).where(PolicyVersion.active.is_(True))):
        old.active = False  # through the ORM, so the audit log records it (audit.replay compares)
    version = PolicyVersion(
        policy_id=doc["id"], name=doc.get("name", ""), rules=doc, active=True, created_by=current_user()
    )
    session.add(version)
    office = session.scalar(select(Office).order_by(Office.id).limit(1))
    if office is not None:
        office.policy_id = doc["id"]
    session.flush()
    return version


def set_step_amounts(session: Session, amounts: dict[str, str | None]) -> PolicyVersion:
    """The office enters the step-up amounts a document does not state ({step id: "5%"}; "" or None = 待本单位确定).

    Stored as a new active rule version (audited like every version); a step applies only once it has an amount.
    """
    from app.services.foundation import permissions

    permissions.require(session, "rules.edit")
    doc = active_rules(session)
    steps = {s.get("id", s["label"]): s for s in (doc.get("step_up") or {}).get("steps", [])}
    unknown = [k for k in amounts if k not in steps]
    if unknown:
        known = "、".join(steps) or "（当前规则没有比例递加）"
        raise UserError(f"没有编号为“{'、'.join(unknown)}”的比例递加规则。可选：{known}。")
    for key, value in amounts.items():
        step = steps[key]
        if value in (None, ""):
            for k in ("add", "set_by", "set_at"):
                step.pop(k, None)
            continue
        frac = parse_ratio(value, f"比例递加“{step['label']}”")
        step["add"] = format_ratio(frac)
        step["set_by"] = current_user()
        step["set_at"] = date.today().isoformat()
    return set_policy(session, doc)


def set_conflict_reading(session: Session, *, narrow: bool) -> PolicyVersion:
    """秦皇岛's conflict clause: the wide reading (every 一般 condition beats 重点) or the narrow one (only the
    conditions named in ``narrow_conditions``, i.e. 正面清单). Stored as a new active rule version (audited)."""
    from app.services.foundation import permissions

    permissions.require(session, "rules.edit")
    doc = active_rules(session)
    narrowable = [c for c in doc.get("conflicts") or [] if c.get("narrow_conditions")]
    if not narrowable:
        raise UserError("当前规则没有冲突条款可选择窄读法（只有秦皇岛方案有“以一般监管对象的指定条件为准”的条款）。")
    for c in narrowable:
        c["narrow"] = bool(narrow)
    return set_policy(session, doc)


def waiting_steps(doc: dict) -> list[dict]:
    """Step-up levels whose amount the office has not entered yet (待本单位确定)."""
    return [s for s in (doc.get("step_up") or {}).get("steps", []) if "add" not in s]


def active_version(session: Session) -> PolicyVersion | None:
    return session.scalar(
        select(PolicyVersion).where(PolicyVersion.active.is_(True)).order_by(PolicyVersion.id.desc()).limit(1)
    )


def active_rules(session: Session) -> dict:
    version = active_version(session)
    if version is None:
        raise UserError(
            "尚未设置监管规则。请在“规则设置”页选择本单位的规则预设，"
            "或运行“ssj --db 数据库 policy set 预设id”（如 zezhou-2024）。"
        )
    return deepcopy(version.rules)


def versions(session: Session) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).order_by(PolicyVersion.id.desc())))


def export_rules(session: Session, path) -> Path:
    doc = active_rules(session)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise UserError(f"无法写入规则文件“{path}”：{exc.strerror or exc}。") from None
    return path


def import_rules(session: Session, path) -> PolicyVersion:
    path = Path(path)
    if not path.exists():
        raise UserError(f"找不到规则文件“{path}”。")
    return set_policy(session, str(path))


def category_names_of(doc: dict) -> list[str]:
    return [c["name"] for c in doc["categories"]]


#: the four kinds of the bureau's statistics form, and their names when no rule set is chosen yet
CATEGORY_KINDS = ("特殊", "重点", "简化", "一般")
DEFAULT_CATEGORY_LABELS = {
    "特殊": "特殊监管对象",
    "重点": "重点监管对象",
    "简化": "简化管理对象",
    "一般": "一般监管对象",
}


def category_labels(doc: dict | None) -> dict[str, str]:
    """The one set of category names: {kind: name} for 特殊/重点/简化/一般, as the rules name their categories.

    Every page, document and form names a category through this function, so 统计报表 says 重点排污单位 where
    the quota and draw pages do. A preset without a 简化 category (泽州, 秦皇岛) keeps its general objects in
    one category; the bureau's form still splits them, so the two parts are named after that category:
    一般排污单位（简化管理） and 一般排污单位（其他）, and they add up to what the quota page shows."""
    labels = dict(DEFAULT_CATEGORY_LABELS)
    if not doc:
        return labels
    named = {}
    for c in doc.get("categories") or []:
        kind = c.get("kind", "")
        if kind in labels and kind not in named:
            named[kind] = c["name"]
    labels.update(named)
    if "简化" not in named and "一般" in named:
        labels["简化"] = f"{named['一般']}（简化管理）"
        labels["一般"] = f"{named['一般']}（其他）"
    return labels


def category_kind(doc: dict, name: str) -> str:
    """特殊/重点/简化/一般 for a category name ("" for 未分类 and extra pools)."""
    for c in doc["categories"]:
        if c["name"] == name:
            return c.get("kind", "")
    return ""


def describe(doc: dict) -> list[dict]:
    """Flat list of rules for display: kind, name, ratio, mode, source, choice."""
    rows = []
    for cat in doc["categories"]:
        strata = cat.get("strata") or []
        if not strata:
            r = cat.get("ratio")
            rows.append(
                dict(
                    kind="监管类别",
                    id=cat["id"],
                    name=cat["name"],
                    ratio=_ratio_text(r),
                    mode=cat.get("mode", "现场"),
                    conditions=condition_text(cat["conditions"]),
                    source=cat.get("source", ""),
                    choice=cat.get("choice", "") or (r or {}).get("choice", ""),
                )
            )
        for st in strata:
            r = st.get("ratio", cat.get("ratio"))
            rows.append(
                dict(
                    kind="分层",
                    id=f"{cat['id']}/{st.get('id', st['name'])}",
                    name=f"{cat['name']}（{st['name']}）",
                    ratio=_ratio_text(r),
                    mode=st.get("mode", cat.get("mode", "现场")),
                    conditions=condition_text(cat["conditions"])
                    + " 且 "
                    + (condition_text(st.get("conditions", [])) or "其余"),
                    source=st.get("source", cat.get("source", "")),
                    choice=st.get("choice", "") or (r or {}).get("choice", ""),
                )
            )
    for ep in doc.get("extra_pools", []) or []:
        rows.append(
            dict(
                kind="专项对象库",
                id=ep["id"],
                name=ep["name"],
                ratio=_ratio_text(ep["ratio"]),
                mode=ep.get("mode", "现场"),
                conditions=condition_text(ep["conditions"]),
                source=ep.get("source", ""),
                choice=ep.get("choice", ""),
            )
        )
    for rule in doc.get("mode_rules", []) or []:
        rows.append(
            dict(
                kind="检查模式",
                id=rule.get("id", ""),
                name=rule.get("label", ""),
                ratio="",
                mode=rule["mode"],
                conditions=condition_text(rule["conditions"]),
                source=rule.get("source", ""),
                choice=rule.get("choice", ""),
            )
        )
    step = doc.get("step_up") or {}
    for s in step.get("steps", []):
        rows.append(
            dict(
                kind="比例递加",
                id=s.get("id", ""),
                name=s["label"],
                ratio=("+" + format_ratio(parse_ratio(s["add"]))) if "add" in s else WAITING,
                mode="",
                conditions=condition_text(s["conditions"]),
                source=s.get("source", step.get("source", "")),
                choice=s.get("choice", step.get("choice", "")),
            )
        )
    for c in doc.get("conflicts", []) or []:
        names = {cat["id"]: cat["name"] for cat in doc["categories"]}
        rows.append(
            dict(
                kind="冲突规则",
                id="",
                name=" / ".join(names.get(b, b) for b in c["between"]) + " → " + names.get(c["winner"], c["winner"]),
                ratio="",
                mode="",
                conditions=_reading_text(doc, c),
                source=c.get("source", ""),
                choice=c.get("choice", ""),
            )
        )
    for ex in doc.get("exclusions", []) or []:
        rows.append(
            dict(
                kind="剔除",
                id=ex.get("id", ""),
                name=ex.get("label", ""),
                ratio="",
                mode="",
                conditions=ex.get("tag", ""),
                source=ex.get("source", ""),
                choice=ex.get("choice", ""),
            )
        )
    return rows


def _reading_text(doc: dict, conflict: dict) -> str:
    """“宽读法（可选窄读法：仅 正面清单内）” / “窄读法：仅 正面清单内” for a conflict that can be read narrowly."""
    ids = conflict.get("narrow_conditions") or []
    if not ids:
        return ""
    winner = next((c for c in doc["categories"] if c["id"] == conflict["winner"]), {"conditions": []})
    labels = [_cond_text(x) for x in winner["conditions"] if x.get("id") in ids] or ids
    if conflict.get("narrow"):
        return "窄读法：仅 " + "、".join(labels) + " 构成冲突"
    return "宽读法（可选窄读法：仅 " + "、".join(labels) + " 构成冲突）"


def _ratio_text(r) -> str:
    if not r:
        return "—"
    text = format_ratio(parse_ratio(r["value"]))
    per = r.get("per", "季度")
    return f"{text}/{per}"


def condition_text(conds) -> str:
    return " 或 ".join(_cond_text(c) for c in conds or [])


def _cond_text(c) -> str:
    if "label" in c:
        values = next((c[op] for op in OPS if op in c and op != "is"), None)
        return c["label"].replace("{value}", "/".join(values) if values else "…")
    if "any" in c:
        return "(" + " 或 ".join(_cond_text(x) for x in c["any"]) + ")"
    if "all" in c:
        return "(" + " 且 ".join(_cond_text(x) for x in c["all"]) + ")"
    if "not" in c:
        return "非" + _cond_text(c["not"])
    if "always" in c:
        return "全部"
    f = FIELD_LABELS.get(c["field"], c["field"])
    for op in OPS:
        if op in c:
            v = c[op]
            return f"{f}{'=' if op != 'contains_any' else '含'}{v if op == 'is' else '/'.join(v)}"
    return f
