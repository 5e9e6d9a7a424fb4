"""Issue 19: each file as the public sources publish it imports correctly, or is refused with a message that
says what the file is and what to do; nothing is dropped or defaulted silently."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.models.pools import InspectionItem, InspectionObject, Inspector, ObjectChange, ObjectPermit
from app.services.foundation.errors import UserError
from app.services.pools import importer, pools
from tests.factories import make_object
from tests.pools import published as pub
from tests.pools.published import code


def objects(session):
    return session.scalars(select(InspectionObject).order_by(InspectionObject.id)).all()


def permits(session, obj):
    return session.scalars(
        select(ObjectPermit).where(ObjectPermit.object_id == obj.id).order_by(ObjectPermit.permit_no)
    ).all()


# ---------------------------------------------------------------------------------------- permit platform


def test_permit_platform_list_without_uscc_takes_it_from_the_permit_number(session, tmp_path):
    path = pub.permit_list(tmp_path / "许可证.xlsx", [pub.permit_row(1), pub.permit_row(2, cls="简化管理")])
    rep = importer.run_import(session, "objects", path)
    assert rep.errors == [] and rep.inserted == 2, rep.errors
    assert "全国排污许可证管理信息平台" in rep.layout
    assert any("前 18 位取得 2 行的统一社会信用代码" in n["message"] for n in rep.notices)
    session.commit()
    got = {o.uscc: (o.name, o.permit_no, o.permit_class) for o in objects(session)}
    assert got[code(1)] == ("测试县第1化工有限公司", code(1) + "001P", "重点管理")
    p = permits(session, objects(session)[0])[0]
    assert (p.valid_from, p.valid_to, p.issued_on, p.state) == (
        date(2023, 6, 1),
        date(2028, 5, 31),
        date(2023, 6, 1),
        "有效",
    )


def test_permit_number_whose_first_18_characters_fail_the_check_is_flagged(session, tmp_path):
    bad = pub.permit_row(3)
    bad[2] = code(3)[:17] + ("0" if code(3)[17] != "0" else "1") + "001P"
    path = pub.permit_list(tmp_path / "许可证.xlsx", [pub.permit_row(1), bad])
    rep = importer.run_import(session, "objects", path)
    assert not rep.written and [(e["row"], e["column"]) for e in rep.errors] == [(4, "许可证编号")]
    assert "前 18 位" in rep.errors[0]["message"] and "校验位" in rep.errors[0]["message"]
    assert objects(session) == []


def test_one_enterprise_with_two_permits_is_one_object_with_both(session, tmp_path):
    rows = [
        pub.permit_row(5, suffix="001U", cls="简化管理"),
        pub.permit_row(5, suffix="002Q", cls="重点管理"),
    ]
    rep = importer.run_import(session, "objects", pub.permit_list(tmp_path / "两证.xlsx", rows))
    assert rep.errors == [] and rep.inserted == 1
    session.commit()
    (obj,) = objects(session)
    assert [p.permit_no for p in permits(session, obj)] == [code(5) + "001U", code(5) + "002Q"]
    assert (obj.permit_class, obj.permit_no) == ("重点管理", code(5) + "002Q")  # the strictest valid permit


def test_expired_permit_is_reported_and_does_not_set_the_class(session, tmp_path):
    rows = [
        pub.permit_row(6, suffix="001P", cls="重点管理", valid="2016-12-21至2021-12-20"),
        pub.permit_row(6, suffix="002W", cls="登记管理", valid="2021-12-21至2099-12-20"),
    ]
    path = pub.permit_list(tmp_path / "过期.xlsx", rows)
    preview = importer.preview_import(session, "objects", path)
    expired = [n for n in preview.notices if "已过期" in n["message"]]
    assert [(n["row"], n["column"]) for n in expired] == [(3, "有效期限")] and "2021-12-20" in expired[0]["message"]
    importer.run_import(session, "objects", path)
    session.commit()
    (obj,) = objects(session)
    assert obj.permit_class == "登记管理"  # the valid one; the expired 重点管理 permit is kept, shown as expired
    data = pools.object_permits(session, obj.uscc)
    assert [(p["permit_no"][-4:], p["state"]) for p in data] == [("001P", "已过期"), ("002W", "有效")]


def test_only_expired_permits_keep_the_strictest_class_and_say_so(session, tmp_path):
    rows = [pub.permit_row(7, cls="重点管理", valid="2016-01-01至2021-01-01")]
    rep = importer.run_import(session, "objects", pub.permit_list(tmp_path / "p.xlsx", rows))
    assert any("没有有效的许可证" in n["message"] for n in rep.notices)
    session.commit()
    assert objects(session)[0].permit_class == "重点管理"


# ------------------------------------------------------------------------------------------------ region


def test_rows_of_another_county_are_left_out_unless_included(session, tmp_path):
    head = ["所在地区", "单位名称", "统一社会信用代码", "管理类别"]
    rows = [
        ["山西省-晋城市-测试县", "本县甲公司", code(10), "简化管理"],
        ["河北省-邢台市-隆尧县", "外县乙公司", code(11), "重点管理"],
    ]
    path = pub.save(tmp_path / "台账.xlsx", [head, *rows])
    rep = importer.run_import(session, "objects", path)
    assert rep.errors == [] and rep.inserted == 1 and rep.left_out == 1
    (note,) = [n for n in rep.notices if "不属于本辖区" in n["message"]]
    assert note["row"] == 3 and "隆尧" in note["message"] and "--include-other-regions" in note["message"]
    assert "不属于本辖区未导入 1 行" in rep.summary()
    session.commit()
    assert [o.name for o in objects(session)] == ["本县甲公司"]
    rep = importer.run_import(session, "objects", path, include_other_regions=True)
    session.commit()
    assert rep.inserted == 1 and rep.unchanged == 1 and len(objects(session)) == 2


def test_city_column_of_the_permit_list_names_another_city(session, tmp_path):
    from app.models.core import Office

    session.scalar(select(Office)).parent_name = "晋城市生态环境局"
    session.flush()
    other = pub.permit_row(12)
    other[1] = "邢台市"
    rep = importer.run_import(session, "objects", pub.permit_list(tmp_path / "p.xlsx", [pub.permit_row(13), other]))
    assert rep.left_out == 1 and rep.inserted == 1


def test_cli_include_other_regions(admin_cli, db, tmp_path):
    cli = admin_cli  # imports change data: run as an account
    head = ["地市", "区县", "单位名称", "统一社会信用代码"]
    path = pub.save(tmp_path / "t.xlsx", [head, ["邢台市", "隆尧县", "外县公司", code(14)]])
    rc, out, _err = cli("--json", "import", "objects", str(path))
    data = json.loads(out)
    assert (
        rc == 0 and data["inserted"] == 0 and data["left_out"] == 1 and "不属于本辖区" in data["notices"][0]["message"]
    )
    rc, out, _err = cli("--json", "import", "objects", str(path), "--include-other-regions")
    assert rc == 0 and json.loads(out)["inserted"] == 1


# ---------------------------------------------------------------------------------------- cancelled list


def test_cancelled_list_marks_units_cancelled_with_date_and_reason(session, tmp_path):
    importer.run_import(
        session, "objects", pub.permit_list(tmp_path / "p.xlsx", [pub.permit_row(20), pub.permit_row(21)])
    )
    session.commit()
    path = pub.cancelled_list(
        tmp_path / "注销.xlsx",
        [[code(20) + "001P", "测试县第20化工有限公司", "化工", "企业申请注销", "2026-03-05"]],
    )
    with pytest.raises(UserError, match="注销/撤销清单.*import cancelled"):
        importer.run_import(session, "objects", path)
    rep = importer.run_import(session, "cancelled", path)
    assert rep.errors == [] and rep.updated == 1 and rep.written
    session.commit()
    obj = session.scalar(select(InspectionObject).where(InspectionObject.uscc == code(20)))
    assert obj.status == "注销"
    (p,) = permits(session, obj)
    assert (p.state, p.state_date, p.state_reason) == ("撤销", date(2026, 3, 5), "企业申请注销")
    change = session.scalar(
        select(ObjectChange).where(ObjectChange.object_id == obj.id, ObjectChange.field == "status")
    )
    assert (change.kind, change.old_value, change.new_value, change.effective_date) == (
        "注销",
        "存续",
        "注销",
        date(2026, 3, 5),
    )
    assert "企业申请注销" in change.source
    other = session.scalar(select(InspectionObject).where(InspectionObject.uscc == code(21)))
    assert other.status == "存续"


def test_cancelled_permit_of_a_unit_with_another_valid_permit_keeps_the_unit(session, tmp_path):
    rows = [pub.permit_row(22, suffix="001P"), pub.permit_row(22, suffix="002W", cls="登记管理")]
    importer.run_import(session, "objects", pub.permit_list(tmp_path / "p.xlsx", rows))
    session.commit()
    path = pub.cancelled_list(
        tmp_path / "c.xlsx",
        [
            [code(22) + "001P", "x", "化工", "变更为登记管理", "2026-01-02"],
            [code(99) + "001P", "外单位", "", "", "2026-01-02"],
        ],
        head=("许可证编号", "单位名称", "行业类别", "注销原因", "注销时间"),
    )
    rep = importer.run_import(session, "cancelled", path)
    session.commit()
    assert any("仍持有有效的许可证" in n["message"] for n in rep.notices)
    assert any(n["row"] == 4 and "不属于检查对象库" in n["message"] for n in rep.notices)
    obj = objects(session)[0]
    assert obj.status == "存续" and [p.state for p in permits(session, obj)] == ["注销", "有效"]


# ---------------------------------------------------------------------------------------- 重点排污单位名录


def test_key_unit_list_with_a_category_column_one_row_per_category(session, tmp_path):
    rows = [
        [1, "晋城市", "测试县", "甲公司", code(30), "水环境"],
        [2, "晋城市", "测试县", "甲公司", code(30), "大气环境"],
        [3, "晋城市", "测试县", "乙公司", code(31), "土壤污染重点监管单位"],
    ]
    rep = importer.run_import(session, "objects", pub.key_units_column(tmp_path / "名录.xlsx", rows))
    assert rep.errors == [] and rep.inserted == 2, rep.errors
    session.commit()
    got = {o.name: (o.key_polluter, o.key_categories) for o in objects(session)}
    assert got == {"甲公司": (True, ["水环境", "大气环境"]), "乙公司": (True, ["土壤污染"])}


def test_same_unit_same_category_twice_is_a_duplicate(session, tmp_path):
    rows = [
        [1, "晋城市", "测试县", "甲公司", code(32), "水环境"],
        [2, "晋城市", "测试县", "甲公司", code(32), "水环境"],
    ]
    rep = importer.run_import(session, "objects", pub.key_units_column(tmp_path / "名录.xlsx", rows))
    assert [e["row"] for e in rep.errors] == [4] and "重复" in rep.errors[0]["message"]


def test_municipal_key_unit_list_two_row_header_every_tick_column_read(session, tmp_path):
    rows = [
        [1, "测试县", "甲公司", code(33), "√", "√", None, None, "√"],
        [2, "测试县", "乙公司", code(34), None, None, "√", "√", None],
    ]
    path = pub.key_units_ticks(tmp_path / "市名录.xlsx", rows)
    rep = importer.run_import(session, "objects", path)
    assert rep.errors == [] and rep.inserted == 2 and rep.header_row == 3, rep.errors
    assert "打√" in rep.layout and rep.unmapped == ["序号"]
    session.commit()
    got = {o.name: o.key_categories for o in objects(session)}
    assert got == {"甲公司": ["水环境", "大气环境", "环境风险"], "乙公司": ["土壤污染", "声环境"]}


def test_key_unit_list_with_section_headings(session, tmp_path):
    sections = [
        ("一、水环境重点排污单位（2家）", [[1, "甲公司", code(35), "城关"], [2, "乙公司", code(36), "城关"]]),
        ("二、大气环境重点排污单位（1家）", [[1, "甲公司", code(35), "城关"]]),
    ]
    rep = importer.run_import(session, "objects", pub.key_units_sections(tmp_path / "分节.xlsx", sections))
    assert rep.errors == [] and rep.inserted == 2 and rep.rows == 3, rep.errors
    session.commit()
    got = {o.name: (o.key_polluter, o.key_categories) for o in objects(session)}
    assert got == {"甲公司": (True, ["水环境", "大气环境"]), "乙公司": (True, ["水环境"])}


def test_unknown_section_heading_is_an_error_not_an_empty_name(session, tmp_path):
    sections = [("一、其他说明事项", [[1, "甲公司", code(37), "城关"]])]
    rep = importer.run_import(session, "objects", pub.key_units_sections(tmp_path / "分节.xlsx", sections))
    assert [(e["row"], e["column"]) for e in rep.errors] == [(3, "分节标题")]
    assert "单位名称" not in rep.errors[0]["message"] or "为空" not in rep.errors[0]["message"]


def test_import_key_units_updates_existing_objects_only(session, tmp_path):
    in_pool = make_object(session, uscc=code(40), name="甲公司")
    by_name = make_object(session, uscc=code(41), name="乙公司")
    session.commit()
    rows = [
        [1, "测试县", "甲公司", code(40), "√", None, None, None, None],
        [2, "测试县", "乙公司", None, None, "√", None, None, None],
        [3, "测试县", "丙公司", code(42), "√", None, None, None, None],
    ]
    rep = importer.run_import(session, "key-units", pub.key_units_ticks(tmp_path / "名录.xlsx", rows))
    assert rep.errors == [] and (rep.inserted, rep.updated) == (0, 2)
    (note,) = rep.notices
    assert note["row"] == 6 and "丙公司" in note["message"] and "不在检查对象库中" in note["message"]
    session.commit()
    session.refresh(in_pool)
    session.refresh(by_name)
    assert (in_pool.key_polluter, in_pool.key_categories) == (True, ["水环境"])
    assert (by_name.key_polluter, by_name.key_categories) == (True, ["大气环境"])
    assert len(objects(session)) == 2
    kinds = session.scalars(select(ObjectChange.kind).where(ObjectChange.object_id == in_pool.id)).all()
    assert "类型变更" in kinds


def test_cli_import_key_units(admin_cli, db, tmp_path):
    cli = admin_cli  # imports change data: run as an account
    path = pub.key_units_column(tmp_path / "名录.xlsx", [[1, "晋城市", "测试县", "丙公司", code(43), "水环境"]])
    rc, out, _err = cli("--json", "import", "key-units", str(path))
    data = json.loads(out)
    assert rc == 0 and data["updated"] == 0 and "不在检查对象库中" in data["notices"][0]["message"]


# ------------------------------------------------------------------------------------------------ rosters


def test_roster_first_person_on_duty_is_data_not_a_header(session, tmp_path):
    rows = [
        [
            "测试县生态环境保护综合行政执法大队",
            "王一",
            "14052500001",
            "男",
            "11010519491231002X",
            "队员",
            "生态环境",
            "本科",
            "在岗",
            "2020-01-01",
        ],
        [
            "测试县生态环境保护综合行政执法大队",
            "王二",
            "14052500002",
            "女",
            "",
            "队长",
            "生态环境",
            "硕士",
            "调离",
            "2019-05-01",
        ],
        [
            "测试县生态环境保护综合行政执法大队",
            "王三",
            "14052500003",
            "男",
            "",
            "队员",
            "生态环境",
            "本科",
            "退休",
            "2010-05-01",
        ],
    ]
    rep = importer.run_import(session, "inspectors", pub.roster(tmp_path / "执法人员.xlsx", rows))
    assert rep.errors == [] and rep.header_row == 1 and rep.rows == 3 and rep.inserted == 3, rep.errors
    session.commit()
    people = {p.name: (p.on_duty, p.duty_status, p.org, p.gender) for p in session.scalars(select(Inspector))}
    assert people == {
        "王一": (True, "在岗", "测试县生态环境保护综合行政执法大队", "男"),
        "王二": (False, "调离", "测试县生态环境保护综合行政执法大队", "女"),
        "王三": (False, "退休", "测试县生态环境保护综合行政执法大队", "男"),
    }


def test_roster_id_number_stored_as_number_and_two_cert_numbers_are_flagged(session, tmp_path):
    rows = [
        ["大队", "王一", "14052500001", "男", 110105194912310020, "队员", "", "", "在岗", ""],
        ["大队", "王二", "14052500002、14052500009", "男", "", "队员", "", "", "在职", ""],
        ["大队", "王三", "14052500003", "男", "110105194912310021", "队员", "", "", "借调", ""],
        ["大队", "王四", "14052500004", "男", "", "队员", "", "", "休眠", ""],
    ]
    rep = importer.run_import(session, "inspectors", pub.roster(tmp_path / "r.xlsx", rows))
    errors = {e["row"]: e for e in rep.errors}
    assert set(errors) == {2, 3, 4, 5}
    assert errors[2]["column"] == "身份证号" and "存成了数字" in errors[2]["message"]
    assert errors[3]["column"] == "执法证号" and "2 个证号" in errors[3]["message"]
    assert errors[4]["column"] == "身份证号" and "校验位" in errors[4]["message"]
    assert errors[5]["column"] == "状态" and "调离" in errors[5]["message"]
    assert not rep.written


def test_roster_state_contradicting_on_duty_column_is_flagged(session, tmp_path):
    head = ["姓名", "执法证号", "在编在岗", "状态"]
    path = pub.save(tmp_path / "r.xlsx", [head, ["王一", "1405001", "是", "退休"]])
    rep = importer.run_import(session, "inspectors", path)
    assert [(e["row"], e["column"]) for e in rep.errors] == [(2, "在编在岗")] and "矛盾" in rep.errors[0]["message"]


# ------------------------------------------------------------------------------------------- old 注册号


def test_old_15_digit_registration_number_is_named(session, tmp_path):
    path = pub.save(tmp_path / "o.xlsx", [["单位名称", "统一社会信用代码"], ["老企业", "140525000012345"]])
    rep = importer.run_import(session, "objects", path)
    (error,) = rep.errors
    assert "15 位的旧工商注册号" in error["message"] and "国家企业信用信息公示系统" in error["message"]
    with pytest.raises(UserError, match="旧工商注册号"):
        importer.convert_value("objects", "uscc", "140525000012345")


# --------------------------------------------------------------------------------- credit-system results


@pytest.mark.parametrize("kind", ["items", "objects", "inspectors"])
def test_credit_system_results_export_is_refused_naming_it(session, tmp_path, kind):
    rows = [
        [
            "1405252026001",
            "2026年第一季度双随机抽查",
            "140525202600101",
            "排污单位检查",
            "定向",
            "测试县生态环境局",
            "2026-03-20",
            code(50),
            "甲公司",
            "未发现问题",
        ],
        [
            1.40525202600102e14,
            "2026年第一季度双随机抽查",
            "140525202600102",
            "排污单位检查",
            "定向",
            "测试县生态环境局",
            "2026-03-21",
            "140525000012345",
            "乙公司",
            "责令整改",
        ],
    ]
    path = pub.credit_results(tmp_path / "抽查结果.xlsx", rows)
    with pytest.raises(UserError) as info:
        importer.run_import(session, kind, path)
    message = str(info.value)
    assert "国家企业信用信息公示系统" in message and "抽查结果" in message and "ssj checks import" in message
    assert session.scalars(select(InspectionItem)).all() == []


def test_cli_items_refuses_credit_results(admin_cli, db, tmp_path):
    cli = admin_cli  # imports change data: run as an account
    path = pub.credit_results(
        tmp_path / "抽查结果.xlsx", [["1", "计划", "2", "任务", "定向", "局", "2026-03-20", code(51), "甲", "正常"]]
    )
    rc, _out, err = cli("import", "items", str(path))
    assert rc == 1 and "双随机" in err and "不能作为抽查事项导入" in err


def test_objects_list_shows_expired_permits(admin_cli, db, tmp_path):
    cli = admin_cli  # imports change data: run as an account
    rows = [pub.permit_row(60, valid="2016-01-01至2021-01-01")]
    cli("import", "objects", str(pub.permit_list(tmp_path / "p.xlsx", rows)))
    rc, out, _err = cli("--json", "objects", "list")
    (obj,) = json.loads(out)
    assert rc == 0 and obj["expired_permits"] == [code(60) + "001P"]
    rc, out, _err = cli("objects", "list")
    assert "许可证已过期" in out


def test_templates_describe_the_accepted_layouts_with_their_sources(tmp_path):
    from openpyxl import load_workbook

    for kind, expected in (
        (
            "objects",
            [
                "全国排污许可证管理信息平台",
                "名录类别",
                "打√",
                "分节标题",
                "import cancelled",
                "国家企业信用信息公示系统",
            ],
        ),
        ("inspectors", ["执法人员名册", "调离/退休/离岗/借调"]),
    ):
        path = pools.write_template(kind, tmp_path / f"{kind}.xlsx")
        notes = "\n".join(str(c.value or "") for c in load_workbook(path)["填写说明"]["A"])
        for text in expected:
            assert text in notes, (kind, text)


def test_scraped_permit_list_as_gbk_csv(session, tmp_path):
    lines = [
        ",".join(pub.PERMIT_HEAD),
        ",".join(pub.permit_row(70)),
        ",".join(pub.permit_row(71, suffix="001W", cls="登记管理")),
    ]
    path = tmp_path / "许可证.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    rep = importer.run_import(session, "objects", path)
    assert rep.errors == [] and rep.inserted == 2 and "全国排污许可证管理信息平台" in rep.layout


def test_editing_a_persons_state_decides_drawability_as_the_import_does(session):
    person = pools.save_inspector(session, {"name": "王五", "cert_no": "1405009", "duty_status": "在岗"})
    assert person.on_duty is True and person.duty_status == "在岗"
    pools.save_inspector(session, {"duty_status": "退休"}, person.id)
    assert person.on_duty is False and pools.inspector_to_dict(person)["duty_status"] == "退休"
    with pytest.raises(UserError, match="人员状态"):
        pools.save_inspector(session, {"duty_status": "休眠"}, person.id)


@pytest.mark.parametrize(
    "written",
    [
        "自2021年12月21日起至2026年12月20日止",  # as the permit itself words it
        "自2021-12-21至2026-12-20",
        "2021/12/21-2026/12/20",
        "2021.12.21-2026.12.20",
        "20211221-20261220",
        "2021-12-21 至 2026-12-20",
    ],
)
def test_validity_periods_as_permit_lists_write_them(session, tmp_path, written):
    path = pub.permit_list(tmp_path / "p.xlsx", [pub.permit_row(80, valid=written)])
    rep = importer.run_import(session, "objects", path)
    assert rep.errors == [], rep.errors
    session.commit()
    (p,) = permits(session, objects(session)[0])
    assert (p.valid_from, p.valid_to) == (date(2021, 12, 21), date(2026, 12, 20))


def test_a_county_column_naming_another_county_leaves_the_row_out(session, tmp_path):
    head = ["县（市、区）", "单位名称", "统一社会信用代码"]
    rows = [["测试县", "本县公司", code(81)], ["隆尧县", "外县公司", code(82)]]
    rep = importer.run_import(session, "objects", pub.save(tmp_path / "t.xlsx", [head, *rows]))
    assert (rep.inserted, rep.left_out) == (1, 1)
    (note,) = [n for n in rep.notices if "不属于本辖区" in n["message"]]
    assert note["row"] == 3 and "隆尧" in note["message"]


# ------------------------------------------------------- permits stored as rows only where they carry data


def _ledger(tmp_path, rows, name="台账.xlsx"):
    head = ["单位名称", "统一社会信用代码", "排污许可证编号", "排污许可管理类别"]
    return pub.save(tmp_path / name, [head, *rows])


def test_a_bare_permit_number_is_kept_on_the_object_without_a_permit_row(session, tmp_path):
    """A county ledger gives the permit number and class only: nothing but the object's own two fields to keep
    (issue 19 speed: no permit row), and the object's permits still list it."""
    path = _ledger(tmp_path, [["甲公司", code(90), code(90) + "001P", "重点管理"]])
    rep = importer.run_import(session, "objects", path)
    assert rep.errors == [] and rep.inserted == 1
    session.commit()
    (obj,) = objects(session)
    assert permits(session, obj) == [] and (obj.permit_no, obj.permit_class) == (code(90) + "001P", "重点管理")
    (listed,) = pools.object_permits(session, obj.uscc)
    assert (listed["permit_no"], listed["permit_class"], listed["state"]) == (code(90) + "001P", "重点管理", "有效")


