"""Quarterly statistics: every figure checked against numbers computed here from the scenario description."""

from __future__ import annotations

import json
import subprocess

import pytest
from openpyxl import load_workbook

from app.services.reports import statistics as stats
from tests.stats_scenario import CHECKS, DRAWS, INSPECTORS, OBJECTS, build_scenario

BUCKET = {"特殊监管对象": "特殊", "重点监管对象": "重点", "简化管理对象": "简化", "一般监管对象": "一般"}
COUNTED = ("已抽取", "已确认")


def expected(codes: set[str], ytd: set[str], extra_general: int = 0) -> dict:
    """The table's figures, derived from the plain scenario description (not from app.services.reports.statistics)."""
    pool = {k: v for k, v in OBJECTS.items() if v[5] in ("存续", "停产")}
    exp = {
        "obj_total": len(pool) + extra_general,
        "obj_special": sum(1 for v in pool.values() if BUCKET[v[0]] == "特殊"),
        "obj_key": sum(1 for v in pool.values() if BUCKET[v[0]] == "重点"),
        "obj_simplified": sum(1 for v in pool.values() if BUCKET[v[0]] == "简化"),
        "obj_general": sum(1 for v in pool.values() if BUCKET[v[0]] == "一般") + extra_general,
        "obj_positive": sum(1 for v in pool.values() if v[2]),
        "inspectors": sum(1 for kind, cert, duty in INSPECTORS if kind == "执法人员" and cert and duty),
    }
    for b in ("特殊", "重点", "简化", "一般"):
        for k in ("required", "drawn", "inspected"):
            exp[f"{k}_{b}"] = 0
    for k in (
        "required",
        "drawn",
        "inspected",
        "offsite",
        "internal_joint",
        "dept_joint",
        "problems_found",
        "problem_count",
        "rectify",
        "cases",
        "published",
        "credit",
    ):
        exp[k] = 0
    checked_ytd = set()
    for dkey, label, cat, active, repl, mode, out in CHECKS:
        period, kind, state = DRAWS[dkey]
        if state not in COUNTED:
            continue
        done = active and out is not None and out["state"] != "未录入"
        if period in ytd and done:
            checked_ytd.add(label)
        if period not in codes:
            continue
        b = BUCKET[cat]
        if repl is None:
            exp[f"required_{b}"] += 1
            exp["required"] += 1
        if active:
            exp[f"drawn_{b}"] += 1
            exp["drawn"] += 1
        if not done:
            continue
        exp[f"inspected_{b}"] += 1
        exp["inspected"] += 1
        exp["offsite"] += mode == "非现场"
        exp["internal_joint"] += kind == "内部联合"
        exp["dept_joint"] += kind == "部门联合"
        exp["problems_found"] += out["problems"] > 0
        exp["problem_count"] += out["problems"]
        exp["rectify"] += out["rectify"]
        exp["cases"] += out["case"]
        exp["published"] += out["published"]
        exp["credit"] += bool(OBJECTS[label][3] or OBJECTS[label][4])
    exp["publication_rate"] = round(100 * exp["published"] / exp["inspected"], 2) if exp["inspected"] else 0.0
    exp["credit_rate"] = round(100 * exp.pop("credit") / exp["inspected"], 2) if exp["inspected"] else 0.0
    exp["annual_coverage"] = round(100 * len(checked_ytd) / exp["obj_total"], 2)
    return exp


@pytest.fixture
def scenario(session):
    sc = build_scenario(session)
    session.commit()
    return sc


def test_every_figure_of_the_quarter(session, scenario):
    data = stats.compute(session, "2026Q1")
    exp = expected({"2026Q1"}, {"2026Q1"})
    got = {f.key: v for f, v in zip(stats.FIELDS, stats.row_values(data))}
    assert set(got) == set(exp)
    assert got == exp
    # the scenario really exercises every column (no accidental zeros)
    assert exp["inspected"] == 6 and exp["required"] == 8 and exp["published"] == 5 and exp["cases"] == 1
    assert exp["offsite"] == exp["internal_joint"] == exp["dept_joint"] == 1
    assert data["rates"]["publication_rate"] == pytest.approx(83.33)
    assert data["classification_source"] == "fallback"
    assert data["office"].startswith("测试县")


