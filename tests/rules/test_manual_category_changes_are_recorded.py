"""A manual 监管类别 is a 类型变更 of the object (名录库调整信息): every set and every clearing is one history
row with the old and new value; the refusals say what to do. Plus the deciding-permit expiry edges (the last day
of 有效期限 is still valid; a cancelled permit is no expired one) — small database tests for mutation runs."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_object
from sqlalchemy import select

from app.models.pools import ObjectChange, ObjectPermit
from app.services.foundation.errors import UserError
from app.services.rules import classification, policies


def changes(session, obj):
    rows = session.scalars(select(ObjectChange).where(ObjectChange.object_id == obj.id).order_by(ObjectChange.id))
    return [(c.kind, c.field, c.old_value, c.new_value, c.effective_date, c.user, c.source) for c in rows]


def test_each_set_and_clear_of_a_manual_category_is_one_history_row(session):
    policies.set_policy(session, "longyao-2026")
    obj = make_object(session, permit_class="登记管理")
    today = date.today()
    classification.override(session, obj, " 重点监管对象 ", " 局务会决定 ")
    assert (obj.category_override, obj.override_reason) == ("重点监管对象", "局务会决定")
    classification.override(session, obj.uscc.lower(), "特殊监管对象", "信访")
    classification.override(session, obj, "特殊监管对象", "再次确认")  # no change of category: no row
    classification.override(session, obj, "自动", "")
    assert (obj.category_override, obj.override_reason) == ("", "")
    assert changes(session, obj) == [
        ("类型变更", "category_override", "（按规则）", "重点监管对象", today, "admin", "人工指定监管类别：局务会决定"),
        ("类型变更", "category_override", "重点监管对象", "特殊监管对象", today, "admin", "人工指定监管类别：信访"),
        ("类型变更", "category_override", "特殊监管对象", "（按规则）", today, "admin", "人工指定监管类别"),
    ]


@pytest.mark.parametrize("clear", ["", None, "取消", "自动"])
def test_every_way_of_clearing_returns_to_the_rules(session, clear):
    policies.set_policy(session, "longyao-2026")
    obj = make_object(session, permit_class="登记管理")
    classification.override(session, obj, "重点监管对象", "甲")
    classification.override(session, obj, clear, "恢复")
    assert obj.category_override == "" and obj.override_reason == "恢复"
    assert changes(session, obj)[-1][2:4] == ("重点监管对象", "（按规则）")
    assert changes(session, obj)[-1][6] == "人工指定监管类别：恢复"


def test_refusals_say_what_to_do(session):
    policies.set_policy(session, "longyao-2026")
    obj = make_object(session, permit_class="登记管理")
    with pytest.raises(UserError) as e:
        classification.override(session, "91000000MA00000000", "重点监管对象", "x")
    assert str(e.value) == "检查对象库中没有统一社会信用代码为“91000000MA00000000”的对象。"
    with pytest.raises(UserError) as e:
        classification.override(session, obj, "超级对象", "x")
    names = "、".join(policies.category_names_of(policies.active_rules(session)))
    assert str(e.value) == f"类别“超级对象”不在当前规则中。可选：{names}。"
    with pytest.raises(UserError) as e:
        classification.override(session, obj, "重点监管对象", "  ")
    assert str(e.value) == "人工调整类别必须填写理由（“调整理由”）。"
    assert changes(session, obj) == []


def _permit(session, obj, state="有效", valid_to=date(2026, 3, 31)):
    session.add(
        ObjectPermit(object_id=obj.id, permit_no=obj.permit_no, permit_class="重点管理", valid_to=valid_to, state=state)
    )
    session.flush()


def test_the_last_day_of_a_permit_is_still_valid(session):
    policies.set_policy(session, "longyao-2026")
    rules = policies.active_rules(session)
    obj = make_object(session, permit_class="重点管理", permit_no="P-LAST-DAY")
    _permit(session, obj)
    assert classification.expired_deciding_permits(session, [obj], rules, today=date(2026, 3, 31)) == {}
    flags = classification.expired_deciding_permits(session, [obj], rules, today=date(2026, 4, 1))
    assert list(flags) == [obj.id] and flags[obj.id].valid_to == date(2026, 3, 31)


def test_a_cancelled_or_undated_permit_is_not_an_expired_one(session):
    policies.set_policy(session, "longyao-2026")
    rules = policies.active_rules(session)
    cancelled = make_object(session, permit_class="重点管理", permit_no="P-CANCELLED")
    _permit(session, cancelled, state="注销")
    undated = make_object(session, permit_class="重点管理", permit_no="P-UNDATED")
    _permit(session, undated, valid_to=None)
    got = classification.expired_deciding_permits(session, [cancelled, undated], rules, today=date(2030, 1, 1))
    assert got == {}
