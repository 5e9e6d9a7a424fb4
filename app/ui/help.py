"""The help window: the user manual (app/services/foundation/manual.py) in a QTextBrowser, opened by F1 at the
section of the current page, searchable with Ctrl+F (Enter: next, Shift+Enter: previous), with a contents list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.foundation import manual

_window: HelpWindow | None = None


class HelpWindow(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("使用手册 — 双随机抽查工作台")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        shots = manual.manual_dir() / manual.SCREENSHOTS
        self.browser.setSearchPaths([str(shots)])
        self.browser.setHtml(manual.to_html(image_width=640))
        self.contents = QListWidget()
        for anchor, title, level in manual.sections():
            item = QListWidgetItem(("    " if level > 2 else "") + title)
            item.setData(Qt.ItemDataRole.UserRole, anchor)
            self.contents.addItem(item)
        self.contents.itemClicked.connect(lambda it: self.show_section(it.data(Qt.ItemDataRole.UserRole)))
        self.contents.setMaximumWidth(220)

        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("查找（Enter 下一个，Shift+Enter 上一个）")
        self.find_edit.returnPressed.connect(lambda: self.find(self.find_edit.text()))
        self.find_status = QLabel("")
        prev_button, next_button = QPushButton("上一个"), QPushButton("下一个")
        prev_button.clicked.connect(lambda: self.find(self.find_edit.text(), backward=True))
        next_button.clicked.connect(lambda: self.find(self.find_edit.text()))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("查找："))
        bar.addWidget(self.find_edit, 1)
        bar.addWidget(prev_button)
        bar.addWidget(next_button)
        bar.addWidget(self.find_status)

        split = QSplitter()
        split.addWidget(self.contents)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.focus_find)
        QShortcut(
            QKeySequence("Shift+Return"), self.find_edit, activated=lambda: self.find(self.find_edit.text(), True)
        )
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        self.resize(980, 640)
        self.current_anchor = ""

    def focus_find(self) -> None:
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def show_section(self, anchor: str) -> None:
        """Scroll so the section's heading is at the top (the manual's start when there is no such section)."""
        known = {a for a, _t, _l in manual.sections()}
        anchor = anchor if anchor in known else "intro"
        self.current_anchor = anchor
        self.browser.scrollToAnchor(anchor)
        for i in range(self.contents.count()):
            if self.contents.item(i).data(Qt.ItemDataRole.UserRole) == anchor:
                self.contents.setCurrentRow(i)

    def find(self, text: str, backward: bool = False) -> bool:
        if not text:
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        found = self.browser.find(text, flags)
        if not found:  # wrap around once
            cursor = self.browser.textCursor()
            cursor.movePosition(cursor.MoveOperation.End if backward else cursor.MoveOperation.Start)
            self.browser.setTextCursor(cursor)
            found = self.browser.find(text, flags)
        self.find_status.setText("" if found else "未找到")
        return found


def show_help(parent: QWidget | None, anchor: str = "intro") -> HelpWindow:
    """Open (or raise) the one help window at the section `anchor` (a page key, or a section of the manual)."""
    global _window
    if _window is None:
        _window = HelpWindow()
    _window.show()
    _window.raise_()
    _window.activateWindow()
    _window.show_section(anchor)
    return _window


def close_help() -> None:
    global _window
    if _window is not None:
        _window.close()
        _window.deleteLater()
        _window = None
