"""Start-up: one window per database, first run then login, Chinese Qt dialogs, the crash dialog, the
self-test, locks, databases from a newer version."""

from __future__ import annotations

import sqlite3

from tests.ui.shell_support import Boxes


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
