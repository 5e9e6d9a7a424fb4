"""Small building blocks shared by the GUI pages: a read-only rows table model, a period chooser and a few
widget helpers (page title, button row, read-only tables, dialog OK/取消 buttons, password field)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QTableView,
    QWidget,
)

from app.services.foundation.periods import period_of

PAGE_TITLE_STYLE = "font-size: 18px; font-weight: bold;"
SECTION_TITLE_STYLE = "font-size:15px;font-weight:bold"


class RowsTableModel(QAbstractTableModel):
    """A flat read-only table over ``self.rows`` with the column titles in ``HEADERS``.

    Subclasses supply ``data``; ``set_rows`` replaces the rows (a copy of the given sequence) in one model reset.
    A subclass that keeps more per-row state computes it in ``_rows_changed``, which runs inside the reset."""

    HEADERS: Sequence[str] = ()
    ROW_NUMBERS = False  # True: the vertical header shows Qt's default row numbers

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []
        self.names: dict[str, str] = {}  # username → person's name (listings.display_names), for person()

    def person(self, who: str | None) -> str:
        """A person's name for an account (or the command line for ``os:…``), never a login name."""
        from app.services.foundation import listings  # not at import: the login window comes before the store

        return listings.person_text(self.names, who)

    def set_rows(self, rows: Iterable) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._rows_changed()
        self.endResetModel()

    def _rows_changed(self) -> None:
        """Hook: recompute derived per-row state after ``self.rows`` changed (inside the model reset)."""

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return super().headerData(section, orientation, role) if self.ROW_NUMBERS else None


def period_combo(
    on_change: Callable[[], None],
    *,
    choices: Sequence[str] | None = None,
    editable: bool = False,
    min_width: int | None = None,
) -> QComboBox:
    """A period chooser that calls ``on_change()`` whenever its text changes.

    With ``choices`` it is filled with them and set to the current period (today's quarter) before the signal is
    connected; without, it starts empty and is filled later by ``refill_periods``."""
    combo = QComboBox()
    if editable:
        combo.setEditable(True)
    if min_width is not None:
        combo.setMinimumWidth(min_width)
    if choices is not None:
        combo.addItems(list(choices))
        combo.setCurrentText(period_of(date.today()).code)
    combo.currentTextChanged.connect(lambda _t: on_change())
    return combo


def refill_periods(combo: QComboBox, codes: Sequence[str]) -> None:
    """Replace the combo's periods by ``codes`` (newest first) without emitting signals, keeping the current text;
    an empty combo takes the newest code, or today's period when there is none."""
    current = combo.currentText() or (codes[0] if codes else period_of(date.today()).code)
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(list(codes) or [current])
    combo.setCurrentText(current)
    combo.blockSignals(False)


def labelled_period_row(label: str, combo: QComboBox) -> QHBoxLayout:
    """A new horizontal bar that starts with ``label`` and the period combo."""
    bar = QHBoxLayout()
    bar.addWidget(QLabel(label))
    bar.addWidget(combo)
    return bar


def page_title(text: str = "", style: str = PAGE_TITLE_STYLE) -> QLabel:
    """A bold title label (``SECTION_TITLE_STYLE`` for the smaller one of the rules pages)."""
    label = QLabel(text)
    label.setStyleSheet(style)
    return label


def button_row(*items: QWidget | None) -> QHBoxLayout:
    """A horizontal row of widgets; ``None`` in ``items`` stands for a stretch (``addStretch(1)``)."""
    row = QHBoxLayout()
    for w in items:
        if w is None:
            row.addStretch(1)
        else:
            row.addWidget(w)
    return row


def plain_table(model, *, select_rows: bool = True, key: str = "") -> QTableView:
    """A read-only table view whose columns start fitted to their contents (long ones elided, every one can be
    widened) and whose last column stretches; ``key`` names it for the remembered widths and sort order."""
    from app.ui.tables import fit_columns, remember_columns

    t = QTableView()
    t.setModel(model)
    if select_rows:
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setTextElideMode(Qt.TextElideMode.ElideRight)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.horizontalHeader().setStretchLastSection(True)
    if key:
        t.setObjectName(f"table:{key}")
        remember_columns(t, key)
    model.modelReset.connect(lambda: fit_columns(t))
    fit_columns(t)
    return t


def record_table(model, owner: QWidget, *, key: str = "") -> QTableView:
    """A read-only list of records: one whole row selected at a time, no row numbers, rows as high as ``owner``'s
    text plus 8 px. The caller sets the column resize modes; ``key`` remembers the widths the clerk drags."""
    from app.ui.tables import remember_columns

    t = QTableView()
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(owner.fontMetrics().height() + 8)
    if key:
        t.setObjectName(f"table:{key}")
        remember_columns(t, key)
    return t


