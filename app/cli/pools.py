"""一单两库 commands: import, objects list/set-status/tag, template, export, demo."""

from __future__ import annotations

import sys

from app.services.foundation.errors import UserError

KINDS = ("objects", "inspectors", "experts", "items")
IMPORT_KINDS = KINDS + ("key-units", "cancelled")
EXPORT_KINDS = KINDS + ("stats", "adjustments", "city")


def register(sub) -> None:
    p = sub.add_parser("import", help="导入检查对象/执法人员/专家/事项清单/重点排污单位名录/注销清单（Excel 或 CSV）")
    p.add_argument(
        "kind",
        choices=IMPORT_KINDS,
        help="objects 检查对象 / inspectors 执法人员 / experts 专家 / items 事项清单 / "
        "key-units 重点排污单位名录（只更新库中已有单位）/ cancelled 注销或撤销的排污许可证清单",
    )
    p.add_argument("file", help=".xlsx / .xls / .csv 文件")
    p.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入")
    p.add_argument("--skip-invalid", action="store_true", help="只导入有效行（有问题的行跳过并列入报告）")
    p.add_argument("--sheet", default=None, help="工作表名称（默认自动识别）")
    p.add_argument(
        "--include-other-regions",
        action="store_true",
        help="也导入“所在地区/地市/区县”不属于本辖区的行（默认不导入，列入报告）",
    )
    p.add_argument("--year", type=int, default=None, help="事项清单的年度（默认今年）")
    p.add_argument("--report", default=None, help="把检查报告另存为 Excel 文件")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("objects", help="检查对象名录库")
    osub = p.add_subparsers(dest="objects_cmd", required=True, metavar="子命令")
    ls = osub.add_parser("list", help="列出检查对象")
    ls.add_argument("--search", default="")
    ls.add_argument("--status", default="")
    ls.add_argument("--township", default="")
    ls.add_argument("--permit-class", default="")
    ls.add_argument("--tag", default="")
    ls.set_defaults(func=cmd_objects_list)
    st = osub.add_parser("set-status", help="标记停产/注销/迁出（或恢复存续）")
    st.add_argument("uscc")
    st.add_argument("status", choices=["存续", "停产", "注销", "迁出"])
    st.add_argument("--reason", default="")
    st.add_argument("--date", default="", help="生效日期，如 2026-03-05（默认今天）")
    st.set_defaults(func=cmd_objects_set_status)
    tg = osub.add_parser("tag", help="批量添加/去掉标签")
    tg.add_argument("uscc", nargs="+")
    tg.add_argument("--add", action="append", default=[])
    tg.add_argument("--remove", action="append", default=[])
    tg.set_defaults(func=cmd_objects_tag)
    hi = osub.add_parser("history", help="一个检查对象的变更历史")
    hi.add_argument("uscc")
    hi.set_defaults(func=cmd_objects_history)

    p = sub.add_parser("template", help="生成空白导入模板（带下拉选项）")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("export", help="导出为 Excel")
    p.add_argument("kind", choices=EXPORT_KINDS)
    p.add_argument("--out", required=True)
    p.add_argument("--period", default=None, help="期间，如 2026Q1（stats/adjustments/city 用）")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="生成示例县的演示数据（仅用于空数据库）")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--objects", type=int, default=1500, help="检查对象数量（默认 1500）")
    p.set_defaults(func=cmd_demo)


def cmd_import(args, ctx) -> int:
    from app.services.pools import importer

    ctx.authenticate()  # before the file is read
    with ctx.as_actor():  # read, check and compare first, then one short write (the write lock only then)
        rep = importer.import_in_steps(
            ctx.db.Session,
            ctx.writer,
            args.kind,
            args.file,
            sheet=args.sheet,
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            include_other_regions=args.include_other_regions,
            year=args.year,
        )
    ctx.release_write_lock()
    if args.report:
        importer.save_report(rep, args.report)
    data = rep.to_dict()

    def text() -> str:
        lines = [rep.summary()]
        if rep.unmapped:
            lines.append(f"未识别、已忽略的列：{'、'.join(rep.unmapped)}")
        for e in rep.errors[:200]:
            lines.append(f"  {e['message']}")
        if rep.notices:
            lines.append("提示：")
            lines.extend(f"  {n['message']}" for n in rep.notices[:200])
        if len(rep.errors) > 200:
            lines.append(f"  ……另有 {len(rep.errors) - 200} 处问题，请用 --report 文件.xlsx 保存完整报告。")
        return "\n".join(lines)

    ctx.emit(data, text)
    if rep.errors and not rep.written and not rep.dry_run:
        sys.stderr.write(
            f"错误：发现 {len(rep.errors)} 处问题，未写入任何数据。"
            "请修改文件后重新导入，或加 --skip-invalid 只导入有效行。\n"
        )
        return 1
    if rep.dry_run and rep.errors:
        return 1
    return 0


