"""The main window: grouped navigation, lazily built pages, menus, status bar, backup on close."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app import APP_NAME, __version__
from app.models.core import LEVELS
from app.models.vocabulary import Role
from app.paths import data_dir
from app.ui import operations
from app.ui.context import AppContext
from app.ui.pages import PageSpec
from app.ui.remembered import last_user, remember_user, settings  # noqa: F401 (last_user: main, tests)
from app.ui.screen import resize_to_fit
from app.ui.tables import install_office_keys
from app.ui.widgets import assign_mnemonics

log = logging.getLogger(__name__)
GROUPS = ("工作台", "一单两库", "规则与计划", "抽取", "检查与公示", "统计报表", "系统")
KEY_ROLE = Qt.ItemDataRole.UserRole
PRELOAD_AFTER_MS = 1500  # the window is up and answering: the pages' modules are imported in the background


def discover_pages() -> list[PageSpec]:
    """The navigation: app.ui.pages.REGISTRY (each page's module is imported when the page is first opened; a
    module that fails to import is logged and its page shows the problem, see `page`)."""
    from app.ui.pages import REGISTRY

    return sorted(REGISTRY, key=lambda s: s.order)


def page_frame(page: QWidget) -> QScrollArea:
    """The frame a page lives in: it scrolls when the screen is too small (125 %/150 % scaling) instead of
    growing the window; at 1366×768 no page needs it (tests/ui/test_desk.py)."""
    frame = QScrollArea()
    frame.setWidgetResizable(True)
    frame.setFrameShape(QFrame.Shape.NoFrame)
    frame.setWidget(page)
    return frame


def fit_to_screen(window: QWidget) -> None:
    """Keep the window inside the available area of its screen (no title bar or status bar off screen)."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        return
    avail = screen.availableGeometry()
    frame_extra = window.frameGeometry().size() - window.geometry().size()
    width = min(window.width(), avail.width() - max(frame_extra.width(), 0))
    height = min(window.height(), avail.height() - max(frame_extra.height(), 0))
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    x = min(max(window.x(), avail.left()), avail.right() - window.frameGeometry().width() + 1)
    y = min(max(window.y(), avail.top()), avail.bottom() - window.frameGeometry().height() + 1)
    window.move(max(x, avail.left()), max(y, avail.top()))


def spec_title(specs: list[PageSpec], key: str) -> str:
    return next((s.title for s in specs if s.key == key), APP_NAME)


