"""Commands for 涉企检查频次: other bodies' checks (`checks import|add`), `frequency`, and the 内部联合 merge of
one object's inspections drawn by two tasks (`merge list|accept|refuse|notice`)."""

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

    p = sub.add_parser("merge", help="内部联合：同一对象被本单位两项及以上任务同期抽中时，合并为一次检查")
    msub = p.add_subparsers(dest="merge_cmd", required=True, metavar="子命令")
    ls = msub.add_parser("list", help="列出本期可合并的对象（提议与已作的决定）")
    ls.add_argument("--period", required=True, help="期间，如 2026Q2")
    ls.set_defaults(func=cmd_merge_list)
    ac = msub.add_parser("accept", help="同意合并：一次入企、合并检查事项、一个检查组、一份检查通知书")
    ac.add_argument("--period", required=True)
    ac.add_argument("--uscc", required=True)
    ac.set_defaults(func=cmd_merge_accept)
    rf = msub.add_parser("refuse", help="不合并：各任务分别检查（须写明原因）")
    rf.add_argument("--period", required=True)
    rf.add_argument("--uscc", required=True)
    rf.add_argument("--reason", required=True)
    rf.set_defaults(func=cmd_merge_refuse)
    nt = msub.add_parser("notice", help="打印合并检查的检查通知书（PDF）")
    nt.add_argument("--period", required=True)
    nt.add_argument("--uscc", required=True)
    nt.add_argument("--out", required=True, help="PDF 文件")
    nt.set_defaults(func=cmd_merge_notice)
    rs = msub.add_parser("result", help="录入合并检查的结果（一次录入，记入各任务的检查结果）")
    rs.add_argument("--period", required=True)
    rs.add_argument("--uscc", required=True)
    rs.add_argument("--date", required=True, help="检查日期，如 2026-05-12")
    rs.add_argument("--method", required=True, help="检查方式（现场检查/书面核查…）")
    rs.add_argument("--result", required=True, help="检查结果（标准用语，如“未发现问题”）")
    rs.add_argument("--findings", default="", help="发现问题")
    rs.set_defaults(func=cmd_merge_result)


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


def _proposal_text(p: dict) -> str:
    tasks = "、".join(f"{t['code']} {t['name']}" for t in p["tasks"])
    lines = [f"{p['name']}（{p['uscc']}）[{p['state']}] 同期被 {len(p['tasks'])} 项任务抽中：{tasks}"]
    if p["items"]:
        lines.append(f"    合并检查事项：{'、'.join(p['items'])}")
    if p["team"]:
        lines.append("    检查组：" + "、".join(f"{m['name']}（{m['cert'] or m['role']}）" for m in p["team"]))
    elif p["team_problem"]:
        lines.append(f"    无法合并：{p['team_problem']}")
    if p["reason"]:
        lines.append(f"    不合并原因：{p['reason']}")
    return "\n".join(lines)


def cmd_merge_list(args, ctx) -> int:
    from app.services.outcomes import joint

    with ctx.db.Session() as s:
        data = {"period": args.period, "proposals": joint.proposals(s, args.period)}

    def text() -> str:
        if not data["proposals"]:
            return f"{args.period} 没有被两项及以上任务同时抽中的对象。"
        return "\n".join(_proposal_text(p) for p in data["proposals"])

    ctx.emit(data, text)
    return 0


def _visit_data(v) -> dict:
    return {
        "id": v.id,
        "period": v.period,
        "uscc": v.uscc,
        "name": v.name,
        "state": v.state,
        "tasks": list(v.tasks),
        "items": list(v.items),
        "team": list(v.team),
        "reason": v.reason,
    }


def cmd_merge_accept(args, ctx) -> int:
    from app.services.outcomes import joint

    with ctx.session() as s:
        data = _visit_data(joint.accept(s, args.period, args.uscc))
    team = "、".join(m["name"] for m in data["team"])
    ctx.emit(data, f"已合并为一次内部联合检查：{data['name']}（{data['uscc']}），检查组 {team}")
    return 0


def cmd_merge_refuse(args, ctx) -> int:
    from app.services.outcomes import joint

    with ctx.session() as s:
        data = _visit_data(joint.refuse(s, args.period, args.uscc, args.reason))
    ctx.emit(data, f"不合并：{data['name']}（{data['uscc']}）各任务分别检查（{data['reason']}）")
    return 0


def cmd_merge_notice(args, ctx) -> int:
    from app.services.outcomes import joint

    with ctx.db.Session() as s:
        v = joint.find(s, args.period, args.uscc)
        out = joint.notice_pdf(s, v.id, args.out)
    ctx.emit({"file": out, "id": v.id}, f"已生成检查通知书：{out}")
    return 0


def cmd_merge_result(args, ctx) -> int:
    from app.services.outcomes import joint

    data = {"check_date": _date(args.date), "method": args.method, "result": args.result, "findings": args.findings}
    with ctx.session() as s:
        saved = joint.enter_result(s, args.period, args.uscc, data)
        v = joint.find(s, args.period, args.uscc)
        out = {"id": v.id, "uscc": v.uscc, "outcomes": [o.id for o in saved], "tasks": [t["name"] for t in v.tasks]}
    ctx.emit(out, f"已录入合并检查结果，记入 {len(out['tasks'])} 项任务：{'、'.join(out['tasks'])}")
    return 0
