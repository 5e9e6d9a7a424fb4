"""数据库连接设置 (issue 21 point 2): a shared PostgreSQL database as separate fields — 服务器地址, 端口, 数据库名,
用户名 — and a password that is typed for this run only (or comes from PGPASSWORD / the .pgpass file) and is
NEVER stored in the program's settings. 测试连接 says in Chinese what is wrong (server unreachable, wrong password,
no such database, no permission). The settings are kept in window.ini under [database] (no password)."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app import APP_NAME
from app.ui.widgets import password_edit

KEYS = ("database/host", "database/port", "database/name", "database/user")


def _settings():
    from app.ui.main_window import settings

    return settings()


def saved_server_url() -> str | None:
    """The URL of the saved connection settings (no password in it), or None when none are saved."""
    from app.models.db import server_url_from_parts

    s = _settings()
    host = str(s.value("database/host", "") or "").strip()
    if not host:
        return None
    return server_url_from_parts(
        host, s.value("database/port", 5432), str(s.value("database/name", "ssj")), str(s.value("database/user", ""))
    )


class ConnectionDialog(QDialog):
    """The connection settings with 测试连接; on OK they are saved (without the password) and a typed password
    is put into this process's environment (PGPASSWORD) for the connection — in memory only."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} — 数据库连接（多人共用的 PostgreSQL）")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        intro = QLabel(
            "市局多人共用一个 PostgreSQL 数据库时填写（由信息化管理员提供）。口令不会保存在本程序中："
            "每次启动时输入，或由管理员配置环境变量 PGPASSWORD 或 .pgpass 文件。"
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        s = _settings()
        self.host = QLineEdit(str(s.value("database/host", "") or ""))
        self.host.setPlaceholderText("如：192.168.1.20 或 db.hbj.local")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(s.value("database/port", 5432) or 5432))
        self.name = QLineEdit(str(s.value("database/name", "ssj") or "ssj"))
        self.user = QLineEdit(str(s.value("database/user", "") or ""))
        self.password = password_edit("不保存；留空则使用 PGPASSWORD 或 .pgpass")
        form.addRow("服务器地址 *", self.host)
        form.addRow("端口", self.port)
        form.addRow("数据库名 *", self.name)
        form.addRow("用户名 *", self.user)
        form.addRow("口令", self.password)
        lay.addLayout(form)
        self.test_button = QPushButton("测试连接")
        self.test_button.clicked.connect(self.test_connection)
        lay.addWidget(self.test_button)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        lay.addWidget(self.result_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _missing(self) -> str:
        for label, edit in (("服务器地址", self.host), ("数据库名", self.name), ("用户名", self.user)):
            if not edit.text().strip():
                return f"请填写“{label}”。"
        return ""

    def test_connection(self) -> bool:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from app.services.foundation.store import check_connection

        missing = self._missing()
        if missing:
            self.result_label.setText(missing)
            return False
        self.result_label.setText("正在连接……")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ok, message = check_connection(
                self.host.text().strip(), self.port.value(), self.name.text().strip(), self.user.text().strip(),
                self.password.text() or None,
            )  # fmt: skip
        finally:
            QApplication.restoreOverrideCursor()
        self.result_label.setText(("✔ " if ok else "✘ ") + message)
        return ok

    def accept(self) -> None:
        missing = self._missing()
        if missing:
            self.result_label.setText(missing)
            return
        s = _settings()
        for key, value in zip(
            KEYS, (self.host.text().strip(), self.port.value(), self.name.text().strip(), self.user.text().strip())
        ):
            s.setValue(key, value)
        s.sync()
        if self.password.text():
            os.environ["PGPASSWORD"] = self.password.text()  # this process only; never written anywhere
        super().accept()
