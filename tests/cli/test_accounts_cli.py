"""The CLI acts as an account: --user with SSJ_PASSWORD or --password-file, lockout, temporary passwords,
and the attacks of issue 10 tried from the command line by a 录入员."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.services.foundation import accounts
from app.services.foundation.context import Actor, acting_as


@pytest.fixture
def clerk(db):
    """A 录入员 `luru` (password luru-pass-1) beside the administrator."""
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        accounts.create_user(s, "luru", "录入员", "luru-pass-1")
        s.commit()
    return "luru"


def _user_row(db_path, name):
    con = sqlite3.connect(db_path)
    try:
        return con.execute(
            "SELECT role, password_hash, active, failed_attempts, locked_until FROM user_account WHERE username=?",
            (name,),
        ).fetchone()
    finally:
        con.close()


def test_a_clerk_cannot_take_over_the_office(clerk, cli_as, db_path, tmp_path, admin_cli):
    """Attack: `ssj --user luru account role luru 管理员`; so were reset-password admin, user add evil, restore."""
    luru = cli_as("luru", "luru-pass-1")
    rc, out, err = admin_cli("--json", "backup", "--out", str(tmp_path))
    backup = json.loads(out)["file"]
    admin_before, luru_before = _user_row(db_path, "admin"), _user_row(db_path, "luru")
    for argv in (
        ["account", "role", "luru", "管理员"],
        ["account", "reset-password", "admin", "--password", "taken-over"],
        ["user", "add", "evil", "--role", "管理员", "--password", "evil-pass"],
        ["account", "deactivate", "admin"],
        ["restore", backup],
    ):
        rc, out, err = luru(*argv)
        assert rc == 1 and "当前账户“luru”（录入员）无权" in err, (argv, err)
    assert _user_row(db_path, "admin") == admin_before and _user_row(db_path, "luru") == luru_before
    assert _user_row(db_path, "evil") is None


def test_without_user_only_reading(clerk, cli):
    rc, out, err = cli("--json", "user", "list")
    assert rc == 0 and {u["username"] for u in json.loads(out)} == {"admin", "luru"}
    rc, out, err = cli("user", "add", "evil", "--role", "管理员", "--password", "evil-pass")
    assert rc == 1 and "须由有权限的账户（管理员）执行" in err and "--user" in err


def test_password_from_env_or_file_and_wrong_ones_count_toward_the_lock(clerk, cli_as, cli, db_path, tmp_path):
    from app.cli import run

    rc, out, err = cli_as("luru", "")("user", "list")
    assert rc == 1 and "SSJ_PASSWORD" in err and "--password-file" in err
    pw = tmp_path / "pw.txt"
    pw.write_text("luru-pass-1\n", encoding="utf-8")
    assert run(["--db", str(db_path), "--user", "luru", "--password-file", str(pw), "user", "list"]) == 0
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    assert (
        run(["--db", str(db_path), "--user", "luru", "--password-file", str(tmp_path / "empty.txt"), "user", "list"])
        == 1
    )
    wrong = cli_as("luru", "guess")
    for left in range(accounts.MAX_FAILURES - 1, 0, -1):
        rc, out, err = wrong("user", "list")
        assert rc == 1 and f"再错 {left} 次将锁定账户" in err
        assert _user_row(db_path, "luru")[3] == accounts.MAX_FAILURES - left
    rc, out, err = wrong("user", "list")
    assert rc == 1 and "已锁定" in err
    rc, out, err = cli_as("luru", "luru-pass-1")("user", "list")
    assert rc == 1 and "已被锁定" in err, "the right password does not open a locked account"
    rc, out, err = cli("account", "unlock", "luru")  # 本机维护
    assert rc == 0 and "本机维护" in out
    assert cli_as("luru", "luru-pass-1")("user", "list")[0] == 0


def test_new_accounts_and_reset_passwords_must_be_changed_first(db, admin_cli, cli_as, monkeypatch):
    rc, out, err = admin_cli("user", "add", "zhang", "--role", "录入员")
    assert rc == 1 and "不能建立没有密码的账户" in err
    rc, out, err = admin_cli("user", "add", "zhang", "--role", "录入员", "--password", "start-123")
    assert rc == 0, err
    zhang = cli_as("zhang", "start-123")
    rc, out, err = zhang("objects", "list")
    assert rc == 1 and "临时密码" in err and "account passwd" in err
    rc, out, err = zhang("account", "passwd")
    assert rc == 1 and "SSJ_NEW_PASSWORD" in err
    monkeypatch.setenv("SSJ_NEW_PASSWORD", "start-123")
    rc, out, err = zhang("account", "passwd")
    assert rc == 1 and "不能与原密码相同" in err
    monkeypatch.setenv("SSJ_NEW_PASSWORD", "zhang-own-9")
    assert zhang("account", "passwd")[0] == 0
    monkeypatch.delenv("SSJ_NEW_PASSWORD")
    assert cli_as("zhang", "zhang-own-9")("objects", "list")[0] == 0
    assert admin_cli("account", "reset-password", "zhang", "--password", "temp-456")[0] == 0
    rc, out, err = cli_as("zhang", "temp-456")("objects", "list")
    assert rc == 1 and "临时密码" in err


def test_init_takes_the_password_from_the_environment(cli, db_path, monkeypatch):
    monkeypatch.setenv("SSJ_NEW_PASSWORD", "from-env-1")
    rc, out, err = cli("init", "--office", "测试县执法大队", "--level", "county")
    assert rc == 0, err
    with acting_as(Actor("admin", "")):
        from app.services.foundation.store import open_database

        db = open_database(f"sqlite:///{db_path}")
        with db.Session() as s:
            assert accounts.authenticate(s, "admin", "from-env-1").role == "管理员"
        db.dispose()


# --- point 4: approval by the authenticated reviewer -------------------------------------------------------


@pytest.fixture
def entered(db, clerk):
    """Two results of 2026Q1 entered by luru (录入员)."""
    from datetime import date

    from app.services.outcomes import outcomes
    from tests.outcomes_factories import make_draw

    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        _, sels = make_draw(s, n=2)
        for sel in sels:
            outcomes.save_outcome(
                s,
                sel.id,
                dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题"),
                today=date(2026, 3, 1),
            )
        s.commit()


def _states(db_path):
    con = sqlite3.connect(db_path)
    try:
        return con.execute("SELECT state, reviewed_by FROM outcome ORDER BY id").fetchall()
    finally:
        con.close()


def test_approve_is_done_by_the_authenticated_reviewer(entered, db_path, cli, cli_as, reviewer_cli):
    """Attack: `ssj outcomes approve --period 2026Q4 --by 王局长` with no account behind the name."""
    before = _states(db_path)
    rc, out, err = cli("outcomes", "approve", "--period", "2026Q1", "--by", "王局长")
    assert rc == 1 and "须由有权限的账户" in err
    rc, out, err = cli_as("luru", "luru-pass-1")("outcomes", "approve", "--period", "2026Q1")
    assert rc == 1 and "无权审核检查结果" in err
    rc, out, err = reviewer_cli("outcomes", "approve", "--period", "2026Q1", "--by", "王局长")
    assert rc == 1 and "--by 如给出，必须与 --user 相同" in err
    assert _states(db_path) == before
    rc, out, err = reviewer_cli("--json", "outcomes", "approve", "--period", "2026Q1", "--by", "shenhe")
    assert rc == 0, err
    assert json.loads(out) == {"period": "2026Q1", "approved": 2, "by": "shenhe"}
    assert _states(db_path) == [("已审核", "shenhe")] * 2


def test_nobody_approves_their_own_entry(db, db_path, admin_cli):
    from datetime import date

    from app.services.outcomes import outcomes
    from tests.outcomes_factories import make_draw

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        _, sels = make_draw(s, n=1)
        outcomes.save_outcome(
            s,
            sels[0].id,
            dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题"),
            today=date(2026, 3, 1),
        )
        s.commit()
    rc, out, err = admin_cli("outcomes", "approve", "--period", "2026Q1")
    assert rc == 1 and "审核人不能是录入人本人" in err
    assert _states(db_path) == [("已录入", "")]
