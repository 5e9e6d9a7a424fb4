"""抽查比例与应抽数: the period's quota table (per category/stratum: 名录数, 比例, 应抽, 方式, 剔除) for the
whole pool or one task, and the office's yearly targets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.services.foundation.periods import parse_period, period_choices
from app.services.rules import plans, policies, quota, targets
from app.ui.context import AppContext
from app.ui.files import save_file_dialog, show_saved
from app.ui.operations import attempt, run_op
from app.ui.pages import PageSpec
from app.ui.rules_widgets import DictTableModel, make_table
from app.ui.widgets import SECTION_TITLE_STYLE, labelled_period_row, page_title, period_combo

COLUMNS = [
    ("category", "监管类别"),
    ("stratum", "分层"),
    ("pool", "名录数"),
    ("excluded_n", "已剔除"),
    ("ratio", "比例"),
    ("required", "应抽"),
    ("visits", "家次"),
    ("mode", "检查方式"),
    ("waiting", "待定规则"),
    ("note", "说明"),
]
TARGET_COLUMNS = [("title", "年度目标"), ("value", "完成情况"), ("status", "是否达标"), ("detail", "说明")]


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
        self.model = DictTableModel(COLUMNS, self)
        self.view = make_table(self.model, self, sortable=False)
        self.view.setColumnWidth(0, 140)
        self.view.setColumnWidth(1, 260)
        split.addWidget(self.view)
        self.target_model = DictTableModel(TARGET_COLUMNS, self)
        self.target_view = make_table(self.target_model, self, sortable=False)
        self.target_view.setColumnWidth(0, 200)
        self.target_view.setColumnWidth(1, 220)
        split.addWidget(self.target_view)
        split.setSizes([460, 160])
        root.addWidget(split, 1)
        self.total = QLabel()
        self.total.setWordWrap(True)
        root.addWidget(self.total)
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
        period = self.period.currentText()
        with self.ctx.read() as s:
            got = attempt(lambda: quota.quota_detail(s, period, self.task.currentData()), shown=self.title.setText)
            detail = got.result
            if not got.ok:
                self.model.set_rows([])
                self.target_model.set_rows([])
                self.total.setText("")
                return
            rows = []
            for r in detail["rows"]:
                rows.append(
                    dict(
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
                        objects=[o.id for o in r["objects"]],
                        _tip="；".join(f"{o.name}：{why}" for o, why in r["excluded"][:30]) or None,
                        _color="#b00020"
                        if r["category"] == policies.UNCLASSIFIED or r["shortfall"]
                        else ("#9a6700" if r["waiting"] else None),
                    )
                )
            p = parse_period(period)
            upto = p.quarters[-1].index
            goals = []
            for t in targets.compute_targets(s, p.year, upto_quarter=upto):
                goals.append(
                    dict(
                        title=t["title"],
                        value=t["value"],
                        detail=t["detail"],
                        status="达标" if t["ok"] else ("未达标" if t["actual"] is not None else "暂无数据"),
                        _color="#b00020" if t["actual"] is not None and not t["ok"] else None,
                    )
                )
        self.title.setText(f"{p.label}应抽数（规则：{detail['policy_name'] or detail['policy']}）")
        total_row = dict(
            category="合计",
            stratum=f"{len(rows)} 个分层",
            pool=sum(r["pool"] for r in rows),
            ratio="",
            required=sum(r["required"] for r in rows),
            mode="",
            excluded_n=sum(r["excluded_n"] or 0 for r in rows) or "",
            note="",
            _total=True,
        )
        self.model.set_rows(rows + [total_row] if rows else rows)
        self.target_model.set_rows(goals)
        total = sum(r["required"] for r in rows)
        offsite_pool = sum(1 for r in rows for oid in r["objects"] if r["modes"].get(oid) == "非现场")
        short = sum(r["shortfall"] for r in rows)
        waiting = sum(1 for r in rows if r["waiting"])
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
