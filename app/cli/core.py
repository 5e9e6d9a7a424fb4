"""Core commands: init, audit verify, users."""

from __future__ import annotations

import os

from app.cli import NEW_PASSWORD_ENV
from app.models.db import redact_url
from app.models.vocabulary import Role
from app.services.foundation import accounts, audit, listings, permissions
from app.services.foundation import office as office_service
from app.services.foundation.errors import UserError


def _new_password(args, who: str) -> str:
    password = args.password or os.environ.get(NEW_PASSWORD_ENV, "")
    if not password:
        raise UserError(
            f"请为{who}设置密码（至少 {accounts.MIN_PASSWORD} 位）：用 --password 或环境变量 {NEW_PASSWORD_ENV} 给出。"
            "不能建立没有密码的账户。"
        )
    return password


def register(sub) -> None:
    p = sub.add_parser("init", help="初始化数据库：本单位信息和管理员账户")
    p.add_argument("--office", required=True, help="单位名称")
    p.add_argument("--level", required=True, choices=["county", "city"], help="层级：county 县级 / city 市级")
    p.add_argument("--region-code", default="", help="行政区划代码（6 位）")
    p.add_argument("--parent", default="", help="上级单位名称")
    p.add_argument("--admin", default="admin", help="管理员用户名（默认 admin）")
    p.add_argument("--password", default=None, help=f"管理员密码（必需；也可用环境变量 {NEW_PASSWORD_ENV}）")
    p.add_argument("--policy", default="", help="规则预设 id，如 zezhou-2024")
    p.set_defaults(func=cmd_init)
    p.epilog = "报送口令（加密本单位签名私钥，至少 8 位）由环境变量 SSJ_KEY_PASSPHRASE 给出，必填。"

    p = sub.add_parser("audit", help="审计日志")
    asub = p.add_subparsers(dest="audit_cmd", required=True, metavar="子命令")
    v = asub.add_parser("verify", help="校验审计日志的哈希链，报告第一处断链")
    v.set_defaults(func=cmd_audit_verify)
    ls = asub.add_parser("list", help="列出审计日志")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--entity", default=None)
    ls.add_argument("--user-name", default=None)
    ls.set_defaults(func=cmd_audit_list)

    p = sub.add_parser("user", help="账户管理")
    usub = p.add_subparsers(dest="user_cmd", required=True, metavar="子命令")
    a = usub.add_parser("add", help="新建账户")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=[Role.ADMIN, Role.CLERK, Role.REVIEWER, Role.LEADER])
    a.add_argument(
        "--password",
        default=None,
        help=f"初始密码（必需，至少 6 位，首次登录时须修改；也可用环境变量 {NEW_PASSWORD_ENV}）",
    )
    a.add_argument("--name", default="")
    a.set_defaults(func=cmd_user_add)
    ls = usub.add_parser("list", help="列出账户")
    ls.set_defaults(func=cmd_user_list)


def cmd_init(args, ctx) -> int:
    import os

    passphrase = office_service.check_passphrase(os.environ.get(office_service.KEY_ENV))
    password = _new_password(args, f"管理员“{args.admin}”")
    with ctx.session() as s, permissions.setup_grant(s):
        office = office_service.init_office(
            s,
            name=args.office,
            level=args.level,
            region_code=args.region_code,
            parent_name=args.parent,
            admin=args.admin,
            admin_password=password,
            policy_id="",
            key_passphrase=passphrase,
        )
        data = {
            "office": office.name,
            "level": office.level,
            "region_code": office.region_code,
            "admin": args.admin,
            "db": redact_url(ctx.db.url),
        }
        if args.policy:
            from app.services.rules import policies

            policies.set_policy(s, args.policy)
            data["policy"] = args.policy
    ctx.emit(
        data, f"已初始化：{data['office']}（{'县级' if args.level == 'county' else '市级'}），管理员 {args.admin}。"
    )
    return 0


def cmd_audit_verify(args, ctx) -> int:
    with ctx.db.Session() as s:
        result = audit.verify(s)
    ctx.emit(
        {
            "ok": result.ok,
            "count": result.count,
            "head": result.head,
            "broken_seq": result.broken_seq,
            "message": result.message,
            "head_short": audit.short_head(result.head_seq, result.head),
            "rows": [{"entity": r.entity, "id": r.entity_id, "message": r.message} for r in result.rows],
        },
        result.message,
    )
    if not result.ok:
        raise UserError(result.message)
    return 0


def cmd_audit_list(args, ctx) -> int:
    f = listings.AuditFilter(user=args.user_name, entity=args.entity, limit=args.limit)
    with ctx.db.Session() as s:
        rows = [
            dict(
                seq=e.seq,
                ts=e.ts,
                user=e.user,
                action=e.action,
                entity=e.entity,
                entity_id=e.entity_id,
                summary=e.summary,
            )
            for e in listings.audit_entries(s, f)
        ]
    ctx.emit(
        rows,
        lambda: "\n".join(
            f"{r['seq']:>6} {r['ts']} {r['user']} {r['action']} {r['entity']}#{r['entity_id']} {r['summary']}"
            for r in rows
        ),
    )
    return 0


def cmd_user_add(args, ctx) -> int:
    with ctx.session() as s:
        office_service.require_office(s)
        user = accounts.create_user(
            s,
            args.username,
            args.role,
            _new_password(args, f"账户“{args.username}”"),
            display_name=args.name,
            must_change_password=True,
        )
        data = {"username": user.username, "role": user.role}
    ctx.emit(data, f"已新建账户 {data['username']}（{data['role']}）。")
    return 0


def cmd_user_list(args, ctx) -> int:
    with ctx.db.Session() as s:
        rows = [dict(username=u.username, role=u.role, active=u.active, locked=u.locked) for u in listings.accounts(s)]
    ctx.emit(rows, lambda: "\n".join(f"{r['username']}\t{r['role']}" for r in rows))
    return 0
