"""Statistics, reports and the USB exchange: stats, report, package, key, county, city (+ export kinds)."""

from __future__ import annotations

from pathlib import Path

from app.services.foundation.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("stats", help="期间统计（季度统计表的数字）")
    p.add_argument("--period", required=True, help="期间，如 2026Q1")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("report", help="工作报告")
    rsub = p.add_subparsers(dest="report_cmd", required=True, metavar="子命令")
    a = rsub.add_parser("annual", help="年度工作报告（PDF 或 Word）")
    a.add_argument("--year", required=True, type=int)
    a.add_argument("--case", action="append", type=int, default=[], help="典型案例：检查结果 id（可多次）")
    a.add_argument("--out", required=True, help="输出文件 .pdf 或 .docx（Word，可编辑后盖章）")
    a.set_defaults(func=cmd_report_annual)

    p = sub.add_parser("package", help="报送包（U 盘交换）")
    psub = p.add_subparsers(dest="package_cmd", required=True, metavar="子命令")
    e = psub.add_parser("export", help="县级：把本期报送包写入文件夹（U 盘）并读回校验")
    e.add_argument("--period", required=True)
    e.add_argument("--out", required=True, help="目标文件夹（如 U 盘根目录）")
    e.set_defaults(func=cmd_package_export)
    e.epilog = "报送口令由环境变量 SSJ_KEY_PASSPHRASE 给出（解开本单位的签名私钥）。"
    i = psub.add_parser("import", help="市级：校验并导入县级报送包")
    i.add_argument("file")
    i.add_argument("--period", default=None, help="只接受此期间的报送包")
    i.set_defaults(func=cmd_package_import)
    w = psub.add_parser("withdraw", help="市级管理员：撤回一个误导入的报送包（须说明原因，记入审计日志）")
    w.add_argument("--county", default="", help="县级单位名称（与 --period 一起指定其当前报送包）")
    w.add_argument("--period", default="", help="期间，如 2026Q1")
    w.add_argument("--id", type=int, default=None, help="或直接给出报送包编号（导入时显示的 report_id）")
    w.add_argument("--reason", required=True, help="撤回原因")
    w.set_defaults(func=cmd_package_withdraw)
    v = psub.add_parser("verify", help="只校验报送包（不导入）")
    v.add_argument("file")
    v.set_defaults(func=cmd_package_verify)

    p = sub.add_parser("key", help="本单位签名公钥")
    ksub = p.add_subparsers(dest="key_cmd", required=True, metavar="子命令")
    k = ksub.add_parser("export", help="导出本单位公钥（供市级登记）")
    k.add_argument("--out", required=True)
    k.set_defaults(func=cmd_key_export)
    k = ksub.add_parser(
        "passphrase",
        help="设置或更改报送口令（原口令：SSJ_KEY_PASSPHRASE；新口令：SSJ_NEW_KEY_PASSPHRASE）",
    )
    k.set_defaults(func=cmd_key_passphrase)
    k = ksub.add_parser(
        "replace", help="更换签名密钥（口令遗忘、备份外流时）；新密钥用 SSJ_KEY_PASSPHRASE 加密，需市局重新登记"
    )
    k.add_argument("--reason", required=True, help="更换原因")
    k.set_defaults(func=cmd_key_replace)

    p = sub.add_parser("county", help="市级：登记的县级单位")
    csub = p.add_subparsers(dest="county_cmd", required=True, metavar="子命令")
    r = csub.add_parser("register", help="登记县级单位的公钥（信任步骤）")
    r.add_argument("--key", required=True, help="县级单位导出的公钥 .pem")
    r.add_argument("--name", required=True)
    r.add_argument("--region-code", default="")
    r.add_argument(
        "--replace", action="store_true", help="该县已登记、现更换了签名密钥：用新公钥替换同名县级单位的旧公钥"
    )
    r.set_defaults(func=cmd_county_register)
    ls = csub.add_parser("list", help="列出已登记的县级单位")
    ls.set_defaults(func=cmd_county_list)

    p = sub.add_parser("city", help="市级汇总")
    tsub = p.add_subparsers(dest="city_cmd", required=True, metavar="子命令")
    s = tsub.add_parser("stats", help="全市汇总表：各县并列 + 合计")
    s.add_argument("--period", required=True)
    s.set_defaults(func=cmd_city_stats)
    # `ssj export` itself is registered by app/cli/pools.py, which dispatches stats/adjustments/city to
    # EXPORT_KINDS below.


