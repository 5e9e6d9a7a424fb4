"""The user manual as a PDF: `ssj manual --out 使用手册.pdf` (no database needed)."""

from __future__ import annotations

from pathlib import Path

from app.services.foundation.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("manual", help="导出使用手册（PDF，供打印）")
    p.add_argument("--out", required=True, help="输出文件 .pdf")
    p.set_defaults(func=cmd_manual)


def cmd_manual(args, ctx) -> int:
    from app.services.foundation import manual

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise UserError(f"输出文件“{out.name}”应以 .pdf 结尾。")
    info = manual.manual_pdf(out)
    ctx.emit(info, f"已导出使用手册：{info['file']}（{len(info['sections'])} 节）")
    return 0
