"""One engine, built here and injected: SQLite (WAL, foreign keys) by default, PostgreSQL by URL.

`open_database(url)` builds the engine, backs up an existing SQLite file, runs the alembic migrations
to head (refusing a database newer than this app) and returns a `Database` holding the engine and
the sessionmaker that every service receives.

Reliability (docs/reliability.md):
- a missing SQLite file is created only when the caller says so (`create=True`: `init`, `demo`, the
  first-run wizard); anything else refuses and names the path;
- a file that cannot be written (read-only file, folder or medium) is opened read-only: reading,
  exporting and backing up work, a change is refused in Chinese;
- the file is remembered by device and inode: if it is deleted or replaced while the program runs, the
  next commit is refused (SQLite would otherwise "save" into the deleted file);
- writers (`Database.writer()`, used by every unit of work that changes data) take the write lock before
  their first read: SQLite `BEGIN IMMEDIATE`, PostgreSQL one advisory transaction lock; a plain session
  on PostgreSQL takes the same lock before its first change. One lock order for everybody (the write
  lock, then rows): no lost update, no deadlock;
- on PostgreSQL, migrations run under an advisory lock, so two clients starting at once do not race.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.paths import is_local_disk, sqlite_path, sqlite_uri


class DatabaseError(Exception):
    """A database that cannot be opened; the message is Chinese and says what to do."""

    @property
    def message(self) -> str:
        return str(self)


WRITE_LOCK_KEY = 0x55_4A_53_53  # pg_advisory_xact_lock key of the one write lock ("SSJU")
MIGRATION_LOCK_KEY = 0x55_4A_53_4D  # pg_advisory_lock key held while migrating ("SSJM")
WRITER = "ssj_writer"  # Session.info / connection execution option marking a writing unit of work


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, for messages and logs."""
    if "://" not in str(url):
        return str(url)
    try:
        u = server_url(url)
        if u.password is not None:
            return u.render_as_string(hide_password=True)
        return str(url)
    except Exception:  # an unparsable URL: cut everything between '://' and the last '@'
        scheme, _, rest = str(url).partition("://")
        if "@" in rest:
            rest = "***@" + rest.rsplit("@", 1)[1]
        return f"{scheme}://{rest}"


_ENCODED = re.compile(r"(?:[^%@:/#?\s]|%[0-9A-Fa-f]{2})*%[0-9A-Fa-f]{2}(?:[^%@:/#?\s]|%[0-9A-Fa-f]{2})*")


def server_url(url: str) -> URL:
    """A server URL as typed by an administrator, whose password may hold any character.

    `postgresql+psycopg://ssj:Hb@2026:环境/局#1@db.example/ssj` has '@', ':', '/' and '#' in its password; a
    strict URL parser splits it in the wrong places. The user part runs to the LAST '@' and the password
    from the first ':' after the user name; a password already percent-encoded (`Hb%402026`) is decoded."""
    from urllib.parse import unquote

    from sqlalchemy.engine import make_url

    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return make_url(url)
    userinfo, hostpart = rest.rsplit("@", 1)
    user, colon, password = userinfo.partition(":")
    if colon and _ENCODED.fullmatch(password):
        password = unquote(password)
    base = make_url(f"{scheme}://{hostpart}")
    return base.set(username=unquote(user) or None, password=password if colon else None)


def server_url_from_parts(host: str | None, port, name: str | None, user: str | None) -> str:
    """The URL of separate settings (--db-host/--db-port/--db-name/--db-user). No password: the driver
    reads it from PGPASSWORD or the .pgpass file, so it is never stored in the program's settings."""
    return URL.create(
        "postgresql+psycopg",
        username=user or None,
        host=host or "127.0.0.1",
        port=int(port) if port else None,
        database=name or "ssj",
    ).render_as_string(hide_password=False)


