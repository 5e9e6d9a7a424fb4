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
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.core import Office, Setting
from app.models.db import Database, head_revision, known_revisions
from app.paths import backups_dir, identity_lock, same_computer, sqlite_path, sqlite_uri
from app.services.foundation import audit, permissions
from app.services.foundation.errors import UserError
from app.services.foundation.files import replace_retrying, temp_path, write_error

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
    permissions.require(session, "settings")
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
    """PID of a live program window on this computer that has `db_file` open (its Qt lock files), else None.

    Checks the lock beside the path given and the lock named after the file's identity (`identity_lock`)."""
    for lock in (Path(str(db_file) + ".lock"), Path(str(Path(db_file).resolve()) + ".lock"), identity_lock(db_file)):
        if lock is not None:
            pid = _lock_holder(lock)
            if pid:
                return pid
    return None


def _lock_holder(lock: Path) -> int | None:
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


# ---------------------------------------------------------------------------------------------- trust checks

_KINDS = {"table": "数据表", "index": "索引", "trigger": "触发器", "view": "视图"}
_fresh: dict[str, dict] = {}
# Checks of a restore candidate run by areas above foundation (the draw chain): (name, fn(session) -> problem).
_CHECKS: list[tuple[str, Callable[[Session], str]]] = []


def register_check(name: str, check: Callable[[Session], str]) -> None:
    """An area's integrity check for restore candidates (`draws` registers the draw-chain check)."""
    if all(n != name for n, _c in _CHECKS):
        _CHECKS.append((name, check))


def _schema_of(con: sqlite3.Connection) -> dict[tuple[str, str], str]:
    out = {}
    for kind, name, sql in con.execute("SELECT type, name, sql FROM sqlite_master"):
        if name.startswith("sqlite_"):
            continue  # SQLite's own (autoindexes, sqlite_sequence, sqlite_stat*)
        out[(kind, name)] = " ".join((sql or "").split())
    return out


def _fresh_schema(revision: str) -> dict[tuple[str, str], str]:
    """sqlite_master of a new database migrated to `revision` (made once per process, in a temp folder)."""
    if revision not in _fresh:
        from alembic import command
        from sqlalchemy import create_engine

        from app.models.db import alembic_config

        with tempfile.TemporaryDirectory(prefix="ssj-schema-") as tmp:
            engine = create_engine(f"sqlite:///{Path(tmp) / 'fresh.sqlite3'}")
            try:
                command.upgrade(alembic_config(engine), revision)
            finally:
                engine.dispose()
            with closing(sqlite3.connect(Path(tmp) / "fresh.sqlite3")) as con:
                _fresh[revision] = _schema_of(con)
    return _fresh[revision]


def _schema_difference(have: dict, want: dict) -> str:
    extra = sorted(set(have) - set(want))
    if extra:
        return "、".join(f"{_KINDS.get(k, k)}“{n}”" for k, n in extra[:5])
    changed = sorted(k for k in have if have[k] != want.get(k))
    if changed:
        return "、".join(f"{_KINDS.get(k, k)}“{n}”的定义被改动" for k, n in changed[:5])
    missing = sorted(set(want) - set(have))
    if missing:
        return "、".join(f"缺少{_KINDS.get(k, k)}“{n}”" for k, n in missing[:5])
    return ""


def _deep_check(path: Path) -> None:
    """Copy the candidate into a temp folder, bring it to this version and verify its chains there."""
    with tempfile.TemporaryDirectory(prefix="ssj-check-") as tmp:
        staged = Path(tmp) / "candidate.sqlite3"
        _copy(path, staged)
        _verify_staged(staged, path.name)


def _verify_staged(staged: Path, label: str) -> None:
    """The audit chain (hash links and the replay against the rows) and every registered chain check."""
    from app.services.foundation.store import open_database

    db = open_database(f"sqlite:///{staged}")
    try:
        with db.Session() as s:
            result = audit.verify(s)
            if not result.ok:
                raise UserError(
                    f"备份文件 {label} 的审计日志校验不通过：{result.message}\n不能用于恢复，未做任何更改。"
                )
            for name, check in _CHECKS:
                problem = check(s)
                if problem:
                    raise UserError(f"备份文件 {label} 的{name}校验不通过：{problem}\n不能用于恢复，未做任何更改。")
    finally:
        db.dispose()


def check_backup(path: str | os.PathLike, *, deep: bool = True) -> BackupCheck:
    """Check a restore candidate without changing anything; UserError (Chinese) if it is unusable.

    Beyond the file itself: its schema must be exactly what this program's migrations create (no trigger,
    view, table or index added, none altered) and — with `deep` — its audit chain, the replay of the log
    against its rows and its draw-record chain must verify."""
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
        schema = _schema_of(con)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"备份文件 {path.name} 无法读取（{exc}），可能已损坏，未做任何更改。") from exc
    finally:
        con.close()
    problem = _schema_difference(schema, _fresh_schema(revision))
    if problem:
        raise UserError(
            f"备份文件 {path.name} 的数据库结构中有本程序从未建立的内容：{problem}。"
            "这样的备份可能被人加入了暗中改写数据的机关，不能用于恢复，未做任何更改。请换一个备份文件，并报告此事。"
        )
    if deep:
        _deep_check(path)
    warnings = []
    if revision != head_revision():
        warnings.append("备份来自较早的版本，恢复后将自动升级数据库结构。")
    return BackupCheck(path, office[0], office[1], revision, audit_count, users, objects, warnings)


