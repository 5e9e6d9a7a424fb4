"""Import engine with the messy files clerks really get: every mistake ends in a clear Chinese message
naming row and column, and an unchanged database."""

from __future__ import annotations

import json
import time
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.models import AuditEntry, InspectionItem, InspectionObject, Inspector
from app.models.pools import ColumnMapping, ObjectChange
from app.services.foundation.errors import UserError
from app.services.pools import importer
from app.services.pools import reader as tabular
from tests.factories import make_uscc


@pytest.fixture
def cli(admin_cli):
    """`ssj` runs as the administrator of the `db` fixture (--user admin), as a clerk would with an account."""
    return admin_cli


HEAD = [
    "单位名称",
    "统一社会信用代码",
    "排污许可证编号",
    "排污许可管理类别",
    "重点排污单位",
    "行业类别",
    "污染类型",
    "所属乡镇（街道）",
    "地址",
    "法定代表人",
    "联系人",
    "联系电话",
    "状态",
    "正面清单",
    "信用等级",
    "信用风险等级",
    "大气绩效等级",
    "特殊监管情形",
    "标签",
]


def row(n: int, **kw) -> list:
    code = kw.pop("uscc", make_uscc(900000 + n))
    base = dict(
        单位名称=f"示例县第{n}化工有限公司",
        统一社会信用代码=code,
        排污许可证编号=code + "001P",
        排污许可管理类别="简化管理",
        重点排污单位="否",
        行业类别="化工",
        污染类型="废水、废气",
        所属乡镇="城关镇",
        地址="城关镇1号",
        法定代表人="张三",
        联系人="李四",
        联系电话=13800000000 + n,
        状态="存续",
        正面清单="否",
        信用等级="B",
        信用风险等级="一般风险",
        大气绩效等级="C",
        特殊监管情形="",
        标签="",
    )
    base.update(kw)
    return [base[h if h != "所属乡镇（街道）" else "所属乡镇"] for h in HEAD]


def xlsx_file(path, rows, *, headers=HEAD, title_rows=0, sheet="Sheet1", extra_sheets=()):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for name in extra_sheets:
        wb.create_sheet(name).append(["这里是说明"])
    r = 1
    for t in range(title_rows):
        ws.cell(row=r, column=1, value=f"示例县2026年检查对象名录（第{t + 1}行标题）")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(headers))
        r += 1
    for c, h in enumerate(headers, 1):
        ws.cell(row=r, column=c, value=h)
    for data in rows:
        r += 1
        for c, v in enumerate(data, 1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def count(session, model):
    return session.scalar(select(func.count(model.id)))


def test_messy_xlsx_with_title_rows_and_fullwidth_values_imports(session, tmp_path):
    code = make_uscc(1)
    fullwidth_code = "".join(chr(ord(c) + 0xFEE0) for c in code)  # ９１１４… as typed with a Chinese IME
    rows = [
        row(
            1,
            统一社会信用代码=" " + fullwidth_code + " ",
            排污许可管理类别="重点",
            重点排污单位="√",
            单位名称="示例县 甲化工(集团)有限公司",
            正面清单="Y",
            信用风险等级="较高",
            大气绩效等级="Ｂ－",
            特殊监管情形="两高；挂牌督办",
            标签="园区企业,涉VOCs",
        ),
        row(2, 状态="停业", 重点排污单位=0, 信用等级="a级"),
    ]
    path = xlsx_file(tmp_path / "名录.xlsx", rows, title_rows=2)
    rep = importer.run_import(session, "objects", path)
    session.commit()
    assert rep.errors == [] and rep.header_row == 3 and rep.inserted == 2 and rep.written
    obj = session.scalar(select(InspectionObject).where(InspectionObject.uscc == code))
    assert obj.name == "示例县 甲化工（集团）有限公司"
    assert (obj.permit_class, obj.key_polluter, obj.positive_list, obj.credit_risk, obj.air_grade) == (
        "重点管理",
        True,
        True,
        "较高风险",
        "B-",
    )
    assert obj.special_situations == ["两高", "挂牌督办"] and obj.tags == ["园区企业", "涉VOCs"]
    assert obj.phone == "13800000001"  # a number cell comes back as text without ".0"
    other = session.scalar(select(InspectionObject).where(InspectionObject.uscc == make_uscc(900002)))
    assert (other.status, other.credit_grade, other.key_polluter) == ("停产", "A", False)
    kinds = sorted(session.scalars(select(ObjectChange.kind)))
    assert kinds == ["停产", "新增", "新增"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "导入"))
    after = json.loads(entry.after)
    assert (
        after["file"] == "名录.xlsx"
        and len(after["sha256"]) == 64
        and sorted(after["inserted"]) == sorted([code, make_uscc(900002)])
    )


