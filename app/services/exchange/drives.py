"""Removable drives (U 盘) for the USB exchange, and safe file names.

`list_removable_drives()` — Windows: every drive letter whose GetDriveTypeW is DRIVE_REMOVABLE, and USB
disks reporting DRIVE_FIXED (many sticks do) other than the system drive;
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


DRIVE_FIXED = 3
BUS_TYPE_USB = 7  # STORAGE_BUS_TYPE.BusTypeUsb


def is_exchange_drive(letter: str, drive_type: int, bus_type: int | None, system_drive: str = "C:") -> bool:
    """Is this Windows drive a U 盘 / USB disk to offer for the exchange?

    Removable drives always; fixed drives only when they sit on the USB bus (many USB sticks and every USB
    hard disk report DRIVE_FIXED) and are not the system drive.
    """
    if drive_type == DRIVE_REMOVABLE:
        return True
    return drive_type == DRIVE_FIXED and bus_type == BUS_TYPE_USB and f"{letter}:".upper() != system_drive.upper()


def _windows_bus_type(root: str) -> int | None:  # pragma: no cover - Windows only
    """The storage bus of a drive (IOCTL_STORAGE_QUERY_PROPERTY, StorageDeviceProperty), None if unknown."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.windll.kernel32
    kernel32.CreateFileW.restype = wintypes.HANDLE
    handle = kernel32.CreateFileW(f"\\\\.\\{root[:2]}", 0, 3, None, 3, 0, None)  # no access rights needed
    if handle in (None, wintypes.HANDLE(-1).value):
        return None
    try:
        query = (ctypes.c_ulong * 3)(0, 0, 0)  # PropertyId=StorageDeviceProperty, QueryType=PropertyStandardQuery
        out = ctypes.create_string_buffer(1024)
        returned = wintypes.DWORD()
        ok = kernel32.DeviceIoControl(
            handle, 0x2D1400, query, ctypes.sizeof(query), out, 1024, ctypes.byref(returned), None
        )
        if not ok or returned.value < 32:
            return None
        return int.from_bytes(out.raw[28:32], "little")  # STORAGE_DEVICE_DESCRIPTOR.BusType
    finally:
        kernel32.CloseHandle(handle)


def _volume_label(root: str) -> str:  # pragma: no cover - Windows only
    import ctypes

    buf = ctypes.create_unicode_buffer(261)
    ctypes.windll.kernel32.GetVolumeInformationW(ctypes.c_wchar_p(root), buf, 261, None, None, None, None, 0)
    return buf.value


def _windows_drives(
    mask: int | None = None, get_drive_type=None, get_bus_type=None, get_label=None, system_drive: str | None = None
) -> list[dict]:
    """Every exchange drive letter (see is_exchange_drive); the Windows calls can be replaced for tests."""
    import string

    if mask is None:  # pragma: no cover - Windows only
        import ctypes

        mask = ctypes.windll.kernel32.GetLogicalDrives()
    if get_drive_type is None:  # pragma: no cover - Windows only
        from app.paths import windows_drive_type as get_drive_type
    get_bus_type = get_bus_type or _windows_bus_type
    get_label = get_label or _volume_label
    system_drive = system_drive or os.environ.get("SystemDrive", "C:")
    out = []
    for i, letter in enumerate(string.ascii_uppercase):
        if not mask & (1 << i):
            continue
        root = f"{letter}:\\"
        drive_type = get_drive_type(root)
        if drive_type not in (DRIVE_REMOVABLE, DRIVE_FIXED):
            continue
        bus = get_bus_type(root) if drive_type == DRIVE_FIXED else None
        if not is_exchange_drive(letter, drive_type, bus, system_drive):
            continue
        label = f"{get_label(root) or '可移动磁盘'} ({letter}:)"
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
