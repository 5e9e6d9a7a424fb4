"""抽查比例与应抽数: the period's quota table (per category/stratum: 名录数, 比例, 应抽, 方式, 剔除) for the
whole pool or one task, and the office's yearly targets."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.services.foundation.errors import UserError
from app.services.foundation.periods import parse_period, period_choices
from app.services.rules import ordering, plans, policies, quota, targets
from app.ui.context import AppContext
from app.ui.files import save_file_dialog, show_saved
from app.ui.operations import run_op
from app.ui.pages import PageSpec
from app.ui.tables import DANGER, TOTAL, WARN, Column, TableModel, display_text, table_view
from app.ui.widgets import SECTION_TITLE_STYLE, labelled_period_row, page_title, period_combo


@dataclass(frozen=True)
class QuotaLine:
    """One stratum of the quota (or the 合计 line)."""

    category: str
    stratum: str
    pool: int
    excluded_n: int | str
    ratio: str
    required: int
    visits: int | str = ""
    mode: str = ""
    waiting: str = ""
    note: str = ""
    shortfall: int = 0
    modes: dict = field(default_factory=dict)
    objects: tuple[int, ...] = ()
    tip: str | None = None  # the excluded objects and why, on every cell of the line
    style: str | None = None  # tables.TOTAL / DANGER / WARN


@dataclass(frozen=True)
class TargetLine:
    """One office-wide target of the year."""

    title: str
    value: str
    status: str
    detail: str
    style: str | None = None


def _tipped(title: str, get, **kw) -> Column:
    """A column whose tooltip is the line's own note (the excluded objects), else the long text itself."""
    return Column(
        title, get, tooltip=lambda r: r.tip or (display_text(get(r)) if len(display_text(get(r))) > 12 else ""), **kw
    )


class QuotaModel(TableModel):
    def __init__(self, parent=None):
        self.order = ordering.PolicyOrder()
        super().__init__(
            parent,
            columns=[
                _tipped("监管类别", lambda r: r.category, sort=lambda r: self.order.key(r.category)),
                _tipped("分层", lambda r: r.stratum, sort=lambda r: self.order.key(r.stratum)),
                _tipped("名录数", lambda r: r.pool),
                _tipped("已剔除", lambda r: r.excluded_n, align_right=True),
                _tipped("比例", lambda r: r.ratio),
                _tipped("应抽", lambda r: r.required),
                _tipped("家次", lambda r: r.visits, align_right=True),
                _tipped("检查方式", lambda r: r.mode),
                _tipped("待定规则", lambda r: r.waiting),
                _tipped("说明", lambda r: r.note),
            ],
            style=lambda r: r.style,
        )


TARGET_COLUMNS = (
    Column("年度目标", lambda r: r.title),
    Column("完成情况", lambda r: r.value),
    Column("是否达标", lambda r: r.status),
    Column("说明", lambda r: r.detail),
)


def load_quota(s, period: str, task_id) -> tuple:
    """(title, policy order, quota lines, target lines) for the period and task (runs on the thread pool)."""
    detail = quota.quota_detail(s, period, task_id)
    order = ordering.policy_order(s)
    rows = [
        QuotaLine(
            category=r["category"],
            stratum=r["stratum"],
            pool=r["pool"],
            ratio=r["ratio"],
            required=r["required"],
            visits=r["visits"] if r["visits"] != r["required"] else "",
            mode=r["mode"],
            excluded_n=len(r["excluded"]) or "",
            waiting="；".join(r["waiting"]),
            note=r["note"],
            shortfall=r["shortfall"],
            modes=r["modes"],
            objects=tuple(o.id for o in r["objects"]),
            tip="；".join(f"{o.name}：{why}" for o, why in r["excluded"][:30]) or None,
            style=DANGER
            if r["category"] == policies.UNCLASSIFIED or r["shortfall"]
            else (WARN if r["waiting"] else None),
        )
        for r in detail["rows"]
    ]
    p = parse_period(period)
    upto = p.quarters[-1].index
    goals = []
    for t in targets.compute_targets(s, p.year, upto_quarter=upto):
        goals.append(
            TargetLine(
                title=t["title"],
                value=t["value"],
                detail=t["detail"],
                status="达标" if t["ok"] else ("未达标" if t["actual"] is not None else "暂无数据"),
                style=DANGER if t["actual"] is not None and not t["ok"] else None,
            )
        )
    title = f"{p.label}应抽数（规则：{detail['policy_name'] or detail['policy']}）"
    return title, order, rows, goals


class QuotaPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        root = QVBoxLayout(self)
        self.title = page_title(style=SECTION_TITLE_STYLE)
        root.addWidget(self.title)
        self.period = period_combo(lambda: self.refresh(), choices=period_choices("rules"))
        bar = labelled_period_row("期间：", self.period)
        bar.addWidget(QLabel("抽查任务："))
        self.task = QComboBox()
        self.task.setMinimumWidth(320)
        self.task.currentIndexChanged.connect(lambda _i: self.refresh_table())
        bar.addWidget(self.task, 1)
        self.export_btn = QPushButton("导出 Excel…")
        self.export_btn.clicked.connect(lambda: self.export_xlsx())
        bar.addWidget(self.export_btn)
        root.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        self.model = QuotaModel(self)
        self.view = table_view(self.model, key="quota", parent=self)  # sorted in policy order, 合计 at the foot
        split.addWidget(self.view)
        self.target_model = TableModel(self, columns=TARGET_COLUMNS, style=lambda r: r.style)
        self.target_view = table_view(self.target_model, key="quota.targets", sortable=False, parent=self)
        split.addWidget(self.target_view)
        split.setSizes([460, 160])
        root.addWidget(split, 1)
        self.total = QLabel()
        self.total.setWordWrap(True)
        root.addWidget(self.total)
        self._load_op = None  # the running load (run_op), if any
        self._again = False  # refresh_table() asked while loading: load once more when it ends
        self.refresh()

    def refresh(self) -> None:
        """Reload the task list for the period's year, then the tables."""
        year = parse_period(self.period.currentText()).year
        current = self.task.currentData()
        self.task.blockSignals(True)
        self.task.clear()
        self.task.addItem("全部检查对象（不按任务）", None)
        with self.ctx.read() as s:
            for t in plans.list_tasks(s, year):
                self.task.addItem(f"{t.code} {t.name}（{t.draw_type}）", t.id)
        idx = self.task.findData(current)
        self.task.setCurrentIndex(idx if idx >= 0 else 0)
        self.task.blockSignals(False)
        self.refresh_table()

    def refresh_table(self) -> None:
        """Compute the quota off the UI thread (seconds on 100,000 objects) and fill the tables when it arrives;
        a refresh asked while one runs computes once more when it ends (the newest period and task win)."""
        if self._load_op is not None and not self._load_op.done.is_set():
            self._again = True
            return
        period, task_id = self.period.currentText(), self.task.currentData()
        if not self.model.rows:
            self.total.setText("正在计算应抽数……")
        self._load_op = run_op(
            self,
            self.ctx,
            lambda s: load_quota(s, period, task_id),
            read=True,
            background=True,
            quiet=True,
            success=self._show,
            failure=self._failed,
            error_title="抽查比例与应抽数",
        )

    def _failed(self, exc) -> bool:
        self._load_op = None
        if self._again:
            self._again = False
            self.refresh_table()
            return True
        if isinstance(exc, UserError):  # no rules yet, a task whose scope matches nothing: said in the title
            self.title.setText(exc.message)
            self.model.set_rows([])
            self.target_model.set_rows([])
            self.total.setText("")
            return True
        return False

    def _show(self, loaded: tuple) -> None:
        self._load_op = None
        if self._again:  # the period or task changed meanwhile: this result is stale
            self._again = False
            self.refresh_table()
            return
        title, order, rows, goals = loaded
        self.model.order = order
        self.title.setText(title)
        total_row = QuotaLine(
            category="合计",
            stratum=f"{len(rows)} 个分层",
            pool=sum(r.pool for r in rows),
            ratio="",
            required=sum(r.required for r in rows),
            excluded_n=sum(r.excluded_n or 0 for r in rows) or "",
            style=TOTAL,
        )
        self.model.set_rows(rows + [total_row] if rows else rows)
        self.target_model.set_rows(goals)
        total = sum(r.required for r in rows)
        offsite_pool = sum(1 for r in rows for oid in r.objects if r.modes.get(oid) == "非现场")
        short = sum(r.shortfall for r in rows)
        waiting = sum(1 for r in rows if r.waiting)
        parts = [
            f"合计应抽 {total} 家。应抽数按整个类别（含已剔除对象）计算、每个比例取整一次；"
            "剔除只决定抽谁（鼠标停留可见名单）。检查方式按每家对象的情况确定"
            + (f"（可抽对象中 {offsite_pool} 家为非现场）。" if offsite_pool else "。")
        ]
        if short:
            parts.append(f"剔除后对象不足：少抽 {short} 家（红色行）。")
        if waiting:
            parts.append(f"{waiting} 行有待本单位确定的比例递加（棕色行），在“规则设置”中填写幅度后生效。")
        self.total.setText("".join(parts))

    def export_xlsx(self, path: str | None = None) -> bool:
        period = self.period.currentText()
        if path is None:
            path, _ = save_file_dialog(self, "导出应抽数", f"{period}应抽数.xlsx", "Excel 文件 (*.xlsx)")
            if not path:
                return False
        task_id = self.task.currentData()
        if not run_op(self, self.ctx, lambda s: quota.export_quota_xlsx(s, period, task_id, path), read=True).ok:
            return False
        show_saved(self, path, f"已导出：{path}")
        return True


PAGE = PageSpec("quota", "抽查比例与应抽数", "规则与计划", 22, lambda ctx, parent=None: QuotaPage(ctx, parent))
