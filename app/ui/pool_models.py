"""Table models for the pool pages (up to 100,000 objects): a plain QAbstractTableModel over display text built
off the UI thread (:meth:`PoolTableModel.build`, in the page's worker), and a proxy whose per-keystroke filter is
one Python pass over precomputed lowercase search strings (:class:`app.ui.tables.RowListProxy`: Qt is never asked
to call Python once per row).

Sorting is done by the source model itself (one key per row, a list sort, then `layoutChanged`), in the worker when
the rows arrive and on the UI thread when a header is clicked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.ui.tables import RowListProxy

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


class PoolRows(NamedTuple):
    """The rows as the table shows them, built by :meth:`PoolTableModel.build` (any thread)."""

    rows: list[tuple[str, ...]]  # display text per column
    ids: list[int]
    search: list[str]  # the row's text, lower case, for the search box
    warn: list[bool]  # greyed out (注销/迁出)
    sort: tuple[int, Qt.SortOrder]  # the column and order they are sorted by (-1: as loaded)
    distinct: dict[tuple[str, bool], list[str]]  # (key, split) → the values a filter offers


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
        self._distinct: dict[tuple[str, bool], list[str]] = {}
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.order = None  # rules.ordering.PolicyOrder: sort and list values in the policy's order

    # -- loading
    @staticmethod
    def build(
        rows: Iterable[dict],
        keys: Sequence[str],
        *,
        warn: Callable[[dict], bool] | None = None,
        order=None,
        sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder),
        distinct: Sequence[tuple[str, bool]] = (),
    ) -> PoolRows:
        """The display rows of `rows` (dicts, read one at a time), sorted by `sort` and with the values of each
        `distinct` (key, split) filter: all the per-row work, done once, off the UI thread."""
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
        built = PoolRows(out_rows, ids, search, warns, (-1, Qt.SortOrder.AscendingOrder), {})
        if 0 <= sort[0] < len(keys):
            built = _sorted(built, *sort, order)
        for key, split in distinct:
            if key in keys:
                built.distinct[(key, split)] = _distinct(out_rows, keys.index(key), split, order)
        return built

    def set_rows(self, rows: Iterable[dict], *, warn: Callable[[dict], bool] | None = None) -> None:
        self.set_built(self.build(rows, self.keys, warn=warn, order=self.order))

    def set_built(self, built: PoolRows) -> None:
        """Show rows built by :meth:`build` (one model reset: nothing per row here)."""
        self.beginResetModel()
        self._rows, self._ids, self._search, self._warn = built.rows, built.ids, built.search, built.warn
        self._distinct = dict(built.distinct)
        self.sort_column, self.sort_order = built.sort
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
        built = _sorted(
            PoolRows(self._rows, self._ids, self._search, self._warn, (-1, order), {}), column, order, self.order
        )
        self._rows, self._ids, self._search, self._warn = built.rows, built.ids, built.search, built.warn
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
        known = self._distinct.get((key, split))
        if known is not None:
            return known
        col = self.column_of(key)
        return _distinct(self._rows, col, split, self.order) if col >= 0 else []


def _sorted(built: PoolRows, column: int, order: Qt.SortOrder, policy_order) -> PoolRows:
    """`built` sorted on one column: each row's key computed once."""
    key = policy_order.key if policy_order is not None else _sort_key
    rows = built.rows
    keys = [key(r[column]) for r in rows]
    idx = sorted(range(len(rows)), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
    return PoolRows(
        [rows[i] for i in idx],
        [built.ids[i] for i in idx],
        [built.search[i] for i in idx],
        [built.warn[i] for i in idx],
        (column, order),
        built.distinct,
    )


def _distinct(rows: list[tuple[str, ...]], col: int, split: bool, policy_order) -> list[str]:
    values: set[str] = set()
    for r in rows:
        v = r[col]
        if split:
            values.update(p for p in v.split("、") if p)
        elif v:
            values.add(v)
    return policy_order.sorted(values) if policy_order is not None else sorted(values)


def _sort_key(text: str):
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


class PoolFilterProxy(RowListProxy):
    """Search text (all words must appear) + exact/contains filters on columns, computed in one pass."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text = ""
        self._filters: dict[str, tuple[str, bool]] = {}  # key → (value, is_list_column)

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

    def compute_shown(self) -> list[int]:
        if not self._text and not self._filters:
            return list(range(self.sourceModel().rowCount()))
        return [i for i, a in enumerate(self.compute()) if a]

    def refilter(self) -> None:
        self.rebuild()

    def ids(self) -> list[int]:
        model: PoolTableModel = self.sourceModel()
        return [model.row_id(i) for i in self.shown]

    def visible_rows(self) -> list[tuple[str, ...]]:
        model: PoolTableModel = self.sourceModel()
        return [model.row_text(i) for i in self.shown]
