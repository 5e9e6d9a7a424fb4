"""Start of the GUI: QApplication in Chinese, crash handler, one window per database, first run, login.

Start fast: the login window is shown first and the database is opened (SQLAlchemy, the models, migrations)
on a worker thread behind it; 登录 is enabled when the store is ready. Nothing here imports the store at
module level, and the main window imports each page only when it is first opened (app/ui/pages/__init__.py).
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import APP_ID, APP_NAME, __version__
from app.instance_lock import InstanceGuard
from app.paths import resolve_db
from app.services.foundation.errors import UserError

if TYPE_CHECKING:
    from app.models.db import Database

log = logging.getLogger(__name__)


def open_failure_message(url: str, exc: BaseException) -> str:
    """The Chinese message for a database that cannot be opened (from the one translation,
    `errors.database_message`): never the URL's password, never SQLite advice for a server database; the log
    gets the details without the password."""
    from app.models.db import DatabaseError, describe_url, redact_url
    from app.services.foundation.errors import database_message

    if isinstance(exc, UserError):
        message = exc.message
    elif isinstance(exc, DatabaseError):
        message = str(exc)
    else:  # sqlite3/SQLAlchemy/driver errors: corrupt file, disk, server problems…
        log.error("打开数据库失败（%s）：%s", redact_url(url), type(exc).__name__)
        message = database_message(exc, describe_url(url)) or (
            f"无法打开数据库 {describe_url(url)}。详细信息已写入日志；请检查数据库位置或连接设置后重试。"
        )
    log.error("打开数据库失败：%s", message)
    return message


def open_store(url: str, parent=None) -> Database | None:
    """Open (and migrate) the database; a Chinese error dialog and None if that fails."""
    from app.services.foundation.store import open_database

    try:
        return open_database(url)
    except Exception as exc:
        QMessageBox.critical(parent, f"{APP_NAME} — 无法打开数据库", open_failure_message(url, exc))
        return None


class StoreOpener(QObject):
    """Opens (and migrates) the database on a worker thread; `opened(db, office or None, error or None)` is
    delivered on the UI thread. `office` is (name, level) of the office, None before the first run."""

    opened = Signal(object, object, object)

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.thread = threading.Thread(target=self._run, name="open-store", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        db = office = None
        try:
            from app.services.foundation import office as office_service
            from app.services.foundation.store import open_database

            db = open_database(self.url)
            with db.Session() as s:
                found = office_service.get_office(s)
                office = (found.name, found.level) if found else None
        except BaseException as exc:  # reported on the UI thread, in Chinese
            if db is not None:
                db.dispose()
            self.opened.emit(None, None, exc)
            return
        self.opened.emit(db, office, None)

    def wait(self) -> None:
        self.thread.join()


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
    from app.ui.remembered import last_user, remember_user

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
    if os.environ.get("SSJ_STARTUP_PROBE"):  # bench/startup.py times this start, from source or frozen
        from app.ui.startup_probe import install

        install(app, os.environ["SSJ_STARTUP_PROBE"])
    use_documents_as_working_folder()
    guard = InstanceGuard(url)
    refused = guard.acquire()
    if refused:
        QMessageBox.warning(None, f"{APP_NAME} — 数据库已打开", refused)
        return 3
    result = login_while_opening(url)
    if isinstance(result, SwitchDatabase):  # the first-run window chose a shared server instead
        guard.release()
        return run_gui(db)  # now with the saved server settings (the empty local file is left as it is)
    if isinstance(result, BaseException):
        QMessageBox.critical(None, f"{APP_NAME} — 无法打开数据库", open_failure_message(url, result))
        guard.release()
        return 1
    database, ctx = result
    if ctx is None:
        if database is not None:
            database.dispose()
        guard.release()
        return 0
    from app.models.db import redact_url
    from app.ui.main_window import MainWindow

    log.info("启动 %s %s，数据库 %s", APP_NAME, __version__, redact_url(url))
    window = MainWindow(ctx, guard=guard)
    window.show()
    window.daily_backup()
    rc = app.exec()
    database.dispose()
    return rc


def login_while_opening(url: str):
    """Show the login window at once and open the database behind it.

    Returns the exception if the database cannot be opened, else (database or None, AppContext or None — the
    user chose 退出). A database without an office yet goes through the first-run dialog (`start_session`)."""
    from app.ui.login import LoginDialog
    from app.ui.remembered import last_user, remember_user

    login = LoginDialog(None, "", username=last_user())
    state: dict = {}

    def opened(database, office, error) -> None:
        state.update(db=database, office=office, error=error)
        if error is not None or office is None:
            login.reject()  # a message or the first-run dialog comes next
        else:
            login.attach(database, office[0])

    opener = StoreOpener(url)
    opener.opened.connect(opened)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, opener.start)  # after the window is on the screen: the import work then runs behind it
    accepted = login.exec() == QDialog.DialogCode.Accepted and login.actor is not None
    opener.wait()
    QApplication.processEvents()  # deliver `opened` if the user closed the window before it arrived
    if state.get("error") is not None:
        return state["error"]
    database = state.get("db")
    if database is None:
        return None, None
    if state.get("office") is None:  # first run: set up the office, then log in
        try:
            return database, start_session(database)
        except SwitchDatabase as switch:  # 改用多人共用的数据库…: the caller opens the saved server instead
            database.dispose()
            return switch
    if not accepted:
        return database, None
    from app.ui.context import AppContext

    remember_user(login.actor.username)
    name, level = state["office"]
    return database, AppContext(db=database, actor=login.actor, office_name=name, office_level=level)
