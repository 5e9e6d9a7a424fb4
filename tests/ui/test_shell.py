"""The application shell as a clerk meets it: first run, login, navigation, backup/restore, one window per DB."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from sqlalchemy import select

from app.models import InspectionObject, Office, User
from app.services.foundation import accounts
from app.services.foundation.context import Actor, acting_as
from app.ui.context import AppContext
from tests.factories import make_object

ADMIN = Actor("admin", "管理员", "管理员")


class Boxes:
    """Records every QMessageBox shown instead of blocking on it."""

    def __init__(self, monkeypatch, answer=QMessageBox.StandardButton.Yes):
        self.shown: list[tuple[str, str, str]] = []
        for kind in ("information", "warning", "critical"):
            monkeypatch.setattr(QMessageBox, kind, self._rec(kind))
        monkeypatch.setattr(QMessageBox, "question", self._rec("question", answer))

    def _rec(self, kind, answer=QMessageBox.StandardButton.Ok):
        def show(parent, title, text, *args, **kwargs):
            self.shown.append((kind, title, text))
            return answer

        return staticmethod(show)

    def last(self, kind=None):
        items = [b for b in self.shown if kind is None or b[0] == kind]
        return items[-1] if items else None


@pytest.fixture(autouse=True)
def keep_excepthooks(monkeypatch):
    """run_gui installs the crash dialog as sys.excepthook; give later tests their hooks back."""
    import sys
    import threading

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


@pytest.fixture
def ctx(db):
    return AppContext(db=db, actor=ADMIN, office_name="测试县生态环境保护综合行政执法大队", office_level="county")


@pytest.fixture
def window(qtbot, ctx):
    from app.ui.main_window import MainWindow
    from app.ui.operations import wait_all

    w = MainWindow(ctx)
    w.backup_on_close = False
    qtbot.addWidget(w)
    w.show()
    wait_all(10000)  # 首页 loads its figures off the UI thread
    yield w
    wait_all(10000)  # no background job outlives its test


# ------------------------------------------------------------------ first run and login


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


# ------------------------------------------------------------------ main window


def test_main_window_navigation_and_status(window, qtbot):
    titles = window.nav_titles()
    assert titles[:2] == ["工作台", "  首页"]
    for t in ("系统", "  账户管理", "  备份与恢复", "  审计日志"):
        assert t in titles
    assert window.current_key() == "home"
    home = window.pages["home"]
    assert home.office_title.text() == "测试县生态环境保护综合行政执法大队"
    assert home.counts["账户"] == 1
    assert "测试县生态环境保护综合行政执法大队（县级）" == window.office_label.text()
    assert window.user_label.text() == "用户：管理员（管理员）"
    assert window.ctx.db.sqlite_file.name in window.db_label.text()
    assert str(window.ctx.db.sqlite_file) in window.db_label.toolTip()  # the whole path on hover
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["文件(&F)", "视图(&V)", "帮助(&H)"]
    # clicking a navigation entry builds that page lazily
    assert "audit" not in window.pages
    item = window._items["audit"]
    window.nav.setCurrentItem(item)
    assert window.current_key() == "audit" and window.pages["audit"].model.rowCount() > 0


def test_every_discovered_page_opens(window):
    for spec in window.specs:
        widget = window.show_page(spec.key)
        assert widget is not None and window.stack.currentWidget().widget() is widget


def test_clerk_does_not_see_account_management(qtbot, db):
    from app.ui.main_window import MainWindow

    clerk = AppContext(db=db, actor=Actor("luru", "录入员"), office_name="测试县", office_level="county")
    w = MainWindow(clerk)
    w.backup_on_close = False
    qtbot.addWidget(w)
    assert "  账户管理" not in w.nav_titles() and "  首页" in w.nav_titles()
    assert not w.restore_action.isEnabled()


def test_close_makes_rotating_auto_backup_and_saves_geometry(qtbot, ctx, data_dir):
    from app.ui.main_window import MainWindow, settings

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.close()
    backups = list((data_dir / "backups").glob("自动备份-*.sqlite3"))
    assert len(backups) == 1
    assert settings().value("main/geometry") is not None


# ------------------------------------------------------------------ backup and restore through the page


def test_backup_page_backs_up_to_chosen_folder(window, tmp_path, monkeypatch):
    boxes = Boxes(monkeypatch)
    usb = tmp_path / "U盘"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(usb)))
    page = window.show_page("backup")
    assert page.last_label.text() == "尚无自动备份　·　最近手动备份：从未"
    page.backup_button.click()
    files = list(usb.glob("备份-测试县生态环境保护综合行政执法大队-*.sqlite3"))
    assert len(files) == 1
    kind, title, text = boxes.last()
    assert (kind, title) == ("information", "备份完成") and str(files[0]) in text
    assert page.model.rowCount() == 1 and page.model.rows[0].kind == "备份"
    assert "1 个备份" in page.folder_label.text()
    page.refresh()
    assert page.last_label.text().endswith("最近手动备份：今天")


def test_backup_page_restore_with_confirmation(window, ctx, tmp_path, monkeypatch):
    boxes = Boxes(monkeypatch)
    page = window.show_page("backup")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path)))
    page.backup_button.click()
    backup_file = next(tmp_path.glob("备份-*.sqlite3"))
    with ctx.session() as s:
        make_object(s, name="备份之后才录入的企业")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(backup_file), "")))
    # "No" at the confirmation: nothing changes
    boxes_no = Boxes(monkeypatch, answer=QMessageBox.StandardButton.No)
    page.restore_file_button.click()
    assert boxes_no.last()[0] == "question" and "确定恢复" in boxes_no.last()[2]
    with ctx.read() as s:
        assert len(s.scalars(select(InspectionObject)).all()) == 1
    boxes = Boxes(monkeypatch)
    page.restore_file_button.click()
    question = [b for b in boxes.shown if b[0] == "question"][0]
    assert "单位：测试县生态环境保护综合行政执法大队" in question[2] and "检查对象 0 个" in question[2]
    assert boxes.last()[:2] == ("information", "恢复完成")
    with ctx.read() as s:
        assert s.scalars(select(InspectionObject)).all() == []
    assert "恢复前备份" in {b.kind for b in page.model.rows} or any(
        p.name.startswith("恢复前备份-") for p in (tmp_path / "data" / "backups").glob("*")
    )
    # the window rebuilt its pages from the restored database
    assert window.current_key() == "backup" and window.pages["backup"] is not page


def test_restore_of_corrupt_file_shows_error_and_keeps_data(window, ctx, tmp_path, monkeypatch, db_path):
    boxes = Boxes(monkeypatch)
    with ctx.session() as s:
        make_object(s, name="不能丢的企业")
    bad = tmp_path / "坏文件.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x13" * 8000)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    window.show_page("backup").restore_file_button.click()
    kind, title, text = boxes.last()
    assert (kind, title) == ("critical", "无法恢复") and "坏文件.sqlite3" in text and "未做任何更改" in text
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT name FROM inspection_object").fetchall() == [("不能丢的企业",)]
    con.close()


def test_rotation_count_saved_from_page(window, ctx, monkeypatch):
    Boxes(monkeypatch)
    page = window.show_page("backup")
    page.keep.setValue(4)
    page.save_keep_button.click()
    from app.services.foundation.backup import get_keep

    with ctx.read() as s:
        assert get_keep(s) == 4


# ------------------------------------------------------------------ audit viewer and users


def test_audit_page_filters_and_verifies(qtbot, window, ctx, monkeypatch, db_path):
    boxes = Boxes(monkeypatch)
    with ctx.session() as s:
        make_object(s, name="审计测试企业")
    page = window.show_page("audit")
    page.entity.setCurrentIndex(page.entity.findText("检查对象"))
    page.search_button.click()
    assert page.model.rowCount() == 1
    assert (
        page.model.data(page.model.index(0, 3)) == "新增" and page.model.data(page.model.index(0, 2)) == "管理员"
    )  # the person, not the login
    page.table.selectRow(0)
    assert "审计测试企业" in page.detail.toPlainText()
    page.text.setText("不存在的文字")
    page.search_button.click()
    assert page.count_label.text() == "共 0 条"
    page.verify_button.click()  # runs on the thread pool
    qtbot.waitUntil(lambda: page.verify_label.text().startswith(("✔", "✘")), timeout=10000)
    assert page.verify_label.text().startswith("✔ 审计日志完整")
    con = sqlite3.connect(db_path)
    con.execute("UPDATE audit_entry SET summary='被改过' WHERE seq=2")
    con.commit()
    con.close()
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.verify_label.text().startswith("✘"), timeout=10000)
    assert page.verify_label.text().startswith("✘ 审计日志第 2 条") and boxes.last()[0] == "critical"


def test_users_page_add_reset_deactivate(window, ctx, monkeypatch):
    from app.ui.pages import users

    boxes = Boxes(monkeypatch)

    def fill(self):
        self.username.setText("zhangsan")
        self.display_name.setText("张三")
        self.role.setCurrentText("审核员")
        self.password.setText("start123")
        self.password2.setText("start123")
        self._check()
        return self.result()

    monkeypatch.setattr(users.AddUserDialog, "exec", fill)
    page = window.show_page("users")
    page.add_button.click()
    row = next(r for r in page.model.rows if r.username == "zhangsan")
    assert (row.display_name, row.role, row.status) == ("张三", "审核员", "需改密码")
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("reset456", True)))
    page.select_username("zhangsan")
    page.reset_button.click()
    page.select_username("zhangsan")
    assert page.active_button.text() == "停用"
    page.active_button.click()
    row = next(r for r in page.model.rows if r.username == "zhangsan")
    assert row.status == "已停用"
    # the logged-in administrator cannot switch himself off
    page.select_username("admin")
    page.active_button.click()
    assert boxes.last()[2] == "不能停用当前登录的账户。"
    with ctx.read() as s:
        assert s.scalar(select(User).where(User.username == "zhangsan")).active is False


# ------------------------------------------------------------------ one window per database, start-up


def test_second_instance_on_same_database_is_refused(db_path):
    from app.ui.main import InstanceGuard

    url = f"sqlite:///{db_path}"
    first, second = InstanceGuard(url), InstanceGuard(url)
    assert first.acquire() is None
    message = second.acquire()
    assert message is not None and "已经在另一个双随机抽查工作台窗口中打开" in message and str(db_path) in message
    first.release()
    assert second.acquire() is None
    second.release()
    assert InstanceGuard("postgresql+psycopg://u@h/db").acquire() is None


def test_run_gui_refuses_second_instance_with_a_message(qtbot, db, db_path, monkeypatch):
    from app.ui.main import InstanceGuard, run_gui

    boxes = Boxes(monkeypatch)
    holder = InstanceGuard(f"sqlite:///{db_path}")
    assert holder.acquire() is None
    try:
        assert run_gui(str(db_path)) == 3
    finally:
        holder.release()
    kind, title, text = boxes.last()
    assert kind == "warning" and "数据库已打开" in title and "同一个数据库同时只能由一个窗口打开" in text


def test_run_gui_shows_chinese_error_for_a_non_database(qtbot, tmp_path, monkeypatch):
    from app.ui.main import run_gui

    boxes = Boxes(monkeypatch)
    bogus = tmp_path / "通讯录.sqlite3"
    bogus.write_text("张三 13800000000", encoding="utf-8")
    assert run_gui(str(bogus)) == 1
    kind, title, text = boxes.last()
    assert kind == "critical" and "无法打开数据库" in title and "不是 SQLite 文件" in text
    assert bogus.read_text(encoding="utf-8") == "张三 13800000000"


def test_start_session_runs_first_run_then_login(qtbot, blank_db, monkeypatch):
    from app.ui import first_run, login, main

    def first(self):
        self.office_name.setText("舞钢市生态环境保护综合行政执法支队")
        self.level.setCurrentIndex(self.level.findData("city"))
        self.password.setText("admin123")
        self.password2.setText("admin123")
        self.key_passphrase.setText("baosong-2026")
        self.key_passphrase2.setText("baosong-2026")
        self.submit()
        return self.result()

    def log_in(self):
        assert self.username.text() == "admin"
        self.password.setText("admin123")
        self.submit()
        return self.result()

    monkeypatch.setattr(first_run.FirstRunDialog, "exec", first)
    monkeypatch.setattr(login.LoginDialog, "exec", log_in)
    ctx = main.start_session(blank_db)
    assert ctx.office_name == "舞钢市生态环境保护综合行政执法支队" and ctx.office_level == "city"
    assert ctx.actor.username == "admin"


def test_qt_dialogs_speak_chinese(qtbot):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from app.ui.i18n import install_translations

    loaded = install_translations(QApplication.instance())
    assert "qtbase_zh_CN" in loaded
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"


def test_crash_dialog_logs_and_copies_details(qtbot, monkeypatch, data_dir):
    from PySide6.QtGui import QGuiApplication

    from app.services.foundation.logging_setup import setup_logging
    from app.ui import crash

    log_path = setup_logging()
    shown = []

    def fake_exec(self):
        shown.append(self)
        self.copy_button.click()
        return 0

    monkeypatch.setattr(crash.CrashDialog, "exec", fake_exec)
    try:
        raise ValueError("测试用的意外错误")
    except ValueError as exc:
        crash.handle_exception(type(exc), exc, exc.__traceback__)
    dlg = shown[0]
    assert dlg.windowTitle() == "程序出错" and "意外错误" in dlg.message.text()
    assert "ValueError: 测试用的意外错误" in dlg.text.toPlainText()
    assert QGuiApplication.clipboard().text() == dlg.details and dlg.copy_button.text() == "已复制"
    import logging

    for h in logging.getLogger().handlers:
        h.flush()
    assert "ValueError: 测试用的意外错误" in log_path.read_text(encoding="utf-8")


def test_selftest_prints_ok_in_a_fresh_interpreter(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SSJ_DATA_DIR=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--selftest"], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "OK" and any(line.startswith("PDF 字体 font: ") for line in lines)  # names the font


def test_lock_of_a_crashed_window_does_not_block_reopening(db_path):
    """A window killed by a power cut or crash leaves its lock file; the next start takes it over."""
    import os
    import subprocess
    import sys

    from app.ui.main import InstanceGuard

    code = (
        "import sys, time\nfrom PySide6.QtCore import QLockFile\n"
        "l = QLockFile(sys.argv[1]); assert l.tryLock(1000); print('LOCKED', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(db_path) + ".lock"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "LOCKED"
        guard = InstanceGuard(f"sqlite:///{db_path}")
        assert "另一个双随机抽查工作台窗口" in guard.acquire()
        proc.kill()
        proc.wait(10)
        assert guard.acquire() is None
        guard.release()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert not os.path.exists(str(db_path) + ".lock")


def test_cli_restore_refuses_while_a_window_has_the_database_open(db, db_path, tmp_path, capsys):
    from app.cli import run
    from app.ui.main import InstanceGuard

    assert run(["--db", str(db_path), "backup", "--out", str(tmp_path)]) == 0
    backup_file = next(tmp_path.glob("备份-*.sqlite3"))
    capsys.readouterr()
    guard = InstanceGuard(f"sqlite:///{db_path}")
    assert guard.acquire() is None
    try:
        # the lock belongs to this very process, so pretend it is another window: rewrite the PID to our parent
        import os

        lock = str(db_path) + ".lock"
        lines = open(lock, encoding="utf-8").read().splitlines()
        lines[0] = str(os.getppid())
        open(lock, "w", encoding="utf-8").write("\n".join(lines) + "\n")
        assert run(["--db", str(db_path), "restore", str(backup_file)]) == 1
        assert "正在被双随机抽查工作台窗口使用" in capsys.readouterr().err
    finally:
        guard.release()


def test_run_gui_refuses_a_database_from_a_newer_version(qtbot, db, db_path, monkeypatch):
    from app.ui.main import run_gui

    db.dispose()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    boxes = Boxes(monkeypatch)
    assert run_gui(str(db_path)) == 1
    kind, title, text = boxes.last()
    assert kind == "critical" and "比本程序新" in text and "请安装新版本" in text


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


def test_daily_backup_once_a_day_and_rechecked_hourly(window, data_dir):
    window.daily_backup()
    window.daily_backup()
    assert len(list((data_dir / "backups").glob("自动备份-*.sqlite3"))) == 1
    assert window.statusBar().currentMessage().startswith("已自动备份：自动备份-测试县")
    assert window._daily_timer.isActive() and window._daily_timer.interval() == 3600 * 1000


def test_home_cards_from_dashboard_open_their_page(window, qtbot):
    from PySide6.QtWidgets import QLabel

    home = window.pages["home"]
    assert home.items, "the dashboard providers report what is missing in an empty office"
    target = next(item for item in home.items if item.get("page") and any(s.key == item["page"] for s in window.specs))
    cards = [home.items_grid.itemAt(i).widget() for i in range(home.items_grid.count())]
    card = next(c for c in cards if c.findChildren(QLabel)[0].text() == target["title"])
    assert card.findChildren(QLabel)[1].text() == str(target["value"])
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert window.current_key() == target["page"]
    assert window.nav.currentItem().text(0) == next(s.title for s in window.specs if s.key == target["page"])


def test_no_account_without_a_password_and_no_password_setting_at_login(qtbot, db, admin_cli, db_path, monkeypatch):
    """Attack: `user add boss --role 管理员` without a password, then type boss at the login window."""
    import sqlite3

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


def test_close_with_a_running_background_job_asks_first(window, monkeypatch, qtbot):
    import threading

    from app.ui.operations import run_op

    release = threading.Event()
    worker = run_op(window, None, lambda: release.wait(10), background=True)
    boxes = Boxes(monkeypatch, answer=QMessageBox.StandardButton.No)
    qtbot.wait(50)
    window.close()
    assert window.isVisible() and boxes.last()[0] == "question" and "后台任务仍在进行" in boxes.last()[2]
    release.set()
    qtbot.waitUntil(worker.done.is_set, timeout=5000)
    window.close()
    assert not window.isVisible()


def test_a_broken_page_module_does_not_stop_the_program(qtbot, ctx, monkeypatch, tmp_path):
    """Pages are imported when first opened (app.ui.pages.REGISTRY): a module that fails to import shows the
    problem in its page; the window and every other page go on."""
    import sys

    import app.ui.pages as pages_pkg
    from app.ui.main_window import MainWindow

    extra = tmp_path / "extra_pages"
    extra.mkdir()
    (extra / "zz_broken.py").write_text("raise RuntimeError('缺少依赖 foo')\n", encoding="utf-8")
    monkeypatch.setattr(pages_pkg, "__path__", list(pages_pkg.__path__) + [str(extra)])
    monkeypatch.delitem(sys.modules, "app.ui.pages.zz_broken", raising=False)
    broken = pages_pkg.PageSpec("zz_broken", "zz_broken", "系统", 99, pages_pkg.lazy("zz_broken"))
    monkeypatch.setattr(pages_pkg, "REGISTRY", pages_pkg.REGISTRY + (broken,))
    w = MainWindow(ctx)
    w.backup_on_close = False
    qtbot.addWidget(w)
    assert "  zz_broken" in w.nav_titles() and "  首页" in w.nav_titles()
    page = w.show_page("zz_broken")
    assert "缺少依赖 foo" in page.text() and "无法打开" in page.text()
    assert w.show_page("items") is not None


def test_audit_export_to_excel_with_verification_sheet(window, ctx, monkeypatch, tmp_path):
    import openpyxl

    boxes = Boxes(monkeypatch)
    with ctx.session() as s:
        make_object(s, name="导出测试企业")
    target = tmp_path / "审计日志导出"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    page = window.show_page("audit")
    page.entity.setCurrentIndex(page.entity.findText("检查对象"))
    page.search_button.click()
    page.export_button.click()
    out = tmp_path / "审计日志导出.xlsx"
    assert boxes.last()[:2] == ("information", "导出完成") and str(out) in boxes.last()[2]
    wb = openpyxl.load_workbook(out)
    ws = wb["审计日志"]
    assert [c.value for c in ws[1]][:7] == ["序号", "时间", "用户", "操作", "对象", "编号", "摘要"]
    assert [c.value for c in ws[2]][2:7] == ["admin", "新增", "检查对象", "1", "导出测试企业"]
    assert ws.max_row == 2
    info = {r[0].value: r[1].value for r in wb["校验"].iter_rows(min_row=2)}
    assert info["哈希链校验"] == "完整" and info["筛选条件"].startswith("对象：检查对象") and info["导出条数"] == 1