def test_a_second_permit_later_keeps_both_as_rows_and_the_strictest_class(session, tmp_path):
    importer.run_import(session, "objects", _ledger(tmp_path, [["甲公司", code(91), code(91) + "001P", "重点管理"]]))
    session.commit()
    path = pub.permit_list(tmp_path / "p.xlsx", [pub.permit_row(91, suffix="002W", cls="登记管理")])
    rep = importer.run_import(session, "objects", path)
    assert rep.errors == [] and rep.updated == 1, rep.errors
    session.commit()
    (obj,) = objects(session)
    assert [p.permit_no for p in permits(session, obj)] == [code(91) + "001P", code(91) + "002W"]
    assert (obj.permit_no, obj.permit_class) == (code(91) + "001P", "重点管理")


def test_a_bare_permit_of_one_unit_cannot_be_given_to_another(session, tmp_path):
    importer.run_import(session, "objects", _ledger(tmp_path, [["甲公司", code(92), code(92) + "001P", "重点管理"]]))
    session.commit()
    rows = [["乙公司", code(93), code(92) + "001P", "重点管理"]]
    rep = importer.run_import(session, "objects", _ledger(tmp_path, rows, "b.xlsx"))
    assert not rep.written and "已属于库中另一家单位" in rep.errors[0]["message"]


