"""季度统计表 and 名录库调整信息 as the bureau's Excel forms (titles, grouped headers, print set-up).

The figures come from `statistics.compute` / `statistics.adjustments`; this module only lays them out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.core import Office
from app.services.foundation.periods import Period, parse_period
from app.services.reports.statistics import (
    ADJUSTMENT_KINDS,
    CATEGORIES,
    FIELDS,
    adjustments,
    compute,
    get_path,
    labels_of,
    pct,
    row_values,
    sum_rows,
)


def _title_rows(ws, title: str, subtitle: str, ncols: int) -> None:
    from openpyxl.styles import Alignment, Font

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    c = ws.cell(row=1, column=1, value=title)
    c.font = Font(name="宋体", bold=True, size=16)
    c.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    c = ws.cell(row=2, column=1, value=subtitle)
    c.font = Font(name="宋体", size=10)
    c.alignment = Alignment(horizontal="left", vertical="center")


def _print_setup(ws, header_rows: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_title_rows = header_rows


def write_form(
    ws,
    *,
    title: str,
    subtitle: str,
    first_header: str,
    groups: list[tuple[str, list[str]]],
    rows: list[tuple[str, list]],
    total: list | None,
    total_label: str = "合计",
) -> int:
    """A bureau form: title, subtitle, two-row merged headers (group / column with unit), rows, totals row.

    `groups` is [(group header, [column headers])]; a group with one column whose header equals the group
    is merged over both header rows. Returns the last row written.
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from app.services.foundation.xlsx import BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADER_FONT, safe_cell

    ncols = 1 + sum(len(cols) for _g, cols in groups)
    _title_rows(ws, title, subtitle, ncols)
    h1, h2 = 3, 4
    ws.merge_cells(start_row=h1, start_column=1, end_row=h2, end_column=1)
    ws.cell(row=h1, column=1, value=first_header)
    col = 2
    for group, cols in groups:
        if len(cols) == 1 and cols[0] == group:
            ws.merge_cells(start_row=h1, start_column=col, end_row=h2, end_column=col)
            ws.cell(row=h1, column=col, value=group)
        else:
            if len(cols) > 1:
                ws.merge_cells(start_row=h1, start_column=col, end_row=h1, end_column=col + len(cols) - 1)
            ws.cell(row=h1, column=col, value=group)
            for i, name in enumerate(cols):
                ws.cell(row=h2, column=col + i, value=name)
        col += len(cols)
    for r in (h1, h2):
        ws.row_dimensions[r].height = 32
        for c in range(1, ncols + 1):
            cell = ws.cell(row=r, column=c)
            cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
    r = h2
    all_rows = list(rows) + ([(total_label, total)] if total is not None else [])
    for i, (label, values) in enumerate(all_rows):
        r = h2 + 1 + i
        is_total = total is not None and i == len(all_rows) - 1
        for c, v in enumerate([label, *values], 1):
            cell = ws.cell(row=r, column=c, value=safe_cell(v))
            cell.font = Font(name="宋体", size=10, bold=is_total) if is_total else BODY_FONT
            cell.border = BORDER
            cell.alignment = CENTER
            if isinstance(v, float) and not float(v).is_integer():
                cell.number_format = "0.00"
    ws.column_dimensions["A"].width = 26
    for c in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 9
    ws.freeze_panes = ws.cell(row=h2 + 1, column=2)
    _print_setup(ws, f"{h1}:{h2}")
    return r


def stats_groups() -> list[tuple[str, list[str]]]:
    """FIELDS grouped for the two header rows: (group, ["总数（家）", ...])."""
    groups: list[tuple[str, list[str]]] = []
    for f in FIELDS:
        head = f"{f.label}（{f.unit}）"
        if groups and groups[-1][0] == f.group:
            groups[-1][1].append(head)
        else:
            groups.append((f.group, [head]))
    return groups


CATEGORY_SHEET_COLUMNS = [
    ("污染源家数（家）", None),
    ("应抽（家次）", "required"),
    ("实抽（家次）", "drawn"),
    ("已查（家次）", "inspected"),
    ("完成率（%）", ("inspected", "required")),
    ("非现场（家次）", "offsite"),
    ("内部联合（家次）", "internal_joint"),
    ("部门联合（家次）", "dept_joint"),
    ("发现问题（家次）", "problems_found"),
    ("责令整改（家）", "rectify"),
    ("立案（件）", "cases"),
    ("已公示（家次）", "published"),
    ("公示率（%）", ("published", "inspected")),
]