def restore(db: Database, backup_file: str | os.PathLike) -> RestoreResult:
    """Replace the live database with a checked backup; the replaced data is kept as a backup first.

    1. the candidate passes `check_backup` (file, schema);
    2. it is copied to a staging file beside the database, migrated to this version, its chains verified
       there, and the 恢复 entry written into ITS audit chain;
    3. the staged file is copied into the live database through the SQLite backup API — one write
       transaction. A kill at any moment leaves the old database, or the new one with its 恢复 entry.
    """
    permissions.require(None, "restore")
    target = _sqlite_file(db)
    check = check_backup(backup_file, deep=False)
    source_path = Path(backup_file).resolve()
    if target.exists() and os.path.samefile(source_path, target):
        raise UserError("不能用正在使用的数据库文件恢复它自己。请选择一个备份文件。")
    if target.exists() and not os.access(target, os.W_OK):
        raise UserError(f"数据库文件 {target} 是只读的，无法恢复。请检查文件权限，未做任何更改。")
    _clean_staging(target)
    staged = temp_path(target)  # .ssj-<pid>-….part: swept at the next start if a kill leaves it
    try:
        _copy(source_path, staged)
        _verify_staged(staged, source_path.name)  # also brings an older backup up to this version
        kept = backup_to(db, backups_dir(), kind=BEFORE_RESTORE) if target.exists() else None
        _write_entry(staged, source_path, check, kept.path if kept else None)
        db.engine.dispose()
        _swap(staged, target)
    finally:
        _remove_staged(staged)
    return RestoreResult(source_path, check.office, kept.path if kept else None, bool(check.warnings))


def _write_entry(staged: Path, source_path: Path, check: BackupCheck, kept: Path | None) -> None:
    """The 恢复 entry, written into the staged file's own chain before it replaces anything."""
    from app.services.foundation.store import open_database

    db = open_database(f"sqlite:///{staged}")
    try:
        _record(
            db,
            "恢复",
            f"从 {source_path.name} 恢复（{check.office}）",
            {
                "file": str(source_path),
                "office": check.office,
                "revision": check.revision,
                "kept_backup": str(kept) if kept else "",
            },
        )
    finally:
        db.dispose()
    with closing(sqlite3.connect(staged)) as con:  # one self-contained file for the swap
        con.execute("PRAGMA journal_mode=DELETE")


def _swap(staged: Path, target: Path) -> None:
    try:
        source = sqlite3.connect(_ro_uri(staged), uri=True)
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


def _remove_staged(staged: Path) -> None:
    for leftover in (staged, *(Path(str(staged) + x) for x in ("-wal", "-shm", "-journal"))):
        try:
            leftover.unlink()
        except OSError:
            pass


def _clean_staging(target: Path) -> None:
    """Staging files of a restore that was killed (never in use by anyone: their names are unique)."""
    for old in target.parent.glob(f"{glob_escape(target.name)}.restore-*.part*"):
        try:
            old.unlink()
        except OSError:
            pass


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _has_accounts(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return bool(con.execute("SELECT count(*) FROM user_account").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return False


def restore_file(url: str, backup_file: str | os.PathLike) -> RestoreResult:
    """Restore into the database at `url`, opening it only after the file passed its checks.

    A 管理员 restores over a database with accounts; into a new file (or one without accounts, as on a new
    computer) anyone may, since nothing is replaced."""
    from app.services.foundation.store import open_database

    if sqlite_path(url) is None:
        raise UserError(PG_MESSAGE)
    target = sqlite_path(url)
    fresh = not _has_accounts(target)
    if not fresh:
        permissions.require(None, "restore")
    check_backup(backup_file, deep=False)
    if target.exists():
        db = open_database(url)
        try:
            if fresh:
                with db.Session() as s, permissions.setup_grant(s):
                    return restore(db, backup_file)
            return restore(db, backup_file)
        finally:
            db.dispose()
    # No database yet: the staged, verified copy (with its 恢复 entry) simply becomes it.
    target.parent.mkdir(parents=True, exist_ok=True)
    check = check_backup(backup_file, deep=False)
    source_path = Path(backup_file).resolve()
    staged = temp_path(target)  # .ssj-<pid>-….part: swept at the next start if a kill leaves it
    try:
        _copy(source_path, staged)
        _verify_staged(staged, source_path.name)
        _write_entry(staged, source_path, check, None)
        try:
            replace_retrying(staged, target)
        except OSError as exc:
            raise _os_error(exc, target.parent) from exc
    finally:
        _remove_staged(staged)
    return RestoreResult(source_path, check.office, None, bool(check.warnings))


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
