"""Issue 13 point 3 in the GUI: a database fault that reaches the crash handler is shown in Chinese (the
same translation as the CLI), not as a traceback dialog; the details stay in the log."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QMessageBox
from sqlalchemy.exc import OperationalError

from app.ui import crash


def test_database_faults_reach_the_clerk_in_chinese(qtbot, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(crash.CrashDialog, "exec", lambda self: shown.append("CRASH " + self.details))
    for text, expect in (
        ("database or disk is full", "磁盘空间已满"),
        ("attempt to write a readonly database", "只读"),
        ("database is locked", "另一个程序正在写入"),
        ("database disk image is malformed", "已损坏"),
    ):
        exc = OperationalError("INSERT INTO x VALUES (?)", ("秘密数据",), sqlite3.OperationalError(text))
        crash.handle_exception(type(exc), exc, None)
        assert expect in shown[-1] and "Traceback" not in shown[-1] and "秘密数据" not in shown[-1], shown[-1]
    crash.handle_exception(ValueError, ValueError("意外"), None)
    assert shown[-1].startswith("CRASH"), "other errors still get the crash dialog with details"