def test_strata_and_year(session, scenario):
    data = stats.compute(session, "2026Q1")
    by_stratum = {(r["category"]): (r["required"], r["drawn"], r["inspected"]) for r in data["strata"]}
    assert by_stratum["重点监管对象"] == (2, 2, 2)  # K2 replaced by K3
    assert by_stratum["一般监管对象"] == (2, 2, 0)  # G3's draw was voided, G2 not entered
    year = stats.compute(session, "2026")
    exp_year = expected(
        {"2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026H1", "2026H2", "2026"}, {"2026Q1", "2026Q2", "2026Q3", "2026Q4"}
    )
    assert {f.key: v for f, v in zip(stats.FIELDS, stats.row_values(year))} == exp_year
    assert year["annual"]["objects_checked"] == 7  # 6 in Q1 + G4 in Q2; G5 was 2025
    assert [p["quarter"] for p in year["progress"]] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert [p["cumulative_inspected"] for p in year["progress"]] == [6, 7, 7, 7]
    q2 = stats.compute(session, "2026Q2")
    assert q2["checks"]["inspected"] == 1 and q2["annual"]["objects_checked"] == 7


def test_targets_against_actuals(session, scenario):
    data = stats.compute(session, "2026Q1")
    t = {x["key"]: x for x in data["targets"]}
    assert (
        t["internal_joint_rate"]["actual"] == pytest.approx(round(100 / 6, 2)) and not t["internal_joint_rate"]["met"]
    )
    assert t["dept_joint_checks"]["actual"] == 1 and t["dept_joint_checks"]["met"]  # one 部门联合 draw
    assert data["targets_source"] == "默认目标"
    assert t["credit_rate"]["actual"] == pytest.approx(round(400 / 6, 2)) and not t["credit_rate"]["met"]
    assert t["annual_coverage"]["met"] and t["annual_coverage"]["target"] == 5.0
    assert t["publication_rate"]["target"] == 100.0 and not t["publication_rate"]["met"]


def test_adjustments_of_the_quarter(session, scenario):
    data = stats.adjustments(session, "2026Q1")
    assert data["counts"] == {"新增": 1, "类型变更": 1, "消亡": 1, "正面清单调整": 1, "查处情况": 3}
    assert data["items"]["新增"][0]["name"].startswith("Z4")
    assert "简化管理 → 重点管理" in data["items"]["类型变更"][0]["content"]
    assert data["items"]["消亡"][0]["name"].startswith("D1")
    cases = {r["name"][:2]: r["content"] for r in data["items"]["查处情况"]}
    assert set(cases) == {"S1", "K3", "Z2"}
    assert "立案" in cases["K3"] and "罚款 50000.00 元" in cases["K3"] and "责令整改" in cases["S1"]


def test_cli_stats_json(cli, db, scenario):
    rc, out, err = cli("--json", "stats", "--period", "2026Q1")
    assert rc == 0, err
    data = json.loads(out)
    assert data["period"] == "2026Q1" and data["checks"]["inspected"] == 6
    rc, out, err = cli("stats", "--period", "2026Q9")
    assert rc == 1 and "期间" in err


def test_export_stats_xlsx_in_the_bureau_form(cli, db, scenario, tmp_path):
    out = tmp_path / "季度统计表.xlsx"
    rc, _out, err = cli("export", "stats", "--period", "2026Q1", "--out", str(out))
    assert rc == 0, err
    wb = load_workbook(out)
    ws = wb["季度统计表"]
    assert "测试县生态环境保护综合行政执法大队" in ws["A1"].value and "2026年第一季度" in ws["A1"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A3:A4" in merged and "B3:G3" in merged  # 污染源家数 over six columns
    assert ws["B3"].value == "污染源家数" and ws["B4"].value == "总数（家）"
    heads = [ws.cell(row=4, column=c).value or ws.cell(row=3, column=c).value for c in range(2, 2 + len(stats.FIELDS))]
    assert (
        any("（%）" in h for h in heads) and any("（人）" in h for h in heads) and any("（家次）" in h for h in heads)
    )
    exp = expected({"2026Q1"}, {"2026Q1"})
    row = {f.key: ws.cell(row=5, column=2 + i).value for i, f in enumerate(stats.FIELDS)}
    assert row == exp
    assert ws.cell(row=6, column=1).value == "合计"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    cat = wb["分类明细"]
    labels = [cat.cell(row=r, column=1).value for r in range(5, 10)]
    assert labels == ["特殊监管对象", "重点监管对象", "简化管理对象", "一般监管对象", "合计"]
    # totals row: counts summed, 公示率 recomputed (5/6), not averaged
    assert cat.cell(row=9, column=4).value == 8 and cat.cell(row=9, column=14).value == pytest.approx(83.33)


def test_export_adjustments_xlsx(cli, db, scenario, tmp_path):
    out = tmp_path / "名录库调整信息.xlsx"
    rc, stdout, err = cli("export", "adjustments", "--period", "2026Q1", "--out", str(out))
    assert rc == 0, err
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "新增", "类型变更", "消亡", "正面清单调整", "查处情况"]
    summary = {wb["汇总"].cell(row=r, column=1).value: wb["汇总"].cell(row=r, column=2).value for r in range(5, 11)}
    assert summary == {"新增": 1, "类型变更": 1, "消亡": 1, "正面清单调整": 1, "查处情况": 3, "合计": 7}
    assert wb["查处情况"].max_row == 4 and wb["新增"]["C2"].value == scenario.objects["Z4"].uscc


