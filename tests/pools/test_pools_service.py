"""Pool maintenance: edits with validation, status with reason, tags, history, 名录库调整信息, exports, templates."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditEntry
from app.models.pools import ObjectChange
from app.services.foundation.errors import UserError
from app.services.pools import importer, pools
from tests.factories import make_inspector, make_object, make_uscc


@pytest.fixture
def cli(admin_cli):
    """`ssj` runs as the administrator of the `db` fixture (--user admin), as a clerk would with an account."""
    return admin_cli


def test_update_object_validates_and_records_history(session):
    obj = make_object(session, name="甲公司")
    session.commit()
    with pytest.raises(UserError, match="重点管理、简化管理、登记管理"):
        pools.update_object(session, obj.uscc, {"permit_class": "特别管理"})
    with pytest.raises(UserError, match="校验位不正确"):
        pools.update_object(session, obj.uscc, {"uscc": obj.uscc[:-1] + ("0" if obj.uscc[-1] != "0" else "1")})
    pools.update_object(
        session, obj.uscc, {"permit_class": "重点", "phone": "１３８００１３８０００", "positive_list": "是"}
    )
    session.commit()
    assert (obj.permit_class, obj.phone, obj.positive_list) == ("重点管理", "13800138000", True)
    hist = pools.history(session, obj.uscc)
    assert [(h["kind"], h["field"], h["old"], h["new"]) for h in hist] == [
        ("类型变更", "排污许可管理类别", "简化管理", "重点管理"),
        ("修改", "联系电话", "", "13800138000"),
        ("正面清单调整", "正面清单", "否", "是"),
    ]
    assert hist[0]["user"] == "admin"
    audited = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "inspection_object", AuditEntry.action == "修改")
    ).all()
    assert audited and json.loads(audited[-1].after)["permit_class"] == "重点管理"


def test_create_object_refuses_duplicate(session):
    obj = pools.create_object(session, {"name": "乙公司", "uscc": make_uscc(3), "permit_class": "登记"})
    assert obj.permit_class == "登记管理" and obj.status == "存续"
    with pytest.raises(UserError, match="已在检查对象库中"):
        pools.create_object(session, {"name": "乙公司二", "uscc": make_uscc(3)})
    assert [h["kind"] for h in pools.history(session, obj.id)] == ["新增"]


def test_set_status_requires_reason_and_feeds_adjustments(session):
    obj = make_object(session, name="丙公司")
    with pytest.raises(UserError, match="必须填写原因"):
        pools.set_status(session, obj.uscc, "注销")
    with pytest.raises(UserError, match="无法识别"):
        pools.set_status(session, obj.uscc, "注销", reason="已注销", effective="三月")
    pools.set_status(session, obj.uscc, "注销", reason="已办理工商注销", effective="2026年2月10日")
    session.commit()
    assert obj.status == "注销"
    change = session.scalar(select(ObjectChange).where(ObjectChange.kind == "注销"))
    assert change.effective_date == date(2026, 2, 10) and "已办理工商注销" in change.source
    rows = pools.adjustments(session, "2026Q1")
    assert [(r["kind"], r["uscc"], r["new"]) for r in rows] == [("注销/迁出", obj.uscc, "注销")]
    assert pools.adjustments(session, "2026Q2") == []


def test_adjustments_quarter_kinds(session, tmp_path):
    a = make_object(session, name="丁公司")
    session.add(ObjectChange(object_id=a.id, kind="新增", ts=datetime(2026, 4, 2, 9), new_value="丁公司"))
    session.add(
        ObjectChange(
            object_id=a.id,
            kind="类型变更",
            field="permit_class",
            ts=datetime(2026, 5, 2, 9),
            old_value="登记管理",
            new_value="简化管理",
        )
    )
    b = make_object(session, name="戊公司")
    session.add(
        ObjectChange(
            object_id=b.id,
            kind="类型变更",
            field="permit_class",
            ts=datetime(2026, 5, 3, 9),
            old_value="简化管理",
            new_value="重点管理",
        )
    )
    session.add(
        ObjectChange(
            object_id=b.id,
            kind="正面清单调整",
            field="positive_list",
            ts=datetime(2026, 6, 3, 9),
            old_value="否",
            new_value="是",
        )
    )
    session.add(ObjectChange(object_id=b.id, kind="修改", field="phone", ts=datetime(2026, 6, 3, 9)))
    session.commit()
    rows = pools.adjustments(session, "2026Q2")
    assert [(r["kind"], r["name"]) for r in rows] == [
        ("新增", "丁公司"),
        ("类型变更", "戊公司"),
        ("正面清单调整", "戊公司"),
    ]
    assert rows[1]["field"] == "排污许可管理类别" and (rows[1]["old"], rows[1]["new"]) == ("简化管理", "重点管理")


def test_bulk_tag_and_filters(session):
    a = make_object(session, name="甲", township="城关镇")
    b = make_object(session, name="乙", township="南村镇", permit_class="重点管理")
    assert pools.bulk_tag(session, [a.uscc, b.uscc], add=["园区企业"]) == 2
    assert pools.bulk_tag(session, [a.uscc], add=["园区企业"]) == 0
    assert pools.bulk_tag(session, [b.uscc], remove=["园区企业"], add=["涉VOCs"]) == 1
    session.commit()
    assert a.tags == ["园区企业"] and b.tags == ["涉VOCs"]
    assert [o.name for o in pools.list_objects(session, tag="园区企业")] == ["甲"]
    assert [o.name for o in pools.list_objects(session, permit_class="重点管理")] == ["乙"]
    assert [o.name for o in pools.list_objects(session, search=b.uscc[-6:].lower())] == ["乙"]
    with pytest.raises(UserError, match="请填写要添加或去掉的标签"):
        pools.bulk_tag(session, [a.uscc])


def test_object_to_dict_has_the_cli_keys(session):
    obj = make_object(session, tags=["a"])
    d = pools.object_to_dict(obj)
    assert {"uscc", "name", "status", "tags", "permit_class", "township"} <= set(d) and d["tags"] == ["a"]


def test_inspectors_edit_validation(session):
    with pytest.raises(UserError, match="执法人员必须填写“执法证号”"):
        pools.save_inspector(session, {"name": "无证", "kind": "执法人员"})
    p = pools.save_inspector(
        session, {"name": "王五", "kind": "执法人员", "cert_no": "14001", "expertise": "大气、水", "years": "12"}
    )
    assert p.expertise == ["大气", "水"] and p.years == 12 and p.on_duty is True
    with pytest.raises(UserError, match="已属于 王五"):
        pools.save_inspector(session, {"name": "赵六", "cert_no": "14001"})
    e = pools.save_inspector(session, {"name": "孙专家", "kind": "专家", "org": "省环科院"})
    assert [x.name for x in pools.list_inspectors(session, experts=True)] == ["孙专家"]
    assert [x.name for x in pools.list_inspectors(session)] == ["王五"]
    pools.delete_inspector(session, e.id)
    assert pools.list_inspectors(session, experts=True) == []


def test_export_objects_and_template(session, tmp_path):
    make_object(session, name='=HYPERLINK("http://x")', tags=["园区企业", "涉VOCs"])
    session.commit()
    out, n = pools.export_kind(session, "objects", tmp_path / "对象.xlsx")
    ws = load_workbook(out).active
    assert n == 1 and ws.cell(row=1, column=1).value == "单位名称" and ws.freeze_panes == "A2"
    assert ws.cell(row=2, column=1).value.startswith("'=")  # formula injection neutralised
    assert ws.cell(row=2, column=19).value == "园区企业、涉VOCs"
    tpl = pools.write_template("objects", tmp_path / "模板.xlsx")
    wb = load_workbook(tpl)
    ws = wb.worksheets[0]
    assert ws.cell(row=1, column=1).value == "单位名称*" and ws.cell(row=1, column=2).value == "统一社会信用代码*"
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"重点管理,简化管理,登记管理"' in formulas and '"存续,停产,注销,迁出"' in formulas
    # a filled-in template imports cleanly
    ws.append(["示例县模板公司", make_uscc(77), "", "简化管理", "否"])
    wb.save(tpl)
    rep = importer.run_import(session, "objects", tpl)
    assert rep.errors == [] and rep.inserted == 1


def test_cli_template_export_status_tag(cli, db, tmp_path):
    with db.Session() as s:
        obj = make_object(s, name="命令行公司")
        make_inspector(s, name="命令行执法员")
        s.commit()
        code = obj.uscc
    for kind in ("objects", "inspectors", "experts", "items"):
        rc, out, err = cli("template", kind, "--out", str(tmp_path / f"{kind}.xlsx"))
        assert rc == 0, err
    rc, out, err = cli("--json", "export", "inspectors", "--out", str(tmp_path / "i.xlsx"))
    assert rc == 0 and json.loads(out)["rows"] == 1
    assert load_workbook(tmp_path / "i.xlsx").active.cell(row=2, column=1).value == "命令行执法员"
    rc, out, err = cli("objects", "set-status", code, "注销", "--reason", "已注销", "--date", "2026-03-01")
    assert rc == 0 and "已将 命令行公司" in out
    rc, out, err = cli("objects", "set-status", code, "注销", "--reason", "再来")
    assert rc == 1 and "已经是“注销”" in err
    rc, out, err = cli("objects", "tag", code, "--add", "重点行业")
    assert rc == 0
    rc, out, err = cli("--json", "objects", "list")
    data = json.loads(out)
    assert data[0]["status"] == "注销" and data[0]["tags"] == ["重点行业"]
    rc, out, err = cli("objects", "set-status", make_uscc(999), "停产", "--reason", "x")
    assert rc == 1 and "没有统一社会信用代码为" in err


def test_dashboard_items_point_to_empty_pools(session):
    from app.services.reports import dashboard

    items = {i["title"]: i for i in pools.dashboard_items(session, date(2026, 3, 1))}
    assert items["检查对象库"]["value"] == "0 家" and "请先导入" in items["检查对象库"]["detail"]
    assert items["执法检查人员"]["level"] == "danger" and items["抽查事项清单"]["value"] == "未建立"
    assert "app.services.pools.pools" in dashboard.PROVIDERS
    make_object(session)
    make_inspector(session)
    make_inspector(session)
    items = {i["title"]: i for i in pools.dashboard_items(session, date(2026, 3, 1))}
    assert items["检查对象库"]["value"] == "1 家" and items["执法检查人员"]["level"] == "info"


def test_fast_uscc_check_agrees_with_stdnum():
    import random

    from stdnum.cn import uscc

    rng = random.Random(5)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXYIOZSV"
    samples = [make_uscc(i) for i in range(300)]
    for _ in range(3000):
        code = list(rng.choice(samples))
        for _k in range(rng.randint(0, 2)):
            code[rng.randrange(18)] = rng.choice(alphabet)
        samples.append("".join(code))
    for code in samples:
        assert (importer.check_uscc(code) is None) == uscc.is_valid(code), code
