"""Per-database log files: two windows on different databases never share one file (on Windows the shared
file could not roll over: WinError 32, every record lost until one closed); a failed roll-over keeps logging."""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys
from pathlib import Path

from app.services.foundation import logging_setup
from app.services.foundation.logging_setup import log_name, setup_logging

ROOT = Path(__file__).resolve().parents[2]


def test_names_differ_per_database_and_are_stable(tmp_path):
    a = log_name(f"sqlite:///{tmp_path / 'a' / 'ssj.sqlite3'}")
    b = log_name(f"sqlite:///{tmp_path / 'b' / 'ssj.sqlite3'}")
    assert a != b and a.startswith("ssj-ssj-") and a.endswith(".log")
    assert a == log_name(f"sqlite:///{tmp_path / 'a' / 'ssj.sqlite3'}")
    pg = log_name("postgresql+psycopg://ssj:秘密@db.city.gov.cn/ssj_city")
    assert pg.startswith("ssj-ssj_city-") and "秘密" not in pg
    assert log_name(None) == "ssj.log"


def test_two_processes_on_two_databases_write_two_files(tmp_path, data_dir):
    script = (
        "import logging, sys\n"
        "from app.services.foundation.logging_setup import setup_logging\n"
        "print(setup_logging(db_url='sqlite:///' + sys.argv[1]))\n"
        "logging.getLogger('t').warning('来自 %s', sys.argv[1])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), SSJ_DATA_DIR=str(data_dir))
    files = []
    for name in ("甲县.sqlite3", "乙县.sqlite3"):
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / name)], env=env, capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        files.append(Path(out.stdout.strip()))
    assert files[0] != files[1] and all(f.parent == data_dir / "logs" for f in files)
    assert "甲县" in files[0].read_text(encoding="utf-8") and "乙县" not in files[0].read_text(encoding="utf-8")


def test_a_failed_rollover_loses_no_records(data_dir, monkeypatch):
    path = setup_logging(db_url=f"sqlite:///{data_dir / 'ssj.sqlite3'}")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_ssj", False))
    monkeypatch.setattr(handler, "maxBytes", 300)

    def held(src, dst):
        exc = PermissionError(errno.EACCES, "另一个程序正在使用此文件，进程无法访问。")
        exc.winerror = 32
        raise exc

    monkeypatch.setattr(handler, "rotate", held)
    log = logging.getLogger("app.test")
    for i in range(20):
        log.warning("记录 %d：备份完成", i)
    handler.flush()
    text = path.read_text(encoding="utf-8")
    assert all(f"记录 {i}：" in text for i in range(20))
    assert logging_setup.log_file() == path  # the crash dialog names this file
    logging.getLogger().removeHandler(handler)
    handler.close()
