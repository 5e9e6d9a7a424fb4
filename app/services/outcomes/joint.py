"""内部联合: one visit for an object drawn by two or more of this office's tasks in one period.

国办发〔2024〕54号 and 隆尧 2026: "确保能合并实施的不得重复检查"; 秦皇岛: "市县两级每季度内部联合抽查数量不低于
抽查总数量的30%". When the same object is drawn by two or more tasks of the same period (live draws with a task,
active selections), the program proposes one 内部联合 inspection:

* one visit, with the union of the tasks' 检查事项 (in task order, each once);
* one team: the first of the tasks' drawn teams (in draw order) that still holds ≥ 2 (the office's
  ``officers_per_team``) officers with a 执法证号, none of whom now avoids the object (回避 kept) — the team was
  drawn, never chosen by hand;
* one 检查通知书 (`notice_pdf`).

The clerk accepts (已合并) or refuses (不合并, with a reason); either is audited and final. An accepted visit's
result is entered once and recorded in each task's results (`save_visit_outcome`); the statistics count the
merged inspections as 内部联合, and the enterprise's calendar shows one inspection.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from app.models.checks import JOINT_MERGED, JOINT_SEPARATE, JointVisit
from app.models.checks import merged_selection_ids as merged_selection_ids
from app.models.draw import Draw, DrawSelection, TeamMember
from app.models.pools import InspectionItem, InspectionObject, Inspector
from app.models.rules import Task
from app.models.vocabulary import LIVE_DRAW_STATES
from app.services.draw.draws import team_rules
from app.services.foundation import audit, permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.foundation.office import require_office
from app.services.foundation.periods import parse_period

MERGED, SEPARATE, UNDECIDED = JOINT_MERGED, JOINT_SEPARATE, "待决定"


def _items(session: Session, task: Task | None) -> list[str]:
    ids = [int(i) for i in (task.item_ids or []) if str(i).isdigit()] if task else []
    if not ids:
        return []
    found = {i.id: i.name for i in session.scalars(select(InspectionItem).where(InspectionItem.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _groups(session: Session, period: str) -> dict[str, list[tuple[DrawSelection, Draw, Task]]]:
    """{USCC: [(selection, draw, task)…]} for objects drawn by two or more tasks of the period (draw order)."""
    rows = session.execute(
        select(DrawSelection, Draw, Task)
        # not the draw's snapshot, record and result (the whole pool) once per row: out of memory at 100,000
        .options(defer(Draw.snapshot), defer(Draw.record), defer(Draw.result))
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .join(Task, Task.id == Draw.task_id)
        .where(Draw.period == period, Draw.state.in_(LIVE_DRAW_STATES), DrawSelection.active.is_(True))
        .order_by(Draw.id, DrawSelection.id)
    ).all()
    by_code: dict[str, list] = defaultdict(list)
    for sel, draw, task in rows:
        if all(d.id != draw.id for _s, d, _t in by_code[sel.uscc]):
            by_code[sel.uscc].append((sel, draw, task))
    return {code: group for code, group in by_code.items() if len(group) >= 2}


def _team_problem(session: Session, uscc: str, members: list[TeamMember], k: int) -> str:
    officers = [m for m in members if m.role == "执法人员" and (m.cert or "").strip()]
    if len(officers) < k:
        return f"持执法证的执法人员只有 {len(officers)} 名（至少 {k} 名）"
    for m in members:
        person = session.scalar(select(Inspector).where(Inspector.cert_no == m.cert)) if m.cert else None
        if person is not None and uscc in (person.avoid_usccs or []):
            return f"{m.name} 须回避该对象"
    return ""


def _team(session: Session, uscc: str, group: list) -> tuple[list[dict], str]:
    """The first drawn team of the group that is still valid, and (when none is) why not."""
    k = max(int(team_rules(session).get("officers_per_team", 2) or 2), 2)
    problems = []
    for sel, _draw, task in group:
        members = list(
            session.scalars(
                select(TeamMember)
                .where(TeamMember.selection_id == sel.id, TeamMember.active.is_(True))
                .order_by(TeamMember.id)
            )
        )
        problem = _team_problem(session, uscc, members, k)
        if not problem:
            return [{"name": m.name, "cert": m.cert or "", "role": m.role} for m in members], ""
        problems.append(f"任务“{task.name}”的检查组：{problem}")
    return [], "；".join(problems) + f"。合并检查须有至少 {k} 名持执法证的执法人员且无须回避的人员（回避规则不变）"


def _proposal(session: Session, period: str, uscc: str, group: list, decided: JointVisit | None) -> dict:
    items: list[str] = []
    for _sel, _draw, task in group:
        for name in _items(session, task):
            if name not in items:
                items.append(name)
    if decided is not None:
        team, problem = list(decided.team or []), ""
    else:
        team, problem = _team(session, uscc, group)
    return {
        "id": decided.id if decided else None,
        "period": period,
        "uscc": uscc,
        "name": group[0][0].name,
        "tasks": [{"draw": d.id, "task": t.id, "code": t.code, "name": t.name, "selection": s.id} for s, d, t in group],
        "items": list(decided.items) if decided is not None else items,
        "team": team,
        "team_problem": problem,
        "state": decided.state if decided else UNDECIDED,
        "reason": decided.reason if decided else "",
        "decided_by": decided.decided_by if decided else "",
    }


def _decisions(session: Session, period: str) -> dict[str, JointVisit]:
    return {v.uscc: v for v in session.scalars(select(JointVisit).where(JointVisit.period == period))}


def proposals(session: Session, period: str) -> list[dict]:
    """Every object of the period drawn by two or more tasks: the proposed visit and the clerk's decision.

    ``[{"id", "period", "uscc", "name", "tasks": [{"draw", "task", "code", "name", "selection"}], "items",
    "team": [{"name", "cert", "role"}], "team_problem", "state" (待决定/已合并/不合并), "reason", "decided_by"}]``
    """
    p = parse_period(period).code
    decided = _decisions(session, p)
    out = [_proposal(session, p, code, group, decided.get(code)) for code, group in _groups(session, p).items()]
    out.sort(key=lambda x: (x["state"] != UNDECIDED, x["uscc"]))
    return out


def _decide(session: Session, period: str, uscc: str) -> tuple[str, str, list]:
    permissions.require(session, "checks.merge")
    p = parse_period(period).code
    code = (uscc or "").strip().upper()
    group = _groups(session, p).get(code)
    if group is None:
        raise UserError(f"{code} 在{parse_period(p).label}没有被两项及以上抽查任务同时抽中，无需合并。")
    done = _decisions(session, p).get(code)
    if done is not None:
        raise UserError(
            f"{group[0][0].name}（{code}）的合并检查已决定：{done.state}（{done.decided_by}）。每个对象每期只决定一次。"
        )
    return p, code, group


def _record(session: Session, p: str, code: str, group: list, state: str, team: list, items: list, reason: str):
    obj = session.scalar(select(InspectionObject).where(InspectionObject.uscc == code))
    v = JointVisit(
        period=p,
        uscc=code,
        name=group[0][0].name,
        object_id=obj.id if obj else None,
        selection_ids=[s.id for s, _d, _t in group],
        tasks=[{"draw": d.id, "task": t.id, "code": t.code, "name": t.name} for _s, d, t in group],
        items=items,
        team=team,
        state=state,
        reason=reason,
        decided_by=current_user(),
        decided_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
    )
    session.add(v)
    session.flush()
    tasks = "、".join(t.name for _s, _d, t in group)
    audit.record(
        session,
        "合并检查" if state == MERGED else "不合并检查",
        "joint_visit",
        v.id,
        summary=f"{p} {v.name}（{code}）被 {tasks} 同时抽中：{state}" + (f"（{reason}）" if reason else ""),
        after={"state": state, "selections": v.selection_ids, "team": team, "items": items, "reason": reason},
    )
    return v


def accept(session: Session, period: str, uscc: str) -> JointVisit:
    """The clerk accepts the proposal: one 内部联合 visit (refused when no drawn team is still valid)."""
    p, code, group = _decide(session, period, uscc)
    proposal = _proposal(session, p, code, group, None)
    if not proposal["team"]:
        raise UserError(f"{proposal['name']}（{code}）无法合并为一次检查：{proposal['team_problem']}。")
    return _record(session, p, code, group, MERGED, proposal["team"], proposal["items"], "")


def refuse(session: Session, period: str, uscc: str, reason: str) -> JointVisit:
    """The clerk refuses: the tasks' inspections stay separate (the reason is recorded)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise UserError("不合并时请写明原因（如“两项任务检查时间相差较远”）。")
    p, code, group = _decide(session, period, uscc)
    return _record(session, p, code, group, SEPARATE, [], [], reason)


