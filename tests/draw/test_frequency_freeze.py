"""涉企检查频次 at freezing, on calendars written by hand: what the clerk sees before the seed, and the exclusion
of objects already at the office's limit — they choose who is drawn, they never lower the count."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from app.models import Outcome
from app.models.core import AuditEntry
from app.services.draw import algorithm as da
from app.services.draw import documents as draw_documents
from app.services.draw import draws, frequency
from app.services.foundation import audit
from app.services.foundation.errors import UserError
from tests.factories import make_inspector, make_object
from tests.outcomes_factories import make_draw

SEED = "31415926535897932384"
W = ["张三（监察室）", "李四（企业代表）"]
BASIS = "同一企业一年内现场检查原则上不超过 2 次"


def drawn_by_another_task(session, objects, period, checked=None):
    d, sels = make_draw(session, period, n=len(objects), state="已确认")
    for sel, obj in zip(sels, objects):
        sel.object_id, sel.uscc, sel.name = obj.id, obj.uscc, obj.name
        if checked:
            session.add(Outcome(selection_id=sel.id, check_date=checked, method="现场检查", result="未发现问题"))
    session.flush()
    return d


def calendar(session):
    """Ten objects in one stratum (应抽 3); A at the limit (a 2026Q1 inspection + 市场监管局), B at the limit by two
    other bodies, C drawn by another task of 2026Q2, D checked once (below the limit)."""
    pool = [make_object(session, name=f"频次企业{i}") for i in range(10)]
    for _ in range(4):
        make_inspector(session)
    a, b, c, d = pool[:4]
    drawn_by_another_task(session, [a], "2026Q1", checked=date(2026, 2, 10))
    frequency.add_check(session, uscc=a.uscc, authority="县市场监督管理局", check_date=date(2026, 3, 2))
    frequency.add_check(session, uscc=b.uscc, authority="县应急管理局", check_date=date(2026, 1, 20))
    frequency.add_check(session, uscc=b.uscc, authority="县消防救援大队", check_date=date(2026, 4, 8))
    frequency.add_check(session, uscc=b.uscc, authority="县税务局", check_date=date(2026, 4, 9), method="书面核查")
    drawn_by_another_task(session, [c], "2026Q2")
    frequency.add_check(session, uscc=d.uscc, authority="县市场监督管理局", check_date=date(2026, 3, 2))
    frequency.set_limit(session, 2, BASIS)
    strata = [
        {
            "category": "重点监管对象",
            "stratum": "重点管理",
            "mode": "现场",
            "ratio": "25%",
            "required": 3,
            "objects": [draws._object_dict(o) for o in pool],
        }
    ]
    return pool, strata


def test_freezing_shows_objects_at_the_limit_and_drawn_by_another_task(session):
    (a, b, c, d, *_), strata = calendar(session)
    notes = frequency.freeze_notes(session, "2026Q2", None, strata)
    assert notes["limit"] == 2 and notes["basis"] == BASIS
    assert [(x["uscc"], x["onsite"]) for x in notes["at_limit"]] == sorted([(a.uscc, 2), (b.uscc, 2)])
    assert all(x["stratum"] == "重点管理" for x in notes["at_limit"])
    assert [x["uscc"] for x in notes["drawn_elsewhere"]] == [c.uscc]
    assert d.uscc not in {x["uscc"] for x in notes["at_limit"]}


def test_excluded_objects_choose_and_never_lower_the_count(session):
    (a, b, c, *_), strata = calendar(session)
    d = draws.start(session, "2026Q2", strata=strata, exclude=[a.uscc, b.uscc])
    snap = json.loads(d.snapshot)
    [stratum] = snap["strata"]
    assert stratum["required"] == 3  # the count stays: computed on the whole pool of ten
    assert len(stratum["objects"]) == 8 and not {a.uscc, b.uscc} & {o["id"] for o in stratum["objects"]}
    assert [(e["uscc"], e["stratum"]) for e in d.exclusions] == sorted([(a.uscc, "重点管理"), (b.uscc, "重点管理")])
    assert all("达到本单位检查频次上限 2 次" in e["reason"] and BASIS in e["reason"] for e in d.exclusions)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "冻结", AuditEntry.entity_id == str(d.id)))
    after = json.loads(entry.one().after)
    assert {e["uscc"] for e in after["exclusions"]} == {a.uscc, b.uscc}
    assert audit.verify(session).ok
    draws.perform(session, d.id, SEED, witnesses=W)
    rec = draws.record_of(d)
    assert da.verify_record(rec) == []  # the record stays right for both verifiers
    chosen = {e["uscc"] for s in rec["strata"] for e in s["selected"]}
    assert len(chosen) == 3 and not chosen & {a.uscc, b.uscc}


def test_only_objects_at_the_limit_may_be_excluded(session):
    (a, b, c, d, *_), strata = calendar(session)
    with pytest.raises(UserError, match="未达到本单位检查频次上限"):
        draws.start(session, "2026Q2", strata=strata, exclude=[c.uscc])
    with pytest.raises(UserError, match="不在本次抽取范围"):
        draws.start(session, "2026Q3", strata=strata, exclude=[make_object(session).uscc])
    frequency.set_limit(session, None, "")
    with pytest.raises(UserError, match="未设定检查频次上限"):
        draws.start(session, "2026Q4", strata=strata, exclude=[a.uscc])


def test_too_few_left_takes_all_that_remain(session):
    (a, b, *_), strata = calendar(session)
    strata[0]["objects"] = strata[0]["objects"][:4]  # A, B, C, D: 应抽 3 on four
    d = draws.start(session, "2026Q2", strata=strata, exclude=[a.uscc, b.uscc])
    [stratum] = json.loads(d.snapshot)["strata"]
    assert (stratum["required"], len(stratum["objects"])) == (2, 2)


def test_pre_draw_sheet_states_what_was_excluded_and_why(session, tmp_path):
    (a, b, *_), strata = calendar(session)
    d = draws.start(session, "2026Q2", strata=strata, exclude=[a.uscc])
    pdf = draw_documents.pre_draw_sheet(session, d.id, tmp_path / "sheet.pdf")
    text = subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True, text=True, check=True).stdout
    (tmp_path / "sheet.txt").write_text(text)
    text = "".join(text.split())  # table cells wrap
    assert "涉企检查频次" in text and a.uscc in text and a.name in text
    assert "达到本单位检查频次上限" in text and "应抽数不变" in text
    plain = draws.start(session, "2026Q3", strata=strata)
    text = subprocess.run(
        ["pdftotext", "-layout", draw_documents.pre_draw_sheet(session, plain.id, tmp_path / "p.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "涉企检查频次" not in text


def test_cli_freeze_lists_and_excludes(session, db, admin_cli):
    from app.services.rules import policies

    policies.set_policy(session, "weihai")
    pool = [make_object(session, permit_class="重点管理") for _ in range(8)]
    for _ in range(4):
        make_inspector(session)
    a, b = pool[:2]
    frequency.add_check(session, uscc=a.uscc, authority="县市场监督管理局", check_date=date(2026, 3, 2))
    frequency.add_check(session, uscc=a.uscc, authority="县应急管理局", check_date=date(2026, 4, 2))
    drawn_by_another_task(session, [b], "2026Q2")
    frequency.set_limit(session, 2, BASIS)
    session.commit()
    rc, out, err = admin_cli("--json", "draw", "freeze", "--period", "2026Q2", "--exclude-at-limit")
    assert rc == 0, err
    data = json.loads(out)
    assert [x["uscc"] for x in data["frequency"]["at_limit"]] == [a.uscc]
    assert [x["uscc"] for x in data["frequency"]["drawn_elsewhere"]] == [b.uscc]
    assert [e["uscc"] for e in data["exclusions"]] == [a.uscc]
    rc, out, err = admin_cli("draw", "freeze", "--period", "2026Q3", "--exclude", b.uscc)
    assert rc == 1 and "未达到本单位检查频次上限" in err and "Traceback" not in err
    rc, out, err = admin_cli("draw", "freeze", "--period", "2026Q3")
    assert rc == 0 and "已达检查频次上限" in out and a.name in out
