"""The quota table, the strata a draw freezes, the 应抽数 workbook and the per-object modes — on one database per
module (each test in its own transaction, rolled back: milliseconds a test, for mutation runs; issue 22).

A small rule document (tests/rule_rows.py) with what the county documents use: a category whose ratio depends on
the previous quarter's penalties, a 现场/非现场 mode rule, extra special pools with their own ratio, mode and
step-up, a step-up level that waits for the office, exclusions; rows are compared field by field.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

import openpyxl
import pytest
from factories import make_object
from rule_rows import rules_doc

from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import ObjectPermit
from app.models.rules import Plan, Task
from app.services.foundation.errors import UserError
from app.services.rules import policies, quota

NUCLEAR = "核技术利用单位"
HAZWASTE = "危险废物经营单位"
WAIT = "比例递加“较高风险”：待本单位确定"


def doc(**extra) -> dict:
    """特殊 also takes objects penalized in the previous quarter; 一般 on the positive list is checked 非现场;
    two extra pools (核技术 30%/年 in Q2 非现场, 危废 100%/季度 with the default mode); a step-up for 一般 and
    核技术 (上季度处罚 +10%, 较高风险 waiting); objects tagged 上级已抽查2026 are excluded."""
    d = rules_doc(
        extra_pools=[
            {
                "id": "nuclear",
                "name": NUCLEAR,
                "conditions": [{"id": "n", "field": "industry", "contains_any": ["核技术"]}],
                "ratio": {"value": "30%", "per": "年", "in_quarter": 2},
                "mode": "非现场",
            },
            {
                "id": "haz",
                "name": HAZWASTE,
                "conditions": [{"id": "h", "field": "tags", "has_any": ["危废"]}],
                "ratio": {"value": "100%", "per": "季度"},
            },
        ],
        mode_rules=[
            {
                "id": "offsite",
                "categories": ["general"],
                "conditions": [{"id": "pl", "field": "positive_list", "is": True}],
                "mode": "非现场",
            }
        ],
        step_up={
            "applies_to": ["nuclear", "general"],
            "steps": [
                {
                    "id": "pen",
                    "label": "上季度处罚",
                    "conditions": [{"field": "penalized_last_quarter", "is": True}],
                    "add": "10%",
                },
                {"id": "risk", "label": "较高风险", "conditions": [{"field": "credit_risk", "in": ["较高"]}]},
            ],
        },
        exclusions=[{"id": "up", "kind": "higher_level_tag", "tag": "上级已抽查", "label": "上级已抽查"}],
    )
    d["categories"][0]["conditions"].append({"id": "pen", "field": "penalized_last_quarter", "is": True})
    d.update(extra)
    return d


def penalized(s, obj, decided: date, period="2026Q1"):
    draw = s.query(Draw).filter_by(period=period).first()
    if draw is None:
        draw = Draw(period=period, state="已确认")
        s.add(draw)
        s.flush()
    sel = DrawSelection(draw_id=draw.id, object_id=obj.id, uscc=obj.uscc, name=obj.name)
    s.add(sel)
    s.flush()
    s.add(Outcome(selection_id=sel.id, result="发现问题", decision_date=decided))
    s.flush()


def task(s, scope, *, code="T-01", name="定向抽查任务", ratio="", draw_type="定向", start=None):
    plan = Plan(year=2026, code=f"P-{code}", name="年度计划")
    s.add(plan)
    s.flush()
    t = Task(plan_id=plan.id, code=code, name=name, draw_type=draw_type, scope=scope, ratio=ratio, start_date=start)
    s.add(t)
    s.flush()
    return t


def rows_by_stratum(detail):
    return {r["stratum"]: r for r in detail["rows"]}


def ids(objs):
    return [o.id for o in objs]


# ------------------------------------------------------------------ the rows of the table


def test_rows_read_the_given_rules_the_period_modes_pools_and_their_step_up(s):
    policies.set_policy(s, rules_doc())  # active: no pools, no mode rule, no step-up — the given document rules
    general = [make_object(s, permit_class="简化管理") for _ in range(3)]
    offsite = make_object(s, permit_class="简化管理", positive_list=True)
    high = make_object(s, permit_class="重点管理", credit_risk="高")
    nuclear = make_object(s, permit_class="简化管理", industry="核技术利用")
    punished = make_object(s, permit_class="简化管理", industry="核技术利用", positive_list=True)
    penalized(s, punished, date(2026, 2, 10))
    haz = make_object(s, permit_class="简化管理", tags=["危废", "上级已抽查2026"])
    unclassified = make_object(s, permit_class="")
    detail = quota.quota_detail(s, "2026Q2", rules=doc())
    rows = rows_by_stratum(detail)
    assert list(rows) == [
        "特殊监管对象",
        "重点监管对象（高风险）",
        "一般监管对象",
        NUCLEAR,
        f"{NUCLEAR}（上季度处罚）",
        HAZWASTE,
        "未分类",
    ]
    # penalized in 2026Q1 (the quarter before the period asked): 特殊, 现场
    special = rows["特殊监管对象"]
    assert ids(special["objects"]) == [punished.id] and special["mode"] == "现场"
    assert special["modes"] == {punished.id: "现场"} and special["ratio_fraction"] == 1
    assert rows["重点监管对象（高风险）"]["mode"] == "非现场"
    assert rows["重点监管对象（高风险）"]["modes"] == {high.id: "非现场"}
    gen = rows["一般监管对象"]
    assert gen["mode"] == quota.MIXED_MODE and gen["modes"][offsite.id] == "非现场"
    assert gen["modes"][general[0].id] == "现场" and gen["pool"] == 6 and gen["excluded"][0][0].id == haz.id
    assert gen["waiting"] == [WAIT] and gen["ratio_fraction"] == Fraction(5, 100) and gen["note"] == ""
    pool = rows[NUCLEAR]
    assert (ids(pool["objects"]), pool["mode"], pool["modes"]) == ([nuclear.id], "非现场", {nuclear.id: "非现场"})
    assert pool["ratio"] == "30%" and pool["required"] == 1 and pool["waiting"] == [WAIT]
    assert pool["note"] == "每年抽查 30%，在该年第 2 个季度执行"
    stepped = rows[f"{NUCLEAR}（上季度处罚）"]
    assert ids(stepped["objects"]) == [punished.id] and stepped["ratio_fraction"] == Fraction(4, 10)
    # an extra pool without a mode: 现场; its excluded object stays in its row, excluded
    hz = rows[HAZWASTE]
    assert (hz["mode"], hz["pool"], hz["available"], hz["objects"]) == ("现场", 1, 0, [])
    why = "标签“上级已抽查2026”：上级 2026 年已抽查且未发现问题"
    assert [(o.id, reason) for o, reason in hz["excluded"]] == [(haz.id, why)]
    assert hz["shortfall"] == 1 and hz["waiting"] == []
    assert hz["note"] == "应抽 1 家，剔除 1 家后只剩 0 家，全部抽取，少 1 家"
    last = rows["未分类"]
    assert ids(last["objects"]) == [unclassified.id] and last["mode"] == "" and last["waiting"] == []
    assert last["note"] == "未分类对象不计入应抽数，请补全信息或人工指定类别" and last["ratio"] == "—"
    assert last["ratio_fraction"] is None and last["visits"] == 0
    assert (detail["policy"], detail["task"], detail["scope"]) == ("fast", None, {})


def test_a_level_waiting_for_every_category_is_listed_on_every_row_but_the_unclassified(s):
    rules = doc(step_up={"steps": [{"id": "risk", "label": "较高风险", "conditions": []}]})
    make_object(s, permit_class="重点管理")
    make_object(s, permit_class="")
    rows = rows_by_stratum(quota.quota_detail(s, "2026Q1", rules=rules))
    assert rows["重点监管对象（其他）"]["waiting"] == [WAIT]
    assert rows["未分类"]["waiting"] == []


def test_notes_say_when_a_longer_ratio_is_due_and_what_a_category_without_a_ratio_lacks(s):
    rules = doc()
    rules["categories"][0]["ratio"] = {"value": "100%", "per": "半年"}  # 特殊: due in the first quarter of a half
    del rules["categories"][1]["ratio"]  # 重点 without a ratio of its own …
    del rules["categories"][1]["strata"]
    rules["categories"][2]["ratio"] = {"value": "5%"}  # 一般: 季度 by default
    make_object(s, permit_class="简化管理", credit_grade="D")
    make_object(s, permit_class="重点管理")
    make_object(s, permit_class="简化管理")
    make_object(s, permit_class="简化管理", industry="核技术")
    q2 = rows_by_stratum(quota.quota_detail(s, "2026Q2", rules=rules))
    assert q2["特殊监管对象"]["note"] == "每半年抽查 100%，在该半年第 1 个季度执行"
    assert q2["特殊监管对象"]["required"] == 0
    assert q2["重点监管对象"]["note"] == "本级规则未规定此类别的抽查比例"
    assert q2["重点监管对象"]["ratio"] == "—" and q2["重点监管对象"]["required"] == 0
    assert q2["一般监管对象"]["note"] == "" and q2[NUCLEAR]["note"] == "每年抽查 30%，在该年第 2 个季度执行"
    year = rows_by_stratum(quota.quota_detail(s, "2026", rules=rules))
    assert year["特殊监管对象"]["note"] == "" and year[NUCLEAR]["note"] == ""
    assert year["特殊监管对象"]["visits"] == 2 and year["一般监管对象"]["visits"] == 4  # 1 a quarter (2 objects)


def test_the_shortfall_note_only_when_fewer_remain_than_required(s):
    rules = doc()
    special = [make_object(s, permit_class="简化管理", credit_grade="D") for _ in range(3)]
    special[0].tags = ["上级已抽查2026"]
    key = [make_object(s, permit_class="重点管理", credit_risk="高") for _ in range(2)]
    key[0].tags = ["上级已抽查2026"]
    s.flush()
    rows = rows_by_stratum(quota.quota_detail(s, "2026Q1", rules=rules))
    assert rows["特殊监管对象"]["note"] == "应抽 3 家，剔除 1 家后只剩 2 家，全部抽取，少 1 家"
    high = rows["重点监管对象（高风险）"]  # 50% of 2 = 1, one left: exactly enough, no note
    assert (high["required"], high["available"], high["drawable"], high["note"]) == (1, 1, 1, "")
    policies.set_policy(s, rules)
    special_stratum = quota.draw_strata(s, "2026Q1")[0]  # the draw takes the 2 left and shows the 1 missing
    assert (special_stratum.stratum, special_stratum.required, special_stratum.shortfall) == ("特殊监管对象", 2, 1)
    assert ids(special_stratum.objects) == ids(special[1:])


def test_the_notes_of_a_row_are_joined(s):
    rules = doc()
    rules["categories"][0]["ratio"] = {"value": "100%", "per": "半年"}
    special = [make_object(s, permit_class="简化管理", credit_grade="D") for _ in range(2)]
    special[0].tags = ["上级已抽查2026"]
    s.flush()
    detail = quota.quota_detail(s, "2026Q1", rules=rules)
    assert rows_by_stratum(detail)["特殊监管对象"]["note"] == (
        "每半年抽查 100%，在该半年第 1 个季度执行；应抽 2 家，剔除 1 家后只剩 1 家，全部抽取，少 1 家"
    )


def test_a_task_registered_by_scope_counts_and_notes_the_undated_objects(s):
    policies.set_policy(s, doc())
    undated = [make_object(s, permit_class="简化管理") for _ in range(2)]
    dated = make_object(s, permit_class="简化管理", registration_date=date(2020, 1, 1))
    make_object(s, permit_class="简化管理", registration_date=date(2024, 1, 1))  # out of the scope
    t = task(s, {"registered_by": "2023-12-31"})
    rows = rows_by_stratum(quota.quota_detail(s, "2026Q1", t.id))
    assert ids(rows["一般监管对象"]["objects"]) == ids([*undated, dated])
    assert rows["一般监管对象"]["note"] == "2 家缺少成立日期，按范围内计"
    # without that key in the scope the dates are not the question
    plain = rows_by_stratum(quota.quota_detail(s, "2026Q1"))
    assert plain["一般监管对象"]["note"] == "" and plain["一般监管对象"]["pool"] == 4
    dated_only = task(s, {"registered_by": "2021-01-01", "township": ["城关镇"]}, code="T-02")
    for o in undated:
        o.registration_date = date(2019, 5, 5)
    s.flush()
    assert rows_by_stratum(quota.quota_detail(s, "2026Q1", dated_only.id))["一般监管对象"]["note"] == ""


def test_a_task_scope_takes_extra_pools_only_when_it_names_them(s):
    policies.set_policy(s, doc())
    nuclear = make_object(s, permit_class="简化管理", industry="核技术", township="城关镇")
    make_object(s, permit_class="简化管理", township="东关镇")
    by_town = task(s, {"township": ["城关镇"]})
    assert list(rows_by_stratum(quota.quota_detail(s, "2026Q2", by_town.id))) == ["一般监管对象"]
    by_pool = task(s, {"categories": [NUCLEAR]}, code="T-02")
    rows = rows_by_stratum(quota.quota_detail(s, "2026Q2", by_pool.id))
    assert list(rows) == [NUCLEAR] and ids(rows[NUCLEAR]["objects"]) == [nuclear.id]
    # the JSON rows (ssj quota --task) are those of the task too
    assert [r["stratum"] for r in quota.compute_quota(s, "2026Q2", by_pool.id)["rows"]] == [NUCLEAR]
    assert [r["stratum"] for r in quota.compute_quota(s, "2026Q2", by_town.id)["rows"]] == ["一般监管对象"]
    undirected = task(s, {"township": ["东关镇"]}, code="T-03", draw_type="不定向")  # draws by the rules
    assert NUCLEAR not in rows_by_stratum(quota.quota_detail(s, "2026Q2", undirected.id))


def test_a_category_scope_without_extra_pools_in_the_rules(s):
    policies.set_policy(s, rules_doc())
    general = make_object(s, permit_class="简化管理")
    make_object(s, permit_class="重点管理")
    t = task(s, {"categories": ["一般监管对象"]})
    detail = quota.quota_detail(s, "2026Q1", t.id)
    assert [(r["stratum"], ids(r["objects"])) for r in detail["rows"]] == [("一般监管对象", [general.id])]
    assert detail["task"].id == t.id and detail["scope"] == {"categories": ["一般监管对象"]}


def test_exclusions_in_the_table_spare_the_exempt_category_and_read_the_tag_history(s):
    rules = doc(
        exclusions=[{"id": "up", "kind": "higher_level_tag", "tag": "上级已抽查", "except_categories": ["special"]}]
    )
    policies.set_policy(s, rules)
    special = make_object(s, permit_class="简化管理", credit_grade="D", tags=["上级已抽查2026"])
    general = make_object(s, permit_class="简化管理", tags=["上级已抽查"])  # no history: dated from its creation
    general.created_at = datetime(2026, 1, 5)
    s.flush()
    rows = rows_by_stratum(quota.quota_detail(s, "2026Q2"))
    assert ids(rows["特殊监管对象"]["objects"]) == [special.id] and rows["特殊监管对象"]["excluded"] == []
    assert [(o.id, why) for o, why in rows["一般监管对象"]["excluded"]] == [
        (general.id, "标签“上级已抽查”（2026 年标记）：上级本年度已抽查且未发现问题")
    ]


def test_a_task_naming_one_ratio_uses_it_for_its_rows(s):
    policies.set_policy(s, doc())
    for _ in range(10):
        make_object(s, permit_class="简化管理")
    t = task(s, {"categories": ["一般监管对象"]}, ratio="结合企业信用风险等级，不低于20%")
    [row] = quota.quota_detail(s, "2026Q1", t.id)["rows"]
    assert (row["ratio"], row["required"]) == ("20%", 2)
    assert quota.quota_detail(s, "2026Q1")["rows"][0]["ratio"] == "5%"


def test_an_unknown_task_is_refused_in_chinese(s):
    policies.set_policy(s, rules_doc())
    with pytest.raises(UserError) as e:
        quota.quota_detail(s, "2026Q1", 987654)
    assert str(e.value) == "没有编号为 987654 的抽查任务。"


def test_a_scope_that_matches_nobody_is_refused_in_chinese(s):
    policies.set_policy(s, rules_doc())
    make_object(s, permit_class="简化管理", township="城关镇")
    t = task(s, {"township": ["西关镇"], "key_polluter": True}, name="西关镇重点排污单位")
    with pytest.raises(UserError) as e:
        quota.quota_detail(s, "2026Q1", t.id)
    assert str(e.value) == (
        "任务“西关镇重点排污单位”的抽查对象范围（乡镇：西关镇；重点排污单位：是）在检查对象库中没有匹配的对象，"
        "请修改任务的对象范围。"
    )


# ------------------------------------------------------------------ the strata a draw freezes


def test_strata_skip_rows_with_nothing_to_draw_and_keep_every_row_after_them(s):
    rules = doc()
    rules["categories"][0]["ratio"] = {"value": "100%", "per": "半年"}
    policies.set_policy(s, rules)
    make_object(s, permit_class="简化管理", credit_grade="D")  # 特殊: nothing due in Q2
    high = make_object(s, permit_class="重点管理", credit_risk="高")
    make_object(s, permit_class="重点管理", credit_risk="高", tags=["上级已抽查2026"])  # 50% of 2: the other one
    general = [make_object(s, permit_class="简化管理") for _ in range(2)]
    offsite = make_object(s, permit_class="简化管理", positive_list=True)
    nuclear = make_object(s, permit_class="简化管理", industry="核技术")  # its pool: not without a task naming it
    make_object(s, permit_class="")
    strata = quota.draw_strata(s, "2026Q2")
    assert [(x.category, x.stratum) for x in strata] == [
        ("重点监管对象", "重点监管对象（高风险）"),
        ("一般监管对象", "一般监管对象"),
    ]
    first, second = strata
    assert (first.mode, first.ratio, first.required, first.modes, first.shortfall) == (
        "非现场",
        "50%",
        1,
        {high.id: "非现场"},
        0,
    )
    assert ids(first.objects) == [high.id]
    assert second.mode == quota.MIXED_MODE and second.required == 1
    assert second.modes == {general[0].id: "现场", general[1].id: "现场", offsite.id: "非现场", nuclear.id: "现场"}
    assert len(second.objects) == 4


def test_an_object_in_a_category_and_a_pool_of_one_task_is_refused(s):
    policies.set_policy(s, doc())
    both = make_object(s, permit_class="简化管理", industry="核技术", name="甲核技术有限公司")
    t = task(s, {"categories": ["一般监管对象", NUCLEAR]})
    with pytest.raises(UserError) as e:
        quota.draw_strata(s, "2026Q2", t.id)
    assert str(e.value) == (
        f"任务的抽查对象范围同时包含“一般监管对象”和“{NUCLEAR}”，对象“{both.name}”在两者中都有，"
        "同一次抽取会重复抽到它。请把专项对象库（如核技术利用单位）和监管类别分成两个任务。"
    )
    pool_only = task(s, {"categories": [NUCLEAR]}, code="T-02")
    [stratum] = quota.draw_strata(s, "2026Q2", pool_only.id)
    assert (stratum.stratum, stratum.mode, ids(stratum.objects)) == (NUCLEAR, "非现场", [both.id])


def test_nothing_to_draw_is_an_empty_list_without_a_task_and_an_error_with_one(s):
    rules = doc()
    rules["categories"][0]["ratio"] = {"value": "100%", "per": "半年"}
    policies.set_policy(s, rules)
    assert quota.draw_strata(s, "2026Q2") == []
    make_object(s, permit_class="简化管理", credit_grade="D", township="西关镇")
    assert quota.draw_strata(s, "2026Q2") == []
    t = task(s, {"township": ["西关镇"]}, name="西关镇特殊监管对象")
    with pytest.raises(UserError) as e:
        quota.draw_strata(s, "2026Q2", t.id)
    assert str(e.value) == "任务“西关镇特殊监管对象”在 2026Q2 没有需要抽取的对象（范围内对象的应抽数均为 0）。"
    assert [x.required for x in quota.draw_strata(s, "2026Q1", t.id)] == [1]


# ------------------------------------------------------------------ modes of given objects


def test_object_modes_by_uscc_in_the_period(s):
    policies.set_policy(s, doc())
    onsite = make_object(s, permit_class="简化管理")
    offsite = make_object(s, permit_class="简化管理", positive_list=True)
    punished = make_object(s, permit_class="简化管理", positive_list=True)  # 2026Q2: 特殊 (现场), else 非现场
    penalized(s, punished, date(2026, 3, 1))
    gone = make_object(s, permit_class="简化管理", positive_list=True, status="注销")  # out of the pool: no mode
    asked = [onsite.uscc, offsite.uscc, "91140525MA0XXXXX00", punished.uscc, onsite.uscc, gone.uscc]
    assert quota.object_modes(s, "2026Q2", asked) == {
        onsite.uscc: "现场",
        offsite.uscc: "非现场",
        punished.uscc: "现场",
    }
    assert quota.object_modes(s, "2026Q3", [punished.uscc]) == {punished.uscc: "非现场"}
    assert quota.object_modes(s, "2026Q2", []) == {}


def test_object_modes_of_more_than_500_codes_are_read_in_chunks_without_a_gap(s):
    policies.set_policy(s, doc())
    a, b, c = (make_object(s, permit_class="简化管理", positive_list=True) for _ in range(3))
    unknown = [f"UNKNOWN{n:011d}" for n in range(998)]  # codes of no object
    asked = [a.uscc, *unknown[:499], b.uscc, *unknown[499:], c.uscc]
    assert asked.index(b.uscc) == 500 and asked.index(c.uscc) == 1000
    assert quota.object_modes(s, "2026Q1", asked) == {a.uscc: "非现场", b.uscc: "非现场", c.uscc: "非现场"}


# ------------------------------------------------------------------ the 应抽数 workbook


def _sheet(ws):
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_the_workbook_of_a_task_its_title_notes_total_and_sheets(s, tmp_path):
    rules = doc(name="")
    policies.set_policy(s, rules)
    general = [make_object(s, permit_class="简化管理", credit_risk="较高") for _ in range(3)]
    general[0].tags = ["上级已抽查2026"]
    nuclear = make_object(s, permit_class="简化管理", industry="核技术", tags=["上级已抽查2026"])
    expired = make_object(s, permit_class="简化管理", permit_no="P-OLD")
    s.add(ObjectPermit(object_id=expired.id, permit_no="P-OLD", permit_class="简化管理", valid_to=date(2020, 1, 1)))
    make_object(s, permit_class="重点管理", township="东关镇")  # out of the task's scope
    s.flush()
    t = task(s, {"township": ["城关镇"], "categories": ["一般监管对象", "特殊监管对象"]}, code="T-09", name="城关镇")
    book = openpyxl.load_workbook(quota.export_quota_xlsx(s, "2026Q2", t.id, tmp_path / "应抽数.xlsx"))
    assert book.sheetnames == ["2026Q2应抽数", "已剔除对象", "许可证已过期"]
    main = book.worksheets[0]
    assert main["A1"].value == "2026年第二季度应抽数（规则：fast）　任务：T-09 城关镇"
    assert main["A1"].font.b is True
    values = _sheet(main)
    assert values[1] == ["监管类别", "分层", "名录数", "已剔除", "比例", "应抽", "可抽", "家次", "检查方式", "说明"]
    body = values[2:]
    assert [r[:8] for r in body[:-1]] == [["一般监管对象", "一般监管对象", 5, 2, "5%", 1, 1, 1]]
    assert body[0][9] == f"{WAIT}"
    assert body[-1] == [
        "合计",
        None,
        5,
        2,
        None,
        1,
        1,
        1,
        None,
        "合计名录数不含专项对象库（与类别重叠）；应抽数按整个类别（含已剔除对象）计算",
    ]
    excluded = _sheet(book["已剔除对象"])
    assert excluded[0] == ["分层", "统一社会信用代码", "单位名称", "剔除原因"]
    assert [r[1] for r in excluded[1:]] == [general[0].uscc, nuclear.uscc]
    permits = book["许可证已过期"]
    assert _sheet(permits)[1][:5] == ["一般监管对象", expired.uscc, expired.name, "P-OLD", "2020-01-01"]
    assert _sheet(permits)[1][5].startswith("没有其他有效许可证，规则仍按“简化管理”归类")  # the rules read the class
    assert permits.column_dimensions["F"].width == 80


def test_the_workbook_total_leaves_the_overlapping_pools_out_and_joins_notes_and_waiting_levels(s, tmp_path):
    rules = doc()
    rules["categories"][0]["ratio"] = {"value": "100%", "per": "半年"}
    policies.set_policy(s, rules)
    make_object(s, permit_class="简化管理", credit_grade="D", credit_risk="较高")
    kept = [make_object(s, permit_class="简化管理") for _ in range(2)]
    kept[0].tags = ["上级已抽查2026"]
    make_object(s, permit_class="简化管理", industry="核技术", tags=["上级已抽查2026"])
    s.flush()
    book = openpyxl.load_workbook(quota.export_quota_xlsx(s, "2026Q1", None, tmp_path / "应抽数.xlsx"))
    values = _sheet(book.worksheets[0])
    assert values[0][0] == "2026年第一季度应抽数（规则：快速测试规则）"
    rows = {r[1] or r[0]: r for r in values[2:]}
    assert list(rows) == ["特殊监管对象", "一般监管对象", NUCLEAR, "合计"]
    assert rows["特殊监管对象"][9] == "每半年抽查 100%，在该半年第 1 个季度执行"
    assert rows["一般监管对象"][9] == WAIT
    assert rows[NUCLEAR][2:4] == [1, 1] and rows[NUCLEAR][9] == f"每年抽查 30%，在该年第 2 个季度执行；{WAIT}"
    assert rows["合计"][2:8] == [4, 2, None, 2, 2, 2]  # the 核技术 object is excluded in 一般 too
