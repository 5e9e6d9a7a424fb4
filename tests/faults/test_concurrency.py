"""Issue 21 point 1 (and issue 13 point 5): concurrent writers in real processes lose nothing.

Two clerks tag the same objects at the same moment, an import runs while another clerk tags, two imports
of overlapping files race — on SQLite and on the real PostgreSQL server (tests/foundation/test_postgres.py
starts it). Afterwards every change is there, the audit chain verifies, no traceback reached anybody.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import insert, select

from app.models import InspectionObject
from app.services.foundation import audit
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.office import init_office
from app.services.foundation.store import open_database
from tests.factories import make_uscc
from tests.faults.conftest import ROOT, as_account, child_env, write_objects_xlsx
from tests.foundation.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures: a throw-away server)

N = 1000


def _seed(url: str, level: str = "county", n: int = N) -> list[str]:
    db = open_database(url)
    codes = [make_uscc(500000 + i) for i in range(n)]
    try:
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(
                s, name="测试县大队", level=level, region_code="140525", admin="admin", admin_password="admin123"
            )
            s.flush()
            if n:
                s.execute(
                    insert(InspectionObject),
                    [{"uscc": c, "name": f"并发企业{i}", "tags": []} for i, c in enumerate(codes)],
                )
                audit.record(s, "导入", "inspection_object", "", summary=f"测试数据 {n} 家")
            s.commit()
    finally:
        db.dispose()
    return codes


def _spawn(data_dir, url, *argv):
    return subprocess.Popen(
        [sys.executable, "-m", "app", *as_account(["--db", url, *argv])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(data_dir),
        cwd=ROOT,
    )


def _tags(url: str) -> dict[str, list[str]]:
    db = open_database(url)
    try:
        with db.Session() as s:
            return {o.uscc: sorted(o.tags or []) for o in s.scalars(select(InspectionObject))}
    finally:
        db.dispose()


def _verify(url: str) -> None:
    db = open_database(url)
    try:
        with db.Session() as s:
            result = audit.verify(s)
            assert result.ok, result.message
    finally:
        db.dispose()


LOCK_REFUSAL = "命令行不能同时修改"  # a SQLite file: a CLI write waits ~2 s for the instance lock, then says so


def _finished(p, err: str) -> bool:
    """True: the command succeeded. False: it was refused, in Chinese, before changing anything (SQLite's
    instance lock: another writer held the file). Anything else fails the test."""
    assert "Traceback" not in err, err[-3000:]
    if p.returncode == 0:
        return True
    assert p.returncode == 1 and LOCK_REFUSAL in err, err[-3000:]
    return False


def _two_taggers(data_dir, url, codes):
    a = _spawn(data_dir, url, "objects", "tag", *codes, "--add", "甲")
    b = _spawn(data_dir, url, "objects", "tag", *codes, "--add", "乙")
    outs = [p.communicate(timeout=600) for p in (a, b)]
    done = {tag: _finished(p, err) for tag, p, (_out, err) in zip(("甲", "乙"), (a, b), outs)}
    assert any(done.values())
    if url.startswith("postgresql"):
        assert all(done.values()), "a server database has no instance lock: both clerks' commands succeed"
    want = sorted(t for t, ok in done.items() if ok)
    tags = _tags(url)
    lost = [c for c in codes if tags[c] != want]
    assert not lost, f"{len(lost)} objects lost a clerk's tag, e.g. {lost[:3]}: {[tags[c] for c in lost[:3]]}"
    _verify(url)


def test_two_clerks_tagging_the_same_objects_lose_nothing_on_sqlite(data_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'ssj.sqlite3'}"
    codes = _seed(url)
    _two_taggers(data_dir, url, codes)


def test_two_clerks_tagging_the_same_objects_lose_nothing_on_postgres(data_dir, pg_url):  # noqa: F811
    codes = _seed(pg_url)
    _two_taggers(data_dir, pg_url, codes)


def _import_while_tagging(data_dir, tmp_path, url, codes):
    src = write_objects_xlsx(tmp_path / "update.xlsx", len(codes), start=400000, address=lambda i: f"新地址{i}号")
    imp = _spawn(data_dir, url, "import", "objects", src)
    tag = _spawn(data_dir, url, "objects", "tag", *codes[:500], "--add", "重点")
    done = [_finished(p, p.communicate(timeout=900)[1]) for p in (imp, tag)]
    if url.startswith("postgresql"):
        assert all(done)
    tags = _tags(url)
    assert all(("重点" in tags[c]) == done[1] for c in codes[:500])
    _verify(url)


def test_an_import_while_another_clerk_tags_neither_deadlocks_nor_loses_on_postgres(
    data_dir,
    tmp_path,
    pg_url,  # noqa: F811
):
    codes = _seed(pg_url)
    _import_while_tagging(data_dir, tmp_path, pg_url, codes)


def test_an_import_while_another_clerk_tags_on_sqlite(data_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'ssj.sqlite3'}"
    codes = _seed(url)
    _import_while_tagging(data_dir, tmp_path, url, codes)


def _overlapping_imports(data_dir, tmp_path, url):
    _seed(url, n=0)
    a = write_objects_xlsx(tmp_path / "a.xlsx", 2000, start=0)
    b = write_objects_xlsx(tmp_path / "b.xlsx", 2000, start=1000)
    pa = _spawn(data_dir, url, "--json", "import", "objects", a)
    pb = _spawn(data_dir, url, "--json", "import", "objects", b)
    done = []
    for p in (pa, pb):
        _out, err = p.communicate(timeout=900)
        assert "UniqueViolation" not in err and "INSERT" not in err, err[-2000:]
        done.append(_finished(p, err))
    if url.startswith("postgresql"):
        assert all(done)
    expected = 3000 if all(done) else 2000
    db = open_database(url)
    try:
        with db.Session() as s:
            assert len(s.scalars(select(InspectionObject.uscc)).all()) == expected
            assert audit.verify(s).ok
    finally:
        db.dispose()


def test_two_imports_with_overlapping_usccs_both_succeed_on_sqlite(data_dir, tmp_path):
    _overlapping_imports(data_dir, tmp_path, f"sqlite:///{tmp_path / 'ssj.sqlite3'}")


def test_two_imports_with_overlapping_usccs_both_succeed_on_postgres(data_dir, tmp_path, pg_url):  # noqa: F811
    _overlapping_imports(data_dir, tmp_path, pg_url)


def test_the_same_file_imported_twice_at_the_same_moment(data_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'ssj.sqlite3'}"
    _seed(url, n=0)
    src = write_objects_xlsx(tmp_path / "same.xlsx", 2000)
    procs = [_spawn(data_dir, url, "import", "objects", src) for _ in range(2)]
    done = [_finished(p, p.communicate(timeout=900)[1]) for p in procs]
    assert any(done)
    assert len(_tags(url)) == 2000


def test_two_inits_at_once_on_an_empty_postgres_database(data_dir, pg_url):  # noqa: F811
    procs = [
        _spawn(data_dir, pg_url, "init", "--office", f"测试市局{i}", "--level", "city", "--password", "admin123")
        for i in range(2)
    ]
    results = [(p, *p.communicate(timeout=600)) for p in procs]
    for _p, _out, err in results:
        assert "Traceback" not in err, err[-3000:]
    codes = sorted(p.returncode for p, _o, _e in results)
    assert codes in ([0, 0], [0, 1]), results
    for p, _out, err in results:
        if p.returncode == 1:
            # the loser finds the winner's accounts: refused as not an account of that office (nothing written)
            assert "已经初始化" in err or "已初始化" in err or "已有" in err or "须由有权限的账户" in err, err
    _verify(pg_url)


def test_demo_is_refused_on_a_city_database(ssj, tmp_path):
    path = tmp_path / "city.sqlite3"
    proc = ssj("--db", path, "init", "--office", "威海市生态环境局", "--level", "city", "--password", "admin123")
    assert proc.returncode == 0, proc.stderr
    demo = ssj("--user", "admin", "--db", path, "demo", "--objects", "50")  # even its administrator
    assert demo.returncode == 1 and "市级" in demo.stderr, demo.stderr
    listing = ssj("--db", path, "--json", "objects", "list")
    assert json.loads(listing.stdout) == []


def test_demo_still_fills_an_empty_county_database(ssj, tmp_path):
    path = tmp_path / "county.sqlite3"
    demo = ssj("--db", path, "demo", "--objects", "50")
    assert demo.returncode == 0, demo.stderr


@pytest.mark.parametrize("n", [1])
def test_sanity_seed(n, tmp_path):
    assert len(_seed(f"sqlite:///{tmp_path / 's.sqlite3'}", n=n)) == n