def category_rows(stats: dict) -> tuple[list[tuple[str, list]], list]:
    """Rows per supervision category and the totals row (rates recomputed from sums)."""
    rows = []
    totals: dict[str, float] = defaultdict(float)
    for cat in CATEGORIES:
        c = get_path(stats, ("categories", cat), {}) or {}
        values = []
        for _head, key in CATEGORY_SHEET_COLUMNS:
            if key is None:
                v = get_path(stats, ("objects", cat))
                totals["_objects"] += v
            elif isinstance(key, tuple):
                v = pct(c.get(key[0], 0), c.get(key[1], 0))
            else:
                v = c.get(key, 0)
                totals[key] += v
            values.append(v)
        rows.append((labels_of(stats)[cat], values))
    total = []
    for _head, key in CATEGORY_SHEET_COLUMNS:
        if key is None:
            total.append(int(totals["_objects"]))
        elif isinstance(key, tuple):
            total.append(pct(totals[key[0]], totals[key[1]]))
        else:
            total.append(int(totals[key]))
    return rows, total


def export_stats_xlsx(session: Session, period: str | Period, out) -> dict:
    """季度统计表 (Excel) in the bureau's form; returns the stats dict it was written from."""
    from openpyxl import Workbook

    from app.services.foundation.xlsx import save_workbook

    p = parse_period(period) if isinstance(period, str) else period
    stats = compute(session, p)
    office = stats["office"] or "本单位"
    wb = Workbook()
    ws = wb.active
    ws.title = "季度统计表"
    made = datetime.now().strftime("%Y-%m-%d")
    subtitle = (
        f"填报单位：{office}    行政区划代码：{stats['region_code'] or '—'}    统计期间：{p.label}"
        f"（{p.start.isoformat()} 至 {p.end.isoformat()}）    制表日期：{made}"
    )
    row = [(office, row_values(stats))]
    write_form(
        ws,
        title=f"{office}{p.label}“双随机、一公开”监管工作统计表",
        subtitle=subtitle,
        first_header="填报单位",
        groups=stats_groups(),
        rows=row,
        total=sum_rows([stats]),
    )
    ws2 = wb.create_sheet("分类明细")
    rows, total = category_rows(stats)
    write_form(
        ws2,
        title=f"{office}{p.label}分监管类别抽查情况",
        subtitle=subtitle,
        first_header="监管类别",
        groups=[(h, [h]) for h, _k in CATEGORY_SHEET_COLUMNS],
        rows=rows,
        total=total,
    )
    ws3 = wb.create_sheet("目标完成情况")
    trows = [
        (t["name"], [t["unit"], t["target"], t["actual"], "达到" if t["met"] else "未达到"]) for t in stats["targets"]
    ]
    write_form(
        ws3,
        title=f"{office}{p.label}工作目标完成情况",
        subtitle=subtitle,
        first_header="指标",
        groups=[("单位", ["单位"]), ("目标值", ["目标值"]), ("实际值", ["实际值"]), ("是否达到", ["是否达到"])],
        rows=trows,
        total=None,
    )
    ws3.column_dimensions["E"].width = 12
    save_workbook(wb, out)
    return stats


ADJUSTMENT_HEADERS = ["序号", "单位名称", "统一社会信用代码", "调整类型", "调整内容", "日期", "来源", "经办人"]


def export_adjustments_xlsx(session: Session, period: str | Period, out) -> dict:
    """名录库调整信息 (Excel): a summary sheet and one sheet per kind of change."""
    from openpyxl import Workbook

    from app.services.foundation.xlsx import save_workbook, write_table

    p = parse_period(period) if isinstance(period, str) else period
    data = adjustments(session, p)
    office = session.scalar(select(Office).order_by(Office.id).limit(1))
    name = office.name if office else "本单位"
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    subtitle = f"填报单位：{name}    统计期间：{p.label}（{p.start.isoformat()} 至 {p.end.isoformat()}）"
    write_form(
        ws,
        title=f"{name}{p.label}检查对象名录库调整信息",
        subtitle=subtitle,
        first_header="调整类型",
        groups=[("数量（家）", ["数量（家）"])],
        rows=[(k, [data["counts"][k]]) for k in ADJUSTMENT_KINDS],
        total=[sum(data["counts"].values())],
    )
    ws.column_dimensions["B"].width = 14
    from app.services.foundation import listings

    names = listings.display_names(session)  # 操作人 by the person's name, never the login name
    for kind in ADJUSTMENT_KINDS:
        sheet = wb.create_sheet(kind)
        rows = [
            [
                i,
                r["name"],
                r["uscc"],
                r["kind"],
                r["content"],
                r["date"],
                r["source"],
                listings.person_text(names, r["user"]),
            ]
            for i, r in enumerate(data["items"][kind], 1)
        ]
        write_table(sheet, ADJUSTMENT_HEADERS, rows)
        _print_setup(sheet, "1:1")
    save_workbook(wb, out)
    return data
