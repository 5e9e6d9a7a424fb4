"""Issue 12: each reading of the five documents gives the document's number, on pools written by hand.

Every test names the sentence it checks; docs/policies.md maps sentence → rule → test.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from factories import make_object
from sqlalchemy import select

from app.models.core import AuditEntry
from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import ObjectChange
from app.models.rules import Plan, PolicyVersion, Task
from app.services.foundation.errors import UserError
from app.services.rules import classification, policies, quota


def objs(session, n, **kw):
    return [make_object(session, **kw) for _ in range(n)]


def rows_of(session, period, task_id=None):
    return {r["stratum"]: r for r in quota.compute_quota(session, period, task_id)["rows"]}


def tag_set_on(session, obj, tag, when: date):
    """The tag as the pool page sets it: the tags column plus its history row, dated `when`."""
    old = list(obj.tags or [])
    obj.tags = old + [tag]
    session.add(
        ObjectChange(
            object_id=obj.id,
            kind="修改",
            field="tags",
            old_value="、".join(old),
            new_value="、".join(obj.tags),
            ts=datetime(when.year, when.month, when.day, 9, 0),
            source="批量标签",
        )
    )
    session.flush()


def outcome(session, obj, period, result, **kw):
    # one live draw per period (the schema enforces it): objects of the same period share it
    draw = session.query(Draw).filter_by(period=period, task_id=None, state="已确认").first()
    if draw is None:
        draw = Draw(period=period, state="已确认")
        session.add(draw)
        session.flush()
    sel = DrawSelection(draw_id=draw.id, object_id=obj.id, uscc=obj.uscc, name=obj.name)
    session.add(sel)
    session.flush()
    session.add(Outcome(selection_id=sel.id, result=result, **kw))
    session.flush()


# ------------------------------------------------------------------ 1. exclusions choose, never count


def test_weihai_exclusions_choose_who_but_the_quota_counts_the_whole_category(session):
    """威海 第十四条（一）“重点监管对象抽查比例不低于25%” + 第十八条 “原则上可剔除…上级已抽取…”."""
    policies.set_policy(session, "weihai")
    key = objs(session, 48, permit_class="重点管理")
    for o in key[:12]:
        tag_set_on(session, o, "上级已抽查", date(2026, 3, 10))
    row = rows_of(session, "2026Q2")["重点监管对象"]
    assert (row["pool"], row["excluded"], row["available"], row["required"]) == (48, 12, 36, 12)  # 48 × 25%
    assert row["shortfall"] == 0
    [stratum] = [s for s in quota.draw_strata(session, "2026Q2") if s.category == "重点监管对象"]
    assert stratum.required == 12 and len(stratum.objects) == 36
    assert not {o.id for o in stratum.objects} & {o.id for o in key[:12]}


def test_weihai_special_objects_are_never_excluded(session):
    """威海 第十四条（四）“对所有特殊监管对象每半年开展1次抽查”: 8 特殊, 4 tagged → Q3 draws 8."""
    policies.set_policy(session, "weihai")
    special = objs(session, 8, permit_class="简化管理", special_situations=["挂牌督办"])
    for o in special[:4]:
        tag_set_on(session, o, "上级已抽查", date(2026, 5, 1))
    for o in special[4:6]:
        outcome(session, o, "2026Q1", "未发现问题")
    row = rows_of(session, "2026Q3")["特殊监管对象"]
    assert (row["pool"], row["excluded"], row["required"]) == (8, 0, 8)
    [stratum] = [s for s in quota.draw_strata(session, "2026Q3") if s.category == "特殊监管对象"]
    assert stratum.required == 8 and len(stratum.objects) == 8


def test_too_few_left_after_exclusion_takes_all_and_shows_the_shortfall(session):
    """25% of 20 = 5 required; 17 excluded leave 3: all 3 are drawn and the shortfall of 2 is shown."""
    policies.set_policy(session, "weihai")
    key = objs(session, 20, permit_class="重点管理")
    for o in key[:17]:
        outcome(session, o, "2026Q1", "未发现问题")
    row = rows_of(session, "2026Q2")["重点监管对象"]
    assert (row["pool"], row["excluded"], row["available"], row["required"], row["shortfall"]) == (20, 17, 3, 5, 2)
    detail = quota.quota_detail(session, "2026Q2")
    note = next(r for r in detail["rows"] if r["stratum"] == "重点监管对象")["note"]
    assert "少 2 家" in note
    [stratum] = [s for s in quota.draw_strata(session, "2026Q2") if s.category == "重点监管对象"]
    assert stratum.required == 3 and stratum.shortfall == 2


def test_quota_cli_keeps_its_keys_and_adds_excluded(session, cli, db):
    policies.set_policy(session, "weihai")
    key = objs(session, 8, permit_class="重点管理")
    tag_set_on(session, key[0], "上级已抽查", date(2026, 2, 1))
    session.commit()
    import json

    rc, out, _err = cli("--json", "quota", "--period", "2026Q2")
    assert rc == 0
    row = next(r for r in json.loads(out)["rows"] if r["stratum"] == "重点监管对象")
    assert {"category", "stratum", "pool", "ratio", "required", "mode"} <= set(row)
    assert (row["pool"], row["excluded"], row["available"], row["required"], row["shortfall"]) == (8, 1, 7, 2, 0)
    assert row["waiting"] == ["比例递加“信用风险高/两高”：待本单位确定"]


# ------------------------------------------------------------------ 2. 上级已抽查 counts for its year


def test_higher_level_tag_counts_only_in_the_year_it_was_set(session):
    """威海 第十八条 “年度…上级已抽取”: a tag set in 2024 no longer excludes in 2026."""
    policies.set_policy(session, "weihai")
    old, this_year, named, named_old = objs(session, 4, permit_class="重点管理")
    tag_set_on(session, old, "上级已抽查", date(2024, 6, 1))
    tag_set_on(session, this_year, "上级已抽查", date(2026, 4, 2))
    named.tags = ["上级已抽查2026"]
    named_old.tags = ["上级已抽查2025"]
    session.flush()
    detail = quota.quota_detail(session, "2026Q3")
    excluded = {o.id for r in detail["rows"] for o, _why in r["excluded"]}
    assert excluded == {this_year.id, named.id}
    why = next(w for r in detail["rows"] for o, w in r["excluded"] if o.id == this_year.id)
    assert "2026" in why
    # the same tag in 2027 (no new setting): no longer excluded
    assert not any(r["excluded"] for r in quota.quota_detail(session, "2027Q1")["rows"])


def test_higher_level_tag_without_history_dates_from_the_objects_creation(session):
    policies.set_policy(session, "weihai")
    obj = make_object(session, permit_class="重点管理", tags=["上级已抽查"])
    obj.created_at = datetime(2025, 3, 1)
    session.flush()
    assert not any(r["excluded"] for r in quota.quota_detail(session, "2026Q1")["rows"])
    assert any(r["excluded"] for r in quota.quota_detail(session, "2025Q2")["rows"])


# ------------------------------------------------------------------ 4. step-up amounts ship switched off


def test_zezhou_step_up_waits_for_the_office_and_applies_once_entered(session):
    """泽州 附件1 “对低风险、一般风险、较高风险、高风险企业分别递加比例抽查” gives no amounts."""
    policies.set_policy(session, "zezhou-2024")
    objs(session, 8, permit_class="重点管理", key_polluter=True, credit_risk="低风险")
    objs(session, 4, permit_class="重点管理", key_polluter=True, credit_risk="高风险")
    objs(session, 100, permit_class="登记管理", credit_risk="低风险")
    objs(session, 20, permit_class="登记管理", credit_risk="较高风险")
    rows = rows_of(session, "2024Q1")
    # no invented amounts: 12 × 25% = 3, 120 × 5% = 6 — one stratum per category
    assert rows["重点排污单位"]["required"] == 3 and rows["一般排污单位"]["required"] == 6
    assert "重点排污单位（高风险）" not in rows
    waiting = rows["重点排污单位"]["waiting"]
    assert waiting and all("待本单位确定" in w for w in waiting)
    described = [r for r in policies.describe(policies.active_rules(session)) if r["kind"] == "比例递加"]
    assert described and all(r["ratio"] == "待本单位确定" and r["source"] for r in described)
    # the office enters the amounts (audited) → levels become strata with their own rounding
    policies.set_step_amounts(session, {"risk-高风险": "15%", "risk-较高风险": "10%"})
    session.commit()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "policy_version")).all()
    assert any("15%" in (e.after or "") for e in entry)
    rows = rows_of(session, "2024Q1")
    assert rows["重点排污单位（高风险）"]["ratio"] == "40%" and rows["重点排污单位（高风险）"]["required"] == 2
    assert rows["一般排污单位（较高风险）"]["required"] == 3  # 20 × 15%
    assert rows["重点排污单位"]["required"] == 2  # 8 × 25%: 低风险 and 一般风险 still wait → base ratio
    assert any("低风险" in w for w in rows["重点排污单位"]["waiting"])
    with pytest.raises(UserError, match="没有编号"):
        policies.set_step_amounts(session, {"risk-极高": "5%"})
    with pytest.raises(UserError, match="超出范围|无法识别"):
        policies.set_step_amounts(session, {"risk-高风险": "一成"})


def test_weihai_and_wugang_step_ups_are_noted_but_switched_off(session):
    """威海 第十五条 “应提高抽查比例”; 舞钢 “有针对性地提高重点排污单位中废水、废气排放企业的检查频次”."""
    policies.set_policy(session, "weihai")
    objs(session, 10, permit_class="重点管理", credit_risk="高风险")
    rows = rows_of(session, "2026Q1")
    assert rows["重点监管对象"]["ratio"] == "25%" and rows["重点监管对象"]["required"] == 3
    assert rows["重点监管对象"]["waiting"]
    doc = policies.load_preset("wugang-2024")
    steps = doc["step_up"]["steps"]
    assert steps and all("add" not in s for s in steps)
    assert "废水、废气排放企业的检查频次" in doc["step_up"]["source"]
    policies.set_policy(session, "wugang-2024")
    objs(session, 8, key_polluter=True, pollution_types=["废水"])
    rows = rows_of(session, "2024Q1")
    assert rows["重点排污单位"]["required"] == 2 and rows["重点排污单位"]["waiting"]


# ------------------------------------------------------------------ 5. one ratio, one rounding


def test_longyao_one_ratio_is_rounded_once_and_mode_is_per_object(session):
    """隆尧 “排污登记类企业季度抽取0.5%”: 1,000 objects, 10 on the 正面清单 → 5, not 5 + 1."""
    policies.set_policy(session, "longyao-2026")
    objs(session, 990, permit_class="登记管理")
    positive = objs(session, 10, permit_class="登记管理", positive_list=True)
    rows = rows_of(session, "2026Q1")
    row = rows["一般监管对象（排污登记）"]
    assert (row["pool"], row["required"], row["mode"]) == (1000, 5, "现场/非现场")
    assert not any("非现场" in s for s in rows)
    [stratum] = quota.draw_strata(session, "2026Q1")
    assert stratum.required == 5 and len(stratum.objects) == 1000
    assert {stratum.modes[o.id] for o in positive} == {"非现场"}
    assert quota.object_modes(session, "2026Q1", [positive[0].uscc]) == {positive[0].uscc: "非现场"}


def test_drawn_objects_get_their_own_mode_in_a_mixed_stratum(session, tmp_path):
    from factories import make_inspector

    from app.services.draw import draws

    policies.set_policy(session, "longyao-2026")
    objs(session, 30, permit_class="简化管理")
    objs(session, 30, permit_class="简化管理", positive_list=True)
    for _ in range(6):
        make_inspector(session)
    d = draws.draw_now(session, "2026Q1", None, "12345678901234567890", witnesses=["张三", "李四"])
    sels = session.scalars(select(DrawSelection).where(DrawSelection.draw_id == d.id)).all()
    assert len(sels) == 3  # 60 × 5% = 3, one stratum
    by_uscc = {o.uscc: o for o in classification.pool_objects(session, policies.active_rules(session))}
    for sel in sels:
        assert sel.mode == ("非现场" if by_uscc[sel.uscc].positive_list else "现场")
    # the 抽取记录 PDF lists each drawn object under its own mode
    import subprocess

    from app.services.draw import documents

    pdf = documents.record_pdf(session, d.id, tmp_path / "record.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    onsite, _, offsite = text.partition("非现场检查，单列")
    for sel in sels:
        assert sel.uscc in (offsite if sel.mode == "非现场" else onsite)


def test_separate_strata_only_where_a_part_has_its_own_ratio(session):
    """秦皇岛 “正面清单企业…县区每季度实现全覆盖；…正面清单外…每季度至少检查 3%”: two ratios, two strata."""
    policies.set_policy(session, "qinhuangdao-county-2024")
    objs(session, 9, permit_class="登记管理", positive_list=True)
    objs(session, 101, permit_class="登记管理")
    rows = rows_of(session, "2024Q1")
    assert rows["一般监管对象（正面清单内）"]["required"] == 9
    assert rows["一般监管对象（正面清单外）"]["required"] == 4  # 101 × 3% = 3.03 → 4


# ------------------------------------------------------------------ 6. 秦皇岛 conflict clause


def test_qinhuangdao_conflict_moves_key_polluters_with_a_simplified_permit(session):
    """秦皇岛 “重点监管对象指定条件与…一般监管对象指定条件相冲突的，应…以…一般监管对象的指定条件为准”."""
    policies.set_policy(session, "qinhuangdao-county-2024")
    moved = objs(session, 4, permit_class="简化管理", key_polluter=True)
    positive = objs(session, 2, permit_class="重点管理", positive_list=True)
    objs(session, 8, permit_class="重点管理")
    doc = policies.active_rules(session)
    general = next(c for c in doc["categories"] if c["id"] == "general")
    assert "重点排污单位名录" in general["choice"]
    c = classification.classify(session, period="2024Q1")
    assert c[moved[0].id].category == "一般监管对象"
    listed = classification.conflict_moved(session, period="2024Q1")
    assert {m["object"].id for m in listed} == {o.id for o in moved + positive}
    assert all(m["from"] == "重点监管对象" and m["to"] == "一般监管对象" for m in listed)
    rows = rows_of(session, "2024Q1")
    assert rows["重点监管对象"]["pool"] == 8
    # the narrower reading: the clause only moves 正面清单 enterprises
    policies.set_conflict_reading(session, narrow=True)
    c = classification.classify(session, period="2024Q1")
    assert c[moved[0].id].category == "重点监管对象"
    assert c[positive[0].id].category == "一般监管对象"
    assert {m["object"].id for m in classification.conflict_moved(session, period="2024Q1")} == {o.id for o in positive}
    assert rows_of(session, "2024Q1")["重点监管对象"]["pool"] == 12
    with pytest.raises(UserError, match="没有冲突条款"):
        policies.set_policy(session, "longyao-2026")
        policies.set_conflict_reading(session, narrow=True)


def test_conflict_explanation_says_priority_only_when_two_categories_matched(session):
    """Issue 22 survivor 8: “（…优先）” only when more than one category matched."""
    policies.set_policy(session, "qinhuangdao-county-2024")
    only_key = make_object(session, permit_class="重点管理")
    both = make_object(session, permit_class="重点管理", positive_list=True)
    c = classification.classify(session, period="2024Q1")
    assert c[only_key.id].reason == "排污许可重点管理 → 重点监管对象"
    assert "→ 一般监管对象（一般优先）" in c[both.id].reason


# ------------------------------------------------------------------ 7. 隆尧 penalty decision


def test_longyao_special_needs_a_penalty_decision_dated_in_the_previous_quarter(session):
    """隆尧 “上一季度被下达行政处罚决定的企业”: a decision date in the quarter, not a case number or a check."""
    policies.set_policy(session, "longyao-2026")
    decided, filed_only, checked_only, decided_earlier = objs(session, 4, permit_class="简化管理")
    outcome(
        session, decided, "2025Q3", "发现问题已立案调查", case_no="隆环罚〔2025〕3号", decision_date=date(2025, 12, 5)
    )
    outcome(session, filed_only, "2025Q4", "发现问题已立案调查", case_no="隆环立〔2025〕9号")
    outcome(session, checked_only, "2025Q4", "发现问题已立案调查", check_date=date(2025, 11, 2))
    outcome(
        session,
        decided_earlier,
        "2025Q3",
        "发现问题已立案调查",
        case_no="隆环罚〔2025〕1号",
        decision_date=date(2025, 9, 30),
        check_date=date(2025, 10, 2),
    )
    c = classification.classify(session, period="2026Q1")
    assert c[decided.id].category == "特殊监管对象"
    assert [c[o.id].category for o in (filed_only, checked_only, decided_earlier)] == ["一般监管对象"] * 3


# ------------------------------------------------------------------ 8. 泽州 部门联合 rows it initiates


def test_zezhou_joint_plan_pools_it_initiates(session):
    """泽州 附件3: 生态环境监测机构 50%；1次/年 and 城镇污水处理厂 100%；1次/年, 发起部门 生态环境泽州分局."""
    policies.set_policy(session, "zezhou-2024")
    objs(session, 5, permit_class="登记管理", industry="生态环境监测机构（检验检测服务）")
    objs(
        session, 3, permit_class="重点管理", key_polluter=True, industry="污水处理及其再生利用", tags=["城镇污水处理厂"]
    )
    objs(session, 4, permit_class="登记管理", industry="机动车排放检验")
    q1 = rows_of(session, "2024Q1")
    assert q1["生态环境监测机构"]["required"] == 3 and q1["生态环境监测机构"]["ratio"] == "50%"
    assert q1["城镇污水处理厂"]["required"] == 3
    assert "机动车排放检验机构" not in q1  # initiated by 县市场监管局, not a quota of this office
    assert rows_of(session, "2024Q2")["生态环境监测机构"]["required"] == 0
    doc = policies.active_rules(session)
    names = {ep["name"]: ep for ep in doc["extra_pools"]}
    assert "3月—9月" in names["城镇污水处理厂"]["source"]


# ------------------------------------------------------------------ 9. registration date, year view, calendar


def test_qinhuangdao_task_scope_registered_by_end_of_2023(session):
    """秦皇岛 附件1 抽查对象范围 “2023年12月31日前登记设立、已成立状态的市场主体”."""
    policies.set_policy(session, "qinhuangdao-city-2024")
    old = objs(session, 9, permit_class="重点管理", registration_date=date(2015, 4, 1))
    old += objs(session, 1, permit_class="重点管理", registration_date=date(2023, 12, 31))  # the day itself: in
    new = objs(session, 3, permit_class="重点管理", registration_date=date(2024, 2, 1))
    plan = Plan(year=2024, code="2024001", name="内部联合随机抽查001")
    session.add(plan)
    session.flush()
    task = Task(
        plan_id=plan.id,
        code="022号",
        name="内部联合随机抽查001",
        draw_type="定向",
        scope={"registered_by": "2023-12-31"},
    )
    session.add(task)
    session.flush()
    row = rows_of(session, "2024Q1", task.id)["重点监管对象"]
    assert row["pool"] == 10 and row["required"] == 1
    ids = {o.id for s in quota.draw_strata(session, "2024Q1", task.id) for o in s.objects}
    assert ids == {o.id for o in old} and not ids & {o.id for o in new}
    assert "成立日期" in quota.scope_text(task.scope)
    with pytest.raises(UserError, match="成立日期"):
        quota.validate_scope({"registered_by": "去年"})


def test_year_view_shows_objects_and_visits(session):
    """秦皇岛 县级 “每季度至少对…50%的特殊监管对象进行抽查”: 13 objects → the year is 13 家, 28 家次."""
    policies.set_policy(session, "qinhuangdao-county-2024")
    objs(session, 13, permit_class="简化管理", credit_grade="D")
    row = rows_of(session, "2024")["特殊监管对象"]
    assert (row["required"], row["visits"]) == (13, 28)
    q = rows_of(session, "2024Q2")["特殊监管对象"]
    assert (q["required"], q["visits"]) == (7, 7)


def test_reporting_calendar_on_the_home_page(session):
    """秦皇岛 “每季度结束前5个工作日内上报…”; 威海 第二十八条 “次月2日前” / “1月5日前”, 第六条 “1月15日前”."""
    from app.services.reports import dashboard, reporting

    policies.set_policy(session, "weihai")
    items = reporting.deadlines(session, date(2026, 3, 20))
    titles = {i["title"]: i for i in items}
    stat = next(i for i in items if "统计表" in i["title"])
    assert stat["due"] == date(2026, 4, 2)
    assert any(i["due"] == date(2027, 1, 5) and "工作报告" in i["title"] for i in items)
    assert any(i["due"] == date(2027, 1, 15) and "抽查工作计划" in i["title"] for i in items)
    assert all(i["source"] for i in titles.values())
    cards = [c for c in dashboard.collect(session, date(2026, 3, 20)) if c["title"].startswith("报送")]
    assert cards and "2026-04-02" in " ".join(c["value"] + c["detail"] for c in cards)
    policies.set_policy(session, "qinhuangdao-county-2024")
    items = reporting.deadlines(session, date(2024, 6, 3))
    summary = next(i for i in items if "工作总结" in i["title"])
    assert summary["due"] == date(2024, 6, 24)  # the 5th working day before 30 June (a Sunday)
    names = next(i for i in items if "名录库调整" in i["title"])
    assert names["due"] == date(2024, 6, 25)  # 每季度结束前5日


def test_every_preset_choice_to_confirm_is_stated():
    for pid in policies.preset_ids():
        doc = policies.load_preset(pid)
        for s in (doc.get("step_up") or {}).get("steps", []):
            assert "add" not in s, f"{pid}: step-up amount {s['label']} not in the document"
        assert doc.get("reporting") is not None, pid


def test_policy_versions_record_who_entered_the_amounts(session):
    policies.set_policy(session, "zezhou-2024")
    v = policies.set_step_amounts(session, {"risk-高风险": "15%"})
    assert isinstance(v, PolicyVersion) and v.active
    step = next(s for s in v.rules["step_up"]["steps"] if s["id"] == "risk-高风险")
    assert step["add"] == "15%" and step.get("set_by") == "admin"


def test_cli_enters_a_step_amount_and_the_conflict_reading(session, admin_cli, db):
    import json

    cli = admin_cli  # changing the rules: as an account
    policies.set_policy(session, "zezhou-2024")
    session.commit()
    rc, out, err = cli("--json", "policy", "step", "risk-高风险", "15%")
    assert rc == 0, err
    assert json.loads(out)["add"] == "15%"
    rc, _out, err = cli("policy", "step", "risk-极高", "5%")
    assert rc == 1 and "没有编号" in err
    rc, _out, err = cli("policy", "conflict", "narrow")
    assert rc == 1 and "没有冲突条款" in err
    rc, out, err = cli("policy", "step", "risk-高风险", "待定")
    assert rc == 0 and "待本单位确定" in out


# ------------------------------------------------------------------ issue 22: survivors 2, 3, 4


def test_condition_combinators_any_all_not_decide_membership(session):
    """Issue 22 survivor 2: `not`, `any` and `all` are accepted by the validator, so they must work."""
    obj = make_object(session, permit_class="重点管理", credit_grade="C", tags=["两高"])
    other = make_object(session, permit_class="登记管理", credit_grade="A", tags=[])
    key = {"field": "permit_class", "in": ["重点管理"]}
    low = {"field": "credit_grade", "in": ["C", "D"]}
    both = {"all": [key, low]}
    either = {"any": [{"field": "permit_class", "in": ["简化管理"]}, low], "label": "简化或信用低"}
    neither = {"not": key, "label": "非重点"}
    assert classification.match(both, obj, {}) == ["排污许可管理类别 重点管理", "信用等级 C"]
    assert classification.match(both, other, {}) is None
    assert classification.match({"all": [key, {"field": "tags", "has_any": ["矿井"]}]}, obj, {}) is None
    assert classification.match(either, obj, {}) == ["简化或信用低"]
    assert classification.match({"any": [low]}, obj, {}) == ["信用等级 C"]
    assert classification.match(either, other, {}) is None
    assert classification.match(neither, obj, {}) is None
    assert classification.match(neither, other, {}) == ["非重点"]
    assert classification.match({"not": key}, other, {}) == ["其他"]
    assert classification.match({"always": True}, other, {}) == ["全部对象"]
    # derived facts reach the conditions inside any / all
    punished = {"field": "penalized_last_quarter", "is": True}
    facts = {"penalized": {other.id}}
    assert classification.match({"any": [punished]}, other, facts) == ["上一季度被处罚 是"]
    assert classification.match({"all": [punished, {"not": key}]}, other, facts) == ["上一季度被处罚 是", "其他"]
    assert classification.match({"any": [punished]}, obj, facts) is None
    assert classification.match({"not": punished}, obj, facts) == ["其他"]
    assert classification.match({"not": punished}, other, facts) is None
    doc = policies.load_preset("longyao-2026")
    doc["categories"][1]["conditions"] = [{"all": [key, {"not": low}], "label": "重点管理且信用不低"}]
    policies.set_policy(session, doc)
    c = classification.classify(session, period="2026Q1")
    assert c[obj.id].category == "特殊监管对象"  # credit C: special
    plain = make_object(session, permit_class="重点管理", credit_grade="B")
    c = classification.classify(session, period="2026Q1")
    assert c[plain.id].category == "重点监管对象" and c[plain.id].reason == "重点管理且信用不低 → 重点监管对象"


@pytest.mark.parametrize(
    "text, start, spec",
    [
        ("20%；1次/年", date(2024, 7, 15), {"value": "20%", "per": "年", "in_quarter": 3}),
        ("50%；1次/年", date(2024, 3, 1), {"value": "50%", "per": "年", "in_quarter": 1}),
        ("30% 2次/年", date(2024, 5, 1), {"value": "30%", "per": "半年", "in_quarter": 2}),
        ("30% 2次/年", date(2024, 10, 1), {"value": "30%", "per": "半年", "in_quarter": 2}),
        ("25% 4次/年", date(2024, 10, 1), {"value": "25%", "per": "季度"}),
        ("不低于3%", None, {"value": "3%", "per": "季度"}),
        ("10%…10%", None, None),
        ("按计划", None, None),
    ],
)
def test_task_ratio_once_a_year_is_due_in_the_tasks_start_quarter(text, start, spec):
    """Issue 22 survivor 3: “1次/年” is a yearly ratio due in the start quarter, not a quarterly one."""
    task = Task(code="T", name="t", ratio=text, start_date=start)
    assert quota.task_ratio_spec(task) == spec


def test_once_a_year_task_draws_in_its_start_quarter_only(session):
    policies.set_policy(session, "zezhou-2024")
    objs(session, 10, permit_class="登记管理", tags=["城镇污水处理厂"])
    plan = Plan(year=2024, code="ZZ-J", name="部门联合")
    session.add(plan)
    session.flush()
    task = Task(
        plan_id=plan.id,
        code="J3",
        name="城镇污水处理厂双随机联合抽查",
        draw_type="定向",
        ratio="100%；1次/年",
        scope={"categories": ["城镇污水处理厂"]},
        start_date=date(2024, 7, 1),
    )
    session.add(task)
    session.flush()
    assert rows_of(session, "2024Q3", task.id)["城镇污水处理厂"]["required"] == 10
    assert rows_of(session, "2024Q1", task.id)["城镇污水处理厂"]["required"] == 0
    assert rows_of(session, "2024Q4", task.id)["城镇污水处理厂"]["required"] == 0


def test_scope_filters_each_narrow_the_pool(session):
    """Issue 22 survivor 4: has_any / is / contains / strata / modes filters, not only category and township."""
    policies.set_policy(session, "longyao-2026")
    a = make_object(session, permit_class="简化管理", tags=["涉VOCs"], key_polluter=False, name="甲化工有限公司")
    b = make_object(session, permit_class="简化管理", tags=[], key_polluter=True, name="乙机械有限公司")
    c = make_object(session, permit_class="登记管理", positive_list=True, pollution_types=["废水"], name="丙食品厂")
    classes = classification.classify(session, period="2026Q1")

    def hits(scope):
        return {o.id for o in (a, b, c) if quota.scope_match(o, classes[o.id], scope)}

    assert hits({"tags": ["涉VOCs"]}) == {a.id}
    assert hits({"tags": ["没有"]}) == set()
    assert hits({"key_polluter": True}) == {b.id}
    assert hits({"key_polluter": False}) == {a.id, c.id}
    assert hits({"positive_list": True}) == {c.id}
    assert hits({"name": ["化工", "食品"]}) == {a.id, c.id}
    assert hits({"name": "机械"}) == {b.id}
    assert hits({"pollution_types": ["废水"]}) == {c.id}
    assert hits({"strata": ["一般监管对象（排污登记）"]}) == {c.id}
    assert hits({"modes": ["非现场"]}) == {c.id}
    assert hits({"modes": ["现场"]}) == {a.id, b.id}
    assert hits({"categories": ["重点监管对象"]}) == {b.id}
    assert hits({"permit_class": ["登记管理"], "name": ["化工"]}) == set()
    assert hits({"tags": []}) == {a.id, b.id, c.id}  # an empty filter filters nothing
    # every key must hold, whatever comes first (a passing or empty key does not end the check)
    assert hits({"key_polluter": True, "tags": ["涉VOCs"]}) == set()
    assert hits({"tags": [], "name": ["化工"]}) == {a.id}
    assert hits({"registered_by": "2030-01-01", "name": ["食品"]}) == {c.id}
    assert hits({"modes": ["现场"], "name": ["食品", "机械"]}) == {b.id}
    # an object without a classification (not in the pool) matches no category, stratum or mode filter
    assert not quota.scope_match(a, None, {"categories": ["一般监管对象"]})
    assert not quota.scope_match(a, None, {"strata": ["一般监管对象（简化管理）"]})
    assert not quota.scope_match(a, None, {"modes": ["现场"]})
    assert quota.scope_match(a, None, {"tags": ["涉VOCs"]})
    # a blank field: an empty value in the filter selects it (“未填写”), a word never does
    blank = make_object(session, permit_class="登记管理", industry="", credit_grade="")
    assert quota.scope_match(blank, None, {"credit_grade": [""]})
    graded = make_object(session, permit_class="登记管理", credit_grade="A")
    assert not quota.scope_match(graded, None, {"credit_grade": [""]})
    assert not quota.scope_match(blank, None, {"industry": ["XX"]})
    assert not quota.scope_match(blank, None, {"credit_grade": ["XXXX"]})
    assert quota.scope_text({"key_polluter": True, "name": ["化工", "食品"]}) == "重点排污单位：是；名称含：化工、食品"
    assert quota.scope_text({}) == "全部对象"
    with pytest.raises(UserError, match="未知的筛选字段“colour”"):
        quota.validate_scope({"colour": ["红"]})
    with pytest.raises(UserError, match="筛选条件"):
        quota.validate_scope(["tags"])


def test_registration_date_is_imported_edited_and_exported(session, tmp_path):
    """秦皇岛 附件1 needs 成立日期 on objects: header aliases, the edit form's validation, the export column."""
    import openpyxl
    from factories import make_uscc

    from app.services.pools import importer, pools

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "单位名称", "排污许可管理类别", "成立日期"])
    a, b = make_uscc(), make_uscc()
    ws.append([a, "成立较早有限公司", "重点管理", "2015-04-01"])
    ws.append([b, "成立较晚有限公司", "重点管理", datetime(2024, 2, 1)])
    path = tmp_path / "名录.xlsx"
    wb.save(path)
    rep = importer.run_import(session, "objects", path)
    session.commit()
    assert rep.errors == [] and rep.inserted == 2
    early = pools.get_object(session, a)
    assert early.registration_date == date(2015, 4, 1)
    assert pools.get_object(session, b).registration_date == date(2024, 2, 1)
    pools.update_object(session, a, {"registration_date": "2016年5月6日"}, reason="核对营业执照")
    assert early.registration_date == date(2016, 5, 6)
    pools.update_object(session, a, {"registration_date": ""}, reason="日期不详")
    assert early.registration_date is None
    out, n = pools.export_kind(session, "objects", tmp_path / "导出.xlsx")
    sheet = openpyxl.load_workbook(out).worksheets[0]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(r for r in values if "成立日期" in r)
    col = header.index("成立日期")
    later = next(r for r in values if "成立较晚有限公司" in r)
    assert str(later[col]).startswith("2024-02-01")


