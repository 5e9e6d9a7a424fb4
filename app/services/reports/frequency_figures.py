"""涉企检查频次 figures for 首页, 统计报表 and the annual report.

* enterprises inspected more than once this year and how often (`app.services.draw.frequency`: this office's
  inspections — an accepted 内部联合 visit counts once — and other bodies' checks);
* per quarter, the share of this office's checks made as 内部联合 (tasks of 内部联合 plans, and visits the clerk
  merged) and the number of 部门联合 draws, against 秦皇岛's targets: "市县两级每季度内部联合抽查数量不低于抽查总数量
  的30%，部门联合抽查每季度至少开展1次"; a check is an active selection of a live draw (as in `rules.targets`);
* the share of 非现场 checks (书面核查、信息共享、网络监测、视频检查…) among all inspections of the year;
* the annual report's table "检查频次" by enterprise group (监管类别 of the statistics).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.checks import merged_selection_ids
from app.models.draw import Draw, DrawSelection
from app.models.rules import Plan, Task
from app.models.vocabulary import LIVE_DRAW_STATES
from app.services.draw import frequency
from app.services.foundation.errors import UserError
from app.services.foundation.periods import parse_period
from app.services.reports import statistics

TARGETS = {"internal_joint_rate": 30.0, "dept_joint_per_quarter": 1}
BASIS = "秦皇岛：市县两级每季度内部联合抽查数量不低于抽查总数量的30%，部门联合抽查每季度至少开展1次"
OUTSIDE = "名录库外"


def _pct(n: int, d: int) -> float:
    return round(100.0 * n / d, 2) if d else 0.0


def quarters(session: Session, year: int, upto_quarter: int = 4) -> list[dict]:
    """Per quarter: checks, 内部联合 checks and share, 部门联合 checks and draws, each against 秦皇岛's target."""
    merged = merged_selection_ids(session)
    rows = session.execute(
        select(DrawSelection.id, Draw.id, Draw.period, Plan.kind)
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .outerjoin(Task, Task.id == Draw.task_id)
        .outerjoin(Plan, Plan.id == Task.plan_id)
        .where(Draw.state.in_(LIVE_DRAW_STATES), DrawSelection.active.is_(True))
    ).all()
    per: dict[int, dict] = {
        q: {"checks": 0, "internal_joint": 0, "dept_joint": 0, "draws": set()} for q in range(1, upto_quarter + 1)
    }
    for sel_id, draw_id, pcode, kind in rows:
        try:
            p = parse_period(pcode)
        except UserError:
            continue
        q = p.quarters[0].index
        if p.year != year or q not in per:
            continue
        row = per[q]
        row["checks"] += 1
        if kind == "部门联合":
            row["dept_joint"] += 1
            row["draws"].add(draw_id)
        elif kind == "内部联合" or sel_id in merged:
            row["internal_joint"] += 1
    out = []
    for q, row in per.items():
        rate = _pct(row["internal_joint"], row["checks"])
        out.append(
            {
                "quarter": f"{year}Q{q}",
                "checks": row["checks"],
                "internal_joint": row["internal_joint"],
                "internal_joint_rate": rate,
                "internal_joint_met": bool(row["checks"]) and rate >= TARGETS["internal_joint_rate"],
                "dept_joint": row["dept_joint"],
                "dept_joint_draws": len(row["draws"]),
                "dept_joint_met": len(row["draws"]) >= TARGETS["dept_joint_per_quarter"],
            }
        )
    return out


def year_figures(session: Session, year: int, *, upto_quarter: int = 4) -> dict:
    """The year's 检查频次 figures (see the module text)."""
    report = frequency.frequency_report(session, year)
    histogram: dict[int, int] = defaultdict(int)
    for o in report["objects"]:
        histogram[o["count"]] += 1
    total = sum(o["count"] for o in report["objects"])
    onsite = sum(o["onsite"] for o in report["objects"])
    repeated = [o for o in report["objects"] if o["count"] > 1]
    repeated.sort(key=lambda o: (-o["count"], -o["onsite"], o["uscc"]))
    return {
        "year": year,
        "limit": report["limit"],
        "enterprises": len(report["objects"]),
        "inspections": total,
        "repeated": len(repeated),
        "by_count": {str(k): histogram[k] for k in sorted(histogram)},
        "most": [{k: o[k] for k in ("uscc", "name", "count", "onsite")} for o in repeated[:10]],
        "over_limit": len(report["over_limit"]),
        "non_site": total - onsite,
        "non_site_rate": _pct(total - onsite, total),
        "quarters": quarters(session, year, upto_quarter),
        "targets": dict(TARGETS),
        "basis": BASIS,
    }


