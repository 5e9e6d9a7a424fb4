"""Issue 13, the attacker's pass over the other files a clerk is handed: every one ends in a Chinese message
that names the file, in a real process, never "程序内部错误" or a traceback."""

from __future__ import annotations


def test_a_rule_file_nested_too_deeply_is_refused_in_chinese(ssj, county, tmp_path):
    """`policy import` of 100,000 nested brackets ended in "程序内部错误（RecursionError）" (as `verify` did)."""
    deep = tmp_path / "规则.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    proc = ssj("--db", county, "policy", "import", deep)
    assert proc.returncode == 1, proc.stderr
    assert "内部错误" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "规则.json" in proc.stderr and "嵌套" in proc.stderr, proc.stderr
