"""City side (issue 10, point 10): impossible figures and future dates refused; `package withdraw`.

Packages here are validly signed by the registered county key, so only the new checks can stop them."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models.core import AuditEntry
from app.models.exchange import CountyReport
from app.services.exchange import packages
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from tests.exchange.test_packages import ADMIN, do_import, export, register, reports, rezip, world  # noqa: F401

CLERK = Actor("luru", "录入员")


def forge(pkg: Path, county_db, out: Path, *, stats_edit=None, created_at: str | None = None, raw_stats=None):
    """A copy of `pkg` with edited figures or date, re-hashed and re-signed with the county's real key."""
    from app.services.foundation.office import signing_key
    from tests.exchange.test_packages import KEY_PASSPHRASE

    with zipfile.ZipFile(pkg) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        stats_bytes = zf.read("data/stats.json")
    if stats_edit is not None or raw_stats is not None:
        if raw_stats is None:
            stats = json.loads(stats_bytes)
            stats_edit(stats)
            stats_bytes = packages.canonical_bytes(stats)
        else:
            stats_bytes = raw_stats(stats_bytes)
    if created_at is not None:
        manifest["created_at"] = created_at
    import base64
    import hashlib

    for f in manifest["files"]:
        if f["name"] == "data/stats.json":
            f["sha256"], f["size"] = hashlib.sha256(stats_bytes).hexdigest(), len(stats_bytes)
    body = packages.canonical_bytes(manifest)
    with county_db.Session() as s:
        key, _ = signing_key(s, KEY_PASSPHRASE)
    sig = base64.b64encode(key.sign(body)) + b"\n"
    return rezip(pkg, out, change={"manifest.json": body, "manifest.sig": sig, "data/stats.json": stats_bytes})


@pytest.fixture
def sent(world, tmp_path):  # noqa: F811
    counties, city = world
    register(city, counties[0])
    info = export(counties[0], "2026Q1", tmp_path / "usb")
    return counties, city, Path(info["path"]), tmp_path


def _count_path() -> tuple[str, ...]:
    """The path of the first summed figure of the quarterly table (a count the city adds up)."""
    from app.services.reports import statistics as stats_service

    return next(f.path for f in stats_service.FIELDS if f.rate is None)


def _set(stats: dict, path: tuple[str, ...], value) -> None:
    for k in path[:-1]:
        stats = stats[k]
    stats[path[-1]] = value


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_refused(sent, literal):
    counties, city, pkg, tmp = sent
    path = _count_path()

    def edit(raw: bytes) -> bytes:
        stats = json.loads(raw)
        _set(stats, path, "__X__")
        return packages.canonical_bytes(stats).replace(b'"__X__"', literal.encode())

    bad = forge(pkg, counties[0], tmp / f"{literal}.zip", raw_stats=edit)
    with pytest.raises(UserError, match="不是有效的数字|不合理"):
        do_import(city, bad)
    assert reports(city) == 0


def test_negative_count_refused(sent):
    counties, city, pkg, tmp = sent
    bad = forge(pkg, counties[0], tmp / "neg.zip", stats_edit=lambda s: _set(s, _count_path(), -3))
    with pytest.raises(UserError, match="不合理"):
        do_import(city, bad)
    assert reports(city) == 0


