"""Hostile spreadsheets never reach the reader unchecked: a cheap look inside the package first.

python-calamine builds every sheet as one dense rows × columns array. A 5 KB .xlsx whose only cell is
XFD1048576 makes it allocate 16,384 × 1,048,576 cells (about 512 GB): the process aborts and takes the
window with it. A 2 MB .xlsx whose shared string inflates to 2 GiB eats memory for a minute before failing.
`check_workbook(path)` looks at the zip package before calamine does and refuses with a Chinese message
whatever would exceed the limits below. It costs one pass over the compressed parts, bounded by the limits:

- the zip directory: at most `MAX_ENTRIES` entries, and the declared uncompressed size of the whole package
  at most `MAX_TOTAL_BYTES`;
- every worksheet part and the shared-strings part are inflated as a stream (never more than
  `MAX_PART_BYTES` + one chunk, whatever the zip directory declares) and refused when bigger, or when a part
  inflates more than `MAX_RATIO` times its compressed size while being larger than `RATIO_FLOOR`;
- in every worksheet, the declared `<dimension>` and every cell reference give the rows and columns the
  reader would allocate: at most `MAX_SHEET_ROWS` rows, `MAX_COLUMNS` columns and `MAX_CELLS` cells.

.xls files (BIFF) cannot exceed 65,536 × 256 cells and are bounded by the file size; .ods/.xlsb packages get
the zip checks (entries, sizes, ratio). The limits are documented in docs/reliability.md.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from app.services.foundation.errors import UserError

MAX_ENTRIES = 2_000
MAX_TOTAL_BYTES = 2 * 1024**3  # declared, whole package
MAX_PART_BYTES = 400 * 1024**2  # one worksheet or the shared strings, inflated
MAX_RATIO = 200  # inflated / compressed, for parts larger than RATIO_FLOOR
RATIO_FLOOR = 16 * 1024**2
MAX_SHEET_ROWS = 250_000  # the import takes at most 200,000 data rows; some room for titles and blanks
MAX_COLUMNS = 1_000
MAX_CELLS = 30_000_000
CHUNK = 1024 * 1024

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?"')
# Every r="digits" attribute: a row's number (a cell's reference always starts with letters). The pattern
# starts with a literal, so the regex engine skips to each r=" at memchr speed (a pattern that starts at
# the element, <row … r=, tries every tag of the part: ten times slower on a 50,000-row sheet). It may also
# catch another attribute ending in r with a number: that can only make the check stricter.
_ROW = re.compile(rb'r="(\d+)"')
# Cell references of two or three letters only: single-letter columns (A–Z) can never exceed the limits,
# so the common workbook yields no match at all. A match counts when an attribute starts there (whitespace
# before it).
_WIDE_CELL = re.compile(rb'r="([A-Z]{2,3})(\d+)"')
_SPACE = frozenset(b" \t\r\n")


def column_number(letters: str) -> int:
    """ "A" → 1, "XFD" → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _refuse(path: Path, what: str) -> UserError:
    return UserError(
        f"文件“{path.name}”{what}，超出导入的安全上限，未读取。"
        "如果这是正常的名单，请在 Excel 中删除多余的空行和空列（或把数据复制到新工作簿）后另存，再导入；"
        "如果来源不明，请不要打开它。"
    )


