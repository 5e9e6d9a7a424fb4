"""Annual plans, tasks, 备案 adjustments, the published plan table, and the office targets."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from factories import make_object
from sqlalchemy import func, select

from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import InspectionItem
from app.models.rules import Plan, PlanAdjustment, Task
from app.services.foundation.errors import UserError
from app.services.rules import plans, policies, quota, targets


@pytest.fixture
def zezhou(session):
    policies.set_policy(session, "zezhou-2024")
    for _ in range(12):
        make_object(session, permit_class="重点管理", key_polluter=True, township="巴公镇", credit_risk="低风险")
    for _ in range(30):
        make_object(session, permit_class="登记管理", township="高都镇", credit_risk="一般风险")
    make_object(session, permit_class="简化管理", tags=["核技术利用单位"])
    item = InspectionItem(year=2024, name="主要法定环境制度及污染防治措施落实情况", target="重点排污单位")
    session.add(item)
    session.flush()
    return item


def test_plan_and_tasks_with_published_fields(session, zezhou):
    plan = plans.create_plan(
        session,
        year=2024,
        code="2024001",
        name="2024年秦皇岛市生态环境局内部联合随机抽查001",
        kind="内部联合",
        initiator="执法支队",
        partners="大气科、水科",
        start_date="2024-01-01",
        end_date="2024-12-31",
    )
    assert plan.partners == ["大气科", "水科"]
    task = plans.add_task(
        session,
        plan,
        code="022号",
        name="重点排污单位内部联合抽查",
        draw_type="定向",
        ratio="25% 4次/年",
        item_ids=[zezhou.id],
        scope={"categories": ["重点排污单位"], "township": "巴公镇"},
        mode="现场",
    )
    assert task.initiator == "执法支队" and task.partners == ["大气科", "水科"] and task.start_date == date(2024, 1, 1)
    data = quota.compute_quota(session, "2024Q1", task.id)
    assert [(r["pool"], r["required"]) for r in data["rows"]] == [(12, 3)]
    rows = plans.plan_table(session, 2024)
    assert rows[0][1:8] == ["内部联合", "2024001", plan.name, "022号", "重点排污单位内部联合抽查", "定向", "25% 4次/年"]
    assert rows[0][8] == "主要法定环境制度及污染防治措施落实情况"
    assert rows[0][9] == "监管类别：重点排污单位；乡镇：巴公镇"
    assert rows[0][12] == "2024年1-12月"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(start_date="2024-06-01", end_date="2024-03-01"), "早于开始日期"),
        (dict(kind="跨省联合"), "计划类型“跨省联合”无效"),
        (dict(kind="部门联合"), "须填写“联合科室/部门”"),
        (dict(code=""), "抽查计划编号"),
        (dict(start_date="2024/13/01"), "日期"),
    ],
)
def test_bad_plans_are_refused_and_nothing_saved(session, kwargs, message):
    args = dict(year=2024, code="P1", name="计划", kind="本部门")
    args.update(kwargs)
    with pytest.raises(UserError, match=message):
        plans.create_plan(session, **args)
    assert session.scalar(select(func.count(Plan.id))) == 0


def test_bad_tasks_are_refused(session, zezhou):
    plan = plans.create_plan(session, year=2024, code="P1", name="计划", start_date="2024-04-01", end_date="2024-12-31")
    with pytest.raises(UserError, match="没有匹配的对象"):
        plans.add_task(session, plan, code="T1", name="无对象", draw_type="定向", scope={"township": ["不存在镇"]})
    with pytest.raises(UserError, match="未知的筛选字段“colour”"):
        plans.add_task(session, plan, code="T1", name="坏范围", draw_type="定向", scope={"colour": "red"})
    with pytest.raises(UserError, match="超出计划"):
        plans.add_task(session, plan, code="T1", name="太早", start_date="2024-01-01", end_date="2024-03-01")
    with pytest.raises(UserError, match="须设置抽查对象范围"):
        plans.add_task(session, plan, code="T1", name="定向无范围", draw_type="定向")
    with pytest.raises(UserError, match="不在随机抽查事项清单"):
        plans.add_task(session, plan, code="T1", name="事项", item_ids=[999])
    plans.add_task(session, plan, code="T1", name="好任务", draw_type="不定向")
    with pytest.raises(UserError, match="已存在"):
        plans.add_task(session, plan, code="T1", name="重复")
    assert session.scalar(select(func.count(Task.id))) == 1


def test_adjustment_is_recorded_with_reason_and_date(session):
    plan = plans.create_plan(session, year=2024, code="P1", name="计划", start_date="2024-01-01", end_date="2024-06-30")
    plans.publish_plan(session, plan)
    with pytest.raises(UserError, match="备案理由"):
        plans.adjust_plan(session, plan, reason="", changes={"end_date": "2024-09-30"})
    with pytest.raises(UserError, match="早于开始日期"):
        plans.adjust_plan(session, plan, reason="延期", changes={"end_date": "2023-12-01"})
    adj = plans.adjust_plan(session, plan, reason="汛期延后", filed_on="2024-06-20", changes={"end_date": "2024-09-30"})
    assert plan.end_date == date(2024, 9, 30)
    assert adj.filed_on == date(2024, 6, 20) and "结束日期：2024-06-30 → 2024-09-30" in adj.description
    assert [a.reason for a in plans.adjustments_of(session, plan)] == ["汛期延后"]
    assert session.scalar(select(func.count(PlanAdjustment.id))) == 1


def test_export_xlsx_and_pdf(session, zezhou, tmp_path):
    plan = plans.create_plan(
        session,
        year=2024,
        code="联2024002",
        name="2024年部门联合抽查",
        kind="部门联合",
        initiator="县市场监管局",
        partners=["生态环境泽州分局"],
        start_date="2024-03-01",
        end_date="2024-07-31",
    )
    plans.add_task(
        session,
        plan,
        code="联002",
        name="机动车排放检测机构检测情况双随机联合抽查",
        draw_type="不定向",
        ratio="20%；1次/年",
    )
    plans.adjust_plan(
        session, plan, reason="增加配合部门", filed_on="2024-04-02", changes={"partners": "生态环境泽州分局、县住建局"}
    )
    out = plans.export_plans_xlsx(session, 2024, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert "2024年度" in ws.cell(1, 1).value
    assert [c.value for c in ws[2]][:6] == [
        "序号",
        "计划类型",
        "抽查计划编号",
        "抽查计划名称",
        "抽查任务编号",
        "抽查任务名称",
    ]
    assert ws.cell(3, 6).value == "机动车排放检测机构检测情况双随机联合抽查"
    assert wb["计划调整备案"].cell(2, 5).value == "增加配合部门"
    pdf = plans.export_plans_pdf(session, 2024, tmp_path / "plan.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"FontFile2" in data  # embedded TrueType CJK font
    with pytest.raises(UserError, match="还没有抽查计划"):
        plans.export_plans_xlsx(session, 2030, tmp_path / "none.xlsx")


def test_demo_plans_hook(session, zezhou):
    text = plans.demo_plans(session, 2024)
    kinds = {p.kind for p in plans.list_plans(session, 2024)}
    assert kinds == {"本部门", "内部联合", "部门联合"} and "3 个计划" in text
    assert "已有抽查计划" in plans.demo_plans(session, 2024)


def _check(session, obj, period, task=None, *, published=False):
    # one live draw per task and period (the schema enforces it): objects of the same task share it
    task_id = task.id if task else None
    draw = session.query(Draw).filter_by(period=period, task_id=task_id, state="已确认").first()
    if draw is None:
        draw = Draw(period=period, state="已确认", task_id=task_id)
        session.add(draw)
        session.flush()
    sel = DrawSelection(draw_id=draw.id, object_id=obj.id, uscc=obj.uscc)
    session.add(sel)
    session.flush()
    session.add(Outcome(selection_id=sel.id, result="未发现问题", state="已公示" if published else "已录入"))
    session.flush()


def test_targets_from_records(session):
    policies.set_policy(session, "qinhuangdao-county-2024")
    objs = [make_object(session, permit_class="登记管理", credit_risk="低风险" if i % 10 else "") for i in range(20)]
    own = plans.create_plan(session, year=2024, code="P1", name="本部门")
    inner = plans.create_plan(session, year=2024, code="P2", name="内部联合", kind="内部联合", partners=["大气科"])
    joint = plans.create_plan(session, year=2024, code="P3", name="部门联合", kind="部门联合", partners=["市场监管局"])
    t_own, t_inner, t_joint = (plans.add_task(session, p, code=p.code + "-1", name=p.name) for p in (own, inner, joint))
    for o in objs[:7]:
        _check(session, o, "2024Q1", t_own, published=True)
    for o in objs[7:10]:
        _check(session, o, "2024Q1", t_inner)
    _check(session, objs[10], "2024Q1", t_joint)
    result = {t["key"]: t for t in targets.compute_targets(session, 2024, upto_quarter=1)}
    assert result["internal_joint_share"]["quarters"][1] * 11 == 3 and not result["internal_joint_share"]["ok"]
    assert result["joint_per_quarter"]["quarters"] == {1: 1} and result["joint_per_quarter"]["ok"]
    # objects 0 and 10 have no credit classification: 9/11 = 81.82% < 85% (rounded as 统计报表, counts beside)
    assert result["credit_use_share"]["value"] == "81.82%（9/11）" and not result["credit_use_share"]["ok"]
    assert result["publication_rate"]["value"] == "63.64%（7/11）"
    items = targets.dashboard_items(session, date(2024, 2, 1))
    assert any(i["title"].startswith("内部联合抽查占比") and i["level"] == "warn" for i in items)
    assert any(i["page"] == "quota" and "应抽" in i["title"] for i in items)


def test_dashboard_without_policy(session):
    items = targets.dashboard_items(session, date(2026, 1, 5))
    assert items[0]["value"] == "未设置" and items[0]["page"] == "rules"


def test_plans_and_tasks_are_found_by_id_or_by_code_and_a_miss_names_what_was_sought(session, zezhou):
    plan = plans.create_plan(session, year=2024, code="2024001", name="计划甲", kind="本部门")
    task = plans.add_task(session, plan, code="022号", name="任务甲", item_ids=[zezhou.id])
    assert plans.get_plan(session, plan.id) is plan and plans.get_plan(session, "2024001") is plan
    assert plans.get_task(session, str(task.id)) is task and plans.get_task(session, "022号") is task
    with pytest.raises(UserError, match="没有编号为“023号”的抽查任务"):
        plans.get_task(session, "023号")
    with pytest.raises(UserError, match="没有编号为“2099”的抽查计划"):
        plans.get_plan(session, 2099)
