"""Fixtures of the fast rule tests: one migrated database per test module, each test in a transaction that is
rolled back (a test costs milliseconds, so a mutant of quota.py costs well under a second)."""

from __future__ import annotations

import pytest

from app.services.foundation.context import Actor, acting_as

ADMIN = Actor("admin", "管理员")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    from app.services.foundation.store import open_database

    path = tmp_path_factory.mktemp("rules-module") / "rules.sqlite3"
    db = open_database(f"sqlite:///{path}")  # migrated; no office needed (the quota reads rules and objects)
    yield db
    db.dispose()


@pytest.fixture
def s(database):
    """A session acting as the administrator on the module's database; everything is rolled back after the test."""
    with acting_as(ADMIN), database.Session() as session:
        try:
            yield session
        finally:
            session.rollback()
