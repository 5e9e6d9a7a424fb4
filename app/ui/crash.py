"""崩溃处理: every uncaught exception is logged and shown in a dialog whose details can be copied."""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from app import APP_NAME, __version__

log = logging.getLogger("app.crash")
_showing = False


def details_text(exc_type, exc, tb) -> str:
    from app.services.foundation.logging_setup import log_file

    lines = [
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()} · {platform.platform()}",
        f"日志文件：{log_file()}",
        "",
    ]
    lines += traceback.format_exception(exc_type, exc, tb)
    return "\n".join(line.rstrip("\n") for line in lines)


class CrashDialog(QDialog):
    """程序错误: a short Chinese explanation, the details, and 复制详细信息."""

    def __init__(self, details: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("程序出错")
        self.resize(640, 420)
        self.details = details
        lay = QVBoxLayout(self)
        self.message = QLabel(
            "很抱歉，程序遇到了一个意外错误。您的数据已保存到最近一次操作为止。\n"
            "请点“复制详细信息”，把内容发给技术支持人员；然后可以继续使用或重新启动程序。"
        )
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.text = QPlainTextEdit(details)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lay.addWidget(self.text, 1)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("复制详细信息")
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.AcceptRole)
        close.clicked.connect(self.accept)
        lay.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText("已复制")


def handle_exception(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.critical("未处理的异常", exc_info=(exc_type, exc, tb))
    app = QApplication.instance()
    if app is None or _showing or threading.current_thread() is not threading.main_thread():
        sys.__excepthook__(exc_type, exc, tb)
        return
    show_dialog(exc_type, exc, tb)


def show_dialog(exc_type, exc, tb, details: str | None = None) -> None:
    """The crash dialog over the active window (one at a time); a known database fault gets its Chinese message."""
    global _showing
    if _showing or QApplication.instance() is None:
        return
    from app.services.foundation.errors import database_message

    known = database_message(exc) if isinstance(exc, Exception) else None
    if known is not None:  # a database fault (disk full, read-only, locked, server away…): the one translation
        from PySide6.QtWidgets import QMessageBox

        _showing = True
        try:
            QMessageBox.warning(QApplication.activeWindow(), f"{APP_NAME} — 无法完成", known)
        finally:
            _showing = False
        return
    _showing = True
    try:
        text = details_text(exc_type, exc, tb)
        if details and details.strip() and "Traceback" in details and "Traceback" not in text:
            text += "\n" + details
        dlg = CrashDialog(text, QApplication.activeWindow())
        dlg.setWindowModality(Qt.WindowModality.ApplicationModal)
        dlg.exec()
    finally:
        _showing = False


def _thread_hook(args) -> None:
    log.critical(
        "线程 %s 中未处理的异常",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def install() -> None:
    sys.excepthook = handle_exception
    threading.excepthook = _thread_hook
