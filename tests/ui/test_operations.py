"""The one way to run work from the UI (app/ui/operations.py): errors, crashes, success, threads, cancel."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.models import Inspector
from app.services.foundation.context import Actor
from app.services.foundation.errors import UserError
from app.ui import crash, operations
from app.ui.context import AppContext
from app.ui.operations import run_op

ADMIN = Actor("admin", "管理员", "管理员")


@pytest.fixture
def ctx(db):
    return AppContext(db=db, actor=ADMIN, office_name="测试县", office_level="county")


@pytest.fixture
def crashes(monkeypatch):
    seen = []

    def fake_exec(dialog):
        seen.append(dialog.details)
        return 0

    monkeypatch.setattr(crash.CrashDialog, "exec", fake_exec)
    return seen


@pytest.fixture(autouse=True)
def _join():
    yield
    operations.wait_all()


def inspectors(db) -> int:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(Inspector))


def add_inspector(s, name="张三"):
    s.add(Inspector(name=name, org="测试县执法大队"))
    s.flush()
    return name


def test_success_commits_and_calls_back(qtbot, ctx, messages, crashes):
    got = []
    op = run_op(None, ctx, add_inspector, success=got.append)
    assert op.ok and got == ["张三"] and op.result == "张三"
    assert inspectors(ctx.db) == 1
    assert messages == [] and crashes == []


def test_user_error_shows_the_chinese_message_and_writes_nothing(qtbot, ctx, messages, crashes):
    def work(s):
        add_inspector(s)
        raise UserError("第 3 行“执法证号”为空：请补上后重试。")

    called = []
    op = run_op(None, ctx, work, success=called.append, error_title="保存失败")
    assert not op.ok and called == []
    assert messages == [("warning", "保存失败", "第 3 行“执法证号”为空：请补上后重试。")]
    assert crashes == []
    assert inspectors(ctx.db) == 0


def test_unexpected_error_goes_to_the_crash_dialog_not_a_message_box(qtbot, ctx, messages, crashes):
    def work(s):
        add_inspector(s)
        raise ZeroDivisionError("boom")

    op = run_op(None, ctx, work)
    assert not op.ok and isinstance(op.error, ZeroDivisionError)
    assert messages == []
    assert len(crashes) == 1 and "ZeroDivisionError" in crashes[0]
    assert inspectors(ctx.db) == 0


def test_failure_callback_may_show_the_error_itself(qtbot, ctx, messages, crashes):
    shown = []

    def failure(exc):
        shown.append(exc.message)
        return True

    run_op(None, None, lambda: (_ for _ in ()).throw(UserError("文件打不开")), failure=failure)
    assert shown == ["文件打不开"] and messages == []


def test_background_work_runs_off_the_ui_thread(qtbot, ctx, messages, crashes):
    threads, got = [], []

    def work(s):
        threads.append(threading.get_ident())
        return add_inspector(s, "李四")

    op = run_op(None, ctx, work, background=True, success=got.append)
    qtbot.waitUntil(lambda: got == ["李四"], timeout=10000)
    assert threads and threads[0] != threading.get_ident()
    assert op.ok and inspectors(ctx.db) == 1 and not operations.writing()


def test_background_user_error_is_shown_on_the_ui_thread(qtbot, ctx, messages, crashes):
    def work(s):
        raise UserError("没有可抽取的对象。")

    op = run_op(None, ctx, work, background=True)
    qtbot.waitUntil(op.done.is_set, timeout=10000)
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert messages == [("warning", "无法完成", "没有可抽取的对象。")]


def test_cancel_really_cancels_a_write_even_after_the_work_ran_through(qtbot, ctx, messages, crashes):
    started, release = threading.Event(), threading.Event()
    got, failed = [], []

    def work(s, progress):
        for i in range(3):
            add_inspector(s, f"人员{i}")
            progress(i + 1, 3, f"第 {i + 1} 行")
        started.set()
        release.wait(10)
        return "written"  # the work itself ignores the cancel request: the helper must still roll back

    op = run_op(
        None, ctx, work, background=True, progress=True, cancellable=True, success=got.append, failure=failed.append
    )
    assert started.wait(10)
    assert operations.writing()
    op.cancel()
    release.set()
    qtbot.waitUntil(op.done.is_set, timeout=10000)
    qtbot.waitUntil(lambda: bool(failed), timeout=10000)
    assert got == [] and isinstance(failed[0], operations.Cancelled)
    assert messages == [] and crashes == []
    assert inspectors(ctx.db) == 0


def test_read_work_never_commits(qtbot, ctx, messages, crashes):
    op = run_op(None, ctx, add_inspector, read=True)
    assert op.ok
    assert inspectors(ctx.db) == 0
