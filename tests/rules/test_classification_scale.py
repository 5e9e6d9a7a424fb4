"""Issue 16.1: classification at municipal scale reads plain rows and classifies each distinct combination once.

The shortcut must never change an answer: every object of a varied pool gets exactly what ``classify_one``
gives for that object alone, under every preset.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict

import pytest
from factories import make_object
from sqlalchemy import select

from app.models.pools import InspectionObject
from app.services.rules import classification, policies


def varied_pool(session, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    for i in range(n):
        make_object(
            session,
            permit_class=rng.choice(["重点管理", "简化管理", "登记管理", ""]),
            key_polluter=rng.random() < 0.2,
            status=rng.choice(["存续", "存续", "存续", "停产", "注销"]),
            credit_grade=rng.choice(["", "A", "B", "C", "D"]),
            credit_risk=rng.choice(["", "低风险", "一般风险", "较高风险", "高风险"]),
            air_grade=rng.choice(["", "A", "B", "C"]),
            positive_list=rng.random() < 0.2,
            special_situations=rng.choice([[], ["挂牌督办"], [classification.PENALIZED], ["信访投诉"]]),
            tags=rng.choice([[], ["上级已抽查"], ["核技术利用"]]),
            pollution_types=rng.choice([["废气"], ["废水", "危险废物"], ["辐射"], []]),
            industry=rng.choice(["金属制品业", "危险废物经营", "医院", "住宿业", "教育", "核技术利用"]),
            township=rng.choice(["城关镇", "魏家庄镇"]),
            name=f"企业{i}" + rng.choice(["", "医院", "加油站", "学校"]),
            category_override=rng.choice([""] * 8 + ["特殊监管对象", "不存在的类别"]),
            override_reason="人工调整（测试）",
        )
    session.flush()


@pytest.mark.parametrize("preset", policies.PRESET_IDS)
def test_classify_of_the_pool_equals_classify_one_for_every_object(session, preset):
    policies.set_policy(session, preset)
    varied_pool(session, 240)
    rules = policies.active_rules(session)
    derived = classification.derived_facts(session, "2026Q1")
    result = classification.classify(session, period="2026Q1", rules=rules)
    orm = {o.id: o for o in session.scalars(select(InspectionObject))}
    pool = classification.pool_objects(session, rules)
    assert set(result) == {o.id for o in pool} and len(result) > 100
    for oid, got in result.items():
        assert asdict(got) == asdict(classification.classify_one(orm[oid], rules, derived)), (preset, oid)
    # the same answers when the caller passes ORM objects (objects list, the object card)
    again = classification.classify(session, list(orm.values()), period="2026Q1", rules=rules)
    assert {k: asdict(v) for k, v in again.items()} == {k: asdict(v) for k, v in result.items()}


def test_the_penalty_of_last_quarter_is_part_of_what_is_compared(session):
    """Two objects alike in every column but one penalized last quarter (隆尧) must not share a category."""
    policies.set_policy(session, "longyao-2026")
    a = make_object(session, permit_class="简化管理")
    b = make_object(session, permit_class="简化管理")
    rules = policies.active_rules(session)
    derived = {"penalized": {b.id}, "period": None}
    key = classification.classification_key(rules, derived)
    assert key(a) != key(b)


def test_pool_rows_carry_every_field_a_rule_may_name(session):
    policies.set_policy(session, "zezhou-2024")
    make_object(session)
    row = classification.pool_objects(session, policies.active_rules(session))[0]
    for name in policies.FIELD_LABELS:
        if name != "penalized_last_quarter":
            getattr(row, name)
    for preset in policies.PRESET_IDS:
        assert set(classification.rule_fields(policies.resolve_rules(preset))) <= set(policies.FIELD_LABELS)


def test_a_long_objects_list_is_json_one_object_a_line(session, cli):
    policies.set_policy(session, "zezhou-2024")
    for _ in range(260):
        make_object(session)
    session.commit()
    rc, out, _err = cli("--json", "objects", "list")
    assert rc == 0
    data = json.loads(out)
    assert len(data) == 260 and {"uscc", "name", "category", "stratum"} <= set(data[0])
    lines = out.strip().split("\n")
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 262
    assert json.loads(lines[1]) == data[0] and json.loads(lines[2].lstrip(",")) == data[1]
