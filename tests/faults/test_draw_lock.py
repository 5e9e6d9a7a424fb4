"""Issue 13 point 5 / the last closing note: the draw computes OUTSIDE the write lock.

A 20,000-object draw used to compute inside its write transaction (about 21 s with the lock held on a loaded
machine): a clerk's edit made meanwhile waited and was then refused with "database is locked" (SQLite) or
waited for the whole draw (PostgreSQL). Now everything is read and computed from one consistent read first and
written in one short transaction, which checks again that nothing changed meanwhile (and computes again if
something did). Real processes on SQLite and on the real PostgreSQL server: a `objects tag` started while the
draw computes finishes before the draw does; the draw still stands complete (all or nothing), chains verify.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from sqlalchemy import func, insert, select

from app.models import AuditEntry, InspectionObject
from app.models.draw import Draw, DrawSelection
from app.services.foundation import audit
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.office import init_office
from app.services.foundation.store import open_database
from tests.factories import make_inspector, make_uscc
from tests.faults.conftest import ROOT, as_account, child_env, first_edit_seq
from tests.foundation.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures: a throw-away server)

N = 20_000
SEED = "27182818284590452353602874"
DRAW = ("--json", "draw", "--period", "2026Q1", "--seed", SEED, "--witness", "张三", "--witness", "李四")


def seed_county(url: str, n: int = N) -> list[str]:
    """A county with `n` objects in three permit classes, 12 inspectors and the 泽州 preset."""
    from app.services.rules import policies

    db = open_database(url)
    codes = [make_uscc(300_000 + i) for i in range(n)]
    try:
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(
                s, name="测试县大队", level="county", region_code="140525", admin="admin", admin_password="admin123"
            )
            policies.set_policy(s, "zezhou-2024")
            s.execute(
                insert(InspectionObject),
                [
                    {
                        "uscc": c,
                        "name": f"抽取锁企业{i:05d}有限公司",
                        "permit_class": ("重点管理", "简化管理", "登记管理")[i % 3],
                        "status": "存续",
                        "township": "城关镇",
                        "industry": "金属制品业",
                        "pollution_types": ["废气"],
                        "tags": [],
                    }
                    for i, c in enumerate(codes)
                ],
            )
            audit.record(s, "导入", "inspection_object", "", summary=f"测试数据 {n} 家")
            for j in range(12):
                make_inspector(s, name=f"执法员{j}", cert_no=f"1407{j:04d}")
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


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for_cpu(pid: int, seconds: float) -> None:
    """Until the process has used `seconds` of CPU time (wall time means little on a loaded machine)."""
    deadline = time.monotonic() + 300
    while _cpu_seconds(pid) < seconds and time.monotonic() < deadline:
        time.sleep(0.2)


def _edit_while_drawing(data_dir, url, codes) -> None:
    draw = _spawn(data_dir, url, *DRAW)
    _wait_for_cpu(draw.pid, 1.0)  # the draw is starting; it reads and computes for a good while (≈ 10 s)
    assert draw.poll() is None, "the draw finished too early for this test to mean anything"
    t0 = time.monotonic()
    tag = subprocess.run(
        [sys.executable, "-m", "app", *as_account(["--db", url, "objects", "tag", *codes[:5], "--add", "重点"])],
        capture_output=True,
        text=True,
        env=child_env(data_dir),
        cwd=ROOT,
        timeout=600,
    )
    tag_took = time.monotonic() - t0
    out, err = draw.communicate(timeout=900)
    assert "database is locked" not in tag.stderr and "另一个程序正在写入" not in tag.stderr, tag.stderr[-2000:]
    assert tag.returncode == 0, tag.stderr[-2000:]
    assert "Traceback" not in err, err[-3000:]
    assert draw.returncode == 0, err[-3000:]
    rec = json.loads(out)
    drawn = sum(len(s["selected"]) for s in rec["strata"])
    db = open_database(url)
    try:
        with db.Session() as s:
            assert s.scalar(select(func.count(Draw.id))) == 1
            assert s.scalar(select(func.count(DrawSelection.id))) == drawn > 100
            tagged = s.scalars(select(InspectionObject.tags).where(InspectionObject.uscc.in_(codes[:5]))).all()
            assert all("重点" in t for t in tagged), "the edit made during the draw is kept"
            tag_seq = first_edit_seq(s)
            draw_seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.action == "新建抽取"))
            assert tag_seq < draw_seq, (
                f"the edit waited {tag_took:.1f} s and was written after the draw: the draw held the write lock"
            )
            result = audit.verify(s)
            assert result.ok, result.message
    finally:
        db.dispose()
    chain = subprocess.run(
        [sys.executable, "-m", "app", "--db", url, "verify", "--chain"],
        capture_output=True,
        text=True,
        env=child_env(data_dir),
        cwd=ROOT,
        timeout=600,
    )
    assert chain.returncode == 0, chain.stdout + chain.stderr


def test_an_edit_during_a_20000_object_draw_is_not_locked_out_on_sqlite(data_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'ssj.sqlite3'}"
    _edit_while_drawing(data_dir, url, seed_county(url))


def test_an_edit_during_a_20000_object_draw_does_not_wait_for_it_on_postgres(data_dir, pg_url):  # noqa: F811
    _edit_while_drawing(data_dir, pg_url, seed_county(pg_url))
