"""The main window: navigation, pages discovered, roles, 首页 cards, closing (backup, geometry, running work)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.services.foundation.context import Actor
from app.ui.context import AppContext
from tests.ui.shell_support import Boxes


def test_main_window_navigation_and_status(window, qtbot):
    titles = window.nav_titles()
    assert titles[:2] == ["工作台", "  首页"]
    for t in ("系统", "  账户管理", "  备份与恢复", "  审计日志"):
        assert t in titles
    assert window.current_key() == "home"
    home = window.pages["home"]
    assert home.office_title.text() == "测试县生态环境保护综合行政执法大队"
    assert home.counts["账户"] == 1
    assert "测试县生态环境保护综合行政执法大队（县级）" == window.office_label.text()
    assert window.user_label.text() == "用户：管理员（管理员）"
    assert window.ctx.db.sqlite_file.name in window.db_label.text()
    assert str(window.ctx.db.sqlite_file) in window.db_label.toolTip()  # the whole path on hover
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["文件(&F)", "视图(&V)", "帮助(&H)"]
    # clicking a navigation entry builds that page lazily
    assert "audit" not in window.pages
    item = window._items["audit"]
    window.nav.setCurrentItem(item)
    assert window.current_key() == "audit"
    qtbot.waitUntil(lambda: window.pages["audit"].model.rowCount() > 0, timeout=10000)  # read off the UI thread


def test_every_discovered_page_opens(window):
    for spec in window.specs:
        widget = window.show_page(spec.key)
        assert widget is not None and window.stack.currentWidget().widget() is widget


def test_clerk_does_not_see_account_management(qtbot, db):
    from app.ui.main_window import MainWindow

    clerk = AppContext(db=db, actor=Actor("luru", "录入员"), office_name="测试县", office_level="county")
    w = MainWindow(clerk)
    w.backup_on_close = False
    qtbot.addWidget(w)
    assert "  账户管理" not in w.nav_titles() and "  首页" in w.nav_titles()
    assert not w.restore_action.isEnabled()


def test_close_makes_rotating_auto_backup_and_saves_geometry(qtbot, ctx, data_dir):
    from app.ui.main_window import MainWindow, settings

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.close()
    backups = list((data_dir / "backups").glob("自动备份-*.sqlite3"))
    assert len(backups) == 1
    assert settings().value("main/geometry") is not None


def test_home_cards_from_dashboard_open_their_page(window, qtbot):
    from PySide6.QtWidgets import QLabel

    home = window.pages["home"]
    assert home.items, "the dashboard providers report what is missing in an empty office"
    target = next(item for item in home.items if item.get("page") and any(s.key == item["page"] for s in window.specs))
    cards = [home.items_grid.itemAt(i).widget() for i in range(home.items_grid.count())]
    card = next(c for c in cards if c.findChildren(QLabel)[0].text() == target["title"])
    assert card.findChildren(QLabel)[1].text() == str(target["value"])
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert window.current_key() == target["page"]
    assert window.nav.currentItem().text(0) == next(s.title for s in window.specs if s.key == target["page"])


def test_close_with_a_running_background_job_asks_first(window, monkeypatch, qtbot):
    import threading

    from app.ui.operations import run_op

    release = threading.Event()
    worker = run_op(window, None, lambda: release.wait(10), background=True)
    boxes = Boxes(monkeypatch, answer=QMessageBox.StandardButton.No)
    qtbot.wait(50)
    window.close()
    assert window.isVisible() and boxes.last()[0] == "question" and "后台任务仍在进行" in boxes.last()[2]
    release.set()
    qtbot.waitUntil(worker.done.is_set, timeout=5000)
    window.close()
    assert not window.isVisible()


def test_a_broken_page_module_does_not_stop_the_program(qtbot, ctx, monkeypatch, tmp_path):
    """Pages are imported when first opened (app.ui.pages.REGISTRY): a module that fails to import shows the
    problem in its page; the window and every other page go on."""
    import sys

    import app.ui.pages as pages_pkg
    from app.ui.main_window import MainWindow

    extra = tmp_path / "extra_pages"
    extra.mkdir()
    (extra / "zz_broken.py").write_text("raise RuntimeError('缺少依赖 foo')\n", encoding="utf-8")
    monkeypatch.setattr(pages_pkg, "__path__", list(pages_pkg.__path__) + [str(extra)])
    monkeypatch.delitem(sys.modules, "app.ui.pages.zz_broken", raising=False)
    broken = pages_pkg.PageSpec("zz_broken", "zz_broken", "系统", 99, pages_pkg.lazy("zz_broken"))
    monkeypatch.setattr(pages_pkg, "REGISTRY", pages_pkg.REGISTRY + (broken,))
    w = MainWindow(ctx)
    w.backup_on_close = False
    qtbot.addWidget(w)
    assert "  zz_broken" in w.nav_titles() and "  首页" in w.nav_titles()
    page = w.show_page("zz_broken")
    assert "缺少依赖 foo" in page.text() and "无法打开" in page.text()
    assert w.show_page("items") is not None
