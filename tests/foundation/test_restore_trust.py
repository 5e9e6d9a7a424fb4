"""Restore that cannot smuggle anything in (issue 10, point 8).

Real backup files are edited with sqlite3 the way an attacker holding a USB stick would; a real process
is killed with SIGKILL in the middle of `ssj restore`; hard links and symlinks point at an open database."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEntry, InspectionObject
from app.models.core import Office
from app.services.draw import draws  # noqa: F401 - registers the draw-chain check for restores
from app.services.foundation import audit
from app.services.foundation import backup as bk
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from tests.factories import make_object

ADMIN = Actor("admin", "管理员")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backup_file(db, tmp_path):
    with acting_as(ADMIN), db.Session() as s:
        make_object(s, name="备份里的公司")
        s.commit()
    with acting_as(ADMIN):
        info = bk.backup_to(db, tmp_path / "usb")
    with acting_as(ADMIN), db.Session() as s:
        make_object(s, name="备份之后新增的公司")
        s.commit()
    return info.path


def _edit(path: Path, *sql: str) -> None:
    with closing(sqlite3.connect(path)) as con:
        for q in sql:
            con.execute(q)
        con.commit()


def _live_unchanged(db):
    with db.Session() as s:
        names = {o.name for o in s.scalars(select(InspectionObject))}
        assert "备份之后新增的公司" in names
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "恢复")) is None
        assert audit.verify(s).ok


TRIGGER = (
    "CREATE TRIGGER falsify AFTER INSERT ON outcome BEGIN UPDATE outcome SET result='未发现问题' WHERE id=NEW.id; END"
)


@pytest.mark.parametrize(
    "sql, words",
    [
        (TRIGGER, ["触发器", "falsify"]),
        ("CREATE VIEW v_people AS SELECT * FROM inspector", ["视图", "v_people"]),
        ("CREATE TABLE stash (x TEXT)", ["数据表", "stash"]),
        ("CREATE INDEX ix_evil ON inspection_object(name, township)", ["索引", "ix_evil"]),
    ],
)
def test_backup_with_extra_schema_objects_is_refused(db, backup_file, sql, words):
    _edit(backup_file, sql)
    with acting_as(ADMIN), pytest.raises(UserError) as exc:
        bk.restore(db, backup_file)
    for w in words:
        assert w in exc.value.message
    assert "未做任何更改" in exc.value.message
    _live_unchanged(db)
    with pytest.raises(UserError, match=words[1]):
        bk.check_backup(backup_file)  # `restore --check-only` says the same


def test_backup_with_a_changed_table_definition_is_refused(db, backup_file):
    _edit(
        backup_file,
        "PRAGMA writable_schema=ON",
        "UPDATE sqlite_master SET sql=replace(sql, 'name VARCHAR(200) NOT NULL', "
        "'name VARCHAR(200) NOT NULL DEFAULT ''x''') WHERE name='inspection_object'",
    )
    with acting_as(ADMIN), pytest.raises(UserError, match="inspection_object"):
        bk.restore(db, backup_file)
    _live_unchanged(db)


def test_backup_with_a_broken_audit_chain_is_refused(db, backup_file):
    _edit(backup_file, "UPDATE audit_entry SET summary='改过' WHERE seq=2")
    with acting_as(ADMIN), pytest.raises(UserError, match="审计日志"):
        bk.restore(db, backup_file)
    _live_unchanged(db)


def test_backup_with_a_row_changed_behind_the_log_is_refused(db, backup_file):
    _edit(backup_file, "UPDATE inspection_object SET name='改名公司' WHERE name='备份里的公司'")
    with acting_as(ADMIN), pytest.raises(UserError, match="改名公司"):
        bk.restore(db, backup_file)
    _live_unchanged(db)


def test_backup_with_a_broken_draw_chain_is_refused(db, tmp_path):
    from tests.draw.test_draws import SEED, make_pool, strata_of

    with acting_as(ADMIN), db.Session() as s:
        make_pool(s)
        draws.draw_now(s, "2026Q1", None, SEED, strata=strata_of()(s), witnesses=["张见证", "李见证"])
        s.commit()
    with acting_as(ADMIN):
        path = bk.backup_to(db, tmp_path / "usb").path
    _edit(path, "UPDATE draw_selection SET name='某某无关公司' WHERE id=1")
    with acting_as(ADMIN), pytest.raises(UserError, match="抽取记录"):
        bk.restore(db, path)


def test_a_clean_restore_writes_its_entry_into_the_restored_chain(db, backup_file, db_path):
    with acting_as(ADMIN):
        bk.restore(db, backup_file)
    with db.Session() as s:
        names = {o.name for o in s.scalars(select(InspectionObject))}
        assert names == {"备份里的公司"}
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last.action == "恢复" and last.user == "admin"
        assert audit.verify(s).ok
    assert not list(db_path.parent.glob("*.restore-*"))  # no staging file left behind


KILL_SCRIPT = """
import sys
from app.services.draw import draws  # registers the draw-chain check
from app.services.foundation import backup as bk
from app.services.foundation.context import Actor, acting_as
print("start", flush=True)
with acting_as(Actor("admin", "管理员")):
    bk.restore_file("sqlite:///" + sys.argv[1], sys.argv[2])
