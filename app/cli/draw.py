"""随机抽取 commands: draw (freeze + draw in one go), draw void/replace/replace-member/confirm/list/show/export,
verify RECORD.json (no database) and verify --chain."""

from __future__ import annotations

import json
from pathlib import Path

from app.services.draw import algorithm as algo
from app.services.foundation.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("draw", help="随机抽取检查对象和检查人员（冻结+抽取一次完成），及抽取记录的管理")
    p.add_argument("--period", help="期间，如 2026Q1")
    p.add_argument("--task", type=int, default=None, help="抽查任务 ID（不给则按全部对象库抽取）")
    p.add_argument("--seed", default=None, help="随机种子：至少 20 位骰子数字")
    p.add_argument("--generate-seed", action="store_true", help="由计算机（操作系统安全随机数）生成种子并显示")
    p.add_argument("--witness", action="append", default=[], help="见证人姓名（至少两名不同的见证人：给两次）")
    p.add_argument("--no-witness-reason", default="", help="确实无人见证时写明原因（代替两名见证人；打印在抽取记录上）")
    p.set_defaults(func=cmd_draw)
    dsub = p.add_subparsers(dest="draw_cmd", metavar="子命令")

    v = dsub.add_parser("void", help="作废一次抽取（须说明原因）")
    v.add_argument("id", type=int)
    v.add_argument("--reason", required=True)
    v.set_defaults(func=cmd_void)

    r = dsub.add_parser("replace", help="被抽中对象注销/迁出/停产/无法联系：按同层下一张签替补")
    r.add_argument("id", type=int)
    r.add_argument("--uscc", required=True)
    r.add_argument("--reason", required=True)
    r.set_defaults(func=cmd_replace)

    m = dsub.add_parser("replace-member", help="更换某对象检查组中的一名人员（须说明原因并经批准）")
    m.add_argument("id", type=int)
    m.add_argument("--uscc", required=True)
    m.add_argument("--person", required=True, help="被更换人员的姓名或执法证号")
    m.add_argument("--reason", required=True)
    m.add_argument("--approver", required=True, help="批准人")
    m.set_defaults(func=cmd_replace_member)

    c = dsub.add_parser("confirm", help="确认抽取结果")
    c.add_argument("id", type=int)
    c.set_defaults(func=cmd_confirm)

    ls = dsub.add_parser("list", help="列出全部抽取（含已作废）")
    ls.set_defaults(func=cmd_list)

    sh = dsub.add_parser("show", help="显示一次抽取的记录")
    sh.add_argument("id", type=int)
    sh.set_defaults(func=cmd_show)

    fz = dsub.add_parser("freeze", help="只冻结对象范围并公示指纹（抽取前公示单），不抽取")
    fz.add_argument("--period", dest="fz_period", required=True)
    fz.add_argument("--task", dest="fz_task", type=int, default=None)
    fz.add_argument(
        "--exclude",
        dest="fz_exclude",
        action="append",
        default=[],
        metavar="统一社会信用代码",
        help="剔除一家本年度已达检查频次上限的对象（可多次给出；剔除不减少应抽数）",
    )
    fz.add_argument(
        "--exclude-at-limit",
        dest="fz_exclude_at_limit",
        action="store_true",
        help="剔除范围内全部本年度已达检查频次上限的对象",
    )
    fz.set_defaults(func=cmd_freeze)

    ex = dsub.add_parser("export", help="导出抽取记录：JSON + PDF + 独立校验程序 ssj_verify.py")
    ex.add_argument("id", type=int)
    ex.add_argument("--out", required=True, help="导出文件夹")
    ex.set_defaults(func=cmd_export)

    vp = sub.add_parser("verify", help="校验抽取记录文件（不需要数据库），或 --chain 校验数据库中的抽取记录链")
    vp.add_argument("record", nargs="?", help="抽取记录 JSON 文件")
    vp.add_argument("--chain", action="store_true", help="校验数据库中全部抽取记录及其哈希链")
    vp.set_defaults(func=cmd_verify)