def test_far_future_date_refused_and_a_day_ahead_accepted(sent):
    counties, city, pkg, tmp = sent
    bad = forge(pkg, counties[0], tmp / "9999.zip", created_at="9999-12-31T00:00:00.000000Z")
    with pytest.raises(UserError, match="未来"):
        do_import(city, bad)
    soon = (datetime.now(UTC) + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ok = forge(pkg, counties[0], tmp / "soon.zip", created_at=soon)  # a county clock a few hours ahead
    assert do_import(city, ok)["status"] == "imported"
    nonsense = forge(pkg, counties[0], tmp / "bad-date.zip", created_at="昨天")
    with pytest.raises(UserError, match="生成时间"):
        do_import(city, nonsense)


def test_withdraw_sets_a_wrong_package_aside_and_the_next_real_one_is_taken(sent, tmp_path):
    counties, city, pkg, tmp = sent
    # a package from a county PC whose clock ran 20 hours ahead: accepted, and it blocks later real ones
    ahead = (datetime.now(UTC) + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    wrong = forge(pkg, counties[0], tmp / "ahead.zip", created_at=ahead)
    assert do_import(city, wrong)["status"] == "imported"
    real = export(counties[0], "2026Q1", tmp / "usb2")["path"]
    with pytest.raises(UserError, match="旧"):
        do_import(city, real)
    with acting_as(ADMIN), city.Session() as s:
        with pytest.raises(UserError, match="原因"):
            packages.withdraw_report(s, county="甲县生态环境保护综合行政执法大队", period="2026Q1", reason=" ")
    with acting_as(CLERK), city.Session() as s:
        with pytest.raises(UserError, match="管理员"):
            packages.withdraw_report(s, county="甲县生态环境保护综合行政执法大队", period="2026Q1", reason="时钟错")
    with acting_as(ADMIN), city.Session() as s:
        info = packages.withdraw_report(
            s, county="甲县生态环境保护综合行政执法大队", period="2026Q1", reason="县里电脑时钟快了一天"
        )
        s.commit()
    assert info["status"] == "withdrawn"
    assert do_import(city, real)["status"] in ("imported", "superseded")
    with city.Session() as s:
        current = s.scalars(select(CountyReport).where(CountyReport.current.is_(True))).all()
        assert len(current) == 1 and current[0].package_name == Path(real).name
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "撤回报送包"))
        assert entry is not None and "时钟快了一天" in entry.summary and entry.user == "admin"
    # the withdrawn package cannot come back in
    with pytest.raises(UserError, match="撤回"):
        do_import(city, wrong)


def test_withdraw_cli(sent, tmp_path):
    from tests.exchange.test_packages import _ssj as ssj

    counties, city, pkg, tmp = sent
    do_import(city, pkg)
    city_path = Path(str(city.url).replace("sqlite:///", ""))
    rc, _out, err = ssj(
        city_path, "package", "withdraw", "--county", "甲县生态环境保护综合行政执法大队", "--period", "2026Q1"
    )
    assert rc == 2 and "--reason" in err
    rc, out, err = ssj(
        city_path,
        "--user",
        "admin",
        "package",
        "withdraw",
        "--county",
        "甲县生态环境保护综合行政执法大队",
        "--period",
        "2026Q1",
        "--reason",
        "误导入",
        env={"SSJ_PASSWORD": "admin123"},
    )
    assert rc == 0 and "已撤回" in out, err
    with city.Session() as s:
        assert s.scalar(select(CountyReport.current)) is False


def _truncate_audit(db_path: Path, keep: int) -> None:
    """Delete the newest audit entries and fix the stored head, as someone with the file would."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db_path)) as con:
        con.execute("DELETE FROM audit_entry WHERE seq > ?", (keep,))
        h = con.execute("SELECT hash FROM audit_entry WHERE seq=?", (keep,)).fetchone()[0]
        con.execute("UPDATE audit_head SET seq=?, hash=?", (keep, h))
        con.commit()


def test_city_flags_an_audit_log_that_does_not_extend_the_last_one_it_saw(sent):
    from tests.factories import make_object

    counties, city, pkg, tmp = sent
    with zipfile.ZipFile(pkg) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        chain = zf.read("data/audit-chain.txt").decode().split()
    assert len(chain) == manifest["audit_seq"] and chain[-1] == manifest["audit_head"]
    assert not [w for w in do_import(city, pkg)["warnings"] if "审计日志与" in w or "还短" in w]
    county_path = Path(str(counties[0].url).replace("sqlite:///", ""))
    seen = manifest["audit_seq"]
    # the county cuts its log back below what the city saw, then carries on working
    _truncate_audit(county_path, seen - 3)
    with acting_as(ADMIN), counties[0].Session() as s:
        for i in range(8):
            make_object(s, name=f"截断之后新增的公司{i}")
            s.commit()
    again = export(counties[0], "2026Q1", tmp / "usb2")["path"]
    info = do_import(city, again)
    assert any("审计日志与" in w and "不连续" in w for w in info["warnings"]), info["warnings"]
    with city.Session() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "报送包警告")) is not None


def test_city_flags_a_shorter_audit_log(sent):
    counties, city, pkg, tmp = sent
    do_import(city, pkg)
    county_path = Path(str(counties[0].url).replace("sqlite:///", ""))
    with zipfile.ZipFile(pkg) as zf:
        seen = json.loads(zf.read("manifest.json"))["audit_seq"]
    _truncate_audit(county_path, seen - 5)
    again = export(counties[0], "2026Q1", tmp / "usb2")["path"]  # the export adds a few entries itself
    info = do_import(city, again)
    assert any("审计日志" in w for w in info["warnings"]), info["warnings"]
