"""The 检查结果录入表: template export (drop-downs, instructions) and import with each mistake."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import Outcome
from tests.outcomes_factories import make_draw


@pytest.fixture
def cli(admin_cli):
    """`ssj` runs as the administrator of the `db` fixture (--user admin), as a clerk would with an account."""
    return admin_cli


TODAY = date(2026, 3, 20)


@pytest.fixture
def drawn(db):
    from app.services.foundation.context import Actor, acting_as

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        _, sels = make_draw(s, n=3)
        s.commit()
        return [(x.id, x.uscc, x.name) for x in sels]


def fill(path, rows: dict[int, dict]):
    """Fill data rows (1-based index among data rows) of the exported sheet by column header."""
    wb = load_workbook(path)
    ws = wb["检查结果录入表"]
    header = [c.value for c in ws[1]]
    for i, values in rows.items():
        for col, v in values.items():
            ws.cell(row=i + 1, column=header.index(col) + 1, value=v)
    wb.save(path)


def test_template_has_rows_team_dropdowns_and_instructions(cli, drawn, tmp_path):
    out = tmp_path / "录入表.xlsx"
    rc, o, err = cli("--json", "outcomes", "template", "--period", "2026Q1", "--out", str(out))
    assert rc == 0, err and json.loads(o)["rows"] == 3
    wb = load_workbook(out)
    ws = wb["检查结果录入表"]
    header = [c.value for c in ws[1]]
    assert header[:9] == [
        "序号",
        "抽取编号",
        "统一社会信用代码",
        "企业名称",
        "监管类别",
        "检查组成员",
        "检查日期",
        "检查方式",
        "检查结果",
    ]
    assert [ws.cell(row=r, column=3).value for r in (2, 3, 4)] == [u for _, u, _ in drawn]
    assert "检查员" in ws.cell(row=2, column=6).value and "、" in ws.cell(row=2, column=6).value
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("现场检查" in f for f in formulas) and any(
        "未发现问题" in f and "发现问题已责令整改" in f for f in formulas
    )
    assert "填写说明" in wb.sheetnames and "下拉列表" in wb["填写说明"]["A4"].value


def test_import_good_sheet_then_update(cli, reviewer_cli, db, drawn, tmp_path):
    out = tmp_path / "t.xlsx"
    cli("outcomes", "template", "--period", "2026Q1", "--out", str(out))
    fill(
        out,
        {
            1: {"检查日期": date(2026, 2, 10), "检查方式": "现场检查", "检查结果": "未发现问题"},
            2: {
                "检查日期": "2026-02-11",
                "检查方式": "现场检查",
                "检查结果": "发现问题已责令整改",
                "发现问题": "危废台账不全",
                "整改期限": "2026-03-10",
            },
        },
    )
    rc, o, err = cli("--json", "outcomes", "import", str(out), "--dry-run")
    rep = json.loads(o)
    assert rc == 0 and rep == {
        "file": str(out),
        "rows": 3,
        "valid": 2,
        "inserted": 0,
        "updated": 0,
        "errors": [],
        "unchanged": 0,
    }
    with db.Session() as s:
        assert s.scalar(select(Outcome)) is None
    rc, o, err = cli("--json", "outcomes", "import", str(out))
    rep = json.loads(o)
    assert rc == 0, err
    assert rep["inserted"] == 2 and rep["updated"] == 0 and rep["errors"] == []
    # re-export carries the entered values; change one and import again → an update
    cli("outcomes", "template", "--period", "2026Q1", "--out", str(out))
    fill(out, {1: {"检查结果": "发现问题已责令整改", "整改期限": "2026-03-01"}})
    rc, o, err = cli("--json", "outcomes", "import", str(out))
    rep = json.loads(o)
    assert rc == 0, err
    assert rep["updated"] == 1 and rep["unchanged"] == 1 and rep["inserted"] == 0
    rc, o, err = cli("--json", "outcomes", "list", "--period", "2026Q1")
    rows = json.loads(o)
    assert [r["state"] for r in rows] == ["已录入", "已录入", "未录入"]
    assert rows[0]["result"] == "发现问题已责令整改" and rows[0]["rectify_deadline"] == "2026-03-01"
    rc, o, err = reviewer_cli("--json", "outcomes", "approve", "--period", "2026Q1")
    assert rc == 0 and json.loads(o)["approved"] == 2
    rc, o, err = cli("--json", "outcomes", "list", "--period", "2026Q1")
    assert [r["reviewed_by"] for r in json.loads(o)][:2] == ["shenhe"] * 2  # the authenticated account


MISTAKES = [
    ({"检查日期": "2026-01-01"}, "检查日期", "早于抽取日期"),
    ({"检查日期": "2099-01-01"}, "检查日期", "晚于今天"),
    ({"检查日期": "下周"}, "检查日期", "不是有效日期"),
    ({"检查方式": "打电话"}, "检查方式", "无效"),
    ({"检查结果": "挺好"}, "检查结果", "不是标准用语"),
    ({"检查结果": "发现问题已立案调查"}, "立案编号", "请填写“立案编号”"),
    ({"检查结果": "发现问题已责令整改"}, "整改期限", "请填写“整改期限”"),
    ({"罚款金额（元）": "一万"}, "罚款金额（元）", "应为不小于 0 的数字"),
    ({"统一社会信用代码": "91140525MA0000001X"}, "抽取编号", "不在抽中名单中"),
    ({"实际检查人员": "张三、李四"}, "人员变更原因", "人员变更原因"),
]


@pytest.mark.parametrize("change, column, text", MISTAKES)
def test_import_each_mistake_reports_row_column_and_writes_nothing(cli, db, drawn, tmp_path, change, column, text):
    out = tmp_path / "t.xlsx"
    cli("outcomes", "template", "--period", "2026Q1", "--out", str(out))
    good = {"检查日期": "2026-02-10", "检查方式": "现场检查", "检查结果": "未发现问题"}
    fill(out, {1: good, 2: {**good, **change}})
    rc, o, err = cli("--json", "outcomes", "import", str(out))
    rep = json.loads(o)
    assert rc == 1
    assert rep["valid"] == 1 and rep["inserted"] == 0
    assert len(rep["errors"]) == 1
    e = rep["errors"][0]
    assert e["row"] == 3 and e["column"] == column and text in e["message"] and "t.xlsx 第 3 行" in e["message"]
    with db.Session() as s:
        assert s.scalar(select(Outcome)) is None


def test_import_duplicate_row_and_unknown_selection(cli, db, drawn, tmp_path):
    out = tmp_path / "t.xlsx"
    cli("outcomes", "template", "--period", "2026Q1", "--out", str(out))
    good = {"检查日期": "2026-02-10", "检查方式": "现场", "检查结果": "未发现问题"}
    sid0, uscc0, _ = drawn[0]
    fill(out, {1: good, 2: {**good, "抽取编号": sid0, "统一社会信用代码": uscc0}, 3: {**good, "抽取编号": "abc"}})
    rc, o, err = cli("--json", "outcomes", "import", str(out))
    rep = json.loads(o)
    assert rc == 1
    msgs = {e["row"]: e for e in rep["errors"]}
    assert "与第 2 行是同一个对象，重复录入" in msgs[3]["message"] and msgs[3]["column"] == "抽取编号"
    assert "不是数字" in msgs[4]["message"]
    with db.Session() as s:
        assert s.scalar(select(Outcome)) is None


def test_import_refuses_approved_results_and_wrong_files(cli, reviewer_cli, db, drawn, tmp_path):
    out = tmp_path / "t.xlsx"
    cli("outcomes", "template", "--period", "2026Q1", "--out", str(out))
    fill(out, {1: {"检查日期": "2026-02-10", "检查方式": "现场检查", "检查结果": "未发现问题"}})
    assert cli("outcomes", "import", str(out))[0] == 0
    assert reviewer_cli("outcomes", "approve", "--period", "2026Q1", "--by", "shenhe")[0] == 0
    # the re-exported sheet holds the approved row unchanged: importing it again is harmless
    cli("outcomes", "template", "--period", "2026Q1", "--out", str(out))
    fill(out, {2: {"检查日期": "2026-02-12", "检查方式": "现场检查", "检查结果": "未发现问题"}})
    rc, o, err = cli("--json", "outcomes", "import", str(out))
    rep = json.loads(o)
    assert rc == 0 and rep["unchanged"] == 1 and rep["inserted"] == 1, rep
    # but changing an approved result through the sheet is refused
    fill(out, {1: {"检查结果": "发现问题已立案调查", "立案编号": "X-1"}})
    rc, o, err = cli("--json", "outcomes", "import", str(out))
    assert rc == 1 and "已审核，不能再通过导入修改" in json.loads(o)["errors"][0]["message"]
    other = tmp_path / "other.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["名称", "日期"])
    wb.save(other)
    rc, o, err = cli("outcomes", "import", str(other))
    assert rc == 1 and "缺少列" in err
    rc, o, err = cli("outcomes", "template", "--period", "2026Q2", "--out", str(tmp_path / "x.xlsx"))
    assert rc == 1 and "没有已抽取/已确认的抽取结果" in err


def test_cli_phrases(cli, db):
    rc, o, err = cli("--json", "outcomes", "phrases", "--add", "发现问题已移送公安机关", "--problem")
    rows = json.loads(o)
    assert rc == 0 and {"phrase": "发现问题已移送公安机关", "problem_found": True} in rows
    rc, o, err = cli("outcomes", "phrases", "--remove", "不存在的用语")
    assert rc == 1 and "没有检查结果用语" in err


def test_cli_follow_up(cli, reviewer_cli, db, drawn, tmp_path):
    out = tmp_path / "t.xlsx"
    cli("outcomes", "template", "--period", "2026Q1", "--out", str(out))
    fill(
        out,
        {
            1: {
                "检查日期": "2026-02-10",
                "检查方式": "现场检查",
                "检查结果": "发现问题已责令整改",
                "整改期限": "2026-03-01",
            }
        },
    )
    assert cli("outcomes", "import", str(out))[0] == 0
    assert reviewer_cli("outcomes", "approve", "--period", "2026Q1", "--by", "shenhe")[0] == 0
    uscc = drawn[0][1]
    rc, o, err = cli(
        "--json",
        "outcomes",
        "follow-up",
        "--period",
        "2026Q1",
        "--uscc",
        uscc,
        "--verified-on",
        "2026-03-05",
        "--rectify-result",
        "已整改到位",
    )
    assert rc == 0, err
    data = json.loads(o)
    assert data["state"] == "已审核" and data["rectify_verified_on"] == "2026-03-05"
    rc, o, err = cli("outcomes", "follow-up", "--period", "2026Q1", "--uscc", uscc, "--penalty", "5000")
    assert rc == 1 and "立案编号" in err
    rc, o, err = cli("outcomes", "follow-up", "--period", "2026Q1", "--uscc", drawn[1][1], "--case-no", "A")
    assert rc == 1 and "没有已录入的检查结果" in err