def test_bad_uscc_messages_are_distinct_and_nothing_is_written(session, tmp_path):
    good = make_uscc(5)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        row(1),
        row(2, 统一社会信用代码=bad_check),
        row(3, 统一社会信用代码="91140525MA0K123"),
        row(4, 统一社会信用代码="91140525MA0KIOZ" + "SV0"),
        row(5, 排污许可管理类别="重点监管"),
    ]
    path = xlsx_file(tmp_path / "bad.xlsx", rows)
    rep = importer.run_import(session, "objects", path)
    session.commit()
    assert not rep.written and count(session, InspectionObject) == 0
    msgs = {e["row"]: e for e in rep.errors}
    assert set(msgs) == {3, 4, 5, 6}
    assert "校验位不正确" in msgs[3]["message"] and "请核对此行的“统一社会信用代码”" in msgs[3]["message"]
    assert msgs[3]["column"] == "统一社会信用代码" and msgs[3]["message"].startswith("第 3 行")
    assert "长度为 15 位，应为 18 位" in msgs[4]["message"]
    assert "不允许的字符" in msgs[5]["message"]
    assert "重点管理、简化管理、登记管理" in msgs[6]["message"] and msgs[6]["column"] == "排污许可管理类别"
    assert rep.rows == 5 and rep.valid == 1


def test_skip_invalid_imports_only_valid_rows(session, tmp_path):
    rows = [row(1), row(2, 统一社会信用代码="123"), row(3)]
    path = xlsx_file(tmp_path / "mixed.xlsx", rows)
    rep = importer.run_import(session, "objects", path, skip_invalid=True)
    session.commit()
    assert rep.written and rep.inserted == 2 and rep.skipped == 1 and len(rep.errors) == 1
    assert count(session, InspectionObject) == 2


def test_duplicates_in_file_name_both_rows(session, tmp_path):
    code = make_uscc(7)
    path = xlsx_file(tmp_path / "dup.xlsx", [row(1, 统一社会信用代码=code), row(2), row(3, 统一社会信用代码=code)])
    rep = importer.run_import(session, "objects", path)
    assert [(e["row"], e["column"]) for e in rep.errors] == [(4, "统一社会信用代码")]
    assert "第 4 行与第 2 行" in rep.errors[0]["message"] and code in rep.errors[0]["message"]


def test_duplicates_against_db_become_updates_with_history(session, tmp_path):
    path = xlsx_file(tmp_path / "v1.xlsx", [row(1), row(2), row(3)])
    importer.run_import(session, "objects", path)
    session.commit()
    rows = [row(1, 排污许可管理类别="重点管理", 正面清单="是"), row(2, 状态="注销", 联系电话=""), row(3), row(4)]
    path2 = xlsx_file(tmp_path / "v2.xlsx", rows)
    preview = importer.preview_import(session, "objects", path2)
    assert (preview.inserted, preview.updated, preview.unchanged, preview.written) == (1, 2, 1, False)
    assert [a[1] for a in preview.actions] == ["更新", "更新", "无变化", "新增"]
    rep = importer.run_import(session, "objects", path2)
    session.commit()
    assert rep.written and count(session, InspectionObject) == 4
    o1 = session.scalar(select(InspectionObject).where(InspectionObject.uscc == make_uscc(900001)))
    o2 = session.scalar(select(InspectionObject).where(InspectionObject.uscc == make_uscc(900002)))
    assert o1.permit_class == "重点管理" and o1.positive_list is True
    assert o2.status == "注销" and o2.phone == "13800000002"  # a blank cell keeps the stored phone
    kinds = {
        (c.object_id, c.kind, c.field) for c in session.scalars(select(ObjectChange).where(ObjectChange.kind != "新增"))
    }
    assert kinds == {
        (o1.id, "类型变更", "permit_class"),
        (o1.id, "正面清单调整", "positive_list"),
        (o2.id, "注销", "status"),
    }


