"""监管分类: every object's category, stratum, check mode and the reason; filter by category (incl. 未分类);
manual override with a recorded reason; objects whose deciding permit has expired flagged (许可证过期)."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.foundation.errors import UserError
from app.services.foundation.periods import period_choices
from app.services.rules import classification, ordering, policies
from app.ui.context import AppContext
from app.ui.operations import run_op, show_error
from app.ui.pages import PageSpec
from app.ui.tables import DANGER, MANUAL, WARN, Column, SortProxy, TableModel, selected_rows, table_view
from app.ui.widgets import SECTION_TITLE_STYLE, labelled_period_row, page_title, period_combo


class ClassLine(NamedTuple):
    """One object of the pool as the rules classify it. The table keeps its fields as a plain tuple in this order
    (:func:`load_classes`): the garbage collector stops tracking a plain tuple of text, but walks 100,000 objects —
    a dataclass, even a NamedTuple — on every collection, in any thread, with the UI thread waiting."""

    id: int
    uscc: str
    name: str
    category: str
    stratum: str
    mode: str
    extra: tuple[str, ...]
    override: bool
    moved: str  # "重点监管对象 → 一般监管对象" when the conflict clause moved it
    permit: str  # the expired deciding permit: number, expiry and what the rule does ("" when none)
    reason: str


ID, USCC, NAME, CATEGORY, STRATUM, MODE, EXTRA, OVERRIDE, MOVED, PERMIT, REASON = range(len(ClassLine._fields))


class ClassModel(TableModel):
    """The rows are plain tuples in ClassLine's order (see ClassLine)."""

    def __init__(self, parent=None):
        self.order = ordering.PolicyOrder()
        super().__init__(
            parent,
            columns=[
                Column("统一社会信用代码", itemgetter(USCC)),
                Column("单位名称", itemgetter(NAME)),
                Column("监管类别", itemgetter(CATEGORY), sort=lambda r: self.order.key(r[CATEGORY])),
                Column("分层", itemgetter(STRATUM), sort=lambda r: self.order.key(r[STRATUM])),
                Column("检查方式", itemgetter(MODE)),
                Column("专项对象库", itemgetter(EXTRA)),
                Column("人工指定", itemgetter(OVERRIDE)),
                Column("冲突条款调整", itemgetter(MOVED)),
                Column("许可证过期", itemgetter(PERMIT)),
                Column("归类理由", itemgetter(REASON)),
            ],
            # red: not classified (complete the permit class or set it by hand); blue: set by hand;
            # brown: classed on a permit that has expired (check whether it was renewed)
            style=lambda r: DANGER
            if r[CATEGORY] == policies.UNCLASSIFIED
            else (MANUAL if r[OVERRIDE] else (WARN if r[PERMIT] else None)),
        )


MOVED_FILTER = "冲突条款调整的对象"
EXPIRED_FILTER = "许可证已过期的对象"


