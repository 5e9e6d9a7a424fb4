"""Pure-core tests of app.services.rules.classification: conditions, combinators, precedence, strata, modes,
step-up, conflict explanation and moves, the classification key — plain rows, no database (fast: mutation runs)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from rule_rows import row, rules_doc

from app.services.foundation.periods import parse_period, period_of
from app.services.rules import classification as cl
from app.services.rules import policies

# ------------------------------------------------------------------ single conditions


def test_in_condition_labels_the_field_and_the_value():
    cond = {"field": "permit_class", "in": ["重点管理"]}
    assert cl.match(cond, row(permit_class="重点管理"), {}) == ["排污许可管理类别 重点管理"]
    assert cl.match(cond, row(permit_class="简化管理"), {}) is None
    assert cl.match(cond, row(permit_class=None), {}) is None


def test_in_condition_reads_a_missing_value_as_empty_text():
    cond = {"field": "township", "in": ["", "城关镇"]}
    assert cl.match(cond, row(township=None), {}) is None  # hit is None → no match even though "" is listed
    assert cl.match({"field": "township", "in": ["城关镇"]}, row(township="城关镇"), {}) == ["所属乡镇 城关镇"]


def test_is_condition_true_and_false():
    yes = {"field": "key_polluter", "is": True}
    no = {"field": "key_polluter", "is": False}
    assert cl.match(yes, row(key_polluter=True), {}) == ["重点排污单位 是"]
    assert cl.match(yes, row(key_polluter=False), {}) is None
    assert cl.match(no, row(key_polluter=False), {}) == ["重点排污单位 否"]
    assert cl.match(no, row(key_polluter=None), {}) == ["重点排污单位 否"]
    assert cl.match(no, row(key_polluter=True), {}) is None


def test_has_any_lists_the_common_items_in_the_objects_order():
    cond = {"field": "pollution_types", "has_any": ["废气", "废水"]}
    assert cl.match(cond, row(pollution_types=["废水", "噪声", "废气"]), {}) == ["污染类型 废水、废气"]
    assert cl.match(cond, row(pollution_types=["噪声"]), {}) is None
    assert cl.match(cond, row(pollution_types=None), {}) is None
    assert cl.match(cond, row(pollution_types=[]), {}) is None


def test_contains_any_finds_a_word_in_the_text():
    cond = {"field": "industry", "contains_any": ["电镀", "化工"]}
    assert cl.match(cond, row(industry="金属表面电镀处理"), {}) == ["行业类别 金属表面电镀处理"]
    assert cl.match(cond, row(industry="食品加工"), {}) is None
    assert cl.match(cond, row(industry=None), {}) is None


def test_a_label_replaces_the_generated_text_and_takes_the_value():
    cond = {"field": "credit_grade", "in": ["C"], "label": "信用{value}级"}
    assert cl.match(cond, row(credit_grade="C"), {}) == ["信用C级"]
    plain = {"field": "credit_grade", "in": ["C"], "label": "失信"}
    assert cl.match(plain, row(credit_grade="C"), {}) == ["失信"]


def test_an_unknown_field_is_labelled_by_its_own_name():
    cond = {"field": "uscc", "in": ["X1"]}
    assert cl.match(cond, row(uscc="X1"), {}) == ["uscc X1"]


def test_penalized_last_quarter_from_the_derived_set_or_the_special_situation():
    cond = {"field": "penalized_last_quarter", "is": True}
    assert cl.match(cond, row(7), {"penalized": {7}}) == ["上一季度被处罚 是"]
    assert cl.match(cond, row(7), {"penalized": {8}}) is None
    assert cl.match(cond, row(7), {}) is None
    assert cl.match(cond, row(7, special_situations=["上一季度被处罚"]), {}) == ["上一季度被处罚 是"]
    assert cl.match(cond, row(7, special_situations=None), {}) is None
    assert cl._value(row(7), "penalized_last_quarter", {"penalized": {7}}) is True
    assert cl._value(row(7, township="甲"), "township", {}) == "甲"


# ------------------------------------------------------------------ combinators (issue 22, survivor 2)

C = {"field": "credit_grade", "in": ["C"]}
K = {"field": "key_polluter", "is": True}


def test_any_returns_the_labels_of_the_first_matching_part():
    cond = {"any": [C, K]}
    assert cl.match(cond, row(credit_grade="C", key_polluter=True), {}) == ["信用等级 C"]
    assert cl.match(cond, row(key_polluter=True), {}) == ["重点排污单位 是"]
    assert cl.match(cond, row(), {}) is None
    assert cl.match({"any": []}, row(), {}) is None


def test_any_with_a_label_gives_the_label():
    assert cl.match({"any": [C, K], "label": "或"}, row(key_polluter=True), {}) == ["或"]
    assert cl.match({"any": [C, K], "label": "或"}, row(), {}) is None


def test_all_needs_every_part_and_joins_their_labels():
    cond = {"all": [C, K]}
    assert cl.match(cond, row(credit_grade="C", key_polluter=True), {}) == ["信用等级 C", "重点排污单位 是"]
    assert cl.match(cond, row(credit_grade="C"), {}) is None
    assert cl.match(cond, row(key_polluter=True), {}) is None
    assert cl.match({"all": [C, K], "label": "且"}, row(credit_grade="C", key_polluter=True), {}) == ["且"]
    assert cl.match({"all": [C, K], "label": "且"}, row(credit_grade="C"), {}) is None


def test_not_inverts_and_is_labelled_other_by_default():
    cond = {"not": C}
    assert cl.match(cond, row(credit_grade="A"), {}) == ["其他"]
    assert cl.match(cond, row(credit_grade="C"), {}) is None
    assert cl.match({"not": C, "label": "非失信"}, row(credit_grade="A"), {}) == ["非失信"]


def test_nested_combinators():
    cond = {"all": [{"not": C}, {"any": [K, {"field": "positive_list", "is": True}]}]}
    assert cl.match(cond, row(positive_list=True), {}) == ["其他", "正面清单 是"]
    assert cl.match(cond, row(positive_list=True, credit_grade="C"), {}) is None


def test_always_matches_with_its_label():
    assert cl.match({"always": True}, row(), {}) == ["全部对象"]
    assert cl.match({"always": True, "label": "其余"}, row(), {}) == ["其余"]


def test_match_any_takes_the_first_matching_condition():
    assert cl.match_any([C, K], row(credit_grade="C", key_polluter=True), {}) == ["信用等级 C"]
    assert cl.match_any([C, K], row(key_polluter=True), {}) == ["重点排污单位 是"]
    assert cl.match_any([C, K], row(), {}) is None
    assert cl.match_any([], row(), {}) is None


def test_matched_condition_ids_are_the_satisfied_top_level_ids():
    conds = [{**C, "id": "c"}, {**K, "id": "k"}, {"always": True}]
    assert cl.matched_condition_ids(conds, row(credit_grade="C", key_polluter=True), {}) == {"c", "k"}
    assert cl.matched_condition_ids(conds, row(key_polluter=True), {}) == {"k"}
    assert cl.matched_condition_ids(conds, row(), {}) == set()


# ------------------------------------------------------------------ classify_one


def test_precedence_decides_and_the_reason_lists_losers_first_and_the_winner_last():
    rules = rules_doc()
    c = cl.classify_one(row(credit_grade="C", permit_class="重点管理", credit_risk="高"), rules, {})
    assert c.category == "特殊监管对象"
    assert c.stratum == "特殊监管对象"
    assert c.mode == "现场"
    assert c.reason == "排污许可管理类别 重点管理 → 重点监管对象; 信用等级 C → 特殊监管对象（特殊优先）"
    assert c.rule_ids == ["key", "special"]
    assert c.matched == ["特殊监管对象", "重点监管对象"]
    assert c.ratio == {"value": "100%", "per": "季度"}
    assert c.overridden is False
    assert c.step == "" and c.add == 0


def test_one_matching_category_says_no_priority():
    """Issue 22, survivor 8: "（…优先）" only when more than one category matched."""
    c = cl.classify_one(row(credit_grade="D"), rules_doc(), {})
    assert c.reason == "信用等级 D → 特殊监管对象"
    assert "优先" not in c.reason
    assert c.rule_ids == ["special"]
    assert c.matched == ["特殊监管对象"]


def test_categories_not_in_precedence_come_after_it():
    rules = rules_doc(precedence=["general"])
    c = cl.classify_one(row(permit_class="重点管理", positive_list=True, credit_risk="低"), rules, {})
    assert c.category == "一般监管对象"
    assert c.matched == ["一般监管对象", "重点监管对象"]
    rules = rules_doc(precedence=["key"])
    c = cl.classify_one(row(credit_grade="C", positive_list=True, key_polluter=True, credit_risk="高"), rules, {})
    assert c.matched == ["重点监管对象", "特殊监管对象", "一般监管对象"]


def test_a_matching_stratum_gives_its_name_ratio_mode_and_reason():
    c = cl.classify_one(row(key_polluter=True, credit_risk="高"), rules_doc(), {})
    assert c.category == "重点监管对象"
    assert c.stratum == "重点监管对象（高风险）"
    assert c.mode == "非现场"
    assert c.ratio == {"value": "50%", "per": "季度"}
    assert c.rule_ids == ["key", "key/high"]
    assert c.reason == "重点排污单位 是 → 重点监管对象; 信用风险等级 高 → 高风险"


def test_a_stratum_without_own_ratio_or_mode_keeps_the_categorys():
    c = cl.classify_one(row(permit_class="重点管理", credit_risk="低"), rules_doc(), {})
    assert c.stratum == "重点监管对象（低风险）"
    assert c.ratio == {"value": "20%", "per": "季度"}
    assert c.mode == "现场"
    assert c.rule_ids == ["key", "key/low"]


def test_a_stratum_without_conditions_takes_everyone_left_and_adds_no_reason():
    rules = rules_doc()
    rules["categories"][1]["strata"].append({"name": "其余企业", "conditions": []})
    c = cl.classify_one(row(permit_class="重点管理", credit_risk="中"), rules, {})
    assert c.stratum == "重点监管对象（其余企业）"
    assert c.rule_ids == ["key", "key/其余企业"]
    assert c.reason == "排污许可管理类别 重点管理 → 重点监管对象"


def test_in_a_category_but_no_stratum_is_other():
    c = cl.classify_one(row(permit_class="重点管理", credit_risk="中"), rules_doc(), {})
    assert c.stratum == "重点监管对象（其他）"
    assert c.ratio == {"value": "20%", "per": "季度"}
    assert c.reason == "排污许可管理类别 重点管理 → 重点监管对象; 不符合任何分层的条件 → 其他"
    assert c.rule_ids == ["key"]


def test_stratum_picks_the_first_matching_stratum():
    cat = rules_doc()["categories"][1]
    st, labels = cl._stratum(cat, row(credit_risk="低"), {})
    assert st["id"] == "low" and labels == ["信用风险等级 低"]
    assert cl._stratum(cat, row(credit_risk="中"), {}) == (None, [])
    assert cl._stratum({"strata": None}, row(), {}) == (None, [])


def test_a_category_mode_applies_without_strata():
    rules = rules_doc()
    rules["categories"][2]["mode"] = "非现场"
    c = cl.classify_one(row(permit_class="登记管理"), rules, {})
    assert c.mode == "非现场"
    assert c.stratum == "一般监管对象"
    assert c.reason == "排污许可管理类别 登记管理 → 一般监管对象"


def test_no_matching_category_is_unclassified_with_advice():
    c = cl.classify_one(row(), rules_doc(), {})
    assert c.category == policies.UNCLASSIFIED
    assert c.stratum == policies.UNCLASSIFIED
    assert c.mode == "现场"
    assert c.reason == "不符合任何监管类别的条件 → 未分类（请补全排污许可管理类别等信息或人工指定类别）"
    assert c.rule_ids == []
    assert c.overridden is False
    assert c.ratio is None
    assert c.matched == []


def test_a_manual_override_wins_and_keeps_what_the_rules_said():
    obj = row(credit_grade="C", permit_class="重点管理", category_override="一般监管对象", override_reason="已整改")
    c = cl.classify_one(obj, rules_doc(), {})
    assert c.category == "一般监管对象"
    assert c.overridden is True
    assert c.reason == "人工调整 → 一般监管对象：已整改; 按规则原为 信用等级 C → 特殊监管对象"
    assert c.rule_ids == ["override"]
    assert c.ratio == {"value": "5%", "per": "季度"}
    assert c.matched == ["特殊监管对象", "重点监管对象"]


def test_a_manual_override_by_category_id_and_without_a_rule_match():
    c = cl.classify_one(row(category_override="key", override_reason="上级通知"), rules_doc(), {})
    assert c.category == "重点监管对象"
    assert c.stratum == "重点监管对象（其他）"
    assert c.reason == "人工调整 → 重点监管对象：上级通知; 不符合任何分层的条件 → 其他"
    assert c.rule_ids == ["override"]


def test_an_override_to_an_unknown_category_is_kept_and_explained():
    c = cl.classify_one(row(category_override="旧类别", override_reason="沿用"), rules_doc(), {})
    assert c.category == "旧类别"
    assert c.stratum == "旧类别"
    assert c.mode == "现场"
    assert c.reason == "人工调整为“旧类别”：沿用（该类别不在当前规则中）"
    assert c.rule_ids == ["override"]
    assert c.overridden is True


def test_category_by_name_finds_by_name_or_id():
    rules = rules_doc()
    assert cl._category_by_name(rules, "重点监管对象")["id"] == "key"
    assert cl._category_by_name(rules, "general")["name"] == "一般监管对象"
    assert cl._category_by_name(rules, "无") is None


# ------------------------------------------------------------------ mode rules


def _mode_rules(**rule):
    return rules_doc(
        mode_rules=[{"id": "offsite-a", "conditions": [{"field": "air_grade", "in": ["A"]}], "mode": "非现场", **rule}]
    )


def test_a_mode_rule_changes_the_mode_and_says_why():
    c = cl.classify_one(row(permit_class="简化管理", air_grade="A"), _mode_rules(), {})
    assert c.mode == "非现场"
    assert c.stratum == "一般监管对象"  # the mode never splits a stratum
    assert c.reason == "排污许可管理类别 简化管理 → 一般监管对象; 大气绩效等级 A → 非现场"
    assert c.rule_ids == ["general", "offsite-a"]


def test_a_mode_rule_limited_to_categories_skips_the_others():
    rules = _mode_rules(categories=["key"])
    assert cl.classify_one(row(permit_class="简化管理", air_grade="A"), rules, {}).mode == "现场"
    c = cl.classify_one(row(permit_class="重点管理", credit_risk="低", air_grade="A"), rules, {})
    assert c.mode == "非现场"


def test_a_mode_rule_giving_the_mode_already_set_adds_nothing():
    rules = _mode_rules(mode="现场")
    c = cl.classify_one(row(permit_class="简化管理", air_grade="A"), rules, {})
    assert c.mode == "现场"
    assert c.reason == "排污许可管理类别 简化管理 → 一般监管对象"
    assert c.rule_ids == ["general"]


def test_the_first_changing_mode_rule_wins_and_id_defaults_to_mode():
    rules = rules_doc(
        mode_rules=[
            {"conditions": [{"field": "air_grade", "in": ["A"]}], "mode": "非现场"},
            {"id": "back", "conditions": [{"always": True}], "mode": "现场"},
        ]
    )
    c = cl.classify_one(row(permit_class="简化管理", air_grade="A"), rules, {})
    assert c.mode == "非现场"
    assert c.rule_ids == ["general", "mode"]
    c = cl.classify_one(row(permit_class="简化管理", air_grade="B"), rules, {})
    assert c.mode == "现场" and c.rule_ids == ["general"]


# ------------------------------------------------------------------ step-up


def _step_rules(**step):
    return rules_doc(
        step_up={
            "steps": [
                {
                    "id": "s-mid",
                    "label": "较高风险",
                    "conditions": [{"field": "credit_risk", "in": ["较高", "高"]}],
                    "add": "5%",
                },
                {
                    "id": "s-high",
                    "label": "高风险",
                    "conditions": [{"field": "credit_risk", "in": ["高"]}],
                    "add": "10%",
                },
                {"label": "待定", "conditions": [{"always": True}]},
            ],
            **step,
        }
    )


def test_step_up_takes_the_largest_matching_amount():
    rules = _step_rules()
    assert cl.step_for(row(credit_risk="高"), rules, {}, "general") == (
        "高风险",
        Fraction(1, 10),
        ["信用风险等级 高"],
        "s-high",
    )
    assert cl.step_for(row(credit_risk="较高"), rules, {}, "general") == (
        "较高风险",
        Fraction(1, 20),
        ["信用风险等级 较高"],
        "s-mid",
    )
    assert cl.step_for(row(credit_risk="低"), rules, {}, "general") == ("", Fraction(0), [], "")


def test_step_up_equal_amounts_keep_the_first_and_the_id_defaults_to_the_label():
    rules = rules_doc(
        step_up={
            "steps": [
                {"label": "甲", "conditions": [{"always": True}], "add": "0%"},
                {"label": "乙", "conditions": [{"always": True}], "add": "0%"},
            ]
        }
    )
    assert cl.step_for(row(), rules, {}, "x") == ("甲", Fraction(0), ["全部对象"], "甲")


def test_step_up_only_in_the_categories_it_applies_to():
    rules = _step_rules(applies_to=["key"])
    assert cl.step_for(row(credit_risk="高"), rules, {}, "general")[0] == ""
    assert cl.step_for(row(credit_risk="高"), rules, {}, "key")[0] == "高风险"
    assert cl.step_for(row(), rules_doc(), {}, "key") == ("", Fraction(0), [], "")
    assert cl.step_for(row(), rules_doc(step_up={"steps": []}), {}, "key") == ("", Fraction(0), [], "")


def test_step_up_in_the_classification():
    c = cl.classify_one(row(permit_class="简化管理", credit_risk="高"), _step_rules(), {})
    assert c.stratum == "一般监管对象（高风险）"
    assert c.step == "高风险"
    assert c.add == Fraction(1, 10)
    assert c.rule_ids == ["general", "s-high"]
    assert c.reason == "排污许可管理类别 简化管理 → 一般监管对象; 信用风险等级 高 → 比例递加 10%"
    c = cl.classify_one(row(key_polluter=True, credit_risk="高"), _step_rules(), {})
    assert c.stratum == "重点监管对象（高风险，高风险）"


def test_a_zero_step_is_a_level_without_an_increase_in_the_reason():
    rules = rules_doc(step_up={"steps": [{"label": "关注", "conditions": [{"always": True}], "add": "0%"}]})
    c = cl.classify_one(row(permit_class="简化管理"), rules, {})
    assert c.stratum == "一般监管对象（关注）"
    assert c.rule_ids == ["general", "关注"]
    assert c.reason == "排污许可管理类别 简化管理 → 一般监管对象"


# ------------------------------------------------------------------ conflicts (秦皇岛)


def _conflict_rules(narrow: bool):
    return rules_doc(
        precedence=["special", "general", "key"],
        conflicts=[
            {
                "between": ["key", "general"],
                "winner": "general",
                "narrow": narrow,
                "narrow_conditions": ["positive-list"],
                "source": "以一般监管对象的指定条件为准",
            },
        ],
    )


def test_the_broad_reading_lets_the_winner_beat_through_any_condition():
    obj = row(permit_class="简化管理", key_polluter=True)
    c = cl.classify_one(obj, _conflict_rules(False), {})
    assert c.category == "一般监管对象"
    assert c.reason == "重点排污单位 是 → 重点监管对象; 排污许可管理类别 简化管理 → 一般监管对象（一般优先）"


def test_the_narrow_reading_moves_the_winner_behind_when_it_matched_otherwise():
    obj = row(permit_class="简化管理", key_polluter=True, credit_risk="低")
    c = cl.classify_one(obj, _conflict_rules(True), {})
    assert c.category == "重点监管对象"
    assert c.matched == ["重点监管对象", "一般监管对象"]
    assert c.reason == (
        "排污许可管理类别 简化管理 → 一般监管对象; 重点排污单位 是 → 重点监管对象（重点优先）; 信用风险等级 低 → 低风险"
    )


def test_the_narrow_reading_keeps_the_winner_through_the_named_condition():
    obj = row(positive_list=True, key_polluter=True)
    c = cl.classify_one(obj, _conflict_rules(True), {})
    assert c.category == "一般监管对象"


def test_narrow_conflicts_leave_other_lists_alone():
    rules = _conflict_rules(True)
    cats = {c["id"]: c for c in rules["categories"]}
    obj = row(permit_class="简化管理", key_polluter=True, credit_grade="C")
    # the winner first among three: it moves behind the last loser only, the special category stays first
    matched = [(cats["special"], ["a"]), (cats["general"], ["b"]), (cats["key"], ["c"])]
    out = cl._apply_narrow_conflicts(matched, rules, obj, {})
    assert [c["id"] for c, _ in out] == ["special", "key", "general"]
    # winner not matched: unchanged
    only_key = [(cats["key"], ["c"])]
    assert cl._apply_narrow_conflicts(only_key, rules, obj, {}) == only_key
    # winner already after the loser: unchanged
    behind = [(cats["key"], ["c"]), (cats["general"], ["b"])]
    assert cl._apply_narrow_conflicts(behind, rules, obj, {}) == behind
    # a broad conflict or one without narrow conditions does nothing
    wide = rules_doc(conflicts=[{"between": ["key", "general"], "winner": "general", "narrow": True}])
    assert cl._apply_narrow_conflicts(matched, wide, obj, {}) == matched
    assert cl._apply_narrow_conflicts(matched, rules_doc(), obj, {}) == matched
    # a category outside `between` is no loser
    narrow_special = rules_doc(
        conflicts=[
            {
                "between": ["special", "general"],
                "winner": "general",
                "narrow": True,
                "narrow_conditions": ["positive-list"],
            }
        ]
    )
    two = [(cats["general"], ["b"]), (cats["key"], ["c"])]
    assert cl._apply_narrow_conflicts(two, narrow_special, obj, {}) == two
    four = [(cats["general"], ["b"]), (cats["special"], ["a"]), (cats["key"], ["c"])]
    out = cl._apply_narrow_conflicts(four, narrow_special, obj, {})
    assert [c["id"] for c, _ in out] == ["special", "general", "key"]


def test_conflict_moves_name_the_category_left_and_the_clause():
    rules = _conflict_rules(False)
    moved = row(1, permit_class="简化管理", key_polluter=True)
    single = row(2, permit_class="简化管理")
    overridden = row(
        3, permit_class="简化管理", key_polluter=True, category_override="一般监管对象", override_reason="x"
    )
    special = row(4, credit_grade="C", key_polluter=True)
    classes = {o.id: cl.classify_one(o, rules, {}) for o in (moved, single, overridden, special)}
    assert cl.conflict_moves(classes, rules) == {1: ("重点监管对象", "一般监管对象", "以一般监管对象的指定条件为准")}
    no_source = rules_doc(conflicts=[{"between": ["key", "special"], "winner": "special"}])
    assert cl.conflict_moves(classes, no_source) == {4: ("重点监管对象", "特殊监管对象", "")}
    assert cl.conflict_moves(classes, rules_doc()) == {}


def test_conflict_moves_take_the_first_clause_that_names_a_loser():
    rules = rules_doc(
        conflicts=[
            {"between": ["general", "special"], "winner": "special", "source": "甲"},
            {"between": ["key", "special"], "winner": "special", "source": "乙"},
            {"between": ["general", "key", "special"], "winner": "special", "source": "丙"},
        ]
    )
    obj = row(1, credit_grade="C", key_polluter=True)
    classes = {1: cl.classify_one(obj, rules, {})}
    assert cl.conflict_moves(classes, rules) == {1: ("重点监管对象", "特殊监管对象", "乙")}


# ------------------------------------------------------------------ key, fields, pools


def test_rule_fields_lists_every_named_field_once_in_order():
    rules = _mode_rules()
    rules["pool"] = {"exclude_conditions": [{"field": "industry", "contains_any": ["餐饮"]}]}
    assert cl.rule_fields(rules) == [
        "credit_grade",
        "permit_class",
        "key_polluter",
        "credit_risk",
        "positive_list",
        "air_grade",
        "industry",
    ]
    assert cl.rule_fields({"x": [{"field": 3}, {"field": "name"}]}) == ["name"]


def test_the_classification_key_reads_the_override_and_every_rule_field():
    rules = rules_doc()
    key = cl.classification_key(rules, {})
    a = row(1, permit_class="重点管理", pollution_types=["废水"])
    b = row(2, permit_class="重点管理", pollution_types=["废气"], township="别处")
    assert key(a) == key(b)  # pollution_types and township are not read by these rules
    assert key(a) == ("", "", "", "重点管理", False, "", False)
    assert key(row(3, category_override="一般监管对象")) != key(row(4))
    assert key(row(5, override_reason="甲")) != key(row(6, override_reason="乙"))


def test_the_classification_key_makes_lists_hashable_and_reads_the_penalty():
    rules = rules_doc(
        categories=[
            {
                "id": "p",
                "name": "被罚",
                "conditions": [{"field": "penalized_last_quarter", "is": True}, {"field": "tags", "has_any": ["甲"]}],
            }
        ],
        precedence=["p"],
    )
    key = cl.classification_key(rules, {"penalized": {1}})
    assert key(row(1, tags=["甲", "乙"])) == ("", "", ("甲", "乙"), True)
    assert key(row(2, tags=["甲", "乙"])) == ("", "", ("甲", "乙"), False)
    hash(key(row(2, tags=["x"])))


def test_extra_pools_and_category_names():
    rules = rules_doc(
        extra_pools=[
            {"id": "nuclear", "name": "核技术利用单位", "conditions": [{"field": "tags", "has_any": ["核技术"]}]},
            {"id": "waste", "name": "危险废物经营单位", "conditions": [{"field": "tags", "has_any": ["危废"]}]},
        ]
    )
    assert cl.extra_pools_of(row(tags=["危废", "核技术"]), rules) == ["核技术利用单位", "危险废物经营单位"]
    assert cl.extra_pools_of(row(tags=["危废"]), rules) == ["危险废物经营单位"]
    assert cl.extra_pools_of(row(), rules) == []
    assert cl.extra_pools_of(row(), rules_doc()) == []
    assert cl.category_names(rules) == ["特殊监管对象", "重点监管对象", "一般监管对象"]


def test_period_default_and_parsing():
    assert cl._period(None) == period_of(date.today())
    assert cl._period("2026Q2") == parse_period("2026Q2")
    p = parse_period("2026H1")
    assert cl._period(p) is p


def test_expired_permit_text_and_dict():
    e = cl.ExpiredPermit("P-1", date(2026, 3, 31), "重点管理", "请核实")
    assert e.text == "许可证 P-1 已于 2026-03-31 到期（已过期）"
    assert e.as_dict() == {"permit_no": "P-1", "valid_to": "2026-03-31", "permit_class": "重点管理", "note": "请核实"}


@pytest.mark.parametrize("preset", policies.PRESET_IDS)
def test_every_preset_classifies_an_empty_row_without_error(preset):
    rules = policies.load_preset(preset)
    c = cl.classify_one(row(), rules, {})
    assert c.category in cl.category_names(rules) + [policies.UNCLASSIFIED]


def test_penalty_conditions_read_the_derived_facts_in_conflict_ids_and_extra_pools():
    penalized = {"field": "penalized_last_quarter", "is": True}
    assert cl.matched_condition_ids([{**penalized, "id": "p"}], row(1), {"penalized": {1}}) == {"p"}
    assert cl.matched_condition_ids([{**penalized, "id": "p"}], row(1), {"penalized": set()}) == set()
    rules = rules_doc(extra_pools=[{"id": "x", "name": "被处罚单位", "conditions": [penalized]}])
    assert cl.extra_pools_of(row(special_situations=["上一季度被处罚"]), rules) == ["被处罚单位"]
    assert cl.extra_pools_of(row(), rules) == []


PENALIZED = {"id": "pen", "field": "penalized_last_quarter", "is": True}


def test_penalty_conditions_read_the_derived_facts_in_strata_steps_and_narrow_conflicts():
    facts = {"penalized": {1}}
    rules = rules_doc()
    rules["categories"][1]["strata"].insert(0, {"id": "pen", "name": "被处罚", "conditions": [PENALIZED]})
    assert cl.classify_one(row(1, key_polluter=True), rules, facts).stratum == "重点监管对象（被处罚）"
    assert cl.classify_one(row(2, key_polluter=True), rules, facts).stratum == "重点监管对象（其他）"
    steps = rules_doc(step_up={"steps": [{"id": "s", "label": "被罚", "conditions": [PENALIZED], "add": "5%"}]})
    assert cl.step_for(row(1), steps, facts, "key")[0] == "被罚"
    narrow = rules_doc(
        precedence=["general", "key", "special"],
        conflicts=[{"between": ["key", "general"], "winner": "general", "narrow": True, "narrow_conditions": ["pen"]}],
    )
    narrow["categories"][2]["conditions"].append(PENALIZED)
    c = cl.classify_one(row(2, key_polluter=True, permit_class="简化管理", credit_risk="低"), narrow, facts)
    assert c.category == "重点监管对象"  # the winner matched only through 简化管理, not the narrow condition
    c = cl.classify_one(row(1, key_polluter=True, permit_class="简化管理", credit_risk="低"), narrow, facts)
    assert c.category == "一般监管对象"  # through the penalty: the narrow condition


def test_a_waiting_step_does_not_hide_the_steps_after_it():
    rules = rules_doc(
        step_up={
            "steps": [
                {"label": "待定", "conditions": [{"always": True}]},
                {"id": "s", "label": "高风险", "conditions": [{"field": "credit_risk", "in": ["高"]}], "add": "5%"},
            ]
        }
    )
    assert cl.step_for(row(credit_risk="高"), rules, {}, "key") == ("高风险", Fraction(1, 20), ["信用风险等级 高"], "s")


def test_every_narrow_conflict_is_read_whatever_comes_before_it():
    rules = rules_doc()
    cats = {c["id"]: c for c in rules["categories"]}
    obj = row(permit_class="简化管理", key_polluter=True, credit_grade="C")
    broad = {"between": ["key", "special"], "winner": "special"}
    kept = {"between": ["key", "general"], "winner": "general", "narrow": True, "narrow_conditions": ["simple"]}
    narrow = {
        "between": ["key", "general"],
        "winner": "general",
        "narrow": True,
        "narrow_conditions": ["positive-list"],
    }
    absent = {"between": ["key", "special"], "winner": "special", "narrow": True, "narrow_conditions": ["bad-credit"]}
    matched = [(cats["general"], ["b"]), (cats["key"], ["c"])]
    for before in (broad, absent, kept):
        out = cl._apply_narrow_conflicts(matched, {**rules, "conflicts": [before, narrow]}, obj, {})
        assert [c["id"] for c, _ in out] == ["key", "general"]
