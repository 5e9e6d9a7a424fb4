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

from PySide6.QtCore import QAbstractProxyModel, QAbstractTableModel, QEvent, QModelIndex, QObject, QSettings, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView, QTableWidget

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


class RowListProxy(QAbstractProxyModel):
    """A flat proxy showing a list of source rows (``shown``: source row numbers in display order), computed in one
    Python pass by :meth:`compute_shown`. Qt's QSortFilterProxyModel asks Python once per row to filter and once per
    comparison to sort: on 100,000 rows that blocks the UI thread for seconds. Here a filter or sort change is one
    pass over precomputed verdicts and keys, then one reset; the view then asks only about the rows it paints.
    Row headers count the rows shown (1, 2, 3…)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.shown: list[int] = []
        self._where: dict[int, int] | None = None  # source row → proxy row, made when first asked
        self._links: list = []  # (source signal, our slot), undone when the source model changes

    # -- what is shown
    def compute_shown(self) -> list[int]:  # pragma: no cover - overridden
        model = self.sourceModel()
        return list(range(model.rowCount())) if model is not None else []

    def rebuild(self) -> None:
        """Recompute the rows shown (a filter or the sort changed)."""
        self.beginResetModel()
        self._recompute()
        self.endResetModel()

    def _recompute(self) -> None:
        self.shown = self.compute_shown() if self.sourceModel() is not None else []
        self._where = None

    def setSourceModel(self, model) -> None:  # noqa: N802
        old = self.sourceModel()
        if old is not None:
            for signal, slot in self._links:
                signal.disconnect(slot)
        self.beginResetModel()
        super().setSourceModel(model)
        self._links = []
        if model is not None:
            self._links = [
                (model.modelAboutToBeReset, self.beginResetModel),
                (model.modelReset, self._source_reset),
                (model.layoutAboutToBeChanged, self.beginResetModel),
                (model.layoutChanged, self._source_reset),
                (model.rowsAboutToBeInserted, self.beginResetModel),
                (model.rowsInserted, self._source_reset),
                (model.rowsAboutToBeRemoved, self.beginResetModel),
                (model.rowsRemoved, self._source_reset),
                (model.dataChanged, self._source_data_changed),
                (model.headerDataChanged, self.headerDataChanged),
            ]
            for signal, slot in self._links:
                signal.connect(slot)
        self._recompute()
        self.endResetModel()

    def _source_reset(self, *_a) -> None:
        self._recompute()
        self.endResetModel()

    def _source_data_changed(self, top_left, bottom_right, roles=()) -> None:
        if self.shown:
            last = len(self.shown) - 1
            self.dataChanged.emit(self.index(0, top_left.column()), self.index(last, bottom_right.column()))

    # -- Qt API
    def index(self, row, column, parent=QModelIndex()):
        if parent.isValid() or not (0 <= row < len(self.shown)) or not (0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index=None):
        if index is None:
            return QObject.parent(self)
        return QModelIndex()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        model = self.sourceModel()
        return 0 if parent.isValid() or model is None else model.columnCount()

    def hasChildren(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and bool(self.shown)

    def mapToSource(self, index):  # noqa: N802
        if not index.isValid() or index.row() >= len(self.shown):
            return QModelIndex()
        return self.sourceModel().index(self.shown[index.row()], index.column())

    def mapFromSource(self, index):  # noqa: N802
        if not index.isValid():
            return QModelIndex()
        if self._where is None:
            self._where = {src: row for row, src in enumerate(self.shown)}
        row = self._where.get(index.row())
        return QModelIndex() if row is None else self.createIndex(row, index.column())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Vertical:
            return section + 1 if role == Qt.ItemDataRole.DisplayRole else None
        model = self.sourceModel()
        return model.headerData(section, orientation, role) if model is not None else None


class SortProxy(RowListProxy):
    """Sorts by the sort key (policy order, numbers as numbers) and filters on any column's text; ``set_row_filter``
    adds a test on the typed row (e.g. one category), and a 合计 row is never filtered away and stays at the foot.

    Each is one Python pass: the verdicts of the 合计 rule and the row filter, the sort keys and the rows' text are
    computed once per list of rows (``TableModel.set_rows`` makes a new list) and reused."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.row_filter: Callable[[object], bool] | None = None
        self._text = ""  # the search text, lower case ("" none)
        self._sort_column, self._sort_order = -1, Qt.SortOrder.AscendingOrder
        self._for_rows: list | None = None  # the list of rows the caches below belong to
        self._totals: list[bool] = []
        self._keys: dict[int, list] = {}  # column → sort key per row
        self._texts: list[str] | None = None  # every column's text per row, lower case, for the search

    # -- the QSortFilterProxyModel calls the pages and the view make
    def set_row_filter(self, accept: Callable[[object], bool] | None) -> None:
        self.row_filter = accept
        self.rebuild()

    def setFilterFixedString(self, pattern: str) -> None:  # noqa: N802
        self._text = (pattern or "").lower()
        self.rebuild()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self.rebuild()

    def sortColumn(self) -> int:  # noqa: N802
        return self._sort_column

    def sortOrder(self):  # noqa: N802
        return self._sort_order

    def visible_rows(self) -> list:
        model = self.sourceModel()
        return [model.rows[i] for i in self.shown] if isinstance(model, TableModel) else []

    # -- one pass
    def _caches(self, model: TableModel) -> None:
        if self._for_rows is not model.rows:
            style = model.style
            self._totals = [style(r) == TOTAL for r in model.rows] if style is not None else [False] * len(model.rows)
            self._keys, self._texts, self._for_rows = {}, None, model.rows

    def compute_shown(self) -> list[int]:
        model = self.sourceModel()
        if not isinstance(model, TableModel):
            return super().compute_shown()
        rows = model.rows
        self._caches(model)
        order = list(range(len(rows)))
        column = self._sort_column
        if 0 <= column < len(model.columns):
            keys = self._keys.get(column)
            if keys is None:
                col = model.columns[column]
                get = col.sort or col.value
                keys = self._keys[column] = [_sort_value(get(r)) for r in rows]
            order.sort(key=keys.__getitem__, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        totals, accept = self._totals, self.row_filter
        if self._text:
            if self._texts is None:
                columns = model.columns
                self._texts = ["\x1f".join(c.text(r) for c in columns).lower() for r in rows]
            texts, needle = self._texts, self._text
        else:
            texts = needle = None
        shown, foot = [], []
        for i in order:
            if totals[i]:
                foot.append(i)  # the 合计 row: always shown, at the foot
            elif (accept is None or accept(rows[i])) and (texts is None or needle in texts[i]):
                shown.append(i)
        return shown + foot


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


#: how many rows (the first ones shown) a column's first width is measured on: measuring 100,000 rows blocks the UI
FIT_SAMPLE = 200


def fit_columns(view: QTableView) -> None:
    """Size columns once to their title and the text of the first :data:`FIT_SAMPLE` rows shown, at most
    MAX_INITIAL_WIDTH (the rest is elided); remembered widths win."""
    if view.property("widths_restored"):
        return
    model = view.model()
    if model is None:
        return
    header = view.horizontalHeader()
    view.setProperty("fitting", True)
    try:
        metrics, head_metrics = view.fontMetrics(), header.fontMetrics()
        pad = 2 * view.style().pixelMetric(view.style().PixelMetric.PM_FocusFrameHMargin, None, view) + 12
        rows = min(model.rowCount(), FIT_SAMPLE)
        for c in range(model.columnCount()):
            if header.isSectionHidden(c):
                continue
            title = display_text(model.headerData(c, Qt.Orientation.Horizontal))
            width = head_metrics.horizontalAdvance(title) + pad + 16  # room for the sort arrow
            for r in range(rows):
                text = model.index(r, c).data()
                if text:
                    width = max(width, metrics.horizontalAdvance(display_text(text)) + pad)
            header.resizeSection(c, max(header.minimumSectionSize(), min(width, MAX_INITIAL_WIDTH)))
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
