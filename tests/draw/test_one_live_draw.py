"""One live draw per task and period, enforced by the database: two real `ssj draw` processes started at the
same moment give exactly one draw and one clear Chinese refusal (SQLite; PostgreSQL when its server is here)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Draw
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from tests.factories import make_inspector, make_object
from tests.foundation.test_postgres import pg_server, pg_url  # noqa: F401  (the throw-away PostgreSQL server)

ROOT = Path(__file__).resolve().parents[2]
WITNESSES = ["--witness", "张三", "--witness", "李四"]


def _pool(db) -> None:
    from app.services.rules import policies

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for _ in range(30):
            make_object(s, permit_class="简化管理")
        for _ in range(6):
            make_inspector(s)
        s.commit()


def _race(url: str, tmp_path: Path, seeds=("31415926535897932384626", "27182818284590452353602")):
    """Start two `ssj draw` processes that wait for the same go signal; return their (rc, stdout, stderr)."""
    go = tmp_path / "go"
    starter = (
        "import os, sys, time\n"
        "go = sys.argv[1]\n"
        "while not os.path.exists(go): time.sleep(0.005)\n"
        "from app.cli import run\n"
        "sys.exit(run(sys.argv[2:]))\n"
    )
    env = dict(os.environ, SSJ_PASSWORD="admin123", PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                starter,
                str(go),
                "--db",
                url,
                "--user",
                "admin",
                "draw",
                "--period",
                "2026Q1",
                "--seed",
                seed,
                *WITNESSES,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for seed in seeds
    ]
    time.sleep(2.0)  # both interpreters up and waiting
    go.write_text("go")
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, out, err))
    return results


def _check_race(results, live_draws: int) -> None:
    rcs = sorted(rc for rc, _, _ in results)
    assert rcs == [0, 1], results
    refused = next(err for rc, _, err in results if rc == 1)
    assert "已有抽取" in refused and "同一任务同一期间只能有一次有效抽取" in refused, refused
    assert "Traceback" not in refused
    assert live_draws == 1


def test_two_processes_drawing_at_once_on_sqlite(db, db_path, tmp_path):
    _pool(db)
    results = _race(str(db_path), tmp_path)
    con = sqlite3.connect(db_path)
    live = con.execute("SELECT count(*) FROM draw WHERE period='2026Q1' AND state != '已作废'").fetchone()[0]
    con.close()
    _check_race(results, live)


def test_the_database_refuses_a_second_live_row_even_past_the_service(db, session):
    """The rule lives in the schema: a second live draw written straight to the table is refused too."""
    from sqlalchemy.exc import IntegrityError

    from app.services.draw import draws

    _pool(db)
    d = draws.start(session, "2026Q1")
    session.commit()
    with pytest.raises(IntegrityError):
        session.add(Draw(period="2026Q1", task_id=None, state="草稿", witnesses=[]))
        session.flush()
    session.rollback()
    with pytest.raises(UserError, match="已有抽取 #1"):
        draws.start(session, "2026Q1")
    session.rollback()
    draws.void(session, d.id, "演练")
    session.commit()
    again = draws.start(session, "2026Q1")  # after 作废 a new draw may be made
    session.commit()
    assert again.id != d.id
    assert [x.state for x in session.scalars(select(Draw).order_by(Draw.id))] == ["已作废", "已冻结"]


def test_two_processes_drawing_at_once_on_postgresql(pg_url, tmp_path):  # noqa: F811  (the imported fixture)
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database

    db = open_database(pg_url)
    try:
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(s, name="测试县生态环境保护综合行政执法大队", level="county", admin_password="admin123")
            s.commit()
        _pool(db)
        results = _race(pg_url, tmp_path)
        with db.Session() as s:
            live = s.scalars(select(Draw).where(Draw.period == "2026Q1", Draw.state != "已作废")).all()
        _check_race(results, len(live))
    finally:
        db.dispose()