def find(session: Session, period: str, uscc: str) -> JointVisit:
    p = parse_period(period).code
    code = (uscc or "").strip().upper()
    v = _decisions(session, p).get(code)
    if v is None:
        raise UserError(f"{code} 在{parse_period(p).label}没有合并检查的决定。请先用“ssj merge list”查看提议。")
    return v


def save_visit_outcome(session: Session, joint_id: int, data: dict, *, today: date | None = None) -> list:
    """The merged visit's result, entered once, recorded in each task's results (marked with the visit)."""
    from app.services.outcomes import outcomes

    permissions.require(session, "outcomes.enter")
    v = session.get(JointVisit, int(joint_id))
    if v is None or v.state != MERGED:
        raise UserError(f"合并检查 {joint_id} 不存在或未合并。")
    saved = []
    for sid in v.selection_ids:
        o = outcomes.save_outcome(session, int(sid), data, today=today)
        o.extra = {**(o.extra or {}), "joint_visit": v.id, "joint_tasks": [t["name"] for t in v.tasks]}
        saved.append(o)
    session.flush()
    return saved


def enter_result(session: Session, period: str, uscc: str, data: dict, *, today: date | None = None) -> list:
    """`ssj merge result`: the merged visit of this object and period, its result entered once."""
    permissions.require(session, "outcomes.enter")
    return save_visit_outcome(session, find(session, period, uscc).id, data, today=today)


