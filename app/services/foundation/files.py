"""Atomic file writing: write beside the target, then rename — never half a file on a USB stick."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from app.services.foundation.errors import UserError


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path in the target's folder; on success it replaces `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ssj-", suffix=suffix or path.suffix, dir=path.parent)
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
