"""One engine, built here and injected: SQLite (WAL, foreign keys) by default, PostgreSQL by URL.

`open_database(url)` builds the engine, backs up an existing SQLite file, runs the alembic migrations
to head (refusing a database newer than this app) and returns a `Database` holding the engine and
the sessionmaker that every service receives.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.paths import is_local_disk, sqlite_path, sqlite_uri


class DatabaseError(Exception):
    """A database that cannot be opened; the message is Chinese and says what to do."""


@dataclass
class Database:
    url: str
    engine: Engine
    Session: sessionmaker[Session]

    @property
    def sqlite_file(self) -> Path | None:
        return sqlite_path(self.url)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record, wal: bool = True) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    try:
        # WAL needs shared memory on ONE computer: on a network share (mapped drive, UNC, NFS/SMB) a second
        # PC would not see the first one's index and could corrupt the file, so there the rollback journal.
        cur.execute("PRAGMA journal_mode=WAL" if wal else "PRAGMA journal_mode=DELETE")
    except sqlite3.OperationalError:
        pass  # read-only media: keep the existing journal mode
    cur.execute("PRAGMA synchronous=NORMAL")
    # Bulk imports (50,000 objects) touch four indexes at random places: a page cache of up to 64 MiB
    # (the default is 2 MiB; memory is taken only as pages are used) keeps their B-trees in memory,
    # and temporary sort/index structures stay in memory instead of a temp file.
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        wal = path is None or is_local_disk(path)
        event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, wal=wal))
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def migrations_dir() -> str:
    return str(resources.files("app.models") / "migrations")


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def sqlite_backup(src: Path, dest: Path) -> Path:
    """Copy a live SQLite database with the online backup API (consistent even while in use)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    source = sqlite3.connect(sqlite_uri(src, readonly=True), uri=True)  # never resolve(): mapped drives
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest


def upgrade(engine: Engine, url: str) -> None:
    """Run migrations to head; refuse a database made by a newer version of the app."""
    from alembic import command

    current = current_revision(engine)
    head = head_revision()
    if current is not None and current not in known_revisions():
        raise DatabaseError(
            f"数据库版本（{current}）比本程序新，无法打开。请安装新版本的双随机抽查工作台后再打开此数据库。"
        )
    if current == head:
        return
    path = sqlite_path(url)
    if current is not None and path is not None and path.exists():
        from app.paths import backups_dir

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        sqlite_backup(path, backups_dir() / f"升级前备份-{path.stem}-{stamp}.sqlite3")
    command.upgrade(alembic_config(engine), "head")


def open_store(url: str, migrate: bool = True) -> Database:
    """Open (and migrate) a database WITHOUT the audit hooks.

    Everything outside the store opens databases with `app.services.foundation.store.open_database`, which
    also installs the audit hooks; this layer must not import the services above it.
    """
    path = sqlite_path(url)
    if path is not None and path.exists():
        _check_sqlite_file(path)
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine, url)
    except DatabaseError:
        engine.dispose()
        raise
    except sqlite3.OperationalError as exc:  # pragma: no cover - depends on the disk
        engine.dispose()
        raise DatabaseError(f"无法写入数据库文件 {path}：{exc}。请检查磁盘空间和文件权限。") from exc
    factory = sessionmaker(engine, expire_on_commit=False)
    return Database(url=url, engine=engine, Session=factory)


def _check_sqlite_file(path: Path) -> None:
    with open(path, "rb") as fh:
        header = fh.read(16)
    if header and header != b"SQLite format 3\x00":
        raise DatabaseError(f"文件 {path} 不是双随机抽查工作台的数据库（不是 SQLite 文件）。请选择正确的数据库文件。")


def has_tables(engine: Engine) -> bool:
    return "office" in inspect(engine).get_table_names()
