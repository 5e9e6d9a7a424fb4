"""`ssj backup` / `ssj restore`: exit codes, JSON, and a refused restore leaves the database untouched."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.services.foundation.context import Actor, acting_as
from tests.factories import make_object


def _snapshot(path) -> list:
    con = sqlite3.connect(path)
    rows = (
        con.execute("SELECT seq, hash FROM audit_entry ORDER BY seq").fetchall()
        + con.execute("SELECT id, name FROM inspection_object ORDER BY id").fetchall()
    )
    con.close()
    return rows


@pytest.fixture
def inited(cli, admin_cli):
    """An initialised county; returns a runner acting as its administrator (admin / admin123)."""
    rc, out, err = cli(
        "init",
        "--office",
        "泽州县生态环境保护综合行政执法大队",
        "--level",
        "county",
        "--region-code",
        "140525",
        "--password",
        "admin123",
    )
    assert rc == 0, err
    return admin_cli


def test_backup_then_restore_round_trip(inited, db_path, tmp_path):
    cli = inited
    rc, out, err = cli("--json", "backup", "--out", str(tmp_path / "usb"))
    assert rc == 0, err
    data = json.loads(out)
    assert data["office"] == "泽州县生态环境保护综合行政执法大队"
    backup_file = data["file"]
    assert "泽州县生态环境保护综合行政执法大队" in backup_file and backup_file.endswith(".sqlite3")

    from app.services.foundation.store import open_database

    db = open_database(f"sqlite:///{db_path}")
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        make_object(s, name="备份后新增的企业")
        s.commit()
    db.dispose()

    rc, out, err = cli("--json", "restore", backup_file, "--check-only")
    assert rc == 0, err
    assert json.loads(out)["objects"] == 0
    rc, out, err = cli("restore", backup_file)
    assert rc == 0, err
    assert "已从" in out and "原数据库已另存为" in out
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM inspection_object").fetchone()[0] == 0
    con.close()
    rc, out, err = cli("audit", "verify")
    assert rc == 0 and "审计日志完整" in out
    rc, out, err = cli("--json", "backup-list")
    kinds = {r["kind"] for r in json.loads(out)}
    assert "恢复前备份" in kinds


@pytest.mark.parametrize("kind", ["corrupt", "foreign", "newer", "text", "missing"])
def test_refused_restore_exits_1_and_leaves_db_untouched(inited, db_path, tmp_path, kind):
    cli = inited
    rc, out, err = cli("--json", "backup", "--out", str(tmp_path))
    good = json.loads(out)["file"]
    bad = tmp_path / f"{kind}.sqlite3"
    if kind == "corrupt":
        data = bytearray(open(good, "rb").read())
        data[4096 * 2 : 4096 * 2 + 3000] = b"\x00\xff" * 1500
        bad.write_bytes(bytes(data))
        expect = "损坏|无法读取"
    elif kind == "foreign":
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
        expect = "不是双随机抽查工作台的数据库"
    elif kind == "newer":
        bad.write_bytes(open(good, "rb").read())
        con = sqlite3.connect(bad)
        con.execute("UPDATE alembic_version SET version_num='9999_future'")
        con.commit()
        con.close()
        expect = "更新版本"
    elif kind == "text":
        bad.write_text("姓名,电话\n张三,123\n", encoding="utf-8")
        expect = "不是 SQLite"
    else:
        expect = "找不到备份文件"
    before = _snapshot(db_path)
    rc, out, err = cli("restore", str(bad))
    assert rc == 1
    import re

    assert err.startswith("错误：") and re.search(expect, err), err
    assert _snapshot(db_path) == before


def test_usage_errors_exit_2(inited):
    with pytest.raises(SystemExit) as exc:
        inited("restore")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        inited("backup", "--keep", "很多")
    assert exc.value.code == 2


def test_backup_keep_option_and_bad_value(inited, tmp_path):
    rc, out, err = inited("backup", "--out", str(tmp_path), "--keep", "0")
    assert rc == 1 and "保留份数" in err
    rc, out, err = inited("backup", "--out", str(tmp_path), "--keep", "4")
    assert rc == 0, err


def test_backup_of_missing_database_and_postgres(cli, tmp_path, capsys):
    rc, out, err = cli("backup", "--out", str(tmp_path))
    assert rc == 1 and "不存在" in err
    from app.cli import run

    rc = run(["--db", "postgresql+psycopg://ssj@127.0.0.1:1/ssj", "backup", "--out", str(tmp_path)])
    assert rc == 1 and "pg_dump" in capsys.readouterr().err


def test_restore_into_new_database_file(inited, tmp_path, capsys):
    rc, out, err = inited("--json", "backup", "--out", str(tmp_path))
    good = json.loads(out)["file"]
    from app.cli import run

    target = tmp_path / "新电脑" / "ssj.sqlite3"
    rc = run(["--db", str(target), "restore", good])
    assert rc == 0, capsys.readouterr().err
    con = sqlite3.connect(target)
    assert con.execute("SELECT name FROM office").fetchone()[0] == "泽州县生态环境保护综合行政执法大队"
    con.close()


def test_restore_of_another_offices_backup_needs_explicit_flag(inited, db_path, tmp_path, capsys):
    from app.cli import run

    other = tmp_path / "other.sqlite3"
    assert (
        run(
            [
                "--db",
                str(other),
                "init",
                "--office",
                "舞钢市生态环境保护综合行政执法支队",
                "--level",
                "city",
                "--password",
                "admin123",
            ]
        )
        == 0
    )
    assert run(["--db", str(other), "--json", "backup", "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    foreign_backup = next((tmp_path / "b").glob("*.sqlite3"))
    before = _snapshot(db_path)
    rc, out, err = inited("restore", str(foreign_backup))
    assert rc == 1 and "属于“舞钢市生态环境保护综合行政执法支队”" in err and "--allow-other-office" in err
    assert _snapshot(db_path) == before
    rc, out, err = inited("restore", str(foreign_backup), "--allow-other-office")
    assert rc == 0, err
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT name FROM office").fetchone()[0] == "舞钢市生态环境保护综合行政执法支队"
    con.close()


def test_account_commands_recover_a_locked_out_admin(inited, cli, db_path):
    """本机维护: without --user only unlock and reset-password run; both are audited under the OS user's name."""
    from app.services.foundation import accounts
    from app.services.foundation.context import os_user
    from app.services.foundation.errors import UserError
    from app.services.foundation.store import open_database

    db = open_database(f"sqlite:///{db_path}")
    with db.Session() as s:
        for _ in range(accounts.MAX_FAILURES):
            with pytest.raises(UserError):
                accounts.authenticate(s, "admin", "forgotten")
    rc, out, err = inited("audit", "list")
    assert rc == 1 and "已被锁定" in err
    rc, out, err = cli("--json", "account", "unlock", "admin")
    assert rc == 0, err
    assert json.loads(out)["locked"] is False
    rc, out, err = cli("account", "reset-password", "admin", "--password", "temp123")
    assert rc == 0 and "下次登录时须修改" in out and "本机维护" in out
    with db.Session() as s:
        user = accounts.authenticate(s, "admin", "temp123")
        assert user.must_change_password
    rc, out, err = cli("account", "deactivate", "admin")
    assert rc == 1 and "须由有权限的账户（管理员）执行" in err and "--user" in err
    rc, out, err = cli("account", "role", "admin", "录入员")
    assert rc == 1 and "须由有权限的账户" in err
    rc, out, err = cli("account", "unlock", "nobody")
    assert rc == 1 and "没有名为“nobody”的账户。现有账户：admin" in err
    rc, out, err = cli("--json", "audit", "list", "--limit", "10")
    entries = json.loads(out)
    maintenance = [e for e in entries if e["action"] == "本机维护"]
    assert [e["summary"] for e in maintenance] == [
        f"本机维护（操作系统用户 {os_user()}）：为账户 admin 设置临时密码",
        f"本机维护（操作系统用户 {os_user()}）：解锁账户 admin",
    ]
    assert all(e["user"] == f"os:{os_user()}" for e in maintenance)
    db.dispose()
