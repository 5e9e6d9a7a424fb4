"""One way to run work from the UI (after anki's ``aqt/operations``).

A page hands a service call to :func:`run_op` and says what to do with the result::

    run_op(self, self.ctx, lambda s: outcomes.confirm(s, oid), success=lambda _r: self.refresh())

``run_op`` opens the unit of work (``ctx.session()`` — one transaction, committed on success — or ``ctx.read()``
with ``read=True``; ``ctx=None``: ``work()`` takes no session; ``own_transactions=True``: ``work(Session)`` gets the
session factory, as the logged-in user, for a service that runs more than one transaction), shows the busy cursor,
and then:

- a :class:`UserError` → the one error dialog (:func:`show_error`, a Chinese message the clerk can act on);
- anything else → logged and shown in the crash dialog (details can be copied for support);
- success → ``success(result)``.

``background=True`` runs the work on the thread pool (anything that can take over ~0.3 s): a progress dialog
appears after 0.5 s (``quiet=True``: no dialog and no busy cursor, for a page that fills itself in while the
user goes on, like 首页); with ``progress=True`` the work receives a :class:`Progress` as its last argument
(``progress(done, total, text)`` and ``progress.cancelled()``). With ``cancellable=True`` the dialog has 取消;
a cancelled write is rolled back even if the work itself ran to the end — cancel really cancels.

The returned :class:`Op` tells ``ok``/``result`` at once for inline work; :func:`writing` says whether a write is
still running (the main window asks before closing); :func:`wait_all` joins everything (exit, tests).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from app.services.foundation.errors import UserError

log = logging.getLogger(__name__)

ERROR_TITLE = "无法完成"


class Cancelled(Exception):
    """The user pressed 取消: nothing was written."""


# ---------------------------------------------------------------------------------------------- dialogs
def show_error(parent: QWidget | None, exc: BaseException, title: str = ERROR_TITLE) -> None:
    """The one error dialog: a UserError's Chinese message; anything else goes to the crash dialog."""
    if isinstance(exc, UserError):
        QMessageBox.warning(parent, title, exc.message)
    else:
        show_crash(exc)


def show_info(parent: QWidget | None, text: str, title: str = "完成") -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, text: str, title: str = "请确认") -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def show_crash(exc: BaseException, tb: str | None = None) -> None:
    """Log an unexpected error and show the crash dialog (never a bare traceback in a message box)."""
    from app.ui import crash

    log.error("操作失败：%s", exc, exc_info=(type(exc), exc, exc.__traceback__))
    crash.show_dialog(type(exc), exc, exc.__traceback__, details=tb)


# ---------------------------------------------------------------------------------------------- running
class Progress:
    """What long work receives: call it to report, ask ``cancelled()`` to stop early."""

    def __init__(self, report: Callable[[int, int, str], None], cancelled: Callable[[], bool]):
        self._report, self._cancelled = report, cancelled

    def __call__(self, done: int, total: int, text: str = "") -> None:
        self._report(int(done), int(total), text)

    def cancelled(self) -> bool:
        return self._cancelled()


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object, str)


class Op:
    """One run of some work; ``ok``/``result``/``error`` are set when it ends (at once for inline work)."""

    def __init__(self, parent, ctx, work, *, read, success, failure, title, error_title, progress, writes):
        self.parent, self.ctx, self.work = parent, ctx, work
        self.read, self.success, self.failure = read, success, failure
        self.title, self.error_title = title, error_title
        self.wants_progress, self.writes = progress, writes
        self.own_transactions = False
        self.ok = False
        self.result = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._cancel = threading.Event()

    # -- the work itself (any thread)
    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _call(self, report: Callable[[int, int, str], None]):
        from app.services.foundation.context import acting_as

        args = [Progress(report, self.cancelled)] if self.wants_progress else []
        if self.ctx is None:
            return self.work(*args)
        if self.own_transactions:
            with acting_as(self.ctx.actor):
                return self.work(self.ctx.db.Session, *args)
        with acting_as(self.ctx.actor), self.ctx.db.Session() as s:
            try:
                result = self.work(s, *args)
                if self.cancelled():
                    raise Cancelled()
                if not self.read:
                    s.commit()
                return result
            except BaseException as exc:
                s.rollback()
                if self.cancelled() and not isinstance(exc, Cancelled):
                    raise Cancelled() from exc
                raise

    # -- endings (UI thread)
    def _finished(self, result) -> None:
        self.ok, self.result = True, result
        self.done.set()
        if self.success is not None:
            self.success(result)

    def _failed(self, exc: BaseException, tb: str = "") -> None:
        self.error = exc
        self.done.set()
        if isinstance(exc, Cancelled):
            if self.failure is not None:
                self.failure(exc)
            return
        if self.failure is not None and self.failure(exc) is True:
            return  # the caller showed it in place
        if getattr(self, "quiet", False) and _server_away(self.parent, exc):
            return  # a page filling itself in while the database server is away: the window's banner says so
        show_error(self.parent, exc, self.error_title)


def _server_away(parent: QWidget | None, exc: BaseException) -> bool:
    """A quiet load failed because the shared database server cannot be reached: no dialog (the main window's
    server watch shows the banner and reads the page again when the server is back); the log keeps it."""
    from app.services.foundation.errors import is_connection_lost

    if not is_connection_lost(exc):
        return False
    window = parent.window() if parent is not None else None
    watch = getattr(window, "server_watch", None)
    if watch is None:
        return False
    log.warning("数据库服务器无响应，页面稍后重新读取：%s", type(exc).__name__)
    watch.check()
    return True


