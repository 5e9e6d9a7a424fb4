"""Atomic file writing: write beside the target, then rename — never half a file on a USB stick.

On Windows a target held open by Excel/WPS, the search indexer or an antivirus scan makes the rename fail
for a moment (WinError 32 sharing violation, 33 lock violation, or 5 access denied): `replace_retrying`
waits and tries again, and `write_error` tells a held file, a write-protected stick (WinError 19 / EROFS),
a full disk and a missing permission apart, instead of calling everything "写保护".

Every temporary file the program writes is named `.ssj-<pid>-<random>.part…` and lives in the target's own
folder (so the final rename never crosses a file system). It is removed on any failure; a process killed
with SIGKILL cannot remove it, so `sweep(folder)` removes the temporary files of processes that no longer
run — before each write into a folder and, at every start, in the data folder, its backups and the
database's folder (see `sweep_at_start`). docs/exchange.md promises no stray files; docs/reliability.md
lists the tests (tests/faults/test_kill.py).
"""

from __future__ import annotations

import errno
import os
import re
import time
import uuid
from collections.abc import Callable
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


ERROR_ACCESS_DENIED = 5
ERROR_WRITE_PROTECT = 19
ERROR_SHARING_VIOLATION = 32
ERROR_LOCK_VIOLATION = 33
ERROR_DISK_FULL = 112
HELD_WINERRORS = {ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION}
RETRY_DELAYS = (0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5)  # about 4.4 s in all: an antivirus scan takes ~1 s


def is_held(exc: BaseException) -> bool:
    """A Windows error that usually means another program has the file open (worth retrying)."""
    return isinstance(exc, OSError) and getattr(exc, "winerror", None) in HELD_WINERRORS


def replace_retrying(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    *,
    delays=RETRY_DELAYS,
    sleep: Callable[[float], None] | None = None,
    replace: Callable[[str | os.PathLike, str | os.PathLike], None] | None = None,
) -> None:
    """os.replace, retried while Windows reports the target as held by another program."""
    sleep = sleep or time.sleep
    replace = replace or os.replace
    for delay in (*delays, None):
        try:
            replace(src, dst)
            return
        except OSError as exc:
            if delay is None or not is_held(exc):
                raise
            sleep(delay)


def write_error(exc: OSError, where: str | os.PathLike, *, target: str | os.PathLike | None = None) -> UserError:
    """A Chinese message for a failed write into the folder `where` (of the file `target`, if known)."""
    what = target or where
    win = getattr(exc, "winerror", None)
    if exc.errno == errno.ENOSPC or win == ERROR_DISK_FULL:
        return UserError(f"磁盘空间不足，无法写入 {where}。请清理空间或换一个有足够空间的位置后重试。")
    if exc.errno == errno.EROFS or win == ERROR_WRITE_PROTECT:
        return UserError(f"无法写入 {where}：U 盘或磁盘处于写保护（只读）状态。请拨开写保护开关或换一个位置后重试。")
    if win in (ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION):
        return UserError(
            f"无法写入 {what}：文件正被其他程序占用（如 Excel、WPS 中打开着它，或杀毒软件正在扫描）。"
            "请关闭打开它的程序后重试。"
        )
    if win == ERROR_ACCESS_DENIED:
        return UserError(
            f"无法写入 {what}：文件正被其他程序占用（Excel、WPS、杀毒软件），或没有写权限。"
            "请关闭打开它的程序后重试；仍不行请换一个位置（如“文档”文件夹）。"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return UserError(f"无法写入 {where}：没有写权限。请换一个有写权限的位置（如“文档”文件夹）后重试。")
    return UserError(f"无法写入 {what}：{exc.strerror or exc}。请检查该位置后重试。")


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path in the target's folder; on success it replaces `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep(path.parent)  # temporary files of an earlier, killed write
        tmp = temp_path(path, suffix or path.suffix)
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except OSError as exc:
        raise write_error(exc, path.parent) from exc
    try:
        yield Path(tmp)
        replace_retrying(tmp, path)
    except OSError as exc:
        if isinstance(exc, UserError):
            raise
        raise write_error(exc, path.parent, target=path) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