def by_group(session: Session, year: int) -> list[dict]:
    """The annual report's "检查频次": per enterprise group, how many were inspected once, twice, three times or more.

    ``[{"group", "enterprises" (名录), "inspected", "once", "twice", "more", "inspections", "onsite", "max"}]``
    in the statistics' group order, then 名录库外 (checks of enterprises not in the pool), then 合计.
    """
    period = parse_period(str(year))
    pool, buckets, _source = statistics.classify_pool(session, period, statistics.object_rows(session))
    group_of = {o.uscc: statistics.CATEGORY_LABELS[buckets[o.id]] for o in pool}
    names = [statistics.CATEGORY_LABELS[c] for c in statistics.CATEGORIES] + [OUTSIDE]
    rows = {
        g: {
            "group": g,
            "enterprises": 0,
            "inspected": 0,
            "once": 0,
            "twice": 0,
            "more": 0,
            "inspections": 0,
            "onsite": 0,
            "max": 0,
        }
        for g in names
    }
    for g in group_of.values():
        rows[g]["enterprises"] += 1
    for o in frequency.frequency_report(session, year)["objects"]:
        r = rows[group_of.get(o["uscc"], OUTSIDE)]
        r["inspected"] += 1
        r["once" if o["count"] == 1 else "twice" if o["count"] == 2 else "more"] += 1
        r["inspections"] += o["count"]
        r["onsite"] += o["onsite"]
        r["max"] = max(r["max"], o["count"])
    out = [r for g, r in rows.items() if g != OUTSIDE or r["inspected"]]
    total = {"group": "合计"}
    for k in ("enterprises", "inspected", "once", "twice", "more", "inspections", "onsite"):
        total[k] = sum(r[k] for r in out)
    total["max"] = max((r["max"] for r in out), default=0)
    return out + [total]


def dashboard_items(session: Session, today: date) -> list[dict]:
    item = dashboard_item(session, today)
    return [item] if item else []


def dashboard_item(session: Session, today: date) -> dict | None:
    """首页: this quarter's 内部联合 share and 部门联合 draws against 秦皇岛's targets, and the year's 非现场 share."""
    q = (today.month - 1) // 3 + 1
    f = year_figures(session, today.year, upto_quarter=q)
    quarter = f["quarters"][-1]
    if not f["inspections"] and not quarter["checks"]:
        return None
    ok = quarter["internal_joint_met"] and quarter["dept_joint_met"]
    behind = [x for x in f["quarters"] if x["checks"] and not (x["internal_joint_met"] and x["dept_joint_met"])]
    detail = (
        f"第{q}季度：抽查 {quarter['checks']} 家次，内部联合 {quarter['internal_joint']} 家次，"
        f"部门联合 {quarter['dept_joint_draws']} 次；目标（{BASIS}）"
    )
    if behind:
        detail += "；未达到目标的季度：" + "、".join(x["quarter"][-2:] for x in behind)
    detail += f"；本年非现场检查 {f['non_site']}/{f['inspections']} 次"  # the count beside the share
    return {
        "title": "联合检查与非现场检查",
        "value": (
            f"内部联合 {quarter['internal_joint_rate']:g}% · 部门联合 {quarter['dept_joint_draws']} 次 · "
            f"非现场 {f['non_site_rate']:g}%"
        ),
        "detail": detail,
        "level": "info" if ok and not behind else "warn",
        "page": "stats",
    }


def annual_content(session: Session, year: int) -> tuple[str, list[list[str]]]:
    """The 检查频次 section's sentence and table (header first): the PDF and the Word report print the same."""
    f = year_figures(session, year)
    rows = by_group(session, year)
    joint = sum(q["internal_joint"] for q in f["quarters"])
    checks = sum(q["checks"] for q in f["quarters"])
    dept = sum(q["dept_joint_draws"] for q in f["quarters"])
    text = (
        f"全年共有 {f['enterprises']} 家企业受检 {f['inspections']} 次（含其他部门检查），其中受检 2 次及以上的企业 "
        f"{f['repeated']} 家；非现场检查 {f['non_site']} 次，占 {f['non_site_rate']:g}%。本单位抽查 {checks} 家次中"
        f"内部联合 {joint} 家次（{_pct(joint, checks):g}%），部门联合抽查 {dept} 次。"
    )
    if f["limit"]:
        text += f"本单位检查频次上限为每家企业每年现场检查 {f['limit']} 次，超过上限的企业 {f['over_limit']} 家。"
    head = ["企业类别", "名录（家）", "受检企业", "受检1次", "受检2次", "3次及以上", "检查次数", "其中现场", "最多"]
    keys = ("enterprises", "inspected", "once", "twice", "more", "inspections", "onsite", "max")
    return text, [head] + [[r["group"]] + [str(r[k]) for k in keys] for r in rows]


def annual_section(session: Session, year: int, st) -> list:
    """The annual report's short table "检查频次" by enterprise group, with the year's repeat and joint figures."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from app.services.foundation.pdf import FONT, FONT_BOLD, esc

    text, data = annual_content(session, year)
    table = Table(data, colWidths=[30 * mm] + [16 * mm] * 8, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return [
        Spacer(1, 3 * mm),
        Paragraph("检查频次", st["h2"]),
        Paragraph(esc(text), st["body"]),
        Spacer(1, 2 * mm),
        table,
    ]
