"""The built-in help (issue 14, point 7): F1 anywhere in the main window opens the user manual at the section of
the current page, the help window finds text with Ctrl+F, and the manual prints as a PDF holding every section."""

from __future__ import annotations

import re
import subprocess

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from app.services.foundation import manual
from app.services.foundation.context import Actor
from app.ui import operations
from app.ui.context import AppContext

ADMIN = Actor("admin", "管理员", "管理员")


@pytest.fixture
def window(qtbot, db, messages):
    from app.ui import help as help_module
    from app.ui.main_window import MainWindow

    ctx = AppContext(db=db, actor=ADMIN, office_name="测试县生态环境保护综合行政执法大队", office_level="county")
    w = MainWindow(ctx)
    w.backup_on_close = False
    qtbot.addWidget(w)
    w.resize(1366, 698)
    w.show()
    yield w
    operations.wait_all(10000)
    help_module.close_help()


def _top_heading(help_window) -> str:
    """The text of the first line shown at the top of the help window's browser."""
    QGuiApplication.processEvents()
    return help_window.browser.cursorForPosition(QPoint(8, 8)).block().text()


def test_every_page_has_a_section_in_the_manual(window):
    anchors = {a for a, _t, _l in manual.sections()}
    missing = [s.title for s in window.specs if s.key not in anchors]
    assert missing == []


@pytest.mark.parametrize("key", ["objects", "draw", "publication", "backup"])
def test_f1_opens_the_section_of_the_current_page(window, qtbot, key):
    from app.ui import help as help_module

    page = window.show_page(key)
    operations.wait_all(20000)
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_F1)  # pressed on the page, not on a menu: the window's shortcut answers
    help_window = help_module._window
    assert help_window is not None and help_window.isVisible()
    assert help_window.current_anchor == key
    title = dict((a, t) for a, t, _l in manual.sections())[key]
    assert _top_heading(help_window) == title


def test_help_menu_has_the_manual_and_its_pdf(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().startswith("帮助"))
    texts = [a.text() for a in menu.actions()]
    assert "使用手册(&M)" in texts and "导出使用手册（PDF）…" in texts and "关于" in texts
    assert window.help_action.shortcut().toString() == "F1"


def test_ctrl_f_finds_text_in_the_help_window(window, qtbot):
    help_window = window.open_help()
    help_window.activateWindow()
    qtbot.waitUntil(help_window.isActiveWindow, timeout=3000)
    help_window.browser.setFocus()
    qtbot.keyClick(help_window.browser, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert help_window.focusWidget() is help_window.find_edit
    qtbot.keyClicks(help_window.find_edit, "account unlock")
    qtbot.keyClick(help_window.find_edit, Qt.Key.Key_Return)
    assert help_window.browser.textCursor().selectedText() == "account unlock"
    assert help_window.find("没有这样的文字") is False and help_window.find_status.text() == "未找到"


def test_the_manual_prints_as_a_pdf_holding_every_section(window, tmp_path, messages):
    out = tmp_path / "使用手册.pdf"
    op = window.export_manual(str(out))
    operations.wait_all(60000)
    assert op.ok and out.exists()
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for _anchor, title, _level in manual.sections():
        assert re.sub(r"\s+", "", title) in flat, title
    assert "ssjaccountunlockadmin" in flat  # what a locked-out administrator runs
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "595.276 x 841.89" in info  # A4
    assert messages[-1][1] == "使用手册"


def test_ssj_manual_writes_the_pdf_without_a_database(cli, tmp_path):
    out = tmp_path / "手册.pdf"
    rc, o, err = cli("manual", "--out", str(out))
    assert rc == 0, err
    assert out.read_bytes().startswith(b"%PDF") and "使用手册" in o
    rc, _o, err = cli("manual", "--out", str(tmp_path / "手册.docx"))
    assert rc == 1 and ".pdf" in err
