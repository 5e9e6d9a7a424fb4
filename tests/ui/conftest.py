"""Fixtures shared by the UI tests."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture
def messages(monkeypatch):
    """Record every QMessageBox.information/warning/critical as (kind, title, text) instead of showing it.

    A confirmation (QMessageBox.question) is recorded too and answered 是 (Yes); tests of the confirmations
    themselves answer a real box (tests/ui/test_confirmations.py)."""
    seen = []

    def record(kind):
        def _f(parent, title, text, *a, **k):
            seen.append((kind, title, text))
            return QMessageBox.StandardButton.Ok

        return _f

    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))

    def question(parent, title, text, *a, **k):
        seen.append(("question", title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return seen


@pytest.fixture(autouse=True)
def keep_excepthooks(monkeypatch):
    """run_gui installs the crash dialog as sys.excepthook; give later tests their hooks back."""
    import sys
    import threading

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


@pytest.fixture
def ctx(db):
    """The administrator's context on the test database (a module may define its own)."""
    from app.ui.context import AppContext
    from tests.ui.shell_support import ADMIN

    return AppContext(db=db, actor=ADMIN, office_name="测试县生态环境保护综合行政执法大队", office_level="county")


@pytest.fixture
def window(qtbot, ctx):
    """The main window on ``ctx``, shown; no background job outlives its test (a module may define its own)."""
    from app.ui.main_window import MainWindow
    from app.ui.operations import wait_all

    w = MainWindow(ctx)
    w.backup_on_close = False
    qtbot.addWidget(w)
    w.show()
    wait_all(10000)  # 首页 loads its figures off the UI thread
    yield w
    wait_all(10000)
