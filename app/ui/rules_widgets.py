"""Small shared widgets of the 规则与计划 pages: a dict-rows table model, a sorting/filtering proxy, a table view."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui.qtcompat import change_filter
from app.ui.widgets import RowsTableModel


class DictTableModel(RowsTableModel):
    """Rows are dicts; columns are (key, header) pairs. Read-only; a row may carry "_color"."""

    ROW_NUMBERS = True
    rows: list[dict]

    def __init__(self, columns: list[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.HEADERS = tuple(header for _key, header in self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()][0]
        value = row.get(key, "")
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(value, bool):
                return "是" if value else ""
            if isinstance(value, (list, tuple)):
                return "、".join(map(str, value))
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.get("_tip") or (str(value) if value not in (None, "") else None)
        if role == Qt.ItemDataRole.FontRole and row.get("_total"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and row.get("_color"):
            return QBrush(QColor(row["_color"]))
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int) and not isinstance(value, bool):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def row_at(self, index) -> dict:
        return self.rows[index]


class SortProxy(QSortFilterProxyModel):
    """Numbers sort as numbers; optional exact filter on one key plus a free-text filter on all columns."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.key_filter: tuple[str, str] | None = None
        self.text = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_key_filter(self, key: str | None, value: str | None) -> None:
        change_filter(self, lambda: setattr(self, "key_filter", (key, value) if key and value else None))

    def set_text(self, text: str) -> None:
        change_filter(self, lambda: setattr(self, "text", (text or "").strip()))

    def lessThan(self, left, right) -> bool:  # noqa: N802
        rows = self.sourceModel().rows
        left_total, right_total = rows[left.row()].get("_total"), rows[right.row()].get("_total")
        if left_total or right_total:  # the 合计 row stays at the foot, whichever way the column is sorted
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return bool(right_total) == ascending and not (left_total and right_total)
        a, b = left.data(Qt.ItemDataRole.UserRole), right.data(Qt.ItemDataRole.UserRole)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return str(a or "") < str(b or "")

    def filterAcceptsRow(self, row, parent) -> bool:  # noqa: N802
        model = self.sourceModel()
        data = model.rows[row]
        if data.get("_total"):
            return True
        if self.key_filter and str(data.get(self.key_filter[0], "")) != self.key_filter[1]:
            return False
        if self.text:
            return any(self.text in str(v) for k, v in data.items() if not k.startswith("_"))
        return True


def make_table(model, parent: QWidget | None = None, *, sortable: bool = True) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(sortable)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view
