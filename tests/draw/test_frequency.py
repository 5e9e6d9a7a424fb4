"""涉企检查频次 with calendars written by hand: this office's draws across tasks, other bodies' checks, the limit."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from app.models import Outcome
from app.models.checks import ExternalCheck
from app.services.draw import frequency
from app.services.foundation.errors import UserError
from tests.factories import make_object, make_uscc
from tests.outcomes_factories import make_draw


def sheet(
    tmp_path,
    rows,
    name="checks.xlsx",
    header=("统一社会信用代码", "企业名称", "检查机关", "检查日期", "检查事项", "检查方式"),
):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    path = tmp_path / name
    wb.save(path)
    return path


def draw_of(session, objects, period="2026Q1", state="已确认", mode="现场", checked=None):
    """A draw of exactly these objects (the factory's own objects are replaced by them)."""
    d, sels = make_draw(session, period, n=len(objects), state=state)
    for sel, obj in zip(sels, objects):
        sel.object_id, sel.uscc, sel.name, sel.mode = obj.id, obj.uscc, obj.name, mode
        if checked:
            method = "现场检查" if mode == "现场" else "书面核查"
            session.add(Outcome(selection_id=sel.id, check_date=checked, method=method, result="未发现问题"))
    session.flush()
    return d


def test_one_enterprise_counted_across_tasks_periods_and_other_bodies(session, tmp_path):
    a, b = make_object(session), make_object(session)
    draw_of(session, [a], "2026Q1", checked=date(2026, 2, 10))
    draw_of(session, [a, b], "2026Q2")  # drawn, not yet inspected: planned
    draw_of(session, [a], "2026Q2", mode="非现场", checked=date(2026, 5, 6))
    draw_of(session, [a], "2026Q3", state="已作废")  # voided: not an inspection
    draw_of(session, [a], "2025Q4", checked=date(2025, 11, 3))  # another year
    frequency.add_check(session, uscc=a.uscc, authority="市场监管局", check_date=date(2026, 3, 2), method="现场检查")
    frequency.add_check(session, uscc=a.uscc, authority="应急管理局", check_date=date(2026, 4, 9), method="书面核查")
    frequency.add_check(session, uscc=a.uscc, authority="消防救援大队", check_date=date(2025, 12, 30))

    report = frequency.frequency_report(session, 2026)
    assert report["year"] == 2026 and report["limit"] is None and report["over_limit"] == []
    first = report["objects"][0]
    assert first["uscc"] == a.uscc and first["name"] == a.name
    assert (first["count"], first["onsite"]) == (5, 3)  # Q1, Q2 planned, Q2 non-site, 市场监管, 应急(书面)
    assert [c["date"] for c in first["checks"]] == ["2026-02-10", "2026-03-02", "2026-04-09", "2026-05-06", ""]
    assert [c["source"] for c in first["checks"]][-1] == "本单位抽查（待检查）"
    assert set(first["checks"][0]) == {"date", "by", "source", "task", "onsite"}
    assert report["objects"][1]["uscc"] == b.uscc and report["objects"][1]["count"] == 1
    assert frequency.frequency_report(session, 2025)["objects"][0]["count"] == 2


def test_limit_is_office_data_with_its_sentence_and_over_limit(session):
    a, b = make_object(session), make_object(session)
    draw_of(session, [a, b], "2026Q1", checked=date(2026, 2, 10))
    draw_of(session, [a], "2026Q2", checked=date(2026, 5, 10))
    frequency.add_check(session, uscc=a.uscc, authority="市场监管局", check_date=date(2026, 3, 2))
    assert frequency.get_limit(session) == {"limit": None, "basis": ""}
    with pytest.raises(UserError, match="依据的文件条文"):
        frequency.set_limit(session, 2, "")
    with pytest.raises(UserError, match="正整数"):
        frequency.set_limit(session, 0, "x")
    frequency.set_limit(session, 2, "同一企业一年内现场检查原则上不超过 2 次")
    assert frequency.get_limit(session)["limit"] == 2
    report = frequency.frequency_report(session, 2026)
    assert report["limit"] == 2 and report["over_limit"] == [a.uscc]  # 3 on-site > 2; b has 1
    assert frequency.frequency_report(session, 2026, limit=3)["over_limit"] == []  # --limit overrides
    assert frequency.frequency_report(session, 2026, limit=1)["over_limit"] == [a.uscc]
    with pytest.raises(UserError):
        frequency.frequency_report(session, 2026, limit=0)
    frequency.set_limit(session, None, "")
    assert frequency.get_limit(session)["limit"] is None


def test_before_the_draw_lists_objects_at_the_limit_and_drawn_by_another_task(session):
    a, b, c = make_object(session), make_object(session), make_object(session)
    draw_of(session, [a], "2026Q1", checked=date(2026, 2, 10))
    frequency.add_check(session, uscc=a.uscc, authority="市场监管局", check_date=date(2026, 3, 2))
    other = draw_of(session, [b], "2026Q3")
    frequency.set_limit(session, 2, "同一企业一年内现场检查不超过 2 次")
    notes = frequency.before_draw(session, "2026Q3", [a.uscc, b.uscc, c.uscc])
    assert notes["limit"] == 2 and "不超过 2 次" in notes["basis"]
    assert notes["at_limit"] == [{"uscc": a.uscc, "name": a.name, "onsite": 2}]
    assert [d["uscc"] for d in notes["drawn_elsewhere"]] == [b.uscc]
    # the same task's own draw is not "another task"
    assert frequency.before_draw(session, "2026Q3", [b.uscc], task_id=other.task_id)["drawn_elsewhere"] == []
    # another period: nothing drawn elsewhere
    assert frequency.before_draw(session, "2026Q4", [b.uscc])["drawn_elsewhere"] == []


def test_figures_of_the_year(session):
    a, b = make_object(session), make_object(session)
    draw_of(session, [a, b], "2026Q1", checked=date(2026, 2, 10))
    draw_of(session, [a], "2026Q2", mode="非现场", checked=date(2026, 5, 6))
    f = frequency.figures(session, 2026)
    assert f == {
        "year": 2026,
        "enterprises": 2,
        "inspections": 3,
        "repeated": 1,
        "by_count": {"1": 1, "2": 1},
        "non_site": 1,
        "non_site_rate": round(1 / 3, 4),
        "over_limit": 0,
    }


def test_import_checks_all_or_nothing_with_row_and_column(session, tmp_path):
    a = make_object(session)
    good = sheet(tmp_path, [(a.uscc, a.name, "市场监管局", "2026-03-02", "食品安全", "现场检查")], "good.xlsx")
    future = (date.today() + timedelta(days=3)).isoformat()
    bad = sheet(
        tmp_path,
        [
            (a.uscc, a.name, "市场监管局", "2026-04-02", "", "现场检查"),
            ("91140525MA0XXXXXX1", "某公司", "应急管理局", "2026-04-03", "", ""),
            (a.uscc, a.name, "", "2026/4/5", "", ""),
            (a.uscc, a.name, "税务局", future, "", ""),
            (a.uscc, a.name, "税务局", "上周", "", ""),
        ],
        "bad.xlsx",
    )
    rep = frequency.import_checks(session, bad)
    assert not rep.written and rep.inserted == 0 and rep.valid == 1 and rep.rows == 5
    assert [(e["row"], e["column"]) for e in rep.errors] == [
        (3, "统一社会信用代码"),
        (4, "检查机关"),
        (5, "检查日期"),
        (6, "检查日期"),
    ]
    assert "第 3 行“统一社会信用代码”列" in rep.errors[0]["message"]
    assert session.query(ExternalCheck).count() == 0
    rep = frequency.import_checks(session, good)
    assert rep.written and rep.inserted == 1 and rep.unmatched == []
    again = frequency.import_checks(session, good)  # the same file twice: nothing doubled
    assert again.inserted == 0 and again.updated == 1
    assert session.query(ExternalCheck).count() == 1
    skipped = frequency.import_checks(session, bad, skip_invalid=True)
    assert skipped.inserted == 1 and len(skipped.errors) == 4


def test_missing_columns_named(session, tmp_path):
    path = sheet(tmp_path, [("x", "y")], header=("企业名称", "检查事项"))
    with pytest.raises(UserError, match="缺少必填列：统一社会信用代码、检查机关、检查日期"):
        frequency.import_checks(session, path)


def test_the_credit_systems_results_export_reads_as_checks(session, tmp_path):
    a = make_object(session)
    old = "140525000012345"  # a 15-digit 注册号 the credit system still lists
    header = (
        "抽查计划编号",
        "抽查计划名称",
        "抽查任务编号",
        "抽查任务名称",
        "抽查类型",
        "抽查机关",
        "抽查完成日期",
        "抽查结果",
        "统一社会信用代码/注册号",
        "企业名称",
    )
    path = sheet(
        tmp_path,
        [
            (
                "JH2026-01",
                "市场监管双随机",
                "RW2026-0001",
                "食品生产企业检查",
                "不定向",
                "某县市场监督管理局",
                "2026-04-01",
                "未发现问题",
                a.uscc,
                a.name,
            ),
            (
                "JH2026-01",
                "市场监管双随机",
                "RW2026-0002",
                "特种设备检查",
                "不定向",
                "某县市场监督管理局",
                "2026-04-02",
                "未发现问题",
                old,
                "某老企业",
            ),
            (
                "JH2026-01",
                "市场监管双随机",
                "1.40525E+17",
                "特种设备检查",
                "不定向",
                "某县市场监督管理局",
                "2026-04-03",
                "未发现问题",
                a.uscc,
                a.name,
            ),
        ],
        header=header,
    )
    rep = frequency.import_checks(session, path)
    assert [(e["row"], e["column"]) for e in rep.errors] == [(4, "抽查任务编号")]
    assert "科学计数法" in rep.errors[0]["message"]
    rep = frequency.import_checks(session, path, skip_invalid=True)
    assert rep.inserted == 2 and rep.unmatched == [old]
    rows = {c.uscc: c for c in session.query(ExternalCheck)}
    assert rows[a.uscc].task_code == "RW2026-0001" and rows[a.uscc].authority == "某县市场监督管理局"
    assert rows[a.uscc].object_id == a.id and rows[old].object_id is None


def test_cli_frequency_json_shape_and_checks_import(admin_cli, db, tmp_path):
    cli = admin_cli  # recording checks and setting the limit change data: as an account
    code = make_uscc()
    path = sheet(
        tmp_path,
        [
            (code, "某公司", "市场监管局", "2026-03-02", "食品安全", "现场检查"),
            (code, "某公司", "应急管理局", "2026-05-02", "", "视频检查"),
        ],
    )
    rc, out, err = cli("--json", "checks", "import", str(path), "--dry-run")
    assert rc == 0 and json.loads(out)["valid"] == 2 and json.loads(out)["inserted"] == 0
    rc, out, err = cli("--json", "checks", "import", str(path))
    assert rc == 0, err
    assert set(json.loads(out)) >= {"file", "rows", "valid", "inserted", "updated", "errors"}
    rc, out, err = cli("frequency", "--set-limit", "1", "--basis", "每家企业每年现场检查不超过 1 次")
    assert rc == 0, err
    rc, out, err = cli("--json", "frequency", "--year", "2026")
    data = json.loads(out)
    assert set(data) == {"year", "limit", "objects", "over_limit"} and data["limit"] == 1
    assert data["objects"][0]["uscc"] == code and data["objects"][0]["count"] == 2
    assert data["objects"][0]["onsite"] == 1 and data["over_limit"] == []
    assert set(data["objects"][0]["checks"][0]) >= {"date", "by", "source", "task"}
    rc, out, err = cli("--json", "frequency", "--year", "2026", "--limit", "0")
    assert rc == 1 and "正整数" in err
    rc, out, err = cli("checks", "add", code, "--by", "税务局", "--date", "2026-06-01")
    assert rc == 0
    rc, out, err = cli("--json", "frequency", "--year", "2026")
    assert json.loads(out)["over_limit"] == [code]


def test_home_page_items(session):
    from app.services.reports import dashboard

    assert "app.services.draw.frequency" in dashboard.PROVIDERS
    assert frequency.dashboard_items(session, date(2026, 6, 1)) == []
    a = make_object(session)
    draw_of(session, [a], "2026Q1", checked=date(2026, 2, 10))
    frequency.add_check(session, uscc=a.uscc, authority="市场监管局", check_date=date(2026, 3, 2))
    items = frequency.dashboard_items(session, date(2026, 6, 1))
    assert [(i["title"], i["value"]) for i in items] == [("2026年重复受检企业", "1 家")]
    frequency.set_limit(session, 1, "每家企业每年现场检查不超过 1 次")
    items = frequency.dashboard_items(session, date(2026, 6, 1))
    assert items[1]["title"] == "超过检查频次上限" and items[1]["level"] == "warn" and items[1]["value"] == "1 家"
