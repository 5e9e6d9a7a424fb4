"""监管分类: every object's category, stratum, check mode and the reason; filter by category (incl. 未分类);
manual override with a recorded reason; objects whose deciding permit has expired flagged (许可证过期)."""

from __future__ import annotations

from datetime import date

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
from app.services.rules import classification, policies
from app.ui.context import AppContext
from app.ui.operations import run_op, show_error
from app.ui.pages import PageSpec
from app.ui.rules_widgets import DictTableModel, SortProxy, make_table
from app.ui.widgets import SECTION_TITLE_STYLE, labelled_period_row, page_title, period_combo

COLUMNS = [
    ("uscc", "统一社会信用代码"),
    ("name", "单位名称"),
    ("category", "监管类别"),
    ("stratum", "分层"),
    ("mode", "检查方式"),
    ("extra", "专项对象库"),
    ("override", "人工指定"),
    ("moved", "冲突条款调整"),
    ("permit", "许可证过期"),
    ("reason", "归类理由"),
]
MOVED_FILTER = "冲突条款调整的对象"
EXPIRED_FILTER = "许可证已过期的对象"
EXPIRED_COLOR = "#a05a00"


def period_choices(today: date | None = None) -> list[str]:
    today = today or date.today()
    years = [today.year - 1, today.year, today.year + 1]
    out = []
    for y in years:
        out += [f"{y}Q{q}" for q in range(1, 5)] + [f"{y}H1", f"{y}H2", str(y)]
    return out


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


class ClassificationPage(QWidget):
    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        root = QVBoxLayout(self)
        self.title = page_title(style=SECTION_TITLE_STYLE)
        root.addWidget(self.title)
        self.period = period_combo(lambda: self.refresh(), choices=period_choices())
        bar = labelled_period_row("期间：", self.period)
        bar.addWidget(QLabel("监管类别："))
        self.category = QComboBox()
        self.category.currentTextChanged.connect(self._apply_filter)
        bar.addWidget(self.category)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索名称、代码、理由…")
        self.search.textChanged.connect(lambda t: self.proxy.set_text(t))
        bar.addWidget(self.search, 1)
        self.override_btn = QPushButton("人工指定类别…")
        self.override_btn.clicked.connect(lambda: self.override_selected())
        bar.addWidget(self.override_btn)
        root.addLayout(bar)
        self.model = DictTableModel(COLUMNS, self)
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = make_table(self.proxy, self)
        self.view.setColumnWidth(0, 170)
        self.view.setColumnWidth(1, 240)
        self.view.setColumnWidth(3, 220)
        self.view.setColumnWidth(COLUMNS.index(("permit", "许可证过期")), 300)
        root.addWidget(self.view, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        root.addWidget(self.summary)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.read() as s:
            try:
                rules = policies.active_rules(s)
            except UserError as exc:
                self.title.setText(exc.message)
                self.model.set_rows([])
                self.summary.setText("")
                return
            try:
                objs = classification.pool_objects(s, rules)
                classes = classification.classify(s, objs, period=self.period.currentText(), rules=rules)
            except UserError as exc:
                self.title.setText(exc.message)
                return
            moves = classification.conflict_moves(classes, rules)
            expired = classification.expired_deciding_permits(s, objs, rules)
            rows = []
            for o in objs:
                c = classes[o.id]
                move = moves.get(o.id)
                flag = expired.get(o.id)
                rows.append(
                    dict(
                        id=o.id,
                        uscc=o.uscc,
                        name=o.name,
                        category=c.category,
                        stratum=c.stratum,
                        mode=c.mode,
                        extra=classification.extra_pools_of(o, rules),
                        override=c.overridden,
                        moved=f"{move[0]} → {move[1]}" if move else "",
                        _moved="是" if move else "",
                        permit=f"{flag.permit_no} {flag.valid_to.isoformat()} 到期：{flag.note}" if flag else "",
                        _expired="是" if flag else "",
                        reason=c.reason,
                        _color="#b00020"
                        if c.category == policies.UNCLASSIFIED
                        else ("#1f5fbf" if c.overridden else (EXPIRED_COLOR if flag else None)),
                    )
                )
        self.rules = rules
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
        self.model.set_rows(rows)
        self._apply_filter()
        counts = {}
        for r in rows:
            counts[r["category"]] = counts.get(r["category"], 0) + 1
        parts = [f"{k} {counts.get(k, 0)} 家" for k in policies.category_names_of(rules)]
        parts.append(f"未分类 {counts.get(policies.UNCLASSIFIED, 0)} 家")
        manual = sum(1 for r in rows if r["override"])
        moved = ""
        if moves:
            clause = next(iter(moves.values()))[2]
            moved = f"冲突条款调整 {len(moves)} 家（“{clause}”；选“{MOVED_FILTER}”查看名单）；"
        lapsed = ""
        if expired:
            lapsed = f"许可证已过期 {len(expired)} 家（决定管理类别的许可证已到期，选“{EXPIRED_FILTER}”查看）；"
        self.summary.setText(
            f"名录内 {len(rows)} 家：" + "，".join(parts) + f"；人工指定 {manual} 家；{moved}{lapsed}"
            "红色为未分类（请补全排污许可管理类别等信息或人工指定），蓝色为人工指定，褐色为许可证已过期。"
        )

    def _apply_filter(self, *_args) -> None:
        cat = self.category.currentText()
        if cat == MOVED_FILTER:
            self.proxy.set_key_filter("_moved", "是")
            return
        if cat == EXPIRED_FILTER:
            self.proxy.set_key_filter("_expired", "是")
            return
        self.proxy.set_key_filter("category", None if cat in ("", "全部") else cat)

    def visible_rows(self) -> list[dict]:
        return [
            self.model.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()] for r in range(self.proxy.rowCount())
        ]

    def selected_row(self) -> dict | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.rows[self.proxy.mapToSource(rows[0]).row()]

    def override_selected(self, category: str | None = None, reason: str | None = None) -> bool:
        row = self.selected_row()
        if row is None:
            show_error(self, UserError("请先在表中选中一个检查对象。"))
            return False
        if category is None:
            dlg = OverrideDialog(
                f"{row['name']}（{row['uscc']}）", policies.category_names_of(self.rules), row["category"], self
            )
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return False
            category, reason = dlg.values()
        if not run_op(self, self.ctx, lambda s: classification.override(s, row["uscc"], category, reason or "")).ok:
            return False
        self.refresh()
        return True


PAGE = PageSpec(
    "classification", "监管分类", "规则与计划", 21, lambda ctx, parent=None: ClassificationPage(ctx, parent)
)
