"""The quota table as `ssj quota --json` and the 应抽数 workbook give it: every key of a row with its value,
the expired-permit sheet with its header — a small database test for mutation runs (issue 22)."""

from __future__ import annotations

from datetime import date

import openpyxl
from factories import make_object

from app.models.pools import ObjectPermit
from app.services.rules import policies, quota


def test_quota_rows_carry_every_key_and_the_workbook_every_sheet(session, tmp_path):
    policies.set_policy(session, "longyao-2026")
    obj = make_object(session, permit_class="重点管理", permit_no="P-EXPIRED")
    session.add(
        ObjectPermit(
            object_id=obj.id, permit_no="P-EXPIRED", permit_class="重点管理", valid_to=date(2020, 1, 1), state="有效"
        )
    )
    session.flush()
    got = quota.compute_quota(session, "2026Q1")
    assert set(got) == {"period", "policy", "rows"}
    assert (got["period"], got["policy"]) == ("2026Q1", "longyao-2026")
    detail = {r["stratum"]: r for r in quota.quota_detail(session, "2026Q1")["rows"]}
    for r in got["rows"]:
        d = detail[r["stratum"]]
        assert r == {
            "category": d["category"],
            "stratum": d["stratum"],
            "pool": d["pool"],
            "ratio": d["ratio"],
            "required": d["required"],
            "mode": d["mode"],
            "excluded": len(d["excluded"]),
            "available": d["available"],
            "drawable": d["drawable"],
            "shortfall": d["shortfall"],
            "visits": d["visits"],
            "waiting": d["waiting"],
            "note": d["note"],
            "expired_permits": [{"uscc": o.uscc, "name": o.name, **flag.as_dict()} for o, flag in d["expired_permits"]],
        }
    row = next(r for r in got["rows"] if r["expired_permits"])
    assert row["pool"] == 1 and row["drawable"] == row["required"] >= 1
    assert row["expired_permits"][0]["uscc"] == obj.uscc and row["expired_permits"][0]["valid_to"] == "2020-01-01"
    book = openpyxl.load_workbook(quota.export_quota_xlsx(session, "2026Q1", None, tmp_path / "应抽数.xlsx"))
    assert book.sheetnames == ["2026Q1应抽数", "许可证已过期"]
    sheet = [[c.value for c in r] for r in book["许可证已过期"].iter_rows()]
    assert sheet[0] == ["分层", "统一社会信用代码", "单位名称", "许可证编号", "有效期至", "规则如何处理"]
    assert sheet[1][:5] == [row["stratum"], obj.uscc, obj.name, "P-EXPIRED", "2020-01-01"]
    assert sheet[1][5] == row["expired_permits"][0]["note"]
    main = [[c.value for c in r] for r in book.worksheets[0].iter_rows()]
    assert main[0][0] == "2026年第一季度应抽数（规则：" + policies.active_rules(session)["name"] + "）"
    total = main[-1]
    assert total[0] == "合计" and not total[1] and not total[4] and not total[8]  # empty cells
