"""年度计划: annual plans (本部门/内部联合/部门联合), their tasks (对象范围 as a saved filter), 备案 adjustments,
and export of the published plan table (xlsx / PDF)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.foundation import listings
from app.services.foundation.errors import UserError
from app.services.pools import pools
from app.services.rules import plans, policies, quota
from app.ui.context import AppContext
from app.ui.files import save_file_dialog, show_saved
from app.ui.operations import attempt, ignore, run_op, show_error
from app.ui.pages import PageSpec
from app.ui.tables import WARN, Column, TableModel, table_view
from app.ui.widgets import dialog_buttons


@dataclass(frozen=True)
class PlanLine:
    id: int
    code: str
    name: str
    kind: str
    initiator: str
    partners: list[str]
    window: str
    tasks: int
    published: bool


@dataclass(frozen=True)
class TaskLine:
    id: int
    code: str
    name: str
    draw_type: str
    ratio: str
    items: list[str]
    scope: str
    matches: int | str
    window: str
    mode: str


@dataclass(frozen=True)
class AdjustmentLine:
    id: int
    filed_on: str
    reason: str
    description: str
    user: str
    published: bool


PLAN_COLUMNS = (
    Column("抽查计划编号", lambda r: r.code),
    Column("抽查计划名称", lambda r: r.name),
    Column("计划类型", lambda r: r.kind),
    Column("发起科室/部门", lambda r: r.initiator),
    Column("联合科室/部门", lambda r: r.partners),
    Column("抽查时间", lambda r: r.window),
    Column("任务数", lambda r: r.tasks),
    Column("已公开", lambda r: r.published),
)
TASK_COLUMNS = (
    Column("抽查任务编号", lambda r: r.code),
    Column("抽查任务名称", lambda r: r.name),
    Column("抽查类型", lambda r: r.draw_type),
    Column("抽查比例", lambda r: r.ratio),
    Column("抽查事项", lambda r: r.items),
    Column("抽查对象范围", lambda r: r.scope),
    Column("范围内对象", lambda r: r.matches, align_right=True),
    Column("抽查时间", lambda r: r.window),
    Column("检查模式", lambda r: r.mode),
)
ADJ_COLUMNS = (
    Column("备案日期", lambda r: r.filed_on),
    Column("调整理由", lambda r: r.reason),
    Column("调整内容", lambda r: r.description),
    Column("经办人", lambda r: r.user),
    Column("已公示", lambda r: r.published),  # not-a-state: a column label
)


def _date_edit(value: date | None) -> QDateEdit:
    w = QDateEdit(QDate(value.year, value.month, value.day) if value else QDate.currentDate())
    w.setCalendarPopup(True)
    w.setDisplayFormat("yyyy-MM-dd")
    return w


def _qdate(w: QDateEdit) -> str:
    return w.date().toString("yyyy-MM-dd")


class _Form(QDialog):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout(self)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)

    def finish(self) -> None:
        self.form.addRow(self.error)
        buttons = dialog_buttons(self, "确定")
        self.form.addRow(buttons)


class PlanDialog(_Form):
    def __init__(self, year: int, parent=None):
        super().__init__("新建抽查计划", parent)
        self.year = year
        self.code = QLineEdit()
        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(plans.PLAN_KINDS)
        self.initiator = QLineEdit()
        self.partners = QLineEdit()
        self.partners.setPlaceholderText("多个用顿号分隔，如 县市场监管局、县应急管理局")
        self.start = _date_edit(date(year, 1, 1))
        self.end = _date_edit(date(year, 12, 31))
        for label, w in (
            ("抽查计划编号*", self.code),
            ("抽查计划名称*", self.name),
            ("计划类型", self.kind),
            ("发起科室/部门", self.initiator),
            ("联合科室/部门", self.partners),
            ("开始日期", self.start),
            ("结束日期", self.end),
        ):
            self.form.addRow(label, w)
        self.finish()

    def values(self) -> dict:
        return dict(
            year=self.year,
            code=self.code.text(),
            name=self.name.text(),
            kind=self.kind.currentText(),
            initiator=self.initiator.text(),
            partners=self.partners.text(),
            start_date=_qdate(self.start),
            end_date=_qdate(self.end),
        )


class TaskDialog(_Form):
    """A task with its 对象范围 built from drop-downs / lists (saved as a filter)."""

    def __init__(self, plan, items: list, categories: list[str], parent=None):
        super().__init__(f"新增抽查任务（{plan.name}）", parent)
        self.code = QLineEdit()
        self.name = QLineEdit()
        self.draw_type = QComboBox()
        self.draw_type.addItems(plans.DRAW_TYPES)
        self.ratio = QLineEdit()
        self.ratio.setPlaceholderText("按公布的文字，如 25% 4次/年；结合企业信用风险等级，不低于3%")
        self.items = QListWidget()
        self.items.setMaximumHeight(110)
        for it in items:
            li = QListWidgetItem(f"{it.name}（{it.target}）" if it.target else it.name)
            li.setData(Qt.ItemDataRole.UserRole, it.id)
            li.setFlags(li.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            li.setCheckState(Qt.CheckState.Unchecked)
            self.items.addItem(li)
        self.categories = QListWidget()
        self.categories.setMaximumHeight(110)
        for c in categories:
            li = QListWidgetItem(c)
            li.setFlags(li.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            li.setCheckState(Qt.CheckState.Unchecked)
            self.categories.addItem(li)
        self.township = QLineEdit()
        self.township.setPlaceholderText("乡镇，多个用顿号分隔")
        self.industry = QLineEdit()
        self.industry.setPlaceholderText("行业关键词，如 污水处理、汽车销售")
        self.tags = QLineEdit()
        self.permit = QLineEdit()
        self.permit.setPlaceholderText("重点管理、简化管理、登记管理")
        self.registered_by = QLineEdit()
        self.registered_by.setPlaceholderText("如 2023-12-31（秦皇岛：2023年12月31日前登记设立）")
        self.initiator = QLineEdit(plan.initiator)
        self.partners = QLineEdit("、".join(plan.partners or []))
        self.start = _date_edit(plan.start_date)
        self.end = _date_edit(plan.end_date)
        self.mode = QComboBox()
        self.mode.setEditable(True)
        self.mode.addItems(plans.TASK_MODES)
        for label, w in (
            ("抽查任务编号*", self.code),
            ("抽查任务名称*", self.name),
            ("抽查类型", self.draw_type),
            ("抽查比例", self.ratio),
            ("抽查事项", self.items),
            ("范围：监管类别", self.categories),
            ("范围：乡镇", self.township),
            ("范围：行业", self.industry),
            ("范围：标签", self.tags),
            ("范围：排污许可类别", self.permit),
            ("范围：成立日期不晚于", self.registered_by),
            ("发起科室/部门", self.initiator),
            ("联合科室/部门", self.partners),
            ("开始日期", self.start),
            ("结束日期", self.end),
            ("检查模式", self.mode),
        ):
            self.form.addRow(label, w)
        self.finish()

    @staticmethod
    def _split(text: str) -> list[str]:
        return plans._list(text)

    def scope(self) -> dict:
        scope = {}
        cats = [
            self.categories.item(i).text()
            for i in range(self.categories.count())
            if self.categories.item(i).checkState() == Qt.CheckState.Checked
        ]
        if cats:
            scope["categories"] = cats
        for key, w in (
            ("township", self.township),
            ("industry", self.industry),
            ("tags", self.tags),
            ("permit_class", self.permit),
        ):
            vals = self._split(w.text())
            if vals:
                scope[key] = vals
        if self.registered_by.text().strip():
            scope["registered_by"] = self.registered_by.text().strip()  # checked by the core (quota.validate_scope)
        return scope

    def values(self) -> dict:
        items = [
            self.items.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.items.count())
            if self.items.item(i).checkState() == Qt.CheckState.Checked
        ]
        return dict(
            code=self.code.text(),
            name=self.name.text(),
            draw_type=self.draw_type.currentText(),
            ratio=self.ratio.text(),
            item_ids=items,
            scope=self.scope(),
            initiator=self.initiator.text(),
            partners=self.partners.text(),
            start_date=_qdate(self.start),
            end_date=_qdate(self.end),
            mode=self.mode.currentText(),
        )


class AdjustDialog(_Form):
    def __init__(self, plan, parent=None):
        super().__init__(f"计划调整备案（{plan.name}）", parent)
        self.filed = _date_edit(date.today())
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：汛期延后；增加配合部门；新增未列入年度计划的专项抽查")
        self.description = QLineEdit()
        self.start = _date_edit(plan.start_date)
        self.end = _date_edit(plan.end_date)
        for label, w in (
            ("备案日期", self.filed),
            ("调整理由*", self.reason),
            ("调整内容", self.description),
            ("开始日期", self.start),
            ("结束日期", self.end),
        ):
            self.form.addRow(label, w)
        self.finish()

    def values(self) -> dict:
        return dict(
            reason=self.reason.text(),
            filed_on=_qdate(self.filed),
            description=self.description.text(),
            changes={"start_date": _qdate(self.start), "end_date": _qdate(self.end)},
        )


def plan_rows(s, pid: int) -> tuple[list[TaskLine], list[AdjustmentLine]]:
    """The rows of the 任务 and 调整备案 tabs for one plan (read in a worker thread)."""
    names = listings.display_names(s)
    plan = plans.get_plan(s, pid)
    trows = []
    for t in plans.tasks_of(s, plan):
        n = attempt(lambda t=t: plans.scope_count(s, t.scope), shown=ignore).result if t.draw_type == "定向" else "全部"
        n = "?" if n is None else n
        trows.append(
            TaskLine(
                id=t.id,
                code=t.code,
                name=t.name,
                draw_type=t.draw_type,
                ratio=t.ratio,
                items=plans.item_names(s, t.item_ids),
                scope=quota.scope_text(t.scope) if t.draw_type == "定向" else "全部检查对象",
                matches=n,
                window=plans.window_text(t.start_date, t.end_date),
                mode=t.mode,
            )
        )
    arows = [
        AdjustmentLine(
            id=a.id,
            filed_on=a.filed_on.isoformat(),
            reason=a.reason,
            description=a.description,
            user=listings.person_text(names, a.user),
            published=a.published,
        )
        for a in plans.adjustments_of(s, plan)
    ]
    return trows, arows


class PlansPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        root = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度："))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        bar.addWidget(self.year)
        for text, slot in (
            ("新建计划…", self.add_plan),
            ("新增任务…", self.add_task),
            ("备案调整…", self.adjust_plan),
            ("标记已公开", self.publish_plan),
            ("调整已公示", self.publish_adjustment),
            ("导出 Excel…", self.export_xlsx),
            ("导出 PDF…", self.export_pdf),
        ):
            b = QPushButton(text)
            b.clicked.connect(lambda _c=False, f=slot: f())
            bar.addWidget(b)
        bar.addStretch(1)
        root.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        self.plan_model = TableModel(self, columns=PLAN_COLUMNS)
        self.plan_view = table_view(self.plan_model, key="plans", sortable=False, parent=self)
        self.plan_view.selectionModel().selectionChanged.connect(lambda *_: self.show_plan())
        split.addWidget(self.plan_view)
        tabs = QTabWidget()
        self.task_model = TableModel(self, columns=TASK_COLUMNS)
        self.task_view = table_view(self.task_model, key="plans.tasks", sortable=False, parent=self)
        tabs.addTab(self.task_view, "抽查任务")
        # an adjustment not yet published is brown: it may not be carried out before it is
        self.adj_model = TableModel(self, columns=ADJ_COLUMNS, style=lambda r: None if r.published else WARN)
        self.adj_view = table_view(self.adj_model, key="plans.adjustments", sortable=False, parent=self)
        tabs.addTab(self.adj_view, "调整备案")
        self.tabs = tabs
        split.addWidget(tabs)
        root.addWidget(split, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        root.addWidget(self.status)
        self.refresh()

    # -------------------------------------------------------------- data

    def refresh(self) -> None:
        selected = self.current_plan_id()
        with self.ctx.read() as s:
            rows = []
            for p in plans.list_plans(s, self.year.value()):
                rows.append(
                    PlanLine(
                        id=p.id,
                        code=p.code,
                        name=p.name,
                        kind=p.kind,
                        initiator=p.initiator,
                        partners=p.partners,
                        window=plans.window_text(p.start_date, p.end_date),
                        tasks=len(plans.tasks_of(s, p)),
                        published=p.published,
                    )
                )
        self.plan_model.set_rows(rows)
        self.status.setText(
            f"{self.year.value()} 年共 {len(rows)} 个抽查计划。"
            "未列入年度计划或需调整的抽查，须先“备案调整”并公示后方可开展。"
        )
        idx = next((i for i, r in enumerate(rows) if r.id == selected), 0 if rows else None)
        if idx is not None:
            self.plan_view.selectRow(idx)
        self.show_plan()

    def current_plan_id(self) -> int | None:
        sm = self.plan_view.selectionModel() if hasattr(self, "plan_view") else None
        if sm is None or not sm.selectedRows():
            return None
        return self.plan_model.rows[sm.selectedRows()[0].row()].id

    def show_plan(self) -> None:
        """The chosen plan's tasks and adjustments. Counting each task's 范围内对象 over a large pool takes
        seconds, so it runs off the UI thread; the newest request wins."""
        pid = self.current_plan_id()
        self._plan_generation = getattr(self, "_plan_generation", 0) + 1
        generation = self._plan_generation
        if pid is None:
            self.task_model.set_rows([])
            self.adj_model.set_rows([])
            return

        def show(result) -> None:
            if generation == self._plan_generation:
                trows, arows = result
                self.task_model.set_rows(trows)
                self.adj_model.set_rows(arows)

        run_op(
            self,
            self.ctx,
            lambda s: plan_rows(s, pid),
            read=True,
            background=True,
            title="正在统计各任务范围内的对象……",
            success=show,
        )

    # -------------------------------------------------------------- actions

    def add_plan(self, values: dict | None = None) -> bool:
        if values is None:
            dlg = PlanDialog(self.year.value(), self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
            values = dlg.values()
        op = run_op(self, self.ctx, lambda s: plans.create_plan(s, **values).code)
        if not op.ok:
            return False
        code = op.result
        self.refresh()
        for i, r in enumerate(self.plan_model.rows):
            if r.code == code:
                self.plan_view.selectRow(i)
        return True

    def _need_plan(self) -> int | None:
        pid = self.current_plan_id()
        if pid is None:
            show_error(self, UserError("请先在上表中选中一个抽查计划。"))
        return pid

    def add_task(self, values: dict | None = None) -> bool:
        pid = self._need_plan()
        if pid is None:
            return False
        if values is None:
            with self.ctx.read() as s:
                plan = plans.get_plan(s, pid)
                items = pools.list_items(s, plan.year)
                rules = attempt(lambda: policies.active_rules(s), shown=ignore).result or {"categories": []}
                cats = policies.category_names_of(rules) + [p["name"] for p in rules.get("extra_pools") or []]
                dlg = TaskDialog(plan, items, cats, self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
            values = dlg.values()
        if not run_op(self, self.ctx, lambda s: plans.add_task(s, plans.get_plan(s, pid), **values)).ok:
            return False
        self.refresh()
        return True

    def adjust_plan(self, values: dict | None = None) -> bool:
        pid = self._need_plan()
        if pid is None:
            return False
        if values is None:
            with self.ctx.read() as s:
                dlg = AdjustDialog(plans.get_plan(s, pid), self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
            values = dlg.values()
        if not run_op(self, self.ctx, lambda s: plans.adjust_plan(s, plans.get_plan(s, pid), **values)).ok:
            return False
        self.refresh()
        self.tabs.setCurrentIndex(1)
        return True

    def publish_plan(self) -> bool:
        pid = self._need_plan()
        if pid is None:
            return False
        with self.ctx.session() as s:
            plans.publish_plan(s, plans.get_plan(s, pid))
        self.refresh()
        return True

    def publish_adjustment(self) -> bool:
        sm = self.adj_view.selectionModel()
        rows = sm.selectedRows() if sm else []
        if not rows and len(self.adj_model.rows) == 1:
            target = self.adj_model.rows[0]
        elif rows:
            target = self.adj_model.rows[rows[0].row()]
        else:
            show_error(self, UserError("请先在“调整备案”中选中一条备案。"))
            return False
        if not run_op(self, self.ctx, lambda s: plans.publish_adjustment(s, target.id)).ok:
            return False
        self.show_plan()
        return True

    def _export(self, kind: str, path: str | None) -> bool:
        year = self.year.value()
        if path is None:
            filt = "Excel 文件 (*.xlsx)" if kind == "xlsx" else "PDF 文件 (*.pdf)"
            path, _ = save_file_dialog(self, "导出年度抽查计划", f"{year}年度抽查计划.{kind}", filt)
            if not path:
                return False
        export = plans.export_plans_xlsx if kind == "xlsx" else plans.export_plans_pdf
        if not run_op(self, self.ctx, lambda s: export(s, year, path), read=True).ok:
            return False
        show_saved(self, path, f"已导出：{path}")
        return True

    def export_xlsx(self, path: str | None = None) -> bool:
        return self._export("xlsx", path)

    def export_pdf(self, path: str | None = None) -> bool:
        return self._export("pdf", path)


PAGE = PageSpec("plans", "年度计划", "规则与计划", 23, lambda ctx, parent=None: PlansPage(ctx, parent))