def _record_text(rec: dict) -> str:
    lines = [
        f"抽取 #{rec['draw_id']}  {rec['office']}  {rec['period']}"
        + (f"  任务 {rec['task']['code']} {rec['task']['name']}" if rec.get("task") else ""),
        f"随机种子：{rec['seed']}（{rec['seed_source']}）",
        f"快照指纹：{rec['fingerprint']}",
        f"算法：{rec['algorithm']}",
        f"前一记录哈希：{rec['previous_hash']}",
        f"记录哈希：{rec['record_hash']}",
    ]
    if rec.get("witnesses"):
        lines.append("见证人：" + "、".join(rec["witnesses"]))
    if rec.get("no_witness_reason"):
        lines.append("无见证人原因：" + rec["no_witness_reason"])
    for s in rec["strata"]:
        lines.append(f"【{s['category']} / {s['stratum']}】{s['mode']} 范围 {s['pool']} 家，应抽 {s['required']} 家")
        for e in s["selected"]:
            team = "、".join(
                f"{m['name']}" + (f"({m['cert']})" if m["cert"] else "") + ("[专家]" if m["role"] == "专家" else "")
                for m in e["team"]
            )
            lines.append(f"  {e['rank']:>3}. {e['ticket']}  {e['uscc']}  {e['name']}  检查组：{team}")
    for a in rec.get("amendments", []):
        if a["kind"] == "对象替换":
            lines.append(
                f"替换：{a['uscc']}（{a['reason']}）→ 第 {a['replacement']['rank']} 签 {a['replacement']['uscc']} "
                f"{a['replacement']['name']}"
            )
        elif a["kind"] == "人员替换":
            lines.append(
                f"更换人员：{a['uscc']} {a['old']['name']} → {a['new']['name']}"
                f"（{a['reason']}，批准人 {a['approver']}）"
            )
        else:
            lines.append(f"{a['kind']}：{a['at']} {a['by']}" + (f"（{a['reason']}）" if a.get("reason") else ""))
    return "\n".join(lines)


def cmd_draw(args, ctx) -> int:
    from app.services.draw import attempts, draws

    if not args.period:
        raise UserError(
            "请用 --period 指定期间（如 2026Q1），并用 --seed 给出至少 20 位骰子数字（或 --generate-seed）。"
        )
    if args.generate_seed and args.seed:
        raise UserError("--seed 与 --generate-seed 只能选一个。")
    if args.generate_seed:
        seed, source = draws.generate_seed(), "计算机生成"
    elif args.seed:
        seed, source = args.seed, "骰子"
    else:
        raise UserError("缺少随机种子：请用 --seed 给出至少 20 位骰子数字，或用 --generate-seed 由计算机生成。")
    ctx.authenticate()  # before anything is computed
    with ctx.as_actor():  # read and compute first, then one short write (a refused seed is logged, burnt)
        rec = attempts.draw_now(
            ctx.db.Session,
            args.period,
            args.task,
            seed,
            seed_source=source,
            witnesses=args.witness,
            no_witness_reason=args.no_witness_reason,
            writer_factory=ctx.writer,
        )
    ctx.release_write_lock()  # written: another clerk's command may write while the record is printed
    ctx.emit(rec, lambda: _record_text(rec))
    return 0


def cmd_freeze(args, ctx) -> int:
    from app.services.draw import attempts, draws, frequency

    ctx.authenticate()
    with ctx.as_actor():  # read and compute first, then one short write
        draw_id = attempts.freeze(
            ctx.db.Session,
            args.fz_period,
            args.fz_task,
            writer_factory=ctx.writer,
            exclude=args.fz_exclude,
            exclude_at_limit=args.fz_exclude_at_limit,
        )
    ctx.release_write_lock()
    with ctx.db.Session() as s:
        d = draws.get_draw(s, draw_id)
        data = {
            "id": d.id,
            "period": d.period,
            "task_id": d.task_id,
            "state": d.state,
            "fingerprint": d.fingerprint,
            "algorithm": d.algorithm,
            "exclusions": list(d.exclusions or []),
            "frequency": frequency.notes_for_draw(s, d),
        }
    text = f"抽取 #{data['id']} 已冻结（{data['period']}），快照指纹：\n{data['fingerprint']}"
    ctx.emit(data, text + _frequency_text(data["frequency"], data["exclusions"]))
    return 0


def _frequency_text(notes: dict, exclusions: list[dict]) -> str:
    """涉企检查频次 at freezing: objects at the office's limit, objects drawn by another task, what was excluded."""
    lines = []
    if notes["at_limit"]:
        lines.append(
            f"已达检查频次上限（每家每年现场检查 {notes['limit']} 次）的范围内对象 {len(notes['at_limit'])} 家："
        )
        gone = {e["uscc"] for e in exclusions}
        for x in notes["at_limit"]:
            mark = "（已剔除）" if x["uscc"] in gone else "（未剔除；可用 --exclude 剔除）"
            lines.append(f"  {x['name']}（{x['uscc']}）本年度现场检查 {x['onsite']} 次{mark}")
    if notes["drawn_elsewhere"]:
        lines.append(
            f"本期已被其他任务抽中的范围内对象 {len(notes['drawn_elsewhere'])} 家（可合并为一次内部联合检查）："
        )
        for x in notes["drawn_elsewhere"]:
            lines.append(f"  {x['name']}（{x['uscc']}）：{'、'.join(x['tasks'])}")
    return ("\n" + "\n".join(lines)) if lines else ""


