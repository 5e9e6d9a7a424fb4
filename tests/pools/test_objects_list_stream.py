"""`objects list` streams (issue 16): rows go from the store to the output one at a time, and say exactly what the
list of dicts said before — same objects, order, filters, categories, expired permits, text and JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.models.pools import ObjectPermit
from app.services.pools import pools
from app.services.rules import policies
from tests.factories import make_object

FILTERS = [
    {},
    {"status": "注销"},
    {"township": "魏家庄镇"},
    {"permit_class": "重点管理"},
    {"tag": "园区"},
    {"search": "钢铁"},
    {"search": "  GANGTIE  "},
]


def _pool(session, n=260):
    for i in range(n):
        make_object(
            session,
            name=f"{'钢铁' if i % 7 == 0 else '测试'}企业{i:03d}" + (" GangTie" if i % 11 == 0 else ""),
            township=("城关镇", "魏家庄镇", "山口镇")[i % 3],
            permit_class=("重点管理", "简化管理", "登记管理", "")[i % 4],
            status=("存续", "存续", "存续", "停产", "注销", "迁出")[i % 6],
            tags=["园区"] if i % 5 == 0 else [],
        )
    session.flush()
    first = session.scalars(pools.select(pools.InspectionObject).limit(1)).first()
    session.add(ObjectPermit(object_id=first.id, permit_no="PW-EXPIRED-1", valid_to=date(2020, 1, 1), state="有效"))
    session.commit()


@pytest.mark.parametrize("with_policy", ["longyao-2026", "weihai", None])
def test_streamed_dicts_equal_the_list_for_every_filter(session, with_policy):
    if with_policy:
        policies.set_policy(session, with_policy)  # weihai: the pool also leaves out objects by industry
    _pool(session)
    make_object(session, name="钢铁宾馆餐饮部", industry="住宿和餐饮业", township="城关镇", status="存续")
    session.commit()
    for f in FILTERS:
        expected = pools.objects_as_dicts(session, pools.list_objects(session, **f))
        got = list(pools.iter_object_dicts(session, **f))
        assert got == expected, f
    everything = list(pools.iter_object_dicts(session))
    assert len(everything) == 261 and any(d["expired_permits"] == ["PW-EXPIRED-1"] for d in everything)
    if with_policy:
        assert any(d["reason"].startswith("不在抽查名录内") for d in everything)
        assert any(d["category"] for d in everything)
        hotel = next(d for d in everything if d["name"] == "钢铁宾馆餐饮部")
        assert (hotel["category"] == "") == (with_policy == "weihai")
    else:
        assert "category" not in everything[0]


def test_the_long_list_command_streams_json_and_text(session, cli):
    policies.set_policy(session, "longyao-2026")
    _pool(session)
    expected = pools.objects_as_dicts(session, pools.list_objects(session))
    rc, out, err = cli("--json", "objects", "list")
    assert rc == 0, err
    assert json.loads(out) == json.loads(json.dumps(expected, ensure_ascii=False, default=str))
    lines = out.strip().split("\n")
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 262
    rc, out, err = cli("objects", "list")
    assert rc == 0, err
    lines = out.strip().split("\n")
    assert len(lines) == 261 and lines[-1] == "共 260 家。"
    assert lines[0].startswith(expected[0]["uscc"] + "  " + expected[0]["name"])
    assert any("许可证已过期：PW-EXPIRED-1" in line for line in lines)


def test_a_short_list_keeps_the_indented_json_and_the_count(session, cli):
    _pool(session, n=3)
    rc, out, err = cli("--json", "objects", "list", "--township", "城关镇")
    assert rc == 0, err
    data = json.loads(out)
    assert len(data) == 1 and out.startswith("[\n  {")
    rc, out, err = cli("objects", "list", "--status", "不存在的状态")
    assert rc == 0 and out.strip() == "共 0 家。"
