"""本机维护 travels: the next USB package lists it and the city sees it as a warning; the one after does not."""

from __future__ import annotations

import json
import zipfile

from sqlalchemy import select

from app.models.core import User
from app.services.foundation import accounts, permissions
from app.services.foundation.context import Actor, acting_as
from tests.exchange.test_packages import do_import, export, make_city, make_county, register


def test_maintenance_is_listed_in_the_next_package_only(tmp_path):
    county = make_county(tmp_path / "county.sqlite3", "甲县生态环境保护综合行政执法大队", "140525", "full")
    city = make_city(tmp_path / "city.sqlite3")
    try:
        register(city, county)
        with acting_as(Actor("os:zhangsan", permissions.MAINTENANCE, "zhangsan")), county.Session() as s:
            admin = s.scalar(select(User).where(User.username == "admin"))
            accounts.reset_password(s, admin, "temp-pass-1")
            s.commit()
        first = export(county, "2026Q1", tmp_path / "usb1")
        with zipfile.ZipFile(first["path"]) as zf:
            listed = json.loads(zf.read("data/maintenance.json"))["entries"]
        assert [e["summary"] for e in listed] == ["本机维护（操作系统用户 zhangsan）：为账户 admin 设置临时密码"]
        assert listed[0]["user"] == "os:zhangsan"
        info = do_import(city, first["path"])
        assert any("县级单位本机维护" in w and "zhangsan" in w for w in info["warnings"])
        assert "注意" in info["message"]
        second = export(county, "2026Q1", tmp_path / "usb2")
        with zipfile.ZipFile(second["path"]) as zf:
            assert json.loads(zf.read("data/maintenance.json"))["entries"] == []
    finally:
        county.dispose()
        city.dispose()
