"""The multi-user path: the same code over a real, throw-away PostgreSQL server.

A session-scoped fixture starts PostgreSQL (Debian's postgresql package: /usr/lib/postgresql/N/bin) in a
temporary folder, listening on a free port on 127.0.0.1 only, and stops it at the end. If PostgreSQL is
not installed the fixture FAILS with the command to install it (scripts/test.sh does) — never skips.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, InspectionObject
from app.models.db import current_revision, head_revision
from app.services.foundation import audit
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.office import init_office
from app.services.foundation.store import open_database
from tests.factories import make_uscc


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        on_path = shutil.which("initdb")
        if on_path:
            return Path(on_path).parent
        pytest.fail(
            "未安装 PostgreSQL 服务器（找不到 initdb）：请运行 scripts/test.sh，"
            "或执行 apt-get install -y postgresql 后再运行此测试。"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """(host, port) of a running throw-away PostgreSQL server with superuser `ssj` (trust auth, local only)."""
    bindir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="ssj-pg-"))
    data, log = folder / "data", folder / "server.log"
    as_root = os.geteuid() == 0

    def run(*cmd):
        if as_root:  # initdb refuses root: run the server tools as the postgres user
            line = " ".join(f"'{c}'" for c in cmd)
            cmd = ("su", "postgres", "-s", "/bin/sh", "-c", line)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            pytest.fail(
                f"PostgreSQL 命令失败：{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}\n"
                f"{log.read_text() if log.exists() else ''}"
            )
        return proc

    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    run(str(bindir / "initdb"), "-D", str(data), "-U", "ssj", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    port = _free_port()
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(log),
        "-w",
        "-t",
        "60",
        "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
        "start",
    )
    try:
        yield "127.0.0.1", port
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the throw-away server."""
    import psycopg

    host, port = pg_server
    name = "ssj_" + uuid.uuid4().hex[:10]
    with psycopg.connect(host=host, port=port, user="ssj", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://ssj@{host}:{port}/{name}"


@pytest.fixture
def pg_db(pg_url):
    db = open_database(pg_url)
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        init_office(
            s, name="威海市生态环境局", level="city", region_code="371000", admin="admin", admin_password="admin123"
        )
        s.commit()
    yield db
    db.dispose()


def test_migrations_and_first_run_on_postgres(pg_url):
    db = open_database(pg_url)
    try:
        assert current_revision(db.engine) == head_revision()
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(s, name="威海市生态环境局", level="city", admin="admin", admin_password="admin123")
            s.commit()
            result = audit.verify(s)
            assert result.ok and result.count >= 3, result.message
    finally:
        db.dispose()
    again = open_database(pg_url)  # a second start: nothing to migrate, data still there
    with again.Session() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) >= 3
    again.dispose()


def test_concurrent_writers_keep_one_unforked_chain(pg_db):
    per_writer, writers = 15, 2
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def writer(n: int) -> None:
        try:
            start.wait()
            with acting_as(Actor(f"clerk{n}", "录入员")):
                for i in range(per_writer):
                    with pg_db.Session() as s:
                        k = 100000 + n * 1000 + i
                        s.add(InspectionObject(uscc=make_uscc(k, "371000"), name=f"写入者{n}企业{i}"))
                        s.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with pg_db.Session() as s:
        assert s.scalar(select(func.count(InspectionObject.id))) == per_writer * writers
        seqs = s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1)), "sequence numbers are gap-free and unique"
        users = set(s.scalars(select(AuditEntry.user).where(AuditEntry.entity == "inspection_object")))
        assert users == {"clerk0", "clerk1"}
        result = audit.verify(s)
        assert result.ok, result.message
        prevs = s.scalars(select(AuditEntry.prev_hash)).all()
        assert len(prevs) == len(set(prevs)), "no two entries share a predecessor: the chain never forked"


def test_cli_over_postgres(pg_url, capsys):
    from app.cli import run

    assert (
        run(["--db", pg_url, "init", "--office", "威海市生态环境局", "--level", "city", "--password", "admin123"]) == 0
    )
    assert run(["--db", pg_url, "audit", "verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    assert run(["--db", pg_url, "backup"]) == 1
    assert "pg_dump" in capsys.readouterr().err
