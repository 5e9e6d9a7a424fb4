"""Every preset applied to a pool built by hand from its document gives the counts the document implies."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest
from factories import make_object
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from app.models import InspectionObject
from app.models.core import AuditEntry, Office
from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.rules import Plan, PolicyVersion, Task
from app.services.foundation.errors import UserError
from app.services.rules import classification, policies, quota


def objs(session, n, **kw):
    return [make_object(session, **kw) for _ in range(n)]


def rows_by_stratum(session, period, task_id=None):
    data = quota.compute_quota(session, period, task_id)
    return {r["stratum"]: r for r in data["rows"]}


def draw_outcome(session, obj, period, result, *, state="已确认", case_no="", decision_date=None, check_date=None):
    # one live draw per period (the schema enforces it): objects of the same period share it
    draw = session.query(Draw).filter_by(period=period, task_id=None, state=state).first()
    if draw is None or state == "已作废":
        draw = Draw(period=period, state=state)
        session.add(draw)
        session.flush()
    sel = DrawSelection(draw_id=draw.id, object_id=obj.id, uscc=obj.uscc, name=obj.name)
    session.add(sel)
    session.flush()
    session.add(
        Outcome(selection_id=sel.id, result=result, case_no=case_no, decision_date=decision_date, check_date=check_date)
    )
    session.flush()


# ------------------------------------------------------------------ presets load and validate


def test_every_preset_is_valid_and_documented():
    assert policies.preset_ids() == [
        "qinhuangdao-city-2024",
        "qinhuangdao-county-2024",
        "wugang-2024",
        "longyao-2026",
        "zezhou-2024",
        "weihai",
    ]
    names = policies.preset_names()
    for pid in policies.preset_ids():
        doc = policies.load_preset(pid)
        policies.validate_rules(doc)
        assert doc["id"] == pid and names[pid]
        for cat in doc["categories"]:
            assert cat.get("source"), f"{pid} {cat['name']} has no source sentence"
        assert any(r["choice"] for r in policies.describe(doc)), pid


def test_no_policy_set_is_a_chinese_error(session):
    with pytest.raises(UserError, match="尚未设置监管规则"):
        policies.active_rules(session)


def test_only_admin_or_leader_changes_rules_and_overrides(session):
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.errors import PermissionDenied

    policies.set_policy(session, "weihai")
    obj = make_object(session, permit_class="登记管理")
    with acting_as(Actor("luru", "录入员")):
        with pytest.raises(PermissionDenied):
            policies.set_policy(session, "longyao-2026")
        with pytest.raises(PermissionDenied):
            classification.override(session, obj, "重点监管对象", "理由")
    with acting_as(Actor("lingdao", "领导")):
        policies.set_policy(session, "longyao-2026")
    with acting_as(Actor("shenhe", "审核员")):
        classification.override(session, obj, "重点监管对象", "理由")
    assert policies.active_rules(session)["id"] == "longyao-2026"


def test_set_policy_stores_new_active_version_and_office(session):
    v1 = policies.set_policy(session, "longyao-2026")
    v2 = policies.set_policy(session, "weihai")
    session.commit()
    assert not session.get(PolicyVersion, v1.id).active and v2.active
    assert session.scalar(select(Office)).policy_id == "weihai"
    assert policies.active_rules(session)["id"] == "weihai"


# ------------------------------------------------------------------ 秦皇岛


def test_qinhuangdao_county_counts_and_conflict_rule(session):
    policies.set_policy(session, "qinhuangdao-county-2024")
    special = objs(session, 6, permit_class="简化管理", credit_grade="C")
    key_and_special = objs(session, 4, permit_class="重点管理", special_situations=["挂牌督办"])
    key = objs(session, 17, permit_class="重点管理")
    key_positive = objs(session, 3, permit_class="重点管理", positive_list=True)
    positive = objs(session, 9, permit_class="登记管理", positive_list=True)
    general = objs(session, 101, permit_class="登记管理")
    rows = rows_by_stratum(session, "2024Q1")
    # 特殊 10 × 50% = 5; 重点 17 × 25% = 4.25 → 5; 正面清单内 12 × 100% 非现场; 正面清单外 101 × 3% = 3.03 → 4
    assert rows["特殊监管对象"]["pool"] == 10 and rows["特殊监管对象"]["required"] == 5
    assert rows["特殊监管对象"]["ratio"] == "50%"
    assert rows["重点监管对象"]["pool"] == 17 and rows["重点监管对象"]["required"] == 5
    inside = rows["一般监管对象（正面清单内）"]
    assert (inside["pool"], inside["required"], inside["mode"], inside["ratio"]) == (12, 12, "非现场", "100%")
    outside = rows["一般监管对象（正面清单外）"]
    assert (outside["pool"], outside["required"], outside["ratio"]) == (101, 4, "3%")
    c = classification.classify(session, period="2024Q1")
    # conflict: 重点 vs 特殊 → 特殊; 重点 vs 一般 (正面清单) → 一般
    assert c[key_and_special[0].id].category == "特殊监管对象"
    assert c[key_and_special[0].id].reason == "排污许可重点管理 → 重点监管对象; 挂牌督办 → 特殊监管对象（特殊优先）"
    kp = c[key_positive[0].id]
    assert (kp.category, kp.stratum, kp.mode) == ("一般监管对象", "一般监管对象（正面清单内）", "非现场")
    assert "一般优先" in kp.reason
    assert c[special[0].id].reason.endswith("信用等级 C → 特殊监管对象（特殊优先）")
    assert c[key[0].id].category == "重点监管对象" and c[positive[0].id].mode == "非现场"
    assert c[general[0].id].stratum == "一般监管对象（正面清单外）"


def test_qinhuangdao_city_ratios(session):
    policies.set_policy(session, "qinhuangdao-city-2024")
    objs(session, 25, permit_class="重点管理")
    objs(session, 11, permit_class="登记管理", special_situations=["上一季度被处罚"])
    objs(session, 40, permit_class="登记管理")
    rows = rows_by_stratum(session, "2024Q3")
    assert rows["重点监管对象"]["required"] == 3  # 25 × 10% = 2.5 → 3
    assert rows["特殊监管对象"]["required"] == 2  # 11 × 10% = 1.1 → 2
    assert rows["一般监管对象（正面清单外）"]["required"] == 0  # 市级不抽一般监管对象
    assert rows["一般监管对象（正面清单外）"]["ratio"] == "—"


# ------------------------------------------------------------------ 舞钢


def test_wugang_one_in_four_reading_and_alternative(session):
    policies.set_policy(session, "wugang-2024")
    objs(session, 9, permit_class="重点管理", key_polluter=True)
    objs(session, 5, permit_class="简化管理", special_situations=["群众反映强烈"])
    not_key = objs(session, 2, permit_class="重点管理", key_polluter=False)
    objs(session, 35, permit_class="登记管理")
    rows = rows_by_stratum(session, "2024Q2")
    assert rows["重点排污单位"]["required"] == 3  # 9 × 25% = 2.25 → 3
    assert rows["特殊监管对象"]["required"] == 2  # 5 × 25% = 1.25 → 2
    general = rows["一般排污单位"]
    assert (general["pool"], general["ratio"], general["required"]) == (37, "25%", 10)  # 1:4 read as 1 of 4
    c = classification.classify(session)
    assert c[not_key[0].id].category == "一般排污单位"  # 舞钢 counts 重点排污单位 only
    doc = policies.load_preset("wugang-2024")
    ratio = next(c for c in doc["categories"] if c["id"] == "general")["ratio"]
    assert "20%" in ratio["choice"] and "1:4" in ratio["source"]
    ratio["value"] = "20%"  # the other reading, as a user would set it in the rule editor
    policies.set_policy(session, doc)
    rows = rows_by_stratum(session, "2024Q2")
    assert rows["一般排污单位"]["required"] == 8  # 37 × 20% = 7.4 → 8


# ------------------------------------------------------------------ 隆尧


def test_longyao_counts_non_site_and_periods(session):
    policies.set_policy(session, "longyao-2026")
    objs(session, 50, permit_class="重点管理")
    objs(session, 3, permit_class="简化管理", key_polluter=True)  # 重点排污单位名录内 → 重点
    special = objs(session, 4, permit_class="重点管理", air_grade="C")
    objs(session, 1, permit_class="登记管理", credit_grade="D")
    key_positive = objs(session, 2, permit_class="重点管理", positive_list=True)
    objs(session, 40, permit_class="简化管理")
    off = objs(session, 6, permit_class="简化管理", air_grade="引领性")
    objs(session, 300, permit_class="登记管理")
    off_reg = objs(session, 5, permit_class="登记管理", credit_grade="B")
    unknown = objs(session, 2, permit_class="")
    gone = objs(session, 3, permit_class="重点管理", status="注销")
    rows = rows_by_stratum(session, "2026Q1")
    assert rows["特殊监管对象"]["pool"] == 5 and rows["特殊监管对象"]["required"] == 1  # 20%
    assert rows["重点监管对象"]["pool"] == 55 and rows["重点监管对象"]["required"] == 10  # 18% × 55 = 9.9
    # one ratio, one rounding: 非现场 objects stay in their stratum (mode decided per object)
    simplified = rows["一般监管对象（简化管理）"]
    assert (simplified["pool"], simplified["required"], simplified["mode"]) == (46, 3, "现场/非现场")  # 2.3 → 3
    registered = rows["一般监管对象（排污登记）"]
    assert (registered["pool"], registered["required"], registered["ratio"]) == (305, 2, "0.5%")  # 1.525 → 2
    assert not any("非现场" in name for name in rows)
    assert rows["未分类"]["pool"] == 2 and rows["未分类"]["required"] == 0
    c = classification.classify(session, period="2026Q1")
    assert (
        c[special[0].id].reason
        == "排污许可重点管理 → 重点监管对象; 大气绩效 C 级（B 级以下） → 特殊监管对象（特殊优先）"
    )
    assert c[key_positive[0].id].category == "重点监管对象" and c[key_positive[0].id].mode == "现场"
    assert c[off[0].id].mode == "非现场" and "引领性" in c[off[0].id].reason
    assert c[off_reg[0].id].stratum == "一般监管对象（排污登记）" and c[off_reg[0].id].mode == "非现场"
    assert c[unknown[0].id].category == "未分类"
    assert gone[0].id not in c
    year = rows_by_stratum(session, "2026")
    assert year["重点监管对象"]["ratio"] == "72%" and year["重点监管对象"]["required"] == 40  # 55 × 72% = 39.6
    half = rows_by_stratum(session, "2026H2")
    assert half["重点监管对象"]["ratio"] == "36%" and half["重点监管对象"]["required"] == 20  # 19.8


def test_longyao_penalized_last_quarter_from_outcomes(session):
    policies.set_policy(session, "longyao-2026")
    a, b, c_, d = objs(session, 4, permit_class="简化管理")
    draw_outcome(
        session, a, "2025Q4", "发现问题已立案调查", case_no="隆环罚〔2025〕12号", decision_date=date(2025, 11, 20)
    )
    draw_outcome(session, b, "2025Q4", "发现问题已责令整改", check_date=date(2025, 12, 1))  # no 立案: not penalized
    draw_outcome(session, c_, "2025Q3", "发现问题已立案调查", check_date=date(2025, 8, 1))  # an earlier quarter
    d.special_situations = ["上一季度被处罚"]
    session.flush()
    q1 = classification.classify(session, period="2026Q1")
    assert q1[a.id].category == "特殊监管对象" and "上一季度被处罚" in q1[a.id].reason
    assert q1[b.id].category == "一般监管对象" and q1[c_.id].category == "一般监管对象"
    assert q1[d.id].category == "特殊监管对象"
    q2 = classification.classify(session, period="2026Q2")
    assert q2[a.id].category == "一般监管对象"


# ------------------------------------------------------------------ 泽州


def test_zezhou_counts_step_up_and_special_pools(session):
    policies.set_policy(session, "zezhou-2024")
    objs(session, 8, permit_class="重点管理", key_polluter=True, credit_risk="低风险")
    objs(session, 4, permit_class="重点管理", key_polluter=True, credit_risk="高风险")
    objs(session, 10, permit_class="简化管理", special_situations=["挂牌督办"], credit_risk="低风险")
    objs(session, 100, permit_class="登记管理", credit_risk="低风险")
    objs(session, 20, permit_class="登记管理", credit_risk="较高风险")
    objs(session, 3, permit_class="登记管理", credit_risk="")
    nuclear = objs(session, 7, permit_class="登记管理", industry="核技术利用（医用射线装置）", credit_risk="低风险")
    objs(session, 2, permit_class="简化管理", tags=["危险废物经营单位"], credit_risk="低风险")
    objs(session, 1, permit_class="简化管理", special_situations=["填埋场"], credit_risk="低风险")
    rows = rows_by_stratum(session, "2024Q1")
    # the step-up amounts are not in the plan: they wait (待本单位确定), every category is one stratum
    assert rows["重点排污单位"]["required"] == 3  # 12 × 25%
    assert rows["特殊监管对象"]["required"] == 3  # 10 × 30%
    general = rows["一般排污单位"]
    assert (general["pool"], general["ratio"], general["required"]) == (133, "5%", 7)  # 6.65 → 7
    assert all(r["waiting"] for r in rows.values() if r["category"] != "未分类")
    # extra pools: 核技术 30%/年 in Q1; 危废, 填埋场 100%/年 in Q2 (4月—12月)
    assert rows["核技术利用单位"]["required"] == 3  # 7 × 30% = 2.1 → 3
    assert rows["危险废物经营单位"]["required"] == 0
    q2 = rows_by_stratum(session, "2024Q2")
    assert q2["核技术利用单位"]["required"] == 0
    assert q2["危险废物经营单位"]["required"] == 2 and q2["填埋场"]["required"] == 1
    year = rows_by_stratum(session, "2024")
    assert year["核技术利用单位"]["required"] == 3 and year["填埋场"]["required"] == 1
    # once the office enters the amounts, each level is its own stratum with its own rounding
    policies.set_step_amounts(
        session, {"risk-低风险": "0%", "risk-一般风险": "5%", "risk-较高风险": "10%", "risk-高风险": "15%"}
    )
    rows = rows_by_stratum(session, "2024Q1")
    assert rows["重点排污单位（低风险）"]["required"] == 2  # 8 × 25%
    assert rows["重点排污单位（高风险）"]["ratio"] == "40%" and rows["重点排污单位（高风险）"]["required"] == 2
    low = rows["一般排污单位（低风险）"]
    assert (low["pool"], low["ratio"], low["required"]) == (110, "5%", 6)  # 110 × 5% = 5.5 → 6
    assert rows["一般排污单位（较高风险）"]["ratio"] == "15%" and rows["一般排污单位（较高风险）"]["required"] == 3
    assert rows["一般排污单位"]["pool"] == 3  # unrated: base ratio
    assert rows["核技术利用单位（低风险）"]["required"] == 3
    # every object is in exactly one main category; extra pools are in addition
    c = classification.classify(session)
    assert c[nuclear[0].id].category == "一般排污单位"
    strata = quota.draw_strata(session, "2024Q1")
    assert not any(s.category == "核技术利用单位" for s in strata)
    ids = [o.id for s in strata for o in s.objects]
    assert len(ids) == len(set(ids))


def test_zezhou_task_scope_and_extra_pool_task(session):
    policies.set_policy(session, "zezhou-2024")
    objs(session, 12, permit_class="重点管理", key_polluter=True, township="巴公镇")
    objs(session, 8, permit_class="重点管理", key_polluter=True, township="高都镇")
    objs(session, 40, permit_class="登记管理", township="巴公镇")
    objs(session, 5, permit_class="登记管理", tags=["核技术利用单位"])
    plan = Plan(year=2024, code="ZZ2024-01", name="2024年度内部双随机抽查工作计划")
    session.add(plan)
    session.flush()
    key_task = Task(
        plan_id=plan.id,
        code="ZZ-T1",
        name="重点排污单位“双随机、公开”抽查",
        draw_type="定向",
        scope={"categories": ["重点排污单位"], "township": ["巴公镇"]},
    )
    nuclear_task = Task(
        plan_id=plan.id,
        code="ZZ-T4",
        name="核与辐射安全日常环境监督检查",
        draw_type="定向",
        ratio="30% 1次/年",
        scope={"categories": ["核技术利用单位"]},
        start_date=date(2024, 1, 1),
    )
    empty_task = Task(
        plan_id=plan.id, code="ZZ-TX", name="无对象的任务", draw_type="定向", scope={"township": ["不存在镇"]}
    )
    open_task = Task(
        plan_id=plan.id, code="ZZ-T0", name="不定向抽查", draw_type="不定向", scope={"township": ["高都镇"]}
    )
    session.add_all([key_task, nuclear_task, empty_task, open_task])
    session.flush()
    data = quota.compute_quota(session, "2024Q1", key_task.id)
    assert [(r["stratum"], r["pool"], r["required"]) for r in data["rows"]] == [("重点排污单位", 12, 3)]
    strata = quota.draw_strata(session, "2024Q1", nuclear_task.id)
    assert [(s.category, len(s.objects), s.required, s.ratio) for s in strata] == [("核技术利用单位", 5, 2, "30%")]
    with pytest.raises(UserError, match="没有匹配的对象"):
        quota.draw_strata(session, "2024Q1", empty_task.id)
    joint = Task(
        plan_id=plan.id,
        code="秦联002",
        name="汽车行业“一业一查”",
        draw_type="定向",
        ratio="结合企业信用风险等级, 不低于3%",
        scope={"township": ["巴公镇"]},
    )
    long_text = Task(
        plan_id=plan.id,
        code="022号",
        name="内部联合",
        draw_type="定向",
        scope={"township": ["巴公镇"]},
        ratio="重点监管对象：市级每季度至少对本行政区域内10%的重点监管对象进行随机抽查；特殊监管对象：…10%…",
    )
    session.add_all([joint, long_text])
    session.flush()
    rows = {r["stratum"]: r for r in quota.compute_quota(session, "2024Q1", joint.id)["rows"]}
    assert rows["重点排污单位"]["ratio"] == "3%" and rows["一般排污单位"]["required"] == 2  # 40 × 3% = 1.2 → 2
    rows = {r["stratum"]: r for r in quota.compute_quota(session, "2024Q1", long_text.id)["rows"]}
    assert rows["重点排污单位"]["ratio"] == "25%"  # several percentages: the rules apply
    mixed = Task(
        plan_id=plan.id,
        code="ZZ-MIX",
        name="混合范围",
        draw_type="定向",
        scope={"categories": ["核技术利用单位", "一般排污单位"]},
    )
    session.add(mixed)
    session.flush()
    with pytest.raises(UserError, match="分成两个任务"):
        quota.draw_strata(session, "2024Q1", mixed.id)
    whole = quota.draw_strata(session, "2024Q1", open_task.id)  # 不定向: whole pool, scope ignored
    assert sum(len(s.objects) for s in whole) == 65
    with pytest.raises(UserError, match="没有编号为 999"):
        quota.compute_quota(session, "2024Q1", 999)


# ------------------------------------------------------------------ 威海


def test_weihai_exclusion_half_year_specials_and_pool(session):
    policies.set_policy(session, "weihai")
    key = objs(session, 20, permit_class="重点管理")
    objs(session, 40, permit_class="简化管理")
    objs(session, 200, permit_class="登记管理")
    specials = objs(session, 6, permit_class="简化管理", special_situations=["矿井"])
    hotel = objs(session, 2, permit_class="登记管理", industry="餐饮业")
    higher = objs(session, 2, permit_class="重点管理", tags=["上级已抽查2026"])
    two_high = objs(session, 3, permit_class="重点管理", special_situations=["两高"])
    # Q1 draws: 4 重点 without problems, 1 with a problem, 1 in a voided draw, 1 last year
    for o in key[:4]:
        draw_outcome(session, o, "2026Q1", "未发现问题")
    draw_outcome(session, key[4], "2026Q1", "发现问题已责令整改")
    draw_outcome(session, key[5], "2026Q1", "未发现问题", state="已作废")
    draw_outcome(session, key[6], "2025Q4", "未发现问题")
    q1 = rows_by_stratum(session, "2026Q1")
    # exclusions choose, never count: 重点 = 20 + 2 tagged + 3 两高 = 25, only the tagged ones excluded in Q1
    assert (q1["重点监管对象"]["pool"], q1["重点监管对象"]["excluded"], q1["重点监管对象"]["required"]) == (25, 2, 7)
    assert q1["特殊监管对象"]["ratio"] == "100%" and q1["特殊监管对象"]["required"] == 6
    q2 = rows_by_stratum(session, "2026Q2")
    assert (q2["重点监管对象"]["pool"], q2["重点监管对象"]["excluded"], q2["重点监管对象"]["required"]) == (25, 6, 7)
    assert q2["特殊监管对象"]["required"] == 0  # once per half-year, done in Q1
    assert q2["重点监管对象"]["waiting"]  # “应提高抽查比例”: amount not stated, waits
    assert q2["简化监管对象"]["required"] == 2 and q2["一般监管对象"]["required"] == 2  # 5%, 1%
    assert rows_by_stratum(session, "2026Q3")["特殊监管对象"]["required"] == 6
    detail = quota.quota_detail(session, "2026Q2")
    key_row = next(r for r in detail["rows"] if r["stratum"] == "重点监管对象")
    assert {o.id for o, _why in key_row["excluded"]} == {o.id for o in key[:4]} | {o.id for o in higher}
    assert any("上级" in why for _o, why in key_row["excluded"])
    drawn = {o.id for s in quota.draw_strata(session, "2026Q2") for o in s.objects}
    assert not drawn & {o.id for o in key[:4] + higher}
    assert key[4].id in drawn and key[5].id in drawn and key[6].id in drawn
    c = classification.classify(session)
    assert hotel[0].id not in c  # 住宿和餐饮业 不纳入检查对象名录库
    assert c[specials[0].id].category == "特殊监管对象"
    assert c[two_high[0].id].stratum == "重点监管对象"  # the step-up waits for its amount


# ------------------------------------------------------------------ override


def test_manual_override_with_reason_is_audited(session):
    policies.set_policy(session, "longyao-2026")
    obj = make_object(session, permit_class="登记管理")
    with pytest.raises(UserError, match="理由"):
        classification.override(session, obj, "重点监管对象", "")
    with pytest.raises(UserError, match="不在当前规则中"):
        classification.override(session, obj, "超级对象", "x")
    classification.override(session, obj.uscc, "重点监管对象", "群众多次举报，局务会决定列入重点")
    session.commit()
    c = classification.classify(session)[obj.id]
    assert c.overridden and c.category == "重点监管对象" and "人工调整" in c.reason and "局务会" in c.reason
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "inspection_object")).all()
    assert any("局务会" in (e.after or "") for e in entries)
    from app.models.pools import ObjectChange

    change = session.scalar(select(ObjectChange).where(ObjectChange.object_id == obj.id))
    assert (change.kind, change.new_value) == ("类型变更", "重点监管对象") and "局务会" in change.source
    classification.override(session, obj, "自动", "恢复按规则分类")
    assert classification.classify(session)[obj.id].category == "一般监管对象"


# ------------------------------------------------------------------ bad rule files


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(colour="red"), "未知字段“colour”"),
        (lambda d: d["categories"][0].update(ratio={"value": "120%", "per": "季度"}), "超出范围"),
        (lambda d: d["categories"][0].update(ratio={"value": "-5%", "per": "季度"}), "超出范围"),
        (lambda d: d["categories"][0].update(ratio={"value": "三成", "per": "季度"}), "无法识别"),
        (lambda d: d["categories"][1].update(ratio={"value": "18%", "per": "每月"}), "周期“每月”无效"),
        (lambda d: d.update(precedence=["special"]), "未在 precedence"),
        (
            lambda d: d["categories"][0]["conditions"].append({"field": "colour", "in": ["红"]}),
            "未知的对象字段“colour”",
        ),
        (lambda d: d["categories"][1].update(mode="飞行检查"), "检查模式“飞行检查”无效"),
        (lambda d: d["categories"][2]["strata"][0].update(weight=2), "特殊监管对象|一般监管对象"),
    ],
)
def test_bad_rule_file_names_the_rule_and_saves_nothing(session, tmp_path, mutate, message):
    policies.set_policy(session, "longyao-2026")
    session.commit()
    doc = policies.load_preset("longyao-2026")
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = session.scalar(select(func.count(PolicyVersion.id)))
    with pytest.raises(UserError, match=message) as err:
        policies.import_rules(session, path)
    assert "bad.json" in err.value.message
    session.rollback()
    assert session.scalar(select(func.count(PolicyVersion.id))) == before
    assert policies.active_rules(session)["id"] == "longyao-2026"


def test_broken_json_and_missing_file(session, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"schema": "ssj-rules/1",\n  "id": }', encoding="utf-8")
    with pytest.raises(UserError, match="第 2 行"):
        policies.import_rules(session, path)
    with pytest.raises(UserError, match="既不是规则预设 id"):
        policies.set_policy(session, "no-such-preset")


def test_export_import_roundtrip_keeps_the_rules(session, tmp_path):
    policies.set_policy(session, "weihai")
    out = policies.export_rules(session, tmp_path / "weihai.json")
    text = out.read_text(encoding="utf-8")
    assert "第十八条" in text and "\n  " in text  # readable: Chinese, indented
    doc = json.loads(text)
    doc["id"] = "weihai-wendeng"
    doc["categories"][1]["ratio"]["value"] = "30%"
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    policies.import_rules(session, out)
    assert policies.active_rules(session)["categories"][1]["ratio"]["value"] == "30%"
    assert session.scalar(select(Office)).policy_id == "weihai-wendeng"


# ------------------------------------------------------------------ property tests

object_strategy = st.fixed_dictionaries(
    {
        "permit_class": st.sampled_from(["重点管理", "简化管理", "登记管理", ""]),
        "key_polluter": st.booleans(),
        "positive_list": st.booleans(),
        "credit_grade": st.sampled_from(["A", "B", "C", "D", ""]),
        "credit_risk": st.sampled_from(["低风险", "一般风险", "较高风险", "高风险", ""]),
        "air_grade": st.sampled_from(["A", "B", "B-", "C", "D", "引领性", ""]),
        "status": st.sampled_from(["存续", "存续", "停产", "注销", "迁出"]),
        "special_situations": st.lists(
            st.sampled_from(["上一季度被处罚", "挂牌督办", "群众反映强烈", "两高", "矿井", "环境风险较高", "填埋场"]),
            max_size=2,
            unique=True,
        ),
        "tags": st.lists(
            st.sampled_from(["上级已抽查", "核技术利用单位", "重点监管", "一般监管"]), max_size=2, unique=True
        ),
        "industry": st.sampled_from(["金属制品业", "餐饮业", "危险废物治理", "核技术利用（工业探伤）"]),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pool=st.lists(object_strategy, min_size=1, max_size=40),
    preset=st.sampled_from(policies.PRESET_IDS),
    period=st.sampled_from(["2026Q1", "2026Q2", "2026H2", "2026"]),
)
def test_property_one_category_each_and_quota_within_pool(session, pool, preset, period):
    session.execute(delete(InspectionObject))
    policies.set_policy(session, preset)
    rules = policies.active_rules(session)
    made = [make_object(session, **kw) for kw in pool]
    in_pool = {o.id for o in classification.pool_objects(session, rules)}
    assert in_pool <= {o.id for o in made}
    assert all(o.id not in in_pool for o in made if o.status in ("注销", "迁出"))
    c = classification.classify(session, period=period)
    assert set(c) == in_pool
    names = set(policies.category_names_of(rules)) | {policies.UNCLASSIFIED}
    assert all(v.category in names for v in c.values())
    detail = quota.quota_detail(session, period)
    main_rows = [r for r in detail["rows"] if r["category"] in names]
    seen = [o.id for r in main_rows for o in r["objects"]] + [o.id for r in main_rows for o, _ in r["excluded"]]
    assert sorted(seen) == sorted(in_pool)  # every pool object in exactly one main stratum
    for r in detail["rows"]:
        assert 0 <= r["required"] <= r["pool"]
        frac = r["ratio_fraction"]
        if frac is not None:
            assert r["required"] * frac.denominator >= frac.numerator * r["pool"]  # required ≥ ratio × pool
            assert (r["required"] - 1) * frac.denominator < frac.numerator * r["pool"] or r["required"] == 0
    session.rollback()


def test_ratio_parsing_is_exact():
    assert policies.parse_ratio("0.5%") == Fraction(1, 200)
    assert policies.parse_ratio("1/4") == Fraction(1, 4)
    assert policies.parse_ratio("全覆盖") == 1
    assert policies.format_ratio(Fraction(1, 200)) == "0.5%"
    assert quota.required_count(Fraction(18, 100), 50) == 9
    assert quota.required_count(Fraction(1, 200), 300) == 2
    assert quota.required_count(Fraction(0), 10) == 0