def test_every_row_invalid(session, tmp_path):
    path = xlsx_file(tmp_path / "all-bad.xlsx", [row(i, 统一社会信用代码="无") for i in range(3)])
    rep = importer.run_import(session, "objects", path)
    assert rep.valid == 0 and len(rep.errors) == 3 and not rep.written
    assert count(session, InspectionObject) == 0
    out = tmp_path / "报告.xlsx"
    importer.save_report(rep, out)
    ws = load_workbook(out)["问题清单"]
    assert [c.value for c in ws[1]] == ["行号", "列", "问题"]
    assert ws.cell(row=2, column=1).value == 2 and "统一社会信用代码" in ws.cell(row=2, column=3).value


def test_gbk_csv_and_utf8_bom_csv(session, tmp_path):
    lines = [
        "企业名称,社会信用代码,管理类别,所属乡镇,状态",
        f"示例县乙公司,{make_uscc(11)},登记,南村镇,正常",
        f"示例县丙公司,{make_uscc(12)},简化,北义城镇,",
    ]
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("\r\n".join(lines).encode("gbk"))
    rep = importer.run_import(session, "objects", gbk)
    assert rep.errors == [] and rep.inserted == 2
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff".encode() + "\n".join(lines).encode("utf-8"))
    table = tabular.read_table(bom, known_headers=importer.known_headers(None, "objects"))
    assert table.headers[0] == "企业名称" and table.rows[0] == (
        2,
        ("示例县乙公司", make_uscc(11), "登记", "南村镇", "正常"),
    )


def test_unknown_header_mapped_once_is_remembered(session, tmp_path):
    headers = ["单位名称", "统一社会信用代码", "企业所在片区"]
    path = xlsx_file(tmp_path / "m.xlsx", [["甲公司", make_uscc(21), "东片"]], headers=headers)
    rep = importer.preview_import(session, "objects", path)
    assert rep.unmapped == ["企业所在片区"]
    importer.remember_mapping(session, "objects", "企业所在片区", "township")
    session.commit()
    rep = importer.run_import(session, "objects", path)
    assert rep.unmapped == [] and rep.written
    assert session.scalar(select(InspectionObject.township)) == "东片"
    assert session.scalar(select(ColumnMapping.field)) == "township"


def test_missing_required_column_says_which(session, tmp_path):
    path = xlsx_file(tmp_path / "nocode.xlsx", [["甲公司", "城关镇"]], headers=["单位名称", "所属乡镇"])
    with pytest.raises(UserError) as exc:
        importer.run_import(session, "objects", path)
    assert "找不到必填列 “统一社会信用代码”" in exc.value.message


def test_empty_file_and_header_only(session, tmp_path):
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    with pytest.raises(UserError, match="是空的"):
        importer.run_import(session, "objects", empty)
    zero = tmp_path / "zero.csv"
    zero.write_bytes(b"")
    with pytest.raises(UserError, match="是空的"):
        importer.run_import(session, "objects", zero)
    header_only = xlsx_file(tmp_path / "h.xlsx", [])
    with pytest.raises(UserError, match="只有表头"):
        importer.run_import(session, "objects", header_only)


def test_no_header_found(session, tmp_path):
    path = tmp_path / "numbers.xlsx"
    wb = Workbook()
    for i in range(5):
        wb.active.append([i])
    wb.save(path)
    with pytest.raises(UserError, match="找不到表头"):
        importer.run_import(session, "objects", path)


def test_wrong_sheet_lists_the_sheets(session, tmp_path):
    path = xlsx_file(tmp_path / "s.xlsx", [row(1)], sheet="名录", extra_sheets=("说明",))
    with pytest.raises(UserError) as exc:
        importer.run_import(session, "objects", path, sheet="Sheet1")
    assert "没有名为“Sheet1”的工作表" in exc.value.message and "名录、说明" in exc.value.message


