"""First run and login as a clerk meets them: the office set up once, passwords, locks, changing one's own password."""

from __future__ import annotations

import json
import sqlite3

from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from app.models import Office
from app.services.foundation import accounts
from app.services.foundation.context import acting_as
from tests.ui.shell_support import ADMIN, Boxes


def test_first_run_dialog_creates_office_and_admin(qtbot, blank_db):
    from app.ui.first_run import FirstRunDialog

    dlg = FirstRunDialog(blank_db)
    qtbot.addWidget(dlg)
    dlg.ok_button.click()
    assert dlg.error.text() == "请填写单位名称。"
    dlg.office_name.setText("泽州县生态环境保护综合行政执法大队")  # QtTest types ASCII only
    qtbot.keyClicks(dlg.region_code, "140525")
    dlg.level.setCurrentIndex(dlg.level.findText("县级"))
    dlg.parent_name.setText("晋城市生态环境局")
    qtbot.keyClicks(dlg.password, "secret123")
    qtbot.keyClicks(dlg.password2, "secret124")
    dlg.ok_button.click()
    assert dlg.error.text() == "两次输入的密码不一致，请重新输入。"
    assert dlg.result() != QDialog.DialogCode.Accepted
    dlg.password2.clear()
    qtbot.keyClicks(dlg.password2, "secret123")
    dlg.ok_button.click()
    assert "报送口令" in dlg.error.text()  # the signing key's passphrase is required
    qtbot.keyClicks(dlg.key_passphrase, "short")
    qtbot.keyClicks(dlg.key_passphrase2, "short")
    dlg.ok_button.click()
    assert "太短" in dlg.error.text()
    dlg.key_passphrase.setText("baosong-2026")
    dlg.key_passphrase2.setText("baosong-2027")
    dlg.ok_button.click()
    assert "不一致" in dlg.error.text()
    dlg.key_passphrase2.setText("baosong-2026")
    dlg.ok_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted and dlg.username == "admin"
    with blank_db.Session() as s:
        office = s.scalar(select(Office))
        assert (office.name, office.level, office.region_code, office.parent_name) == (
            "泽州县生态环境保护综合行政执法大队",
            "county",
            "140525",
            "晋城市生态环境局",
        )
        assert accounts.authenticate(s, "admin", "secret123").role == "管理员"
        assert "BEGIN" not in office.signing_key_pem and json.loads(office.signing_key_pem)["kdf"] == "scrypt"


def test_first_run_rejects_bad_region_code_and_offers_presets(qtbot, blank_db):
    from app.ui.first_run import FirstRunDialog, _presets

    dlg = FirstRunDialog(blank_db)
    qtbot.addWidget(dlg)
    assert dlg.preset.count() == 1 + len(_presets())
    dlg.office_name.setText("某县执法大队")
    qtbot.keyClicks(dlg.region_code, "14AB")
    qtbot.keyClicks(dlg.password, "secret123")
    qtbot.keyClicks(dlg.password2, "secret123")
    dlg.key_passphrase.setText("baosong-2026")
    dlg.key_passphrase2.setText("baosong-2026")
    dlg.ok_button.click()
    assert "行政区划代码“14AB”无效" in dlg.error.text()
    with blank_db.Session() as s:
        assert s.scalar(select(Office)) is None, "nothing half-written"


def _login(qtbot, db, username, password):
    from app.ui.login import LoginDialog

    dlg = LoginDialog(db, "测试县")
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.username, username)
    qtbot.keyClicks(dlg.password, password)
    dlg.ok_button.click()
    return dlg


def test_login_wrong_then_right(qtbot, db):
    dlg = _login(qtbot, db, "admin", "wrong-password")
    assert dlg.error.text() == "用户名或密码错误（再错 4 次将锁定账户）。"
    assert dlg.password.text() == "" and dlg.result() != QDialog.DialogCode.Accepted
    qtbot.keyClicks(dlg.password, "admin123")
    dlg.ok_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.actor.username == "admin" and dlg.actor.role == "管理员"


