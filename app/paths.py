"""Every folder the app uses, resolved in one place (platformdirs), with --db / SSJ_DB overrides.

Also the small platform facts that differ on Windows, each a pure function tested on Linux with
Windows-like inputs (`PureWindowsPath`, a stubbed `GetDriveTypeW`):

- `absolute_db_path` never calls `Path.resolve()`: on Windows that turns a mapped drive `Z:\\…` into
  `\\\\server\\share\\…`, and `as_uri()` of that gives `file://server/share/…`, which SQLite refuses.
- `sqlite_uri` builds a `file:` URI SQLite accepts for drive letters, UNC paths and POSIX paths.
- `is_network_path` tells a network share (no WAL there) from a local disk.
- `same_computer` compares a lock file's host name with this computer the way Windows spells it
  (`%COMPUTERNAME%`: upper case, NetBIOS name ≤ 15 characters) and the way Linux does.
- `documents_dir` / `default_save_path`: where save dialogs open (never the install folder).
"""

from __future__ import annotations

import ntpath
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

import platformdirs

from app import APP_ID

_APP_AUTHOR = False  # no vendor folder level on Windows


def data_dir() -> Path:
    """Per-user data folder (override with SSJ_DATA_DIR, used by tests)."""
    override = os.environ.get("SSJ_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_ID, _APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "ssj.sqlite3"


def resolve_db(db: str | None) -> str:
    """Return a SQLAlchemy URL from --db, SSJ_DB or the default file.

    A value containing '://' is taken as a SQLAlchemy URL (e.g. postgresql+psycopg://…); anything
    else is a path to a SQLite file.
    """
    value = db or os.environ.get("SSJ_DB") or str(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + absolute_db_path(value)


def absolute_db_path(value: str | os.PathLike, *, windows: bool | None = None, cwd: str | None = None) -> str:
    """An absolute path for a database file WITHOUT resolving links or mapped drives.

    `Z:\\台账\\ssj.sqlite3` stays on `Z:` (resolve() would give the UNC target, which breaks SQLite URIs
    and confuses the clerk); `..` is collapsed; `~` is expanded.
    """
    windows = (os.name == "nt") if windows is None else windows
    text = os.path.expanduser(os.fspath(value))
    if windows:
        text = strip_long_prefix(text)
        if not ntpath.isabs(text):
            text = ntpath.join(cwd or os.getcwd(), text)
        return ntpath.normpath(text)
    if not text.startswith("/"):
        text = os.path.join(cwd or os.getcwd(), text)
    return os.path.normpath(text)


def strip_long_prefix(text: str) -> str:
    """Windows long-path forms: `\\\\?\\C:\\…` → `C:\\…`, `\\\\?\\UNC\\server\\share\\…` → `\\\\server\\share\\…`."""
    if text.startswith(("\\\\?\\UNC\\", "//?/UNC/")):
        return "\\\\" + text[8:]
    if text.startswith(("\\\\?\\", "//?/")):
        return text[4:]
    return text


def sqlite_uri(path: str | os.PathLike, *, readonly: bool = False, windows: bool | None = None) -> str:
    """A `file:` URI for sqlite3.connect(..., uri=True) that works for every path a clerk can choose.

    - `C:\\数据\\a#1.sqlite3` → `file:///C:/%E6%95%B0%E6%8D%AE/a%231.sqlite3`
    - `\\\\server\\share\\ssj.sqlite3` → `file:////server/share/ssj.sqlite3` (an empty authority: SQLite
      refuses `file://server/…` with "invalid uri authority")
    - `/home/科员/ssj.sqlite3` → `file:///home/%E7%A7%91%E5%91%98/ssj.sqlite3`
    """
    windows = (os.name == "nt") if windows is None else windows
    text = absolute_db_path(path, windows=windows)
    posix = PureWindowsPath(text).as_posix() if windows else PurePosixPath(text).as_posix()
    if windows and posix.startswith("//"):
        uri = "file://" + quote(posix, safe="/:")  # file:////server/share/…
    elif windows:
        uri = "file:///" + quote(posix, safe="/:")  # file:///C:/…
    else:
        uri = "file://" + quote(posix, safe="/")
    return uri + ("?mode=ro" if readonly else "")


DRIVE_UNKNOWN, DRIVE_NO_ROOT_DIR, DRIVE_REMOVABLE, DRIVE_FIXED, DRIVE_REMOTE, DRIVE_CDROM, DRIVE_RAMDISK = range(7)
# File systems that are (or may be) on another computer: SQLite's WAL needs shared memory on one host.
NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "fuse.sshfs",
    "davfs",
    "fuse.gvfsd-fuse",
}


def windows_drive_type(root: str) -> int:  # pragma: no cover - Windows only
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


def _linux_fs_type(path: str, mounts_text: str | None = None) -> str:
    """The file-system type of the mount that holds `path` (longest mount point prefix in /proc/mounts)."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    best, fstype = "", ""
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype


def is_network_path(
    path: str | os.PathLike,
    *,
    windows: bool | None = None,
    get_drive_type: Callable[[str], int] | None = None,
    mounts_text: str | None = None,
) -> bool:
    """True when `path` lives on a network share (UNC path, mapped drive, NFS/SMB mount)."""
    windows = (os.name == "nt") if windows is None else windows
    text = absolute_db_path(path, windows=windows)
    if windows:
        p = PureWindowsPath(text)
        if p.drive.startswith("\\\\"):
            return True  # \\server\share or \\?\UNC\…
        if not p.drive:
            return False
        drive_type = (get_drive_type or windows_drive_type)(p.drive + "\\")
        return drive_type == DRIVE_REMOTE
    return _linux_fs_type(text, mounts_text) in NETWORK_FS


def is_local_disk(path: str | os.PathLike, **kwargs) -> bool:
    return not is_network_path(path, **kwargs)


def computer_names(hostname: str | None = None, computername: str | None = None) -> set[str]:
    """Every spelling this computer may have in a lock file (full and first-label names), case-folded.

    Qt writes `%COMPUTERNAME%` on Windows (the NetBIOS name: upper case, at most 15 characters) and the
    host name on Linux; Python's `socket.gethostname()` gives the DNS host name (mixed case, may be longer
    or fully qualified).
    """
    names = set()
    for raw in (
        hostname if hostname is not None else socket.gethostname(),
        computername if computername is not None else os.environ.get("COMPUTERNAME", ""),
    ):
        raw = (raw or "").strip()
        if raw:
            names |= {raw.casefold(), raw.split(".")[0].casefold()}
    return names


def same_computer(lock_host: str, *, hostname: str | None = None, computername: str | None = None) -> bool:
    """Does a lock file's host name mean THIS computer? (An empty name is treated as this computer.)

    Equal ignoring case and domain suffix, or one side is a 15-character NetBIOS name that the other
    side's host name starts with.
    """
    host = (lock_host or "").strip().casefold()
    if not host:
        return True
    theirs = {host, host.split(".")[0]}
    mine = computer_names(hostname, computername)
    if theirs & mine:
        return True
    netbios = 15
    return any(
        (len(a) == netbios and b[:netbios] == a) or (len(b) == netbios and a[:netbios] == b)
        for a in theirs
        for b in mine
    )


def documents_dir() -> Path:
    """The user's 文档 / Documents folder (where save dialogs open); the home folder if there is none."""
    try:
        path = Path(platformdirs.user_documents_dir())
    except Exception:  # pragma: no cover - platformdirs always answers on the platforms we ship
        path = Path.home()
    return path if path.is_dir() else Path.home()


