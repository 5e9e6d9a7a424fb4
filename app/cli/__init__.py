"""The headless tool: `ssj <command>` / `python -m app <command>` over the same services as the GUI.

Every module of this package that defines `register(subparsers)` contributes commands. A handler is
`handler(args, ctx) -> int | None`; it raises `UserError` for rejected input (exit 1, Chinese message on
stderr); argparse usage errors exit 2. `--json` (anywhere on the line) asks for one JSON document on
stdout. The CLI never prompts.

Commands that change data run as an account: `--user NAME` with the password in the environment variable
`SSJ_PASSWORD` or in `--password-file FILE` (a wrong password counts toward the account's lockout, as at the
login window). Without `--user` the CLI acts as the operating-system user, who holds no role: read-only
commands work, data-changing ones are refused by the services (`foundation.permissions`), except `init` and
`demo` on a database without accounts and the recovery commands `account unlock` / `account reset-password`
(本机维护, see `foundation.maintenance`).

Faults (docs/reliability.md): every failure ends in a Chinese message and exit 1 — database errors are
translated by `foundation.errors.database_message`, anything unexpected is logged (logs/ssj.log, without
passwords) and reported without a traceback. A concurrency conflict (PostgreSQL serialization failure or
deadlock) re-runs the command up to `RETRIES` times when nothing was committed yet. Only `init` and
`demo` create a database; every other command refuses a missing one and names the path.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import pkgutil
import sys
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

from app import APP_NAME, __version__
from app.services.foundation.context import Actor, acting_as, os_user
from app.services.foundation.errors import UserError

LONG_LIST = 200  # a --json list longer than this is written one compact item a line
CREATING_COMMANDS = ("init", "demo")
RETRIES = 3


class ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a usage line, as argparse does
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 参数错误：{message}\n")


PASSWORD_ENV = "SSJ_PASSWORD"
NEW_PASSWORD_ENV = "SSJ_NEW_PASSWORD"


def read_password_file(path: str, what: str = "密码") -> str:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.readline()
    except OSError as exc:
        raise UserError(f"无法读取{what}文件 {path}：{exc.strerror or exc}。请检查 --password-file 参数。") from exc
    text = text.rstrip("\r\n")
    if not text:
        raise UserError(f"{what}文件 {path} 的第一行是空的：请把{what}写在第一行。")
    return text


class CliContext:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.json = bool(getattr(args, "json", False))
        self._db = None
        self.commits = 0
        self._guard = None
        self._actor: Actor | None = None

    def authenticate(self) -> Actor:
        """Log in as `--user` (password from SSJ_PASSWORD or --password-file); the OS user without --user."""
        if self._actor is not None:
            return self._actor
        name = (getattr(self.args, "user", None) or "").strip()
        if not name:
            self._actor = Actor(username=f"os:{os_user()}", role="")
            return self._actor
        file = getattr(self.args, "password_file", None)
        password = read_password_file(file) if file else os.environ.get(PASSWORD_ENV, "")
        if not password:
            raise UserError(
                f"以账户“{name}”运行需要密码：请把密码放在环境变量 {PASSWORD_ENV} 中，或用 --password-file 文件 "
                "给出（文件第一行为密码）。命令行不会询问密码。"
            )
        from app.services.foundation import accounts

        with acting_as(Actor(name, "")), self.db.Session() as s:
            user = accounts.authenticate(s, name, password, record_login=False)
            actor = accounts.actor_for(user)
            must_change = user.must_change_password
        if must_change and not getattr(self.args, "allow_temporary_password", False):
            raise UserError(
                f"账户“{name}”使用的是临时密码，须先修改密码：在程序窗口登录时修改，或运行 "
                f"ssj --user {name} account passwd（新密码放在环境变量 {NEW_PASSWORD_ENV} 中）。"
            )
        self._actor = actor
        return actor

    @property
    def actor(self) -> Actor:
        return self.authenticate()

    @property
    def db(self):
        if self._db is None:
            from app.services.foundation.store import open_database

            create = getattr(self.args, "command", None) in CREATING_COMMANDS
            self._db = open_database(self.url, create=create)

            def _count(_conn) -> None:  # noqa: ANN001
                self.commits += 1

            from sqlalchemy import event

            event.listen(self._db.engine, "commit", _count)
        return self._db

    @property
    def url(self) -> str:
        """--db, else --db-host/--db-port/--db-name/--db-user (password from PGPASSWORD or ~/.pgpass,
        read by the driver), else SSJ_DB, else the default file."""
        from app.paths import resolve_db

        a = self.args
        if not getattr(a, "db", None) and (getattr(a, "db_host", None) or getattr(a, "db_name", None)):
            from app.models.db import server_url_from_parts

            return server_url_from_parts(a.db_host, a.db_port, a.db_name, a.db_user)
        return resolve_db(getattr(a, "db", None))

    def lock_for_writing(self) -> None:
        """Take the database's instance lock (the one a program window holds) before changing a SQLite file:
        never a CLI write beside an open window, on this PC or another one sharing the folder."""
        from app.paths import sqlite_path

        url = self.url
        if self._guard is None and sqlite_path(url) is not None:
            self.db  # noqa: B018  (opens or refuses first: a missing database gets no lock file, no folder)
            from app.instance_lock import InstanceGuard

            guard = InstanceGuard(url)
            refused = guard.acquire(timeout_ms=2000)
            if refused:
                raise UserError(refused.split("\n")[0] + "命令行不能同时修改它：请先关闭该窗口，再运行此命令。")
            self._guard = guard

    def writer(self):
        """A writing session (the write lock first; the instance lock of a SQLite file taken now) for a service
        that reads and computes in a plain session and then writes in a short one (`draw.attempts`)."""
        self.lock_for_writing()
        return self.db.writer()

    def release_write_lock(self) -> None:
        """Give the instance lock back once the command's writing is done (a long output follows)."""
        if self._guard is not None:
            self._guard.release()
            self._guard = None

    @contextmanager
    def session(self):
        """A session in which every change is recorded as done by the CLI's actor; commits on success."""
        self.lock_for_writing()
        actor = self.actor
        with acting_as(actor), self.db.writer() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    @contextmanager
    def as_actor(self):
        with acting_as(self.actor) as actor:
            yield actor

    def emit(self, data: Any, text: str | Callable[[], str] | None = None) -> None:
        if self.json:
            if isinstance(data, list) and len(data) > LONG_LIST:
                # A long list (objects list of a municipal pool): one compact item a line. Indented output
                # goes through json's pure-Python encoder, which takes half a minute for 100,000 objects.
                sys.stdout.write("[\n")
                for i, item in enumerate(data):
                    sys.stdout.write(("," if i else "") + json.dumps(item, ensure_ascii=False, default=str) + "\n")
                sys.stdout.write("]\n")
                return
            json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            out = text() if callable(text) else text
            if out is None:
                out = json.dumps(data, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write(out.rstrip("\n") + "\n")

    def emit_rows(self, rows: Iterable[dict], line: Callable[[dict], str], total: Callable[[int], str]) -> None:
        """A list written as it is produced (`objects list` of a municipal pool): the same output as `emit`
        (a short list indented; a long one one compact JSON item a line, or one text line a row, then `total`),
        without ever holding the whole list."""
        it = iter(rows)
        head = list(itertools.islice(it, LONG_LIST + 1))
        if len(head) <= LONG_LIST:
            self.emit(head, lambda: "\n".join(line(r) for r in head) + "\n" + total(len(head)))
            return
        write = sys.stdout.write
        if self.json:
            write("[\n")
            for i, item in enumerate(itertools.chain(head, it)):
                write(("," if i else "") + json.dumps(item, ensure_ascii=False, default=str) + "\n")
            write("]\n")
            return
        count = 0
        for item in itertools.chain(head, it):
            write(line(item) + "\n")
            count += 1
        write(total(count) + "\n")

    def close_database(self) -> None:
        """Close the command's connections to the database (the instance lock, if taken, is kept)."""
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def close(self) -> None:
        self.close_database()
        if self._guard is not None:
            self._guard.release()
            self._guard = None


def command_modules() -> list[str]:
    import app.cli as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + ".") if not m.ispkg)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="ssj",
        description=f"{APP_NAME}（命令行）",
        epilog=(
            "修改数据的命令须以账户身份运行，例如：SSJ_PASSWORD=密码 ssj --db 数据库 --user luru import 对象.xlsx；"
            "不给 --user 时只能运行只读命令（列表、导出、统计、校验、备份），以及 init、demo（空数据库）和"
            "本机维护命令 account unlock / account reset-password。"
        ),
    )
    parser.add_argument("--version", action="version", version=f"ssj {__version__}")
    parser.add_argument(
        "--db", help="数据库文件路径或 SQLAlchemy URL（默认：用户数据目录中的 ssj.sqlite3；也可用环境变量 SSJ_DB）"
    )
    parser.add_argument("--db-host", help="PostgreSQL 服务器地址（多人共用数据库时；口令用 PGPASSWORD 或 .pgpass）")
    parser.add_argument("--db-port", type=int, help="PostgreSQL 端口（默认 5432）")
    parser.add_argument("--db-name", help="PostgreSQL 数据库名（默认 ssj）")
    parser.add_argument("--db-user", help="PostgreSQL 用户名")
    parser.add_argument(
        "--user",
        help="以此账户身份运行（修改数据的命令必须给出）；密码放在环境变量 SSJ_PASSWORD 中或用 --password-file 给出",
    )
    parser.add_argument("--password-file", help="--user 账户的密码文件（第一行为密码），代替环境变量 SSJ_PASSWORD")
    parser.add_argument("--json", action="store_true", help="以一个 JSON 文档输出结果")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)
    for name in command_modules():
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def run(argv: list[str]) -> int:
    argv = list(argv)
    want_json = False
    if "--json" in argv:
        stop = argv.index("--") if "--" in argv else len(argv)
        if argv.index("--json") < stop:
            argv.remove("--json")
            want_json = True
    from app.cli.console import configure_console

    configure_console(want_json)  # never a UnicodeEncodeError on a cp936 pipe; --json is UTF-8 bytes
    parser = build_parser()
    args = parser.parse_args(argv)
    if want_json:
        args.json = True
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    ctx = CliContext(args)
    try:
        if getattr(args, "user", None):
            ctx.authenticate()  # a wrong password fails every command, read-only ones too, and counts
        for attempt in range(RETRIES + 1):
            commits = ctx.commits
            try:
                rc = args.func(args, ctx)
                return int(rc or 0)
            except Exception as exc:
                from app.services.foundation.errors import is_retryable

                if attempt < RETRIES and is_retryable(exc) and ctx.commits == commits:
                    import logging
                    import time

                    logging.getLogger(__name__).warning("并发冲突，第 %d 次重试：%s", attempt + 1, type(exc).__name__)
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise
        return 1  # pragma: no cover - the loop returns or raises
    except UserError as exc:
        sys.stderr.write(f"错误：{exc.message}\n")
        for d in exc.details[:50]:
            sys.stderr.write("  " + "，".join(f"{k}={v}" for k, v in d.items()) + "\n")
        return 1
    except Exception as exc:  # database errors and anything unexpected: a Chinese message, exit 1
        sys.stderr.write(f"错误：{_failure_message(exc, ctx)}\n")
        return 1
    finally:
        try:
            ctx.close()
        except Exception:  # pragma: no cover - closing a broken connection
            pass


def _failure_message(exc: BaseException, ctx: CliContext) -> str:
    """Chinese text for a failure that is not a UserError; the details (never a password) go to the log."""
    import logging

    from app.models.db import describe_url, redact_url
    from app.services.foundation.errors import database_message

    try:
        where = describe_url(ctx.url)
    except Exception:
        where = ""
    try:
        from app.services.foundation.logging_setup import setup_logging

        log_path = setup_logging()
        logging.getLogger(__name__).error(
            "命令失败（%s）：%s", where, redact_url(str(exc)).replace(_password(ctx), "***"), exc_info=exc
        )
    except Exception:  # the log itself may be on the full or read-only disk
        log_path = None
    message = database_message(exc, where)
    if message is not None:
        return message
    tail = f"详细信息已写入日志 {log_path}。" if log_path else ""
    return f"程序内部错误（{type(exc).__name__}），操作没有完成。{tail}请把日志文件发给技术支持。"


def _password(ctx: CliContext) -> str:
    try:
        from app.models.db import server_url

        return server_url(ctx.url).password or "\0"
    except Exception:
        return "\0"