def check_workbook(path: str | Path) -> None:
    """Refuse (UserError) a spreadsheet package that would make the reader allocate too much."""
    path = Path(path)
    if path.suffix.lower() == ".xls":
        return  # BIFF: 65,536 × 256 cells at most, bounded by the file size
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as exc:
        # NotImplementedError: the directory claims a zip version this reader does not know (found by fuzzing)
        raise UserError(
            f"文件“{path.name}”已损坏，不是有效的 Excel 文件。请用 Excel 打开并另存为 .xlsx 后再导入。"
        ) from exc
    except OSError:
        return  # the reader reports files it cannot open, with the right message
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _refuse(path, f"包含 {len(infos):,} 个内部文件（上限 {MAX_ENTRIES:,}）")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise _refuse(path, f"解压后共 {total / 1024**3:.1f} GB（上限 {MAX_TOTAL_BYTES / 1024**3:.0f} GB）")
        for info in infos:
            name = info.filename.lower()
            if name.endswith("sharedstrings.xml") or name.endswith("sharedstrings.bin"):
                _inflate(zf, info, path, scan=False)
            elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _inflate(zf, info, path, scan=True)
            elif name.startswith("xl/worksheets/") or name == "content.xml":
                _inflate(zf, info, path, scan=False)


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, *, scan: bool) -> None:
    """Stream one part: actual inflated size, ratio, and (worksheets) the rows/columns it declares."""
    part = info.filename.rsplit("/", 1)[-1]
    if info.file_size > MAX_PART_BYTES:
        raise _refuse(
            path,
            f"的内部文件 {part} 解压后有 {info.file_size / 1024**2:,.0f} MB（上限 {MAX_PART_BYTES // 1024**2} MB）",
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return  # the reader will report an unsupported compression as a damaged file
    size = 0
    max_row = max_col = 0
    tail = b""
    first = True
    try:
        for chunk in _raw_inflate(zf, info):
            size += len(chunk)
            if size > MAX_PART_BYTES:
                raise _refuse(path, f"的内部文件 {part} 解压后超过 {MAX_PART_BYTES // 1024**2} MB")
            if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                raise _refuse(path, f"的内部文件 {part} 压缩比异常（超过 {MAX_RATIO} 倍，疑似“压缩炸弹”）")
            if not scan:
                continue
            data = tail + chunk
            if first:  # the <dimension> element sits at the top of the part
                first = False
                dim = _DIMENSION.search(data[:65536])
                if dim:
                    r, c = _dimension_extent(dim)
                    _check_extent(path, part, r, c, declared=True)
            rows = _ROW.findall(data)
            if rows:
                max_row = max(max_row, *map(int, rows))
            for m in _WIDE_CELL.finditer(data):
                if m.start() == 0 or data[m.start() - 1] not in _SPACE:
                    continue
                max_col = max(max_col, column_number(m.group(1).decode()))
                max_row = max(max_row, int(m.group(2)))
            tail = data[-256:]
            _check_extent(path, part, max_row, max_col or 26, declared=False)
    except UserError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise UserError(
            f"文件“{path.name}”已损坏（内部文件 {part} 无法解压）。请用 Excel 打开并另存为 .xlsx 后再导入。"
        ) from exc


def _raw_inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """Yield the inflated bytes of one entry, at most CHUNK at a time, read from the raw compressed data.

    The sizes in the zip directory are not trusted (a bomb can declare 1 KB): the stream is inflated as far
    as it goes, and the caller stops it at its limit; memory stays at one chunk."""
    fp = zf.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while left > 0:
        raw = fp.read(min(CHUNK, left))
        if not raw:
            break
        left -= len(raw)
        if inflater is None:
            yield raw
            continue
        out = inflater.decompress(raw, CHUNK)
        while out:
            yield out
            out = inflater.decompress(inflater.unconsumed_tail, CHUNK) if inflater.unconsumed_tail else b""
        if inflater.eof:
            break


def _dimension_extent(m: re.Match) -> tuple[int, int]:
    first_col, first_row, last_col, last_row = m.groups()
    col = last_col or first_col or b"A"
    row = last_row or first_row or b"1"
    return int(row or b"1"), column_number(col.decode() or "A")


def _check_extent(path: Path, part: str, rows: int, cols: int, *, declared: bool) -> None:
    how = "声明" if declared else "实际"
    if rows > MAX_SHEET_ROWS:
        raise _refuse(path, f"的工作表（{part}）{how}有 {rows:,} 行（上限 {MAX_SHEET_ROWS:,} 行）")
    if cols > MAX_COLUMNS:
        raise _refuse(path, f"的工作表（{part}）{how}有 {cols:,} 列（上限 {MAX_COLUMNS:,} 列）")
    if rows * cols > MAX_CELLS:
        raise _refuse(
            path, f"的工作表（{part}）{how}的范围有 {rows:,} 行 × {cols:,} 列（上限共 {MAX_CELLS:,} 个单元格）"
        )


# ------------------------------------------------------------------------------------ cell text checks

# Control characters other than tab, line feed and carriage return (XML 1.0 and so the .xlsx/.docx writers
# refuse them; PDFs and packages would carry invisible bytes), C1 controls, lone surrogates and the two
# non-characters XML forbids.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _describe(ch: str) -> str:
    names = {"\x00": "NUL", "\x07": "BEL", "\x08": "BS", "\x1b": "ESC", "\x7f": "DEL", "\x0c": "FF", "\x0b": "VT"}
    return names.get(ch, f"U+{ord(ch):04X}")


def column_limit(kind: str, key: str) -> int | None:
    """The length of the database column behind an import field (None: unlimited or not a string)."""
    from app.models.pools import InspectionItem, InspectionObject, Inspector

    model = {"objects": InspectionObject, "inspectors": Inspector, "experts": Inspector, "items": InspectionItem}.get(
        kind
    )
    col = model.__table__.c.get(key) if model is not None else None
    return getattr(col.type, "length", None) if col is not None else None


def cell_problems(kind: str, key: str, cells: list[str], values: list) -> list[tuple[int, str]]:
    """[(row index, message)] for cells with control characters or longer than the column holds.

    The common column (no control character, short) is answered at C speed: one join, one regex search,
    one max over lengths. Nothing is ever cut silently: too long is an error of its row."""
    problems: list[tuple[int, str]] = []
    if not cells:
        return problems
    if CONTROL.search("".join(cells)):
        for j, v in enumerate(cells):
            m = CONTROL.search(v) if v else None
            if m:
                problems.append(
                    (
                        j,
                        f"含有不可见的控制字符（{_describe(m.group())}，第 {m.start() + 1} 个字符）。"
                        "请在 Excel 中删除该字符（可用 CLEAN 函数）后重新导入",
                    )
                )
    limit = column_limit(kind, key)
    if limit and values:
        longest = max((len(v) for v in values if isinstance(v, str)), default=0)
        if longest > limit:
            for j, v in enumerate(values):
                if isinstance(v, str) and len(v) > limit:
                    problems.append((j, f"长度 {len(v):,} 个字符，超过此项允许的 {limit} 个字符。请缩短后重新导入"))
    return problems


def check_text(kind: str, key: str, label: str, value) -> None:
    """The same checks for one value typed into an edit dialog or given on the command line."""
    if not isinstance(value, str):
        return
    problems = cell_problems(kind, key, [value], [value])
    if problems:
        raise UserError(f"“{label}”{problems[0][1]}。")