class OverrideDialog(QDialog):
    def __init__(self, name: str, categories: list[str], current: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("人工指定监管类别")
        form = QFormLayout(self)
        form.addRow(QLabel(name))
        self.category = QComboBox()
        self.category.addItems(["自动（按规则）"] + categories)
        if current in categories:
            self.category.setCurrentText(current)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：局务会决定列为重点监管；群众多次举报")
        form.addRow("监管类别", self.category)
        form.addRow("理由*", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str]:
        cat = self.category.currentText()
        return ("自动" if cat.startswith("自动") else cat), self.reason.text().strip()


@dataclass(frozen=True)
class ClassTable:
    """What the page shows, computed off the UI thread by :func:`load_classes`."""

    rules: dict
    order: ordering.PolicyOrder
    rows: list[tuple]  # plain tuples in ClassLine's order
    moves: dict
    expired: dict
    counts: dict[str, int]
    manual: int


def load_classes(s, period: str) -> ClassTable:
    """The pool classified for the period as table rows (runs on the thread pool: plain rows of the needed
    columns from classification.pool_objects, one Classification per distinct combination)."""
    rules = policies.active_rules(s)
    objs = classification.pool_objects(s, rules)
    classes = classification.classify(s, objs, period=period, rules=rules)
    moves = classification.conflict_moves(classes, rules)
    expired = classification.expired_deciding_permits(s, objs, rules)
    extra_pools = rules.get("extra_pools") or []
    rows = []
    counts: dict[str, int] = {}
    manual = 0
    for o in objs:
        c = classes[o.id]
        move = moves.get(o.id)
        flag = expired.get(o.id)
        counts[c.category] = counts.get(c.category, 0) + 1
        manual += bool(c.overridden)
        rows.append(  # a plain tuple in ClassLine's order
            (
                o.id,
                o.uscc,
                o.name,
                c.category,
                c.stratum,
                c.mode,
                tuple(classification.extra_pools_of(o, rules)) if extra_pools else (),
                bool(c.overridden),
                f"{move[0]} → {move[1]}" if move else "",
                f"{flag.permit_no} {flag.valid_to.isoformat()} 到期：{flag.note}" if flag else "",
                c.reason,
            )
        )
    return ClassTable(rules, ordering.policy_order(s), rows, moves, expired, counts, manual)


class ClassificationPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        root = QVBoxLayout(self)
        self.title = page_title(style=SECTION_TITLE_STYLE)
        root.addWidget(self.title)
        self.period = period_combo(lambda: self.refresh(), choices=period_choices("rules"))
        bar = labelled_period_row("期间：", self.period)
        bar.addWidget(QLabel("监管类别："))
        self.category = QComboBox()
        self.category.currentTextChanged.connect(self._apply_filter)
        bar.addWidget(self.category)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索名称、代码、理由…")
        self.search.textChanged.connect(lambda t: self.proxy.setFilterFixedString(t.strip()))
        bar.addWidget(self.search, 1)
        self.override_btn = QPushButton("人工指定类别…")
        self.override_btn.clicked.connect(lambda: self.override_selected())
        bar.addWidget(self.override_btn)
        root.addLayout(bar)
        self.model = ClassModel(self)
        self.view = table_view(self.model, key="classification", parent=self)
        self.proxy: SortProxy = self.view.model()
        root.addWidget(self.view, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        root.addWidget(self.summary)
        self.rules: dict = {}
        self._load_op = None  # the running load (run_op), if any
        self._again = False  # refresh() asked while loading: load once more when it ends
        self.refresh()

    def refresh(self) -> None:
        """Classify the pool off the UI thread (seconds on 100,000 objects) and fill the table when the rows
        arrive; a refresh asked while one runs loads once more when it ends (the newest period wins)."""
        if self._load_op is not None and not self._load_op.done.is_set():
            self._again = True
            return
        period = self.period.currentText()
        if not self.model.rows:
            self.summary.setText("正在归类……")
        self._load_op = run_op(
            self,
            self.ctx,
            lambda s: load_classes(s, period),
            read=True,
            background=True,
            quiet=True,
            success=self._show,
            failure=self._failed,
            error_title="监管分类",
        )

    def _failed(self, exc) -> bool:
        self._load_op = None
        if self._again:
            self._again = False
            self.refresh()
            return True
        if isinstance(exc, UserError):  # no rules yet, a period that cannot be read: said in the title
            self.title.setText(exc.message)
            self.model.set_rows([])
            self.summary.setText("")
            return True
        return False

    def _show(self, loaded: ClassTable) -> None:
        self._load_op = None
        if self._again:  # the period changed meanwhile: this result is stale
            self._again = False
            self.refresh()
            return
        rules, rows, moves, expired = loaded.rules, loaded.rows, loaded.moves, loaded.expired
        self.rules = rules
        self.model.order = loaded.order
        self.title.setText(f"监管分类（规则：{rules.get('name', rules['id'])}）")
        current = self.category.currentText()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItems(["全部"] + policies.category_names_of(rules) + [policies.UNCLASSIFIED])
        if moves:
            self.category.addItem(MOVED_FILTER)
        if expired:
            self.category.addItem(EXPIRED_FILTER)
        self.category.setCurrentText(current if current else "全部")
        self.category.blockSignals(False)
        self.model.set_rows([])  # the row filter changes on an empty table: one filter pass, at the fill
        self._apply_filter()
        self.model.set_rows(rows)
        counts = loaded.counts
        parts = [f"{k} {counts.get(k, 0)} 家" for k in policies.category_names_of(rules)]
        parts.append(f"未分类 {counts.get(policies.UNCLASSIFIED, 0)} 家")
        moved = ""
        if moves:
            clause = next(iter(moves.values()))[2]
            moved = f"冲突条款调整 {len(moves)} 家（“{clause}”；选“{MOVED_FILTER}”查看名单）；"
        lapsed = ""
        if expired:
            lapsed = f"许可证已过期 {len(expired)} 家（决定管理类别的许可证已到期，选“{EXPIRED_FILTER}”查看）；"
        self.summary.setText(
            f"名录内 {len(rows)} 家：" + "，".join(parts) + f"；人工指定 {loaded.manual} 家；{moved}{lapsed}"
            "红色为未分类（请补全排污许可管理类别等信息或人工指定），蓝色为人工指定，褐色为许可证已过期。"
        )

    def _apply_filter(self, *_args) -> None:
        cat = self.category.currentText()
        if cat == MOVED_FILTER:
            self.proxy.set_row_filter(lambda r: bool(r[MOVED]))
        elif cat == EXPIRED_FILTER:
            self.proxy.set_row_filter(lambda r: bool(r[PERMIT]))
        elif cat in ("", "全部"):
            self.proxy.set_row_filter(None)
        else:
            self.proxy.set_row_filter(lambda r: r[CATEGORY] == cat)

    def visible_rows(self) -> list[ClassLine]:
        return [ClassLine._make(r) for r in self.proxy.visible_rows()]

    def selected_row(self) -> ClassLine | None:
        rows = selected_rows(self.view)
        return ClassLine._make(rows[0]) if rows else None

    def override_selected(self, category: str | None = None, reason: str | None = None) -> bool:
        row = self.selected_row()
        if row is None:
            show_error(self, UserError("请先在表中选中一个检查对象。"))
            return False
        if category is None:
            dlg = OverrideDialog(
                f"{row.name}（{row.uscc}）", policies.category_names_of(self.rules), row.category, self
            )
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
            category, reason = dlg.values()
        if not run_op(self, self.ctx, lambda s: classification.override(s, row.uscc, category, reason or "")).ok:
            return False
        self.refresh()
        return True


PAGE = PageSpec(
    "classification", "监管分类", "规则与计划", 21, lambda ctx, parent=None: ClassificationPage(ctx, parent)
)
