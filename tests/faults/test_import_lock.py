"""Issue 13 point 5 for the import: a large import reads, converts and compares OUTSIDE the write lock, then writes
in one short transaction that first checks that nothing the comparison relied on changed meanwhile (and compares
again if it did).

Real processes on a real SQLite file: an `objects tag` run while a 20,000-row import is held (SIGSTOP) in the middle
of reading its file succeeds (it used to wait for the import and be refused: the import held the write lock from
its first read); the import, continued, compares again (the tag changed the objects) and writes all of its rows;
the chain and every row verify.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from app.models import AuditEntry, InspectionObject, ObjectChange
from app.services.foundation import audit
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.store import open_database
from app.services.pools import importer
from tests.factories import make_object, make_uscc
from tests.faults.conftest import ROOT, as_account, child_env, first_edit_seq, write_objects_xlsx
from tests.foundation.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures: a throw-away server)

N = 20_000


def _seed(db_path, codes) -> None:
    db = open_database(f"sqlite:///{db_path}")
    try:
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            for i, code in enumerate(codes):
                make_object(s, uscc=code, name=f"已有企业{i}有限公司")
            s.commit()
    finally:
        db.dispose()


def _wait_until_reading(proc, path) -> None:
    """Until the import process has its file open (calamine reads it): it is past its start and is reading."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            names = {os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{proc.pid}/fd")}
        except OSError:  # a descriptor closed while being looked at
            continue
        if str(path) in names:
            return
        time.sleep(0.02)
    raise AssertionError("the import never opened its file")


def test_an_edit_during_a_20000_row_import_is_not_locked_out(county, data_dir, tmp_path):
    tagged = [make_uscc(900 + i) for i in range(5)]
    _seed(county, tagged)
    path = write_objects_xlsx(tmp_path / "objects.xlsx", N)
    url = f"sqlite:///{county}"
    imp = subprocess.Popen(
        [sys.executable, "-m", "app", *as_account(["--db", url, "--json", "import", "objects", path])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(data_dir),
        cwd=ROOT,
    )
    _wait_until_reading(imp, path)
    os.kill(imp.pid, signal.SIGSTOP)  # held in the middle of reading its file: what does it lock meanwhile?
    try:
        t0 = time.monotonic()
        tag = subprocess.run(
            [sys.executable, "-m", "app", *as_account(["--db", url, "objects", "tag", *tagged, "--add", "重点"])],
            capture_output=True,
            text=True,
            env=child_env(data_dir),
            cwd=ROOT,
            timeout=600,
        )
        tag_took = time.monotonic() - t0
    finally:
        os.kill(imp.pid, signal.SIGCONT)
    out, err = imp.communicate(timeout=900)
    assert "database is locked" not in tag.stderr and "另一个程序正在写入" not in tag.stderr, tag.stderr[-2000:]
    assert tag.returncode == 0, tag.stderr[-2000:]
    assert "Traceback" not in err, err[-3000:]
    assert imp.returncode == 0, err[-3000:]
    assert json.loads(out)["inserted"] == N
    db = open_database(url)
    try:
        with db.Session() as s:
            assert s.scalar(select(func.count(InspectionObject.id))) == N + len(tagged)
            assert s.scalar(select(func.count(ObjectChange.id)).where(ObjectChange.kind == "新增")) == N
            tags = s.scalars(select(InspectionObject.tags).where(InspectionObject.uscc.in_(tagged))).all()
            assert all("重点" in t for t in tags), "the edit made during the import is kept"
            tag_seq = first_edit_seq(s)
            import_seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.action == "导入"))
            assert tag_seq < import_seq, (
                f"the edit waited {tag_took:.1f} s and was written after the import: the import held the write lock"
            )
            result = audit.verify(s)
            assert result.ok, result.message
    finally:
        db.dispose()


def test_a_change_between_the_comparison_and_the_write_is_compared_again(db, tmp_path):
    """Another clerk adds one of the file's objects while the import compares: the short write sees it (the
    audit log has a change to the objects since the comparison), compares again and updates that object instead
    of failing on a duplicate or overwriting the clerk's values blindly."""
    path = write_objects_xlsx(tmp_path / "objects.xlsx", 30)
    code = make_uscc(100000 + 7)
    seen = []

    def progress(_done, _total, text):
        if text.startswith("正在比对") and not seen:
            seen.append(text)
            with acting_as(Actor("clerk", "管理员")), db.writer() as other:
                make_object(other, uscc=code, name="另一位文员刚录入的企业", phone="13800000000")
                other.commit()

    rep = importer.import_in_steps(db.Session, db.writer, "objects", path, progress=progress)
    assert rep.written and rep.inserted == 29 and rep.updated == 1
    with db.Session() as s:
        obj = s.scalars(select(InspectionObject).where(InspectionObject.uscc == code)).one()
        assert obj.phone == "13800000000", "the clerk's value the file leaves blank is kept"
        assert obj.name == "测试企业000007有限公司"
        assert s.scalar(select(func.count(InspectionObject.id))) == 30
        result = audit.verify(s)
        assert result.ok, result.message


def test_on_postgres_the_planned_ids_are_written_and_the_id_sequence_goes_on_after_them(pg_url, tmp_path):  # noqa: F811
    """The new objects' ids are planned before the write lock (the largest id + 1, 2, …): on PostgreSQL the id
    sequence is moved past them, so an object added afterwards in the program gets a free id; the 封存 verifies."""
    from app.services.foundation.office import init_office

    db = open_database(pg_url)
    try:
        with acting_as(Actor("admin", "管理员")):
            with db.Session() as s:
                init_office(
                    s, name="测试县大队", level="county", region_code="140525", admin="admin", admin_password="x1234567"
                )
                make_object(s, uscc=make_uscc(5))
                s.commit()
            path = write_objects_xlsx(tmp_path / "a.xlsx", 40)
            rep = importer.import_in_steps(db.Session, db.writer, "objects", path)
            assert rep.written and rep.inserted == 40
            with db.Session() as s:
                added = make_object(s, uscc=make_uscc(6))
                s.commit()
                ids = s.scalars(select(InspectionObject.id).order_by(InspectionObject.id)).all()
                assert len(ids) == len(set(ids)) == 42 and added.id == max(ids)
                result = audit.verify(s)
                assert result.ok, result.message
    finally:
        db.dispose()
