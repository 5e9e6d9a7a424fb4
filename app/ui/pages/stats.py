"""统计报表: the period's figures, charts (应抽 vs 已查 per category; progress over the year) and exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.foundation.errors import UserError
from app.services.foundation.figures import rate_text
from app.services.foundation.periods import parse_period, period_choices, period_of
from app.services.reports import statistics as stats_service
from app.services.reports import statistics_forms
from app.ui.context import AppContext
from app.ui.files import save_document_dialog, save_file_dialog, show_saved
from app.ui.operations import run_op, show_info
from app.ui.pages import PageSpec
from app.ui.widgets import RowsTableModel, dialog_buttons, plain_table

COL_GROUP, COL_LABEL, COL_VALUE, COL_UNIT = range(4)


def _count_axis(top: int) -> QValueAxis:
    """A value axis for counts: whole-number ticks from 0, a little headroom above the top value."""
    step = max(1, -(-top // 5))
    axis = QValueAxis()
    axis.setRange(0, step * (-(-top // step) + 1))
    axis.setTickType(QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(0)
    axis.setTickInterval(step)
    axis.setLabelFormat("%d")
    return axis


class FiguresModel(RowsTableModel):
    """The 季度统计表 as rows: 分组 / 项目 / 数值 / 单位 (one row per column of the bureau's form)."""

    HEADERS = ("分组", "项目", "数值", "单位")
    rows: list[tuple[str, str, object, str, str]]

    def set_stats(self, stats: dict | None) -> None:
        # categories named as the rules name them; a rate written with its counts (0.07%（1/1500）)
        self.set_rows([] if stats is None else stats_service.figure_rows(stats))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == COL_VALUE:
                return row[4]
            return str(row[index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == COL_VALUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def bar_chart(stats: dict | None) -> QChart:
    chart = QChart()
    chart.setTitle("各监管类别应抽与已查（家次）")
    req, done = QBarSet("应抽"), QBarSet("已查")
    req.setColor(QColor("#9DB9D8"))
    done.setColor(QColor("#2E6DB4"))
    top = 1
    for cat in stats_service.CATEGORIES:
        c = (stats or {}).get("categories", {}).get(cat, {})
        req.append(c.get("required", 0))
        done.append(c.get("inspected", 0))
        top = max(top, c.get("required", 0), c.get("inspected", 0))
    series = QBarSeries()
    series.append(req)
    series.append(done)
    series.setLabelsVisible(True)
    chart.addSeries(series)
    ax = QBarCategoryAxis()
    ax.append(list(stats_service.CATEGORIES))  # 特殊/重点/简化/一般: short enough to stay legible
    ay = _count_axis(top)
    chart.addAxis(ax, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(ay, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(ax)
    series.attachAxis(ay)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def line_chart(stats: dict | None) -> QChart:
    chart = QChart()
    chart.setTitle("全年累计进度（家次）")
    progress = (stats or {}).get("progress") or []
    req, done = QLineSeries(), QLineSeries()
    req.setName("累计应抽")
    done.setName("累计已查")
    top = 1
    for i, p in enumerate(progress):
        req.append(QPointF(i, p["cumulative_required"]))
        done.append(QPointF(i, p["cumulative_inspected"]))
        top = max(top, p["cumulative_required"], p["cumulative_inspected"])
    req.setPointsVisible(True)
    done.setPointsVisible(True)
    req.setColor(QColor("#7A9CC6"))
    done.setColor(QColor("#C0392B"))
    chart.addSeries(req)
    chart.addSeries(done)
    for s in (req, done):
        pen = s.pen()
        pen.setWidth(3)
        s.setPen(pen)
        s.setMarkerSize(9)
    ax = QBarCategoryAxis()  # the whole year, quarters not reached yet stay empty
    ax.append([f"{n}季度" for n in "一二三四"])
    ay = _count_axis(top)
    chart.addAxis(ax, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(ay, Qt.AlignmentFlag.AlignLeft)
    for s in (req, done):
        s.attachAxis(ax)
        s.attachAxis(ay)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


class CaseDialog(QDialog):
    """Choose the typical cases (检查结果 with problems found) for the annual report."""

    def __init__(self, rows: list[dict], parent=None):
        super().__init__(parent)
        self.setWindowTitle("选择典型案例")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("勾选要写入年度工作报告的典型案例（发现问题的检查结果）："))
        self.list = QListWidget()
        for r in rows:
            item = QListWidgetItem(f"#{r['id']}  {r['name']}  {r['check_date']}  {r['result']}")
            item.setData(Qt.ItemDataRole.UserRole, r["id"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        lay.addWidget(self.list)
        buttons = dialog_buttons(self, "生成报告")
        lay.addWidget(buttons)
        self.resize(560, 420)

    def chosen(self) -> list[int]:
        return [
            self.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]


def with_frequency(session, stats: dict) -> dict:
    """The period's statistics plus the year's 检查频次 figures (reports.frequency_figures) for the 检查频次 tab."""
    from app.services.reports import frequency_figures

    p = parse_period(stats["period"])
    upto = p.quarters[-1].index
    return {
        **stats,
        "frequency": {
            "year": frequency_figures.year_figures(session, p.year, upto_quarter=upto),
            "groups": frequency_figures.by_group(session, p.year),
        },
    }


class FrequencyTab(QWidget):
    """检查频次: repeated enterprises and how often, 内部联合/部门联合 per quarter against 秦皇岛's targets,
    the 非现场 share, and the table by enterprise group."""

    GROUP_HEADERS = [
        "企业类别",
        "名录（家）",
        "受检企业",
        "受检1次",
        "受检2次",
        "3次及以上",
        "检查次数",
        "其中现场",
        "最多",
    ]
    GROUP_KEYS = ("group", "enterprises", "inspected", "once", "twice", "more", "inspections", "onsite", "max")

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.text)
        self.groups = QTableWidget(0, len(self.GROUP_HEADERS))
        self.groups.setHorizontalHeaderLabels(self.GROUP_HEADERS)
        self.groups.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.groups.verticalHeader().setVisible(False)
        self.groups.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(self.groups, 1)

    def show_figures(self, data: dict | None) -> None:
        if not data:
            self.text.setText("")
            self.groups.setRowCount(0)
            return
        f = data["year"]
        often = "、".join(f"{k} 次 {n} 家" for k, n in sorted(f["by_count"].items(), key=lambda kv: -int(kv[0])))
        lines = [
            f"<b>{f['year']} 年</b>：{f['enterprises']} 家企业受检 {f['inspections']} 次（含其他部门检查），"
            f"受检 2 次及以上 <b>{f['repeated']}</b> 家（{often or '—'}）；"
            f"非现场检查 {f['non_site']} 次，占 <b>{f['non_site_rate']:g}%</b>。"
        ]
        if f["limit"]:
            lines.append(f"本单位上限：每家每年现场检查 {f['limit']} 次，超过上限 {f['over_limit']} 家。")
        for q in f["quarters"]:
            ok_i = "#1b7f3b" if q["internal_joint_met"] else "#b00020"
            ok_d = "#1b7f3b" if q["dept_joint_met"] else "#b00020"
            lines.append(
                f"{q['quarter']}：抽查 {q['checks']} 家次，内部联合 {q['internal_joint']} 家次"
                f"（<span style='color:{ok_i}'>{q['internal_joint_rate']:g}%</span> / 目标 30%），"
                f"部门联合 <span style='color:{ok_d}'>{q['dept_joint_draws']} 次</span> / 目标 1 次"
            )
        if f["most"]:
            lines.append(
                "受检最多：" + "；".join(f"{o['name']} {o['count']} 次（现场 {o['onsite']}）" for o in f["most"][:5])
            )
        lines.append(f"<span style='color:#666'>{f['basis']}</span>")
        self.text.setText("<br>".join(lines))
        rows = data["groups"]
        self.groups.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, key in enumerate(self.GROUP_KEYS):
                item = QTableWidgetItem(str(row[key]))
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.groups.setItem(i, j, item)


class StatsPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.stats: dict | None = None
        self.last_message = ""
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("统计期间："))
        self.period = QComboBox()
        self.period.setEditable(True)
        self.period.addItems(period_choices("reports"))
        self.period.setCurrentText(period_of(date.today()).code)
        self.period.activated.connect(lambda _i: self.refresh())
        self.period.lineEdit().returnPressed.connect(self.refresh)
        bar.addWidget(self.period)
        self.refresh_btn = QPushButton("刷新")
        self.refresh_btn.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_btn)
        bar.addStretch(1)
        self.export_stats_btn = QPushButton("导出季度统计表…")
        self.export_stats_btn.clicked.connect(self.export_stats)
        self.export_adj_btn = QPushButton("导出名录库调整信息…")
        self.export_adj_btn.clicked.connect(self.export_adjustments)
        self.annual_btn = QPushButton("年度工作报告（PDF）…")
        self.annual_btn.clicked.connect(self.annual_report)
        for b in (self.export_stats_btn, self.export_adj_btn, self.annual_btn):
            bar.addWidget(b)
        lay.addLayout(bar)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 14px;")
        lay.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.model = FiguresModel(self)
        self.table = plain_table(self.model, key="stats-figures")
        self.table.verticalHeader().setVisible(False)
        self.strata = QTableWidget(0, 5)
        self.strata.setHorizontalHeaderLabels(["监管类别", "分层", "应抽", "实抽", "已查"])
        self.strata.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.strata.verticalHeader().setVisible(False)
        self.strata.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "统计表")
        self.tabs.addTab(self.strata, "分层明细（家次）")
        self.frequency_tab = FrequencyTab(self)
        self.tabs.addTab(self.frequency_tab, "检查频次")
        ll.addWidget(self.tabs)
        self.targets = QLabel()
        self.targets.setWordWrap(True)
        self.targets.setTextFormat(Qt.TextFormat.RichText)
        ll.addWidget(self.targets)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.bar_view = QChartView()
        self.bar_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.line_view = QChartView()
        self.line_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        rl.addWidget(self.bar_view, 1)
        rl.addWidget(self.line_view, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 520])  # charts get room for their axis labels
        lay.addWidget(split, 1)

    # ------------------------------------------------------------------ data

    def period_code(self) -> str:
        return parse_period(self.period.currentText()).code

    def refresh(self) -> None:
        """Compute the period's figures off the UI thread; the newest request wins."""
        self._generation = getattr(self, "_generation", 0) + 1
        generation = self._generation

        def failure(exc) -> bool:
            if generation == self._generation and isinstance(exc, UserError):
                self.summary.setText(f"<span style='color:#b00020'>{exc.message}</span>")
                return True
            return generation != self._generation

        def success(stats) -> None:
            if generation == self._generation:
                self.show_stats(stats)

        text = self.period.currentText()
        self.summary.setText("正在计算……")
        run_op(
            self,
            self.ctx,
            lambda s: with_frequency(s, stats_service.compute(s, parse_period(text).code)),
            read=True,
            background=True,
            quiet=True,  # the page says 正在计算…… and stays usable (no progress dialog, no busy cursor)
            title="正在计算统计报表……",
            success=success,
            failure=failure,
        )

    def show_stats(self, stats: dict) -> None:
        self.stats = st = stats
        c = st["checks"]
        self.summary.setText(
            f"<b>{st['office']}</b>　{st['period_label']}：应抽 <b>{c['required']}</b> 家次，实抽 {c['drawn']}，"
            f"已查 <b>{c['inspected']}</b>（完成率 {rate_text(c['inspected'], c['required'])}），"
            f"发现问题 {c['problems_found']} 家次，责令整改 {c['rectify']}，立案 {c['cases']}，"
            f"公示率 <b>{rate_text(c['published'], c['inspected'])}</b>"
        )
        self.model.set_stats(st)
        self.strata.setRowCount(len(st["strata"]))
        for i, row in enumerate(st["strata"]):
            for j, v in enumerate((row["category"], row["stratum"], row["required"], row["drawn"], row["inspected"])):
                item = QTableWidgetItem(str(v))
                if j >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.strata.setItem(i, j, item)
        parts = []
        for t in st["targets"]:
            color = "#1b7f3b" if t["met"] else "#b00020"
            parts.append(
                f"{t['name']}：实际 {t['text']} / 目标 {t['target']:g}{t['unit']} "
                f"<span style='color:{color}'>{'✓ 达到' if t['met'] else '✗ 未达到'}</span>"
            )
        self.targets.setText("<b>工作目标</b><br>" + "<br>".join(parts))
        self.frequency_tab.show_figures(st.get("frequency"))
        self.bar_view.setChart(bar_chart(st))
        self.line_view.setChart(line_chart(st))

    # ------------------------------------------------------------------ exports

    def _save_path(self, title: str, name: str, filt: str) -> str:
        path, _ = save_file_dialog(self, title, str(Path.home() / name), filt)
        return path

    def _done(self, message: str, path: str | Path = "") -> None:
        self.last_message = message
        if path:
            show_saved(self, path, message, "完成")
        else:
            show_info(self, message)

    def _failed(self, exc) -> None:
        self.last_message = exc.message if isinstance(exc, UserError) else "出错了"

    def export_stats(self) -> None:
        code = self.period_code()
        path = self._save_path("导出季度统计表", f"季度统计表-{code}.xlsx", "Excel 文件 (*.xlsx)")
        if not path:
            return
        run_op(
            self,
            self.ctx,
            lambda s: statistics_forms.export_stats_xlsx(s, code, path),
            background=True,
            title="正在导出季度统计表……",
            success=lambda _r: self._done(f"已导出季度统计表：{path}", path),
            failure=self._failed,
        )

    def export_adjustments(self) -> None:
        code = self.period_code()
        path = self._save_path("导出名录库调整信息", f"名录库调整信息-{code}.xlsx", "Excel 文件 (*.xlsx)")
        if not path:
            return

        def done(data) -> None:
            counts = "，".join(f"{k} {v}" for k, v in data["counts"].items())
            self._done(f"已导出名录库调整信息：{path}（{counts}）", path)

        run_op(
            self,
            self.ctx,
            lambda s: statistics_forms.export_adjustments_xlsx(s, code, path),
            background=True,
            title="正在导出名录库调整信息……",
            success=done,
            failure=self._failed,
        )

    def annual_report(self) -> None:
        year = parse_period(self.period.currentText()).year
        with self.ctx.read() as s:
            rows = stats_service.case_candidates(s, year)
        dialog = CaseDialog(rows, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        cases = dialog.chosen()
        path = save_document_dialog(self, "保存年度工作报告", str(Path.home() / f"{year}年度双随机抽查工作报告.pdf"))
        if not path:
            return
        from app.services.reports import annual_report

        run_op(
            self,
            self.ctx,
            lambda s: annual_report.build_annual_report(s, year, path, case_ids=cases),
            background=True,
            title="正在生成年度工作报告……",
            success=lambda info: self._done(
                f"已生成年度工作报告：{info['path']}" + (f"（{info['pages']} 页）" if info["pages"] else ""),
                info["path"],
            ),
            failure=self._failed,
        )


PAGE = PageSpec("stats", "统计报表", "统计报表", 50, StatsPage)
