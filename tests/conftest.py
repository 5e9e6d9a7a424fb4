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
    # `ssj init` and `package export` read the office's 报送口令 from here (tests that need it absent unset it).
    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", TEST_KEY_PASSPHRASE)
    return folder


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


@pytest.fixture
def cli(db_path, capsys):
    """Run `ssj` in-process: cli('--json', 'objects', 'list') → (rc, stdout, stderr)."""
    from app.cli import run

    def _run(*argv):
        rc = run(["--db", str(db_path), *argv])
        out = capsys.readouterr()
        return rc, out.out, out.err

    return _run
