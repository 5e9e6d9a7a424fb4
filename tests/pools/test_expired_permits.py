"""Issue 19, point 1 (left from the last session): an object whose deciding permit — the one whose number and
管理类别 the object carries — has expired is flagged wherever objects are classified and listed: the
classification (service, page), `ssj classify`, the quota (JSON, text, Excel). The flag names the permit
number and its expiry date, and says what the rule does with it."""

from __future__ import annotations

import json
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from app.models.pools import InspectionObject
from app.services.pools import importer
from app.services.rules import classification, policies, quota
from tests.pools import published as pub
from tests.pools.published import code

ROWS = [
    pub.permit_row(30, cls="重点管理", valid="2016-01-01至2021-01-01"),  # only an expired permit: flagged
    pub.permit_row(31, suffix="001P", cls="重点管理", valid="2016-12-21至2021-12-20"),  # expired, not deciding
    pub.permit_row(31, suffix="002W", cls="登记管理", valid="2021-12-21至2099-12-20"),  # the valid one decides
    pub.permit_row(32, cls="简化管理"),  # valid
]


def _import(session, tmp_path, preset="longyao-2026"):
    policies.set_policy(session, preset)
    rep = importer.run_import(session, "objects", pub.permit_list(tmp_path / "许可证.xlsx", ROWS))
    assert rep.errors == [] and rep.inserted == 3, rep.errors
    session.commit()
    return {o.uscc: o.id for o in session.scalars(select(InspectionObject))}


def test_classification_flags_the_object_whose_deciding_permit_expired(session, tmp_path):
    ids = _import(session, tmp_path)
    rules = policies.active_rules(session)
    objs = classification.pool_objects(session, rules)
    flags = classification.expired_deciding_permits(session, objs, rules)
    assert set(flags) == {ids[code(30)]}  # 31's expired permit does not decide its class; 32 is valid
    flag = flags[ids[code(30)]]
    assert (flag.permit_no, flag.valid_to, flag.permit_class) == (code(30) + "001P", date(2021, 1, 1), "重点管理")
    assert code(30) + "001P" in flag.text and "2021-01-01" in flag.text
    # what the rule does: the class stays that of the expired permit (expiry is not a lighter supervision)
    assert "仍按“重点管理”" in flag.note and "过期不等于降级监管" in flag.note
    assert "延续" in flag.note  # and what to do


def test_a_rule_that_does_not_read_the_permit_class_says_the_expiry_does_not_change_the_category(session, tmp_path):
    ids = _import(session, tmp_path, preset="zezhou-2024")  # 泽州 classifies by 重点排污单位, not 管理类别
    rules = policies.active_rules(session)
    flags = classification.expired_deciding_permits(session, classification.pool_objects(session, rules), rules)
    note = flags[ids[code(30)]].note
    assert "不按排污许可管理类别归类" in note and "归类不受影响" in note


def test_a_permit_that_expires_later_is_not_flagged_until_it_has(session, tmp_path):
    ids = _import(session, tmp_path)
    rules = policies.active_rules(session)
    objs = classification.pool_objects(session, rules)
    assert ids[code(32)] not in classification.expired_deciding_permits(session, objs, rules)
    later = classification.expired_deciding_permits(session, objs, rules, today=date(2028, 6, 1))
    assert ids[code(32)] in later and later[ids[code(32)]].valid_to == date(2028, 5, 31)


def test_cli_classify_names_the_expired_permit(admin_cli, db, tmp_path):
    cli = admin_cli
    assert cli("policy", "set", "longyao-2026")[0] == 0
    assert cli("import", "objects", str(pub.permit_list(tmp_path / "p.xlsx", ROWS)))[0] == 0
    rc, out, err = cli("--json", "classify", code(30), "--category", "自动")
    data = json.loads(out)
    assert rc == 0, err
    assert data["expired_permit"]["permit_no"] == code(30) + "001P"
    assert data["expired_permit"]["valid_to"] == "2021-01-01" and "仍按“重点管理”" in data["expired_permit"]["note"]
    rc, out, _err = cli("--json", "classify", code(32), "--category", "自动")
    assert json.loads(out)["expired_permit"] is None
    rc, out, _err = cli("classify", code(30), "--category", "自动")
    assert "许可证" in out and "2021-01-01" in out and "已过期" in out


def test_quota_lists_objects_classed_on_an_expired_permit(admin_cli, db, tmp_path):
    cli = admin_cli
    cli("policy", "set", "longyao-2026")
    cli("import", "objects", str(pub.permit_list(tmp_path / "p.xlsx", ROWS)))
    rc, out, _err = cli("--json", "quota", "--period", "2026Q4")
    rows = json.loads(out)["rows"]
    flagged = [(r["stratum"], e) for r in rows for e in r["expired_permits"]]
    assert len(flagged) == 1, flagged
    _stratum, entry = flagged[0]
    assert entry["uscc"] == code(30) and entry["permit_no"] == code(30) + "001P"
    assert entry["valid_to"] == "2021-01-01" and "仍按“重点管理”" in entry["note"]
    rc, out, _err = cli("quota", "--period", "2026Q4")
    assert "许可证已过期" in out and code(30) + "001P" in out and "2021-01-01" in out


def test_quota_workbook_has_a_sheet_of_expired_permits(session, tmp_path):
    _import(session, tmp_path)
    out = quota.export_quota_xlsx(session, "2026Q4", None, tmp_path / "应抽数.xlsx")
    ws = load_workbook(out)["许可证已过期"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values[0]
    assert header[:5] == ["分层", "统一社会信用代码", "单位名称", "许可证编号", "有效期至"]
    (row,) = values[1:]
    assert row[1] == code(30) and row[3] == code(30) + "001P" and row[4] == "2021-01-01"
    assert "仍按“重点管理”" in row[5]
