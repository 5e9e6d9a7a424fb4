"""Start of the GUI: QApplication in Chinese, crash handler, one window per database, first run, login."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import APP_ID, APP_NAME, __version__
from app.models.db import Database, DatabaseError
from app.paths import resolve_db, sqlite_path
from app.services.foundation.errors import UserError
from app.services.foundation.store import open_database

log = logging.getLogger(__name__)


class InstanceGuard:
    """Only one program window per database file: a QLockFile beside it (`ssj.sqlite3.lock`).

    PostgreSQL databases are multi-user by design and need no guard.
    """

    def __init__(self, url: str):
        self.url = url
        path = sqlite_path(url)
        self.lock_path = Path(str(path) + ".lock") if path else None
        self.lock: QLockFile | None = None

    def acquire(self) -> str | None:
        """None when this process now owns the database; otherwise a Chinese message saying who does."""
        if self.lock_path is None:
            return None
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = QLockFile(str(self.lock_path))
        lock.setStaleLockTime(0)  # never steal a live lock; a dead process's lock is removed by Qt
        if lock.tryLock(200):
            self.lock = lock
            return None
        if lock.error() == QLockFile.LockError.LockFailedError:
            info = lock.getLockInfo()  # PySide6: (pid, hostname, appname); empty values if unreadable
            pid, host = (info[-3], info[-2]) if isinstance(info, tuple) and len(info) >= 3 else (0, "")
            ok = bool(pid)
            where = f"（进程号 {pid}，计算机 {host}）" if ok else ""
            if ok and host and host != socket.gethostname():
                where = f"（在另一台计算机 {host} 上）"
            return (
                f"数据库 {sqlite_path(self.url)} 已经在另一个双随机抽查工作台窗口中打开{where}。\n\n"
                "同一个数据库同时只能由一个窗口打开，以免数据冲突。请切换到已打开的窗口；"
                "如果确认没有其他窗口在运行，请重新启动电脑后再试。"
            )
        return (
            f"无法在 {self.lock_path.parent} 中创建锁文件（目录可能是只读的）。请把数据库放到有写权限的位置后再打开。"
        )

    def release(self) -> None:
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None


def open_store(url: str, parent=None) -> Database | None:
    """Open (and migrate) the database; a Chinese error dialog and None if that fails."""
    try:
        return open_database(url)
    except (DatabaseError, UserError) as exc:
        message = exc.message if isinstance(exc, UserError) else str(exc)
    except Exception as exc:  # sqlite3/SQLAlchemy errors: corrupt file, disk problems…
        log.exception("打开数据库失败")
        message = (
            f"无法打开数据库 {sqlite_path(url) or url}：{exc}\n\n"
            "文件可能已损坏，或所在磁盘不可用。可在“备份与恢复”中从备份恢复，或用 --db 选择其他数据库文件。"
        )
    log.error("打开数据库失败：%s", message)
    QMessageBox.critical(parent, f"{APP_NAME} — 无法打开数据库", message)
    return None


def start_session(db: Database, parent=None):
    """First-run dialog if the database has no office yet, then login; an AppContext or None (cancelled)."""
    from app.services.foundation import office as office_service
    from app.ui.context import AppContext
    from app.ui.first_run import FirstRunDialog
    from app.ui.login import LoginDialog

    with db.Session() as s:
        office = office_service.get_office(s)
    username = ""
    if office is None:
        dlg = FirstRunDialog(db, parent)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        username = dlg.username
        with db.Session() as s:
            office = office_service.get_office(s)
    from app.ui.main_window import last_user, remember_user

    login = LoginDialog(db, office.name, parent, username=username or last_user())
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        return None
    remember_user(login.actor.username)
    return AppContext(db=db, actor=login.actor, office_name=office.name, office_level=office.level)


def make_application(argv: list[str] | None = None) -> QApplication:
    from app.ui import crash
    from app.ui.i18n import install_translations

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        install_translations(app)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    crash.install()
    return app


def run_gui(db: str | None = None) -> int:
    """python -m app [--db PATH]: the whole desktop application; returns the exit code."""
    from app.services.foundation.logging_setup import setup_logging

    setup_logging()
    app = make_application()
    url = resolve_db(db)
    log.info("启动 %s %s，数据库 %s", APP_NAME, __version__, url)
    guard = InstanceGuard(url)
    refused = guard.acquire()
    if refused:
        QMessageBox.warning(None, f"{APP_NAME} — 数据库已打开", refused)
        return 3
    database = open_store(url)
    if database is None:
        guard.release()
        return 1
    ctx = start_session(database)
    if ctx is None:
        database.dispose()
        guard.release()
        return 0
    from app.ui.main_window import MainWindow

    window = MainWindow(ctx, guard=guard)
    window.show()
    window.daily_backup()
    rc = app.exec()
    database.dispose()
    return rc