def describe_url(url: str) -> str:
    """A short, password-free name of the database for messages: the file path or host/db."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return redact_url(url)


@dataclass
class Database:
    url: str
    engine: Engine
    Session: sessionmaker[Session]
    read_only: bool = False

    @property
    def sqlite_file(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def writer(self) -> Session:
        """A session for a read-modify-write unit of work: it takes the write lock at its first statement
        (SQLite `BEGIN IMMEDIATE`, PostgreSQL the advisory write lock), so what it reads stays current
        until it commits. Concurrent writers wait briefly for each other instead of losing an update."""
        return self.Session(bind=self.engine.execution_options(**{WRITER: True}), info={WRITER: True})

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


def _sqlite_begin(conn) -> None:
    # A writer's transaction begins with the write lock (BEGIN IMMEDIATE) before its first read, so what it
    # reads stays current until it commits; the driver then sees the open transaction and adds no BEGIN
    # of its own. Plain sessions keep the driver's deferred transactions (readers never wait).
    if conn.get_execution_options().get(WRITER) and not conn.info.get("ssj_read_only"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _pg_begin(conn) -> None:
    if conn.get_execution_options().get(WRITER):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        conn.info["ssj_locked_tx"] = True
    else:
        conn.info["ssj_locked_tx"] = False


def _pg_lock_before_first_write(session: Session) -> None:
    """A plain session takes the write lock before its first change: every writer then locks in one order
    (the write lock, then rows), so two writers never deadlock (an import and a tagger used to)."""
    conn = session.connection()
    if not conn.info.get("ssj_locked_tx"):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        conn.info["ssj_locked_tx"] = True


def begin_consistent_read(session: Session) -> None:
    """Make the rest of `session`'s transaction read ONE state of the database (a snapshot), without taking
    the write lock: SQLite a deferred `BEGIN` (WAL readers never block writers), PostgreSQL REPEATABLE READ.
    A long computation (the draw over 20,000 objects) reads this way, then writes in a short writer session
    that checks nothing changed meanwhile. Call it before the session's first statement."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return
    conn = session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def install_pg_write_lock(factory: sessionmaker) -> None:
    @event.listens_for(factory, "before_flush")
    def _before_flush(session, _ctx, _instances):  # noqa: ANN001
        if session.new or session.dirty or session.deleted:
            _pg_lock_before_first_write(session)

    @event.listens_for(factory, "do_orm_execute")
    def _before_statement(state):  # noqa: ANN001
        if not state.is_select:
            _pg_lock_before_first_write(state.session)


def make_engine(url: str, *, read_only: bool = False, immutable: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if read_only and path is not None:
            flags = "mode=ro" + ("&immutable=1" if immutable else "")
            uri = sqlite_uri(path) + ("&" if "?" in sqlite_uri(path) else "?") + flags
            from sqlalchemy.pool import QueuePool

            engine = create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=10), poolclass=QueuePool
            )
        else:
            engine = create_engine(url, connect_args={"timeout": 10})
        wal = path is None or is_local_disk(path)
        event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, wal=wal))
        event.listen(engine, "begin", _sqlite_begin)
        if read_only:

            @event.listens_for(engine, "engine_connect")
            def _mark(conn):  # noqa: ANN001
                conn.info["ssj_read_only"] = True

    else:
        engine = create_engine(
            server_url(url),
            pool_pre_ping=True,
            connect_args=_pg_connect_args(url),
        )
        event.listen(engine, "begin", _pg_begin)
    return engine


def _pg_connect_args(url: str) -> dict:
    # A short connect timeout: an unreachable server is reported in seconds, not after minutes.
    return {"connect_timeout": 10} if "psycopg" in url or url.startswith("postgresql") else {}


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
    """Run migrations to head; refuse a database made by a newer version of the app.

    On PostgreSQL the whole check-and-migrate runs under an advisory lock: two clients starting at once
    on an empty database do not race to create the same tables; the second finds them made."""
    if engine.dialect.name != "postgresql":
        _upgrade(engine, url)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock_conn:
        lock_conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        try:
            _upgrade(engine, url)
        finally:
            lock_conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")


def _upgrade(engine: Engine, url: str) -> None:
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


