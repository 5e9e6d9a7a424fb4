"""`ssj demo`: a realistic, deterministic county; refuses a non-empty pool."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import select
from stdnum.cn import uscc

from app.models import InspectionItem, InspectionObject, Inspector
from app.models.core import User
from app.services.demo import demo
from app.services.foundation import accounts


def test_demo_on_blank_database_creates_office_users_and_pools(cli, admin_cli, db_path):
    rc, out, err = cli("--json", "demo")
    assert rc == 0, err
    data = json.loads(out)
    assert data["office"] == "示例县生态环境保护综合行政执法大队" and data["objects"] == 1500
    assert data["inspectors"] == 40 and data["experts"] == 15 and data["items"] == 10
    from app.services.foundation.store import open_database

    database = open_database(f"sqlite:///{db_path}")
    with database.Session() as s:
        objs = s.scalars(select(InspectionObject)).all()
        assert all(uscc.is_valid(o.uscc) for o in objs)
        assert len({o.uscc for o in objs}) == 1500 and len({o.name for o in objs}) == 1500
        classes = Counter(o.permit_class for o in objs)
        assert 0.05 < classes["重点管理"] / 1500 < 0.11 and 0.25 < classes["简化管理"] / 1500 < 0.35
        assert 0.03 < sum(o.key_polluter for o in objs) / 1500 < 0.08
        situations = Counter(s_ for o in objs for s_ in o.special_situations)
        assert situations["核技术利用单位"] >= 5 and situations["危险废物经营单位"] >= 3 and situations["填埋场"] >= 2
        assert {o.status for o in objs} == {"存续", "停产", "注销", "迁出"}
        assert len({o.township for o in objs}) == 12 and any(o.positive_list for o in objs)
        people = s.scalars(select(Inspector)).all()
        officers = [p for p in people if p.kind == "执法人员"]
        assert all(p.cert_no for p in officers) and any(p.avoid_usccs for p in officers)
        assert any("辐射" in p.expertise for p in officers)
        items = s.scalars(select(InspectionItem)).all()
        assert items[0].category == "重点排污单位监督检查" and items[0].ratio == "25%"
        for name, role in (("luru", "录入员"), ("shenhe", "审核员"), ("lingdao", "领导")):
            user = s.scalar(select(User).where(User.username == name))
            assert user.role == role and accounts.check_password("demo1234", user.password_hash)
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert accounts.check_password("admin123", admin.password_hash)
    database.dispose()
    rc, out, err = cli("demo")  # the database has accounts now: no longer for whoever runs ssj
    assert rc == 1 and "须由有权限的账户（管理员）执行" in err
    rc, out, err = admin_cli("demo")
    assert rc == 1 and "不能再生成演示数据" in err


def test_demo_is_deterministic():
    a = demo.build_objects(7, 200)
    b = demo.build_objects(7, 200)
    assert a == b and demo.build_objects(8, 200) != a


def test_demo_into_existing_office_keeps_it(session):
    result = demo.create_demo(session, n_objects=100)
    session.commit()
    assert result["created_office"] is False and result["office"] == "测试县生态环境保护综合行政执法大队"
    assert session.scalar(select(User).where(User.username == "luru")) is None
