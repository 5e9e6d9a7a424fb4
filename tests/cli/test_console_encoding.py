"""CLI output on a Windows console or pipe in the ANSI code page (cp936): no UnicodeEncodeError, no
traceback, no JSON cut short; `--json` is always UTF-8 bytes. Run as real processes with
PYTHONIOENCODING=cp936, which is what a redirected stdout on Chinese Windows uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.console import text_encoding

ROOT = Path(__file__).resolve().parents[2]
NAME = "𠮷县䶮乡生态环境保护综合行政执法大队✓•"


def ssj(tmp_path, *args, encoding="cp936"):
    env = dict(os.environ, PYTHONIOENCODING=encoding, PYTHONPATH=str(ROOT), SSJ_DATA_DIR=str(tmp_path / "data"))
    env.pop("PYTHONUTF8", None)
    return subprocess.run(
        [sys.executable, "-m", "app", "--db", str(tmp_path / "ssj.sqlite3"), *args],
        env=env,
        capture_output=True,
        timeout=300,
    )


def test_json_is_utf8_bytes_on_a_cp936_pipe(tmp_path):
    out = ssj(tmp_path, "--json", "init", "--office", NAME, "--level", "county", "--password", "admin12345")
    assert out.returncode == 0, out.stderr.decode("gb18030", "replace")
    assert b"Traceback" not in out.stderr
    data = json.loads(out.stdout.decode("utf-8"))  # strict UTF-8, complete document
    assert data["office"] == NAME


def test_text_output_survives_characters_outside_gbk(tmp_path):
    out = ssj(tmp_path, "init", "--office", NAME, "--level", "county", "--password", "admin12345")
    assert out.returncode == 0, out.stderr.decode("gb18030", "replace")
    text = out.stdout.decode("gb18030")  # GBK bytes for GBK characters, 𠮷 and 䶮 in GB18030 form
    assert NAME in text  # GB18030 encodes every character, ✓ and • too
    assert out.stdout.decode("gbk", "replace").startswith("已初始化")  # a GBK reader sees the Chinese


def test_errors_on_stderr_survive_too(tmp_path):
    ssj(tmp_path, "init", "--office", NAME, "--level", "county", "--password", "admin12345")
    out = ssj(tmp_path, "init", "--office", NAME, "--level", "county", "--password", "admin12345")
    assert out.returncode == 1
    assert b"Traceback" not in out.stderr and out.stderr.decode("gb18030").startswith("错误")


@pytest.mark.parametrize(
    "given, used", [("cp936", "gb18030"), ("GBK", "gb18030"), ("utf-8", "utf-8"), ("cp1252", "cp1252"), (None, "utf-8")]
)
def test_text_encodings(given, used):
    assert text_encoding(given) == used


def test_lookalikes_on_a_narrow_code_page():
    import codecs

    from app.cli import console

    assert "✓ 完成 • 𠮷".encode("gbk", errors=console.ERRORS) == "√ 完成 · ?".encode("gbk")
    assert "✓".encode("ascii", errors=console.ERRORS) == b"?"
    assert codecs.lookup_error(console.ERRORS)
