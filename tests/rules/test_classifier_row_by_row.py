"""`classification.classifier`: the one-row-at-a-time face of the classification (`objects list`, statistics read
the rows themselves): it leaves out what the pool leaves out (status, the pool's exclusion conditions), classifies
the rest exactly as `classify` does, and objects with the same key share one answer."""

from __future__ import annotations

from rule_rows import row, rules_doc

from app.services.rules import classification as cl

EXCLUDING = rules_doc(
    pool={
        "exclude_statuses": ["注销", "迁出", "吊销"],
        "exclude_conditions": [{"id": "catering", "field": "industry", "contains_any": ["餐饮"]}],
    }
)


def test_objects_the_pool_leaves_out_get_none(session):
    of = cl.classifier(session, rules=EXCLUDING)
    assert of(row(1, status="吊销", permit_class="重点管理")) is None  # a status the office's rules name
    assert of(row(2, status="注销", permit_class="重点管理")) is None
    assert of(row(3, industry="中式餐饮服务", permit_class="重点管理")) is None  # an exclusion condition
    kept = of(row(4, status="停产", industry="金属制品业", permit_class="重点管理"))
    assert kept is not None and kept.category == "重点监管对象"


def test_without_pool_settings_only_cancelled_and_moved_objects_are_left_out(session):
    of = cl.classifier(session, rules=rules_doc())
    assert of(row(1, status="注销", permit_class="简化管理")) is None
    assert of(row(2, status="迁出", permit_class="简化管理")) is None
    assert of(row(3, status="吊销", permit_class="简化管理")).category == "一般监管对象"
    assert of(row(4, industry="中式餐饮服务", permit_class="简化管理")).category == "一般监管对象"


def test_each_row_gets_what_classify_gives_it(session):
    rules = rules_doc()
    rows = [
        row(1, credit_grade="D"),
        row(2, permit_class="重点管理", credit_risk="高"),
        row(3, permit_class="重点管理", credit_risk="低"),
        row(4, key_polluter=True),
        row(5, permit_class="登记管理"),
        row(6),
        row(7, permit_class="重点管理", category_override="一般监管对象", override_reason="已停产改造"),
    ]
    of = cl.classifier(session, rules=rules)
    expected = cl.classify(session, rows, rules=rules)
    assert {r.id: of(r) for r in rows} == expected
    got = {r.id: (of(r).category, of(r).stratum, of(r).mode) for r in rows}
    assert got[1][0] == "特殊监管对象" and got[2] == ("重点监管对象", "重点监管对象（高风险）", "非现场")
    assert got[3][:2] == ("重点监管对象", "重点监管对象（低风险）") and got[5][0] == "一般监管对象"
    assert got[7][0] == "一般监管对象"


def test_objects_with_the_same_key_share_one_answer_and_others_do_not(session):
    of = cl.classifier(session, rules=rules_doc())
    a = of(row(1, permit_class="重点管理", credit_risk="高", name="甲"))
    b = of(row(2, permit_class="重点管理", credit_risk="高", name="乙"))
    c = of(row(3, permit_class="重点管理", credit_risk="低"))
    assert a is b and a is not c and a != c


def test_without_rules_given_the_offices_rules_are_read(session):
    from app.services.rules import policies

    policies.set_policy(session, "weihai")  # excludes 住宿/餐饮/教育 from the pool by industry
    of = cl.classifier(session)
    assert of(row(1, industry="餐饮业", permit_class="重点管理")) is None
    assert of(row(2, industry="金属制品业", permit_class="重点管理")).category


def test_the_pool_read_from_the_store_leaves_out_statuses_and_excluded_objects_in_id_order(session):
    from factories import make_object

    kept = [make_object(session, status=s, industry="金属制品业") for s in ("存续", "停产", "吊销")]
    for s in ("注销", "迁出"):
        make_object(session, status=s)
    make_object(session, industry="中式餐饮服务")
    session.flush()
    assert [o.id for o in cl.pool_objects(session, EXCLUDING)] == [kept[0].id, kept[1].id]
    default = cl.pool_objects(session, rules_doc())
    assert [o.status for o in default] == ["存续", "停产", "吊销", "存续"]
    assert [o.id for o in default] == sorted(o.id for o in default)
    assert set(default[0]._fields) == set(cl.POOL_COLUMNS)