def test_locked_account_message_and_unlock_from_users_page(qtbot, db, ctx, monkeypatch):
    dlg = _login(qtbot, db, "admin", "x1")
    for _ in range(4):
        qtbot.keyClicks(dlg.password, "x1")
        dlg.ok_button.click()
    assert dlg.error.text().startswith("密码错误次数过多，账户“admin”已锁定 15 分钟。")
    qtbot.keyClicks(dlg.password, "admin123")
    dlg.ok_button.click()
    assert "已被锁定" in dlg.error.text() and "请管理员解锁" in dlg.error.text()
    # the locked administrator learns the way back in, and the wrapped message does not squeeze the fields
    assert "ssj account unlock admin" in dlg.error.text()
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.username.height() >= 20 and dlg.password.height() >= 20
    assert dlg.result() != QDialog.DialogCode.Accepted

    from app.ui.pages.users import UsersPage

    Boxes(monkeypatch)
    page = UsersPage(ctx)
    qtbot.addWidget(page)
    page.select_username("admin")
    assert page.model.rows[0].status == "已锁定" and page.unlock_button.isEnabled()
    page.unlock_button.click()
    assert page.model.rows[0].status == "正常"
    qtbot.keyClicks(dlg.password, "admin123")
    dlg.ok_button.click()
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_must_change_password_at_first_login(qtbot, db, monkeypatch):
    from app.ui import login

    with acting_as(ADMIN), db.Session() as s:
        accounts.create_user(s, "luru", "录入员", "temp123", must_change_password=True)
        s.commit()
    seen = []

    def fake_exec(self):
        seen.append(self.findChild(type(self.error)).text() if False else self.windowTitle())
        self.password.setText("newpass9")
        self.password2.setText("newpass9")
        self.submit()
        return self.result()

    monkeypatch.setattr(login.ChangePasswordDialog, "exec", fake_exec)
    dlg = _login(qtbot, db, "luru", "temp123")
    assert seen == ["修改密码"] and dlg.result() == QDialog.DialogCode.Accepted
    with db.Session() as s:
        assert accounts.authenticate(s, "luru", "newpass9").must_change_password is False


def test_change_own_password_from_the_menu(window, ctx, monkeypatch):
    from app.ui import login

    def fill(self):
        self.current.setText("wrong")
        self.password.setText("better-pass")
        self.password2.setText("better-pass")
        self.submit()
        assert self.error.text() == "当前密码不正确。"
        self.current.setText("admin123")
        self.password.setText("abc")
        self.password2.setText("abd")
        self.submit()
        assert self.error.text() == "两次输入的密码不一致，请重新输入。"
        self.password2.setText("abc")
        self.submit()
        assert self.error.text() == "密码至少需要 6 位，请重新输入。"
        self.password.setText("better-pass")
        self.password2.setText("better-pass")
        self.submit()
        return self.result()

    monkeypatch.setattr(login.ChangePasswordDialog, "exec", fill)
    assert window.password_action.text() == "修改我的密码…"
    assert window.change_password() is True
    assert window.statusBar().currentMessage() == "密码已修改。"
    with ctx.read() as s:
        assert accounts.authenticate(s, "admin", "better-pass").username == "admin"


def test_no_account_without_a_password_and_no_password_setting_at_login(qtbot, db, admin_cli, db_path, monkeypatch):
    """Attack: `user add boss --role 管理员` without a password, then type boss at the login window."""

    from app.ui import login

    rc, out, err = admin_cli("user", "add", "boss", "--role", "管理员")
    assert rc == 1 and "不能建立没有密码的账户" in err
    # an account an older version left without a password (must change at first login) gets no way in either
    con = sqlite3.connect(db_path)
    con.execute(
        "INSERT INTO user_account (username, display_name, role, password_hash, failed_attempts, active, "
        "must_change_password, created_at) VALUES ('boss', 'boss', '管理员', '', 0, 1, 1, '2026-01-01 00:00:00')"
    )
    con.commit()
    con.close()
    opened = []
    monkeypatch.setattr(login.ChangePasswordDialog, "exec", lambda self: opened.append(self) or 0)
    for typed in ("", "anything-1"):
        dlg = _login(qtbot, db, "boss", typed)
        assert dlg.result() != QDialog.DialogCode.Accepted and dlg.actor is None
        assert "用户名或密码错误" in dlg.error.text()
    assert not opened, "no dialog offers to set boss's password"
