"""登录 and 修改密码 dialogs: messages appear in the dialog itself (wrong password, locked account).

The login window is the first thing the program shows: it imports no store code (SQLAlchemy, the models, the
services are imported when 登录 is pressed), so it can appear while the database is still being opened
(`LoginDialog(None, …)`, then `attach(db, office_name)` when it is ready)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLayout, QLineEdit, QVBoxLayout

from app import APP_NAME
from app.services.foundation.context import Actor, acting_as
from app.ui.operations import attempt
from app.ui.widgets import password_edit

if TYPE_CHECKING:
    from app.models.db import Database


def _error_label() -> QLabel:
    label = QLabel("")
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    return label


class LoginDialog(QDialog):
    """On accept, `self.actor` is the logged-in user (password changed first if required)."""

    def __init__(self, db: Database | None, office_name: str = "", parent=None, username: str = ""):
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.setWindowTitle(f"{APP_NAME} — 登录")
        self.setMinimumWidth(420)
        lay = QVBoxLayout(self)
        lay.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # a wrapped message grows the dialog
        self.title = QLabel(f"<b>{office_name or APP_NAME}</b>")
        lay.addWidget(self.title)
        form = QFormLayout()
        self.username = QLineEdit(username)
        self.password = password_edit()
        for field in (self.username, self.password):
            field.setMinimumWidth(300)  # the dialog's width comes from its layout (it grows with a long message)
        form.addRow("用户名", self.username)
        form.addRow("密码", self.password)
        lay.addLayout(form)
        self.error = _error_label()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("登录", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        (self.password if username else self.username).setFocus()
        self.waiting = QLabel("正在打开数据库……")
        self.waiting.setStyleSheet("color: #555;")
        lay.insertWidget(1, self.waiting)
        self.waiting.setVisible(db is None)
        self.ok_button.setEnabled(db is not None)

    def attach(self, db: Database, office_name: str) -> None:
        """The database is open: show the office and allow 登录."""
        self.db = db
        self.title.setText(f"<b>{office_name or APP_NAME}</b>")
        self.waiting.setVisible(False)
        self.ok_button.setEnabled(True)

    def submit(self) -> None:
        from app.services.foundation import accounts

        self.error.clear()
        if self.db is None:
            self.error.setText("正在打开数据库，请稍候再按“登录”。")
            return
        if not self.username.text().strip():
            self.error.setText("请输入用户名。")
            return

        def login():
            with self.db.Session() as s:
                with acting_as(Actor(self.username.text().strip(), "")):
                    user = accounts.authenticate(s, self.username.text(), self.password.text())
                return accounts.actor_for(user), user.must_change_password

        done = attempt(login, shown=self.error.setText)
        if not done.ok:
            self.password.clear()
            self.password.setFocus()
            return
        actor, must_change = done.result
        if must_change:
            dlg = ChangePasswordDialog(self.db, actor, self, reason="首次登录或管理员重置了密码，请设置新密码。")
            if dlg.exec() != QDialog.DialogCode.Accepted:
                self.error.setText("必须先设置新密码才能登录。")
                return
        self.actor = actor
        self.accept()


class ChangePasswordDialog(QDialog):
    """New password twice; from the menu (`require_current`) the current password is asked first."""

    def __init__(self, db: Database, actor: Actor, parent=None, reason: str = "", require_current: bool = False):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.require_current = require_current
        self.setWindowTitle("修改密码")
        lay = QVBoxLayout(self)
        if reason:
            note = QLabel(reason)
            note.setWordWrap(True)
            lay.addWidget(note)
        form = QFormLayout()
        self.current = password_edit()
        if require_current:
            form.addRow("当前密码", self.current)
        self.password = password_edit("至少 6 位")
        self.password2 = password_edit()
        form.addRow("新密码", self.password)
        form.addRow("再次输入", self.password2)
        lay.addLayout(form)
        self.error = _error_label()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox()
        buttons.addButton("确定", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def submit(self) -> None:
        from app.services.foundation import accounts, listings

        if self.password.text() != self.password2.text():
            self.error.setText("两次输入的密码不一致，请重新输入。")
            return

        def change() -> None:
            with acting_as(self.actor), self.db.Session() as s:
                user = listings.account_by_name(s, self.actor.username)
                if self.require_current:
                    accounts.change_password(s, user, self.current.text(), self.password.text())
                else:
                    accounts.set_password(s, user, self.password.text())
                s.commit()

        if attempt(change, shown=self.error.setText):
            self.accept()
