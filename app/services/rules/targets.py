"""年度目标: office-wide targets of the active preset, computed from the records, and the 首页 items.

Targets (only those the preset's document states are tracked; see ``targets`` in resources/policies):

* ``internal_joint_share`` — per quarter, checks of 内部联合 plans ÷ all checks (秦皇岛 ≥30%);
* ``joint_per_quarter`` — per quarter, number of 部门联合 draws (秦皇岛 ≥1);
* ``credit_use_share`` — checks of objects that carry a 信用风险等级 or 信用等级 ÷ all checks (秦皇岛 ≥85%):
  a check "uses 信用风险分级分类" when the drawn object had a credit classification the rules could apply;
* ``annual_coverage`` — distinct objects inspected this year (result entered) ÷ objects in the pool (泽州 ≥5%),
  the same count as the statistics table's 年度覆盖率;
* ``publication_rate`` — outcomes published ÷ outcomes entered this year (100%).

A "check" is an active DrawSelection of a draw in state 已抽取/已确认 (voided and unfinished draws do not count).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.checks import merged_selection_ids
from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import InspectionObject
from app.models.rules import Plan, Task
from app.models.vocabulary import LIVE_DRAW_STATES, OutcomeState
from app.services.foundation.errors import UserError
from app.services.foundation.figures import count_text, pct_text, rate_text
from app.services.foundation.periods import parse_period
from app.services.rules import policies

TITLES = {
    "internal_joint_share": "内部联合抽查占比（每季度）",
    "joint_per_quarter": "部门联合抽查次数（每季度）",
    "credit_use_share": "信用风险分类运用比例",
    "annual_coverage": "年度抽查企业占比",
    "publication_rate": "抽查结果公示率",
}


def _pct(f: Fraction | None) -> str:
    """A target or a share, rounded as 统计报表 rounds (foundation.figures)."""
    return pct_text(f)


def _checks(session: Session, year: int) -> list[dict]:
    q = (
        select(
            DrawSelection.id,
            DrawSelection.object_id,
            Draw.id,
            Draw.period,
            Plan.kind,
            InspectionObject.credit_risk,
            InspectionObject.credit_grade,
        )
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .outerjoin(Task, Task.id == Draw.task_id)
        .outerjoin(Plan, Plan.id == Task.plan_id)
        .outerjoin(InspectionObject, InspectionObject.id == DrawSelection.object_id)
        .where(Draw.state.in_(LIVE_DRAW_STATES), DrawSelection.active.is_(True))
    )
    out = []
    merged = merged_selection_ids(session)  # accepted 内部联合 visits count as 内部联合
    for sel_id, oid, draw_id, pcode, kind, risk, grade in session.execute(q):
        try:
            p = parse_period(pcode)
        except UserError:
            continue
        if p.year != year:
            continue
        out.append(
            dict(
                selection=sel_id,
                object=oid,
                draw=draw_id,
                quarter=p.quarters[0].index,
                kind="内部联合" if sel_id in merged and kind != "部门联合" else (kind or "本部门"),
                credit=bool((risk or "").strip() or (grade or "").strip()),
            )
        )
    return out


def compute_targets(session: Session, year: int, rules: dict | None = None, *, upto_quarter: int = 4) -> list[dict]:
    """[{key, title, target, actual, ok, value, detail, quarters}] for the targets the active rules state."""
    rules = rules if rules is not None else policies.active_rules(session)
    goals = {k: v for k, v in (rules.get("targets") or {}).items() if k in TITLES}
    checks = _checks(session, year)
    out = []
    quarters = range(1, upto_quarter + 1)
    for key, goal in goals.items():
        per_q = {}
        if key == "internal_joint_share":
            target = policies.parse_ratio(goal)
            for q in quarters:
                total = [c for c in checks if c["quarter"] == q]
                inner = [c for c in total if c["kind"] == "内部联合"]
                per_q[q] = Fraction(len(inner), len(total)) if total else None
            vals = [v for v in per_q.values() if v is not None]
            actual = min(vals) if vals else None
            ok = actual is not None and all(v >= target for v in vals)
            counts = {
                q: (
                    sum(c["kind"] == "内部联合" for c in checks if c["quarter"] == q),
                    sum(c["quarter"] == q for c in checks),
                )
                for q in quarters
            }
            value = " / ".join(f"Q{q} {rate_text(*counts[q])}" for q in quarters)
            detail = f"目标：每季度不低于 {_pct(target)}"
        elif key == "joint_per_quarter":
            target = int(goal)
            for q in quarters:
                per_q[q] = len({c["draw"] for c in checks if c["quarter"] == q and c["kind"] == "部门联合"})
            actual = min(per_q.values()) if per_q else 0
            ok = all(v >= target for v in per_q.values())
            value = " / ".join(f"Q{q} {v} 次" for q, v in per_q.items())
            detail = f"目标：每季度至少 {target} 次"
        elif key == "credit_use_share":
            target = policies.parse_ratio(goal)
            actual = Fraction(sum(c["credit"] for c in checks), len(checks)) if checks else None
            ok = actual is not None and actual >= target
            rated = sum(c["credit"] for c in checks)
            value = rate_text(rated, len(checks))
            detail = f"目标：不低于 {_pct(target)}（{rated}/{len(checks)} 次抽查的对象有信用风险分类）"
        elif key == "annual_coverage":
            target = policies.parse_ratio(goal)
            from app.services.rules.classification import pool_objects

            pool = len(pool_objects(session, rules))
            # Counted as the statistics table counts it: objects whose inspection result is entered.
            inspected_sel = set(
                session.scalars(select(Outcome.selection_id).where(Outcome.state != OutcomeState.NOT_ENTERED))
            )
            drawn = {c["object"] for c in checks if c["object"] is not None}
            checked = len({c["object"] for c in checks if c["object"] is not None and c["selection"] in inspected_sel})
            actual = Fraction(checked, pool) if pool else None
            ok = actual is not None and actual >= target
            value = rate_text(checked, pool)
            detail = f"目标：不低于 {_pct(target)}（已检查 {checked} 家 / 名录 {pool} 家；已抽中 {len(drawn)} 家）"
        else:  # publication_rate
            target = policies.parse_ratio(goal)
            sel_ids = {c["selection"] for c in checks}
            rows = list(session.execute(select(Outcome.selection_id, Outcome.publication_id, Outcome.state)))
            # as the statistics table counts 公示率: published ÷ results entered (state past 未录入)
            entered = [r for r in rows if r[0] in sel_ids and r[2] != OutcomeState.NOT_ENTERED]
            published = [r for r in entered if r[1] is not None or r[2] == OutcomeState.PUBLISHED]
            actual = Fraction(len(published), len(entered)) if entered else None
            ok = actual is not None and actual >= target
            value = rate_text(len(published), len(entered))
            detail = f"目标：{_pct(target)}（已公示 {len(published)} / 已录入结果 {len(entered)}）"
        out.append(
            dict(
                key=key,
                title=TITLES[key],
                target=str(goal),
                actual=actual,
                ok=ok,
                value=value,
                detail=detail,
                quarters=per_q,
            )
        )
    return out


def dashboard_items(session: Session, today: date) -> list[dict]:
    try:
        rules = policies.active_rules(session)
    except UserError:
        return [
            dict(
                title="监管规则",
                value="未设置",
                detail="请在“规则设置”中选择本单位的规则预设",
                level="warn",
                page="rules",
            )
        ]
    items = []
    quarter = (today.month - 1) // 3 + 1
    try:
        from app.services.rules import quota

        data = quota.compute_quota(session, f"{today.year}Q{quarter}")
        total = sum(r["required"] for r in data["rows"])
        unclassified = sum(r["pool"] for r in data["rows"] if r["category"] == policies.UNCLASSIFIED)
        items.append(
            dict(
                title=f"{today.year}年第{quarter}季度应抽",
                value=count_text(total, "家"),
                detail=f"规则：{rules.get('name', rules['id'])}",
                level="info",
                page="quota",
            )
        )
        if unclassified:
            items.append(
                dict(
                    title="未分类对象",
                    value=count_text(unclassified, "家"),
                    detail="不符合任何监管类别，请补全排污许可管理类别或人工指定类别",
                    level="warn",
                    page="classification",
                )
            )
    except UserError:
        pass
    for t in compute_targets(session, today.year, rules, upto_quarter=quarter):
        level = "info" if t["ok"] else ("warn" if t["actual"] is not None else "info")
        items.append(dict(title=t["title"], value=t["value"], detail=t["detail"], level=level, page="quota"))
    return items