_active: list[Op] = []


class Attempt:
    """What :func:`attempt` returns: ``ok``, the ``result``, or the ``UserError`` and its ``message``."""

    __slots__ = ("ok", "result", "error", "message")

    def __init__(self, ok: bool, result=None, error: UserError | None = None):
        self.ok, self.result, self.error = ok, result, error
        self.message = error.message if error is not None else ""

    def __bool__(self) -> bool:
        return self.ok


def attempt(
    work: Callable[[], object],
    *,
    shown: Callable[[str], object] | None = None,
    parent: QWidget | None = None,
    error_title: str = ERROR_TITLE,
) -> Attempt:
    """The synchronous sibling of :func:`run_op` for small work a dialog or page does in place (a login check, a
    sheet choice, a value to validate) and whose refusal it shows *inline*: ``work()`` runs at once; a
    ``UserError`` goes to ``shown(message)`` (a label under the fields; ``shown=ignore`` to keep quiet and look at
    ``.ok``) or, without ``shown``, to the one error dialog. Anything else is not a refusal and propagates to the
    crash handler. Work that writes the store goes through ``run_op`` (one unit of work, committed on success)."""
    try:
        return Attempt(True, work())
    except UserError as exc:
        if shown is not None:
            shown(exc.message)
        else:
            show_error(parent, exc, error_title)
        return Attempt(False, error=exc)


def ignore(_message: str) -> None:
    """``attempt(..., shown=ignore)``: the caller only looks at ``.ok`` (e.g. an optional value left as it was)."""


def run_op(
    parent: QWidget | None,
    ctx,
    work: Callable,
    *,
    success: Callable[[object], object] | None = None,
    failure: Callable[[BaseException], object] | None = None,
    read: bool = False,
    background: bool = False,
    title: str = "正在处理……",
    error_title: str = ERROR_TITLE,
    progress: bool = False,
    cancellable: bool = False,
    own_transactions: bool = False,
    quiet: bool = False,
) -> Op:
    """Run ``work`` as described in the module docstring. ``failure(exc)`` runs before the error dialog and may
    return True to say it has shown the error itself (e.g. in a label of a wizard page); it also receives a
    :class:`Cancelled`, for which no dialog is shown."""
    op = Op(
        parent,
        ctx,
        work,
        read=read,
        success=success,
        failure=failure,
        title=title,
        error_title=error_title,
        progress=progress,
        writes=ctx is not None and not read,
    )
    op.own_transactions = own_transactions
    op.quiet = quiet
    if not background:
        _run_inline(op)
    else:
        _run_background(op, cancellable, quiet)
    return op


def _run_inline(op: Op) -> None:
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        result = op._call(lambda *_a: QApplication.processEvents())
    except Exception as exc:
        QApplication.restoreOverrideCursor()
        op._failed(exc, traceback.format_exc())
        return
    QApplication.restoreOverrideCursor()
    op._finished(result)


class _Runner(QRunnable):
    def __init__(self, op: Op, signals: _Signals):
        super().__init__()
        self.op, self.signals = op, signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.op._call(self.signals.progress.emit)
        except BaseException as exc:  # reported to the UI thread
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            self.signals.finished.emit(result)


def _run_background(op: Op, cancellable: bool, quiet: bool = False) -> None:
    signals = _Signals()
    dialog = None
    if not quiet:
        dialog = QProgressDialog(op.title, "取消" if cancellable else None, 0, 0, op.parent)
        dialog.setWindowTitle(op.title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(500)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if cancellable:
            dialog.canceled.connect(op.cancel)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    op.dialog = dialog
    op.signals = signals

    def report(done, total, text):
        if dialog is None:
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(done if total else 0)
        if text:
            dialog.setLabelText(text)

    def end():
        if dialog is not None:
            QApplication.restoreOverrideCursor()
            dialog.reset()
            dialog.close()
            dialog.deleteLater()
        if op in _active:
            _active.remove(op)

    def finished(result):
        end()
        op._finished(result)

    def failed(exc, tb):
        end()
        op._failed(exc, tb)

    signals.progress.connect(report)
    signals.finished.connect(finished)
    signals.failed.connect(failed)
    _active.append(op)
    QThreadPool.globalInstance().start(_Runner(op, signals))


def running() -> list[Op]:
    """Background work the user started (a quiet page load is not asked about on exit; `wait_all` joins it)."""
    return [op for op in _active if not getattr(op, "quiet", False)]


def writing() -> bool:
    """Whether a write is still running (closing a window asks first)."""
    return any(op.writes and not op.done.is_set() for op in _active)


def cancel_all() -> None:
    for op in list(_active):
        op.cancel()


def wait_all(timeout_ms: int = 30000) -> None:
    """Join running work and deliver its endings (application exit, test teardown)."""
    import time

    deadline = time.monotonic() + timeout_ms / 1000
    QThreadPool.globalInstance().waitForDone(timeout_ms)
    while _active and time.monotonic() < deadline:
        QApplication.processEvents()
        if _active:
            time.sleep(0.005)
    QApplication.processEvents()
