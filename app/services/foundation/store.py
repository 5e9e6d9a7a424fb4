"""Opening a database for the program: the store (`app.models.db`) plus the audit hooks.

Every session made from the returned `Database.Session` is audited (see `audit.install`); nothing in the
program opens a database any other way.
"""

from __future__ import annotations

from app.models.db import Database, open_store
from app.services.foundation import audit


def open_database(url: str, migrate: bool = True, *, create: bool = True) -> Database:
    """Open (and migrate) the database at `url` with every change audited.

    `create=False` refuses a database that does not exist yet (every CLI command but `init` and `demo`)."""
    database = open_store(url, migrate=migrate, create=create)
    try:  # temporary files of a process killed while writing a backup or an export
        from app.services.foundation.files import sweep_at_start

        sweep_at_start(database.sqlite_file.parent if database.sqlite_file else None)
    except Exception:  # pragma: no cover - never a reason not to open
        pass
    audit.install(database.Session)
    return database


def check_connection(host: str, port, name: str, user: str, password: str | None = None) -> tuple[bool, str]:
    """测试连接 of the connection settings (first-run wizard, settings): (ok, a Chinese sentence). The password,
    if typed, is used for this one connection only; otherwise the driver reads PGPASSWORD or the .pgpass file.
    Never raises for a connection problem, never shows the password."""
    from sqlalchemy import create_engine, inspect

    from app.models.db import describe_url, server_url, server_url_from_parts
    from app.services.foundation.errors import database_message

    url = server_url_from_parts(host, port, name, user)
    where = describe_url(url)
    args: dict = {"connect_timeout": 5}
    if password:
        args["password"] = password
    engine = create_engine(server_url(url), connect_args=args)
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar() or ""
            made = inspect(conn).has_table("office")
    except Exception as exc:  # driver errors: unreachable, wrong password, no such database, no permission
        return False, database_message(exc, where) or f"无法连接 {where}。请检查服务器地址、端口、数据库名和用户名。"
    finally:
        engine.dispose()
    state = "已初始化，可以直接登录" if made else "尚未初始化（首次设置时会在其中建表）"
    return True, f"连接成功：{where}（PostgreSQL {version.split()[0] if version else ''}），数据库{state}。"
