"""Backup commands: `ssj backup --out DIR`, `ssj restore FILE`, `ssj backup-list`."""

from __future__ import annotations

from app.paths import resolve_db, sqlite_path
from app.services.draw import draws  # noqa: F401 - registers the draw-chain check of restore candidates
from app.services.foundation import backup as backup_service
from app.services.foundation.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("backup", help="备份数据库到指定文件夹（SQLite 在线备份）")
    p.add_argument("--out", default=None, help="备份到的文件夹（默认：数据目录中的 backups）")
    p.add_argument("--keep", type=int, default=None, help="同时把自动备份的保留份数设为此值")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从备份文件恢复数据库（先检查文件，原数据库另存为备份）")
    p.add_argument("file", help="备份文件（.sqlite3）")
    p.add_argument("--check-only", action="store_true", help="只检查备份文件，不恢复")
    p.add_argument(
        "--allow-other-office", action="store_true", help="允许用另一单位的备份替换本单位的数据库（默认拒绝）"
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("backup-list", help="列出备份文件")
    p.add_argument("--dir", default=None, help="文件夹（默认：数据目录中的 backups）")
    p.set_defaults(func=cmd_backup_list)


def _url(args) -> str:
    url = resolve_db(getattr(args, "db", None))
    if sqlite_path(url) is None:
        raise UserError(backup_service.PG_MESSAGE)
    return url


def cmd_backup(args, ctx) -> int:
    url = _url(args)
    if not sqlite_path(url).exists():
        raise UserError(f"数据库文件 {sqlite_path(url)} 不存在，无需备份。请检查 --db 参数。")
    if args.keep is not None:
        with ctx.session() as s:
            backup_service.set_keep(s, args.keep)
    with ctx.as_actor():
        info = backup_service.backup_to(ctx.db, args.out or backup_service.backups_dir())
    data = {
        "file": str(info.path),
        "size": info.size,
        "office": info.office,
        "created": info.created.isoformat(timespec="seconds"),
    }
    ctx.emit(data, f"已备份到 {info.path}（{info.size_text}）。")
    return 0


def cmd_restore(args, ctx) -> int:
    url = _url(args)
    check = backup_service.check_backup(args.file)
    if args.check_only:
        data = {
            "file": str(check.path),
            "office": check.office,
            "revision": check.revision,
            "audit_entries": check.audit_count,
            "users": check.users,
            "objects": check.objects,
            "warnings": check.warnings,
        }
        ctx.emit(data, f"备份文件可用：{check.office}，{check.objects} 个检查对象，{check.audit_count} 条审计记录。")
        return 0
    target = sqlite_path(url)
    if target.exists() and not args.allow_other_office:
        current = backup_service.office_of(target)
        if current and current != check.office:
            raise UserError(
                f"备份文件属于“{check.office}”，而当前数据库属于“{current}”。为防止误用其他单位的数据，"
                "未做任何更改；确需替换请加 --allow-other-office。"
            )
    holder = backup_service.window_holding(sqlite_path(url))
    if holder:
        raise UserError(
            f"数据库 {sqlite_path(url)} 正在被双随机抽查工作台窗口使用（进程 {holder}）。"
            "请先关闭程序窗口再恢复，或在程序的“备份与恢复”页中恢复。未做任何更改。"
        )
    ctx.authenticate()
    # Held until the swap: another command's edit meanwhile is refused with a message — it would otherwise
    # commit into the database about to be replaced, after the "before restore" backup, and be in neither.
    if target.exists():  # (a restore into a new file replaces nothing)
        ctx.lock_for_writing()
    ctx.close_database()  # the account is checked; the live database is reopened by restore_file only
    with ctx.as_actor():
        result = backup_service.restore_file(url, args.file)
    data = {
        "restored_from": str(result.restored_from),
        "office": result.office,
        "kept_backup": str(result.kept_backup) if result.kept_backup else None,
        "migrated": result.migrated,
    }
    kept = f"原数据库已另存为 {result.kept_backup}。" if result.kept_backup else ""
    ctx.emit(data, f"已从 {result.restored_from.name} 恢复（{result.office}）。{kept}")
    return 0


def cmd_backup_list(args, ctx) -> int:
    items = backup_service.list_backups(args.dir)
    rows = [
        {
            "file": str(b.path),
            "kind": b.kind,
            "created": b.created.isoformat(timespec="seconds"),
            "size": b.size,
            "office": b.office,
        }
        for b in items
    ]
    ctx.emit(
        rows,
        lambda: "\n".join(f"{r['created']}  {r['kind']}  {r['office']}  {r['file']}" for r in rows) or "没有备份文件。",
    )
    return 0
