"""The instance lock shared by the window and the CLI: a CLI write is refused while a program (a real second
process) has the database open; reads still work; a lock left by a crash on THIS computer, written with the
Windows spelling of its name (%COMPUTERNAME%: upper case, ≤ 15 characters), neither claims "another computer"
nor blocks restore forever. WAL only on local disks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import run as cli
from app.instance_lock import InstanceGuard, holder_message

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from app.instance_lock import InstanceGuard
guard = InstanceGuard("sqlite:///" + sys.argv[1])
assert guard.acquire() is None
print("locked", flush=True)
time.sleep(120)
"""


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def window(db_path, db):
    """Another process holding the database's lock, as an open program window does."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    yield proc
    proc.kill()
    proc.wait()


def test_cli_write_is_refused_while_a_window_has_the_database(window, db_path, capsys, monkeypatch):
    monkeypatch.setenv("SSJ_PASSWORD", "admin123")
    rc = cli(
        ["--db", str(db_path), "--user", "admin", "user", "add", "lisi", "--role", "录入员", "--password", "x1234567"]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "已经在另一个双随机抽查工作台窗口中打开" in err and "命令行不能同时修改" in err
    assert rc == 1 and f"进程号 {window.pid}" in err
    assert cli(["--db", str(db_path), "audit", "verify"]) == 0  # reading is fine
    window.kill()
    window.wait()
    time.sleep(0.1)
    argv = ["--db", str(db_path), "--user", "admin", "user", "add", "lisi", "--role", "录入员"]
    argv += ["--password", "x1234567"]
    assert cli(argv) == 0
    assert not Path(str(db_path) + ".lock").exists()  # released when the command ends


def _write_lock(db_path: Path, pid: int, host: str) -> None:
    Path(str(db_path) + ".lock").write_text(f"{pid}\nssj\n{host}\n", encoding="utf-8")


def _windows_spelling(name: str) -> str:
    spelled = name.split(".")[0].upper()[:15]
    return spelled if spelled != name else name.swapcase()


def test_a_crash_lock_with_the_windows_spelling_of_this_computer_does_not_block_restore(db_path, db):
    from app.services.foundation.backup import window_holding

    _write_lock(db_path, _dead_pid(), _windows_spelling(socket.gethostname()))
    assert window_holding(db_path) is None  # the old comparison answered "another computer: assume open"
    _write_lock(db_path, os.getppid(), _windows_spelling(socket.gethostname()))
    assert window_holding(db_path) == os.getppid()  # a live program on this computer still counts
    _write_lock(db_path, _dead_pid(), "CAIWU-PC")
    assert window_holding(db_path) is not None  # another computer: cannot check, assume it is open


def test_holder_message_says_another_computer_only_when_it_is():
    same = holder_message("Z:\\ssj.sqlite3", 4242, "DESKTOP-7Q2K9AB", hostname="Desktop-7q2k9abcdefgh", computername="")
    other = holder_message("Z:\\ssj.sqlite3", 4242, "CAIWU-PC", hostname="ZFDD-PC", computername="ZFDD-PC")
    assert "另一台计算机" not in same and "进程号 4242" in same
    assert "在另一台计算机 CAIWU-PC 上" in other


def test_gui_and_cli_share_one_lock(db_path, db):
    guard = InstanceGuard(f"sqlite:///{db_path}")
    assert guard.acquire() is None
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "--db",
                str(db_path),
                "user",
                "add",
                "w",
                "--role",
                "录入员",
                "--password",
                "x1234567",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 1 and "命令行不能同时修改" in out.stderr
    finally:
        guard.release()


def _journal_mode(database) -> str:
    with database.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA journal_mode").scalar()


def test_wal_only_on_local_disks(tmp_path, monkeypatch):
    from app.models import db as db_module
    from app.services.foundation.store import open_database

    local = open_database(f"sqlite:///{tmp_path / 'local.sqlite3'}")
    assert _journal_mode(local) == "wal"
    local.dispose()
    monkeypatch.setattr(db_module, "is_local_disk", lambda path: False)  # as on Z:\ or \\server\share
    shared = open_database(f"sqlite:///{tmp_path / 'share.sqlite3'}")
    assert _journal_mode(shared) == "delete"
    shared.dispose()
    assert not (tmp_path / "share.sqlite3-wal").exists()
