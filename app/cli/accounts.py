"""`ssj account …`: account maintenance from the command line.

With `--user` (an administrator) every subcommand works as in the 账户管理 page. Without `--user`, only the
two recovery commands run — `account unlock NAME` and `account reset-password NAME` — as 本机维护: the way back
in when the only administrator forgot the password or is locked out. They are audited as 本机维护 with the
operating-system user's name, shown on every administrator's 首页 until acknowledged, and listed in the next
USB package. `account passwd` lets an account change its own (temporary) password.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from sqlalchemy import select

from app.cli import NEW_PASSWORD_ENV, read_password_file
from app.models.core import ROLES, User
from app.services.foundation import accounts
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from app.services.foundation.permissions import MAINTENANCE


def register(sub) -> None:
    p = sub.add_parser(
        "account",
        help="账户维护：解锁、重置密码、停用/启用、更改角色、修改自己的密码",
        description="不给 --user 时，unlock 和 reset-password 以“本机维护”身份执行（记入审计日志并在首页提示管理员）。",
    )
    asub = p.add_subparsers(dest="account_cmd", required=True, metavar="子命令")
    a = asub.add_parser("unlock", help="解除因输错密码造成的锁定（可不给 --user：本机维护）")
    a.add_argument("username")
    a.set_defaults(func=cmd_unlock)
    a = asub.add_parser("reset-password", help="设置临时密码，下次登录时必须修改（可不给 --user：本机维护）")
    a.add_argument("username")
    a.add_argument("--password", default=None, help=f"临时密码（至少 6 位；也可用环境变量 {NEW_PASSWORD_ENV}）")
    a.set_defaults(func=cmd_reset)
    a = asub.add_parser("passwd", help=f"修改 --user 账户自己的密码（新密码放在环境变量 {NEW_PASSWORD_ENV} 中）")
    a.add_argument("--new-password-file", default=None, help="新密码文件（第一行为新密码）")
    a.set_defaults(func=cmd_passwd, allow_temporary_password=True)
    a = asub.add_parser("deactivate", help="停用账户（历史记录保留）")
    a.add_argument("username")
    a.set_defaults(func=cmd_active, active=False)
    a = asub.add_parser("activate", help="重新启用账户")
    a.add_argument("username")
    a.set_defaults(func=cmd_active, active=True)
    a = asub.add_parser("role", help="更改角色")
    a.add_argument("username")
    a.add_argument("role", choices=list(ROLES))
    a.set_defaults(func=cmd_role)


def _user(s, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        names = "、".join(s.scalars(select(User.username).order_by(User.id))) or "（无）"
        raise UserError(f"没有名为“{username}”的账户。现有账户：{names}。")
    return user


def _emit(ctx, user: User, text: str) -> None:
    ctx.emit(
        {
            "username": user.username,
            "role": user.role,
            "active": user.active,
            "locked": bool(user.locked_until),
            "must_change_password": user.must_change_password,
        },
        text,
    )


@contextmanager
def _recovery_session(ctx):
    """As --user when given; otherwise as 本机维护 (the operating-system user)."""
    ctx.lock_for_writing()
    actor = ctx.actor
    if not getattr(ctx.args, "user", None):
        actor = Actor(actor.username, MAINTENANCE, actor.username[3:])
    with acting_as(actor), ctx.db.Session() as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def _note(ctx) -> str:
    if getattr(ctx.args, "user", None):
        return ""
    return "（本机维护：已记入审计日志，管理员首页会显示，并列入下一个报送包。）"


def cmd_unlock(args, ctx) -> int:
    with _recovery_session(ctx) as s:
        user = _user(s, args.username)
        accounts.unlock(s, user)
        _emit(ctx, user, f"已解锁账户 {user.username}。{_note(ctx)}")
    return 0


def cmd_reset(args, ctx) -> int:
    password = args.password or os.environ.get(NEW_PASSWORD_ENV, "")
    if not password:
        raise UserError(f"请用 --password 或环境变量 {NEW_PASSWORD_ENV} 给出临时密码（至少 6 位）。")
    with _recovery_session(ctx) as s:
        user = _user(s, args.username)
        accounts.reset_password(s, user, password)
        _emit(ctx, user, f"已为 {user.username} 设置临时密码，下次登录时须修改。{_note(ctx)}")
    return 0


def cmd_passwd(args, ctx) -> int:
    if not getattr(args, "user", None):
        raise UserError("请用 --user 指明要修改密码的账户（当前密码放在环境变量 SSJ_PASSWORD 中）。")
    if args.new_password_file:
        new = read_password_file(args.new_password_file, "新密码")
    else:
        new = os.environ.get(NEW_PASSWORD_ENV, "")
    if not new:
        raise UserError(f"请把新密码放在环境变量 {NEW_PASSWORD_ENV} 中，或用 --new-password-file 给出。")
    with ctx.session() as s:
        user = _user(s, ctx.actor.username)
        accounts.set_password(s, user, new)
        _emit(ctx, user, f"已修改账户 {user.username} 的密码。")
    return 0


def cmd_active(args, ctx) -> int:
    with ctx.session() as s:
        user = _user(s, args.username)
        accounts.set_active(s, user, args.active)
        _emit(ctx, user, f"已{'启用' if args.active else '停用'}账户 {user.username}。")
    return 0


def cmd_role(args, ctx) -> int:
    with ctx.session() as s:
        user = _user(s, args.username)
        accounts.set_role(s, user, args.role)
        _emit(ctx, user, f"已把 {user.username} 的角色改为 {args.role}。")
    return 0
