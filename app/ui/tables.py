"""One table model and one table view builder for every list in the program (after vorta's table models).

- :class:`Column` names a column: its title, how to read the value from a typed row (a dataclass or NamedTuple),
  how to sort it (policy order, numbers as numbers) and an optional tooltip.
- :class:`TableModel` shows typed rows through columns; ``ROW_ROLE`` gives the row itself.
- :func:`table_view` builds the view the same way everywhere: whole rows selected, long text elided with the full
  text as tooltip, columns that can be widened, sorting by the sort key, and its column widths and sort order
  remembered per table (``key``) in the window settings.

:class:`OfficeKeys` (installed once on the application) gives every table — also the plain ``QTableWidget`` ones —
the habits of office software: Ctrl+C copies the selected rows as tab-separated text with the column titles (pasted
into Excel or WPS as cells), Ctrl+A selects everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from numbers import Number

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QSettings, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView, QTableWidget

from app.ui.qtcompat import change_filter

ROW_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_INITIAL_WIDTH = 320  # px: a long text column starts at most this wide, elided, and can be widened


@dataclass(frozen=True)
class Column:
    """A named column over typed rows."""

    title: str
    value: Callable[[object], object]
    sort: Callable[[object], object] | None = None  # default: the value (numbers as numbers)
    tooltip: Callable[[object], str] | None = None  # default: the displayed text when it is long
    align_right: bool | None = None  # default: numbers right-aligned

    def text(self, row) -> str:
        return display_text(self.value(row))


def display_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, (list, tuple)):
        return "、".join(display_text(v) for v in value)
    return str(value)


def _sort_value(value):
    """Numbers before text; numbers compare as numbers, text as text."""
    if isinstance(value, Number) and not isinstance(value, bool):
        return (0, value, "")
    if isinstance(value, tuple):
        return (1, 0, value)
    return (2, 0, display_text(value))


#: how a row stands out (``TableModel(style=…)`` returns one of these or None): a 合计 row is bold and stays at
#: the foot however the table is sorted; "danger" rows are red (a shortfall), "warn" rows brown (waiting rules)
TOTAL, DANGER, WARN, MANUAL = "total", "danger", "warn", "manual"
STYLE_COLORS = {DANGER: "#b00020", WARN: "#9a6700", MANUAL: "#1f5fbf"}  # MANUAL: set by hand (人工指定)


class TableModel(QAbstractTableModel):
    """Typed rows shown through :class:`Column`s; read-only. Subclasses may set ``COLUMNS`` or pass ``columns``;
    ``style(row)`` may mark a row :data:`TOTAL`, :data:`DANGER` or :data:`WARN`."""

    COLUMNS: Sequence[Column] = ()

    def __init__(
        self,
        parent=None,
        *,
        columns: Sequence[Column] | None = None,
        style: Callable[[object], str | None] | None = None,
    ):
        super().__init__(parent)
        self.columns: list[Column] = list(columns if columns is not None else self.COLUMNS)
        self.style = style
        self.rows: list = []

    def row_style(self, index: int) -> str | None:
        return self.style(self.rows[index]) if self.style is not None else None

    def column(self, title: str) -> int:
        """The position of the column titled ``title`` (tests and pages name columns, never count them)."""
        return next(i for i, c in enumerate(self.columns) if c.title == title)

    def set_rows(self, rows: Iterable) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: int):
        return self.rows[index]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return _sort_value(col.sort(row) if col.sort else col.value(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.tooltip is not None:
                return col.tooltip(row) or None
            text = col.text(row)
            return text if len(text) > 12 else None
        if role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ForegroundRole) and self.style is not None:
            style = self.style(row)
            if role == Qt.ItemDataRole.FontRole and style == TOTAL:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.ForegroundRole and style in STYLE_COLORS:
                return QBrush(QColor(STYLE_COLORS[style]))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = col.align_right
            if right is None:
                v = col.value(row)
                right = isinstance(v, Number) and not isinstance(v, bool)
            if right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorts by the sort key (policy order, numbers as numbers) and filters on any column's text; ``set_row_filter``
    adds a test on the typed row (e.g. one category), and a 合计 row is never filtered away."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.row_filter: Callable[[object], bool] | None = None
        # The verdicts of the 合计 rule and the row filter for one list of rows (TableModel.set_rows makes a new
        # list): Qt asks once per row, and 100,000 Python calls of style() and the filter block the UI thread.
        self._verdicts: list[int] = []
        self._verdict_rows: list | None = None
        self._table: TableModel | None = None
        self._text = False  # a search text is set: Qt's own test on the columns' text runs as well

    def set_row_filter(self, accept: Callable[[object], bool] | None) -> None:
        def change() -> None:
            self.row_filter = accept
            self._verdict_rows = None

        change_filter(self, change, rows_only=True)

    def setSourceModel(self, model) -> None:  # noqa: N802
        self._table = model if isinstance(model, TableModel) else None
        self._verdict_rows = None
        super().setSourceModel(model)

    def setFilterFixedString(self, pattern: str) -> None:  # noqa: N802
        self._text = bool(pattern)
        super().setFilterFixedString(pattern)

    def setFilterRegularExpression(self, pattern) -> None:  # noqa: N802
        self._text = bool(pattern if isinstance(pattern, str) else pattern.pattern())
        super().setFilterRegularExpression(pattern)

    def setFilterWildcard(self, pattern: str) -> None:  # noqa: N802
        self._text = bool(pattern)
        super().setFilterWildcard(pattern)

    def _verdicts_of(self, model: TableModel) -> list[int]:
        """Per source row: 2 a 合计 row (always shown), 1 the row filter lets it through, 0 it does not."""
        rows = model.rows
        if self._verdict_rows is not rows or len(self._verdicts) != len(rows):
            style, accept = model.style, self.row_filter
            self._verdicts = [
                2 if style is not None and style(r) == TOTAL else (1 if accept is None or accept(r) else 0)
                for r in rows
            ]
            self._verdict_rows = rows
        return self._verdicts

    def visible_rows(self) -> list:
        return [self.index(r, 0).data(ROW_ROLE) for r in range(self.rowCount())]

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        model = self._table
        if model is not None:
            verdicts = self._verdicts if self._verdict_rows is model.rows else self._verdicts_of(model)
            verdict = verdicts[source_row]
            if verdict != 1:
                return verdict == 2
            if not self._text:
                return True
        return super().filterAcceptsRow(source_row, source_parent)

    def lessThan(self, left, right) -> bool:  # noqa: N802
        model = self.sourceModel()
        if isinstance(model, TableModel) and model.style is not None:
            left_total = model.row_style(left.row()) == TOTAL
            right_total = model.row_style(right.row()) == TOTAL
            if left_total or right_total:  # the 合计 row stays at the foot, whichever way the column is sorted
                ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
                return right_total == ascending and not (left_total and right_total)
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return str(left.data() or "") < str(right.data() or "")
        return a < b


def settings() -> QSettings:
    from app.paths import data_dir

    return QSettings(str(data_dir() / "window.ini"), QSettings.Format.IniFormat)


def table_view(
    model,
    *,
    key: str = "",
    sortable: bool = True,
    multi: bool = True,
    stretch_last: bool = True,
    row_numbers: bool = False,
    parent=None,
) -> QTableView:
    """The one read-only table view. ``key`` names it for the remembered column widths and sort order."""
    view = QTableView(parent)
    if sortable:
        proxy = SortProxy(view)
        proxy.setSourceModel(model)
        view.setModel(proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    else:
        view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection if multi else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(row_numbers)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch_last)
    header.setMinimumSectionSize(40)
    if key:
        view.setObjectName(f"table:{key}")
        remember_columns(view, key)
    model.modelReset.connect(lambda: fit_columns(view))
    return view


def source_row(view: QTableView, proxy_index):
    """The typed row under a view index (through the sort proxy, if any)."""
    return proxy_index.data(ROW_ROLE) if proxy_index.isValid() else None


def selected_rows(view: QTableView) -> list:
    sm = view.selectionModel()
    if sm is None:
        return []
    return [i.data(ROW_ROLE) for i in sorted(sm.selectedRows(), key=lambda i: i.row())]


def fit_columns(view: QTableView) -> None:
    """Size columns to their contents once, at most MAX_INITIAL_WIDTH (the rest is elided); remembered widths win."""
    if view.property("widths_restored"):
        return
    header = view.horizontalHeader()
    view.setProperty("fitting", True)
    try:
        view.resizeColumnsToContents()
        for i in range(header.count()):
            if header.sectionSize(i) > MAX_INITIAL_WIDTH:
                header.resizeSection(i, MAX_INITIAL_WIDTH)
    finally:
        view.setProperty("fitting", False)


def remember_columns(view: QTableView, key: str) -> None:
    """Restore and keep the view's column widths and sort order under ``key``."""
    header = view.horizontalHeader()
    store = settings()
    state = store.value(f"tables/{key}")
    if state is not None:
        view.setProperty("widths_restored", bool(header.restoreState(state)))

    def save(*_a) -> None:
        s = settings()
        s.setValue(f"tables/{key}", header.saveState())
        s.sync()

    def resized(*_a) -> None:  # the clerk dragged a column border (not our own fitting, not an empty table)
        model = view.model()
        if view.isVisible() and not view.property("fitting") and model is not None and model.rowCount():
            view.setProperty("widths_restored", True)
            save()

    header.sectionResized.connect(resized)
    header.sortIndicatorChanged.connect(save)


