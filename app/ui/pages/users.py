"""账户管理 (administrators only): add accounts, change roles, reset passwords, unlock, deactivate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.core import ROLES
from app.models.vocabulary import Role
from app.services.foundation import accounts, listings
from app.ui.context import AppContext
from app.ui.operations import run_op
from app.ui.pages import PageSpec
from app.ui.widgets import RowsTableModel, button_row, password_edit, record_table


class UserModel(RowsTableModel):
    HEADERS = ("用户名", "姓名", "角色", "状态", "最近登录", "创建时间")
    rows: list[listings.AccountRow]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return [r.username, r.display_name, r.role, r.status, r.last_login, r.created][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 3 and r.status != "正常":
            from PySide6.QtGui import QColor

            return QColor("#b00020")
        return None


class AddUserDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("新建账户")
        form = QFormLayout(self)
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.role = QComboBox()
        self.role.addItems(list(ROLES))
        self.role.setCurrentText(Role.CLERK)
        self.password = password_edit("至少 6 位；首次登录时需修改")
        self.password2 = password_edit()
        form.addRow("用户名 *", self.username)
        form.addRow("姓名", self.display_name)
        form.addRow("角色 *", self.role)
        form.addRow("初始密码 *", self.password)
        form.addRow("再次输入 *", self.password2)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        if not self.username.text().strip():
            self.error.setText("请填写用户名。")
        elif self.password.text() != self.password2.text():
            self.error.setText("两次输入的密码不一致。")
        elif not self.password.text():
            self.error.setText("请设置初始密码。")
        else:
            self.accept()


class UsersPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        note = QLabel(
            "<b>账户管理</b>　角色：管理员（全部功能）、录入员（录入和导入）、审核员（审核检查结果）、"
            "领导（查看和审批）。连续输错密码 5 次的账户会被锁定 15 分钟，可在此解锁。"
        )
        note.setWordWrap(True)
        lay.addWidget(note)
        self.add_button = QPushButton("新建账户…")
        self.role_button = QPushButton("更改角色…")
        self.reset_button = QPushButton("重置密码…")
        self.unlock_button = QPushButton("解锁")
        self.active_button = QPushButton("停用")
        lay.addLayout(
            button_row(
                self.add_button, self.role_button, self.reset_button, self.unlock_button, self.active_button, None
            )
        )
        self.model = UserModel(self)
        self.table = record_table(self.model, self, key="users")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        self.add_button.clicked.connect(self.add_user)
        self.role_button.clicked.connect(self.change_role)
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button.clicked.connect(self.toggle_active)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.read() as s:
            rows = listings.accounts(s)
        self.model.set_rows(rows)
        self._update_buttons()

    def selected(self) -> dict | None:
        idx = self.table.selectionModel().selectedRows()
        return self.model.rows[idx[0].row()] if idx else None

    def select_username(self, username: str) -> None:
        for i, r in enumerate(self.model.rows):
            if r.username == username:
                self.table.selectRow(i)
                return

    def _update_buttons(self, *_args) -> None:
        r = self.selected()
        for b in (self.role_button, self.reset_button, self.unlock_button, self.active_button):
            b.setEnabled(r is not None)
        if r is not None:
            self.unlock_button.setEnabled(r.status == "已锁定")
            self.active_button.setText("停用" if r.active else "启用")

    def _change(self, fn, done: str) -> bool:
        r = self.selected()
        if r is None:
            return False
        if not run_op(self, self.ctx, lambda s: fn(s, listings.account(s, r.id)), error_title="账户管理").ok:
            return False
        self.refresh()
        self.select_username(r.username)
        self.ctx.extras.get("main_window") and self.ctx.extras["main_window"].statusBar().showMessage(done, 5000)
        return True

    def add_user(self) -> None:
        dlg = AddUserDialog(self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        username, role, password = dlg.username.text(), dlg.role.currentText(), dlg.password.text()
        name = dlg.display_name.text().strip()

        def work(s):
            accounts.create_user(s, username, role, password, display_name=name, must_change_password=True)

        if not run_op(self, self.ctx, work, error_title="新建账户").ok:
            return
        self.refresh()
        self.select_username(dlg.username.text().strip())

    def change_role(self) -> None:
        r = self.selected()
        if r is None:
            return
        role, ok = QInputDialog.getItem(
            self,
            "更改角色",
            f"账户“{r.username}”的新角色：",
            list(ROLES),
            list(ROLES).index(r.role) if r.role in ROLES else 0,
            False,
        )
        if ok:
            self._change(lambda s, u: accounts.set_role(s, u, role), f"已把 {r.username} 的角色改为 {role}。")

    def reset_password(self) -> None:
        r = self.selected()
        if r is None:
            return
        password, ok = QInputDialog.getText(
            self,
            "重置密码",
            f"为“{r.username}”设置临时密码（至少 6 位，该用户下次登录时必须修改）：",
            QLineEdit.EchoMode.Password,
        )
        if ok:
            self._change(lambda s, u: accounts.reset_password(s, u, password), f"已重置 {r.username} 的密码。")

    def unlock(self) -> None:
        r = self.selected()
        if r is not None:
            self._change(accounts.unlock, f"已解锁 {r.username}。")

    def toggle_active(self) -> None:
        r = self.selected()
        if r is None:
            return
        if r.username == self.ctx.actor.username and r.active:
            QMessageBox.warning(self, "账户管理", "不能停用当前登录的账户。")
            return
        if r.active:
            answer = QMessageBox.question(
                self, "停用账户", f"停用后“{r.username}”将不能登录，其历史记录保留。确定停用？"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._change(
            lambda s, u: accounts.set_active(s, u, not r.active),
            f"已{'停用' if r.active else '启用'} {r.username}。",
        )


PAGE = PageSpec(key="users", title="账户管理", group="系统", order=90, factory=UsersPage, roles=(Role.ADMIN,))
