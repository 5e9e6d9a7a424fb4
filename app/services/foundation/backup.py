"""备份与恢复: SQLite online-backup copies, daily/on-close rotation, and a checked, atomic restore.

A backup is a complete SQLite file made with the online backup API (consistent even while the app is
writing). Restore first checks the candidate file — SQLite header, `PRAGMA integrity_check`, an alembic
revision this program knows (not newer), an office row — and only then copies it *into* the live
database with the backup API, which replaces the content in one write transaction: either the whole
backup is in place or nothing changed. The replaced database is kept as a backup first.

PostgreSQL databases are backed up on the server with pg_dump; these functions refuse them clearly.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.core import Office, Setting
from app.models.db import Database, head_revision, known_revisions
from app.paths import backups_dir, same_computer, sqlite_path, sqlite_uri
from app.services.foundation import audit
from app.services.foundation.errors import UserError
from app.services.foundation.files import replace_retrying, write_error

SETTING_KEEP = "backup.keep"
DEFAULT_KEEP = 10
MIN_KEEP, MAX_KEEP = 1, 365
SUFFIX = ".sqlite3"
MANUAL = "备份"
AUTO = "自动备份"
BEFORE_RESTORE = "恢复前备份"
KINDS = (MANUAL, AUTO, BEFORE_RESTORE, "升级前备份")
_STAMP = re.compile(r"(\d{8}-\d{6})")
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')

PG_MESSAGE = (
    "当前数据库是 PostgreSQL 服务器数据库，本程序不能直接备份或恢复它。"
    "请由服务器管理员使用 PostgreSQL 自带的 pg_dump 备份、pg_restore（或 psql）恢复。"
)

log = logging.getLogger(__name__)


@dataclass
class BackupInfo:
    """One backup file: where it is, when it was made, and whose data it holds."""

    path: Path
    kind: str
    created: datetime
    size: int
    office: str = ""

    @property
    def size_text(self) -> str:
        size = float(self.size)
        for unit in ("B", "KB", "MB", "GB"):
            if size < 1024 or unit == "GB":
                return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            size /= 1024
        return f"{self.size} B"  # pragma: no cover


@dataclass
class BackupCheck:
    """What a restore candidate contains, once it passed every check."""

    path: Path
    office: str
    level: str
    revision: str
    audit_count: int
    users: int
    objects: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    restored_from: Path
    office: str
    kept_backup: Path | None
    migrated: bool


# ---------------------------------------------------------------------------------------------- helpers


def _sqlite_file(db: Database) -> Path:
    path = sqlite_path(db.url)
    if path is None:
        raise UserError(PG_MESSAGE)
    return path


def _safe(name: str) -> str:
    name = _UNSAFE.sub("_", name.strip()).strip("._")
    return name[:60] or "数据库"


def backup_name(office: str, kind: str = MANUAL, when: datetime | None = None) -> str:
    """`备份-泽州县执法大队-20261122-141503.sqlite3`: kind, office and local date/time."""
    when = when or datetime.now()
    return f"{kind}-{_safe(office)}-{when.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def _parse_name(path: Path) -> tuple[str, datetime | None]:
    kind = next((k for k in sorted(KINDS, key=len, reverse=True) if path.name.startswith(k + "-")), "")
    m = _STAMP.search(path.name)
    when = None
    if m:
        try:
            when = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
        except ValueError:
            when = None
    return kind, when


def _os_error(exc: OSError | sqlite3.Error, where: Path) -> UserError:
    """Turn a file-system failure into a message a clerk can act on."""
    if getattr(exc, "winerror", None) is not None:  # Windows: tell a held file from write protection
        return write_error(exc, where)
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "full" in text:
        return UserError(f"磁盘空间不足，无法写入 {where}。请清理空间或换一个有足够空间的位置（如另一块 U 盘）后重试。")
    if (
        code in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "readonly" in text
        or "read-only" in text
        or "permission" in text
        or "unable to open" in text
    ):
        return UserError(f"无法写入 {where}：位置只读或没有写权限（U 盘可能处于写保护状态）。请换一个位置后重试。")
    return UserError(f"无法写入 {where}：{getattr(exc, 'strerror', None) or exc}。请检查该位置后重试。")


def _ro_uri(path: Path) -> str:
    """A read-only SQLite URI that survives spaces, '#', '?' and Chinese in Windows or POSIX paths.

    On a read-only medium the WAL index cannot be created: the file is then read as immutable."""
    immutable = not os.access(Path(path).parent, os.W_OK)
    return sqlite_uri(path, readonly=True) + ("&immutable=1" if immutable else "")  # never resolve(): mapped drives


def _office_name(db: Database) -> str:
    with db.Session() as s:
        office = s.scalar(select(Office).order_by(Office.id).limit(1))
        return office.name if office else "未初始化"


def _copy(src: Path, dest: Path) -> None:
    """Online-backup src into a new file dest (written beside it, then renamed)."""
    from app.services.foundation.files import sweep, temp_path

    sweep(dest.parent)  # temporary files of an earlier, killed backup
    tmp = temp_path(dest)
    try:
        source = sqlite3.connect(_ro_uri(src), uri=True)
        try:
            target = sqlite3.connect(tmp)
            try:
                source.backup(target)
                # A backup is a single self-contained file: no WAL beside it.
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        replace_retrying(tmp, dest)
    except (OSError, sqlite3.Error) as exc:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal"), tmp.with_name(tmp.name + "-wal")):
            try:
                leftover.unlink()
            except OSError:
                pass
        raise _os_error(exc, dest.parent) from exc


def _record(db: Database, action: str, summary: str, after: dict) -> None:
    if db.read_only:  # a read-only database cannot log its own backup; the backup itself is complete
        log.info("只读数据库的%s：%s", action, summary)
        return
    with db.Session() as s:
        audit.record(s, action, "backup", "", summary=summary, after=after)
        s.commit()


# ---------------------------------------------------------------------------------------------- settings


def get_keep(session: Session) -> int:
    """How many automatic backups are kept (rotation count)."""
    row = session.get(Setting, SETTING_KEEP)
    try:
        return int(row.value) if row is not None else DEFAULT_KEEP
    except (TypeError, ValueError):
        return DEFAULT_KEEP


def set_keep(session: Session, keep: int) -> int:
    try:
        keep = int(keep)
    except (TypeError, ValueError) as exc:
        raise UserError(f"保留份数“{keep}”不是整数，请输入 {MIN_KEEP}–{MAX_KEEP} 之间的数字。") from exc
    if not MIN_KEEP <= keep <= MAX_KEEP:
        raise UserError(f"保留份数应在 {MIN_KEEP}–{MAX_KEEP} 之间，当前为 {keep}。")
    row = session.get(Setting, SETTING_KEEP)
    if row is None:
        session.add(Setting(key=SETTING_KEEP, value=keep))
    else:
        row.value = keep
    session.flush()
    return keep


# ---------------------------------------------------------------------------------------------- backup


def backup_to(
    db: Database, folder: str | os.PathLike, *, kind: str = MANUAL, when: datetime | None = None
) -> BackupInfo:
    """Copy the live database into `folder` (a USB stick, a network share…); audited."""
    src = _sqlite_file(db)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"备份位置 {folder} 是一个文件，不是文件夹。请选择一个文件夹。")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, folder) from exc
    office = _office_name(db)
    dest = folder / backup_name(office, kind, when)
    n = 1
    while dest.exists():
        n += 1
        dest = folder / backup_name(office, kind, when).replace(SUFFIX, f"-{n}{SUFFIX}")
    _copy(src, dest)
    info = BackupInfo(dest, kind, _parse_name(dest)[1] or datetime.now(), dest.stat().st_size, office)
    _record(db, kind, f"{kind}到 {dest}", {"file": str(dest), "size": info.size})
    return info


def list_backups(folder: str | os.PathLike | None = None) -> list[BackupInfo]:
    """Backup files in `folder` (default: the data folder's backups), newest first."""
    folder = Path(folder) if folder else backups_dir()
    if not folder.is_dir():
        return []
    out = []
    for p in folder.glob(f"*{SUFFIX}"):
        if not p.is_file():
            continue
        kind, when = _parse_name(p)
        st = p.stat()
        when = when or datetime.fromtimestamp(st.st_mtime)
        office = ""
        try:
            con = sqlite3.connect(_ro_uri(p), uri=True)
            try:
                row = con.execute("SELECT name FROM office ORDER BY id LIMIT 1").fetchone()
                office = row[0] if row else ""
            finally:
                con.close()
        except sqlite3.Error:
            office = "（无法读取）"
        out.append(BackupInfo(p, kind or "其他", when, st.st_size, office))
    out.sort(key=lambda b: (b.created, b.path.name), reverse=True)
    return out


def rotate(folder: str | os.PathLike | None, keep: int, kind: str = AUTO, office: str | None = None) -> list[Path]:
    """Delete the oldest backups of `kind` (of `office`, if given) beyond `keep`; returns the deleted files.

    Several databases may share the data folder (a demo and the real one): each office keeps its own `keep`.
    """
    items = [b for b in list_backups(folder) if b.kind == kind and (office is None or b.office == office)]
    removed = []
    for b in items[keep:]:
        try:
            b.path.unlink()
            removed.append(b.path)
        except OSError:
            pass
    return removed


def auto_backup(db: Database, reason: str = "关闭程序") -> BackupInfo | None:
    """Automatic backup into the data folder (on close, daily), then rotation. None for PostgreSQL."""
    if sqlite_path(db.url) is None:
        return None
    info = backup_to(db, backups_dir(), kind=AUTO)
    with db.Session() as s:
        keep = get_keep(s)
    rotate(backups_dir(), keep, AUTO, office=info.office)
    return info


def daily_backup_due(db: Database, today: date | None = None) -> bool:
    """True when no automatic backup was made today (SQLite only)."""
    if sqlite_path(db.url) is None:
        return False
    today = today or date.today()
    office = _office_name(db)
    return not any(
        b.kind == AUTO and b.office == office and b.created.date() == today for b in list_backups(backups_dir())
    )


def daily_backup(db: Database, today: date | None = None) -> BackupInfo | None:
    if daily_backup_due(db, today):
        return auto_backup(db, "每日")
    return None


# ---------------------------------------------------------------------------------------------- restore


def office_of(db_file: Path) -> str:
    """The office name stored in a SQLite database file ("" if unreadable or not initialised)."""
    try:
        con = sqlite3.connect(_ro_uri(db_file), uri=True)
        try:
            row = con.execute("SELECT name FROM office ORDER BY id LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return ""
    return row[0] if row else ""


def window_holding(db_file: Path) -> int | None:
    """PID of a live program window on this computer that has `db_file` open (its Qt lock file), else None."""
    lock = Path(str(db_file) + ".lock")
    try:
        lines = lock.read_text(encoding="utf-8", errors="replace").splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    host = lines[2] if len(lines) > 2 else ""
    if not same_computer(host):  # Qt writes %COMPUTERNAME% on Windows
        return pid  # another computer: cannot check, assume it is open
    if pid == os.getpid():
        return None
    return pid if _process_alive(pid) else None


def _process_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows: ask the kernel instead
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def check_backup(path: str | os.PathLike) -> BackupCheck:
    """Check a restore candidate without changing anything; UserError (Chinese) if it is unusable."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到备份文件 {path}。请确认文件位置。")
    try:
        with open(path, "rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise UserError(f"无法读取备份文件 {path}：{exc.strerror or exc}。") from exc
    if header != b"SQLite format 3\x00":
        raise UserError(f"文件 {path.name} 不是双随机抽查工作台的备份（不是 SQLite 数据库文件），未做任何更改。")
    try:
        con = sqlite3.connect(_ro_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"无法打开备份文件 {path.name}：{exc}。未做任何更改。") from exc
    try:
        try:
            problems = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise UserError(
                f"备份文件 {path.name} 已损坏（{exc}），不能用于恢复，未做任何更改。请换一个备份文件。"
            ) from exc
        if problems != ["ok"]:
            raise UserError(
                f"备份文件 {path.name} 已损坏（完整性检查：{'；'.join(problems[:3])}），不能用于恢复，"
                "未做任何更改。请换一个备份文件。"
            )
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "office" not in tables or "audit_entry" not in tables:
            raise UserError(f"文件 {path.name} 不是双随机抽查工作台的数据库（缺少本程序的数据表），未做任何更改。")
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else ""
        if not revision:
            raise UserError(f"备份文件 {path.name} 没有数据库版本信息，不能用于恢复，未做任何更改。")
        if revision not in known_revisions():
            raise UserError(
                f"备份文件 {path.name} 由更新版本的双随机抽查工作台生成（数据库版本 {revision}），"
                "本程序无法使用。请先安装新版本，未做任何更改。"
            )
        office = con.execute("SELECT name, level FROM office ORDER BY id LIMIT 1").fetchone()
        if office is None:
            raise UserError(f"备份文件 {path.name} 中没有本单位信息（数据库尚未初始化），不能用于恢复，未做任何更改。")
        audit_count = con.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
        users = con.execute("SELECT count(*) FROM user_account").fetchone()[0] if "user_account" in tables else 0
        objects = (
            con.execute("SELECT count(*) FROM inspection_object").fetchone()[0] if "inspection_object" in tables else 0
        )
    except sqlite3.DatabaseError as exc:
        raise UserError(f"备份文件 {path.name} 无法读取（{exc}），可能已损坏，未做任何更改。") from exc
    finally:
        con.close()
    warnings = []
    if revision != head_revision():
        warnings.append("备份来自较早的版本，恢复后将自动升级数据库结构。")
    return BackupCheck(path, office[0], office[1], revision, audit_count, users, objects, warnings)


def restore(db: Database, backup_file: str | os.PathLike) -> RestoreResult:
    """Replace the live database with a checked backup; the replaced data is kept as a backup first.

    The copy goes into the live database through the SQLite backup API — one write transaction, so a
    failure leaves the old data in place. Afterwards the database is migrated if the backup is older,
    and the restore is recorded in the (restored) audit log.
    """
    target = _sqlite_file(db)
    check = check_backup(backup_file)
    source_path = Path(backup_file).resolve()
    if source_path == target.resolve():
        raise UserError("不能用正在使用的数据库文件恢复它自己。请选择一个备份文件。")
    if target.exists() and not os.access(target, os.W_OK):
        raise UserError(f"数据库文件 {target} 是只读的，无法恢复。请检查文件权限，未做任何更改。")
    kept = None
    if target.exists():
        kept = backup_to(db, backups_dir(), kind=BEFORE_RESTORE)
    db.engine.dispose()
    try:
        source = sqlite3.connect(_ro_uri(source_path), uri=True)
        try:
            dest = sqlite3.connect(target, timeout=10)
            try:
                source.backup(dest)  # pages=-1: one step, one transaction
            finally:
                dest.close()
        finally:
            source.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise UserError(
                "数据库正被其他程序使用，无法恢复。请关闭其他打开此数据库的窗口后重试，未做任何更改。"
            ) from exc
        raise _os_error(exc, target) from exc
    except sqlite3.Error as exc:
        raise _os_error(exc, target) from exc
    # Bring an older backup up to this version's schema, then record the restore in its chain.
    from app.models.db import upgrade

    migrated = bool(check.warnings)
    upgrade(db.engine, db.url)
    _record(
        db,
        "恢复",
        f"从 {source_path.name} 恢复（{check.office}）",
        {
            "file": str(source_path),
            "office": check.office,
            "revision": check.revision,
            "kept_backup": str(kept.path) if kept else "",
        },
    )
    return RestoreResult(source_path, check.office, kept.path if kept else None, migrated)


def restore_file(url: str, backup_file: str | os.PathLike) -> RestoreResult:
    """Restore into the database at `url`, opening it only after the file passed its checks."""
    from app.services.foundation.store import open_database

    if sqlite_path(url) is None:
        raise UserError(PG_MESSAGE)
    check_backup(backup_file)
    target = sqlite_path(url)
    if target.exists():
        db = open_database(url)
        try:
            return restore(db, backup_file)
        finally:
            db.dispose()
    # No database yet: the backup simply becomes it.
    target.parent.mkdir(parents=True, exist_ok=True)
    from app.services.foundation.files import temp_path

    tmp = temp_path(target)
    try:
        shutil.copyfile(backup_file, tmp)
        replace_retrying(tmp, target)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise _os_error(exc, target.parent) from exc
    db = open_database(url)
    try:
        _record(db, "恢复", f"从 {Path(backup_file).name} 恢复（新数据库）", {"file": str(Path(backup_file).resolve())})
        return RestoreResult(Path(backup_file).resolve(), check_backup(target).office, None, False)
    finally:
        db.dispose()


# ---------------------------------------------------------------------------------------------- 首页

STALE_DAYS = 30


def dashboard_items(session: Session, today: date) -> list[dict]:
    """首页 card: when the data were last backed up by hand (to a USB stick or another folder)."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    from app.models.core import AuditEntry

    last = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity == "backup", AuditEntry.action == MANUAL)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    if last is None:
        return [
            dict(
                title="手动备份",
                value="从未",
                level="warn",
                page="backup",
                detail="建议每周把数据备份到 U 盘：系统 → 备份与恢复 → 备份到文件夹 / U 盘。",
            )
        ]
    when = datetime.strptime(last.ts[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).astimezone()
    days = (today - when.date()).days
    value = "今天" if days <= 0 else f"{days} 天前"
    detail = f"最近一次：{when:%Y-%m-%d %H:%M}，{last.user}"
    if days > STALE_DAYS:
        detail += f"。已超过 {STALE_DAYS} 天，请尽快备份到 U 盘。"
    return [
        dict(title="手动备份", value=value, level="warn" if days > STALE_DAYS else "info", page="backup", detail=detail)
    ]
