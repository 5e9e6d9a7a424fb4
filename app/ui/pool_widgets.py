"""Shared widgets of the 一单两库 pages: a searchable/filterable table page, the record edit dialog
(validated by the same rules as the import) and the history dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.pools import importer
from app.services.rules import ordering
from app.ui.context import AppContext
from app.ui.files import save_file_dialog, show_saved
from app.ui.operations import attempt, run_op
from app.ui.pool_models import ID_ROLE, PoolFilterProxy, PoolRows, PoolTableModel, display
from app.ui.tables import settings as table_settings
from app.ui.widgets import FlowLayout, dialog_buttons

ALL = "（全部）"
DEBOUNCE_MS = 150


def can_edit(ctx: AppContext) -> bool:
    """Show the editing controls? The services decide (foundation.permissions); this only hides them."""
    from app.services.foundation.permissions import allowed

    return allowed("pools.edit", ctx.actor)


class FilterCombo(QComboBox):
    """A drop-down filter on one column: （全部） or one value."""

    def __init__(self, label: str, key: str, *, is_list: bool = False, parent=None):
        super().__init__(parent)
        self.label, self.key, self.is_list = label, key, is_list
        self.setMinimumContentsLength(6)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.addItem(ALL)

    def set_values(self, values: Sequence[str]) -> None:
        current = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItem(ALL)
        self.addItems(list(values))
        idx = self.findText(current)
        self.setCurrentIndex(idx if idx >= 0 else 0)
        self.blockSignals(False)

    def value(self) -> str:
        t = self.currentText()
        return "" if t == ALL else t


class PoolPage(QWidget):
    """A title, a tool row of buttons, a search box with filters, the table and a count line."""

    columns: list[tuple[str, str]] = []
    filters: list[tuple[str, str, bool]] = []  # (key, label, is_list)
    title = ""
    hint = ""
    placeholder = "搜索名称、代码、地址、行业……（多个词用空格分开）"

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = PoolTableModel(self.columns, self)
        self.proxy = PoolFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        head = QLabel(f"<b style='font-size:15px'>{self.title}</b>  <span style='color:#666'>{self.hint}</span>")
        layout.addWidget(head)
        self.tools = FlowLayout()
        layout.addLayout(self.tools)
        search_row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(240)
        search_row.addWidget(QLabel("搜索(&S)"))
        search_row.itemAt(0).widget().setBuddy(self.search)
        search_row.addWidget(self.search, 1)
        clear = QPushButton("清除筛选")
        clear.clicked.connect(self.clear_filters)
        search_row.addWidget(clear)
        layout.addLayout(search_row)
        bar = FlowLayout()
        self.combos: list[FilterCombo] = []
        for key, label, is_list in self.filters:
            combo = FilterCombo(label, key, is_list=is_list)
            combo.currentIndexChanged.connect(
                lambda _i, c=combo: self.proxy.set_filter(c.key, c.value(), is_list=c.is_list) or self._update_count()
            )
            cell = QWidget()
            cell_layout = QHBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.addWidget(QLabel(label))
            cell_layout.addWidget(combo)
            bar.addWidget(cell)
            self.combos.append(combo)
        layout.addLayout(bar)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(110)
        self.table.horizontalHeader().setSortIndicatorShown(False)
        self.table.horizontalHeader().sectionClicked.connect(self._sort)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        for col, (key, _h) in enumerate(self.columns):
            width = {
                "name": 260,
                "uscc": 170,
                "permit_no": 190,
                "address": 220,
                "reason": 260,
                "basis": 300,
                "content": 240,
                "category": 120,
                "stratum": 150,
                "org": 200,
                "avoid_usccs": 170,
            }.get(key)
            if width:
                self.table.setColumnWidth(col, width)
        self._remember_columns()
        layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())

    # -- widths and sort remembered per table (the window settings, as app.ui.tables does for every other list)
    def _settings_key(self) -> str:
        return f"tables/pool-{type(self).__name__}"

    def _remember_columns(self) -> None:
        header = self.table.horizontalHeader()
        store = table_settings()
        state = store.value(self._settings_key() + "/header")
        if state is not None:
            header.restoreState(state)
        sort = str(store.value(self._settings_key() + "/sort") or "")
        self._remembered_sort: tuple[int, Qt.SortOrder] | None = None
        if "," in sort:
            col, order = (int(x) for x in sort.split(",", 1))
            if 0 <= col < len(self.columns):
                self._remembered_sort = (col, Qt.SortOrder(order))
        header.sectionResized.connect(self._save_columns)

    def _save_columns(self, *_a) -> None:
        if not self.table.isVisible():
            return  # our own sizing while the page is built, not the clerk's
        store = table_settings()
        store.setValue(self._settings_key() + "/header", self.table.horizontalHeader().saveState())
        if self.model.sort_column >= 0:
            store.setValue(self._settings_key() + "/sort", f"{self.model.sort_column},{self.model.sort_order.value}")
        store.sync()

    # -- building blocks for subclasses
    def add_button(self, text: str, slot: Callable, *, edit: bool = False, tip: str = "") -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(lambda _c=False: slot())
        if tip:
            b.setToolTip(tip)
        if edit and not can_edit(self.ctx):
            b.setEnabled(False)
            b.setToolTip("当前角色只能查看和导出")
        self.tools.addWidget(b)
        return b

    def finish_tools(self) -> None:
        self.tools.addStretch(1)

    # -- data
    def load_rows(self) -> list[dict]:  # pragma: no cover - overridden
        return []

    # a page whose rows can be many (检查对象库: 100,000 objects at a municipal bureau) loads them off the UI thread
    load_in_background = False
    _load_op = None  # the running background load, if any
    _again = False  # refresh() asked while loading: load once more when it ends

    def _wanted_sort(self) -> tuple[int, Qt.SortOrder]:
        """The sort the rows come in: the clerk's last click, else the one remembered from the last session."""
        sort = (self.model.sort_column, self.model.sort_order)
        if sort[0] < 0 and self._remembered_sort is not None:
            sort = self._remembered_sort
        return sort

    def _load_built(self, sort: tuple[int, Qt.SortOrder]) -> tuple[PoolRows, object]:
        """Read, display, sort and list the filter values (the worker: 100,000 rows take seconds)."""
        with self.ctx.read() as s:
            order = ordering.policy_order(s)
        built = PoolTableModel.build(
            self.load_rows(),
            self.model.keys,
            warn=self.row_is_inactive,
            order=order,
            sort=sort,
            distinct=[(c.key, c.is_list) for c in self.combos],
        )
        return built, order

    def refresh(self) -> None:
        sort = self._wanted_sort()
        if self.load_in_background:
            if self._load_op is not None and not self._load_op.done.is_set():
                self._again = True
                return
            self._load_op = run_op(
                self,
                None,
                lambda: self._load_built(sort),
                background=True,
                title=f"正在读取{self.title}……",
                success=self._loaded,
                failure=self._load_failed,
            )
            return
        op = run_op(self, None, lambda: self._load_built(sort))
        if op.ok:
            self._show_rows(*op.result)
        else:
            with self.ctx.read() as s:
                self._show_rows(PoolTableModel.build([], self.model.keys), ordering.policy_order(s))

    def _load_failed(self, _exc) -> None:
        self._load_op, self._again = None, False

    def _loaded(self, loaded: tuple) -> None:
        self._load_op = None
        self._show_rows(*loaded)
        if self._again:
            self._again = False
            self.refresh()

    def _show_rows(self, built: PoolRows, order) -> None:
        self.model.order = order
        if built.sort[0] >= 0:
            self.table.horizontalHeader().setSortIndicatorShown(True)
            self.table.horizontalHeader().setSortIndicator(*built.sort)
        self.model.set_built(built)
        for combo in self.combos:
            combo.set_values(self.model.distinct(combo.key, split=combo.is_list))
        self._update_count()

    def row_is_inactive(self, row: dict) -> bool:
        return False

    def apply_search(self) -> None:
        self._debounce.stop()
        self.proxy.set_search(self.search.text())
        self._update_count()

    def clear_filters(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        for c in self.combos:
            c.blockSignals(True)
            c.setCurrentIndex(0)
            c.blockSignals(False)
        self.proxy.clear_filters()
        self._update_count()

    def _sort(self, column: int) -> None:
        order = Qt.SortOrder.AscendingOrder
        if self.model.sort_column == column and self.model.sort_order == Qt.SortOrder.AscendingOrder:
            order = Qt.SortOrder.DescendingOrder
        self.model.sort(column, order)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(column, order)
        store = table_settings()
        store.setValue(self._settings_key() + "/sort", f"{column},{order.value}")
        store.setValue(self._settings_key() + "/header", self.table.horizontalHeader().saveState())
        store.sync()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"显示 {shown} 条，共 {total} 条" + ("（已筛选）" if shown != total else ""))

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(ID_ROLE) for r in rows]

    def current_id(self) -> int | None:
        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(self, "请先选择", "请先在列表中点选一行。")
            return None
        return ids[0]

    def select_id(self, record_id: int) -> None:
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data(ID_ROLE) == record_id:
                self.table.selectRow(r)
                self.table.scrollTo(self.proxy.index(r, 0))
                return

    def edit_selected(self) -> None:  # pragma: no cover - overridden
        pass

    def export_view(self) -> None:
        from app.services.pools import pools

        path, _f = save_file_dialog(self, "导出当前视图", f"{self.title}.xlsx", "Excel 文件 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        rows = [dict(zip(self.model.keys, r)) for r in self.proxy.visible_rows()]
        op = run_op(self, None, lambda: pools.export_rows(path, self.title, self.columns, rows), error_title="导出失败")
        if op.ok:
            show_saved(self, path, f"已把当前视图的 {len(rows)} 行导出到：\n{path}")

    def save_template(self, kind: str) -> None:
        from app.services.pools import pools

        name = {
            "objects": "检查对象导入模板",
            "inspectors": "执法人员导入模板",
            "experts": "专家导入模板",
            "items": "抽查事项清单导入模板",
        }[kind]
        path, _f = save_file_dialog(self, "保存导入模板", f"{name}.xlsx", "Excel 文件 (*.xlsx)")
        if not path:
            return
        out = path if path.lower().endswith(".xlsx") else path + ".xlsx"
        if not run_op(self, None, lambda: pools.write_template(kind, out), error_title="保存失败").ok:
            return
        QMessageBox.information(
            self, "已保存", f"导入模板已保存到：\n{path}\n带 * 的列必须填写，有下拉选项的列请从列表中选择。"
        )

    def open_import(self, kind: str) -> None:
        from app.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.ctx, kind, self)
        wizard.imported.connect(lambda _rep: self.refresh())
        wizard.open()
        self._wizard = wizard


