"""Table models for the pool pages: a plain QAbstractTableModel over precomputed display text, and a
QSortFilterProxyModel whose per-keystroke filter is one Python pass over precomputed lowercase search
strings (the per-row `filterAcceptsRow` only looks the answer up).

Sorting is done by the source model itself (a Python list sort on the display/sort keys, then
`layoutChanged`), because a proxy sorting 100,000 rows through Python `lessThan`/`data` calls is
seconds, not milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

from app.ui.qtcompat import change_filter

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


class PoolTableModel(QAbstractTableModel):
    """Rows of dicts shown through `columns` = [(key, header)]; keeps only display strings and ids."""

    def __init__(self, columns: Sequence[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.keys = [k for k, _h in self.columns]
        self._rows: list[tuple[str, ...]] = []
        self._ids: list[int] = []
        self._search: list[str] = []
        self._warn: list[bool] = []
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.order = None  # rules.ordering.PolicyOrder: sort and list values in the policy's order

    # -- loading
    def set_rows(self, rows: Sequence[dict], *, warn: Callable[[dict], bool] | None = None) -> None:
        self.beginResetModel()
        keys = self.keys
        intern: dict[str, str] = {}
        out_rows, ids, search, warns = [], [], [], []
        for r in rows:
            cells = []
            for k in keys:
                s = display(r.get(k))
                if len(s) <= 8:  # enumerations repeat a lot: share one string object
                    s = intern.setdefault(s, s)
                cells.append(s)
            t = tuple(cells)
            out_rows.append(t)
            ids.append(r.get("id", len(ids)))
            search.append("\x1f".join(t).lower())
            warns.append(bool(warn(r)) if warn else False)
        self._rows, self._ids, self._search, self._warn = out_rows, ids, search, warns
        self.sort_column = -1
        self.endResetModel()

    # -- Qt API
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][1]
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            return self._rows[index.row()][index.column()]
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and self._warn[index.row()]:
            from PySide6.QtGui import QColor

            return QColor("#9a9a9a")
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        key = self.order.key if self.order is not None else _sort_key
        idx = sorted(
            range(len(self._rows)),
            key=lambda i: key(self._rows[i][column]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._rows = [self._rows[i] for i in idx]
        self._ids = [self._ids[i] for i in idx]
        self._search = [self._search[i] for i in idx]
        self._warn = [self._warn[i] for i in idx]
        self.sort_column, self.sort_order = column, order
        self.layoutChanged.emit()

    # -- helpers for the proxy and the pages
    def row_id(self, row: int) -> int:
        return self._ids[row]

    def row_text(self, row: int) -> tuple[str, ...]:
        return self._rows[row]

    def column_of(self, key: str) -> int:
        return self.keys.index(key) if key in self.keys else -1

    def distinct(self, key: str, *, split: bool = False) -> list[str]:
        col = self.column_of(key)
        if col < 0:
            return []
        values: set[str] = set()
        for r in self._rows:
            v = r[col]
            if split:
                values.update(p for p in v.split("、") if p)
            elif v:
                values.add(v)
        return self.order.sorted(values) if self.order is not None else sorted(values)


def _sort_key(text: str):
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


class PoolFilterProxy(QSortFilterProxyModel):
    """Search text (all words must appear) + exact/contains filters on columns, computed in one pass."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text = ""
        self._filters: dict[str, tuple[str, bool]] = {}  # key → (value, is_list_column)
        self._accept: list[bool] = []

    def setSourceModel(self, model) -> None:
        super().setSourceModel(model)
        model.modelReset.connect(self.refilter)
        model.layoutAboutToBeChanged.connect(self._before_layout)
        model.layoutChanged.connect(self.refilter)

    def _before_layout(self) -> None:
        self._accept = []

    def set_search(self, text: str) -> None:
        self._text = (text or "").strip().lower()
        self.refilter()

    def set_filter(self, key: str, value: str, *, is_list: bool = False) -> None:
        if value:
            self._filters[key] = (value, is_list)
        else:
            self._filters.pop(key, None)
        self.refilter()

    def clear_filters(self) -> None:
        self._filters.clear()
        self._text = ""
        self.refilter()

    def compute(self) -> list[bool]:
        model: PoolTableModel = self.sourceModel()
        if model is None:
            return []
        words = self._text.split()
        search = model._search
        if words:
            if len(words) == 1:
                w = words[0]
                accept = [w in s for s in search]
            else:
                accept = [all(w in s for w in words) for s in search]
        else:
            accept = [True] * len(search)
        rows = model._rows
        for key, (value, is_list) in self._filters.items():
            col = model.column_of(key)
            if col < 0:
                continue
            if is_list:
                accept = [a and value in r[col].split("、") for a, r in zip(accept, rows)]
            else:
                accept = [a and r[col] == value for a, r in zip(accept, rows)]
        return accept

    def refilter(self) -> None:
        def apply() -> None:
            self._accept = self.compute()

        change_filter(self, apply, rows_only=True)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        """Row headers count the rows shown (1, 2, 3…), never the source row a hit came from."""
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return super().headerData(section, orientation, role)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        acc = self._accept
        return acc[source_row] if source_row < len(acc) else True

    def ids(self) -> list[int]:
        model: PoolTableModel = self.sourceModel()
        return [model.row_id(self.mapToSource(self.index(r, 0)).row()) for r in range(self.rowCount())]

    def visible_rows(self) -> list[tuple[str, ...]]:
        model: PoolTableModel = self.sourceModel()
        return [model.row_text(self.mapToSource(self.index(r, 0)).row()) for r in range(self.rowCount())]
