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
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from app import APP_NAME, __version__
from app.services.foundation.context import Actor, acting_as, os_user
from app.services.foundation.errors import UserError


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
            from app.paths import resolve_db
            from app.services.foundation.store import open_database

            self._db = open_database(resolve_db(getattr(self.args, "db", None)))
        return self._db

    def lock_for_writing(self) -> None:
        """Take the database's instance lock (the one a program window holds) before changing a SQLite file:
        never a CLI write beside an open window, on this PC or another one sharing the folder."""
        from app.paths import resolve_db, sqlite_path

        url = resolve_db(getattr(self.args, "db", None))
        if self._guard is None and sqlite_path(url) is not None:
            from app.instance_lock import InstanceGuard

            guard = InstanceGuard(url)
            refused = guard.acquire(timeout_ms=2000)
            if refused:
                raise UserError(refused.split("\n")[0] + "命令行不能同时修改它：请先关闭该窗口，再运行此命令。")
            self._guard = guard

    @contextmanager
    def session(self):
        """A session in which every change is recorded as done by the CLI's actor; commits on success."""
        self.lock_for_writing()
        actor = self.actor
        with acting_as(actor), self.db.Session() as s:
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
            json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            out = text() if callable(text) else text
            if out is None:
                out = json.dumps(data, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write(out.rstrip("\n") + "\n")

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None
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
        rc = args.func(args, ctx)
        return int(rc or 0)
    except UserError as exc:
        sys.stderr.write(f"错误：{exc.message}\n")
        for d in exc.details[:50]:
            sys.stderr.write("  " + "，".join(f"{k}={v}" for k, v in d.items()) + "\n")
        return 1
    except Exception as exc:  # database errors and the like: still a Chinese message, exit 1
        from app.models.db import DatabaseError

        if isinstance(exc, DatabaseError):
            sys.stderr.write(f"错误：{exc}\n")
            return 1
        raise
    finally:
        ctx.close()
