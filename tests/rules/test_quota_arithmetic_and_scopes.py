"""Pure-core tests of app.services.rules.quota: rounding, period conversion, task ratios, task scopes, row
order, the waiting step-up levels and 家次 — plain rows, no database (fast: mutation runs)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from types import SimpleNamespace

import pytest
from rule_rows import row, rules_doc

from app.services.foundation.errors import UserError
from app.services.foundation.periods import parse_period
from app.services.rules import quota
from app.services.rules.classification import Classification

P = parse_period

# ------------------------------------------------------------------ rounding


@pytest.mark.parametrize(
    ("ratio", "n", "want"),
    [
        (Fraction(1, 5), 10, 2),  # exact
        (Fraction(1, 5), 11, 3),  # 2.2 → 3: always up
        (Fraction(1, 5), 9, 2),  # 1.8 → 2
        (Fraction(1, 20), 1, 1),  # 0.05 → 1
        (Fraction(0), 50, 0),
        (Fraction(1), 7, 7),
        (Fraction(3, 100), 100, 3),
        (Fraction(3, 100), 101, 4),
        (Fraction(1, 3), 0, 0),
    ],
)
def test_counts_round_up_with_integer_arithmetic(ratio, n, want):
    assert quota.required_count(ratio, n) == want


# ------------------------------------------------------------------ period conversion


def test_a_quarterly_ratio_multiplies_by_the_quarters_of_the_period():
    spec = {"value": "18%", "per": "季度"}
    assert quota._multiplier(spec, P("2026Q3")) == 1
    assert quota._multiplier(spec, P("2026H1")) == 2
    assert quota._multiplier(spec, P("2026")) == 4
    assert quota._multiplier({"value": "18%"}, P("2026")) == 4  # 季度 is the default
    assert quota.period_ratio(spec, Fraction(0), P("2026Q1")) == Fraction(18, 100)
    assert quota.period_ratio(spec, Fraction(0), P("2026H1")) == Fraction(36, 100)
    assert quota.period_ratio(spec, Fraction(0), P("2026")) == Fraction(72, 100)


def test_the_period_ratio_is_capped_at_everything():
    assert quota.period_ratio({"value": "30%"}, Fraction(0), P("2026")) == 1
    assert quota.period_ratio({"value": "25%"}, Fraction(0), P("2026")) == 1
    assert quota.period_ratio({"value": "90%"}, Fraction(2, 10), P("2026Q1")) == 1  # base capped before x1


def test_a_half_year_ratio_is_due_in_one_quarter_of_the_half():
    spec = {"value": "100%", "per": "半年"}
    assert [quota._multiplier(spec, P(f"2026Q{q}")) for q in (1, 2, 3, 4)] == [1, 0, 1, 0]
    late = {**spec, "in_quarter": 2}
    assert [quota._multiplier(late, P(f"2026Q{q}")) for q in (1, 2, 3, 4)] == [0, 1, 0, 1]
    assert quota._multiplier(spec, P("2026H2")) == 1
    assert quota._multiplier(spec, P("2026")) == 2
    assert quota.period_ratio(spec, Fraction(0), P("2026Q2")) == 0


def test_a_yearly_ratio_is_due_in_its_quarter():
    spec = {"value": "100%", "per": "年", "in_quarter": 2}
    assert [quota._multiplier(spec, P(f"2026Q{q}")) for q in (1, 2, 3, 4)] == [0, 1, 0, 0]
    assert quota._multiplier(spec, P("2026H1")) == 1
    assert quota._multiplier(spec, P("2026H2")) == 0
    assert quota._multiplier(spec, P("2026")) == 1
    assert quota._multiplier({"value": "5%", "per": "年"}, P("2026Q1")) == 1


def test_the_step_up_adds_before_the_period_conversion():
    spec = {"value": "10%", "per": "季度"}
    assert quota.period_ratio(spec, Fraction(5, 100), P("2026Q1")) == Fraction(15, 100)
    assert quota.period_ratio(spec, Fraction(5, 100), P("2026H1")) == Fraction(30, 100)


def test_no_ratio_spec_gives_no_ratio():
    assert quota.period_ratio(None, Fraction(0), P("2026Q1")) is None
    assert quota.period_ratio({}, Fraction(0), P("2026Q1")) is None


# ------------------------------------------------------------------ 家次


def test_visits_sum_the_quarters_counts():
    spec = {"value": "18%", "per": "季度"}
    # 11 objects: 18% → 1.98 → 2 a quarter; the year: 8 家次 (not 72% → 8 distinct capped …)
    assert quota._visits(spec, Fraction(0), P("2026"), 11) == 8
    assert quota._visits(spec, Fraction(0), P("2026H2"), 11) == 4
    assert quota._visits(spec, Fraction(0), P("2026Q1"), 11) == 2
    half = {"value": "100%", "per": "半年"}
    assert quota._visits(half, Fraction(0), P("2026"), 3) == 6
    assert quota._visits(None, Fraction(0), P("2026"), 3) == 0
    assert quota._visits(spec, Fraction(2, 100), P("2026"), 10) == 8  # 20% of 10 = 2 per quarter


# ------------------------------------------------------------------ task ratios (issue 22, survivor 3)


def _task(ratio, start=None):
    return SimpleNamespace(ratio=ratio, start_date=start)


def test_a_task_naming_one_percentage_uses_it_per_quarter():
    assert quota.task_ratio_spec(_task("不低于3%")) == {"value": "3%", "per": "季度"}
    assert quota.task_ratio_spec(_task("结合企业信用风险等级，不低于 2.5 ％")) == {"value": "2.5%", "per": "季度"}


def test_once_a_year_is_per_year_and_due_in_the_tasks_start_quarter():
    assert quota.task_ratio_spec(_task("20%；1次/年", date(2026, 1, 10))) == {
        "value": "20%",
        "per": "年",
        "in_quarter": 1,
    }
    assert quota.task_ratio_spec(_task("20%；1次/年", date(2026, 4, 1))) == {
        "value": "20%",
        "per": "年",
        "in_quarter": 2,
    }
    assert quota.task_ratio_spec(_task("20%；1 次 / 年", date(2026, 12, 31))) == {
        "value": "20%",
        "per": "年",
        "in_quarter": 4,
    }
    assert quota.task_ratio_spec(_task("20%；1次/年")) == {"value": "20%", "per": "年"}


def test_twice_a_year_is_per_half_year():
    assert quota.task_ratio_spec(_task("10%，2次/年", date(2026, 5, 1))) == {
        "value": "10%",
        "per": "半年",
        "in_quarter": 2,
    }
    assert quota.task_ratio_spec(_task("10%，2次/年", date(2026, 7, 1))) == {
        "value": "10%",
        "per": "半年",
        "in_quarter": 1,
    }
    assert quota.task_ratio_spec(_task("10%，4次/年", date(2026, 7, 1))) == {"value": "10%", "per": "季度"}


def test_no_or_several_percentages_leave_the_rule_ratios():
    assert quota.task_ratio_spec(None) is None
    assert quota.task_ratio_spec(_task(None)) is None
    assert quota.task_ratio_spec(_task("")) is None
    assert quota.task_ratio_spec(_task("按规则")) is None
    assert quota.task_ratio_spec(_task("重点20%，一般5%")) is None


# ------------------------------------------------------------------ scope (issue 22, survivor 4)


def _cls(category="重点监管对象", stratum="重点监管对象（高风险）", mode="现场"):
    return Classification(category, stratum, mode, "")


def test_validate_scope_refuses_unknown_keys_and_bad_dates():
    quota.validate_scope({"township": ["城关镇"], "registered_by": "2023-12-31"})
    quota.validate_scope({})
    with pytest.raises(UserError) as e:
        quota.validate_scope({"township": "甲", "color": "红", "size": 1})
    assert str(e.value).startswith("抽查对象范围：未知的筛选字段“color、size”。可用：township、industry、")
    with pytest.raises(UserError) as e:
        quota.validate_scope(["township"])
    assert str(e.value) == "抽查对象范围应为“字段: 值”的筛选条件。"
    with pytest.raises(UserError) as e:
        quota.validate_scope({"registered_by": "2023年底"})
    assert str(e.value) == (
        "抽查对象范围：成立日期“2023年底”无法识别，请写成 2023-12-31（秦皇岛：2023年12月31日前登记设立）。"
    )


def test_scope_dates():
    assert quota._scope_date(date(2023, 12, 31)) == date(2023, 12, 31)
    assert quota._scope_date(" 2023-12-31 ") == date(2023, 12, 31)


def test_as_list():
    assert quota._as_list(None) == []
    assert quota._as_list("甲") == ["甲"]
    assert quota._as_list(["甲", 2]) == ["甲", "2"]
    assert quota._as_list(("甲",)) == ["甲"]
    assert quota._as_list({"甲"}) == ["甲"]
    assert quota._as_list(0) == ["0"]


def test_an_empty_scope_takes_everyone():
    assert quota.scope_match(row(), None, {})
    assert quota.scope_match(row(), None, None)
    assert quota.scope_match(row(), None, {"township": []})  # an empty value filters nothing


def test_in_scope_by_township_and_classes():
    scope = {"township": ["城关镇", "东关镇"]}
    assert quota.scope_match(row(township="东关镇"), None, scope)
    assert not quota.scope_match(row(township="西关镇"), None, scope)
    assert not quota.scope_match(row(township=None), None, scope)
    assert quota.scope_match(row(township=None), None, {"township": [""]})
    assert quota.scope_match(row(permit_class="重点管理"), None, {"permit_class": "重点管理"})
    assert quota.scope_match(row(credit_risk="高"), None, {"credit_risk": ["高"], "township": []})


def test_has_any_scope_needs_one_common_item():
    scope = {"pollution_types": ["废水"]}
    assert quota.scope_match(row(pollution_types=["废气", "废水"]), None, scope)
    assert not quota.scope_match(row(pollution_types=["废气"]), None, scope)
    assert not quota.scope_match(row(pollution_types=None), None, scope)
    assert quota.scope_match(row(tags=["双随机"]), None, {"tags": "双随机"})
    assert not quota.scope_match(row(tags=[]), None, {"tags": "双随机"})
    assert quota.scope_match(row(special_situations=["信访"]), None, {"special_situations": ["信访", "投诉"]})


def test_contains_scope_finds_any_word():
    scope = {"industry": ["电镀", "化工"]}
    assert quota.scope_match(row(industry="精细化工"), None, scope)
    assert not quota.scope_match(row(industry="食品"), None, scope)
    assert not quota.scope_match(row(industry=None), None, scope)
    assert quota.scope_match(row(name="某某热电厂"), None, {"name": "热电"})


def test_is_scope_compares_truth():
    assert quota.scope_match(row(key_polluter=True), None, {"key_polluter": True})
    assert not quota.scope_match(row(key_polluter=False), None, {"key_polluter": True})
    assert quota.scope_match(row(key_polluter=None), None, {"key_polluter": False})
    assert not quota.scope_match(row(positive_list=True), None, {"positive_list": 0})
    assert quota.scope_match(row(positive_list=1), None, {"positive_list": "是"})


def test_registered_by_keeps_undated_objects_and_drops_later_ones():
    scope = {"registered_by": "2023-12-31"}
    assert quota.scope_match(row(registration_date=date(2023, 12, 31)), None, scope)
    assert not quota.scope_match(row(registration_date=date(2024, 1, 1)), None, scope)
    assert quota.scope_match(row(registration_date=None), None, scope)
    assert quota.scope_match(row(registration_date=date(2020, 1, 1)), None, {"registered_by": date(2023, 12, 31)})


def test_category_stratum_and_mode_scopes_read_the_classification():
    c = _cls()
    assert quota.scope_match(row(), c, {"categories": ["重点监管对象"]})
    assert not quota.scope_match(row(), c, {"categories": ["一般监管对象"]})
    assert quota.scope_match(row(), c, {"strata": "重点监管对象（高风险）"})
    assert not quota.scope_match(row(), c, {"strata": ["重点监管对象"]})
    assert quota.scope_match(row(), c, {"modes": ["现场"]})
    assert not quota.scope_match(row(), c, {"modes": ["非现场"]})
    assert quota.scope_match(row(), None, {"categories": [""]}) and quota.scope_match(row(), None, {"strata": [""]})
    assert quota.scope_match(row(), None, {"modes": [""]})
    assert not quota.scope_match(row(), None, {"categories": ["重点监管对象"]})


def test_a_category_scope_also_takes_the_extra_pools_of_the_object():
    c = _cls(category="一般监管对象")
    assert quota.scope_match(row(), c, {"categories": ["核技术利用单位"]}, ["核技术利用单位"])
    assert not quota.scope_match(row(), c, {"categories": ["核技术利用单位"]}, [])
    assert not quota.scope_match(row(), c, {"strata": ["核技术利用单位"]}, ["核技术利用单位"])


def test_every_key_of_the_scope_must_hold():
    scope = {"township": ["城关镇"], "key_polluter": True, "industry": ["电镀"]}
    assert quota.scope_match(row(township="城关镇", key_polluter=True, industry="电镀"), None, scope)
    assert not quota.scope_match(row(township="城关镇", key_polluter=False, industry="电镀"), None, scope)
    assert not quota.scope_match(row(township="城关镇", key_polluter=True, industry="纺织"), None, scope)
    assert not quota.scope_match(row(township="别处", key_polluter=True, industry="电镀"), None, scope)
    later = {"registered_by": "2023-12-31", "township": ["城关镇"]}
    assert not quota.scope_match(row(registration_date=date(2020, 1, 1), township="别处"), None, later)
    truth = {"key_polluter": True, "township": ["城关镇"]}
    assert not quota.scope_match(row(key_polluter=True, township="别处"), None, truth)
    special = {"categories": ["重点监管对象"], "township": ["城关镇"]}
    assert not quota.scope_match(row(township="别处"), _cls(), special)


def test_scope_text():
    assert quota.scope_text({}) == "全部对象"
    assert quota.scope_text(None) == "全部对象"
    assert quota.scope_text({"township": ["城关镇", "东关镇"], "key_polluter": True, "positive_list": False}) == (
        "乡镇：城关镇、东关镇；重点排污单位：是；正面清单：否"
    )
    assert quota.scope_text({"registered_by": "2023-12-31", "odd": "x"}) == "成立日期不晚于：2023-12-31；odd：x"


# ------------------------------------------------------------------ row order


def test_rows_follow_the_rule_document_then_strata_then_extra_pools_and_unclassified_last():
    rules = rules_doc(
        extra_pools=[
            {"id": "n", "name": "核技术利用单位", "conditions": [{"always": True}]},
            {"id": "w", "name": "危险废物经营单位", "conditions": [{"always": True}]},
        ],
        step_up={"steps": [{"label": "一级递加", "conditions": []}, {"label": "二级递加", "conditions": []}]},
    )
    want = [
        ("特殊监管对象", "特殊监管对象"),
        ("特殊监管对象", "特殊监管对象（非现场）"),
        ("重点监管对象", "重点监管对象（高风险）"),
        ("重点监管对象", "重点监管对象（低风险）"),
        ("重点监管对象", "重点监管对象（低风险，一级递加）"),
        ("重点监管对象", "重点监管对象（低风险，二级递加）"),
        ("重点监管对象", "重点监管对象（其他）"),
        ("一般监管对象", "一般监管对象"),
        ("一般监管对象", "一般监管对象（一级递加）"),
        ("一般监管对象", "一般监管对象（二级递加）"),
        ("核技术利用单位", "核技术利用单位"),
        ("核技术利用单位", "核技术利用单位（二级递加）"),
        ("危险废物经营单位", "危险废物经营单位"),
        ("未分类", "未分类"),
    ]
    for shuffled in (list(reversed(want)), want[7:] + want[:7]):
        ordered = [k for k, _ in sorted(((k, None) for k in shuffled), key=quota._row_key(rules))]
        assert ordered == want


def test_row_key_values():
    rules = rules_doc(
        extra_pools=[{"id": "n", "name": "核技术利用单位", "conditions": []}],
        step_up={"steps": [{"label": "一级递加", "conditions": []}, {"label": "二级递加"}]},
    )
    key = quota._row_key(rules)
    assert key((("重点监管对象", "重点监管对象（低风险，二级递加）"), None)) == (
        1,
        1,
        False,
        1,
        "重点监管对象（低风险，二级递加）",
    )
    assert key((("重点监管对象", "重点监管对象（一级递加）"), None)) == (1, 2, False, 0, "重点监管对象（一级递加）")
    assert key((("重点监管对象", "重点监管对象"), None)) == (1, 2, False, -1, "重点监管对象")
    nuclear = "核技术利用单位（一级递加）"
    assert key((("核技术利用单位", nuclear), None)) == (100, 0, False, 0, nuclear)
    assert key((("未分类", "未分类"), None)) == (1000, 0, False, -1, "未分类")
    assert key((("一般监管对象", "一般监管对象（非现场）"), None))[2] is True
    no_extras = quota._row_key(rules_doc())
    assert no_extras((("特殊监管对象", "特殊监管对象"), None)) == (0, 0, False, -1, "特殊监管对象")


# ------------------------------------------------------------------ waiting step-up levels


def test_step_levels_without_an_amount_wait_for_the_office():
    rules = rules_doc(
        step_up={
            "applies_to": ["key"],
            "steps": [
                {"label": "高风险", "conditions": [{"always": True}]},
                {"label": "较高风险", "conditions": [{"always": True}], "add": "5%"},
            ],
        }
    )
    assert quota._waiting_for(rules, "key") == ["比例递加“高风险”：待本单位确定"]
    assert quota._waiting_for(rules, "general") == []
    everywhere = rules_doc(step_up={"steps": [{"label": "高风险", "conditions": []}]})
    assert quota._waiting_for(everywhere, "general") == ["比例递加“高风险”：待本单位确定"]
    assert quota._waiting_for(rules_doc(), "key") == []
