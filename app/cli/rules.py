"""Rules commands: policy list/set/show/export/import, quota, classify (manual override)."""

from __future__ import annotations

from app.services.foundation.errors import UserError
from app.services.rules import policies


def register(sub) -> None:
    p = sub.add_parser("policy", help="监管规则（预设、查看、导出、导入）")
    psub = p.add_subparsers(dest="policy_cmd", required=True, metavar="子命令")
    ls = psub.add_parser("list", help="列出内置规则预设")
    ls.set_defaults(func=cmd_policy_list)
    st = psub.add_parser("set", help="选用规则预设 id 或导入规则文件（保存为新版本）")
    st.add_argument("source", metavar="ID|FILE", help="预设 id（如 zezhou-2024）或规则文件 .json")
    st.set_defaults(func=cmd_policy_set)
    sh = psub.add_parser("show", help="显示本单位当前规则")
    sh.set_defaults(func=cmd_policy_show)
    ex = psub.add_parser("export", help="把当前规则导出为可读的 .json 文件")
    ex.add_argument("--out", required=True, help="输出文件")
    ex.set_defaults(func=cmd_policy_export)
    im = psub.add_parser("import", help="导入规则文件（同 policy set FILE）")
    im.add_argument("file")
    im.set_defaults(func=cmd_policy_set, source=None)
    sp = psub.add_parser("step", help="填写文件未给幅度的比例递加（待本单位确定），如 policy step risk-高风险 15%")
    sp.add_argument("step_id", help="比例递加规则编号（policy show 中“比例递加”一行的 id）")
    sp.add_argument("amount", help="递加的百分点，如 5%；填“待定”恢复为待本单位确定")
    sp.set_defaults(func=cmd_policy_step)
    cf = psub.add_parser("conflict", help="冲突条款的读法（秦皇岛）：wide 宽读法 / narrow 窄读法（仅正面清单）")
    cf.add_argument("reading", choices=("wide", "narrow"))
    cf.set_defaults(func=cmd_policy_conflict)

    q = sub.add_parser("quota", help="某期间各类别、分层的应抽数")
    q.add_argument("--period", required=True, help="期间：2026Q1、2026H1 或 2026")
    q.add_argument("--task", type=int, default=None, help="抽查任务 id（按任务的对象范围计算）")
    q.set_defaults(func=cmd_quota)

    c = sub.add_parser("classify", help="人工指定检查对象的监管类别（须填理由）")
    c.add_argument("uscc", help="统一社会信用代码")
    c.add_argument("--category", required=True, help="监管类别名称；“自动”表示取消人工指定")
    c.add_argument("--reason", default="", help="调整理由")
    c.set_defaults(func=cmd_classify)

    p = sub.add_parser("plan", help="年度抽查计划（本部门/内部联合/部门联合）")
    psub = p.add_subparsers(dest="plan_cmd", required=True, metavar="子命令")
    a = psub.add_parser("add", help="新建抽查计划")
    a.add_argument("--year", type=int, required=True)
    a.add_argument("--code", required=True, help="抽查计划编号")
    a.add_argument("--name", required=True, help="抽查计划名称")
    a.add_argument("--kind", default="本部门", choices=["本部门", "内部联合", "部门联合"])
    a.add_argument("--initiator", default="", help="发起科室/部门")
    a.add_argument("--partners", default="", help="联合科室/部门，用顿号或逗号分隔")
    a.add_argument("--start", default=None, help="开始日期 2026-01-01")
    a.add_argument("--end", default=None, help="结束日期 2026-12-31")
    a.add_argument("--remark", default="")
    a.set_defaults(func=cmd_plan_add)
    ls = psub.add_parser("list", help="列出抽查计划")
    ls.add_argument("--year", type=int, default=None)
    ls.set_defaults(func=cmd_plan_list)
    ex = psub.add_parser("export", help="导出年度抽查计划表（.xlsx 或 .pdf，按扩展名）")
    ex.add_argument("--year", type=int, required=True)
    ex.add_argument("--out", required=True)
    ex.set_defaults(func=cmd_plan_export)
    adj = psub.add_parser("adjust", help="计划调整备案（理由、日期），可同时修改计划字段")
    adj.add_argument("plan", help="抽查计划编号或 id")
    adj.add_argument("--reason", required=True)
    adj.add_argument("--date", default=None, help="备案日期，默认今天")
    adj.add_argument("--description", default="")
    adj.add_argument("--start", default=None)
    adj.add_argument("--end", default=None)
    adj.add_argument("--name", default=None)
    adj.set_defaults(func=cmd_plan_adjust)

    p = sub.add_parser("task", help="抽查任务")
    tsub = p.add_subparsers(dest="task_cmd", required=True, metavar="子命令")
    a = tsub.add_parser("add", help="给计划新增抽查任务")
    a.add_argument("--plan", required=True, help="抽查计划编号或 id")
    a.add_argument("--code", required=True, help="抽查任务编号")
    a.add_argument("--name", required=True, help="抽查任务名称")
    a.add_argument("--type", dest="draw_type", default="不定向", choices=["定向", "不定向"])
    a.add_argument("--ratio", default="", help="抽查比例（按公布的文字，如 25%% 4次/年）")
    a.add_argument("--items", default="", help="抽查事项 id，用逗号分隔")
    a.add_argument(
        "--scope", default="{}", help='对象范围 JSON，如 {"township": ["巴公镇"], "categories": ["重点排污单位"]}'
    )
    a.add_argument("--initiator", default="")
    a.add_argument("--partners", default="")
    a.add_argument("--start", default=None)
    a.add_argument("--end", default=None)
    a.add_argument("--mode", default="现场", help="检查模式")
    a.set_defaults(func=cmd_task_add)
    ls = tsub.add_parser("list", help="列出抽查任务")
    ls.add_argument("--year", type=int, default=None)
    ls.set_defaults(func=cmd_task_list)


