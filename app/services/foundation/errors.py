"""Errors a clerk can act on: every message is Chinese and says what to do."""

from __future__ import annotations


class UserError(Exception):
    """Input rejected. The CLI prints the message on stderr and exits 1; the GUI shows it."""

    def __init__(self, message: str, *, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class PermissionDenied(UserError):
    """The current user's role does not allow the action."""


class ConflictError(UserError):
    """Another clerk or program changed the same data at the same moment; nothing was saved. Retryable."""


_RETRYABLE_PG = ("40001", "40P01")  # serialization_failure, deadlock_detected


def is_retryable(exc: BaseException) -> bool:
    """A concurrency failure after which the whole unit of work may simply be run again."""
    if isinstance(exc, ConflictError):
        return True
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    return code in _RETRYABLE_PG


def is_connection_lost(exc: BaseException) -> bool:
    """The database could not be reached or the connection broke (a server away, a network drive gone), as
    opposed to a refused statement: the work may succeed when the database is back."""
    from sqlalchemy import exc as sa_exc

    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)


def database_message(exc: BaseException, where: str = "") -> str | None:
    """One translation of database failures into Chinese that says what to do (None: not a database error).

    `where` names the database (a file path, or a server URL without its password). Used by the CLI, the
    GUI and the services; raw driver text (which may hold row data or a password) never reaches the user;
    the log keeps it (without passwords, see `app.models.db.redact_url`)."""
    from sqlalchemy import exc as sa_exc

    from app.models.db import DatabaseError

    if isinstance(exc, UserError):
        return exc.message
    if isinstance(exc, DatabaseError):
        return str(exc)
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    db = f"数据库 {where}" if where else "数据库"
    if is_retryable(exc):
        return (
            "另一位用户或另一个程序同时修改了同样的数据，多次重试后仍有冲突，本次操作没有保存（数据库保持不变）。"
            "请稍后重试。"
        )
    if isinstance(exc, sa_exc.IntegrityError) or type(orig).__name__ in ("IntegrityError", "UniqueViolation"):
        if "unique" in text or "duplicate" in text:
            return (
                "另一位用户或另一个程序刚刚写入了相同的记录（如同一个统一社会信用代码），本次操作没有保存"
                "（数据库保持不变）。请刷新后检查，再重试。"
            )
        return f"要保存的数据与{db}中已有的数据不一致（违反完整性约束），本次操作没有保存。请刷新后重试。"
    import sqlite3

    if not isinstance(exc, (sa_exc.SQLAlchemyError, sqlite3.Error)) and type(orig).__module__.split(".")[0] not in (
        "psycopg",
        "psycopg2",
    ):
        return None
    if "database or disk is full" in text or "disk is full" in text or "no space left" in text:
        return (
            f"磁盘空间已满，{db} 无法写入，本次操作没有保存（数据库保持不变）。"
            "请清理磁盘空间（或把数据库移到空间充足的位置）后重试。"
        )
    if "readonly" in text or "read-only" in text or "read only" in text:
        return (
            f"{db} 是只读的（文件设为只读，或在写保护的 U 盘、光盘、只读网络盘上），本次修改没有保存。"
            "查看、导出和备份仍可使用；要修改，请把数据库复制到可写的位置或取消只读属性后再打开。"
        )
    if (
        "database is locked" in text
        or "database is busy" in text
        or "busy" in text
        and "sqlite" in type(orig).__module__
    ):
        return (
            f"另一个程序正在写入{db}（如另一个窗口正在导入或抽取），等待后仍未完成，本次操作没有保存。"
            "请等对方完成后重试。"
        )
    if "malformed" in text or "not a database" in text or "file is encrypted" in text:
        return (
            f"{db} 已损坏，无法读取。请在“备份与恢复”中从最近的备份恢复（或 ssj restore 备份文件），"
            "并检查磁盘是否有故障。"
        )
    if "disk i/o error" in text:
        return (
            f"读写{db} 时发生磁盘错误（U 盘被拔出、网络盘断开或磁盘故障），本次操作没有保存。"
            "请检查存储设备后重新打开程序。"
        )
    if "unable to open database file" in text:
        return f"无法打开{db}：文件不存在、所在文件夹不可用或没有权限。请检查路径（U 盘、网络盘是否已连接）后重试。"
    # PostgreSQL: connection and permission problems
    if "password authentication failed" in text or "no password supplied" in text:
        return (
            f"无法登录数据库服务器（{where or '服务器'}）：用户名或密码不正确。"
            "请检查数据库用户名和口令（PGPASSWORD 或 .pgpass 文件），或联系管理员。"
        )
    if "does not exist" in text and "database" in text:
        return f"数据库服务器上没有这个数据库（{where}）。请检查数据库名，或请管理员先创建数据库。"
    if "permission denied" in text or "must be owner" in text:
        return f"数据库用户没有执行此操作的权限（{where}）。请联系数据库管理员按 docs/install-postgresql.md 授权。"
    if (
        "connection refused" in text
        or "could not connect" in text
        or "timeout expired" in text
        or "could not translate host name" in text
        or "no route to host" in text
        or "connection failed" in text
        or "is the server running" in text
    ):
        return (
            f"无法连接数据库服务器（{where or '服务器'}）：服务器没有运行、地址或端口不对，或网络不通。"
            "请检查网络和服务器地址、端口，或联系管理员确认数据库服务已启动，然后重试。"
        )
    if (
        "server closed the connection" in text
        or "terminating connection" in text
        or "connection is closed" in text
        or "consuming input failed" in text
        or "ssl connection has been closed" in text
        or "the connection is lost" in text
    ):
        return (
            f"与数据库服务器的连接中断（{where or '服务器'}），本次操作没有保存。"
            "请检查网络或等服务器恢复后重试（程序会自动重新连接）。"
        )
    return (
        f"{db} 出现错误，本次操作没有保存（数据库保持不变）。详细信息已写入日志文件；"
        "请重试，如果仍然出错，请把日志文件发给技术支持。"
    )
