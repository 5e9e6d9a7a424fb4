"""The verifier reads records and vectors as UTF-8 whatever the computer's locale (issue 22: mutants that
dropped `encoding="utf-8"` survived). A Chinese Windows console defaults to cp936, a bare server to ASCII;
the records are UTF-8 JSON full of Chinese names, so reading them in the locale's codec would fail or garble.

The locale's codec is switched for the duration of each test (LC_CTYPE "C": ASCII); open() without an
encoding follows it unless Python runs in UTF-8 mode (PYTHONUTF8=1), which the test run does not use.
"""

from __future__ import annotations

import json
import locale
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from app.services.draw import algorithm as da

ROOT = Path(__file__).resolve().parents[2]
VECTOR = ROOT / "docs" / "vectors" / "01-basic.json"


@contextmanager
def ascii_locale():
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


def test_the_test_really_runs_in_a_non_utf8_locale(tmp_path):
    assert not sys.flags.utf8_mode
    path = tmp_path / "x.txt"
    path.write_text("规则", encoding="utf-8")
    with ascii_locale():
        assert locale.getencoding().lower() not in ("utf-8", "utf8")
        try:
            path.read_text()
        except UnicodeDecodeError:
            pass
        else:
            raise AssertionError("open() without an encoding read UTF-8 in the C locale")


def test_a_record_file_is_verified_in_an_ascii_locale(tmp_path, capsys):
    record = json.loads(VECTOR.read_text(encoding="utf-8"))["record"]
    path = tmp_path / "抽取记录.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    with ascii_locale():
        rc = da.main([str(path)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert out.startswith(f"校验通过：{record['office']} {record['period']} 抽取记录") and record["record_hash"] in out


def test_vectors_are_run_in_an_ascii_locale(tmp_path):
    shutil.copy(VECTOR, tmp_path / VECTOR.name)
    with ascii_locale():
        ok, lines = da.run_vectors(str(tmp_path))
    assert ok, lines
    assert lines == [f"符合  {VECTOR.name}（应通过）：通过"]
