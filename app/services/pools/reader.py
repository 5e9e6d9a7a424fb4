"""Reading the spreadsheets clerks receive: .xlsx/.xls (python-calamine) and .csv (UTF-8/GBK/GB18030).

`read_table(path, ...)` returns a `Table`: the header row found under title rows and merged cells, the
headers, and every data row as text cells together with the row number Excel shows. Everything a
clerk can get wrong with a file ends in a `UserError` whose Chinese message says what to do:
empty file, no header, wrong sheet, damaged or password-protected workbook, a file held open by Excel,
too many rows.

Values: numbers come back from calamine as floats; 1.0 becomes "1" so USCCs, phone and permit numbers
stay text. Dates become ISO text ("2024-03-05"). Every cell is a `str`.

XML bombs: calamine parses with quick-xml, which does not expand custom DTD entities, so a
"billion laughs" workbook can neither eat memory nor hang the import (tested in
tests/pools/test_importer.py); whatever calamine cannot parse is reported as a damaged file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from app.services.foundation.errors import UserError

MAX_ROWS = 200_000
HEADER_SCAN_ROWS = 30
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK"
SUPPORTED = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".txt")


@dataclass
class Table:
    """A sheet read into text: `rows` holds (Excel row number, cells) pairs, cells aligned to headers;
    `columns` holds the same cells column by column (what the import engine works on)."""

    file: str
    sheet: str
    sheets: list[str]
    header_row: int  # row number as Excel shows it (1-based); the last header row when headers span two
    headers: list[str]
    row_numbers: list[int] = field(default_factory=list)  # Excel row number of each data row
    columns: list[list[str]] = field(default_factory=list)  # the cells, column by column
    _rows: list | None = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> list[tuple[int, tuple[str, ...]]]:
        """(Excel row number, cells) pairs, built on first use (the import engine works on `columns`)."""
        if self._rows is None:
            self._rows = list(zip(self.row_numbers, zip(*self.columns))) if self.columns else []
        return self._rows

    @property
    def name(self) -> str:
        return Path(self.file).name


def header_key(text: str) -> str:
    """A header reduced for matching: NFKC, no spaces, no '*', no trailing notes in brackets."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = re.sub(r"\s+", "", s).replace("*", "").replace("※", "")
    s = re.sub(r"\((?:[^()]*)\)$", "", s) if not s.startswith("(") else s  # 管理类别(重点/简化/登记)
    return s.strip().lower()


