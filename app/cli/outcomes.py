"""Commands of the outcomes area: workdays, holidays, outcomes, publish, forms."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from app.services.foundation.errors import UserError


def _date(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise UserError(f"日期“{text}”格式不对，应为 2026-09-25。") from None


def register(sub) -> None:
    p = sub.add_parser("workdays", help="工作日计算（含法定节假日和调休）")
    wsub = p.add_subparsers(dest="workdays_cmd", required=True, metavar="子命令")
    a = wsub.add_parser("add", help="某日之后第 N 个工作日（当日不计）")
    a.add_argument("start", help="起算日期，如 2026-09-25")
    a.add_argument("n", type=int, help="工作日数")
    a.set_defaults(func=cmd_workdays_add)

    p = sub.add_parser("holidays", help="节假日设置（chinese_calendar 未覆盖的年份）")
    hsub = p.add_subparsers(dest="holidays_cmd", required=True, metavar="子命令")
    i = hsub.add_parser("import", help="导入放假安排：表格（日期、类型、名称）或通知原文（.txt）")
    i.add_argument("file")
    i.add_argument("--year", type=int, default=None, help="通知原文的年份（文中有“2027年”时可省略）")
    i.set_defaults(func=cmd_holidays_import)
    ls = hsub.add_parser("list", help="列出已录入的节假日和调休上班日")
    ls.add_argument("--year", type=int, default=None)
    ls.set_defaults(func=cmd_holidays_list)
    ad = hsub.add_parser("set", help="录入一天")
    ad.add_argument("day")
    ad.add_argument("kind", choices=["节假日", "调休上班"])
    ad.add_argument("--name", default="")
    ad.set_defaults(func=cmd_holidays_set)

    p = sub.add_parser("outcomes", help="检查结果：录入表、导入、审核、列表")
    osub = p.add_subparsers(dest="outcomes_cmd", required=True, metavar="子命令")
    t = osub.add_parser("template", help="导出检查结果录入表（xlsx，带下拉选项）")
    t.add_argument("--period", required=True)
    t.add_argument("--out", required=True)
    t.set_defaults(func=cmd_outcomes_template)
    im = osub.add_parser("import", help="导入填好的检查结果录入表（全部成功或全部不导入）")
    im.add_argument("file")
    im.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    im.set_defaults(func=cmd_outcomes_import)
    ap = osub.add_parser(
        "approve", help="以 --user 账户（审核员或管理员）审核通过本期全部已录入的结果（本人录入的除外）"
    )
    ap.add_argument("--period", required=True)
    ap.add_argument("--by", default=None, help="审核人（可省略；如给出必须与 --user 相同）")
    ap.set_defaults(func=cmd_outcomes_approve)
    fu = osub.add_parser("follow-up", help="登记后续处置：整改复查、立案处罚、移送（审核/公示后也可以）")
    fu.add_argument("--period", required=True)
    fu.add_argument("--uscc", required=True, help="检查对象的统一社会信用代码")
    fu.add_argument("--rectify-deadline", default=None)
    fu.add_argument("--verified-on", default=None, help="整改复查日期")
    fu.add_argument("--rectify-result", default=None, help="整改复查结果")
    fu.add_argument("--case-no", default=None, help="立案编号")
    fu.add_argument("--decision-date", default=None, help="处罚决定日期")
    fu.add_argument("--penalty", default=None, help="罚款金额（元）")
    fu.add_argument("--transfer-to", default=None, help="移交/移送机关")
    fu.set_defaults(func=cmd_outcomes_follow_up)
    ph = osub.add_parser("phrases", help="检查结果标准用语：列出、添加、删除")
    ph.add_argument("--add", default=None, help="添加一条用语")
    ph.add_argument("--problem", action="store_true", help="添加的用语属于“发现问题”类")
    ph.add_argument("--remove", default=None, help="删除一条（未被使用的）用语")
    ph.set_defaults(func=cmd_outcomes_phrases)
    ls = osub.add_parser("list", help="列出本期抽中对象及其检查结果")
    ls.add_argument("--period", required=True)
    ls.set_defaults(func=cmd_outcomes_list)

    p = sub.add_parser("publish", help="生成公示批次：xlsx（上传平台）、PDF 公示或 Word 公示（.docx，可编辑后盖章）")
    p.add_argument("--period", required=True)
    p.add_argument("--out", required=True, help="输出文件 .xlsx、.pdf 或 .docx")
    p.add_argument("--date", default=None, help="公示日期（默认今天）")
    p.add_argument("--batch", type=int, default=None, help="重新导出已有的公示批次（不新建批次）")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("forms", help="打印表单")
    fsub = p.add_subparsers(dest="forms_cmd", required=True, metavar="子命令")
    n = fsub.add_parser(
        "notice", help="检查任务单 / 检查通知书（PDF 或 Word，每个抽中对象一页，带文号和二维码；首次打印时编文号）"
    )
    n.add_argument("--period", required=True)
    n.add_argument("--uscc", default=None)
    n.add_argument("--out", required=True, help="输出文件 .pdf 或 .docx")
    n.set_defaults(func=cmd_forms_notice)
    m = fsub.add_parser("number", help="检查通知书文号的机关代字（如 泽环执通 → 泽环执通〔2026〕1号）：查看或设置")
    m.add_argument("--prefix", default=None, help="设置机关代字（管理员）")
    m.set_defaults(func=cmd_forms_number)


def cmd_workdays_add(args, ctx) -> int:
    from app.services.outcomes import workdays

    start = _date(args.start)
    try:
        result = workdays.add_workdays(None, start, args.n)
    except workdays.CalendarMissing:
        import os

        if not (getattr(args, "db", None) or os.environ.get("SSJ_DB")):
            raise
        with ctx.db.Session() as s:
            result = workdays.add_workdays(s, start, args.n)
    ctx.emit({"start": start.isoformat(), "workdays": args.n, "date": result.isoformat()}, result.isoformat())
    return 0


def cmd_holidays_import(args, ctx) -> int:
    from app.services.outcomes import workdays

    with ctx.session() as s:
        report = workdays.import_calendar(s, args.file, args.year)
    ctx.emit(
        report,
        f"已导入 {report['days']} 天（节假日 {report['holidays']} 天，调休上班 {report['makeup_workdays']} 天），"
        f"年份：{'、'.join(map(str, report['years']))}。",
    )
    return 0


def cmd_holidays_list(args, ctx) -> int:
    from app.services.outcomes import workdays

    with ctx.db.Session() as s:
        rows = [dict(date=r.day.isoformat(), kind=r.kind, name=r.name) for r in workdays.list_days(s, args.year)]
        status = workdays.year_status(s, args.year) if args.year else ""
    data = {"year": args.year, "status": status, "days": rows} if args.year else {"days": rows}
    ctx.emit(
        data,
        lambda: (
            "\n".join([f"{args.year} 年：{status}"] if args.year else [])
            + "\n"
            + "\n".join(f"{r['date']}\t{r['kind']}\t{r['name']}" for r in rows)
        ),
    )
    return 0


def cmd_holidays_set(args, ctx) -> int:
    from app.services.outcomes import workdays

    day = _date(args.day)
    with ctx.session() as s:
        workdays.set_day(s, day, args.kind, args.name)
    ctx.emit({"date": day.isoformat(), "kind": args.kind, "name": args.name}, f"已录入 {day} {args.kind} {args.name}")
    return 0


def cmd_outcomes_template(args, ctx) -> int:
    from app.services.outcomes import outcomes

    with ctx.session() as s:
        info = outcomes.export_template(s, args.period, args.out)
    ctx.emit(info, f"已导出检查结果录入表：{info['file']}（{info['rows']} 个对象）")
    return 0


def cmd_outcomes_import(args, ctx) -> int:
    from app.services.outcomes import outcomes

    with ctx.session() as s:
        report = outcomes.import_sheet(s, args.file, dry_run=args.dry_run)
    text = (
        f"{'检查' if args.dry_run else '导入'} {report['file']}：共 {report['rows']} 行，有效 {report['valid']} 行，"
        f"新增 {report['inserted']}，更新 {report['updated']}，未变化 {report['unchanged']}。"
    )
    if report["errors"]:
        text += "\n" + "\n".join(f"第 {e['row']} 行 {e['column']}：{e['message']}" for e in report["errors"])
    ctx.emit(report, text)
    return 1 if report["errors"] else 0


def cmd_outcomes_approve(args, ctx) -> int:
    from app.services.outcomes import outcomes

    with ctx.session() as s:
        n = outcomes.approve_period(s, args.period, args.by)
    by = ctx.actor.username
    ctx.emit({"period": args.period, "approved": n, "by": by}, f"已审核通过 {n} 条检查结果（审核人：{by}）。")
    return 0


def cmd_outcomes_follow_up(args, ctx) -> int:
    from app.services.outcomes import outcomes

    fields = {
        "rectify_deadline": args.rectify_deadline,
        "rectify_verified_on": args.verified_on,
        "rectify_result": args.rectify_result,
        "case_no": args.case_no,
        "decision_date": args.decision_date,
        "penalty_amount": args.penalty,
        "transfer_to": args.transfer_to,
    }
    data = {k: v for k, v in fields.items() if v is not None}
    if not data:
        raise UserError("请至少给出一项后续处置，如 --verified-on 2026-03-05 --rectify-result 已整改到位。")
    with ctx.session() as s:
        code = args.uscc.strip().upper()
        rows = [r for r in outcomes.period_rows(s, args.period) if r.uscc == code]
        if not rows or rows[0].outcome_id is None:
            raise UserError(f"{args.period} 中统一社会信用代码“{args.uscc}”的对象没有已录入的检查结果。")
        o = outcomes.record_follow_up(s, rows[0].outcome_id, data)
        out = {"uscc": code, "state": o.state, **{k: getattr(o, k) for k in outcomes.FOLLOW_UP_FIELDS}}
    ctx.emit(out, f"已登记 {code} 的后续处置。")
    return 0


def cmd_outcomes_phrases(args, ctx) -> int:
    from app.services.outcomes import outcomes

    with ctx.session() as s:
        if args.add:
            outcomes.add_phrase(s, args.add, args.problem)
        if args.remove:
            outcomes.remove_phrase(s, args.remove)
        rows = [{"phrase": p.phrase, "problem_found": p.problem_found} for p in outcomes.phrases(s)]
    ctx.emit(rows, lambda: "\n".join(f"{r['phrase']}{'（发现问题）' if r['problem_found'] else ''}" for r in rows))
    return 0


def cmd_outcomes_list(args, ctx) -> int:
    from app.services.outcomes import outcomes

    with ctx.db.Session() as s:
        rows = outcomes.period_rows(s, args.period)
    data = [r.as_dict() for r in rows]
    ctx.emit(
        data,
        lambda: (
            "\n".join(f"{r['uscc']}\t{r['name']}\t{r['state']}\t{r['result']}\t{r['publish_due'] or ''}" for r in data)
            or "本期没有抽中对象。"
        ),
    )
    return 0


def cmd_publish(args, ctx) -> int:
    from app.services.outcomes import publication

    out = Path(args.out)
    if out.suffix.lower() not in publication.SUFFIXES:
        raise UserError(publication.suffix_message(out))
    day = _date(args.date) if args.date else None
    if args.batch is not None:
        with ctx.db.Session() as s:
            batch = s.get(publication.Publication, args.batch)
            if batch is None or batch.period != args.period.strip().upper():
                raise UserError(f"{args.period} 没有第 {args.batch} 批公示。可用 ssj outcomes list 查看已公示的结果。")
            publication.write_batch(s, batch.id, out)
            info = publication.batch_info(s, batch, out)
        ctx.emit(info, f"已重新导出第 {info['batch_id']} 批公示（{info['count']} 条）：{info['file']}")
        return 0
    ctx.authenticate()
    with ctx.as_actor():  # render first (no write lock), then one short write that checks the batch still stands
        info = publication.publish_in_steps(ctx.db.Session, args.period, [out], writer_factory=ctx.writer,
                                            published_on=day)  # fmt: skip
    ctx.release_write_lock()
    start, end = info["notice_period"]
    ctx.emit(
        info, f"已生成公示（第 {info['batch_id']} 批，{info['count']} 条，公示期 {start} 至 {end}）：{info['file']}"
    )
    return 0


def cmd_forms_notice(args, ctx) -> int:
    from app.services.outcomes import forms

    with ctx.session() as s:
        info = forms.write_notices(s, args.period, args.out, uscc=args.uscc)
    numbers = [o["doc_no"] for o in info["objects"]]
    span = f"，文号 {numbers[0]}" + (f" 至 {numbers[-1]}" if len(numbers) > 1 else "") if numbers else ""
    ctx.emit(info, f"已生成检查通知书：{info['file']}（{info['pages']} 份{span}）")
    return 0


def cmd_forms_number(args, ctx) -> int:
    from datetime import date

    from app.services.outcomes import forms

    if args.prefix is not None:
        with ctx.session() as s:
            info = forms.set_number_prefix(s, args.prefix)
        ctx.emit(info, f"已设置检查通知书文号的机关代字：{info['prefix']}（下一个文号：{info['example']}）")
        return 0
    with ctx.db.Session() as s:
        prefix = forms.number_prefix(s)
        year = date.today().year
        info = {"prefix": prefix, "example": forms.format_number(prefix, year, forms.next_seq(s, year))}
    shown = prefix or "（未设置：可用 ssj forms number --prefix 机关代字 设置）"
    ctx.emit(info, f"检查通知书文号的机关代字：{shown}；下一个文号：{info['example']}")
    return 0