# ------------------------------------------------------------------------------------------- the notice


def notice_pdf(session: Session, joint_id: int, out: str | Path, *, issued_on: date | None = None) -> str:
    """One 检查通知书 for the merged visit: both tasks, the union of the items, one team."""
    from reportlab.graphics.barcode.qr import QrCode
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from app.services.foundation import pdf
    from app.services.outcomes.forms import _cn_date, qr_payload

    v = session.get(JointVisit, int(joint_id))
    if v is None:
        raise UserError(f"合并检查 {joint_id} 不存在。")
    if v.state != MERGED:
        raise UserError(f"{v.name}（{v.uscc}）的两项检查决定为“{v.state}”，各任务分别打印检查通知书。")
    office = require_office(session)
    issued_on = issued_on or date.today()
    st = pdf.styles()
    lab = pdf.ParagraphStyle("jlab", parent=st["cell"], fontName=pdf.FONT_BOLD, fontSize=10, leading=14)
    val = pdf.ParagraphStyle("jval", parent=st["cell"], fontSize=10, leading=14)
    obj = session.get(InspectionObject, v.object_id) if v.object_id else None
    tasks = [session.get(Task, t["task"]) for t in v.tasks]
    draws_ = [session.get(Draw, t["draw"]) for t in v.tasks]
    starts = [t.start_date for t in tasks if t and t.start_date]
    ends = [t.end_date for t in tasks if t and t.end_date]
    p = parse_period(v.period)
    window = f"{_cn_date(max(starts) if starts else p.start)} 至 {_cn_date(min(ends) if ends else p.end)}"
    rows = [
        ("检查机关", pdf.esc(office.name)),
        ("抽查任务", "<br/>".join(pdf.esc(f"{t['code']} {t['name']}") for t in v.tasks)),
        ("检查对象", pdf.esc(v.name)),
        ("统一社会信用代码", pdf.esc(v.uscc)),
        ("地址", pdf.esc(obj.address if obj and obj.address else "—")),
        ("检查时间", pdf.esc(window)),
        ("检查方式", "内部联合检查（一次入企，合并实施）"),
        (
            "检查人员",
            "<br/>".join(
                f"{pdf.esc(m['name'])}（{pdf.esc(m['role'])}，执法证号：{pdf.esc(m['cert'] or '—')}）" for m in v.team
            ),
        ),
        (
            "检查事项",
            "<br/>".join(f"{i}. {pdf.esc(name)}" for i, name in enumerate(v.items, 1))
            or "按各抽查任务的检查事项进行检查。",
        ),
        ("抽取记录哈希", "<br/>".join(f"<font size=7>{pdf.esc(d.record_hash or '—')}</font>" for d in draws_)),
    ]
    table = Table([[Paragraph(k, lab), Paragraph(x, val)] for k, x in rows], colWidths=[36 * mm, 120 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
            ]
        )
    )
    codes = "+".join(t["code"] for t in v.tasks)
    qr = QrCode(
        qr_payload(codes, v.uscc, v.period, draws_[0].record_hash or "-"), width=30 * mm, height=30 * mm, qrLevel="M"
    )
    head = pdf.ParagraphStyle("jhead", parent=st["title"], fontSize=20, leading=28)
    body = (
        f"根据{pdf.esc(p.label)}“双随机、一公开”抽查工作安排，贵单位被本单位 {len(v.tasks)} 项抽查任务同时随机抽中。"
        "为减少对企业的打扰，本单位将上述任务合并为一次内部联合检查，由同一检查组一次入企实施，请予以配合。"
        "执法人员不少于两人，并出示执法证件。"
    )
    story = [
        Paragraph(pdf.esc(office.name), st["subtitle"]),
        Paragraph("“双随机、一公开”检查通知书", head),
        Paragraph("（内部联合检查）", st["center"]),
        Spacer(1, 4 * mm),
        Paragraph(f"<b>{pdf.esc(v.name)}</b>：", st["body"]),
        Paragraph(body, pdf.ParagraphStyle("jb", parent=st["body"], firstLineIndent=22)),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 6 * mm),
        Table(
            [
                [
                    qr,
                    Paragraph(
                        f"{pdf.esc(office.name)}（盖章）<br/>{_cn_date(issued_on)}<br/><br/>"
                        "被检查单位签收：______________　日期：__________",
                        st["right"],
                    ),
                ]
            ],
            colWidths=[40 * mm, 116 * mm],
        ),
    ]
    pdf.build_pdf(out, story, title="内部联合检查通知书", topMargin=25 * mm, bottomMargin=22 * mm)
    return str(out)
