"""Rules commands: policy list/set/show/export/import, quota, classify (manual override)."""
from __future__ import annotations

from app.services import policies
from app.services.errors import UserError


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

    q = sub.add_parser("quota", help="某期间各类别、分层的应抽数")
    q.add_argument("--period", required=True, help="期间：2026Q1、2026H1 或 2026")
    q.add_argument("--task", type=int, default=None, help="抽查任务 id（按任务的对象范围计算）")
    q.set_defaults(func=cmd_quota)

    c = sub.add_parser("classify", help="人工指定检查对象的监管类别（须填理由）")
    c.add_argument("uscc", help="统一社会信用代码")
    c.add_argument("--category", required=True, help="监管类别名称；“自动”表示取消人工指定")
    c.add_argument("--reason", default="", help="调整理由")
    c.set_defaults(func=cmd_classify)


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
    from app.services import quota

    with ctx.db.Session() as s:
        data = quota.compute_quota(s, args.period, args.task)

    def text() -> str:
        lines = [f"{data['period']} 应抽数（规则 {data['policy']}）", "类别\t分层\t名录数\t比例\t应抽\t方式"]
        for r in data["rows"]:
            lines.append(f"{r['category']}\t{r['stratum']}\t{r['pool']}\t{r['ratio']}\t{r['required']}\t{r['mode']}")
        lines.append(f"合计应抽 {sum(r['required'] for r in data['rows'])}")
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def cmd_classify(args, ctx) -> int:
    from app.services import classification

    with ctx.session() as s:
        obj = classification.override(s, args.uscc, args.category, args.reason)
        c = classification.classify(s, [obj]).get(obj.id)
        if c is None:
            raise UserError(f"对象“{obj.name}”状态为{obj.status}，不在检查对象名录库中。")
        data = {"uscc": obj.uscc, "name": obj.name, "category": c.category, "stratum": c.stratum, "mode": c.mode,
                "reason": c.reason, "overridden": c.overridden}
    ctx.emit(data, f"{data['name']}：{data['category']}（{data['reason']}）")
    return 0
