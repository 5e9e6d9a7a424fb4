"""The headless tool: `ssj <command>` / `python -m app <command>` over the same services as the GUI.

Every module of this package that defines `register(subparsers)` contributes commands. A handler is
`handler(args, ctx) -> int | None`; it raises `UserError` for rejected input (exit 1, Chinese message on
stderr); argparse usage errors exit 2. `--json` (anywhere on the line) asks for one JSON document on
stdout. The CLI never prompts and records the OS user, or `--user NAME`, in the audit log.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from app import APP_NAME, __version__
from app.services.foundation.context import Actor, acting_as, os_user
from app.services.foundation.errors import UserError

LONG_LIST = 200  # a --json list longer than this is written one compact item a line


class ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a usage line, as argparse does
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 参数错误：{message}\n")


class CliContext:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.json = bool(getattr(args, "json", False))
        self._db = None
        self._guard = None

    @property
    def actor(self) -> Actor:
        name = getattr(self.args, "user", None)
        if name:
            from sqlalchemy import select

            from app.models.core import User
            from app.services.foundation.accounts import actor_for

            with self.db.Session() as s:
                user = s.scalar(select(User).where(User.username == name))
            return actor_for(user) if user else Actor(username=name, role="")
        return Actor(username=f"os:{os_user()}", role="")

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

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
        if self._guard is not None:
            self._guard.release()
            self._guard = None


def command_modules() -> list[str]:
    import app.cli as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + ".") if not m.ispkg)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="ssj", description=f"{APP_NAME}（命令行）")
    parser.add_argument("--version", action="version", version=f"ssj {__version__}")
    parser.add_argument(
        "--db", help="数据库文件路径或 SQLAlchemy URL（默认：用户数据目录中的 ssj.sqlite3；也可用环境变量 SSJ_DB）"
    )
    parser.add_argument("--user", help="记入审计日志的用户名（默认：操作系统用户）")
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