class RecordDialog(QDialog):
    """Edit one record: a form of the kind's fields; 保存 validates through `save(values)` and stays
    open with the Chinese message when it is rejected."""

    def __init__(
        self,
        title: str,
        kind: str,
        values: dict,
        save: Callable[[dict], object],
        *,
        skip: Sequence[str] = (),
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.kind = kind
        self.save_fn = save
        self.result_value = None
        self.editors: dict[str, QWidget] = {}
        outer = QVBoxLayout(self)
        area = QScrollArea()
        area.setWidgetResizable(True)
        inner = QWidget()
        form = QFormLayout(inner)
        for spec in importer.fields_for(kind):
            if spec.key in skip:
                continue
            label = spec.label + ("*" if spec.required else "")
            value = values.get(spec.key)
            if spec.kind in ("enum", "bool"):
                w = QComboBox()
                choices = list(spec.choices) if spec.kind == "enum" else ["是", "否"]
                if spec.kind == "enum" and not spec.required:
                    choices = [""] + choices
                w.addItems(choices)
                text = (
                    display(value)
                    if value is not None
                    else ("是" if spec.key == "on_duty" else ("否" if spec.kind == "bool" else ""))
                )
                idx = w.findText(text)
                w.setCurrentIndex(idx if idx >= 0 else 0)
            else:
                w = QLineEdit(display(value))
                if spec.kind in ("list", "usccs"):
                    w.setPlaceholderText("多个用“、”分隔")
            form.addRow(label, w)
            self.editors[spec.key] = w
        area.setWidget(inner)
        outer.addWidget(area, 1)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)
        outer.addWidget(self.error)
        buttons = dialog_buttons(self, "保存", on_accept=self.try_save, ok=QDialogButtonBox.StandardButton.Save)
        outer.addWidget(buttons)
        self.resize(520, 620)

    def values(self) -> dict:
        out = {}
        for key, w in self.editors.items():
            out[key] = w.currentText() if isinstance(w, QComboBox) else w.text()
        return out

    def set_value(self, key: str, text: str) -> None:
        w = self.editors[key]
        if isinstance(w, QComboBox):
            w.setCurrentIndex(w.findText(text))
        else:
            w.setText(text)

    def try_save(self) -> bool:
        saved = attempt(lambda: self.save_fn(self.values()), shown=self.error.setText)
        if not saved.ok:
            return False
        self.result_value = saved.result
        self.accept()
        return True


class HistoryDialog(QDialog):
    def __init__(self, title: str, rows: list[dict], parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        heads = [
            ("ts", "记录时间"),
            ("kind", "类型"),
            ("field", "字段"),
            ("old", "原值"),
            ("new", "新值"),
            ("effective_date", "生效日期"),
            ("user", "操作人"),
            ("source", "来源/原因"),
        ]
        self.table = QTableWidget(len(rows), len(heads))
        self.table.setHorizontalHeaderLabels([h for _k, h in heads])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, (k, _h) in enumerate(heads):
                self.table.setItem(r, c, QTableWidgetItem(str(row.get(k, ""))))
        self.table.resizeColumnsToContents()
        layout.addWidget(QLabel("没有变更记录。") if not rows else self.table)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(900, 420)
