"""Fault injection: real processes, real files, real signals. Helpers shared by tests/faults/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


ADMIN, ADMIN_PASSWORD = "admin", "admin123"  # the administrator every database of these tests is made with
CREATING = {"init", "demo"}  # commands that run before any account exists


def as_account(argv) -> list[str]:
    """The command line of a data-changing command run as the administrator (password from SSJ_PASSWORD,
    set by `child_env`); `init` and `demo` run before there is an account, so they get no --user."""
    argv = [str(a) for a in argv]
    if "--user" in argv or CREATING & set(argv):
        return argv
    return ["--user", ADMIN, *argv]


def child_env(data_dir: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env["SSJ_PASSWORD"] = ADMIN_PASSWORD
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["SSJ_DATA_DIR"] = str(data_dir)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("SSJ_DB", None)
    env.update(extra)
    return env


@pytest.fixture
def ssj(data_dir):
    """Run `python -m app ARGS` in a real process → CompletedProcess (text, captured)."""

    def _run(*argv, timeout: float = 300, env: dict | None = None, **kw):
        return subprocess.run(
            [sys.executable, "-m", "app", *as_account(argv)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or child_env(data_dir),
            cwd=ROOT,
            **kw,
        )

    return _run


@pytest.fixture
def py(data_dir):
    """Run a Python snippet in a real process (for inputs that could abort the interpreter)."""

    def _run(code: str, *, timeout: float = 300, preexec_fn=None):
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env(data_dir),
            cwd=ROOT,
            preexec_fn=preexec_fn,
        )

    return _run


def write_objects_xlsx(path: Path, n: int, start: int = 0, **overrides) -> Path:
    """An import file of `n` valid inspection objects (USCCs from tests.factories.make_uscc)."""
    import openpyxl

    from tests.factories import make_uscc

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("检查对象")
    ws.append(["单位名称", "统一社会信用代码", "所属乡镇（街道）", "地址", "标签"])
    for i in range(start, start + n):
        row = {
            "name": f"测试企业{i:06d}有限公司",
            "uscc": make_uscc(100000 + i),
            "township": "城关镇",
            "address": f"城关镇{i}号",
            "tags": "",
        }
        row.update({k: (v(i) if callable(v) else v) for k, v in overrides.items()})
        ws.append([row["name"], row["uscc"], row["township"], row["address"], row["tags"]])
    wb.save(path)
    return path


def first_edit_seq(session) -> int:
    """The audit sequence number of the first edit of an object (`objects tag` of a test made during a long job):
    smaller than the job's own entry when the edit was not kept waiting for the job's write lock."""
    from sqlalchemy import func, select

    from app.models import AuditEntry

    return session.scalar(
        select(func.min(AuditEntry.seq)).where(AuditEntry.action == "修改", AuditEntry.entity == "inspection_object")
    )


def sqlite_invariants(db_file: Path) -> dict:
    """PRAGMA integrity_check and row counts read straight from the file (no program code involved)."""
    import sqlite3

    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("inspection_object", "audit_entry", "draw")
        }
    finally:
        con.close()
    return {"integrity": check, **counts}


@pytest.fixture
def county(db, db_path):
    """A county database file (office + admin/admin123) that child processes open by path."""
    db.dispose()
    return db_path


def no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr.replace("错误：", ""), proc.stderr[-3000:]