def open_store(url: str, migrate: bool = True, *, create: bool = True) -> Database:
    """Open (and migrate) a database WITHOUT the audit hooks.

    Everything outside the store opens databases with `app.services.foundation.store.open_database`, which
    also installs the audit hooks; this layer must not import the services above it. `create=False`
    refuses a SQLite file that does not exist (and a server database without tables) instead of
    creating an empty one.
    """
    path = sqlite_path(url)
    read_only = immutable = False
    opened: tuple[int, int] | None = None
    if path is not None:
        if path.is_dir():
            raise DatabaseError(f"“{path}”是一个文件夹，不是数据库文件。请用 --db 指定数据库文件（如 ssj.sqlite3）。")
        if not path.exists():
            if not create:
                raise DatabaseError(
                    f"找不到数据库文件 {path}。请检查路径是否输错；要新建数据库，请运行 ssj init"
                    "（或在图形界面的首次运行向导中创建）。"
                )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"无法创建数据库所在的文件夹 {path.parent}：{exc.strerror or exc}。") from exc
        else:
            _check_sqlite_file(path)
            opened = _file_id(path)  # before the migrations: a file deleted while they run is noticed too
            read_only, immutable = _sqlite_read_only(path)
    engine = make_engine(url, read_only=read_only, immutable=immutable)
    try:
        if read_only:
            if migrate and current_revision(engine) != head_revision():
                raise DatabaseError(
                    f"数据库 {path} 是只读的（文件或所在的 U 盘、光盘、网络盘只读），"
                    "而它需要升级到本程序的版本才能打开。请把它复制到可写的位置（或取消只读属性）后再打开。"
                )
        elif migrate:
            if not create and path is None and current_revision(engine) is None and not has_tables(engine):
                raise DatabaseError(
                    f"数据库 {redact_url(url)} 中还没有双随机抽查工作台的数据表。请先运行 ssj init 初始化，"
                    "或检查数据库名是否输错。"
                )
            upgrade(engine, url)
    except DatabaseError:
        engine.dispose()
        raise
    except Exception:
        engine.dispose()
        raise
    factory = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "postgresql":
        install_pg_write_lock(factory)
    if path is not None:
        _watch_file(engine, path, opened)
    return Database(url=url, engine=engine, Session=factory, read_only=read_only)


def _sqlite_read_only(path: Path) -> tuple[bool, bool]:
    """(read-only, immutable): the file cannot be written, or its folder cannot hold the journal files.

    A WAL database on a read-only medium without its -shm file can only be read as immutable."""
    file_ok = os.access(path, os.W_OK)
    dir_ok = os.access(path.parent, os.W_OK | os.X_OK)
    if file_ok and dir_ok:
        try:  # a read-only mount reports W_OK for root: try it
            with open(path, "r+b"):
                pass
            return False, False
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise DatabaseError(f"无法打开数据库文件 {path}：{exc.strerror or exc}。") from exc
            return True, exc.errno == errno.EROFS
    shm = Path(str(path) + "-shm")
    return True, not dir_ok and not shm.exists()


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _watch_file(engine: Engine, path: Path, opened: tuple[int, int] | None = None) -> None:
    """Refuse a commit when the database file was deleted or replaced since it was opened.

    SQLite keeps writing into a deleted file (the open handle survives), so without this check an import
    would report success and everything would be gone. `opened`: the file's identity when it was first
    found (before the migrations); a file that did not exist yet (ssj init) is remembered as created."""
    opened = opened or _file_id(path)

    @event.listens_for(engine, "commit")
    def _before_commit(_conn) -> None:  # noqa: ANN001
        if _file_id(path) != opened:
            raise DatabaseError(
                f"数据库文件 {path} 在程序运行期间被删除、移动或替换，本次操作没有保存。"
                "请确认数据库文件的位置（可从备份恢复）后重新打开程序。"
            )


def _check_sqlite_file(path: Path) -> None:
    with open(path, "rb") as fh:
        header = fh.read(16)
    if header and header != b"SQLite format 3\x00":
        raise DatabaseError(f"文件 {path} 不是双随机抽查工作台的数据库（不是 SQLite 文件）。请选择正确的数据库文件。")


def has_tables(engine: Engine) -> bool:
    return "office" in inspect(engine).get_table_names()
