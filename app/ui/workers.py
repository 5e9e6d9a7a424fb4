"""Long jobs off the UI thread: run a service function on QThreadPool with progress and cancel.

The job is `fn(progress, cancelled)`, where `progress(done, total, text)` reports and `cancelled()`
tells whether the user pressed 取消. Signals arrive on the UI thread.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object, str)  # exception, formatted traceback


class Worker(QRunnable):
    def __init__(self, fn: Callable, *, actor=None):
        super().__init__()
        self.fn = fn
        self.actor = actor
        self.signals = _Signals()
        self._cancel = threading.Event()
        self.done = threading.Event()
        self.setAutoDelete(False)

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        from app.services.foundation.context import acting_as

        try:
            if self.actor is not None:
                with acting_as(self.actor):
                    result = self.fn(self._progress, self.cancelled)
            else:
                result = self.fn(self._progress, self.cancelled)
        except BaseException as exc:  # reported to the UI thread
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()

    def _progress(self, done: int, total: int, text: str = "") -> None:
        self.signals.progress.emit(int(done), int(total), text)


_active: list[Worker] = []


def run_in_background(
    parent: QWidget | None,
    title: str,
    fn: Callable,
    *,
    on_done: Callable,
    on_error: Callable | None = None,
    actor=None,
    cancellable: bool = True,
) -> Worker:
    """Run `fn` on the thread pool; a progress dialog appears after 0.5 s; on_done(result) on success."""
    worker = Worker(fn, actor=actor)
    dialog = QProgressDialog(title, "取消" if cancellable else None, 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(500)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(worker.cancel)

    def progress(done, total, text):
        dialog.setMaximum(max(total, 0))
        dialog.setValue(done if total else 0)
        if text:
            dialog.setLabelText(text)

    def finish(result):
        dialog.reset()
        dialog.close()
        _active.remove(worker) if worker in _active else None
        on_done(result)

    def fail(exc, tb):
        dialog.reset()
        dialog.close()
        _active.remove(worker) if worker in _active else None
        if on_error is not None:
            on_error(exc, tb)
        else:
            raise exc

    worker.signals.progress.connect(progress)
    worker.signals.finished.connect(finish)
    worker.signals.failed.connect(fail)
    _active.append(worker)
    QTimer.singleShot(0, lambda: QThreadPool.globalInstance().start(worker))
    return worker


def wait_all(timeout_ms: int = 30000) -> None:
    """Join running workers (test teardown, application exit)."""
    for worker in list(_active):
        worker.done.wait(timeout_ms / 1000)
    QThreadPool.globalInstance().waitForDone(timeout_ms)
