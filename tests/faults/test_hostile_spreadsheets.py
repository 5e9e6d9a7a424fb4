"""Issue 13, point 1: hostile spreadsheets are refused before the reader sees them; nothing aborts the process.

Each file is read in a real child process (an abort in the Excel reader would take pytest with it), with an
address-space limit so a reader that tries to allocate gigabytes fails the test instead of the machine.
"""

from __future__ import annotations

import re
import resource
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.services.foundation.errors import UserError
from app.services.pools import guard, reader

MEMORY_LIMIT = 3 * 1024**3


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


READ = """
import sys
from app.services.foundation.errors import UserError
from app.services.pools.reader import read_table
try:
    read_table(sys.argv[1] if len(sys.argv) > 1 else {path!r}, known_headers=["单位名称"])
except UserError as exc:
    print("REFUSED:" + exc.message)
else:
    print("READ")
"""


def _read_in_child(py, path: Path):
    proc = py(READ.format(path=str(path)), preexec_fn=_limit_memory, timeout=240)
    assert proc.returncode == 0, f"the reader process died (rc {proc.returncode}): {proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout.strip()


def _xfd_only(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active["XFD1048576"] = "x"
    wb.save(path)
    return path


def test_a_5kb_workbook_whose_only_cell_is_xfd1048576_is_refused_not_aborting(py, tmp_path):
    path = _xfd_only(tmp_path / "only-last-cell.xlsx")
    assert path.stat().st_size < 10_000
    out = _read_in_child(py, path)
    assert out.startswith("REFUSED:"), out
    assert "only-last-cell.xlsx" in out and "1,048,576 行" in out and "安全上限" in out


def test_the_last_cell_without_a_dimension_element_is_refused_too(py, tmp_path):
    src = _xfd_only(tmp_path / "a.xlsx")
    dst = tmp_path / "no-dimension.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", data)  # openpyxl writes "/>" or " />"
                assert b"<dimension" not in data
                data = data.replace(b'<row r="1048576">', b'<row r="1">').replace(b'r="XFD1048576"', b'r="XFD1"')
            zout.writestr(item, data)
    out = _read_in_child(py, dst)
    assert out.startswith("REFUSED:") and "16,384 列" in out, out