def cmd_policy_list(args, ctx) -> int:
    names = policies.preset_names()
    data = [{"id": k, "name": v} for k, v in names.items()]
    ctx.emit(data, lambda: "\n".join(f"{d['id']:<26}{d['name']}" for d in data))
    return 0


def cmd_policy_set(args, ctx) -> int:
    source = args.source or getattr(args, "file", None)
    with ctx.session() as s:
        version = policies.set_policy(s, source)
        data = {"policy": version.policy_id, "name": version.name, "version": version.id}
    ctx.emit(data, f"已启用规则：{data['name']}（{data['policy']}，版本 {data['version']}）。")
    return 0


def cmd_policy_step(args, ctx) -> int:
    amount = None if args.amount.strip() in ("待定", policies.WAITING, "") else args.amount
    with ctx.session() as s:
        version = policies.set_step_amounts(s, {args.step_id: amount})
        data = {"policy": version.policy_id, "version": version.id, "step": args.step_id, "add": amount}
    what = f"递加 {amount}" if amount else policies.WAITING
    ctx.emit(data, f"比例递加“{args.step_id}”：{what}（规则版本 {data['version']}）。")
    return 0


def cmd_policy_conflict(args, ctx) -> int:
    with ctx.session() as s:
        version = policies.set_conflict_reading(s, narrow=args.reading == "narrow")
        data = {"policy": version.policy_id, "version": version.id, "narrow": args.reading == "narrow"}
    label = "窄读法（仅正面清单构成冲突）" if data["narrow"] else "宽读法（一般监管对象的任一指定条件）"
    ctx.emit(data, f"冲突条款按{label}执行（规则版本 {data['version']}）。")
    return 0


