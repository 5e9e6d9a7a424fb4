"""年度工作报告 (PDF): the year's figures, two charts and the typical cases the clerk chose."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.services.foundation.errors import UserError
from app.services.foundation.office import require_office
from app.services.foundation.periods import parse_period
from app.services.reports import frequency_figures
from app.services.reports import statistics as stats_service


def bar_chart(stats: dict, width: float, height: float):
    """应抽 vs 已查 per supervision category (reportlab.graphics)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    from app.services.foundation.pdf import FONT, register_fonts

    register_fonts()
    cats = stats_service.CATEGORIES
    required = [stats["categories"][c]["required"] for c in cats]
    inspected = [stats["categories"][c]["inspected"] for c in cats]
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 140, height - 70
    chart.data = [required, inspected]
    labels = stats_service.labels_of(stats)
    chart.categoryAxis.categoryNames = [labels[c] for c in cats]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.valueMin = 0
    top = max(required + inspected + [1])
    chart.valueAxis.valueMax = top + max(1, top // 5)
    chart.valueAxis.valueStep = max(1, (top + 4) // 5)
    chart.bars[0].fillColor = colors.HexColor("#9DB9D8")
    chart.bars[1].fillColor = colors.HexColor("#2E6DB4")
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 90, height - 40
    legend.fontName = FONT
    legend.fontSize = 8
    legend.colorNamePairs = [(colors.HexColor("#9DB9D8"), "应抽（家次）"), (colors.HexColor("#2E6DB4"), "已查（家次）")]
    d.add(legend)
    d.add(String(width / 2, height - 12, "各监管类别应抽与已查", fontName=FONT, fontSize=10, textAnchor="middle"))
    return d


def line_chart(stats: dict, width: float, height: float):
    """Cumulative 应抽 vs 已查 over the quarters of the year."""
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors

    from app.services.foundation.pdf import FONT, register_fonts

    register_fonts()
    progress = stats["progress"] or [{"quarter": "—", "cumulative_required": 0, "cumulative_inspected": 0}]
    req = [p["cumulative_required"] for p in progress]
    done = [p["cumulative_inspected"] for p in progress]
    d = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 140, height - 70
    chart.data = [req, done]
    chart.categoryAxis.categoryNames = [
        f"第{'一二三四'[int(p['quarter'][-1]) - 1]}季度" if p["quarter"][-2:-1] == "Q" else p["quarter"]
        for p in progress
    ]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.valueMin = 0
    top = max(req + done + [1])
    chart.valueAxis.valueMax = top + max(1, top // 5)
    chart.valueAxis.valueStep = max(1, (top + 4) // 5)
    chart.lines[0].strokeColor = colors.HexColor("#9DB9D8")
    chart.lines[1].strokeColor = colors.HexColor("#C0392B")
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 2
    chart.lines[0].symbol = makeMarker("Circle")
    chart.lines[1].symbol = makeMarker("Square")
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 90, height - 40
    legend.fontName = FONT
    legend.fontSize = 8
    legend.colorNamePairs = [(colors.HexColor("#9DB9D8"), "累计应抽"), (colors.HexColor("#C0392B"), "累计已查")]
    d.add(legend)
    d.add(String(width / 2, height - 12, "全年累计进度", fontName=FONT, fontSize=10, textAnchor="middle"))
    return d


def typical_cases(session: Session, year: int, case_ids: list[int]) -> list[dict]:
    out = []
    for oid in case_ids:
        outcome = session.get(Outcome, oid)
        if outcome is None:
            raise UserError(f"典型案例：找不到 id 为 {oid} 的检查结果。请在“检查结果”页查看正确的编号。")
        sel = session.get(DrawSelection, outcome.selection_id)
        draw = session.get(Draw, sel.draw_id) if sel else None
        if draw is None or not draw.period.startswith(str(year)):
            raise UserError(f"典型案例：检查结果 {oid} 不属于 {year} 年的抽查。请选择本年度的案例。")
        out.append(
            {
                "id": oid,
                "name": sel.name,
                "uscc": sel.uscc,
                "category": sel.category,
                "check_date": outcome.check_date.isoformat() if outcome.check_date else "",
                "method": outcome.method,
                "findings": outcome.findings,
                "result": outcome.result,
                "problems": outcome.problems,
                "case_no": outcome.case_no,
                "rectify_deadline": outcome.rectify_deadline.isoformat() if outcome.rectify_deadline else "",
                "rectify_result": outcome.rectify_result,
                "penalty": float(outcome.penalty_amount) if outcome.penalty_amount is not None else None,
                "transfer_to": outcome.transfer_to,
            }
        )
    return out


def summary_text(stats: dict, year: int) -> str:
    """一、总体情况 as one paragraph (the PDF and the Word report say the same)."""
    c, r, o = stats["checks"], stats["rates"], stats["objects"]
    return (
        f"截至{year}年末，本单位检查对象名录库共有污染源 {o['total']} 家"
        f"（特殊监管 {o['特殊']} 家、重点监管 {o['重点']} 家、"
        f"简化管理 {o['简化']} 家、一般监管 {o['一般']} 家，其中正面清单 {o['positive_list']} 家），"
        f"在岗执法人员 {stats['inspectors_on_duty']} 人。"
        f"全年应抽 {c['required']} 家次，实抽 {c['drawn']} 家次，已检查 {c['inspected']} 家次"
        f"（完成率 {r['completion_rate']}%），其中非现场检查 {c['offsite']} 家次、"
        f"内部联合抽查 {c['internal_joint']} 家次、部门联合抽查 {c['dept_joint']} 家次。"
        f"检查中发现问题 {c['problems_found']} 家次（问题 {c['problem_count']} 个），"
        f"责令整改 {c['rectify']} 家，立案 {c['cases']} 件；"
        f"抽查结果已公示 {c['published']} 家次，公示率 {r['publication_rate']}%。"
        f"信用风险分类运用比例 {r['credit_rate']}%，年度抽查覆盖率 {r['annual_coverage']}%。"
    )


QUARTER_HEAD = [
    "季度",
    "应抽",
    "实抽",
    "已查",
    "非现场",
    "内部联合",
    "部门联合",
    "发现问题",
    "责令整改",
    "立案",
    "公示率(%)",
]
_QUARTER_KEYS = [
    "required",
    "drawn",
    "inspected",
    "offsite",
    "internal_joint",
    "dept_joint",
    "problems_found",
    "rectify",
]


def quarter_table(session: Session, period, stats: dict, memo: dict | None = None) -> list[list]:
    """二、分季度情况: the header, one row a quarter, then 全年."""
    rows = [list(QUARTER_HEAD)]
    for label, qs in stats_service.quarter_rows(session, period, memo):
        qc = qs["checks"]
        rows.append([label, *(qc[k] for k in _QUARTER_KEYS), qc["cases"], qs["rates"]["publication_rate"]])
    c, r = stats["checks"], stats["rates"]
    rows.append(["全年", *(c[k] for k in _QUARTER_KEYS), c["cases"], r["publication_rate"]])
    return rows


def case_lines(case: dict) -> list[str]:
    lines = [
        f"统一社会信用代码：{case['uscc']}；监管类别：{case['category'] or '—'}；"
        f"检查日期：{case['check_date'] or '—'}；"
        f"检查方式：{case['method'] or '—'}。"
    ]
    if case["findings"]:
        lines.append(f"发现问题：{case['findings']}")
    follow = []
    if case["rectify_deadline"]:
        follow.append(
            f"责令限期（{case['rectify_deadline']}前）整改"
            + (f"，{case['rectify_result']}" if case["rectify_result"] else "")
        )
    if case["case_no"]:
        follow.append(f"立案查处（案号 {case['case_no']}）")
    if case["penalty"] is not None:
        follow.append(f"罚款 {case['penalty']:.2f} 元")
    if case["transfer_to"]:
        follow.append(f"移送{case['transfer_to']}")
    lines.append(f"检查结果：{case['result'] or '—'}" + (f"；后续处置：{'，'.join(follow)}。" if follow else "。"))
    return lines


def _case_title(i: int, case: dict) -> str:
    return f"案例{'一二三四五六七八九十'[i - 1] if i <= 10 else i}：{case['name']}"


def annual_docx(session: Session, year: int, out, *, case_ids: list[int] | None = None) -> dict:
    """The annual report as an editable Word document: the same text and tables as the PDF; the charts' figures
    as a table (应抽 and 已查 per category), so the office can edit every number before stamping."""
    from app.services.foundation import word

    period = parse_period(str(year))
    office = require_office(session)
    memo: dict = {}  # the year and its quarters read the draws once
    stats = stats_service.compute(session, period, memo)
    cases = typical_cases(session, year, list(case_ids or []))
    doc = word.new_document(title=f"{office.name}{year}年度双随机抽查工作报告")
    word.paragraph(doc, office.name, size=14, align=word.CENTER, space_after=4)
    word.title(doc, f"{year}年度“双随机、一公开”监管工作报告")
    word.heading(doc, "一、总体情况")
    word.paragraph(doc, summary_text(stats, year), indent=True)
    word.heading(doc, "二、分季度情况")
    rows = quarter_table(session, period, stats, memo)
    widths = [18, 12, 12, 12, 13, 14, 14, 14, 14, 11, 22]  # 156 mm: the A4 text width
    word.table(doc, rows[0], [[str(v) for v in r] for r in rows[1:]], widths, size=9)
    word.heading(doc, "三、完成情况")
    cats = stats_service.CATEGORIES
    word.table(
        doc,
        ["监管类别", "应抽（家次）", "已查（家次）"],
        [
            [
                stats_service.CATEGORY_LABELS[k],
                str(stats["categories"][k]["required"]),
                str(stats["categories"][k]["inspected"]),
            ]
            for k in cats
        ],
        [60, 40, 40],
    )
    word.heading(doc, "四、工作目标完成情况")
    word.table(
        doc,
        ["指标", "目标", "实际", "是否达到"],
        [
            [t["name"], f"{t['target']:g}{t['unit']}", f"{t['actual']:g}{t['unit']}", "达到" if t["met"] else "未达到"]
            for t in stats["targets"]
        ],
        [60, 30, 30, 30],
    )
    text, freq_rows = frequency_figures.annual_content(session, year)
    word.heading(doc, "检查频次", size=12)
    word.paragraph(doc, text, indent=True, space_after=4)
    word.table(doc, freq_rows[0], freq_rows[1:], [28] + [16] * 8, size=9)
    word.heading(doc, "五、典型案例")
    if not cases:
        word.paragraph(doc, "本报告未选取典型案例。", indent=True)
    for i, case in enumerate(cases, 1):
        word.heading(doc, _case_title(i, case), size=12)
        for line in case_lines(case):
            word.paragraph(doc, line, indent=True)
    word.paragraph(doc, "", space_after=18)
    word.paragraph(doc, f"{office.name}　　{date.today():%Y年%m月%d日}", align=word.RIGHT)
    path = word.save(doc, out)
    return {
        "path": str(path),
        "year": year,
        "pages": None,
        "cases": [c["id"] for c in cases],
        "inspected": stats["checks"]["inspected"],
    }


def build_annual_report(session: Session, year: int, out, *, case_ids: list[int] | None = None) -> dict:
    """The annual report as a PDF, or as Word (.docx) when `out` ends so."""
    if str(out).lower().endswith(".docx"):
        return annual_docx(session, year, out, case_ids=case_ids)
    if not str(out).lower().endswith(".pdf"):
        raise UserError(f"输出文件“{Path(out).name}”应以 .pdf 或 .docx（Word，可编辑后盖章）结尾。")
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from app.services.foundation.pdf import FONT, FONT_BOLD, build_pdf, esc, styles

    period = parse_period(str(year))
    office = require_office(session)
    st = styles()
    memo: dict = {}  # the year and its quarters read the draws once
    stats = stats_service.compute(session, period, memo)
    cases = typical_cases(session, year, list(case_ids or []))
    story = [
        Paragraph(esc(f"{office.name}"), st["subtitle"]),
        Paragraph(esc(f"{year}年度“双随机、一公开”监管工作报告"), st["title"]),
    ]
    story.append(Paragraph("一、总体情况", st["h2"]))
    story.append(Paragraph(esc(summary_text(stats, year)), st["body"]))
    story.append(Paragraph("二、分季度情况", st["h2"]))
    rows = quarter_table(session, period, stats, memo)
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    story.append(Paragraph("三、完成情况图示", st["h2"]))
    chart_w = 150 * mm
    story += [bar_chart(stats, chart_w, 62 * mm), Spacer(1, 3 * mm), line_chart(stats, chart_w, 62 * mm)]
    story.append(Paragraph("四、工作目标完成情况", st["h2"]))
    trows = [["指标", "目标", "实际", "是否达到"]]
    for t in stats["targets"]:
        trows.append(
            [t["name"], f"{t['target']:g}{t['unit']}", f"{t['actual']:g}{t['unit']}", "达到" if t["met"] else "未达到"]
        )
    tt = Table(trows, colWidths=[60 * mm, 30 * mm, 30 * mm, 30 * mm])
    tt.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "CENTER"),
            ]
        )
    )
    story.append(tt)
    story += frequency_figures.annual_section(session, year, st)
    story.append(Paragraph("五、典型案例", st["h2"]))
    if not cases:
        story.append(Paragraph("本报告未选取典型案例。", st["body"]))
    for i, case in enumerate(cases, 1):
        story.append(Paragraph(esc(_case_title(i, case)), st["h2"]))
        for line in case_lines(case):
            story.append(Paragraph(esc(line), st["body"]))
    story.append(Spacer(1, 8 * mm))
    story.append(Paragraph(esc(f"{office.name}　　{date.today():%Y年%m月%d日}"), st["right"]))
    path = build_pdf(out, story, title=f"{office.name}{year}年度双随机抽查工作报告")
    pages = len(re.findall(rb"/Type /Page[^s]", Path(path).read_bytes()))
    return {
        "path": str(path),
        "year": year,
        "pages": pages,
        "cases": [c["id"] for c in cases],
        "inspected": stats["checks"]["inspected"],
    }
