"""The clerk's desk (issue 14): the window fits a 1366×768 laptop, tables behave like office software.

One demo county with a drawn quarter serves the module (building it takes a few seconds)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTableView, QTableWidget

from app.services.foundation.context import Actor, acting_as
from app.services.foundation.periods import period_of
from app.ui import operations
from app.ui.context import AppContext

ADMIN = Actor("admin", "管理员", "管理员")
SCREEN = QSize(1366, 768)
TASKBAR, TITLE_BAR = 40, 30  # Windows: the taskbar and the window's title bar take this much of the height
SEED = "31415926535897932384626433"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from app.services.demo import demo
    from app.services.draw import attempts
    from app.services.foundation.store import open_database

    path = tmp_path_factory.mktemp("desk") / "demo.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with acting_as(ADMIN), db.Session() as s:
        demo.create_demo(s, n_objects=400)
        s.commit()
    with acting_as(ADMIN):
        attempts.draw_now(db.Session, period_of(date.today()).code, None, SEED, witnesses=["王建国", "李明"])
    yield db
    db.dispose()


@pytest.fixture
def window(qtbot, demo_db, monkeypatch, messages):
    from app.ui.main_window import MainWindow

    ctx = AppContext(db=demo_db, actor=ADMIN, office_name="示例县", office_level="county")
    w = MainWindow(ctx)
    w.backup_on_close = False
    qtbot.addWidget(w)
    w.resize(SCREEN.width(), SCREEN.height() - TASKBAR - TITLE_BAR)
    w.show()
    yield w
    operations.wait_all(10000)


def _visit(window, key):
    page = window.show_page(key)
    operations.wait_all(20000)
    QGuiApplication.processEvents()
    return page


def test_every_page_fits_a_1366x768_screen_and_the_window_never_grows(window):
    start = window.size()
    too_big = []
    for spec in window.specs:
        page = _visit(window, spec.key)
        frame = window.frames[spec.key].viewport().size()
        need = page.minimumSizeHint()
        if need.width() > frame.width() or need.height() > frame.height():
            too_big.append(f"{spec.title}: needs {need.width()}×{need.height()}, has {frame.width()}×{frame.height()}")
        assert window.size() == start, f"the window resized itself on {spec.title}: {window.size()}"
    assert too_big == []


def test_at_150_percent_the_window_still_fits_pages_scroll_instead(window):
    at_150 = SCREEN / 1.5  # 910×512 device-independent pixels
    for spec in window.specs:
        _visit(window, spec.key)
        need = window.minimumSizeHint()
        assert need.width() <= at_150.width() and need.height() <= at_150.height() - TASKBAR, spec.title


def test_the_search_box_is_usable_and_typing_does_not_grow_the_window(window, qtbot):
    page = _visit(window, "objects")
    start = window.size()
    assert page.search.width() >= 240  # not a two-character sliver
    for n in range(1, 20):  # as typed, one character at a time
        page.search.setText("示例县城关镇某某化工有限公司第二分厂"[:n])
    qtbot.wait(300)
    assert window.size() == start


def test_after_a_draw_the_results_keep_most_of_the_page(window):
    page = _visit(window, "draw")
    drawn = [i for i in range(page.history_view.model().rowCount())]
    assert drawn, "the demo quarter was drawn"
    page.history_view.selectRow(0)
    page.open_selected() if hasattr(page, "open_selected") else None
    operations.wait_all()
    QGuiApplication.processEvents()
    rows_visible = page.onsite_view.viewport().height() // max(
        page.onsite_view.verticalHeader().defaultSectionSize(), 1
    )
    assert page.onsite_model.rowCount() > 0
    assert rows_visible >= 10, f"only {rows_visible} result rows visible"


def test_ctrl_c_copies_the_selected_rows_with_headers_as_tab_separated_text(window, qtbot):
    page = _visit(window, "objects")
    table = page.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(table.selectionModel().selectedRows()) == table.model().rowCount()
    table.clearSelection()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().split("\n")
    assert len(lines) == 2
    header, row = lines[0].split("\t"), lines[1].split("\t")
    assert header[:2] == ["单位名称", "统一社会信用代码"] and len(row) == len(header)
    assert row[0] == table.model().index(1, 0).data()


def test_every_table_copies_rows_not_one_cell(window, qtbot):
    checked = 0
    for spec in window.specs:
        page = _visit(window, spec.key)
        for table in page.findChildren(QTableView) + page.findChildren(QTableWidget):
            model = table.model()
            if model is None or model.rowCount() == 0 or not table.isVisible():
                continue
            table.setFocus()
            table.clearSelection()
            table.selectRow(0)
            QGuiApplication.clipboard().clear()
            qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
            text = QGuiApplication.clipboard().text()
            assert "\n" in text, f"{spec.title}: Ctrl+C gave {text!r}"
            checked += 1
    assert checked >= 8


def test_office_keys_f5_ctrl_f_and_alt_mnemonics(window, qtbot):
    from PySide6.QtWidgets import QPushButton

    page = _visit(window, "objects")
    export = next(b for b in page.findChildren(QPushButton) if b.text().startswith("导出当前视图"))
    assert export.text() == "导出当前视图(&E)…"
    texts = [b.text() for b in page.findChildren(QPushButton)]
    letters = [t[t.index("&") + 1] for t in texts if "&" in t]
    assert len(letters) == len(set(letters)) and len(letters) == len(texts)  # every button, no letter twice
    box = window.find_in_page()  # Ctrl+F
    assert box is page.search and box.hasFocus()
    with acting_as(ADMIN), window.ctx.db.Session() as s:
        from app.services.pools import pools

        obj = pools.list_objects(s)[0]
        pools.bulk_tag(s, [obj.id], add=["刚加的标签"], remove=[])
        s.commit()
    window.refresh_action.trigger()  # F5
    tags = page.model.column_of("tags")
    assert any("刚加的标签" in page.model.row_text(r)[tags] for r in range(page.model.rowCount()))
    assert window.refresh_action.shortcut().toString() == "F5"


def test_switch_user_without_quitting_and_the_last_user_is_remembered(window, monkeypatch):
    from app.services.foundation import accounts
    from app.ui import main_window
    from app.ui.login import LoginDialog

    def log_in_as_reviewer(dialog):
        dialog.username.setText("shenhe")
        dialog.password.setText("demo1234")
        dialog.submit()
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", log_in_as_reviewer)
    assert window.switch_user()
    assert window.ctx.actor.username == "shenhe" and "审核员" in window.user_label.text()
    assert "  账户管理" not in window.nav_titles()  # the pages follow the new role
    assert main_window.last_user() == "shenhe"
    assert accounts  # the demo reviewer logs in with the demo password


def test_file_dialogs_start_in_documents_then_remember_the_folder_and_exports_offer_the_folder(
    qtbot, tmp_path, monkeypatch
):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from app.ui import files

    starts = []
    chosen = tmp_path / "U盘" / "季度统计表.xlsx"
    chosen.parent.mkdir()

    def fake_save(parent, title, start, filters):
        starts.append(start)
        return str(chosen), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    files.save_file_dialog(None, "导出季度统计表", "季度统计表-2026Q4.xlsx", "Excel 文件 (*.xlsx)")
    files.save_file_dialog(None, "导出季度统计表", "季度统计表-2027Q1.xlsx", "Excel 文件 (*.xlsx)")
    assert starts[0].startswith(files.documents_dir())  # the first time: Documents
    assert starts[1] == str(chosen.parent / "季度统计表-2027Q1.xlsx")
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Open)
    chosen.write_bytes(b"x")
    files.show_saved(None, chosen, "已导出")
    assert opened == [str(chosen.parent)]