def cmd_policy_show(args, ctx) -> int:
    with ctx.db.Session() as s:
        doc = policies.active_rules(s)
        version = policies.active_version(s)
        rows = policies.describe(doc)
    data = {"policy": doc["id"], "name": doc.get("name", ""), "version": version.id, "rules": doc}

    def text() -> str:
        lines = [f"{doc.get('name', '')}（{doc['id']}，版本 {version.id}）", doc.get("description", ""), ""]
        for r in rows:
            line = f"[{r['kind']}] {r['name']}"
            if r["ratio"]:
                line += f"  {r['ratio']}"
            if r["mode"]:
                line += f"  {r['mode']}"
            lines.append(line)
            if r["conditions"]:
                lines.append(f"    条件：{r['conditions']}")
            if r["source"]:
                lines.append(f"    原文：{r['source']}")
            if r["choice"]:
                lines.append(f"    取舍：{r['choice']}")
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def cmd_policy_export(args, ctx) -> int:
    with ctx.db.Session() as s:
        path = policies.export_rules(s, args.out)
    ctx.emit({"out": str(path)}, f"已导出规则文件：{path}")
    return 0


def cmd_quota(args, ctx) -> int:
    from app.services.rules import quota

    with ctx.db.Session() as s:
        data = quota.compute_quota(s, args.period, args.task)

    def text() -> str:
        lines = [
            f"{data['period']} 应抽数（规则 {data['policy']}）",
            "类别\t分层\t名录数\t已剔除\t比例\t应抽\t方式\t说明",
        ]
        for r in data["rows"]:
            notes = "；".join(x for x in [r["note"], *r["waiting"]] if x)
            lines.append(
                f"{r['category']}\t{r['stratum']}\t{r['pool']}\t{r['excluded']}\t{r['ratio']}\t{r['required']}"
                f"\t{r['mode']}\t{notes}"
            )
        lines.append(f"合计应抽 {sum(r['required'] for r in data['rows'])}")
        short = sum(r["shortfall"] for r in data["rows"])
        if short:
            lines.append(f"剔除后对象不足，少抽 {short} 家（见说明）")
        expired = [(r["stratum"], e) for r in data["rows"] for e in r["expired_permits"]]
        if expired:
            lines.append(f"许可证已过期的对象 {len(expired)} 家（决定其管理类别的许可证已到期）：")
            for stratum, e in expired:
                where = f"{e['name']}（{e['uscc']}，{stratum}）"
                lines.append(f"  {where}：许可证 {e['permit_no']} 已于 {e['valid_to']} 到期。{e['note']}")
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def cmd_classify(args, ctx) -> int:
    from app.services.rules import classification

    with ctx.session() as s:
        obj = classification.override(s, args.uscc, args.category, args.reason)
        c = classification.classify(s, [obj]).get(obj.id)
        if c is None:
            raise UserError(f"对象“{obj.name}”状态为{obj.status}，不在检查对象名录库中。")
        expired = classification.expired_deciding_permits(s, [obj], policies.active_rules(s)).get(obj.id)
        data = {
            "uscc": obj.uscc,
            "name": obj.name,
            "category": c.category,
            "stratum": c.stratum,
            "mode": c.mode,
            "reason": c.reason,
            "overridden": c.overridden,
            "expired_permit": expired.as_dict() if expired else None,
        }
    text = f"{data['name']}：{data['category']}（{data['reason']}）"
    if expired:
        text += f"\n{expired.text}：{expired.note}"
    ctx.emit(data, text)
    return 0


def _plan_dict(plan, n_tasks: int | None = None) -> dict:
    d = {
        "id": plan.id,
        "year": plan.year,
        "code": plan.code,
        "name": plan.name,
        "kind": plan.kind,
        "initiator": plan.initiator,
        "partners": list(plan.partners or []),
        "start_date": plan.start_date.isoformat() if plan.start_date else None,
        "end_date": plan.end_date.isoformat() if plan.end_date else None,
        "published": plan.published,
    }
    if n_tasks is not None:
        d["tasks"] = n_tasks
    return d


def _task_dict(task) -> dict:
    return {
        "id": task.id,
        "plan_id": task.plan_id,
        "code": task.code,
        "name": task.name,
        "draw_type": task.draw_type,
        "ratio": task.ratio,
        "item_ids": list(task.item_ids or []),
        "scope": dict(task.scope or {}),
        "initiator": task.initiator,
        "partners": list(task.partners or []),
        "start_date": task.start_date.isoformat() if task.start_date else None,
        "end_date": task.end_date.isoformat() if task.end_date else None,
        "mode": task.mode,
    }