def _bomb(path: Path, inflated: int) -> Path:
    """A workbook whose one shared string inflates to `inflated` bytes (a few hundred KB on disk)."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "单位名称"
    wb.active["A2"] = "x"
    plain = tmp = path.with_name("plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b't="inlineStr"><is><t>x</t></is>', b't="s"><v>0</v>')
            zout.writestr(item, data)
        with zout.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ')
            fh.write(b'count="1" uniqueCount="1"><si><t>')
            block = b"A" * (16 * 1024 * 1024)
            for _ in range(inflated // len(block)):
                fh.write(block)
            fh.write(b"</t></si></sst>")
    return path


def test_a_shared_string_bomb_is_refused_before_it_is_inflated(py, tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx", 1024 * 1024 * 1024)
    assert path.stat().st_size < 3_000_000
    out = _read_in_child(py, path)
    assert out.startswith("REFUSED:") and "sharedStrings.xml" in out, out


def test_a_bomb_that_lies_about_its_size_in_the_zip_directory_is_still_refused(tmp_path, monkeypatch):
    path = _bomb(tmp_path / "liar.xlsx", 512 * 1024 * 1024)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/sharedStrings.xml")
    declared = info.file_size
    assert declared.to_bytes(8, "little") in data  # zip64 extra fields: rewrite every copy to "1 KB"
    data = data.replace(declared.to_bytes(8, "little"), (1024).to_bytes(8, "little"))
    path.write_bytes(bytes(data))
    monkeypatch.setattr(guard, "MAX_PART_BYTES", 64 * 1024**2)
    with pytest.raises(UserError, match="sharedStrings.xml"):
        guard.check_workbook(path)


def test_too_many_zip_entries_are_refused(tmp_path):
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(guard.MAX_ENTRIES + 1):
            zf.writestr(f"x/{i}.xml", b"")
    with pytest.raises(UserError, match="内部文件"):
        reader.read_table(path)


def test_an_ordinary_workbook_still_reads(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "备注"])
    for i in range(300):
        ws.append([f"企业{i}", f"91140525MA0{i:07d}", "x" * 50])
    ws["AB5"] = "右边很远的一格"
    wb.save(tmp_path / "ok.xlsx")
    guard.check_workbook(tmp_path / "ok.xlsx")
    table = reader.read_table(tmp_path / "ok.xlsx", known_headers=["单位名称"])
    assert len(table.rows) == 300 and table.headers[0] == "单位名称"


def test_references_after_a_tab_or_line_break_are_still_seen(tmp_path):
    """The scan looks for r=" at memchr speed (issue 19's import speed): attributes separated by any XML
    whitespace, not only a space, are still found."""
    src = _xfd_only(tmp_path / "a.xlsx")
    for sep, name in ((b"\t", "tab.xlsx"), (b"\n", "newline.xlsx")):
        dst = tmp_path / name
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", data)
                    data = data.replace(b'<row r="1048576">', b'<row r="1">')
                    data = data.replace(b'<c r="XFD1048576"', b"<c" + sep + b'r="XFD1"')
                zout.writestr(item, data)
        with pytest.raises(UserError, match="16,384 列"):
            guard.check_workbook(dst)
        rows = dst.with_name("rows-" + name)
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(rows, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", data)
                    data = data.replace(b'<row r="1048576">', b"<row" + sep + b'r="1048576">')
                    data = data.replace(b'r="XFD1048576"', b'r="A1048576"')
                zout.writestr(item, data)
        with pytest.raises(UserError, match="1,048,576 行"):
            guard.check_workbook(rows)


def _claim_zip_version(data: bytes, version: int) -> bytes:
    """Set 'version needed to extract' in every central-directory entry (a zip from a newer or broken writer)."""
    b = bytearray(data)
    at = b.find(b"PK\x01\x02")
    while at >= 0:
        b[at + 6] = version
        at = b.find(b"PK\x01\x02", at + 4)
    return bytes(b)


def test_a_workbook_claiming_an_unknown_zip_version_is_refused_in_chinese(tmp_path):
    # found by the fuzzer in CI: zipfile raises NotImplementedError("zip file version 6.4"), not BadZipFile
    ok = tmp_path / "ok.xlsx"
    _xfd_only(ok)
    odd = tmp_path / "新版本.xlsx"
    odd.write_bytes(_claim_zip_version(ok.read_bytes(), 64))
    with pytest.raises(UserError, match="新版本.xlsx") as caught:
        reader.read_table(odd, known_headers=["单位名称"])
    assert "另存为" in caught.value.message


def _corner(path: Path) -> Path:
    """5 KB: a header in A1:B1 and one cell in XFD1048576 — a 1,048,576 × 16,384 rectangle for the reader."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["XFD1048576"] = "日期", "类型", "x"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "argv",
    [("holidays", "import"), ("outcomes", "import")],
    ids=["holiday-calendar", "outcomes-sheet"],
)
def test_the_other_spreadsheet_imports_refuse_the_corner_cell_bomb_too(argv, county, data_dir, tmp_path):
    """The attacker's pass: the calendar import and the results sheet import opened .xlsx files with the
    reader directly, without the guard — the 5 KB file aborted the process (SIGABRT, exit 134)."""
    import subprocess
    import sys

    from tests.faults.conftest import ROOT, as_account, child_env

    path = _corner(tmp_path / "放假安排.xlsx")
    assert path.stat().st_size < 10_000
    proc = subprocess.run(
        [sys.executable, "-m", "app", *as_account(["--db", county, *argv, path])],
        capture_output=True,
        text=True,
        timeout=240,
        env=child_env(data_dir),
        cwd=ROOT,
        preexec_fn=_limit_memory,
    )
    assert proc.returncode == 1, f"rc {proc.returncode}: {proc.stderr[-1500:]}"
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr, proc.stderr[-1500:]
    assert "放假安排.xlsx" in proc.stderr and "1,048,576 行" in proc.stderr, proc.stderr
