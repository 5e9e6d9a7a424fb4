"""首页: the office card, the size of the pools, and what needs attention (from app.services.reports.dashboard)."""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.models.core import LEVELS
from app.services.foundation import office as office_service
from app.services.foundation.figures import count_text
from app.services.reports import dashboard
from app.services.rules import policies
from app.ui.context import AppContext
from app.ui.pages import PageSpec

log = logging.getLogger(__name__)
EMPTY = "暂无待办事项。导入检查对象、人员和抽查事项后，这里会显示本季度的抽查进度和到期提醒。"
LEVEL_COLORS = {"info": ("#e8f1fb", "#1f5fa8"), "warn": ("#fff4e0", "#a15c00"), "danger": ("#fde8e8", "#b00020")}


def _card(title: str, value: str, detail: str = "", level: str = "info") -> QFrame:
    bg, fg = LEVEL_COLORS.get(level, LEVEL_COLORS["info"])
    frame = QFrame()
    frame.setObjectName("card")
    frame.setStyleSheet(f"QFrame#card {{ background: {bg}; border: 1px solid {fg}33; border-radius: 6px; }}")
    lay = QVBoxLayout(frame)
    t = QLabel(title)
    t.setStyleSheet(f"color: {fg};")
    v = QLabel(value)
    v.setStyleSheet(f"color: {fg}; font-size: 22px; font-weight: bold;")
    lay.addWidget(t)
    lay.addWidget(v)
    if detail:
        d = QLabel(detail)
        d.setWordWrap(True)
        d.setStyleSheet("color: #444;")
        lay.addWidget(d)
    lay.addStretch(1)
    return frame


class HomePage(QWidget):
    """首页. Clicking a card with a target page emits `navigate(key)`."""

    navigate = Signal(str)

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.office_title = QLabel()
        self.office_title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.office_detail = QLabel()
        self.office_detail.setStyleSheet("color: #555;")
        self.office_detail.setWordWrap(True)
        self.body.addWidget(self.office_title)
        self.body.addWidget(self.office_detail)
        self.body.addWidget(QLabel("<b>数据概况</b>"))
        self.counts_grid = QGridLayout()
        self.body.addLayout(self.counts_grid)
        self.body.addWidget(QLabel("<b>待办与进度</b>"))
        self.items_grid = QGridLayout()
        self.body.addLayout(self.items_grid)
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #666;")
        self.body.addWidget(self.empty)
        self.body.addStretch(1)
        row = QHBoxLayout()
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.refresh)
        self.ack_button = QPushButton("已知悉本机维护")
        self.ack_button.setToolTip("核实过上面列出的本机维护操作后点此，卡片不再显示（审计日志中仍保留）")
        self.ack_button.clicked.connect(self.acknowledge_maintenance)
        self.ack_button.hide()
        row.addWidget(self.ack_button)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        self.body.addLayout(row)
        self.counts: dict[str, int] = {}
        self.items: list[dict] = []
        self._load_op = None  # the running load (run_op), if any
        self._again = False  # refresh() asked while loading: load once more when it ends
        self.refresh()

    @staticmethod
    def _clear(grid: QGridLayout) -> None:
        while grid.count():
            w = grid.takeAt(0).widget()
            if w is not None:
                w.hide()
                w.setParent(None)
                w.deleteLater()

    def refresh(self) -> None:
        """Load the figures off the UI thread (the dashboard computes quotas: seconds on 100,000 objects) and
        show them when they arrive; the window stays usable meanwhile (`operations.wait_all()` joins it)."""
        from app.ui.operations import run_op

        if self._load_op is not None and not self._load_op.done.is_set():
            self._again = True
            return
        if not self.items:
            self.empty.setText("正在汇总……")
        self._load_op = run_op(
            self,
            self.ctx,
            self._load,
            read=True,
            background=True,
            quiet=True,
            success=self._show,
            failure=self._failed,
            error_title="首页",
        )

    @staticmethod
    def _load(s) -> tuple:
        office = office_service.get_office(s)
        counts = dict(dashboard.record_counts(s))
        try:
            items = dashboard.collect(s, date.today())
        except Exception as exc:  # one broken provider must not take the home page down
            log.exception("首页数据汇总失败")
            items = [dict(title="首页数据汇总失败", value="!", detail=str(exc), level="danger", page="")]
        office_view = None
        if office is not None:
            parts = [LEVELS.get(office.level, office.level)]
            if office.region_code:
                parts.append(f"行政区划代码 {office.region_code}")
            if office.parent_name:
                parts.append(f"上级单位：{office.parent_name}")
            preset = policies.preset_names().get(office.policy_id, office.policy_id) if office.policy_id else "未设置"
            parts.append(f"监管规则：{preset}")
            office_view = (office.name, "　·　".join(parts))
        return office_view, counts, items

    def _failed(self, _exc) -> None:
        self._load_op = None
        self._again = False

    def _show(self, loaded: tuple) -> None:
        office_view, self.counts, self.items = loaded
        self._load_op = None
        if self._again:
            self._again = False
            self.refresh()
        if office_view is not None:
            self.office_title.setText(office_view[0])
            self.office_detail.setText(office_view[1])
        self._clear(self.counts_grid)
        for i, (label, count) in enumerate(self.counts.items()):
            text = count_text(count, dashboard.COUNT_UNITS.get(label, ""))  # "1500 家": one number format
            self.counts_grid.addWidget(_card(label, text), i // 4, i % 4)
        self._clear(self.items_grid)
        for i, item in enumerate(self.items):
            card = _card(
                str(item.get("title", "")),
                str(item.get("value", "")),
                str(item.get("detail", "")),
                str(item.get("level", "info")),
            )
            target = item.get("page") or ""
            if target:
                card.setCursor(Qt.CursorShape.PointingHandCursor)
                card.setToolTip("点击打开相应页面")
                card.mousePressEvent = lambda _e, key=target: self.navigate.emit(key)
            self.items_grid.addWidget(card, i // 3, i % 3)
        self.empty.setText(EMPTY)
        self.empty.setVisible(not self.items)
        self.ack_button.setVisible(any(i.get("kind") == "maintenance" for i in self.items))

    def acknowledge_maintenance(self) -> None:
        from app.services.foundation import maintenance

        with self.ctx.session() as s:
            maintenance.acknowledge(s, self.ctx.actor.username)
        self.refresh()


PAGE = PageSpec(key="home", title="首页", group="工作台", order=0, factory=HomePage)