def _stats_text(data: dict) -> str:
    from app.services.reports import statistics as st

    lines = [f"{data['office']} {data['period_label']} 统计"]
    for f, v in zip(st.FIELDS, st.row_values(data)):
        lines.append(f"  {f.group}·{f.label}：{v} {f.unit}")
    lines.append("  目标：")
    for t in data["targets"]:
        lines.append(
            f"    {t['name']}：目标 {t['target']}{t['unit']}，实际 {t['actual']}{t['unit']}，"
            f"{'达到' if t['met'] else '未达到'}"
        )
    return "\n".join(lines)


def cmd_stats(args, ctx) -> int:
    from app.services.reports import statistics as st

    with ctx.session() as s:
        data = st.compute(s, args.period)
    ctx.emit(data, lambda: _stats_text(data))
    return 0


def export_stats(args, ctx) -> int:
    from app.services.reports import statistics_forms

    with ctx.session() as s:
        data = statistics_forms.export_stats_xlsx(s, args.period, args.out)
    ctx.emit(
        {"path": str(args.out), "period": data["period"], "inspected": data["checks"]["inspected"]},
        f"已导出季度统计表：{args.out}",
    )
    return 0


def export_adjustments(args, ctx) -> int:
    from app.services.reports import statistics_forms

    with ctx.session() as s:
        data = statistics_forms.export_adjustments_xlsx(s, args.period, args.out)
    ctx.emit(
        {"path": str(args.out), "period": data["period"], "counts": data["counts"]},
        f"已导出名录库调整信息：{args.out}（" + "，".join(f"{k} {v}" for k, v in data["counts"].items()) + "）",
    )
    return 0


def export_city(args, ctx) -> int:
    from app.services.exchange import packages

    with ctx.session() as s:
        data = packages.export_city_xlsx(s, args.period, args.out)
    ctx.emit(
        {
            "path": str(args.out),
            "period": data["period"],
            "reported": data["reported"],
            "registered": data["registered"],
        },
        f"已导出全市汇总表：{args.out}（已报送 {data['reported']}/{data['registered']}）",
    )
    return 0


EXPORT_KINDS = {"stats": export_stats, "adjustments": export_adjustments, "city": export_city}


def cmd_report_annual(args, ctx) -> int:
    from app.services.reports import annual_report

    with ctx.session() as s:
        info = annual_report.build_annual_report(s, args.year, args.out, case_ids=args.case)
    pages = f"{info['pages']} 页，" if info["pages"] else ""
    ctx.emit(info, f"已生成年度工作报告：{info['path']}（{pages}典型案例 {len(info['cases'])} 个）")
    return 0


def cmd_package_export(args, ctx) -> int:
    from app.services.exchange import packages

    ctx.authenticate()
    with ctx.as_actor():  # built, signed and read back on a consistent read; written only where it must
        with ctx.db.Session() as s:
            check = packages.readiness(s, args.period)
        info = packages.export_package_in_steps(
            ctx.db.Session, args.period, args.out, passphrase=_passphrase(), writer_factory=ctx.writer
        )
    ctx.release_write_lock()
    info["warning"] = check["warning"]
    ctx.emit(info, info["message"] + (f"\n注意：{check['warning']}" if check["warning"] else ""))
    return 0


def _passphrase(env: str = "SSJ_KEY_PASSPHRASE") -> str | None:
    import os

    return os.environ.get(env)


def cmd_key_passphrase(args, ctx) -> int:
    from app.services.exchange import packages
    from app.services.foundation import office as office_service

    with ctx.session() as s:
        office = office_service.change_passphrase(
            s, _passphrase(office_service.KEY_ENV), _passphrase(office_service.NEW_KEY_ENV)
        )
        fp = packages.key_fingerprint(office.public_key_pem)
    ctx.emit(
        {"ok": True, "fingerprint": fp},
        f"报送口令已设置，签名私钥已用新口令加密。公钥指纹：{packages.format_fingerprint(fp)}",
    )
    return 0