def cmd_objects_list(args, ctx) -> int:
    from app.services.pools import pools

    def line(r: dict) -> str:
        return (
            f"{r['uscc']}  {r['name']}  {r['permit_class'] or '-'}  {r['township']}  {r['status']}"
            + (f"  [{'、'.join(r['tags'])}]" if r["tags"] else "")
            + (f"  许可证已过期：{'、'.join(r['expired_permits'])}" if r.get("expired_permits") else "")
        )

    with ctx.db.Session() as s:  # rows streamed from the store to the output, one at a time
        rows = pools.iter_object_dicts(
            s,
            search=args.search,
            status=args.status,
            township=args.township,
            permit_class=args.permit_class,
            tag=args.tag,
        )
        ctx.emit_rows(rows, line, lambda n: f"共 {n} 家。")
    return 0


def cmd_objects_set_status(args, ctx) -> int:
    from app.services.pools import pools

    with ctx.session() as s:
        obj = pools.set_status(s, args.uscc, args.status, reason=args.reason, effective=args.date or None)
        data = {"uscc": obj.uscc, "name": obj.name, "status": obj.status}
    ctx.emit(data, f"已将 {data['name']}（{data['uscc']}）标记为“{data['status']}”。")
    return 0


def cmd_objects_tag(args, ctx) -> int:
    from app.services.pools import pools

    if not args.add and not args.remove:
        raise UserError("请用 --add 标签 或 --remove 标签 指定要添加或去掉的标签。")
    with ctx.session() as s:
        n = pools.bulk_tag(s, args.uscc, add=args.add, remove=args.remove)
    ctx.emit({"changed": n, "objects": len(args.uscc)}, f"已修改 {n} 家单位的标签。")
    return 0


def cmd_objects_history(args, ctx) -> int:
    from app.services.pools import pools

    with ctx.db.Session() as s:
        rows = pools.history(s, args.uscc)
    ctx.emit(
        rows,
        lambda: (
            "\n".join(
                f"{r['ts']} {r['kind']} {r['field']} {r['old']} → {r['new']} （{r['user']}，{r['source']}）"
                for r in rows
            )
            or "没有变更记录。"
        ),
    )
    return 0


def cmd_template(args, ctx) -> int:
    from app.services.pools import pools

    path = pools.write_template(args.kind, args.out)
    ctx.emit({"kind": args.kind, "out": str(path)}, f"已生成导入模板：{path}")
    return 0


def cmd_export(args, ctx) -> int:
    if args.kind in ("stats", "adjustments", "city"):
        from app.cli.stats import EXPORT_KINDS as STATS_EXPORTS

        return STATS_EXPORTS[args.kind](args, ctx)
    from app.services.pools import pools

    with ctx.db.Session() as s:
        path, n = pools.export_kind(s, args.kind, args.out)
    ctx.emit({"kind": args.kind, "out": str(path), "rows": n}, f"已导出 {n} 行到 {path}")
    return 0


def cmd_demo(args, ctx) -> int:
    from app.services.demo import demo

    with ctx.session() as s:
        import os

        given = os.environ.get("SSJ_KEY_PASSPHRASE") or None
        result = demo.create_demo(s, seed=args.seed, n_objects=args.objects, key_passphrase=given)
        if given:
            result["key_passphrase_note"] = "环境变量 SSJ_KEY_PASSPHRASE 中给出的口令"
    ctx.emit(result, demo.describe(result))
    return 0