def default_save_path(name: str, folder: str | os.PathLike | None = None) -> str:
    """A save dialog's starting path: a bare file name goes into the Documents folder, never the cwd.

    (On Windows the working directory of a program started from the Start menu is its install folder.)
    """
    if not name:
        return str(folder or documents_dir())
    if os.path.dirname(name) or PureWindowsPath(name).drive:
        return name
    return str(Path(folder or documents_dir()) / name)


def attachment_key(relative: str | os.PathLike) -> str:
    """How an attachment's path inside the attachments folder is stored: always with forward slashes,
    so a database moved between Windows and 信创 Linux still finds its files."""
    return str(relative).replace("\\", "/")


def attachment_file(stored: str, base: Path | None = None) -> Path:
    """The attachment file for a stored key (old keys may still hold backslashes)."""
    parts = [p for p in str(stored).replace("\\", "/").split("/") if p]
    return (base or attachments_dir()).joinpath(*parts)


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    return None


def _sub(name: str, base: Path | None = None) -> Path:
    path = (base or data_dir()) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_dir() -> Path:
    return _sub("backups")


def logs_dir() -> Path:
    return _sub("logs")


def exports_dir() -> Path:
    return _sub("exports")


def attachments_dir() -> Path:
    return _sub("attachments")


def keys_dir() -> Path:
    return _sub("keys")


LIBRARY_PATH_VARS = ("LD_LIBRARY_PATH", "LD_PRELOAD")


def unfrozen_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment for programs the frozen app starts (xdg-open → WPS, the PDF viewer, the file manager).

    The pyinstaller bootloader puts the bundle's `_internal` first in LD_LIBRARY_PATH and keeps the user's
    value in LD_LIBRARY_PATH_ORIG; a child inheriting it loads OUR Qt/OpenSSL/libstdc++ and crashes or
    misbehaves. This returns a copy with the original values back (the running process has already read
    its own library path at start-up, so changing os.environ does not affect it).
    """
    env = dict(environ)
    for name in LIBRARY_PATH_VARS:
        original = env.pop(name + "_ORIG", None)
        if original is not None:
            env[name] = original
        else:
            env.pop(name, None)
    return env


def restore_child_environment() -> None:
    """In a frozen Linux build, give started programs the user's own library path (see above)."""
    if is_frozen() and sys.platform.startswith("linux"):
        fixed = unfrozen_environment(dict(os.environ))
        for name in LIBRARY_PATH_VARS:
            if name in fixed:
                os.environ[name] = fixed[name]
            else:
                os.environ.pop(name, None)


APP_MUTEX = "ssj-shuangsuiji-running"  # installer/ssj.iss AppMutex: setup waits while the program runs
_mutex_handle = None


def hold_app_mutex(create=None) -> bool:
    """Windows: hold a named mutex for the life of the process so the installer's AppMutex sees a running
    program (an upgrade never replaces files in use). Elsewhere nothing to do (returns False)."""
    global _mutex_handle
    if create is None:
        if os.name != "nt":
            return False
        import ctypes  # pragma: no cover - Windows only

        create = ctypes.windll.kernel32.CreateMutexW  # pragma: no cover
    if _mutex_handle is None:
        _mutex_handle = create(None, False, APP_MUTEX)
    return bool(_mutex_handle)


def identity_lock(db_file: Path) -> Path | None:
    """A lock file named after the database file's identity (device and inode, or the volume serial and
    file index on Windows), so every name of the same file — hard links, symlinks, other letter case —
    finds the same lock. None if the file does not exist yet. (Here, not in foundation.backup, so the window's
    instance lock is taken without importing the store.)"""
    import tempfile

    try:
        st = os.stat(db_file)
    except OSError:
        return None
    folder = Path(tempfile.gettempdir()) / "ssj-locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{st.st_dev:x}-{st.st_ino:x}.lock"
