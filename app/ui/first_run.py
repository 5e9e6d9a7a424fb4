"""首次设置: the office (单位名称, 行政区划代码, 层级, 上级单位), its rule preset and the administrator."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app import APP_NAME
from app.models.db import Database
from app.models.vocabulary import Role
from app.services.foundation import office as office_service
from app.services.foundation.context import Actor, acting_as
from app.ui.operations import attempt
from app.ui.widgets import password_edit

log = logging.getLogger(__name__)


def _presets() -> list[tuple[str, str]]:
    """(id, name) of the shipped rule presets, if the policies service is present."""
    try:
        from app.services.rules import policies
    except Exception:  # another area's module, possibly still in progress
        return []
    try:
        ids = policies.preset_ids()
    except Exception:
        return []
    try:
        names = policies.preset_names()
    except Exception:
        names = {}
    return [(pid, names.get(pid, pid)) for pid in ids]


class FirstRunDialog(QDialog):
    """Creates the office and the administrator in one transaction; `self.username` after accept."""

    def __init__(self, db: Database, parent=None):
        super().__init__(parent)
        self.db = db
        self.username = ""
        self.setWindowTitle(f"{APP_NAME} — 首次设置")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        intro = QLabel("欢迎使用双随机抽查工作台。请先填写本单位信息并设置管理员账户，以后用此账户登录。")
        intro.setWordWrap(True)
        lay.addWidget(intro)

        box = QGroupBox("本单位")
        form = QFormLayout(box)
        self.office_name = QLineEdit()
        self.office_name.setPlaceholderText("如：泽州县生态环境保护综合行政执法大队")
        self.region_code = QLineEdit()
        self.region_code.setPlaceholderText("6 位数字，如 140525")
        self.region_code.setMaxLength(12)
        self.level = QComboBox()
        self.level.addItem("县级", "county")
        self.level.addItem("市级", "city")
        self.parent_name = QLineEdit()
        self.parent_name.setPlaceholderText("如：晋城市生态环境局")
        self.preset = QComboBox()
        self.preset.addItem("（暂不选择，以后在“规则设置”页选择）", "")
        for pid, name in _presets():
            self.preset.addItem(name, pid)
        form.addRow("单位名称 *", self.office_name)
        form.addRow("行政区划代码", self.region_code)
        form.addRow("层级 *", self.level)
        form.addRow("上级单位", self.parent_name)
        form.addRow("规则预设", self.preset)
        lay.addWidget(box)

        box = QGroupBox("管理员账户")
        form = QFormLayout(box)
        self.admin = QLineEdit("admin")
        self.password = password_edit("至少 6 位")
        self.password2 = password_edit()
        form.addRow("用户名 *", self.admin)
        form.addRow("密码 *", self.password)
        form.addRow("再次输入密码 *", self.password2)
        lay.addWidget(box)

        box = QGroupBox("报送口令（加密本单位的签名私钥，写报送包时输入）")
        form = QFormLayout(box)
        self.key_passphrase = password_edit("至少 8 位，与登录密码不同")
        self.key_passphrase2 = password_edit()
        form.addRow("报送口令 *", self.key_passphrase)
        form.addRow("再次输入 *", self.key_passphrase2)
        lay.addWidget(box)

        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.server_button = buttons.addButton("改用多人共用的数据库…", QDialogButtonBox.ButtonRole.ActionRole)
        self.server_button.setToolTip("市局多人共用一个 PostgreSQL 数据库时：填写服务器地址、端口、数据库名、用户名")
        self.server_button.clicked.connect(self.use_server)
        self.ok_button = buttons.addButton("完成设置", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.office_name.setFocus(Qt.FocusReason.OtherFocusReason)

    SERVER = 2  # exec() result: the user chose a shared server database instead (connection settings saved)

    def use_server(self) -> None:
        from app.ui.connection import ConnectionDialog

        if ConnectionDialog(self).exec() == QDialog.DialogCode.Accepted:
            self.done(self.SERVER)

    def submit(self) -> None:
        self.error.clear()
        name = self.office_name.text().strip()
        if not name:
            return self._fail("请填写单位名称。", self.office_name)
        admin = self.admin.text().strip()
        if not admin:
            return self._fail("请填写管理员用户名。", self.admin)
        if self.password.text() != self.password2.text():
            return self._fail("两次输入的密码不一致，请重新输入。", self.password2)
        if not self.password.text():
            return self._fail("请为管理员设置密码（至少 6 位）。", self.password)
        if self.key_passphrase.text() != self.key_passphrase2.text():
            return self._fail("两次输入的报送口令不一致，请重新输入。", self.key_passphrase2)
        passphrase = self.key_passphrase.text()
        if not attempt(lambda: office_service.check_passphrase(passphrase), shown=self.error.setText):
            self.key_passphrase.setFocus()
            return None
        preset = self.preset.currentData() or ""

        def init() -> None:
            with acting_as(Actor(admin, Role.ADMIN)), self.db.Session() as s:
                office_service.init_office(
                    s,
                    name=name,
                    level=self.level.currentData(),
                    region_code=self.region_code.text(),
                    parent_name=self.parent_name.text(),
                    admin=admin,
                    admin_password=self.password.text(),
                    key_passphrase=self.key_passphrase.text(),
                )
                if preset:
                    from app.services.rules import policies

                    policies.set_policy(s, preset)
                s.commit()

        if not attempt(init, shown=self._fail):
            return None
        log.info("首次设置完成：%s，管理员 %s", name, admin)
        self.username = admin
        self.accept()

    def _fail(self, message: str, widget=None) -> None:
        self.error.setText(message)
        if widget is not None:
            widget.setFocus()