def test_data_on_second_sheet_is_found(session, tmp_path):
    wb = Workbook()
    wb.active.title = "填写说明"
    wb.active.append(["请按要求填写"])
    ws = wb.create_sheet("对象")
    ws.append(HEAD)
    ws.append(row(1))
    path = tmp_path / "two.xlsx"
    wb.save(path)
    rep = importer.run_import(session, "objects", path)
    assert rep.sheet == "对象" and rep.inserted == 1


def test_bad_zip(session, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(UserError, match="已损坏"):
        importer.run_import(session, "objects", path)
    truncated = tmp_path / "truncated.xlsx"
    good = xlsx_file(tmp_path / "good.xlsx", [row(1)])
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(UserError, match="已损坏"):
        importer.run_import(session, "objects", truncated)
    assert count(session, InspectionObject) == 0


def test_password_protected(session, tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(tabular.OLE_SIGNATURE + b"\x00" * 4096)  # encrypted OOXML is an OLE compound file
    with pytest.raises(UserError) as exc:
        importer.run_import(session, "objects", path)
    assert "文件设有密码保护" in exc.value.message and "请在 Excel 中取消密码后另存" in exc.value.message


def test_xml_bomb_is_not_expanded(session, tmp_path):
    """A 'billion laughs' sharedStrings.xml: calamine does not expand entities, so this ends quickly
    either as a damaged-file message or as literal text — never as gigabytes of memory."""
    src = xlsx_file(tmp_path / "src.xlsx", [["甲公司", make_uscc(31)]], headers=["单位名称", "统一社会信用代码"])
    bomb = tmp_path / "bomb.xlsx"
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [' + entities + "]>"
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
        "<si><t>&lol9;</t></si><si><t>单位名称</t></si><si><t>统一社会信用代码</t></si></sst>"
    )
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = shared.encode()
            zout.writestr(item, data)
    start = time.perf_counter()
    try:
        table = tabular.read_table(bomb, known_headers=["单位名称"])
    except UserError as exc:
        assert "损坏" in exc.message or "无法读取" in exc.message
    else:
        longest = max(len(c) for _r, cells in table.rows for c in cells)
        assert longest < 10_000  # 10^9 'lol's would be 3 GB
    assert time.perf_counter() - start < 30  # generous: a real expansion would never finish


def test_file_locked_by_excel(session, tmp_path, monkeypatch):
    path = xlsx_file(tmp_path / "open.xlsx", [row(1)])
    real_open = open

    def locked(p, *a, **kw):
        if str(p) == str(path):
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real_open(p, *a, **kw)

    monkeypatch.setattr("builtins.open", locked)
    with pytest.raises(UserError) as exc:
        importer.run_import(session, "objects", path)
    assert "文件正在被 Excel 打开" in exc.value.message


def test_too_many_rows(session, tmp_path):
    path = tmp_path / "big.csv"
    code = make_uscc(41)
    body = f"甲公司,{code}\n".encode() * (tabular.MAX_ROWS + 1)
    path.write_bytes("单位名称,统一社会信用代码\n".encode() + body)
    with pytest.raises(UserError) as exc:
        importer.run_import(session, "objects", path)
    assert "超过 200,000 行" in exc.value.message and "拆分" in exc.value.message
    assert count(session, InspectionObject) == 0


def test_cancel_leaves_database_unchanged(session, tmp_path):
    path = xlsx_file(tmp_path / "c.xlsx", [row(i) for i in range(5)])
    with pytest.raises(importer.ImportCancelled, match="已取消"):
        importer.run_import(session, "objects", path, cancelled=lambda: True)
    session.rollback()
    assert count(session, InspectionObject) == 0


def test_progress_is_reported(session, tmp_path):
    path = xlsx_file(tmp_path / "p.xlsx", [row(i) for i in range(5)])
    seen = []
    importer.run_import(session, "objects", path, progress=lambda d, t, s="": seen.append((d, t, s)))
    assert seen[-1][2] == "导入完成" and any("正在检查" in s for _d, _t, s in seen)


def test_values_normalisation_helpers():
    assert importer.parse_date("2024年3月5日") == date(2024, 3, 5)
    assert importer.parse_date("2024/3/5") == date(2024, 3, 5)
    assert importer.parse_date("20240305") == date(2024, 3, 5)
    assert importer.parse_date("45356") == date(2024, 3, 5)  # Excel serial
    assert importer.parse_date("２０２４－０３－０５") == date(2024, 3, 5)
    assert importer.parse_bool("√") is True and importer.parse_bool("Ｙ") is True and importer.parse_bool("否") is False
    assert importer.parse_bool("也许") is None
    assert importer.split_list("废水、废气；噪声;固废,危废，辐射") == ["废水", "废气", "噪声", "固废", "危废", "辐射"]
    assert importer.name_text("甲  公司(分厂)") == "甲 公司（分厂）"


def test_inspectors_require_cert_and_experts_import(session, tmp_path):
    headers = ["姓名", "人员类别", "执法证号", "单位", "业务专长", "在编在岗", "回避对象", "工作年限"]
    avoid = make_uscc(51)
    rows = [
        ["王一", "执法人员", "14052500001", "大队", "大气、水", "是", avoid, "8年"],
        ["王二", "执法人员", "", "大队", "噪声", "是", "", 3],
        ["王三", "", "14052500003", "大队", "危废", "否", "12345", 5],
    ]
    path = xlsx_file(tmp_path / "people.xlsx", rows, headers=headers)
    rep = importer.run_import(session, "inspectors", path)
    msgs = {e["row"]: e["message"] for e in rep.errors}
    assert "执法人员必须填写“执法证号”" in msgs[3] and "回避对象“12345”" in msgs[4]
    assert not rep.written and count(session, Inspector) == 0
    rep = importer.run_import(session, "inspectors", path, skip_invalid=True)
    session.commit()
    p = session.scalar(select(Inspector))
    assert (p.name, p.cert_no, p.expertise, p.avoid_usccs, p.years, p.on_duty) == (
        "王一",
        "14052500001",
        ["大气", "水"],
        [avoid],
        8,
        True,
    )
    expert_path = xlsx_file(
        tmp_path / "experts.xlsx",
        [
            ["赵专家", "专家", "", "省环科院", "辐射", "是", "", 20],
            ["钱执法", "执法人员", "1405", "大队", "", "", "", ""],
        ],
        headers=headers,
    )
    rep = importer.run_import(session, "experts", expert_path, skip_invalid=True)
    session.commit()
    assert rep.inserted == 1 and "专家库只收辅助人员和专家" in rep.errors[0]["message"]
    assert session.scalar(select(Inspector.kind).where(Inspector.name == "赵专家")) == "专家"


def test_items_two_row_header_like_zezhou(session, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["晋城市生态环境局泽州分局本部门随机抽查事项清单（2024版）"])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "抽查项目", None, "检查对象", "事项类别", "检查方式", "检查主体", "检查依据"])
    ws.merge_cells("B2:C2")
    ws.append([None, "抽查类别", "抽查事项"])
    ws.append(
        [
            1,
            "重点排污单位监督检查",
            "主要法定环境制度及污染防治措施落实情况",
            "重点排污单位",
            "重点检查事项",
            "现场检查",
            "生态环境部门",
            "《环境保护法》第二十四条",
        ]
    )
    ws.append(
        [
            2,
            "一般排污单位监督检查",
            "主要法定环境制度及污染防治措施落实情况",
            "非重点排污单位",
            "一般",
            "现场检查",
            "生态环境部门",
            "",
        ]
    )
    path = tmp_path / "items.xlsx"
    wb.save(path)
    rep = importer.run_import(session, "items", path, year=2024)
    session.commit()
    assert rep.errors == [] and rep.inserted == 2 and rep.header_row == 3
    items = session.scalars(select(InspectionItem).order_by(InspectionItem.seq)).all()
    assert [(i.year, i.category, i.item_class) for i in items] == [
        (2024, "重点排污单位监督检查", "重点检查事项"),
        (2024, "一般排污单位监督检查", "一般检查事项"),
    ]


