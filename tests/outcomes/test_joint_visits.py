"""内部联合: an object drawn by two of this office's tasks in one period becomes one visit — accepted or refused by the
clerk — with the union of the items, one valid team (≥ 2 certified officers, 回避 kept) and one 检查通知书; the
merged visit is recorded in both tasks' results and counted as joint. Calendars written by hand."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from app.models import InspectionItem, Outcome, TeamMember
from app.models.checks import JointVisit
from app.models.core import AuditEntry
from app.services.draw import frequency
from app.services.foundation import audit
from app.services.foundation.errors import UserError
from app.services.outcomes import joint
from app.services.reports import statistics
from app.services.rules import targets
from tests.factories import make_inspector, make_object
from tests.outcomes_factories import make_draw


def two_tasks(session, period="2026Q2"):
    """Objects A (drawn by both tasks), B (only the first), C (only the second); each task has its own items."""
    a, b, c = (make_object(session, name=f"联合企业{x}") for x in "ABC")
    items = []
    for name in ("排污许可执行情况", "危险废物规范化管理", "自动监控设施运行"):
        it = InspectionItem(year=2026, name=name, content="")
        session.add(it)
        items.append(it)
    session.flush()
    draws_ = []
    for objs, its in (([a, b], items[:2]), ([a, c], items[1:])):
        d, sels = make_draw(session, period, n=len(objs))
        for sel, obj in zip(sels, objs):
            sel.object_id, sel.uscc, sel.name = obj.id, obj.uscc, obj.name
        from app.models import Task

        session.get(Task, d.task_id).item_ids = [i.id for i in its]
        draws_.append((d, sels))
    # the teams' officers exist in the people pool with their certificates
    for m in session.scalars(select(TeamMember)):
        make_inspector(session, name=m.name, cert_no=m.cert)
    session.flush()
    return (a, b, c), draws_


def test_objects_drawn_by_two_tasks_are_proposed_as_one_visit(session):
    (a, b, c), ((d1, s1), (d2, s2)) = two_tasks(session)
    proposals = joint.proposals(session, "2026Q2")
    assert [p["uscc"] for p in proposals] == [a.uscc]
    p = proposals[0]
    assert p["state"] == "待决定" and [t["draw"] for t in p["tasks"]] == [d1.id, d2.id]
    assert p["items"] == ["排污许可执行情况", "危险废物规范化管理", "自动监控设施运行"]  # the union, once each
    assert len(p["team"]) == 2 and all(m["cert"] for m in p["team"])
    assert joint.proposals(session, "2026Q3") == []


def test_accepting_makes_one_visit_with_a_valid_team_recorded_in_both_tasks(session, tmp_path):
    (a, b, c), ((d1, s1), (d2, s2)) = two_tasks(session)
    v = joint.accept(session, "2026Q2", a.uscc)
    assert v.state == "已合并" and v.decided_by == "admin"
    assert sorted(v.selection_ids) == sorted([s1[0].id, s2[0].id])
    assert v.team == joint.proposals(session, "2026Q2")[0]["team"] and len(v.team) >= 2
    assert joint.proposals(session, "2026Q2")[0]["state"] == "已合并"
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "合并检查")).one()
    with pytest.raises(UserError, match="已决定"):
        joint.refuse(session, "2026Q2", a.uscc, "改主意")
    # one 检查通知书: one page, both tasks, the union of the items, one team
    pdf = joint.notice_pdf(session, v.id, tmp_path / "notice.pdf")
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = "".join(subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True, text=True).stdout.split())
    assert "内部联合" in text and "自动监控设施运行" in text and "排污许可执行情况" in text
    assert v.team[0]["name"] in text
    # the visit's result goes into both tasks' results
    joint.save_visit_outcome(
        session, v.id, {"check_date": date(2026, 5, 6), "method": "现场检查", "result": "未发现问题"}
    )
    outs = session.scalars(select(Outcome).where(Outcome.selection_id.in_(v.selection_ids))).all()
    assert len(outs) == 2 and all(o.extra.get("joint_visit") == v.id for o in outs)
    assert {o.check_date for o in outs} == {date(2026, 5, 6)}
    assert audit.verify(session).ok  # every change of the merge and its results is in the audit log
    # the enterprise was disturbed once: one inspection on its calendar
    report = frequency.frequency_report(session, 2026)
    mine = next(o for o in report["objects"] if o["uscc"] == a.uscc)
    assert mine["count"] == 1 and "内部联合" in mine["checks"][0]["source"]
    # counted as joint in the statistics and against 秦皇岛's target
    stats = statistics.check_counts(session, {"2026Q2"})
    assert stats["checks"]["internal_joint"] == 2
    checks = targets._checks(session, 2026)
    assert sorted(c["kind"] for c in checks if c["selection"] in v.selection_ids) == ["内部联合", "内部联合"]


def test_refusing_keeps_both_inspections_separate(session):
    (a, b, c), ((d1, s1), (d2, s2)) = two_tasks(session)
    with pytest.raises(UserError, match="原因"):
        joint.refuse(session, "2026Q2", a.uscc, " ")
    v = joint.refuse(session, "2026Q2", a.uscc, "两项任务检查时间相差较远")
    assert v.state == "不合并" and v.reason == "两项任务检查时间相差较远"
    report = frequency.frequency_report(session, 2026)
    assert next(o for o in report["objects"] if o["uscc"] == a.uscc)["count"] == 2
    for sel in (s1[0], s2[0]):
        session.add(Outcome(selection_id=sel.id, check_date=date(2026, 5, 6), method="现场检查", result="未发现问题"))
    session.flush()
    assert statistics.check_counts(session, {"2026Q2"})["checks"]["internal_joint"] == 0
    with pytest.raises(UserError, match="不合并"):
        joint.notice_pdf(session, v.id, "/tmp/never.pdf")


def test_the_team_keeps_avoidance_and_two_certified_officers(session):
    (a, b, c), ((d1, s1), (d2, s2)) = two_tasks(session)
    from app.models import Inspector

    # the first task's first officer now avoids A: the second task's team is taken
    first = session.scalars(select(TeamMember).where(TeamMember.selection_id == s1[0].id)).first()
    session.scalar(select(Inspector).where(Inspector.cert_no == first.cert)).avoid_usccs = [a.uscc]
    second = {m.cert for m in session.scalars(select(TeamMember).where(TeamMember.selection_id == s2[0].id))}
    assert {m["cert"] for m in joint.proposals(session, "2026Q2")[0]["team"]} == second
    # the second task's team lost its certificate: no valid team, the merge is refused with the reason
    for m in session.scalars(select(TeamMember).where(TeamMember.selection_id == s2[0].id)):
        m.cert = ""
    session.flush()
    p = joint.proposals(session, "2026Q2")[0]
    assert p["team"] == [] and "回避" in p["team_problem"]
    with pytest.raises(UserError, match="2 名持执法证"):
        joint.accept(session, "2026Q2", a.uscc)
    assert session.scalars(select(JointVisit)).all() == []


def test_cli_merge_list_accept_refuse(session, db, admin_cli, tmp_path):
    (a, b, c), _ = two_tasks(session)
    (a2, *_), _ = two_tasks(session, "2026Q3")
    session.commit()
    rc, out, err = admin_cli("--json", "merge", "list", "--period", "2026Q2")
    assert rc == 0, err
    data = json.loads(out)
    assert [p["uscc"] for p in data["proposals"]] == [a.uscc] and data["proposals"][0]["state"] == "待决定"
    rc, out, err = admin_cli("--json", "merge", "accept", "--period", "2026Q2", "--uscc", a.uscc)
    assert rc == 0, err
    assert json.loads(out)["state"] == "已合并"
    notice = str(tmp_path / "n.pdf")
    rc, out, err = admin_cli("merge", "notice", "--period", "2026Q2", "--uscc", a.uscc, "--out", notice)
    assert rc == 0, err
    assert (tmp_path / "n.pdf").stat().st_size > 1000
    rc, out, err = admin_cli("merge", "refuse", "--period", "2026Q3", "--uscc", a2.uscc, "--reason", "时间不同")
    assert rc == 0, err
    rc, out, err = admin_cli("merge", "accept", "--period", "2026Q3", "--uscc", a2.uscc)
    assert rc == 1 and "已决定" in err and "Traceback" not in err
    rc, out, err = admin_cli("merge", "list", "--period", "2026Q2")
    assert rc == 0 and "已合并" in out and a.name in out
    rc, out, err = admin_cli(
        "--json",
        "merge",
        "result",
        "--period",
        "2026Q2",
        "--uscc",
        a.uscc,
        "--date",
        "2026-05-06",
        "--method",
        "现场检查",
        "--result",
        "未发现问题",
    )
    assert rc == 0, err
    assert len(json.loads(out)["outcomes"]) == 2
    rc, out, err = admin_cli(
        "merge",
        "result",
        "--period",
        "2026Q3",
        "--uscc",
        a2.uscc,
        "--date",
        "2026-08-06",
        "--method",
        "现场检查",
        "--result",
        "未发现问题",
    )
    assert rc == 1 and "未合并" in err