print("done", flush=True)
"""


def _state(db_path: Path) -> str:
    """'old' or 'new' — and the audit chain must verify and a new one must carry its 恢复 entry."""
    from app.services.foundation.store import open_database

    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.Session() as s:
            assert audit.verify(s).ok, audit.verify(s).message
            names = {o.name for o in s.scalars(select(InspectionObject))}
            restored = s.scalar(select(AuditEntry).where(AuditEntry.action == "恢复"))
            office = s.scalar(select(Office)).name
    finally:
        db.dispose()
    if "备份之后新增的公司" in names:
        assert restored is None
        return "old"
    assert names == {"备份里的公司"} and office
    assert restored is not None, "数据已被替换，但恢复记录不在审计日志中"
    return "new"


def test_kill_9_at_any_moment_leaves_old_or_new_with_its_entry(db, backup_file, db_path, tmp_path):
    db.dispose()
    pristine = tmp_path / "pristine.sqlite3"
    bk._copy(db_path, pristine)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # how long a whole restore takes here, then kills spread over that time
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(db_path), str(backup_file)], env=env, capture_output=True, text=True
    )
    total = time.monotonic() - t0
    assert done.returncode == 0, done.stderr
    assert _state(db_path) == "new"
    seen = set()
    rng = random.Random(10)
    for k in range(12):
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        bk._copy(pristine, db_path)
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, str(db_path), str(backup_file)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.0, total * 0.8) if k else 0.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        seen.add(_state(db_path))
    print("states seen after kill -9:", sorted(seen))
    assert seen <= {"old", "new"}


def _holder(db_path: Path):
    """A real second process holding the database the way a program window does."""
    code = (
        "import sys\n"
        "from app.instance_lock import InstanceGuard\n"
        "g = InstanceGuard('sqlite:///' + sys.argv[1])\n"
        "assert g.acquire() is None\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked", proc.stderr.read()
    return proc


def test_open_window_found_through_hard_links_and_symlinks(db, db_path, tmp_path, backup_file):
    hard = tmp_path / "elsewhere" / "硬链接.sqlite3"
    hard.parent.mkdir()
    os.link(db_path, hard)
    soft = tmp_path / "软链接.sqlite3"
    soft.symlink_to(db_path)
    proc = _holder(db_path)
    try:
        for alias in (db_path, hard, soft):
            assert bk.window_holding(alias) == proc.pid, alias
        from app.cli import run

        rc = run(["--db", str(hard), "restore", str(backup_file)])
        assert rc == 1
        _live_unchanged(db)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert bk.window_holding(hard) is None