def dialog_buttons(
    dialog: QDialog,
    ok_text: str,
    *,
    on_accept: Callable[[], object] | None = None,
    ok: QDialogButtonBox.StandardButton = QDialogButtonBox.StandardButton.Ok,
) -> QDialogButtonBox:
    """The dialog's ``ok`` + 取消 buttons: ``ok`` labelled ``ok_text`` runs ``on_accept`` (default ``dialog.accept``),
    取消 rejects the dialog."""
    buttons = QDialogButtonBox(ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(on_accept or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def password_edit(placeholder: str = "") -> QLineEdit:
    """A line edit that hides what is typed."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def confirm_irreversible(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask before a step that cannot be undone; `text` says what becomes irreversible. Default answer: No."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class FlowLayout(QLayout):
    """Widgets left to right, wrapping to the next line when the width runs out (a tool bar or a filter bar that
    never forces the window wider). ``addStretch`` is accepted and ignored, so it can replace a QHBoxLayout."""

    def __init__(self, parent=None, spacing: int = 6):
        super().__init__(parent)
        self._items: list = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802
        self._items.append(item)

    def addStretch(self, _stretch: int = 0) -> None:  # noqa: N802
        """Nothing: a flow has no stretch."""

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect, *, apply: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        gap = self.spacing()
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line = area.x(), y + line + gap, 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + gap
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


# Alt+letter on the buttons of a page, as in Windows office software. Letters used by the menus (文件 F, 视图 V,
# 帮助 H) are left to them; a verb keeps its usual letter where it can.
MENU_LETTERS = set("FVH")
VERB_LETTERS = (
    ("导入", "I"),
    ("导出", "E"),
    ("新增", "N"),
    ("新建", "N"),
    ("添加", "A"),
    ("修改", "M"),
    ("编辑", "M"),
    ("删除", "D"),
    ("保存", "S"),
    ("刷新", "R"),
    ("打印", "P"),
    ("确认", "O"),
    ("审核", "O"),
    ("退回", "B"),
    ("作废", "Z"),
    ("替换", "T"),
    ("冻结", "Z"),
    ("抽取", "Q"),
    ("公示", "G"),
    ("生成", "G"),
    ("校验", "J"),
    ("清除", "C"),
    ("录入", "L"),
    ("打开", "K"),
)
SPARE_LETTERS = "ABCDEGIJKLMNOPQRSTWXYZ0123456789"


def assign_mnemonics(widget: QWidget) -> dict[str, str]:
    """Give every push button under ``widget`` that has none an Alt mnemonic, shown as “导出(&E)” → 导出(E).
    Returns text → letter (for tests)."""
    from PySide6.QtWidgets import QAbstractButton, QPushButton

    buttons = [b for b in widget.findChildren(QPushButton) if b.text() and "&" not in b.text()]
    used = set(MENU_LETTERS)
    for b in widget.findChildren(QAbstractButton):
        text = b.text()
        i = text.find("&")
        if 0 <= i < len(text) - 1 and text[i + 1] != "&":
            used.add(text[i + 1].upper())
    given: dict[str, str] = {}
    for b in buttons:
        text = b.text()
        letter = next((c for verb, c in VERB_LETTERS if verb in text and c not in used), None)
        if letter is None:
            letter = next((c for c in text.upper() if c.isascii() and c.isalnum() and c not in used), None)
        if letter is None:
            letter = next((c for c in SPARE_LETTERS if c not in used), None)
        if letter is None:
            break
        used.add(letter)
        suffix = "…" if text.endswith("…") else ""
        base = text[: -len(suffix)] if suffix else text
        b.setText(f"{base}(&{letter}){suffix}")
        given[text] = letter
    return given


class DateField(QWidget):
    """A date typed the way clerks type it (2026-11-01, 2026/11/01, 2026.11.01, 20261101) or picked from a
    calendar; shown as 2026-11-01. ``optional`` fields may stay empty. ``text()`` gives the normalised text."""

    def __init__(self, value=None, *, optional: bool = True, placeholder: str = "", parent=None):
        from PySide6.QtWidgets import QCalendarWidget, QMenu, QToolButton, QWidgetAction

        super().__init__(parent)
        self.optional = optional
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder or "如 2026-11-01")
        self.edit.editingFinished.connect(self.normalise)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip("从日历中选择")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._sync_calendar)
        self.calendar.clicked.connect(lambda d: (self.set_value(d.toPython()), menu.close()))
        self.button.setMenu(menu)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        self.error = ""
        self.set_value(value)

    def _sync_calendar(self) -> None:
        from PySide6.QtCore import QDate

        d = self.value()
        if d is not None:
            self.calendar.setSelectedDate(QDate(d.year, d.month, d.day))

    def set_value(self, value) -> None:
        self.edit.setText(value.isoformat() if hasattr(value, "isoformat") else str(value or ""))
        self.normalise()

    def value(self):
        """The date, or None when empty or not a date (``error`` then says why)."""
        from app.services.foundation.timefmt import parse_day

        try:
            return parse_day(self.edit.text())
        except ValueError:
            return None

    def required(self, label: str):
        """The date, or a UserError naming the field and what to type (for a field that must be filled)."""
        from app.services.foundation.errors import UserError

        self.normalise()
        d = self.value()
        if d is None:
            raise UserError(f"“{label}”{self.error or '不是日期'}".rstrip("。") + "。请按 2026-11-01 的格式填写。")
        return d

    def normalise(self) -> bool:
        """Rewrite a recognised date as 2026-11-01; mark what is not a date (and say what to type)."""
        from app.services.foundation.timefmt import parse_day

        try:
            d = parse_day(self.edit.text())
        except ValueError as exc:
            self.error = str(exc)
        else:
            self.error = "" if d is not None or self.optional else "请填写日期，如 2026-11-01。"
            if d is not None:
                self.edit.setText(d.isoformat())
                self._sync_calendar()
        self.edit.setStyleSheet("border: 1px solid #b00020;" if self.error else "")
        self.edit.setToolTip(self.error)
        return not self.error

    def text(self) -> str:
        self.normalise()
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 - a drop-in for the QLineEdit it replaces
        self.edit.setText(text)
        self.normalise()
