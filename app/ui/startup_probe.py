"""The start-up probe of bench/startup.py: with ``SSJ_STARTUP_PROBE=<user>`` (and that user's ``SSJ_PASSWORD``) the
program prints when the login window is shown (``LOGIN <epoch>``), logs in as soon as the database is open
(``SUBMIT <epoch>``), prints when the main window has been shown and has answered its first events
(``MAIN <epoch>``), and ends at once. The same probe runs from source and in the frozen bundle, so both are timed
the same way (``bench/startup.py --frozen dist/ssj/ssj``). Without the variable nothing of this is loaded."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


class StartupProbe(QObject):
    def __init__(self, user: str, password: str, parent=None):
        super().__init__(parent)
        self.user, self.password = user, password
        self.login = None

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            kind = type(obj).__name__
            if kind == "LoginDialog" and self.login is None:
                self.login = obj
                print("LOGIN", time.time(), flush=True)
                QTimer.singleShot(0, self.submit)
            elif kind == "MainWindow":
                obj.backup_on_close = False
                QTimer.singleShot(0, self.ready)
        return False

    def submit(self) -> None:
        if self.login.db is None:  # 登录 waits for the database
            QTimer.singleShot(5, self.submit)
            return
        self.login.username.setText(self.user)
        self.login.password.setText(self.password)
        print("SUBMIT", time.time(), flush=True)
        self.login.submit()

    def ready(self) -> None:
        print("MAIN", time.time(), flush=True)
        os._exit(0)  # measured: no daily backup, no teardown


def install(app: QApplication, user: str) -> StartupProbe:
    probe = StartupProbe(user, os.environ.get("SSJ_PASSWORD", ""), app)
    app.installEventFilter(probe)
    return probe
