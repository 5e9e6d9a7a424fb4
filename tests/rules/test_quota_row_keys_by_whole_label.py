"""quota._row_key reads a row's stratum and step-up level by the whole label between the brackets, never by a
substring: "高风险" is a part of "较高风险" (泽州 附件1 “低风险、一般风险、较高风险、高风险”), and each row keeps
its own place — pure core, plain rule documents (fast: mutation runs)."""

from __future__ import annotations

from rule_rows import row, rules_doc

from app.services.rules import quota


def _strata_doc(names):
    doc = rules_doc()
    key = doc["categories"][1]
    key["strata"] = [{"id": f"s{i}", "name": n, "conditions": []} for i, n in enumerate(names)]
    return doc


def _order(doc, rows):
    return [k for k, _ in sorted(((k, None) for k in rows), key=quota._row_key(doc))]


def test_a_stratum_whose_name_holds_another_keeps_its_own_place():
    doc = _strata_doc(["高风险", "较高风险", "一般风险", "低风险"])
    key = quota._row_key(doc)
    cat = "重点监管对象"
    assert key(((cat, f"{cat}（高风险）"), None))[:2] == (1, 0)
    assert key(((cat, f"{cat}（较高风险）"), None))[:2] == (1, 1)
    assert key(((cat, f"{cat}（一般风险）"), None))[:2] == (1, 2)
    assert key(((cat, f"{cat}（低风险）"), None))[:2] == (1, 3)
    assert key(((cat, f"{cat}（较高风险，非现场）"), None))[:3] == (1, 1, True)
    rows = [(cat, f"{cat}（{n}）") for n in ("低风险", "较高风险", "一般风险", "高风险")]
    assert _order(doc, rows) == [(cat, f"{cat}（{n}）") for n in ("高风险", "较高风险", "一般风险", "低风险")]
    # the document's order decides, not the text: listed the other way round, the rows follow
    backwards = _strata_doc(["低风险", "一般风险", "较高风险", "高风险"])
    assert _order(backwards, rows) == [(cat, f"{cat}（{n}）") for n in ("低风险", "一般风险", "较高风险", "高风险")]


def test_a_step_up_level_whose_name_holds_another_keeps_its_own_place():
    doc = rules_doc(step_up={"steps": [{"label": "较高风险", "conditions": []}, {"label": "高风险", "conditions": []}]})
    key = quota._row_key(doc)
    cat = "一般监管对象"
    assert key(((cat, f"{cat}（较高风险）"), None))[3] == 0
    assert key(((cat, f"{cat}（高风险）"), None))[3] == 1
    assert key(((cat, f"{cat}（非现场，较高风险）"), None))[3] == 0
    assert key(((cat, f"{cat}（非现场，高风险）"), None))[3] == 1


def test_a_label_that_is_not_the_category_and_a_bracketed_list_names_no_stratum():
    doc = _strata_doc(["高风险", "低风险"])
    key = quota._row_key(doc)
    cat = "重点监管对象"
    assert key(((cat, f"{cat}（高风险，低风险"), None))[:2] == (1, 2)  # no closing bracket: not read
    assert key(((cat, f"{cat}-高风险-"), None))[:2] == (1, 2)
    assert key(((cat, f"{cat}（高风险）"), None))[:2] == (1, 0)


def test_an_empty_filter_first_does_not_end_the_check_and_a_blank_field_contains_no_word():
    """(quota.scope_match, beside the row keys: pure, plain rows)"""
    assert not quota.scope_match(row(township="别处"), None, {"tags": [], "township": ["城关镇"]})
    assert quota.scope_match(row(township="城关镇"), None, {"tags": [], "township": ["城关镇"]})
    assert not quota.scope_match(row(industry=""), None, {"industry": ["X"]})
    assert not quota.scope_match(row(industry=None), None, {"name": [], "industry": ["XX"]})