def test_annual_report_pdf(cli, db, scenario, tmp_path):
    out = tmp_path / "年度报告.pdf"
    case = scenario.outcomes["K3"].id
    rc, stdout, err = cli("--json", "report", "annual", "--year", "2026", "--case", str(case), "--out", str(out))
    assert rc == 0, err
    info = json.loads(stdout)
    assert info["cases"] == [case] and info["pages"] >= 2
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "2026年度" in text and "典型案例" in text and "K3测试企业有限公司" in text
    assert "已检查 7 家次" in text
    rc, _o, err = cli("report", "annual", "--year", "2026", "--case", "99999", "--out", str(out))
    assert rc == 1 and "99999" in err


def test_classification_path_uses_the_rule_pool(session, scenario):
    from app.services.rules import classification, policies

    policies.set_policy(session, "zezhou-2024")
    session.commit()
    data = stats.compute(session, "2026Q1")
    result = classification.classify(session, period="2026Q1")
    assert data["classification_source"] == "classification"
    assert data["objects"]["total"] == len(result)
    assert sum(data["objects"][c] for c in stats.CATEGORIES) == len(result)
    # the rule document's own targets (泽州: coverage ≥5%, 公示率 100%) replace the defaults
    assert {t["key"]: t["target"] for t in data["targets"]} == {"annual_coverage": 5.0, "publication_rate": 100.0}
    assert data["targets_source"] != "默认目标"


def test_dashboard_item_shows_quarter_progress(session, scenario):
    from datetime import date

    from app.services.reports import dashboard

    items = [i for i in stats.dashboard_items(session, date(2026, 2, 1))]
    assert items == [
        {
            "title": "2026年第一季度抽查进度",
            "value": "6/8",
            "level": "warn",
            "page": "stats",
            "detail": "已查 6 家次，应抽 8 家次；已公示 5 家次",
        }
    ]
    assert "app.services.reports.statistics" in dashboard.PROVIDERS
    assert stats.dashboard_items(session, date(2026, 8, 1)) == []  # nothing drawn in Q3


def test_category_buckets_keep_a_simplified_column_for_every_preset():
    assert stats.category_bucket("特殊监管对象", "特殊监管对象（低风险）", "简化管理") == "特殊"
    assert stats.category_bucket("重点排污单位", "", "重点管理") == "重点"
    assert stats.category_bucket("一般排污单位", "一般排污单位（低风险）", "简化管理") == "简化"  # 泽州 非重点
    assert stats.category_bucket("一般排污单位", "一般排污单位（低风险）", "登记管理") == "一般"
    assert stats.category_bucket("一般监管对象", "简化管理（5%/季）", "") == "简化"  # 隆尧 stratum
    assert stats.category_bucket("未分类") == "一般"


def test_publication_figures_agree_with_the_outcomes_area(session, scenario):
    from app.services.outcomes import publication

    mine = stats.compute(session, "2026Q1")
    theirs = publication.publication_rate(session, "2026Q1")
    assert (mine["checks"]["inspected"], mine["checks"]["published"]) == (theirs["entered"], theirs["published"])
    assert mine["rates"]["publication_rate"] == pytest.approx(100 * theirs["rate"], abs=0.01)


def test_home_target_and_statistics_agree_on_annual_coverage(session, scenario):
    """首页's 年度抽查企业占比 and the statistics table's 年度覆盖率 count the same objects."""
    from app.services.rules import policies, targets

    policies.set_policy(session, "zezhou-2024")
    session.commit()
    table = stats.compute(session, "2026Q4")  # year to date through Q4 = the whole year
    target = {t["key"]: t for t in targets.compute_targets(session, 2026)}["annual_coverage"]
    assert table["annual"]["objects_checked"] > 0
    assert f"已检查 {table['annual']['objects_checked']} 家 / 名录 {table['annual']['pool']} 家" in target["detail"]
    assert round(float(target["actual"]) * 100, 2) == table["annual"]["coverage"]