def cmd_plan_add(args, ctx) -> int:
    from app.services.rules import plans

    with ctx.session() as s:
        plan = plans.create_plan(
            s,
            year=args.year,
            code=args.code,
            name=args.name,
            kind=args.kind,
            initiator=args.initiator,
            partners=args.partners,
            start_date=args.start,
            end_date=args.end,
            remark=args.remark,
        )
        data = _plan_dict(plan)
    ctx.emit(data, f"已新建抽查计划 {data['code']} {data['name']}（{data['kind']}）。")
    return 0


def cmd_plan_list(args, ctx) -> int:
    from app.services.rules import plans

    with ctx.db.Session() as s:
        data = [_plan_dict(p, len(plans.tasks_of(s, p))) for p in plans.list_plans(s, args.year)]
    ctx.emit(
        data,
        lambda: (
            "\n".join(f"{d['code']}\t{d['name']}\t{d['kind']}\t任务 {d['tasks']} 项" for d in data) or "没有抽查计划。"
        ),
    )
    return 0


def cmd_plan_export(args, ctx) -> int:
    from app.services.rules import plans

    with ctx.db.Session() as s:
        if str(args.out).lower().endswith(".pdf"):
            path = plans.export_plans_pdf(s, args.year, args.out)
        elif str(args.out).lower().endswith(".xlsx"):
            path = plans.export_plans_xlsx(s, args.year, args.out)
        else:
            raise UserError("输出文件的扩展名应为 .xlsx 或 .pdf。")
    ctx.emit({"out": str(path)}, f"已导出年度抽查计划：{path}")
    return 0


def cmd_plan_adjust(args, ctx) -> int:
    from app.services.rules import plans

    changes = {k: v for k, v in (("start_date", args.start), ("end_date", args.end), ("name", args.name)) if v}
    with ctx.session() as s:
        plan = plans.get_plan(s, args.plan)
        adj = plans.adjust_plan(
            s, plan, reason=args.reason, filed_on=args.date, description=args.description, changes=changes
        )
        data = {
            "plan": plan.code,
            "filed_on": adj.filed_on.isoformat(),
            "reason": adj.reason,
            "description": adj.description,
        }
    ctx.emit(data, f"已备案：{data['plan']} {data['filed_on']} {data['reason']}")
    return 0


def cmd_task_add(args, ctx) -> int:
    import json

    from app.services.rules import plans

    try:
        scope = json.loads(args.scope or "{}")
    except json.JSONDecodeError as exc:
        raise UserError(f"--scope 不是有效的 JSON（第 {exc.colno} 列）：{exc.msg}。") from None
    items = [x for x in str(args.items).replace("，", ",").split(",") if x.strip()]
    with ctx.session() as s:
        plan = plans.get_plan(s, args.plan)
        task = plans.add_task(
            s,
            plan,
            code=args.code,
            name=args.name,
            draw_type=args.draw_type,
            ratio=args.ratio,
            item_ids=items,
            scope=scope,
            initiator=args.initiator,
            partners=args.partners,
            start_date=args.start,
            end_date=args.end,
            mode=args.mode,
        )
        data = _task_dict(task)
    ctx.emit(data, f"已新增抽查任务 {data['code']} {data['name']}（id {data['id']}）。")
    return 0


def cmd_task_list(args, ctx) -> int:
    from app.services.rules import plans

    with ctx.db.Session() as s:
        data = [_task_dict(t) for t in plans.list_tasks(s, args.year)]
    ctx.emit(
        data,
        lambda: (
            "\n".join(f"{d['id']}\t{d['code']}\t{d['name']}\t{d['draw_type']}\t{d['ratio']}" for d in data)
            or "没有抽查任务。"
        ),
    )
    return 0
