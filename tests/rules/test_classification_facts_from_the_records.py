"""What classification reads from the database, on small pools: the penalty decisions of the previous quarter
(only a dated decision in that quarter, on the right object), the pool filter of a given list of rows, the
notes on expired deciding permits and the period of the conflict list — for mutation runs (issue 22)."""

from __future__ import annotations

from datetime import date

from factories import make_object
from rule_rows import row, rules_doc

from app.models.pools import ObjectPermit
from app.services.foundation.periods import parse_period
from app.services.rules import classification as cl
from app.services.rules import policies
from tests.rules.test_rules_presets import draw_outcome

PENALIZED = {"id": "pen", "field": "penalized_last_quarter", "is": True}


def test_only_a_decision_dated_in_the_quarter_on_that_object_counts(session):
    decided, undated, earlier = (make_object(session) for _ in range(3))
    draw_outcome(session, decided, "2025Q4", "发现问题已立案调查", decision_date=date(2025, 12, 5))
    draw_outcome(session, undated, "2025Q4", "发现问题已立案调查", case_no="罚〔2025〕9号")
    draw_outcome(session, earlier, "2025Q4", "发现问题已立案调查", decision_date=date(2025, 9, 30))
    assert cl.penalized_in(session, parse_period("2025Q4")) == {decided.id}
    assert cl.penalized_in(session, parse_period("2025Q3")) == {earlier.id}
    assert cl.derived_facts(session, "2026Q1")["penalized"] == {decided.id}


def test_given_rows_are_filtered_like_the_pool(session):
    rows = [
        row(1, key_polluter=True),
        row(2, key_polluter=True, status="注销"),
        row(3, key_polluter=True, status="迁出"),
        row(4, key_polluter=True, status="停产"),
        row(5, key_polluter=True, special_situations=["上一季度被处罚"]),
    ]
    assert sorted(cl.classify(session, rows, period="2026Q1", rules=rules_doc())) == [1, 4, 5]
    own = rules_doc(pool={"exclude_statuses": ["停产"], "exclude_conditions": [PENALIZED]})
    assert sorted(cl.classify(session, rows, period="2026Q1", rules=own)) == [1, 2, 3]
    got = cl.classify(session, rows, period="2026Q1", rules=rules_doc(pool={"exclude_statuses": []}))
    assert sorted(got) == [1, 2, 3, 4, 5]
    assert got[1].category == "重点监管对象"


def test_the_conflict_list_classifies_in_the_period_asked(session):
    rules = rules_doc(
        conflicts=[{"between": ["key", "special"], "winner": "special", "source": "特殊为准"}],
    )
    rules["categories"][0]["conditions"] = [PENALIZED]
    obj = make_object(session, key_polluter=True, permit_class="重点管理")
    draw_outcome(session, obj, "2025Q4", "发现问题已立案调查", decision_date=date(2025, 12, 5))
    moved = cl.conflict_moved(session, period="2026Q1", rules=rules)
    assert [(m["object"].id, m["from"], m["to"], m["source"]) for m in moved] == [
        (obj.id, "重点监管对象", "特殊监管对象", "特殊为准")
    ]
    assert cl.conflict_moved(session, period="2026Q3", rules=rules) == []


def _permit(session, obj, no, cls, valid_to):
    session.add(ObjectPermit(object_id=obj.id, permit_no=no, permit_class=cls, valid_to=valid_to, state="有效"))
    session.flush()


def test_expired_permit_notes_say_what_the_rule_does(session):
    policies.set_policy(session, "longyao-2026")
    rules = policies.active_rules(session)
    day = date(2026, 6, 1)
    alone = make_object(session, permit_class="", permit_no="P-ALONE")
    _permit(session, alone, "P-ALONE", "重点管理", date(2026, 1, 1))
    other = make_object(session, permit_class="重点管理", permit_no="P-OLD")
    _permit(session, other, "P-OLD", "重点管理", date(2026, 1, 1))
    _permit(session, other, "P-NEW", "简化管理", None)
    _permit(session, other, "P-REG", "", date(2027, 1, 1))
    _permit(session, other, "P-GONE", "登记管理", date(2026, 5, 31))
    manual = make_object(session, permit_no="P-MANUAL", category_override="特殊监管对象", override_reason="x")
    _permit(session, manual, "P-MANUAL", "重点管理", date(2026, 1, 1))
    fresh = make_object(session, permit_no="P-FRESH")
    _permit(session, fresh, "P-FRESH", "重点管理", date(2027, 1, 1))
    got = cl.expired_deciding_permits(session, [alone, other, manual, fresh], rules, today=day)
    assert sorted(got) == sorted([alone.id, other.id, manual.id])
    assert got[alone.id] == cl.ExpiredPermit(
        "P-ALONE",
        date(2026, 1, 1),
        "重点管理",
        "没有其他有效许可证，规则仍按“重点管理”归类（过期不等于降级监管）；请核实是否已延续或重新申领，已注销的请导入注销清单。",
    )
    assert got[other.id].note == (
        "该单位另有有效许可证 P-NEW（简化管理）、P-REG（未填管理类别）；规则仍按“重点管理”归类，直到重新导入许可证清单"
        "（导入时管理类别取有效许可证中最严的）。"
    )
    assert got[manual.id].note == ("已人工指定为“特殊监管对象”，归类不受影响；请核实该许可证是否已延续或重新申领。")
    assert cl.expired_deciding_permits(session, [], rules, today=day) == {}
    assert cl.expired_deciding_permits(session, [fresh], rules, today=day) == {}
    no_class = rules_doc()
    no_class["categories"] = [no_class["categories"][0]]
    no_class["precedence"] = ["special"]
    note = cl.expired_deciding_permits(session, [other], no_class, today=day)[other.id].note
    assert note == "本规则不按排污许可管理类别归类，归类不受影响；请核实该许可证是否已延续或重新申领。"