def visible_specs(ctx: AppContext, specs: list[PageSpec] | None = None) -> list[PageSpec]:
    specs = discover_pages() if specs is None else specs
    out = []
    for spec in specs:
        if spec.levels and ctx.office_level not in spec.levels:
            continue
        if spec.roles and ctx.actor.role not in spec.roles and ctx.actor.role != Role.ADMIN:
            continue
        out.append(spec)
    return out


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, guard=None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.guard = guard
        self.backup_on_close = True
        self.ctx.extras["main_window"] = self
        install_office_keys()
        self.ctx.extras["on_restored"] = self.reload_after_restore
        self.setWindowTitle(f"{APP_NAME} — {ctx.office_name}")
        self.specs = visible_specs(ctx)
        self.pages: dict[str, QWidget] = {}
        self.frames: dict[str, QScrollArea] = {}  # each page scrolls inside its frame: it never widens the window
        self._items: dict[str, QTreeWidgetItem] = {}

        self.nav = QTreeWidget()
        self.nav.setHeaderHidden(True)
        self.nav.setRootIsDecorated(False)
        self.nav.setIndentation(12)
        self.nav.setMinimumWidth(170)
        self.nav.setMaximumWidth(260)
        self.stack = QStackedWidget()
        self.placeholder = QLabel("请从左侧选择一项功能。")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.placeholder)
        split = QSplitter()
        split.addWidget(self.nav)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([200, 1080])
        self.setCentralWidget(split)
        self._build_nav()
        self.nav.currentItemChanged.connect(self._on_nav)
        self._build_menus()
        self._build_status()
        self._restore_geometry()
        from app.ui import server_watch

        self.server_watch = server_watch.install(self)  # a shared server: banner while it is away
        if self.specs:
            self.show_page(self.specs[0].key)
        QTimer.singleShot(PRELOAD_AFTER_MS, self, self.preload_pages)

    def preload_pages(self) -> None:
        """Import the other pages' modules off the UI thread, once the window is up. Opening a page the first time
        imports its module and what it pulls in (reportlab for 随机抽取, openpyxl for 审计日志, the charts for
        统计报表): up to a second with the window frozen. A page opened before this ends imports it itself; a
        module that fails is only logged here (its page says so when opened)."""
        import importlib
        import sys

        modules = [
            name
            for spec in self.specs
            if (module := getattr(spec.factory, "page_module", None))
            and (name := f"app.ui.pages.{module}") not in sys.modules
        ]
        if not modules:
            return

        def work() -> None:
            for name in modules:
                importlib.import_module(name)

        def failed(exc) -> bool:
            log.warning("页面模块预先导入失败：%s", exc)
            return True

        operations.run_op(self, None, work, background=True, quiet=True, failure=failed)

    # ------------------------------------------------------------------ navigation
    def _build_nav(self) -> None:
        self.nav.clear()
        self._items.clear()
        bold = QFont()
        bold.setBold(True)
        groups: dict[str, QTreeWidgetItem] = {}
        order = {g: i for i, g in enumerate(GROUPS)}
        for spec in sorted(self.specs, key=lambda s: (order.get(s.group, 50), s.order)):
            head = groups.get(spec.group)
            if head is None:
                head = QTreeWidgetItem([spec.group])
                head.setFont(0, bold)
                head.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.nav.addTopLevelItem(head)
                groups[spec.group] = head
            item = QTreeWidgetItem([spec.title])
            item.setData(0, KEY_ROLE, spec.key)
            head.addChild(item)
            self._items[spec.key] = item
        self.nav.expandAll()

    def nav_titles(self) -> list[str]:
        """The navigation as the user sees it: group headers and, indented, page titles."""
        out = []
        for i in range(self.nav.topLevelItemCount()):
            head = self.nav.topLevelItem(i)
            out.append(head.text(0))
            out += ["  " + head.child(j).text(0) for j in range(head.childCount())]
        return out

    def _on_nav(self, current, _previous) -> None:
        if current is None:
            return
        key = current.data(0, KEY_ROLE)
        if key:
            self.show_page(key)

    def page(self, key: str) -> QWidget:
        """The page widget for `key`, created on first use."""
        if key not in self.pages:
            spec = next(s for s in self.specs if s.key == key)
            try:
                widget = spec.factory(self.ctx, self.stack)
            except Exception as exc:
                log.exception("页面 %s 无法打开", key)
                widget = QLabel(f"“{spec.title}”页面无法打开：{exc}\n详细信息已写入日志文件。")
                widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
                widget.setWordWrap(True)
            navigate = getattr(widget, "navigate", None)
            if navigate is not None and hasattr(navigate, "connect"):
                navigate.connect(self.show_page)
            assign_mnemonics(widget)
            self.pages[key] = widget
            self.frames[key] = frame = page_frame(widget)
            self.stack.addWidget(frame)
        return self.pages[key]

    def show_page(self, key: str) -> QWidget | None:
        if not any(s.key == key for s in self.specs):
            return None
        created = key not in self.pages
        widget = self.page(key)
        self.stack.setCurrentWidget(self.frames[key])
        item = self._items.get(key)
        if item is not None and self.nav.currentItem() is not item:
            self.nav.blockSignals(True)
            self.nav.setCurrentItem(item)
            self.nav.blockSignals(False)
        refresh = getattr(widget, "refresh", None)
        # a page just built that is still loading off the UI thread what its constructor asked for (首页,
        # 检查对象库) is not loaded a second time
        loading = getattr(widget, "_load_op", None)
        fresh = created and loading is not None and not loading.done.is_set()
        if callable(refresh) and not fresh:
            from app.ui.operations import run_op

            run_op(self, None, refresh, error_title=spec_title(self.specs, key))
        return widget

    def current_key(self) -> str | None:
        current = self.stack.currentWidget()
        return next((k for k, w in self.frames.items() if w is current), None)

    # ------------------------------------------------------------------ menus and status
    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("文件(&F)")
        self.backup_action = QAction("备份到文件夹…", self)
        self.backup_action.setShortcut(QKeySequence("Ctrl+B"))
        self.backup_action.triggered.connect(self.backup_now)
        m.addAction(self.backup_action)
        self.restore_action = QAction("从备份恢复…", self)
        self.restore_action.triggered.connect(self.restore_from_file)
        m.addAction(self.restore_action)
        from app.services.foundation.permissions import allowed

        can_restore = allowed("restore", self.ctx.actor)
        self.restore_action.setEnabled(can_restore)
        m.addSeparator()
        self.switch_action = QAction("切换用户(&U)…", self)
        self.switch_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.switch_action.triggered.connect(self.switch_user)
        m.addAction(self.switch_action)
        self.password_action = QAction("修改我的密码…", self)
        self.password_action.triggered.connect(self.change_password)
        m.addAction(self.password_action)
        m.addSeparator()
        quit_action = QAction("退出", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        m.addAction(quit_action)
        v = bar.addMenu("视图(&V)")
        self.refresh_action = QAction("刷新(&R)", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self._refresh_current)
        v.addAction(self.refresh_action)
        self.find_action = QAction("查找(&F)", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.find_in_page)
        v.addAction(self.find_action)
        for action in (self.refresh_action, self.find_action, self.switch_action):
            self.addAction(action)  # the shortcuts work wherever the focus is
        h = bar.addMenu("帮助(&H)")
        self.help_action = QAction("使用手册(&M)", self)
        self.help_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.help_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.help_action.triggered.connect(self.open_help)
        h.addAction(self.help_action)
        self.addAction(self.help_action)  # F1 anywhere in the window opens the section of the current page
        self.manual_pdf_action = QAction("导出使用手册（PDF）…", self)
        self.manual_pdf_action.triggered.connect(lambda: self.export_manual())
        h.addAction(self.manual_pdf_action)
        h.addSeparator()
        about = QAction("关于", self)
        about.triggered.connect(self.about)
        h.addAction(about)

    def open_help(self):
        """The user manual at the section of the page on screen (F1)."""
        from app.ui.help import show_help

        return show_help(self, self.current_key() or "intro")

    def export_manual(self, path: str | None = None):
        """Save the manual as a PDF for offices that print it."""
        from app.services.foundation import manual
        from app.ui.files import PDF_FILTER, save_file_dialog, show_saved
        from app.ui.operations import run_op

        if not path:
            path, _f = save_file_dialog(self, "导出使用手册", "双随机抽查工作台使用手册.pdf", PDF_FILTER)
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        return run_op(
            self,
            None,
            lambda: manual.manual_pdf(path),
            background=True,
            title="正在生成使用手册……",
            error_title="无法导出使用手册",
            success=lambda info: show_saved(self, info["file"], f"已导出使用手册：\n{info['file']}", "使用手册"),
        )

    def _build_status(self) -> None:
        sb = self.statusBar()
        level = LEVELS.get(self.ctx.office_level, "")
        self.office_label = QLabel(f"{self.ctx.office_name}（{level}）")
        actor = self.ctx.actor
        self.user_label = QLabel(f"用户：{actor.display_name or actor.username}（{actor.role}）")
        path = self.ctx.db.sqlite_file
        where = str(path) if path else self.ctx.db.engine.url.render_as_string(hide_password=True)
        self.db_label = QLabel(f"数据库：{Path(str(path)).name if path else where}")
        self.db_label.setToolTip(f"数据库：{where}")  # the whole path on hover; the bar stays on the screen
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.office_label, self.user_label, self.db_label):
            sb.addPermanentWidget(w)

    def about(self) -> None:
        QMessageBox.about(
            self,
            f"关于{APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>"
            "生态环境执法“双随机、一公开”监管的离线工作台：一单两库、抽查计划、可验证的随机抽取、"
            "检查结果录入与公示、统计报表。<br><br>"
            f"数据库：{self.ctx.db.sqlite_file or '服务器数据库'}<br>数据目录：{data_dir()}",
        )

    def change_password(self) -> bool:
        from app.ui.login import ChangePasswordDialog

        dlg = ChangePasswordDialog(self.ctx.db, self.ctx.actor, self, require_current=True)
        if dlg.exec() == ChangePasswordDialog.DialogCode.Accepted:
            self.statusBar().showMessage("密码已修改。", 5000)
            return True
        return False

    # ------------------------------------------------------------------ backups
    def backup_now(self) -> None:
        from app.ui.pages.backup import choose_and_backup

        choose_and_backup(self, self.ctx)
        self._refresh_current()

    def restore_from_file(self) -> None:
        from app.ui.pages.backup import choose_and_restore

        choose_and_restore(self, self.ctx)

    def daily_backup(self) -> None:
        """The first start of a day makes an automatic backup (rotated); a window left open checks hourly."""
        from PySide6.QtCore import QTimer

        from app.services.foundation import backup

        if getattr(self, "_daily_timer", None) is None:
            self._daily_timer = QTimer(self)
            self._daily_timer.setInterval(3600 * 1000)
            self._daily_timer.timeout.connect(self.daily_backup)
            self._daily_timer.start()

        def failed(message: str) -> None:
            log.warning("每日自动备份失败：%s", message)
            self.statusBar().showMessage(f"自动备份失败：{message}", 15000)

        def run():
            with self._as_user():
                return backup.daily_backup(self.ctx.db)

        done = operations.attempt(run, shown=failed)
        if done.ok and done.result:
            self.statusBar().showMessage(f"已自动备份：{done.result.path.name}", 8000)

    def _as_user(self):
        from app.services.foundation.context import acting_as

        return acting_as(self.ctx.actor)

    def reload_after_restore(self) -> None:
        """After a restore the data changed under every page: rebuild them from the restored database."""
        from app.services.foundation import office as office_service

        with self.ctx.read() as s:
            office = office_service.get_office(s)
        if office is not None:
            self.ctx.office_name = office.name
            self.ctx.office_level = office.level
            self.office_label.setText(f"{office.name}（{LEVELS.get(office.level, '')}）")
            self.setWindowTitle(f"{APP_NAME} — {office.name}")
        current = self.current_key()
        for frame in list(self.frames.values()):
            self.stack.removeWidget(frame)
            frame.deleteLater()
        self.pages.clear()
        self.frames.clear()
        self.specs = visible_specs(self.ctx)
        self._build_nav()
        if current and any(s.key == current for s in self.specs):
            self.show_page(current)
        elif self.specs:
            self.show_page(self.specs[0].key)

    def _refresh_current(self) -> None:
        key = self.current_key()
        widget = self.pages.get(key) if key else None
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            from app.ui.operations import run_op

            run_op(self, None, refresh, error_title=spec_title(self.specs, key))
            self.statusBar().showMessage("已刷新。", 2000)

    def find_in_page(self) -> QWidget | None:
        """Ctrl+F: to the page's search box (the first line edit named "search", or the page's ``search``)."""
        key = self.current_key()
        page = self.pages.get(key) if key else None
        if page is None:
            return None
        box = getattr(page, "search", None)
        if not isinstance(box, QLineEdit):
            box = page.findChild(QLineEdit, "search")
        if box is None:
            self.statusBar().showMessage("本页没有搜索框。", 3000)
            return None
        box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        box.selectAll()
        return box

    def switch_user(self) -> bool:
        """切换用户: log in as someone else without quitting (a reviewer after the clerk)."""
        from app.ui.login import LoginDialog

        dlg = LoginDialog(self.ctx.db, self.ctx.office_name, self)
        if dlg.exec() != LoginDialog.DialogCode.Accepted or dlg.actor is None:
            return False
        remember_user(dlg.actor.username)
        self.ctx.actor = dlg.actor
        actor = dlg.actor
        self.user_label.setText(f"用户：{actor.display_name or actor.username}（{actor.role}）")
        self.restore_action.setEnabled(actor.role == Role.ADMIN)
        self.reload_after_restore()
        self.statusBar().showMessage(f"已切换为 {actor.display_name or actor.username}。", 5000)
        return True

    # ------------------------------------------------------------------ geometry and close
    def _restore_geometry(self) -> None:
        """The last geometry, kept inside the available screen; the first time, sized to the screen."""
        geo = settings().value("main/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            resize_to_fit(self, 1280, 800)
        fit_to_screen(self)  # a geometry saved on a larger screen is brought back inside this one

    def closeEvent(self, event) -> None:

        if operations.writing():
            if not operations.confirm(
                self, "正在写入数据。退出程序将中止这次写入，已做的改动全部撤销（不会留下写了一半的数据）。确定退出？"
            ):
                event.ignore()
                return
            operations.cancel_all()
        elif operations.running():
            if not operations.confirm(self, "后台任务仍在进行。退出程序将先等待它完成（最多 30 秒）。确定退出？"):
                event.ignore()
                return
        s = settings()
        s.setValue("main/geometry", self.saveGeometry())
        s.sync()
        operations.wait_all(30000)
        if self.backup_on_close:
            from app.services.foundation import backup

            def failed(message: str) -> None:
                log.warning("关闭时自动备份失败：%s", message)
                QMessageBox.warning(self, APP_NAME, f"关闭时自动备份失败：{message}\n数据本身已保存，不受影响。")

            def run() -> None:
                with self._as_user():
                    backup.auto_backup(self.ctx.db, "关闭程序")

            try:
                operations.attempt(run, shown=failed)
            except Exception:
                log.exception("关闭时自动备份失败")
        if self.guard is not None:
            self.guard.release()
        event.accept()