def test_cancelling_another_permit_keeps_a_unit_whose_bare_permit_is_valid(session, tmp_path):
    importer.run_import(session, "objects", _ledger(tmp_path, [["甲公司", code(94), code(94) + "002W", "登记管理"]]))
    session.commit()
    path = pub.cancelled_list(tmp_path / "c.xlsx", [[code(94) + "001P", "甲公司", "化工", "变更", "2026-01-02"]])
    rep = importer.run_import(session, "cancelled", path)
    session.commit()
    assert any("仍持有有效的许可证" in n["message"] and "002W" in n["message"] for n in rep.notices), rep.notices
    assert objects(session)[0].status == "存续"


def test_cancelling_the_bare_permit_cancels_the_unit(session, tmp_path):
    importer.run_import(session, "objects", _ledger(tmp_path, [["甲公司", code(95), code(95) + "001P", "重点管理"]]))
    session.commit()
    path = pub.cancelled_list(tmp_path / "c.xlsx", [[code(95) + "001P", "甲公司", "化工", "企业注销", "2026-02-03"]])
    rep = importer.run_import(session, "cancelled", path)
    session.commit()
    assert rep.updated == 1
    (obj,) = objects(session)
    (p,) = permits(session, obj)
    assert obj.status == "注销" and (p.state, p.state_date) == ("撤销", date(2026, 2, 3))