def test_cli_import_json_exit_codes(cli, db, tmp_path):
    bad = xlsx_file(tmp_path / "bad.xlsx", [row(1), row(2, 统一社会信用代码="1")])
    rc, out, err = cli("--json", "import", "objects", str(bad))
    assert rc == 1 and "未写入任何数据" in err
    data = json.loads(out)
    assert set(data) >= {"file", "rows", "valid", "inserted", "updated", "errors"}
    assert data["rows"] == 2 and data["valid"] == 1 and data["errors"][0]["row"] == 3
    rc, out, err = cli("--json", "objects", "list")
    assert json.loads(out) == []
    rc, out, err = cli("--json", "import", "objects", str(bad), "--dry-run")
    assert rc == 1 and json.loads(out)["written"] is False
    rc, out, err = cli("--json", "import", "objects", str(bad), "--skip-invalid")
    assert rc == 0 and json.loads(out)["inserted"] == 1
    rc, out, err = cli("--json", "objects", "list")
    assert [o["uscc"] for o in json.loads(out)] == [make_uscc(900001)]
    rc, out, err = cli("import", "objects", str(tmp_path / "missing.xlsx"))
    assert rc == 1 and "找不到文件" in err


def test_export_then_reimport_is_unchanged(session, tmp_path):
    from app.services.demo import demo
    from app.services.pools import pools

    demo.create_demo(session, n_objects=60)
    session.commit()
    for kind in ("objects", "inspectors", "experts", "items"):
        out, n = pools.export_kind(session, kind, tmp_path / f"{kind}.xlsx")
        rep = importer.preview_import(session, kind, out)
        assert rep.errors == [] and rep.rows == n, kind
        assert (rep.inserted, rep.updated, rep.unchanged) == (0, 0, n), kind


