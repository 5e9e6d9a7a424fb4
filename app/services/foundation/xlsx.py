"""Shared Excel writing (openpyxl): styled headers, frozen panes, widths, auto-filter, safe cells.

Reading is done with python-calamine elsewhere (15–18× faster than openpyxl on large files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

HEADER_FONT = Font(name="宋体", bold=True, size=11)
BODY_FONT = Font(name="宋体", size=10)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise formula injection: a text starting with = + - @ gets a leading apostrophe-like quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # Keep plain negative numbers typed as text readable but inert.
        return "'" + value
    if isinstance(value, (list, tuple, set)):
        return "、".join(str(v) for v in value)
    return value


def _width(value) -> int:
    s = "" if value is None else str(value)
    return sum(2 if ord(ch) > 127 else 1 for ch in s)


def write_table(
    ws,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    start_row: int = 1,
    widths: dict[int, int] | None = None,
    freeze: bool = True,
    autofilter: bool = True,
) -> int:
    """Write a header row and data rows; returns the last row written."""
    for col, h in enumerate(headers, 1):
        c = ws.cell(row=start_row, column=col, value=h)
        c.font, c.fill, c.border, c.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
    maxw = [_width(h) for h in headers]
    r = start_row
    for r, row in enumerate(rows, start_row + 1):
        for col, value in enumerate(row, 1):
            v = safe_cell(value)
            c = ws.cell(row=r, column=col, value=v)
            c.font, c.border = BODY_FONT, BORDER
            if isinstance(v, (date, datetime)):
                c.number_format = "yyyy-mm-dd"
            if col <= len(maxw):
                maxw[col - 1] = max(maxw[col - 1], min(_width(v), 60))
    for col, w in enumerate(maxw, 1):
        ws.column_dimensions[get_column_letter(col)].width = (widths or {}).get(col, max(8, w + 2))
    if freeze:
        ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    if autofilter and r > start_row:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(headers))}{r}"
    return r


def add_list_validation(
    ws, column: int, choices: Sequence[str], first_row: int = 2, last_row: int = 2000, allow_blank: bool = True
) -> None:
    """A drop-down list on a column.

    Excel refuses an inline list longer than 255 characters (the file then opens with a repair prompt and the
    list is dropped): a longer list goes into a hidden sheet `_lists` and the validation refers to its range.
    """
    formula = list_formula(ws, choices)
    dv = DataValidation(type="list", formula1=formula, allow_blank=allow_blank, showDropDown=False)
    dv.error = "请从下拉列表中选择。"
    dv.errorTitle = "输入无效"
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    letter = get_column_letter(column)
    dv.add(f"{letter}{first_row}:{letter}{last_row}")


INLINE_LIST_LIMIT = 255


def list_formula(ws, choices: Sequence[str]) -> str:
    """The formula1 of a list validation: inline when it fits Excel's 255 characters, else a sheet range."""
    inline = '"' + ",".join(choices) + '"'
    if len(inline) - 2 <= INLINE_LIST_LIMIT:
        return inline
    wb = ws.parent
    lists = wb["_lists"] if "_lists" in wb.sheetnames else wb.create_sheet("_lists")
    lists.sheet_state = "hidden"
    col = lists.max_column + 1 if lists.max_row > 1 or lists.cell(1, 1).value is not None else 1
    for row, choice in enumerate(choices, 1):
        lists.cell(row=row, column=col, value=choice)
    letter = get_column_letter(col)
    return f"_lists!${letter}$1:${letter}${len(choices)}"


def save_workbook(wb: Workbook, path: str | os.PathLike) -> Path:
    """Save atomically (temp file + rename) so a full or removed disk never leaves half a file."""
    from app import __version__
    from app.services.foundation.files import atomic_path

    props = wb.properties  # the version that wrote the file, visible in Excel/WPS under 文件 → 属性
    props.creator = props.creator if props.creator and props.creator != "openpyxl" else "双随机抽查工作台"
    props.lastModifiedBy = f"双随机抽查工作台 {__version__}"
    props.version = __version__
    props.description = f"由双随机抽查工作台 {__version__} 生成"
    with atomic_path(path, ".xlsx") as tmp:
        wb.save(tmp)
    return Path(path)


def new_workbook(title: str) -> tuple[Workbook, object]:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    return wb, ws
