"""The main window: grouped navigation, lazily built pages, menus, status bar, backup on close."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app import APP_NAME, __version__
from app.models.core import LEVELS
from app.paths import data_dir
from app.services.foundation.errors import UserError
from app.ui.context import AppContext
from app.ui.pages import PageSpec
from app.ui.screen import resize_to_fit

log = logging.getLogger(__name__)
GROUPS = ("工作台", "一单两库", "规则与计划", "抽取", "检查与公示", "统计报表", "系统")
KEY_ROLE = Qt.ItemDataRole.UserRole


def settings() -> QSettings:
    """Window geometry only (typed settings live in the database)."""
    return QSettings(str(data_dir() / "window.ini"), QSettings.Format.IniFormat)


def discover_pages() -> list[PageSpec]:
    """Like app.ui.pages.discover(), but a page module that fails to import does not stop the program:
    it is logged and shown as a page explaining the problem."""
    import importlib
    import pkgutil

    import app.ui.pages as pkg

    specs = []
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        try:
            module = importlib.import_module(info.name)
        except Exception as exc:
            log.exception("页面模块 %s 无法加载", info.name)
            name = info.name.rsplit(".", 1)[-1]
            message = f"页面模块“{name}”无法加载：{exc}\n详细信息已写入日志文件，请联系技术支持。"
            specs.append(
                PageSpec(
                    key=f"broken:{name}",
                    title=f"{name}（无法加载）",
                    group="系统",
                    order=99,
                    factory=lambda _ctx, parent=None, m=message: _broken_page(m, parent),
                )
            )
            continue
        spec = getattr(module, "PAGE", None)
        if isinstance(spec, PageSpec):
            specs.append(spec)
    return sorted(specs, key=lambda s: s.order)


def _broken_page(message: str, parent=None) -> QWidget:
    label = QLabel(message, parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


def visible_specs(ctx: AppContext, specs: list[PageSpec] | None = None) -> list[PageSpec]:
    specs = discover_pages() if specs is None else specs
    out = []
    for spec in specs:
        if spec.levels and ctx.office_level not in spec.levels:
            continue
        if spec.roles and ctx.actor.role not in spec.roles and ctx.actor.role != "管理员":
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
        self.ctx.extras["on_restored"] = self.reload_after_restore
        self.setWindowTitle(f"{APP_NAME} — {ctx.office_name}")
        self.specs = visible_specs(ctx)
        self.pages: dict[str, QWidget] = {}
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
        if self.specs:
            self.show_page(self.specs[0].key)

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
            self.pages[key] = widget
            self.stack.addWidget(widget)
        return self.pages[key]

    def show_page(self, key: str) -> QWidget | None:
        if not any(s.key == key for s in self.specs):
            return None
        widget = self.page(key)
        self.stack.setCurrentWidget(widget)
        item = self._items.get(key)
        if item is not None and self.nav.currentItem() is not item:
            self.nav.blockSignals(True)
            self.nav.setCurrentItem(item)
            self.nav.blockSignals(False)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            try:
                refresh()
            except UserError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
        return widget

    def current_key(self) -> str | None:
        current = self.stack.currentWidget()
        return next((k for k, w in self.pages.items() if w is current), None)

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
        can_restore = self.ctx.actor.role == "管理员"
        self.restore_action.setEnabled(can_restore)
        m.addSeparator()
        self.password_action = QAction("修改我的密码…", self)
        self.password_action.triggered.connect(self.change_password)
        m.addAction(self.password_action)
        m.addSeparator()
        quit_action = QAction("退出", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        m.addAction(quit_action)
        h = bar.addMenu("帮助(&H)")
        about = QAction("关于", self)
        about.triggered.connect(self.about)
        h.addAction(about)

    def _build_status(self) -> None:
        sb = self.statusBar()
        level = LEVELS.get(self.ctx.office_level, "")
        self.office_label = QLabel(f"{self.ctx.office_name}（{level}）")
        actor = self.ctx.actor
        self.user_label = QLabel(f"用户：{actor.display_name or actor.username}（{actor.role}）")
        path = self.ctx.db.sqlite_file
        self.db_label = QLabel(
            f"数据库：{path if path else self.ctx.db.engine.url.render_as_string(hide_password=True)}"
        )
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

        try:
            with self._as_user():
                info = backup.daily_backup(self.ctx.db)
            if info:
                self.statusBar().showMessage(f"已自动备份：{info.path.name}", 8000)
        except UserError as exc:
            log.warning("每日自动备份失败：%s", exc.message)
            self.statusBar().showMessage(f"自动备份失败：{exc.message}", 15000)

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
        for key, widget in list(self.pages.items()):
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.pages.clear()
        self.specs = visible_specs(self.ctx)
        self._build_nav()
        if current and any(s.key == current for s in self.specs):
            self.show_page(current)
        elif self.specs:
            self.show_page(self.specs[0].key)

    def _refresh_current(self) -> None:
        widget = self.stack.currentWidget()
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            refresh()

    # ------------------------------------------------------------------ geometry and close
    def _restore_geometry(self) -> None:
        geo = settings().value("main/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            resize_to_fit(self, 1280, 800)

    def closeEvent(self, event) -> None:
        from app.ui import workers

        if any(not w.done.is_set() for w in workers._active):
            answer = QMessageBox.question(
                self,
                APP_NAME,
                "后台任务仍在进行。退出程序将先等待它完成（最多 30 秒）。确定退出？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        s = settings()
        s.setValue("main/geometry", self.saveGeometry())
        s.sync()
        from app.ui.workers import wait_all

        wait_all(30000)
        if self.backup_on_close:
            from app.services.foundation import backup

            try:
                with self._as_user():
                    backup.auto_backup(self.ctx.db, "关闭程序")
            except UserError as exc:
                log.warning("关闭时自动备份失败：%s", exc.message)
                QMessageBox.warning(self, APP_NAME, f"关闭时自动备份失败：{exc.message}\n数据本身已保存，不受影响。")
            except Exception:
                log.exception("关闭时自动备份失败")
        if self.guard is not None:
            self.guard.release()
        event.accept()