def cell_text(value) -> str:
    """One calamine/csv cell as clean text (integral floats without '.0', dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _open_error(path: Path, exc: OSError) -> UserError:
    if isinstance(exc, FileNotFoundError):
        return UserError(f"找不到文件“{path}”。请确认文件位置后重新选择。")
    if isinstance(exc, PermissionError):
        return UserError(
            f"无法读取“{path.name}”：文件正在被 Excel 打开（或没有读取权限）。请在 Excel 中关闭该文件后重试。"
        )
    if isinstance(exc, IsADirectoryError):
        return UserError(f"“{path}”是文件夹，请选择一个 Excel 或 CSV 文件。")
    return UserError(f"无法读取“{path.name}”：{exc.strerror or exc}。")


def _sniff(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(8)
    except OSError as exc:
        raise _open_error(path, exc) from exc


def sheet_names(path: str | os.PathLike) -> list[str]:
    """The sheet names of a workbook (["CSV"] for a CSV file), with the same checks as `read_table`."""
    path = Path(path)
    if _is_csv(path):
        _sniff(path)
        return [path.stem]
    wb = _open_workbook(path)
    try:
        return list(wb.sheet_names)
    finally:
        wb.close()


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".txt")


def _open_workbook(path: Path):
    import python_calamine as cal

    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UserError(
            f"不支持“{path.name}”的文件类型（{suffix or '无扩展名'}）。请另存为 .xlsx、.xls 或 .csv 后再导入。"
        )
    head = _sniff(path)
    if not head:
        raise UserError(f"文件“{path.name}”是空的（0 字节）。请确认选择了正确的文件。")
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".ods") and head.startswith(OLE_SIGNATURE):
        raise UserError(f"无法读取“{path.name}”：文件设有密码保护，请在 Excel 中取消密码后另存，再导入。")
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".ods") and not head.startswith(ZIP_SIGNATURE):
        raise UserError(f"文件“{path.name}”已损坏，不是有效的 Excel 文件。请用 Excel 打开并另存为 .xlsx 后再导入。")
    if suffix == ".xls" and head.startswith(ZIP_SIGNATURE):
        path_hint = "（它实际上是 .xlsx 文件，请把扩展名改为 .xlsx）"
        raise UserError(f"文件“{path.name}”的扩展名与内容不符{path_hint}。")
    from app.services.pools.guard import check_workbook

    check_workbook(path)  # hostile packages (huge ranges, bombs) are refused before calamine allocates
    try:
        return cal.CalamineWorkbook.from_path(str(path))
    except PermissionError as exc:
        raise _open_error(path, exc) from exc
    except OSError as exc:
        raise _open_error(path, exc) from exc
    except cal.PasswordError as exc:
        raise UserError(f"无法读取“{path.name}”：文件设有密码保护，请在 Excel 中取消密码后另存，再导入。") from exc
    except (cal.ZipError, cal.XmlError, cal.CalamineError) as exc:
        if any(w in str(exc).lower() for w in ("password", "encrypt", "protected")):
            raise UserError(f"无法读取“{path.name}”：文件设有密码保护，请在 Excel 中取消密码后另存，再导入。") from exc
        raise UserError(
            f"文件“{path.name}”已损坏或格式无法识别（{_short(exc)}）。请用 Excel 打开并另存为 .xlsx 后再导入。"
        ) from exc
    except Exception as exc:  # calamine maps some failures to plain ValueError/TypeError
        raise UserError(
            f"文件“{path.name}”无法读取（{_short(exc)}）。请用 Excel 打开并另存为 .xlsx 后再导入。"
        ) from exc


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def _decode_csv(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _open_error(path, exc) from exc
    if not data.strip():
        raise UserError(f"文件“{path.name}”是空的。请确认选择了正确的文件。")
    if data.startswith(OLE_SIGNATURE) or data.startswith(ZIP_SIGNATURE):
        raise UserError(f"文件“{path.name}”实际上是 Excel 工作簿，不是 CSV。请把扩展名改为 .xlsx（或 .xls）后再导入。")
    return _decode_text(path, data)


def _decode_text(path: Path, data: bytes) -> str:
    """Text of a .csv/.txt export: UTF-16 with BOM (Excel's "Unicode 文本"), UTF-8 (with or without BOM),
    else GBK/GB18030 (Excel's "CSV" on Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UserError(
        f"文件“{path.name}”的文字编码无法识别（不是 UTF-8 或 GBK）。请在 Excel 中另存为“CSV UTF-8”后再导入。"
    )


def _read_raw(path: Path, sheet: str | None) -> tuple[str, list[str], list[list], Callable[[str], list[list]]]:
    """Return (sheet name, all sheet names, rows of raw values, loader for other sheets)."""
    if _is_csv(path):
        text = _decode_csv(path)
        sample = text[:4096]
        delimiter = ","
        if sample.count("\t") > sample.count(",") and sample.count("\t") > sample.count(";"):
            delimiter = "\t"
        elif sample.count(";") > sample.count(","):
            delimiter = ";"
        rows: list[list] = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for i, row in enumerate(reader):
            rows.append(row)
            if i > MAX_ROWS + HEADER_SCAN_ROWS + 2:
                break
        return path.stem, [path.stem], rows, lambda _name: []
    wb = _open_workbook(path)
    names = list(wb.sheet_names)
    if not names:
        raise UserError(f"文件“{path.name}”中没有工作表。")

    def load(name: str) -> list[list]:
        try:
            return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except BaseException as exc:  # a Rust panic in calamine arrives as pyo3's PanicException (BaseException)
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            raise UserError(
                f"文件“{path.name}”的工作表“{name}”已损坏，无法读取（{_short(exc)}）。请用 Excel 打开并另存后再导入。"
            ) from exc

    if sheet is not None and sheet not in names:
        wb.close()
        raise UserError(
            f"文件“{path.name}”中没有名为“{sheet}”的工作表。文件中的工作表有：{'、'.join(names)}。请选择正确的工作表。"
        )
    first = sheet or names[0]
    return first, names, load(first), load


def _row_is_empty(row) -> bool:
    return all(cell_text(v) == "" for v in row)


def _score(row: list[str], known: set[str]) -> int:
    return sum(1 for c in row if c and header_key(c) in known)


def find_header(raw: list[list], known: set[str]) -> tuple[int, list[str], int] | None:
    """(index of the last header row, headers, index of the first data row) or None.

    The best-scoring row among the first rows wins, where a row scores one point per cell that is a
    known header (or alias). A two-row header (a merged group cell above sub-headers, as in the 泽州
    事项清单) is combined column by column. Without any known header, the first row that has at least
    two text cells and is as wide as the widest of the first rows is taken (the user maps it).
    """
    scan = [[cell_text(v) for v in row] for row in raw[:HEADER_SCAN_ROWS]]
    best = (0, -1, None)
    for i, row in enumerate(scan):
        s = _score(row, known)
        if s > best[0]:
            best = (s, i, row)
    if best[0] >= 1 and best[2] is not None:
        i, row = best[1], list(best[2])
        if i > 0 and _is_sub_header(scan[i - 1], row, known):  # the best row is the lower of two header rows
            i, row = i - 1, list(scan[i - 1])
        if i + 1 < len(scan) and _is_sub_header(row, scan[i + 1], known):
            combined = list(row) + [""] * max(0, len(scan[i + 1]) - len(row))
            for j, c in enumerate(scan[i + 1]):
                if c:
                    combined[j] = c
            return i + 1, _fill_headers(combined), i + 2
        return i, _fill_headers(row), i + 1
    widths = [sum(1 for c in row if c) for row in scan]
    if not widths or max(widths) < 2:
        return None
    target = max(widths)
    for i, row in enumerate(scan):
        texts = [c for c in row if c]
        if len(texts) >= max(2, (target * 3 + 3) // 4) and all(not _looks_numeric(c) for c in texts):
            return i, _fill_headers(row), i + 1
    return None


def _is_sub_header(row: list[str], below: list[str], known: set[str]) -> bool:
    """Is `below` the second row of a two-row header under `row`?

    Only when each of its texts stands under an empty cell of `row` or under the first cell of a merged
    group (a text in `row` followed by empty cells, e.g. 抽查项目 over 抽查类别 | 抽查事项, or
    重点排污单位类型 over 水环境 | 大气环境 | …), at least one of them is a known header, and none of them
    reads as data (a number or a date). A roster's first person (在岗, 男, 1985-03-02 under a full header
    row) is therefore data, never a header."""
    texts = [(j, c) for j, c in enumerate(below) if c]
    if not texts or not any(header_key(c) in known for _j, c in texts):
        return False
    if sum(1 for c in row if c) < 2:  # a title above the header, not a header row
        return False
    padded = list(row) + [""] * max(0, len(below) - len(row) + 1)
    for j, c in texts:
        if _looks_numeric(c) or _looks_like_date(c):
            return False
        if not padded[j]:
            continue
        group_start = not padded[j + 1] and j + 1 < len(below) and bool(below[j + 1])
        if not group_start:
            return False
    return True


def _looks_like_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?( .*)?", text))


def _column_text(col) -> list[str]:
    """One column of raw cells as clean text."""
    return [v.strip() if type(v) is str else cell_text(v) for v in col]


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\d+(\.\d+)?", text))


def _fill_headers(row: list[str]) -> list[str]:
    headers = []
    while row and not row[-1]:
        row = row[:-1]
    for j, c in enumerate(row):
        headers.append(c if c else f"(第{_col_letter(j)}列)")
    return headers


def _col_letter(index: int) -> str:
    s = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def column_letter(index: int) -> str:
    """0 → "A", 26 → "AA" (as Excel labels columns)."""
    return _col_letter(index)


def read_table(
    path: str | os.PathLike, *, sheet: str | None = None, known_headers: Iterable[str] = (), max_rows: int = MAX_ROWS
) -> Table:
    """Read one sheet (the named one, or the first whose header is recognised) into a `Table`."""
    path = Path(path)
    known = {header_key(h) for h in known_headers}
    name, names, raw, load = _read_raw(path, sheet)
    return _table_from_raw(path, sheet, known, name, names, raw, load, max_rows)


def _table_from_raw(
    path: Path,
    sheet: str | None,
    known: set[str],
    name: str,
    names: list[str],
    raw: list[list],
    load: Callable[[str], list[list]],
    max_rows: int,
) -> Table:
    found = find_header(raw, known) if raw else None
    if sheet is None and len(names) > 1 and (found is None or (known and _score(found[1], known) == 0)):
        for other in names[1:]:
            other_raw = load(other)
            hit = find_header(other_raw, known) if other_raw else None
            if hit is not None and (not known or _score(hit[1], known) > 0):
                name, raw, found = other, other_raw, hit
                break
    if not raw or all(_row_is_empty(r) for r in raw[:HEADER_SCAN_ROWS]) and all(_row_is_empty(r) for r in raw):
        where = f"工作表“{name}”" if len(names) > 1 else f"文件“{path.name}”"
        raise UserError(
            f"{where}是空的，没有任何数据。请确认选择了正确的文件"
            + (f"和工作表（文件中的工作表有：{'、'.join(names)}）" if len(names) > 1 else "")
            + "。"
        )
    if found is None:
        sheets = f"文件中的工作表有：{'、'.join(names)}；" if len(names) > 1 else ""
        raise UserError(
            f"在“{path.name}”的工作表“{name}”前 {HEADER_SCAN_ROWS} 行中找不到表头（如“单位名称”“统一社会信用代码”）。"
            f"{sheets}请确认表头在数据上方的一行中，或选择正确的工作表。"
        )
    header_idx, headers, data_start = found
    width = len(headers)
    # Column by column: `map(str.strip, column)` runs in C for all-text columns; only columns with
    # numbers/dates take the per-cell path. 50,000 × 19 cells stay cheap next to calamine's own read.
    data = raw[data_start:]
    if set(map(len, data)) != {width}:  # calamine's rows are as wide as the sheet; CSV rows may differ
        data = [r if len(r) == width else (list(r) + [""] * (width - len(r)))[:width] for r in data]
    if len(data) > max_rows and sum(1 for r in data if any(r)) > max_rows:
        raise UserError(
            f"“{path.name}”的数据超过 {max_rows:,} 行，超出单次导入上限。"
            f"请把文件拆分成每份不超过 {max_rows:,} 行后分批导入。"
        )
    columns = [_column_text(col) for col in zip(*data)]
    # a row counts when any of its cells has text; empty rows are left out (their numbers are skipped)
    keep = [j for j, cells in enumerate(zip(*columns)) if any(cells)]
    if len(keep) < len(data):
        columns = [[col[j] for j in keep] for col in columns]
    if not keep:
        raise UserError(
            f"“{path.name}”的工作表“{name}”只有表头（第 {header_idx + 1} 行），没有数据行。请确认选择了正确的文件。"
        )
    if len(keep) > max_rows:
        raise UserError(
            f"“{path.name}”的数据超过 {max_rows:,} 行，超出单次导入上限。"
            f"请把文件拆分成每份不超过 {max_rows:,} 行后分批导入。"
        )
    return Table(
        file=str(path),
        sheet=name,
        sheets=names,
        header_row=header_idx + 1,
        headers=headers,
        row_numbers=[data_start + j + 1 for j in keep],
        columns=columns,
    )
