"""The shared server's health while the main window is open (issue 21 point 3): a PostgreSQL database is checked
every few seconds off the UI thread. While the server cannot be reached a banner says so (server unreachable,
retrying, the figures shown were read before HH:MM and may be stale), the page is greyed out (stale, and no
action that would fail) and the window title says 数据可能已过期;
when it answers again the banner goes and the current page is read again. Nothing for a SQLite file."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

INTERVAL_MS = 5000
STALE_SUFFIX = "（服务器中断，数据可能已过期）"


class ServerWatch(QObject):
    checked = Signal(bool, str)

    def __init__(self, window, interval_ms: int = INTERVAL_MS):
        super().__init__(window)
        self.window = window
        self.db = window.ctx.db
        self.away = False
        self.last_ok = datetime.now()
        self._busy = False
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background: #fff4e5; color: #8a4b00; border: 1px solid #f0b46a; padding: 6px; font-weight: bold;"
        )
        self.banner.hide()
        central = window.takeCentralWidget()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.banner)
        lay.addWidget(central, 1)
        window.setCentralWidget(box)
        self.checked.connect(self._on_checked)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        """Ping the server on a worker thread (an unreachable host must not freeze the window)."""
        if self._busy:
            return
        self._busy = True
        threading.Thread(target=self._ping, daemon=True, name="ssj-server-watch").start()

    def _ping(self) -> None:
        try:
            with self.db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            self.checked.emit(True, "")
        except Exception as exc:  # the server is away: say so in Chinese, log no password
            from app.models.db import describe_url
            from app.services.foundation.errors import database_message

            log.warning("数据库服务器无响应：%s", type(exc).__name__)
            self.checked.emit(False, database_message(exc, describe_url(self.db.url)) or "")
        finally:
            self._busy = False

    def _on_checked(self, ok: bool, message: str) -> None:
        title = self.window.windowTitle().replace(STALE_SUFFIX, "")
        if ok:
            self.last_ok = datetime.now()
            if self.away:
                self.away = False
                self.banner.hide()
                self.window.stack.setEnabled(True)
                self.window.setWindowTitle(title)
                log.info("数据库服务器已恢复连接，刷新当前页面")
                self.window._refresh_current()
                self.window.statusBar().showMessage("数据库服务器已恢复连接，页面已刷新。", 5000)
            return
        self.away = True
        url = self.db.engine.url
        every = max(1, round(self.timer.interval() / 1000))
        self.banner.setText(
            f"⚠ 无法连接数据库服务器 {url.host}:{url.port or 5432}（服务器停止、网络中断或正在维护），"
            f"正在每 {every} 秒自动重试……当前页面中的数字是 {self.last_ok:%H:%M} 之前读取的，可能已过期；"
            "服务器恢复后横幅消失、页面自动刷新。在此之前请不要录入或修改。"
        )
        self.banner.setToolTip(message)
        self.banner.show()
        self.window.stack.setEnabled(False)  # the figures greyed out (stale), no action that would fail
        self.window.setWindowTitle(title + STALE_SUFFIX)


def install(window) -> ServerWatch | None:
    return ServerWatch(window) if window.ctx.db.is_postgres else None
