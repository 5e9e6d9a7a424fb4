"""Start of the GUI: QApplication in Chinese, crash handler, one window per database, first run, login."""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import APP_ID, APP_NAME, __version__
from app.instance_lock import InstanceGuard
from app.models.db import Database, DatabaseError, describe_url, redact_url
from app.paths import resolve_db
from app.services.foundation.errors import UserError
from app.services.foundation.store import open_database

log = logging.getLogger(__name__)


def open_store(url: str, parent=None) -> Database | None:
    """Open (and migrate) the database; a Chinese error dialog and None if that fails.

    The message comes from the one translation (`errors.database_message`): never the URL's password,
    never SQLite advice for a server database; the log gets the details without the password."""
    from app.services.foundation.errors import database_message

    try:
        return open_database(url)
    except (DatabaseError, UserError) as exc:
        message = exc.message if isinstance(exc, UserError) else str(exc)
    except Exception as exc:  # sqlite3/SQLAlchemy/driver errors: corrupt file, disk, server problems…
        log.error("打开数据库失败（%s）：%s", redact_url(url), type(exc).__name__)
        message = database_message(exc, describe_url(url)) or (
            f"无法打开数据库 {describe_url(url)}。详细信息已写入日志；请检查数据库位置或连接设置后重试。"
        )
    log.error("打开数据库失败：%s", message)
    QMessageBox.critical(parent, f"{APP_NAME} — 无法打开数据库", message)
    return None


class SwitchDatabase(Exception):  # noqa: N818  (a signal, not an error)
    """The first-run dialog chose the shared server database (its settings are saved): open that instead."""


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
        result = dlg.exec()
        if result == FirstRunDialog.SERVER:
            raise SwitchDatabase()
        if result != QDialog.DialogCode.Accepted:
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


def app_icon():
    """The application icon (window title bar, taskbar) from resources/icons, or None if missing."""
    from importlib import resources

    from PySide6.QtGui import QIcon

    folder = resources.files("resources") / "icons"
    icon = QIcon()
    for name in ("ssj.svg", "ssj.png"):
        entry = folder / name
        if entry.is_file():
            icon.addFile(str(entry))
    return None if icon.isNull() else icon


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
    app.setDesktopFileName("ssj")  # matches ssj.desktop, so the 信创 taskbar shows the icon and name
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    crash.install()
    return app


def use_documents_as_working_folder(frozen: bool | None = None) -> None:
    """Save dialogs given a bare file name open in the working folder: in the installed program make that 文档,
    not the install folder (started from the Start menu it runs in %LOCALAPPDATA%\\Programs\\ssj, or Program
    Files). Run from source, the folder the user started it in is kept."""
    import os

    from app.paths import documents_dir, is_frozen

    if not (is_frozen() if frozen is None else frozen):
        return
    try:
        os.chdir(documents_dir())
    except OSError:  # pragma: no cover - a missing or unreadable Documents folder: keep the current one
        pass


def run_gui(db: str | None = None) -> int:
    """python -m app [--db PATH]: the whole desktop application; returns the exit code."""
    import os

    from app.services.foundation.logging_setup import setup_logging
    from app.ui.connection import saved_server_url

    server = None if (db or os.environ.get("SSJ_DB")) else saved_server_url()
    url = server or resolve_db(db)  # the saved connection settings of a shared server, else the local file
    setup_logging(db_url=url)  # one log file per database: two windows never share (and block) one file
    app = make_application()
    use_documents_as_working_folder()
    log.info("启动 %s %s，数据库 %s", APP_NAME, __version__, redact_url(url))
    guard = InstanceGuard(url)
    refused = guard.acquire()
    if refused:
        QMessageBox.warning(None, f"{APP_NAME} — 数据库已打开", refused)
        return 3
    database = open_store(url)
    if database is None:
        guard.release()
        return 1
    try:
        ctx = start_session(database)
    except SwitchDatabase:
        database.dispose()
        guard.release()
        return run_gui(db)  # now with the saved server settings (the empty local file is left as it is)
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
