"""Shared fixtures: every test gets its own data folder and SQLite file; Qt runs offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

TEST_KEY_PASSPHRASE = "test-key-passphrase"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """A fresh per-test data folder (backups, logs, attachments) and no inherited SSJ_DB."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("SSJ_DATA_DIR", str(folder))
    monkeypatch.delenv("SSJ_DB", raising=False)
    for name in ("SSJ_PASSWORD", "SSJ_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    # `ssj init` and `package export` read the office's 报送口令 from here (tests that need it absent unset it).
    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", TEST_KEY_PASSPHRASE)
    monkeypatch.delenv("SSJ_NEW_KEY_PASSPHRASE", raising=False)
    return folder


@pytest.fixture(autouse=True)
def service_actor():
    """Service-level tests act as the administrator `admin` unless they say otherwise (`acting_as`).

    The permission checks themselves are tested with explicit actors (tests/foundation/test_permissions.py);
    the CLI always sets its own actor (`--user`, or the operating-system user without a role).
    """
    from app.services.foundation.context import Actor, _current

    token = _current.set(Actor("admin", "管理员", "管理员"))
    yield
    _current.reset(token)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "test.sqlite3"


@pytest.fixture
def blank_db(db_path):
    """A migrated, empty database (no office yet)."""
    from app.services.foundation.store import open_database

    database = open_database(f"sqlite:///{db_path}")
    yield database
    database.dispose()


@pytest.fixture
def db(blank_db):
    """A migrated database with a county office and an administrator (admin / admin123)."""
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office

    with acting_as(Actor("admin", "管理员")), blank_db.Session() as s:
        init_office(
            s,
            name="测试县生态环境保护综合行政执法大队",
            level="county",
            region_code="140525",
            admin="admin",
            admin_password="admin123",
        )
        s.commit()
    return blank_db


@pytest.fixture
def session(db):
    """A session acting as the administrator; rolled back at the end unless the test committed."""
    from app.services.foundation.context import Actor, acting_as

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        yield s


def cli_runner(db_path, capsys, monkeypatch, user: str | None = None, password: str | None = None):
    """Run `ssj` in-process against db_path, as the OS user (user None) or as an account (--user + SSJ_PASSWORD)."""
    from app.cli import run

    def _run(*argv):
        prefix = ["--db", str(db_path)]
        if user is not None:
            prefix += ["--user", user]
            monkeypatch.setenv("SSJ_PASSWORD", password or "")
        try:
            rc = run([*prefix, *argv])
        finally:
            if user is not None:
                monkeypatch.delenv("SSJ_PASSWORD", raising=False)
        out = capsys.readouterr()
        return rc, out.out, out.err

    return _run


@pytest.fixture
def cli(db_path, capsys, monkeypatch):
    """Run `ssj` in-process as the operating-system user (no --user: read-only commands, init, demo, recovery):
    cli('--json', 'objects', 'list') → (rc, stdout, stderr)."""
    return cli_runner(db_path, capsys, monkeypatch)


@pytest.fixture
def admin_cli(db_path, capsys, monkeypatch):
    """Run `ssj` in-process as the administrator of the `db` fixture (--user admin, SSJ_PASSWORD=admin123)."""
    return cli_runner(db_path, capsys, monkeypatch, "admin", "admin123")


@pytest.fixture
def cli_as(db_path, capsys, monkeypatch):
    """cli_as('luru', 'demo1234')('draw', ...) runs `ssj` in-process as that account."""
    return lambda user, password: cli_runner(db_path, capsys, monkeypatch, user, password)


@pytest.fixture
def reviewer_cli(db, cli_as):
    """An 审核员 account `shenhe` (password shenhe123) in the `db` fixture's database; runs `ssj` as shenhe."""
    from app.services.foundation import accounts
    from app.services.foundation.context import Actor, acting_as

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        accounts.create_user(s, "shenhe", "审核员", "shenhe123", display_name="审核员王五")
        s.commit()
    return cli_as("shenhe", "shenhe123")
