"""One program per SQLite database: a QLockFile beside it (`ssj.sqlite3.lock`), shared by the window and the
command line, so a CLI write can never run while a window (on this or another PC) has the file open.

Qt writes the process id, the application name and the computer's name into the lock file; on Windows that
name is `%COMPUTERNAME%` (upper case, ≤ 15 characters), which `app.paths.same_computer` understands, so a
lock left by a crashed program on THIS computer is not reported as "another computer" (Qt removes it itself:
its owner is no longer running). PostgreSQL databases are multi-user by design and need no guard.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile

from app.paths import identity_lock, same_computer, sqlite_path


class InstanceGuard:
    """Only one program per database file (window or CLI writer)."""

    def __init__(self, url: str):
        self.url = url
        path = sqlite_path(url)
        self.lock_path = Path(str(path) + ".lock") if path else None
        self.lock: QLockFile | None = None

    def acquire(self, timeout_ms: int = 200) -> str | None:
        """None when this process now owns the database; otherwise a Chinese message saying who does."""
        if self.lock_path is None or self.lock is not None:
            return None
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = QLockFile(str(self.lock_path))
        lock.setStaleLockTime(0)  # never steal a live lock; a dead process's lock is removed by Qt
        if lock.tryLock(timeout_ms):
            self.lock = lock
            # the same file under another name (hard link, symlink, letter case) finds this lock too
            ident = identity_lock(sqlite_path(self.url))
            if ident is not None:
                other = QLockFile(str(ident))
                other.setStaleLockTime(0)
                if not other.tryLock(timeout_ms):
                    self.release()
                    info = other.getLockInfo()
                    pid, host = (info[-3], info[-2]) if isinstance(info, tuple) and len(info) >= 3 else (0, "")
                    return holder_message(sqlite_path(self.url), pid, host) + "（以另一个路径名打开，如快捷方式、链接）"
                self.identity = other
            return None
        if lock.error() == QLockFile.LockError.LockFailedError:
            info = lock.getLockInfo()  # PySide6: (ok?, pid, hostname, appname); empty values if unreadable
            pid, host = (info[-3], info[-2]) if isinstance(info, tuple) and len(info) >= 3 else (0, "")
            return holder_message(sqlite_path(self.url), pid, host)
        return (
            f"无法在 {self.lock_path.parent} 中创建锁文件（目录可能是只读的）。请把数据库放到有写权限的位置后再打开。"
        )

    def release(self) -> None:
        if getattr(self, "identity", None) is not None:
            self.identity.unlock()
            self.identity = None
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None


def holder_message(db_file, pid: int, host: str, *, hostname: str | None = None, computername: str | None = None):
    """Why the database cannot be opened: who holds it (this computer or another one)."""
    where = ""
    if pid:
        where = f"（进程号 {pid}）"
        if host and not same_computer(host, hostname=hostname, computername=computername):
            where = f"（在另一台计算机 {host} 上）"
    return (
        f"数据库 {db_file} 已经在另一个双随机抽查工作台窗口中打开{where}。\n\n"
        "同一个数据库同时只能由一个窗口打开，以免数据冲突。请切换到已打开的窗口；"
        "如果确认没有其他窗口在运行，请重新启动电脑后再试。"
    )
