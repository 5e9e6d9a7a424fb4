"""Outcomes: validation (each mistake), review flow, attachments, deadlines, dashboard."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.models import Attachment, Outcome
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import PermissionDenied, UserError
from app.services.outcomes import outcomes, workdays
from tests.outcomes_factories import GOOD, make_draw

TODAY = date(2026, 3, 20)


def save(session, sel, **kw):
    return outcomes.save_outcome(session, sel.id, {**GOOD, **kw}, today=TODAY)


def test_phrases_seeded_from_domain_and_editable(session):
    names = [p.phrase for p in outcomes.phrases(session)]
    assert names[:3] == ["未发现问题", "发现问题已责令整改", "发现问题已立案调查"]
    assert "通过登记的住所(经营场所)无法联系" in names and "注销" in names
    outcomes.add_phrase(session, "发现问题已移送公安机关", problem_found=True)
    assert "发现问题已移送公安机关" in [p.phrase for p in outcomes.phrases(session)]
    with pytest.raises(UserError, match="已存在"):
        outcomes.add_phrase(session, "未发现问题")
    _, sels = make_draw(session)
    save(session, sels[0])
    with pytest.raises(UserError, match="已被 1 条检查结果使用"):
        outcomes.remove_phrase(session, "未发现问题")


def test_save_computes_publish_due_in_working_days(session):
    _, sels = make_draw(session)
    o = save(session, sels[0], check_date=date(2026, 2, 10))
    assert o.state == "已录入" and o.entered_by == "admin"
    assert o.determined_on == date(2026, 2, 10)
    # 20 working days after 2-10 across 春节 (2-14 调休 counts, 2-15..23 off, 2-28 counts)
    assert o.publish_due == workdays.add_workdays(None, date(2026, 2, 10), 20) == date(2026, 3, 16)
    assert o.problems == 0


@pytest.mark.parametrize(
    "kw, field, text",
    [
        (dict(check_date=date(2026, 1, 5)), "check_date", "早于抽取日期"),
        (dict(check_date=date(2026, 4, 1)), "check_date", "晚于今天"),
        (dict(check_date=None), "check_date", "请填写“检查日期”"),
        (dict(check_date="2026-02-31"), "check_date", "不是有效日期"),
        (dict(method="电话"), "method", "检查方式“电话”无效"),
        (dict(result="还行"), "result", "不是标准用语"),
        (dict(result="发现问题已立案调查"), "case_no", "请填写“立案编号”"),
        (dict(penalty_amount="5000"), "case_no", "请同时填写“立案编号”"),
        (
            dict(result="发现问题已立案调查", case_no="泽环罚〔2026〕1号", penalty_amount="-1"),
            "penalty_amount",
            "不小于 0",
        ),
        (dict(result="发现问题已责令整改"), "rectify_deadline", "请填写“整改期限”"),
        (dict(result="发现问题已责令整改", rectify_deadline=date(2026, 2, 1)), "rectify_deadline", "早于检查日期"),
        (dict(determined_on=date(2026, 2, 1)), "determined_on", "早于检查日期"),
        (dict(decision_date=date(2026, 3, 1)), "case_no", "立案编号"),
        (dict(actual_team="张三、李四"), "team_change_reason", "人员变更原因"),
    ],
)
def test_each_validation_error_names_the_field(session, kw, field, text):
    _, sels = make_draw(session)
    with pytest.raises(outcomes.FieldError) as exc:
        save(session, sels[0], **kw)
    assert exc.value.field == field
    assert text in exc.value.message and sels[0].name in exc.value.message
    assert session.scalar(select(Outcome)) is None


def test_object_not_drawn_or_replaced_or_void_draw(session):
    _, sels = make_draw(session)
    with pytest.raises(UserError, match="不在任何抽取结果中"):
        outcomes.save_outcome(session, 99999, dict(GOOD), today=TODAY)
    sels[1].active = False
    sels[1].replaced_reason = "对象已注销"
    session.flush()
    with pytest.raises(UserError, match="已被替换"):
        save(session, sels[1])
    _, void_sels = make_draw(session, state="已作废")
    with pytest.raises(UserError, match="不是已抽取/已确认"):
        save(session, void_sels[0])


def test_duplicate_entry_rejected_and_update_allowed_until_approved(session):
    _, sels = make_draw(session)
    o = save(session, sels[0])
    with pytest.raises(UserError, match="不能重复录入"):
        save(session, sels[0])
    save(
        session,
        sels[0],
        outcome_id=o.id,
        result="发现问题已责令整改",
        rectify_deadline=date(2026, 3, 10),
        findings="危废贮存场所标识不全",
    )
    assert o.result == "发现问题已责令整改" and o.problems == 1 and o.findings == "危废贮存场所标识不全"


def test_case_fields_and_penalised_usccs(session):
    _, sels = make_draw(session)
    o = save(
        session,
        sels[0],
        result="发现违法行为已立案调查",
        case_no="泽环罚〔2026〕12号",
        decision_date=date(2026, 3, 2),
        penalty_amount="52,000.5",
        transfer_to="泽州县公安局",
    )
    assert (
        o.case_no == "泽环罚〔2026〕12号" and float(o.penalty_amount) == 52000.5 and o.decision_date == date(2026, 3, 2)
    )
    assert outcomes.penalised_usccs(session, "2026Q1") == {sels[0].uscc}
    assert outcomes.penalised_usccs(session, "2026Q2") == set()


def test_team_change_is_recorded(session):
    _, sels = make_draw(session)
    o = save(session, sels[0], actual_team="检查员甲、检查员乙", team_change_reason="原组员回避，经领导批准替换")
    assert o.extra["actual_team"] == ["检查员甲", "检查员乙"]
    assert o.extra["team_change_reason"].startswith("原组员回避")
    assert len(o.extra["drawn_team"]) == 2


def test_review_flow_one_and_batch(db):
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        _, sels = make_draw(s)
        ids = [save(s, sel).id for sel in sels]
        s.commit()
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        with pytest.raises(PermissionDenied, match="无权审核检查结果"):
            outcomes.approve(s, ids[:1])
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        assert outcomes.approve(s, ids[:1]) == 1
        s.commit()
        o = s.get(Outcome, ids[0])
        assert o.state == "已审核" and o.reviewed_by == "shenhe" and o.reviewed_at
        with pytest.raises(UserError, match="只有“已录入”的结果可以审核"):
            outcomes.approve(s, ids[:1])
        assert outcomes.approve_period(s, "2026Q1", "shenhe") == 2
        s.commit()
        with pytest.raises(UserError, match="没有待审核"):
            outcomes.approve_period(s, "2026Q1", "shenhe")
        outcomes.send_back(s, ids[2], "检查日期有误")
        s.commit()
        assert s.get(Outcome, ids[2]).state == "已录入"
        with pytest.raises(PermissionDenied, match="无权录入检查结果"):  # a reviewer does not enter
            outcomes.save_outcome(s, sels[2].id, {**GOOD, "outcome_id": ids[2]}, today=TODAY)
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        # once approved, entry is locked
        with pytest.raises(UserError, match="不能再修改"):
            outcomes.save_outcome(s, sels[0].id, {**GOOD, "outcome_id": ids[0]}, today=TODAY)


def test_reviewer_cannot_approve_own_entry(db):
    """管理员 may both enter and approve, but never approves an entry of their own."""
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        _, sels = make_draw(s)
        o = save(s, sels[0])
        with pytest.raises(UserError, match="不能是录入人本人"):
            outcomes.approve(s, [o.id])


def test_attachments_copied_with_sha256(session, tmp_path, data_dir):
    import hashlib

    _, sels = make_draw(session)
    o = save(session, sels[0])
    scan = tmp_path / "现场检查笔录.pdf"
    scan.write_bytes(b"%PDF-1.4 test scan")
    att = outcomes.add_attachment(session, o.id, scan)
    assert att.sha256 == hashlib.sha256(b"%PDF-1.4 test scan").hexdigest()
    stored = outcomes.attachment_path(att)
    assert stored.is_file() and str(stored).startswith(str(data_dir)) and outcomes.verify_attachment(att)
    with pytest.raises(UserError, match="已添加过"):
        outcomes.add_attachment(session, o.id, scan)
    bad = tmp_path / "说明.docx"
    bad.write_bytes(b"x")
    with pytest.raises(UserError, match="类型不允许"):
        outcomes.add_attachment(session, o.id, bad)
    big = tmp_path / "照片.jpg"
    with open(big, "wb") as fh:
        fh.truncate(outcomes.MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(UserError, match="超过 20 MB"):
        outcomes.add_attachment(session, o.id, big)
    assert len(session.scalars(select(Attachment)).all()) == 1


def test_deadline_in_year_without_calendar_is_refused(session):
    _, sels = make_draw(session, period="2026Q4", drawn_at=datetime(2026, 10, 12, 9))
    with pytest.raises(UserError, match="2027 年的节假日安排尚未录入"):
        outcomes.save_outcome(session, sels[0].id, {**GOOD, "check_date": date(2026, 12, 15)}, today=date(2026, 12, 20))
    assert session.scalar(select(Outcome)) is None


def test_dashboard_items(session):
    _, sels = make_draw(session, n=4)
    save(session, sels[0])  # due 2026-03-16
    save(
        session, sels[1], check_date=date(2026, 3, 16), result="发现问题已责令整改", rectify_deadline=date(2026, 3, 18)
    )
    items = {i["title"]: i for i in outcomes.dashboard_items(session, TODAY)}
    assert items["待录入检查结果"]["value"] == "2"
    assert items["待审核检查结果"]["value"] == "2"
    assert items["公示已超期"]["level"] == "danger" and items["公示已超期"]["value"] == "1"
    assert items["整改逾期未复查"]["value"] == "1"
    from app.services.reports import dashboard

    assert "app.services.outcomes.outcomes" in dashboard.PROVIDERS
    follow = outcomes.follow_up(session, TODAY)
    assert [r.selection_id for r in follow["rectifications"]] == [sels[1].id]
    assert follow["rectifications"][0].extra["overdue"] is True


def test_weihai_deadline_counts_from_the_end_of_the_task(session):
    from app.services.rules import policies

    policies.set_policy(session, "weihai")
    _, sels = make_draw(session, task_end=date(2026, 3, 31))
    o = save(session, sels[0], check_date=date(2026, 2, 10))
    assert o.publish_due == workdays.add_workdays(None, date(2026, 3, 31), 20) == date(2026, 4, 29)


def test_follow_up_after_publication(db):
    from app.services.outcomes import publication

    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        _, sels = make_draw(s)
        o = save(
            s, sels[0], check_date=date(2026, 2, 10), result="发现问题已责令整改", rectify_deadline=date(2026, 3, 1)
        )
        s.commit()
        oid = o.id
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve(s, [oid])
        publication.create_batch(s, "2026Q1", published_on=date(2026, 3, 2))
        s.commit()
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        assert outcomes.dashboard_items(s, TODAY)[-1]["title"] == "整改逾期未复查"
        with pytest.raises(outcomes.FieldError, match="晚于今天"):
            outcomes.record_follow_up(s, oid, {"rectify_verified_on": date(2026, 4, 1)}, today=TODAY)
        with pytest.raises(outcomes.FieldError, match="立案编号"):
            outcomes.record_follow_up(s, oid, {"penalty_amount": "1000"}, today=TODAY)
        o = outcomes.record_follow_up(
            s,
            oid,
            {"rectify_verified_on": date(2026, 3, 5), "rectify_result": "已整改到位", "transfer_to": ""},
            today=TODAY,
        )
        s.commit()
        assert o.state == "已公示" and o.result == "发现问题已责令整改"
        assert o.rectify_verified_on == date(2026, 3, 5) and o.rectify_result == "已整改到位"
        assert o.extra["follow_up_by"] == "luru"
        assert all(i["title"] != "整改逾期未复查" for i in outcomes.dashboard_items(s, TODAY))