# ---------------------------------------------------------------------------------------------- office keys
def rows_as_text(view: QAbstractItemView, *, all_rows: bool = False) -> str:
    """The selected rows (or all) as tab-separated lines, the visible column titles first."""
    model = view.model()
    if model is None:
        return ""
    header = view.horizontalHeader() if hasattr(view, "horizontalHeader") else None
    columns = [c for c in range(model.columnCount()) if header is None or not header.isSectionHidden(c)]
    if header is not None:
        columns.sort(key=header.visualIndex)
    if all_rows:
        rows = list(range(model.rowCount()))
    else:
        sm = view.selectionModel()
        rows = sorted({i.row() for i in sm.selectedIndexes()}) if sm is not None else []
    if not rows:
        return ""

    def clean(v) -> str:
        return display_text(v).replace("\t", " ").replace("\r", " ").replace("\n", " ")

    lines = ["\t".join(clean(model.headerData(c, Qt.Orientation.Horizontal)) for c in columns)]
    for r in rows:
        lines.append("\t".join(clean(model.index(r, c).data()) for c in columns))
    return "\n".join(lines)


def copy_rows(view: QAbstractItemView) -> str:
    text = rows_as_text(view)
    if text:
        QGuiApplication.clipboard().setText(text)
    return text


class OfficeKeys(QObject):
    """Application-wide: Ctrl+C on any table copies the selected rows with headers; Ctrl+A selects all rows."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(obj, (QTableView, QTableWidget)):
            if event.matches(QKeySequence.StandardKey.Copy):
                copy_rows(obj)
                return True
            if event.matches(QKeySequence.StandardKey.SelectAll):
                obj.selectAll()
                return True
        return False


_keys: OfficeKeys | None = None


def install_office_keys(app: QApplication | None = None) -> OfficeKeys:
    global _keys
    app = app or QApplication.instance()
    if _keys is None:
        _keys = OfficeKeys(app)
        app.installEventFilter(_keys)
    return _keys
