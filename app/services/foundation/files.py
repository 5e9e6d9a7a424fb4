"""Atomic file writing: write beside the target, then rename — never half a file on a USB stick.

Every temporary file the program writes is named `.ssj-<pid>-<random>.part` and lives in the target's own
folder (so the final rename never crosses a file system). It is removed on any failure; a process killed
with SIGKILL cannot remove it, so `sweep(folder)` removes the temporary files of processes that no longer
run — before each write into a folder and, at every start, in the data folder, its backups and the
database's folder (see `sweep_at_start`). docs/exchange.md promises no stray files; docs/reliability.md
lists the tests (tests/faults/test_kill.py).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from app.services.foundation.errors import UserError

PREFIX = ".ssj-"
_OURS = re.compile(r"^\.ssj-(?:(\d+)-)?[0-9A-Za-z_]{8,32}(?:\.part)?(?:\.[A-Za-z0-9]{1,8})?(?:-journal|-wal|-shm)?$")
LEGACY_AGE = 3600  # temp files without a process id (older versions) are swept once an hour old


def temp_path(target: str | os.PathLike, suffix: str = "") -> Path:
    """A fresh temporary path in `target`'s folder, named after this process (`.ssj-<pid>-<hex>.part<suffix>`)."""
    target = Path(target)
    return target.parent / f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:16]}.part{suffix}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
            return True
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files left in `folder` by processes that were killed; returns what went."""
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _OURS.match(entry.name)
        if not m:
            continue
        pid = m.group(1)
        try:
            stale = (not _alive(int(pid))) if pid else now - entry.stat().st_mtime > LEGACY_AGE
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def sweep_at_start(*folders: str | os.PathLike | None) -> list[Path]:
    """The start-up sweep: the data folder, its backups and exports, and the given folders."""
    from app.paths import data_dir

    base = data_dir()
    removed: list[Path] = []
    for folder in (base, base / "backups", base / "exports", *folders):
        if folder is not None:
            removed += sweep(folder)
    return removed


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path in the target's folder; on success it replaces `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep(path.parent)
        tmp = temp_path(path, suffix or path.suffix)
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.close(fd)
    except PermissionError as exc:
        raise UserError(f"无法写入目录 {path.parent}：没有写权限（U 盘可能处于写保护状态）。请换一个位置。") from exc
    except OSError as exc:
        raise UserError(f"无法写入目录 {path.parent}：{exc.strerror or exc}。") from exc
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except PermissionError as exc:
        raise UserError(
            f"无法写入 {path}：文件可能正在被其他程序打开，或目录只读。请关闭文件或换一个位置后重试。"
        ) from exc
    except OSError as exc:
        if isinstance(exc, UserError):
            raise
        raise UserError(f"无法写入 {path}：{exc.strerror or exc}。请检查磁盘空间或换一个位置。") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