def cmd_key_replace(args, ctx) -> int:
    from app.services.exchange import packages
    from app.services.foundation import office as office_service

    with ctx.session() as s:
        info = office_service.replace_key(s, _passphrase(office_service.KEY_ENV), args.reason)
    ctx.emit(
        info,
        f"已更换签名密钥。新公钥指纹：{packages.format_fingerprint(info['fingerprint'])}\n"
        "请用“ssj key export --out 公钥.pem”导出新公钥交市局，电话核对指纹后由市局重新登记"
        "（ssj county register --replace）；在此之前市局不会接受本单位的新报送包。",
    )
    return 0


def cmd_package_import(args, ctx) -> int:
    from app.services.exchange import packages

    with ctx.session() as s:
        info = packages.import_package(s, args.file, period=args.period)
    ctx.emit(info, info["message"])
    return 0


def cmd_package_withdraw(args, ctx) -> int:
    from app.services.exchange import packages

    if args.id is None and not (args.county and args.period):
        raise UserError("请用 --county 和 --period 指定县级单位和期间，或用 --id 指定报送包编号。")
    with ctx.session() as s:
        info = packages.withdraw_report(
            s, county=args.county, period=args.period, reason=args.reason, report_id=args.id
        )
    ctx.emit(info, info["message"])
    return 0


def cmd_package_verify(args, ctx) -> int:
    from app.services.exchange import packages

    with ctx.session() as s:
        pkg = packages.verify_package(args.file, session=s)
        m = pkg.manifest
        info = {
            "ok": True,
            "county": pkg.county.office_name if pkg.county else "",
            "period": m["period"],
            "created_at": m.get("created_at"),
            "files": [f["name"] for f in m["files"]],
            "sha256": pkg.sha256,
        }
    ctx.emit(info, f"校验通过：{info['county']} {info['period']}，{len(info['files'])} 个文件，签名有效。")
    return 0


def cmd_key_export(args, ctx) -> int:
    from app.services.exchange import packages

    with ctx.session() as s:
        info = packages.export_public_key(s, args.out)
    ctx.emit(
        info,
        f"已导出本单位公钥：{info['path']}\n指纹：{info['fingerprint_display']}\n"
        f"请把公钥文件交给市局，并电话核对指纹。",
    )
    return 0


def cmd_county_register(args, ctx) -> int:
    from app.services.exchange import packages

    path = Path(args.key)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"找不到公钥文件 {path}。") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"无法读取公钥文件 {path}：请使用县级单位导出的 .pem 文件。") from exc
    with ctx.session() as s:
        county = packages.register_county(
            s, key_text=text, name=args.name, region_code=args.region_code, replace=args.replace
        )
        info = {
            "id": county.id,
            "name": county.office_name,
            "region_code": county.region_code,
            "fingerprint": county.key_fingerprint,
        }
    ctx.emit(info, f"已登记县级单位：{info['name']}\n公钥指纹：{packages.format_fingerprint(info['fingerprint'])}")
    return 0


def cmd_county_list(args, ctx) -> int:
    from app.services.exchange import packages

    with ctx.session() as s:
        rows = [
            {
                "id": c.id,
                "name": c.office_name,
                "region_code": c.region_code,
                "fingerprint": c.key_fingerprint,
                "active": c.active,
            }
            for c in packages.list_counties(s)
        ]
    ctx.emit(
        rows,
        lambda: (
            "\n".join(f"{r['id']}\t{r['name']}\t{r['region_code']}\t{r['fingerprint'][:16]}…" for r in rows)
            or "尚未登记县级单位。"
        ),
    )
    return 0


def cmd_city_stats(args, ctx) -> int:
    from app.services.exchange import packages

    with ctx.session() as s:
        data = packages.city_stats(s, args.period)

    def text() -> str:
        cols = data["columns"]
        out = [f"{data['period_label']} 全市汇总（已报送 {data['reported']}/{data['registered']}）"]
        for r in data["counties"]:
            if r["values"] is None:
                out.append(f"  {r['county']}：未报送")
            else:
                out.append(
                    f"  {r['county']}：已查 {r['values'][_idx(cols, 'inspected')]} 家次，"
                    f"公示率 {r['values'][_idx(cols, 'publication_rate')]}%"
                )
        out.append(
            f"  合计：已查 {data['total_by_key']['inspected']} 家次，公示率 {data['total_by_key']['publication_rate']}%"
        )
        return "\n".join(out)

    ctx.emit(data, text)
    return 0


def _idx(cols, key):
    return next(i for i, c in enumerate(cols) if c["key"] == key)
