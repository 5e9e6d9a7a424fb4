"""Issue 21 points 2–4: connection settings an administrator can type, failures explained in Chinese,
no password anywhere (messages, logs), migrations safe when two clients start at once.

Uses the throw-away server of tests/foundation/test_postgres.py; a role with a password is added and
`pg_hba.conf` gets a scram-sha-256 line for it (the other roles keep trust), then the server reloads."""

from __future__ import annotations

import subprocess
import sys
import uuid

import psycopg
import pytest

from tests.faults.conftest import ROOT, as_account, child_env
from tests.foundation.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures: a throw-away server)

PASSWORD = "Hb@2026:环境/局#1 %41"


@pytest.fixture(scope="module")
def pw_role(pg_server):  # noqa: F811
    """(host, port, role, dbname): a role with a password full of URL characters, scram-sha-256 only."""
    host, port = pg_server
    role, dbname = "clerk_" + uuid.uuid4().hex[:6], "ssjpw_" + uuid.uuid4().hex[:6]
    with psycopg.connect(host=host, port=port, user="ssj", dbname="postgres", autocommit=True) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s".replace("%s", "'" + PASSWORD.replace("'", "''") + "'"))
        conn.execute(f'CREATE DATABASE "{dbname}" OWNER {role}')
        hba = conn.execute("SHOW hba_file").fetchone()[0]
        with open(hba, encoding="utf-8") as fh:
            lines = fh.read()
        with open(hba, "w", encoding="utf-8") as fh:
            fh.write(f"host all {role} 127.0.0.1/32 scram-sha-256\n" + lines)
        conn.execute("SELECT pg_reload_conf()")
    return host, port, role, dbname


def _ssj(data_dir, *argv, env_extra=None):
    env = child_env(data_dir, **(env_extra or {}))
    env.pop("PGPASSWORD", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "app", *as_account(argv)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


def _no_secret(proc, data_dir):
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    for text in (proc.stdout, proc.stderr):
        assert PASSWORD not in text and "Hb@2026" not in text and "Hb%402026" not in text
    for log in data_dir.glob("logs/*.log*"):
        body = log.read_text(encoding="utf-8", errors="replace")
        assert "Hb@2026" not in body and "Hb%402026" not in body, f"password in {log}"


def test_a_url_with_the_raw_password_works_and_never_shows_it(data_dir, pw_role):
    host, port, role, dbname = pw_role
    url = f"postgresql+psycopg://{role}:{PASSWORD}@{host}:{port}/{dbname}"
    init = _ssj(
        data_dir, "--db", url, "init", "--office", "威海市生态环境局", "--level", "city", "--password", "admin123"
    )
    assert init.returncode == 0, init.stderr
    _no_secret(init, data_dir)
    verify = _ssj(data_dir, "--db", url, "audit", "verify")
    assert verify.returncode == 0 and "审计日志完整" in verify.stdout, verify.stderr
    parts = _ssj(
        data_dir,
        "--db-host",
        host,
        "--db-port",
        port,
        "--db-name",
        dbname,
        "--db-user",
        role,
        "audit",
        "verify",
        env_extra={"PGPASSWORD": PASSWORD},
    )
    assert parts.returncode == 0 and "审计日志完整" in parts.stdout, parts.stderr
    _no_secret(parts, data_dir)


@pytest.mark.parametrize(
    "case, expect",
    [
        ("wrong_password", "用户名或密码不正确"),
        ("wrong_database", "没有这个数据库"),
        ("closed_port", "无法连接数据库服务器"),
    ],
)
def test_connection_failures_are_explained_in_chinese_without_the_password(data_dir, pw_role, case, expect):
    host, port, role, dbname = pw_role
    password, db, p = PASSWORD, dbname, port
    if case == "wrong_password":
        password = "Hb@2026:错的/密码#"
    elif case == "wrong_database":
        db = "no_such_db"
    else:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
    url = f"postgresql+psycopg://{role}:{password}@{host}:{p}/{db}"
    proc = _ssj(data_dir, "--db", url, "objects", "list")
    assert proc.returncode == 1
    assert expect in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) <= 3
    assert password not in proc.stderr and "错的" not in proc.stderr
    _no_secret(proc, data_dir)


def test_an_uninitialised_server_database_is_not_silently_created(data_dir, pg_url):  # noqa: F811
    proc = _ssj(data_dir, "--db", pg_url, "audit", "verify")
    assert proc.returncode == 1 and "ssj init" in proc.stderr, proc.stderr
    assert "审计日志完整" not in proc.stdout


def test_gui_open_failure_shows_no_password_and_no_sqlite_advice(qtbot, data_dir, pw_role, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.ui import main as ui_main

    host, port, role, _dbname = pw_role
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a, **k: shown.append(text))
    url = f"postgresql+psycopg://{role}:Hb@2026:错的/密码#@{host}:{port}/postgres"
    assert ui_main.open_store(url) is None
    assert shown and "用户名或密码不正确" in shown[0], shown
    assert "Hb@2026" not in shown[0] and "错的" not in shown[0] and "备份恢复" not in shown[0]
    from app.models.db import redact_url  # what run_gui logs the database as
    from app.services.foundation.logging_setup import setup_logging

    ui_main.log.info("启动 %s", redact_url(url))
    body = setup_logging().read_text(encoding="utf-8")
    assert "Hb@2026" not in body
