"""The store, the audit chain and the CLI's contract (exit codes, JSON)."""

from __future__ import annotations

import json
import sqlite3

from sqlalchemy import select, text

from app.models import AuditEntry, InspectionObject
from app.services.foundation import audit


def test_init_via_cli_creates_office_and_admin(cli, admin_cli, db_path, monkeypatch):
    rc, out, err = cli("init", "--office", "泽州县执法大队", "--level", "county")
    assert rc == 1 and "不能建立没有密码的账户" in err and "SSJ_NEW_PASSWORD" in err
    assert not db_path.exists() or not sqlite3.connect(db_path).execute("SELECT count(*) FROM office").fetchone()[0]
    monkeypatch.setenv("SSJ_NEW_PASSWORD", "admin123")
    rc, out, err = cli("--json", "init", "--office", "泽州县执法大队", "--level", "county", "--region-code", "140525")
    assert rc == 0, err
    data = json.loads(out)
    assert data["office"] == "泽州县执法大队" and data["admin"] == "admin"
    rc, out, err = cli("init", "--office", "再来一次", "--level", "county")
    assert rc == 1 and "须由有权限的账户（管理员）执行" in err
    rc, out, err = admin_cli("init", "--office", "再来一次", "--level", "county")
    assert rc == 1 and "已经初始化" in err


def test_cli_usage_error_exits_2(cli):
    import pytest

    with pytest.raises(SystemExit) as exc:
        cli("init", "--level", "province")
    assert exc.value.code == 2


def test_every_orm_change_is_audited_and_chained(session):
    obj = InspectionObject(uscc="91140525MA0K3XXX0X", name="甲公司")
    session.add(obj)
    session.commit()
    obj.name = "甲公司（更名）"
    session.commit()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "inspection_object").order_by(AuditEntry.seq)
    ).all()
    assert [e.action for e in entries] == ["新增", "修改"]
    assert json.loads(entries[1].before) == {"name": "甲公司"} or json.loads(entries[1].before)["name"] == "甲公司"
    assert json.loads(entries[1].after)["name"] == "甲公司（更名）"
    assert entries[0].user == "admin"
    result = audit.verify(session)
    assert result.ok, result.message


def test_audit_verify_finds_tampering(session, db_path):
    session.add(InspectionObject(uscc="91140525MA0K3XXX0X", name="乙公司"))
    session.commit()
    assert audit.verify(session).ok
    con = sqlite3.connect(db_path)
    con.execute("UPDATE audit_entry SET summary='改过' WHERE seq=1")
    con.commit()
    con.close()
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.broken_seq == 1 and "篡改" in result.message


def test_audit_verify_finds_deleted_tail(session, db_path):
    session.add(InspectionObject(uscc="91140525MA0K3XXX0X", name="丙公司"))
    session.commit()
    con = sqlite3.connect(db_path)
    last = con.execute("SELECT max(seq) FROM audit_entry").fetchone()[0]
    con.execute("DELETE FROM audit_entry WHERE seq=?", (last,))
    con.commit()
    con.close()
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and "删除" in result.message


def test_sqlite_uses_wal_and_foreign_keys(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_models_match_migrations(db):
    """The migrations create exactly the schema the models describe (run scripts/regen_initial_migration.py)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from app.models import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_core_never_imports_qt():
    """app.models and app.services stay Qt-free (checked in a fresh interpreter)."""
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    mods = sorted(
        {"app.models." + p.stem for p in (root / "app/models").glob("*.py") if p.stem != "__init__"}
        | {
            ".".join(p.relative_to(root).with_suffix("").parts)
            for p in (root / "app/services").rglob("*.py")
            if p.stem != "__init__"
        }
    )
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in mods)
        + "bad=[m for m in sys.modules if m.startswith(('PySide6','app.ui'))]\nprint(bad)\nsys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
