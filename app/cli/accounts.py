"""`ssj account …`: account maintenance from the command line — the way back in when the only
administrator forgot the password or is locked (whoever can run ssj on the database file can do this;
every change is audited under the OS user)."""

from __future__ import annotations

from sqlalchemy import select

from app.models.core import ROLES, User
from app.services.foundation import accounts
from app.services.foundation.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("account", help="账户维护：解锁、重置密码、停用/启用、更改角色")
    asub = p.add_subparsers(dest="account_cmd", required=True, metavar="子命令")
    a = asub.add_parser("unlock", help="解除因输错密码造成的锁定")
    a.add_argument("username")
    a.set_defaults(func=cmd_unlock)
    a = asub.add_parser("reset-password", help="设置临时密码（下次登录时必须修改）")
    a.add_argument("username")
    a.add_argument("--password", required=True, help="临时密码（至少 6 位）")
    a.set_defaults(func=cmd_reset)
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


def cmd_unlock(args, ctx) -> int:
    with ctx.session() as s:
        user = _user(s, args.username)
        accounts.unlock(s, user)
        _emit(ctx, user, f"已解锁账户 {user.username}。")
    return 0


def cmd_reset(args, ctx) -> int:
    with ctx.session() as s:
        user = _user(s, args.username)
        accounts.reset_password(s, user, args.password)
        _emit(ctx, user, f"已为 {user.username} 设置临时密码，下次登录时须修改。")
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