def cmd_void(args, ctx) -> int:
    from app.services.draw import draws

    with ctx.session() as s:
        d = draws.void(s, args.id, args.reason)
        data = {"id": d.id, "state": d.state, "reason": d.void_reason, "voided_by": d.voided_by}
    ctx.emit(data, f"抽取 #{data['id']} 已作废：{data['reason']}")
    return 0


def cmd_replace(args, ctx) -> int:
    from app.services.draw import draws

    with ctx.session() as s:
        a = draws.replace_object(s, args.id, args.uscc, args.reason)
        rec = draws.export_record(draws.get_draw(s, args.id))
    r = a["replacement"]
    ctx.emit(
        rec,
        lambda: (
            f"{a['uscc']}（{a['reason']}）由同层第 {r['rank']} 签替补：{r['uscc']} {r['name']}，"
            f"检查组：{'、'.join(m['name'] for m in r['team'])}\n" + _record_text(rec)
        ),
    )
    return 0


def cmd_replace_member(args, ctx) -> int:
    from app.services.draw import draws

    with ctx.session() as s:
        a = draws.replace_member(s, args.id, args.uscc, args.person, args.reason, args.approver)
        rec = draws.export_record(draws.get_draw(s, args.id))
    ctx.emit(
        rec,
        lambda: f"{a['uscc']}：{a['old']['name']} 更换为 {a['new']['name']}（{a['reason']}，批准人 {a['approver']}）",
    )
    return 0


def cmd_confirm(args, ctx) -> int:
    from app.services.draw import draws

    with ctx.session() as s:
        d = draws.confirm(s, args.id)
        data = {"id": d.id, "state": d.state, "confirmed_by": d.confirmed_by}
    ctx.emit(data, f"抽取 #{data['id']} 已确认。")
    return 0


def cmd_list(args, ctx) -> int:
    from app.services.draw import draws

    with ctx.db.Session() as s:
        rows = draws.list_draws(s)
    ctx.emit(
        rows,
        lambda: (
            "\n".join(
                f"#{r['id']:<4} {r['period']:<7} 任务 {r['task_id'] or '-':<4} {r['state']:<4} "
                f"抽中 {r['selected']:>4}  "
                f"种子 {r['seed'] or '-'}" + (f"  作废原因：{r['void_reason']}" if r["void_reason"] else "")
                for r in rows
            )
            or "还没有抽取记录。"
        ),
    )
    return 0


def cmd_show(args, ctx) -> int:
    from app.services.draw import draws

    with ctx.db.Session() as s:
        d = draws.get_draw(s, args.id)
        if not d.record:
            data = {"id": d.id, "period": d.period, "state": d.state, "fingerprint": d.fingerprint}
            ctx.emit(data, f"抽取 #{d.id} {d.period} {d.state} 指纹 {d.fingerprint or '-'}")
            return 0
        rec = draws.export_record(d)
    ctx.emit(rec, lambda: _record_text(rec))
    return 0


def cmd_export(args, ctx) -> int:
    from app.services.draw import documents as draw_documents

    with ctx.session() as s:
        files = draw_documents.export(s, args.id, args.out)
    ctx.emit(files, "已导出：\n" + "\n".join(files.values()))
    return 0


def cmd_verify(args, ctx) -> int:
    if args.chain:
        from app.services.draw import draws

        with ctx.db.Session() as s:
            result = draws.verify_chain(s)
        ctx.emit(result, result["message"])
        if not result["ok"]:
            raise UserError(result["message"])
        return 0
    if not args.record:
        raise UserError(
            "请给出要校验的抽取记录 JSON 文件（ssj verify 抽取记录.json），或用 --chain 校验数据库中的记录链。"
        )
    path = Path(args.record)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    except ValueError as exc:
        raise UserError(f"文件 {path} 不是有效的 JSON：{exc}") from exc
    except RecursionError as exc:  # deeply nested JSON: not a draw record
        raise UserError(f"文件 {path} 的 JSON 嵌套层数过深，不是抽取记录。请选择本程序导出的抽取记录文件。") from exc
    if not isinstance(record, dict):
        raise UserError(f"文件 {path} 不是抽取记录（应为一个 JSON 对象）。请选择本程序导出的抽取记录文件。")
    try:
        problems = algo.verify_record(record)
    except RecursionError as exc:
        raise UserError(f"文件 {path} 的内容嵌套层数过深，不是抽取记录。请选择本程序导出的抽取记录文件。") from exc
    if problems:
        ctx.emit({"ok": False, "message": problems[0]}, f"校验失败：{problems[0]}")
        raise UserError(problems[0])
    message = algo.summary(record)
    ctx.emit({"ok": True, "message": message, "record_hash": record["record_hash"]}, message)
    return 0
