"""A full quarter for the statistics tests, inserted as rows (pools, plans, draws, outcomes, publication).

`build_scenario(session, extra_general=0)` returns a `Scenario` whose `objects` / `sels` / `outcomes`
dicts are keyed by short labels, plus the plain description `CHECKS` the tests compute their expected
figures from (independently of app.services.reports.statistics).
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime

from app.models import Draw, DrawSelection, Plan, Task
from app.models.outcomes import Outcome, Publication
from app.models.pools import ObjectChange
from tests.factories import make_inspector, make_object

_n = itertools.count(1)

# label: (category override, permit class, positive list, credit grade, credit risk, status)
OBJECTS = {
    "S1": ("特殊监管对象", "重点管理", False, "", "高风险", "存续"),
    "S2": ("特殊监管对象", "简化管理", False, "", "较高风险", "存续"),
    "K1": ("重点监管对象", "重点管理", False, "A", "", "存续"),
    "K2": ("重点监管对象", "重点管理", False, "", "", "存续"),
    "K3": ("重点监管对象", "重点管理", False, "", "", "存续"),
    "Z1": ("简化管理对象", "简化管理", True, "", "", "存续"),
    "Z2": ("简化管理对象", "简化管理", False, "", "低风险", "存续"),
    "Z3": ("简化管理对象", "简化管理", False, "", "", "停产"),
    "Z4": ("简化管理对象", "简化管理", False, "", "", "存续"),
    "G1": ("一般监管对象", "登记管理", True, "", "", "存续"),
    "G2": ("一般监管对象", "登记管理", True, "", "", "存续"),
    "G3": ("一般监管对象", "登记管理", False, "", "", "存续"),
    "G4": ("一般监管对象", "登记管理", False, "", "", "存续"),
    "G5": ("一般监管对象", "登记管理", False, "", "", "存续"),
    "D1": ("一般监管对象", "登记管理", False, "", "", "注销"),
}

# One row per drawn object: (draw, object, category, active, replacement_of, mode, outcome or None)
# draw: (key, period, plan kind, state)
DRAWS = {
    "A": ("2026Q1", "本部门", "已确认"),
    "B": ("2026Q1", "内部联合", "已抽取"),
    "C": ("2026Q1", "部门联合", "已确认"),
    "V": ("2026Q1", "本部门", "已作废"),
    "E": ("2026Q2", "本部门", "已确认"),
    "P": ("2025Q4", "本部门", "已确认"),
}
# outcome: dict(state, problems, result, rectify, case, published, method)
CHECKS = [
    (
        "A",
        "S1",
        "特殊监管对象",
        True,
        None,
        "现场",
        dict(state="已公示", problems=2, result="发现问题已责令整改", rectify=True, case=False, published=True),
    ),
    (
        "A",
        "K1",
        "重点监管对象",
        True,
        None,
        "现场",
        dict(state="已公示", problems=0, result="未发现问题", rectify=False, case=False, published=True),
    ),
    ("A", "K2", "重点监管对象", False, None, "现场", None),
    (
        "A",
        "K3",
        "重点监管对象",
        True,
        "K2",
        "现场",
        dict(state="已审核", problems=1, result="发现问题已立案调查", rectify=False, case=True, published=False),
    ),
    (
        "A",
        "Z1",
        "简化管理对象",
        True,
        None,
        "非现场",
        dict(
            state="已公示", problems=0, result="未发现问题", rectify=False, case=False, published=True, method="非现场"
        ),
    ),
    ("A", "G1", "一般监管对象", True, None, "现场", None),
    (
        "B",
        "S2",
        "特殊监管对象",
        True,
        None,
        "现场",
        dict(state="已公示", problems=0, result="未发现问题", rectify=False, case=False, published=True),
    ),
    (
        "B",
        "G2",
        "一般监管对象",
        True,
        None,
        "现场",
        dict(state="未录入", problems=0, result="", rectify=False, case=False, published=False),
    ),
    (
        "C",
        "Z2",
        "简化管理对象",
        True,
        None,
        "现场",
        dict(state="已公示", problems=1, result="发现问题已责令整改", rectify=True, case=False, published=True),
    ),
    (
        "V",
        "G3",
        "一般监管对象",
        True,
        None,
        "现场",
        dict(state="已录入", problems=3, result="发现问题已立案调查", rectify=False, case=True, published=False),
    ),
    (
        "E",
        "G4",
        "一般监管对象",
        True,
        None,
        "现场",
        dict(state="已录入", problems=0, result="未发现问题", rectify=False, case=False, published=False),
    ),
    (
        "P",
        "G5",
        "一般监管对象",
        True,
        None,
        "现场",
        dict(state="已公示", problems=0, result="未发现问题", rectify=False, case=False, published=True),
    ),
]
# Inspectors: (kind, cert, on duty)
INSPECTORS = [
    ("执法人员", True, True),
    ("执法人员", True, True),
    ("执法人员", True, True),
    ("执法人员", True, False),
    ("执法人员", False, True),
    ("专家", True, True),
]


@dataclass
class Scenario:
    objects: dict = field(default_factory=dict)
    sels: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)
    draws: dict = field(default_factory=dict)
    extra_general: int = 0


def build_scenario(session, *, extra_general: int = 0, region: str = "140525") -> Scenario:
    sc = Scenario(extra_general=extra_general)
    for label, (cat, permit, positive, grade, risk, status) in OBJECTS.items():
        sc.objects[label] = make_object(
            session,
            name=f"{label}测试企业有限公司",
            category_override=cat,
            override_reason="测试场景",
            permit_class=permit,
            positive_list=positive,
            credit_grade=grade,
            credit_risk=risk,
            status=status,
        )
    for i in range(extra_general):
        sc.objects[f"X{i}"] = make_object(
            session,
            name=f"X{i}测试企业有限公司",
            category_override="一般监管对象",
            override_reason="测试场景",
            permit_class="登记管理",
        )
    for kind, cert, on_duty in INSPECTORS:
        make_inspector(session, kind=kind, cert_no=(f"1405{next(_n):06d}" if cert else ""), on_duty=on_duty)
    for key, (period, plan_kind, state) in DRAWS.items():
        k = next(_n)
        plan = Plan(
            year=int(period[:4]), code=f"ST-JH-{k:04d}", name=f"{period[:4]}年度{plan_kind}抽查计划{k}", kind=plan_kind
        )
        session.add(plan)
        session.flush()
        task = Task(plan_id=plan.id, code=f"ST-RW-{k:04d}", name=f"{period} 抽查任务{k}", item_ids=[])
        session.add(task)
        session.flush()
        draw = Draw(
            period=period,
            task_id=task.id,
            state=state,
            seed="31415926535897932384",
            seed_source="骰子",
            record=f'{{"draw": {k}}}',
            record_hash=hashlib.sha256(f"st-draw-{k}".encode()).hexdigest(),
            drawn_at=datetime(int(period[:4]), 1, 10),
            void_reason="测试作废" if state == "已作废" else "",
        )
        session.add(draw)
        session.flush()
        sc.draws[key] = draw
    pub = Publication(period="2026Q1", published_on=date(2026, 3, 20), title="2026年第一季度抽查结果公示", count=5)
    pub_old = Publication(period="2025Q4", published_on=date(2025, 12, 20), title="2025年第四季度抽查结果公示", count=1)
    session.add_all([pub, pub_old])
    session.flush()
    for rank, (dkey, label, cat, active, repl, mode, out) in enumerate(CHECKS):
        obj = sc.objects[label]
        sel = DrawSelection(
            draw_id=sc.draws[dkey].id,
            object_id=obj.id,
            uscc=obj.uscc,
            name=obj.name,
            category=cat,
            stratum=cat,
            mode=mode,
            ticket=f"{rank:04d}",
            rank=rank,
            active=active,
            replaced_reason="" if active else "对象已注销",
            replacement_of_id=sc.sels[repl].id if repl else None,
        )
        session.add(sel)
        session.flush()
        sc.sels[label] = sel
        if out is None:
            continue
        period = DRAWS[dkey][0]
        day = date(int(period[:4]), 3 * int(period[-1]) - 1, 10)
        o = Outcome(
            selection_id=sel.id,
            state=out["state"],
            check_date=day if out["state"] != "未录入" else None,
            method=out.get("method", "现场检查"),
            result=out["result"],
            problems=out["problems"],
            findings="废气收集设施未正常运行" if out["problems"] else "",
            rectify_deadline=date(2026, 4, 30) if out["rectify"] else None,
            case_no=f"泽环罚〔2026〕{rank}号" if out["case"] else "",
            penalty_amount=50000 if out["case"] else None,
            publication_id=(pub.id if period == "2026Q1" else pub_old.id) if out["published"] else None,
            entered_by="admin",
        )
        session.add(o)
        session.flush()
        sc.outcomes[label] = o
    # object history (名录库调整信息)
    changes = [
        ("Z4", "新增", "", "", "", date(2026, 2, 1)),
        ("K1", "类型变更", "permit_class", "简化管理", "重点管理", date(2026, 3, 1)),
        ("D1", "注销", "status", "存续", "注销", date(2026, 3, 10)),
        ("G1", "正面清单调整", "positive_list", "否", "是", date(2026, 1, 15)),
        ("G4", "新增", "", "", "", date(2026, 4, 2)),  # next quarter
        ("G5", "修改", "phone", "1", "2", date(2026, 2, 2)),  # not an adjustment
    ]
    for label, kind, fld, old, new, day in changes:
        session.add(
            ObjectChange(
                object_id=sc.objects[label].id,
                kind=kind,
                field=fld,
                old_value=old,
                new_value=new,
                effective_date=day,
                user="admin",
                source="测试",
            )
        )
    session.flush()
    return sc
