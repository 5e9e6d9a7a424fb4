"""Commands for 涉企检查频次: other bodies' checks (`checks import|add|list`) and `frequency`."""

from __future__ import annotations

import sys
from datetime import date, datetime

from app.services.foundation.errors import UserError


def _date(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise UserError(f"日期“{text}”格式不对，应为 2026-09-25。") from None


def register(sub) -> None:
    p = sub.add_parser("checks", help="其他部门、上级对企业的检查记录（涉企检查频次）")
    csub = p.add_subparsers(dest="checks_cmd", required=True, metavar="子命令")
    im = csub.add_parser(
        "import",
        help="导入检查记录：统一社会信用代码、企业名称、检查机关、检查日期、检查事项、检查方式"
        "（也可导入信用平台的双随机抽查结果导出表）",
    )
    im.add_argument("file", help=".xlsx / .xls / .csv 文件")
    im.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入")
    im.add_argument("--skip-invalid", action="store_true", help="只导入有效行")
    im.set_defaults(func=cmd_checks_import)
    ad = csub.add_parser("add", help="录入一条其他部门的检查")
    ad.add_argument("uscc")
    ad.add_argument("--by", required=True, help="检查机关")
    ad.add_argument("--date", required=True, help="检查日期，如 2026-05-12")
    ad.add_argument("--items", default="", help="检查事项")
    ad.add_argument("--method", default="", help="检查方式（现场检查/书面核查/视频检查…）")
    ad.set_defaults(func=cmd_checks_add)

    p = sub.add_parser("frequency", help="涉企检查频次：每家企业一年内受到的全部检查")
    p.add_argument("--year", type=int, default=None, help="年度（默认今年）")
    p.add_argument("--limit", type=int, default=None, help="本次报告使用的上限（不改设置）")
    p.add_argument("--set-limit", type=int, default=None, help="设置本单位的上限：每家企业每年现场检查次数")
    p.add_argument("--clear-limit", action="store_true", help="取消本单位的上限")
    p.add_argument("--basis", default="", help="设置上限所依据的文件条文（与 --set-limit 一起使用）")
    p.set_defaults(func=cmd_frequency)


def cmd_checks_import(args, ctx) -> int:
    from app.services.draw import frequency

    with ctx.session() as s:
        rep = frequency.import_checks(s, args.file, dry_run=args.dry_run, skip_invalid=args.skip_invalid)
        if not rep.written:
            s.rollback()

    def text() -> str:
        lines = [rep.summary()]
        lines += [f"  {e['message']}" for e in rep.errors[:200]]
        if rep.unmatched:
            lines.append(f"  不在检查对象库中的企业 {len(rep.unmatched)} 家（记录已保留，按代码统计）")
        return "\n".join(lines)

    ctx.emit(rep.to_dict(), text)
    if rep.errors and not rep.written and not rep.dry_run:
        sys.stderr.write(
            f"错误：发现 {len(rep.errors)} 处问题，未写入任何数据。"
            "请修改文件后重新导入，或加 --skip-invalid 只导入有效行。\n"
        )
        return 1
    return 1 if (rep.dry_run and rep.errors) else 0


def cmd_checks_add(args, ctx) -> int:
    from app.services.draw import frequency

    with ctx.session() as s:
        c = frequency.add_check(
            s, uscc=args.uscc, authority=args.by, check_date=_date(args.date), items=args.items, method=args.method
        )
        data = {"id": c.id, "uscc": c.uscc, "by": c.authority, "date": c.check_date.isoformat()}
    ctx.emit(data, f"已记录：{data['date']} {data['by']} 检查 {data['uscc']}")
    return 0


def cmd_frequency(args, ctx) -> int:
    from app.services.draw import frequency

    if args.set_limit is not None or args.clear_limit:
        with ctx.session() as s:
            value = frequency.set_limit(s, None if args.clear_limit else args.set_limit, args.basis)
        text = (
            "已取消检查频次上限"
            if value["limit"] is None
            else f"已设置：每家企业每年现场检查不超过 {value['limit']} 次"
        )
        ctx.emit(value, text)
        return 0
    year = args.year or date.today().year
    with ctx.db.Session() as s:
        data = frequency.frequency_report(s, year, args.limit)

    def text() -> str:
        limit = data["limit"]
        lines = [
            f"{year} 年涉企检查频次：{len(data['objects'])} 家企业" + (f"，上限 {limit} 次/年（现场）" if limit else "")
        ]
        for o in data["objects"]:
            flag = "  ⚠ 超过上限" if o["uscc"] in data["over_limit"] else ""
            lines.append(f"  {o['name'] or o['uscc']}（{o['uscc']}）：共 {o['count']} 次，现场 {o['onsite']} 次{flag}")
            for c in o["checks"]:
                lines.append(f"      {c['date'] or '待检查'}  {c['by']}  {c['task']}（{c['source']}）")
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0