def test_every_new_object_gets_one_history_entry_from_its_import(session, tmp_path):
    """The 新增 history is written by the database from the inserted rows (INSERT…SELECT, issue 19 speed):
    one entry per new object, with the import's time, user and file, none for objects already in the pool."""
    session.add(InspectionObject(uscc=make_uscc(900), name="已有公司"))
    session.commit()
    wb = Workbook()
    wb.active.append(["单位名称", "统一社会信用代码", "状态"])
    wb.active.append(["已有公司", make_uscc(900), "存续"])
    wb.active.append(["新甲公司", make_uscc(901), "存续"])
    wb.active.append(["新乙公司", make_uscc(902), "停产"])
    wb.save(tmp_path / "名录.xlsx")
    rep = importer.run_import(session, "objects", tmp_path / "名录.xlsx")
    session.commit()
    assert (rep.inserted, rep.unchanged) == (2, 1)
    rows = session.execute(
        select(InspectionObject.name, InspectionObject.created_at, ObjectChange)
        .join(ObjectChange, ObjectChange.object_id == InspectionObject.id)
        .where(ObjectChange.kind == "新增")
        .order_by(InspectionObject.name)
    ).all()
    assert [(name, c.new_value) for name, _at, c in rows] == [("新乙公司", "新乙公司"), ("新甲公司", "新甲公司")]
    for _name, created, c in rows:
        assert (c.ts, c.user, c.source, c.field, c.old_value) == (created, "admin", "名录.xlsx", "", "")
    stopped = select(ObjectChange).join(InspectionObject).where(InspectionObject.name == "新乙公司")
    assert session.scalar(stopped.where(ObjectChange.kind == "停产")) is not None


@pytest.mark.parametrize(
    "cells",
    [
        ["示例县甲公司", "", "乙公司（分厂）", "A|B"],
        ["示例县甲公司", "乙 公司", "丙(分厂)", ""],  # a space, half-width brackets: the cell-by-cell path
        ["ab12", "Cd34", ""],
        ["ab 12", "ｃｄ３４"],
        ["城关镇", "南村镇  东", "高都镇\u3000"],
        ["ＡＢＣ有限公司", "x"],
    ],
)
def test_a_whole_column_converts_as_its_cells_do(cells):
    """The column-at-once path for clean text/name/code columns (issue 19 speed) gives what each cell gives."""
    from app.services.pools.importing.convert import Converter
    from app.services.pools.importing.fields import OBJECT_FIELDS

    for key in ("name", "industry", "permit_no", "phone", "address"):
        spec = next(s for s in OBJECT_FIELDS if s.key == key)
        converter = Converter(spec)
        values, problems = converter.column(cells)
        assert problems == []
        assert values == [converter(c) if c else None for c in cells], (key, cells)
