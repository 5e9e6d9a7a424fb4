"""Survivor 10 of issue 22: a 行政处罚决定 recorded on an outcome of a voided draw is not a penalty decision of the
quarter — the draw never happened as far as the records go (隆尧 “上一季度被下达行政处罚决定的企业”)."""

from __future__ import annotations

from datetime import date

from app.services.foundation.periods import parse_period
from app.services.rules import classification, policies
from tests.rules.test_rules_presets import draw_outcome, objs


def test_a_decision_on_a_voided_draw_does_not_make_a_penalized_object(session):
    policies.set_policy(session, "longyao-2026")
    counted, voided = objs(session, 2, permit_class="简化管理")
    draw_outcome(
        session, counted, "2025Q4", "发现问题已立案调查", case_no="隆环罚〔2025〕3号", decision_date=date(2025, 12, 5)
    )
    draw_outcome(
        session,
        voided,
        "2025Q4",
        "发现问题已立案调查",
        state="已作废",
        case_no="隆环罚〔2025〕4号",
        decision_date=date(2025, 12, 6),
    )
    assert classification.penalized_in(session, parse_period("2025Q4")) == {counted.id}
    c = classification.classify(session, period="2026Q1")
    assert c[counted.id].category == "特殊监管对象"
    assert c[voided.id].category == "一般监管对象"
