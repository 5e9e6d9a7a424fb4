"""涉企检查频次 figures on 首页, in 统计报表 and in the annual report, on calendars written by hand: enterprises
inspected more than once and how often, the shares of 内部联合 / 部门联合 checks against 秦皇岛's 30% /
once-a-quarter targets, the share of 非现场 checks, and the annual report's "检查频次" table by group."""

from __future__ import annotations

import subprocess
from datetime import date

from app.models import InspectionObject, Outcome, Plan, Task
from app.services.draw import frequency
from app.services.reports import annual_report, frequency_figures
from tests.factories import make_object
from tests.outcomes_factories import make_draw


def drawn(session, objects, period, kind="本部门", mode="现场", checked=None):
    d, sels = make_draw(session, period, n=len(objects))
    plan = session.get(Plan, session.get(Task, d.task_id).plan_id)
    plan.kind = kind
    for sel, obj in zip(sels, objects):
        session.delete(session.get(InspectionObject, sel.object_id))  # the factory's own object: not in this pool
        sel.object_id, sel.uscc, sel.name, sel.mode = obj.id, obj.uscc, obj.name, mode
        if checked:
            method = "现场检查" if mode == "现场" else "书面核查"
            session.add(Outcome(selection_id=sel.id, check_date=checked, method=method, result="未发现问题"))
    session.flush()
    return d


def calendar(session):
    """Q1: 本部门 checks of A, B, C (C 非现场) and one 内部联合 check of D → 内部联合 1/4 = 25% < 30%, 部门联合 0.
    Q2: 部门联合 checks of A and E → 部门联合 1 draw; 内部联合 0/2. Other bodies: A twice (市场监管, 应急)."""
    a, b, c, d, e = (make_object(session, name=f"企业{x}", permit_class="重点管理") for x in "ABCDE")
    drawn(session, [a, b], "2026Q1", checked=date(2026, 2, 10))
    drawn(session, [c], "2026Q1", mode="非现场", checked=date(2026, 2, 11))
    drawn(session, [d], "2026Q1", kind="内部联合", checked=date(2026, 3, 1))
    drawn(session, [a, e], "2026Q2", kind="部门联合", checked=date(2026, 5, 6))
    frequency.add_check(session, uscc=a.uscc, authority="县市场监督管理局", check_date=date(2026, 3, 2))
    frequency.add_check(session, uscc=a.uscc, authority="县应急管理局", check_date=date(2026, 4, 9), method="视频检查")
    return a, b, c, d, e


def test_year_figures_repeated_joint_shares_and_non_site(session):
    a, *_ = calendar(session)
    f = frequency_figures.year_figures(session, 2026, upto_quarter=2)
    assert f["repeated"] == 1 and f["by_count"] == {"1": 4, "4": 1}  # A: Q1, Q2, 市场监管, 应急
    assert f["most"] == [{"uscc": a.uscc, "name": a.name, "count": 4, "onsite": 3}]
    assert (f["inspections"], f["non_site"]) == (8, 2) and f["non_site_rate"] == 25.0  # C 书面, A 视频
    q1, q2 = f["quarters"]
    assert (q1["quarter"], q1["checks"], q1["internal_joint"], q1["internal_joint_rate"]) == ("2026Q1", 4, 1, 25.0)
    assert q1["internal_joint_met"] is False and q1["dept_joint_draws"] == 0 and q1["dept_joint_met"] is False
    assert (q2["checks"], q2["dept_joint"], q2["dept_joint_draws"], q2["dept_joint_met"]) == (2, 2, 1, True)
    assert f["targets"] == {"internal_joint_rate": 30.0, "dept_joint_per_quarter": 1}
    assert "30%" in f["basis"] and "秦皇岛" in f["basis"]


def test_home_page_shows_how_often_and_the_joint_and_non_site_shares(session):
    calendar(session)
    from app.services.reports import dashboard

    assert "app.services.reports.frequency_figures" in dashboard.PROVIDERS
    today = date(2026, 6, 1)
    items = {
        i["title"]: i
        for i in frequency.dashboard_items(session, today) + frequency_figures.dashboard_items(session, today)
    }
    assert items["2026年重复受检企业"]["value"] == "1 家" and "4 次 1 家" in items["2026年重复受检企业"]["detail"]
    joint = items["联合检查与非现场检查"]
    assert "内部联合" in joint["value"] and "部门联合" in joint["value"] and "非现场 25%" in joint["value"]
    assert "30%" in joint["detail"] and joint["level"] == "warn"  # 25% in Q1 is below 秦皇岛's 30%
    year = frequency_figures.year_figures(session, 2026, upto_quarter=2)
    assert year["non_site"] * 4 == year["inspections"]  # the 25%: its count stands beside it
    assert f"本年非现场检查 {year['non_site']}/{year['inspections']} 次" in joint["detail"]


def test_frequency_table_by_enterprise_group(session):
    calendar(session)
    other = make_object(session, name="企业F", permit_class="简化管理")
    drawn(session, [other], "2026Q1", checked=date(2026, 2, 12))
    rows = {r["group"]: r for r in frequency_figures.by_group(session, 2026)}
    key = rows["重点监管对象"]
    assert (key["enterprises"], key["inspected"], key["once"], key["twice"], key["more"]) == (5, 5, 4, 0, 1)
    assert (key["inspections"], key["onsite"], key["max"]) == (8, 6, 4)
    assert rows["简化管理对象"]["inspected"] == 1 and rows["合计"]["inspections"] == 9


def test_annual_report_has_the_frequency_table(session, tmp_path):
    calendar(session)
    out = annual_report.build_annual_report(session, 2026, tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", "-raw", out["path"], "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    assert "检查频次" in flat and "受检2次" in flat and "重点监管对象" in flat
    subprocess.run(["pdftoppm", "-png", "-r", "60", out["path"], str(tmp_path / "page")], check=True)
