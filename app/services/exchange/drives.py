"""Removable drives (U 盘) for the USB exchange, and safe file names.

`list_removable_drives()` — Windows: every drive letter whose GetDriveTypeW is DRIVE_REMOVABLE;
Linux: the mount points under /media/* and /run/media/*/* (and /media/*/* for desktop automounts).
The environment variable SSJ_MEDIA_ROOT (os.pathsep-separated folders) replaces the Linux search
roots: every sub-folder of those roots is listed as a drive (used by tests and on odd systems).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

DRIVE_REMOVABLE = 2
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(text: str, max_len: int = 120) -> str:
    """A file name valid on Windows (FAT32/exFAT/NTFS) and Linux; Chinese kept."""
    name = _UNSAFE.sub("_", text or "").strip().strip(".")
    name = re.sub(r"\s+", " ", name)
    if not name or name.upper().split(".")[0] in _RESERVED:
        name = "_" + name
    return name[:max_len]


def _drive_info(path: Path, label: str) -> dict:
    try:
        usage = shutil.disk_usage(path)
        free, total = usage.free, usage.total
    except OSError:
        free = total = 0
    return {
        "path": str(path),
        "label": label,
        "free_bytes": free,
        "total_bytes": total,
        "writable": os.access(path, os.W_OK),
    }


def _windows_drives() -> list[dict]:  # pragma: no cover - Windows only
    import ctypes
    import string

    kernel32 = ctypes.windll.kernel32
    mask = kernel32.GetLogicalDrives()
    out = []
    for i, letter in enumerate(string.ascii_uppercase):
        if not mask & (1 << i):
            continue
        root = f"{letter}:\\"
        if kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)) != DRIVE_REMOVABLE:
            continue
        buf = ctypes.create_unicode_buffer(261)
        kernel32.GetVolumeInformationW(ctypes.c_wchar_p(root), buf, 261, None, None, None, None, 0)
        label = f"{buf.value or '可移动磁盘'} ({letter}:)"
        out.append(_drive_info(Path(root), label))
    return out


def _linux_drives() -> list[dict]:
    override = os.environ.get("SSJ_MEDIA_ROOT")
    found: list[Path] = []
    if override:
        for root in override.split(os.pathsep):
            base = Path(root)
            if base.is_dir():
                found += sorted(p for p in base.iterdir() if p.is_dir())
    else:
        media = Path("/media")
        if media.is_dir():
            for p in sorted(media.iterdir()):
                if not p.is_dir():
                    continue
                if os.path.ismount(p):
                    found.append(p)
                else:  # /media/<user>/<label>
                    found += sorted(c for c in p.iterdir() if c.is_dir() and os.path.ismount(c))
        run_media = Path("/run/media")
        if run_media.is_dir():
            for user in sorted(run_media.iterdir()):
                if user.is_dir():
                    found += sorted(c for c in user.iterdir() if c.is_dir() and os.path.ismount(c))
    return [_drive_info(p, p.name) for p in found]


def list_removable_drives() -> list[dict]:
    """[{path, label, free_bytes, total_bytes, writable}] of the removable drives present now."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            return _windows_drives()
        except Exception:
            return []
    try:
        return _linux_drives()
    except OSError:
        return []