def test_rule_list_shows_waiting_steps_and_the_conflict_reading(session):
    policies.set_policy(session, "qinhuangdao-county-2024")
    rows = policies.describe(policies.active_rules(session))
    conflict = next(r for r in rows if r["kind"] == "冲突规则" and "一般监管对象" in r["name"].split("→")[-1])
    assert conflict["conditions"] == "宽读法（可选窄读法：仅 生态环境监督执法正面清单内 构成冲突）"
    policies.set_conflict_reading(session, narrow=True)
    rows = policies.describe(policies.active_rules(session))
    conflict = next(r for r in rows if r["kind"] == "冲突规则" and "一般监管对象" in r["name"].split("→")[-1])
    assert conflict["conditions"].startswith("窄读法")
    policies.set_policy(session, "wugang-2024")
    step = next(r for r in policies.describe(policies.active_rules(session)) if r["kind"] == "比例递加")
    assert step["ratio"] == "待本单位确定" and "废水、废气" in step["source"]


def test_quota_export_rows_total_and_excluded_sheet(session, tmp_path):
    """The 应抽数 workbook: a row per stratum in rule order, 合计 without the overlapping special pools, and the
    excluded objects with their reasons (issue 22: row order, 未分类 note, the 合计 filter)."""
    import openpyxl

    policies.set_policy(session, "zezhou-2024")
    objs(session, 8, permit_class="重点管理", key_polluter=True)
    objs(session, 3, permit_class="登记管理", special_situations=["挂牌督办"])
    objs(session, 20, permit_class="登记管理")
    objs(session, 5, permit_class="登记管理", industry="核技术利用（医用射线装置）")
    out = quota.export_quota_xlsx(session, "2024Q1", None, tmp_path / "应抽数.xlsx")
    ws = openpyxl.load_workbook(out).worksheets[0]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][0] == "2024年第一季度应抽数（规则：晋城市生态环境局泽州分局 2024 年度双随机抽查工作计划）"
    assert values[1] == ["监管类别", "分层", "名录数", "已剔除", "比例", "应抽", "可抽", "家次", "检查方式", "说明"]
    body = values[2:]
    assert [r[0] for r in body] == ["特殊监管对象", "重点排污单位", "一般排污单位", "核技术利用单位", "合计"]
    rows = {r[1]: r for r in body}
    assert rows["特殊监管对象"][2:8] == [3, 0, "30%", 1, 1, 1]
    assert rows["重点排污单位"][2:8] == [8, 0, "25%", 2, 2, 2]
    assert rows["一般排污单位"][2:6] == [25, 0, "5%", 2]  # the 5 核技术 objects are also 一般排污单位
    assert rows["核技术利用单位"][2:6] == [5, 0, "30%", 2]
    assert "待本单位确定" in rows["重点排污单位"][9]
    total = body[-1]
    assert total[0] == "合计" and total[2] == 36 and total[5] == 1 + 2 + 2 + 2  # pools overlap: not in 名录数
    assert "不含专项对象库" in total[9]
    policies.set_policy(session, "weihai")
    key = objs(session, 4, permit_class="重点管理")
    key[0].tags = ["上级已抽查2024"]
    session.flush()
    out = quota.export_quota_xlsx(session, "2024Q2", None, tmp_path / "威海.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[1] == "已剔除对象"
    excluded = [[c.value for c in r] for r in book.worksheets[1].iter_rows()]
    assert excluded[0] == ["分层", "统一社会信用代码", "单位名称", "剔除原因"]
    assert excluded[1][1:3] == [key[0].uscc, key[0].name] and "上级已抽查2024" in excluded[1][3]
    unclassified = make_object(session, permit_class="")
    detail = quota.quota_detail(session, "2024Q2")
    last = detail["rows"][-1]
    assert last["category"] == "未分类" and last["pool"] >= 1 and unclassified.id in [o.id for o in last["objects"]]
    assert "未分类对象不计入应抽数" in last["note"] and last["required"] == 0 and last["mode"] == ""


def test_conflict_moves_list_every_moved_object_with_its_clause(session):
    """The list on 监管分类: in object order, skipping unmoved and overridden objects, naming the loser."""
    policies.set_policy(session, "qinhuangdao-county-2024")
    plain = make_object(session, permit_class="重点管理")  # not moved, listed before the moved ones
    moved = make_object(session, permit_class="登记管理", key_polluter=True)
    kept = make_object(session, permit_class="登记管理", key_polluter=True)
    classification.override(session, kept, "重点监管对象", "局务会决定按重点监管")
    special = make_object(session, permit_class="重点管理", credit_grade="D")
    listed = classification.conflict_moved(session, period="2024Q1")
    assert [m["object"].id for m in listed] == [moved.id, special.id]
    first, second = listed
    assert (first["from"], first["to"]) == ("重点监管对象", "一般监管对象")
    assert (second["from"], second["to"]) == ("重点监管对象", "特殊监管对象")
    assert "以特殊监管对象和一般监管对象的指定条件为准" in first["source"]
    assert first["reason"] == classification.classify(session, [moved], period="2024Q1")[moved.id].reason
    assert plain.id not in {m["object"].id for m in listed}
    # the rules passed in are the ones used (the narrow reading keeps the 名录 enterprise in 重点)
    narrow = policies.active_rules(session)
    for c in narrow["conflicts"]:
        if c.get("narrow_conditions"):
            c["narrow"] = True
    assert [m["object"].id for m in classification.conflict_moved(session, period="2024Q1", rules=narrow)] == [
        special.id
    ]
    # 威海: the loser named is the category the object also matched, not the first one listed in the clause
    policies.set_policy(session, "weihai")
    simple_special = make_object(session, permit_class="简化管理", special_situations=["矿井"])
    got = {m["object"].id: m for m in classification.conflict_moved(session, period="2024Q1")}
    assert got[simple_special.id]["from"] == "简化监管对象" and got[simple_special.id]["to"] == "特殊监管对象"


def test_manual_override_by_name_or_id_and_by_a_leader(session):
    from app.services.foundation.context import Actor, acting_as

    policies.set_policy(session, "longyao-2026")
    obj = make_object(session, permit_class="登记管理")
    with acting_as(Actor("lingdao", "领导")):
        classification.override(session, obj, "重点监管对象", "领导决定")
    c = classification.classify(session, period="2026Q1")[obj.id]
    assert c.reason.startswith("人工调整 → 重点监管对象：领导决定") and c.ratio["value"] == "18%"
    assert "按规则原为 排污登记 → 一般监管对象" in c.reason
    obj.category_override = "key"  # a rule file may name the category by id
    session.flush()
    c = classification.classify(session, period="2026Q1")[obj.id]
    assert c.category == "重点监管对象" and c.ratio["value"] == "18%"
    obj.category_override = "已废止类别"
    session.flush()
    c = classification.classify(session, period="2026Q1")[obj.id]
    assert c.category == "已废止类别" and "该类别不在当前规则中" in c.reason and c.ratio is None
