"""检查结果: the outcome of each drawn object's inspection, its follow-up, attachments and review.

An outcome belongs to one active `DrawSelection` of a draw in state 已抽取/已确认. It moves
已录入 → 已审核 (a 审核员, not the person who entered it) → 已公示 (set by `publication`). The publication
deadline (`publish_due`) is computed in Chinese working days by `workdays` from the preset's rule.
立案/处罚 fields (case_no, decision_date, penalty_amount) feed the next period's classification
(上一季度被处罚): `penalised_usccs(session, period)`.

Every rejected input raises `FieldError` (a `UserError`) naming the field in Chinese; nothing is
written until all checks pass.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.draw import Draw, DrawSelection, TeamMember
from app.models.outcomes import Attachment, Outcome, ResultPhrase
from app.models.rules import Plan, Task
from app.models.vocabulary import LIVE_DRAW_STATES, OutcomeState
from app.services.foundation import audit, permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import PermissionDenied, UserError
from app.services.foundation.periods import parse_period
from app.services.outcomes import workdays

METHODS = ("现场检查", "非现场检查", "书面核查", "资料核查", "远程视频核查")
_METHOD_ALIASES = {
    "现场": "现场检查",
    "非现场": "非现场检查",
    "书面": "书面核查",
    "资料": "资料核查",
    "远程": "远程视频核查",
    "视频核查": "远程视频核查",
}
# DOMAIN.md's standard phrases: (phrase, problem_found)
DEFAULT_PHRASES = (
    ("未发现问题", False),
    ("发现问题已责令整改", True),
    ("发现问题已立案调查", True),
    ("发现违法行为已立案调查", True),
    ("不配合检查情节严重", True),
    ("未发现开展本次抽查涉及的经营活动", False),
    ("通过登记的住所(经营场所)无法联系", False),
    ("已关闭停业或正在组织清算", False),
    ("注销", False),
    ("迁出", False),
)
ALLOWED_ATTACHMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
STATE_NONE, STATE_ENTERED, STATE_APPROVED, STATE_PUBLISHED = (
    OutcomeState.NOT_ENTERED,
    OutcomeState.ENTERED,
    OutcomeState.APPROVED,
    OutcomeState.PUBLISHED,
)

# Field keys accepted by save_outcome, with their Chinese labels (used in messages and the sheet).
FIELD_LABELS = {
    "check_date": "检查日期",
    "method": "检查方式",
    "result": "检查结果",
    "findings": "发现问题",
    "determined_on": "结果认定日期",
    "problems": "发现问题数",
    "rectify_deadline": "整改期限",
    "rectify_verified_on": "整改复查日期",
    "rectify_result": "整改复查结果",
    "case_no": "立案编号",
    "decision_date": "处罚决定日期",
    "penalty_amount": "罚款金额（元）",
    "transfer_to": "移交/移送机关",
    "actual_team": "实际检查人员",
    "team_change_reason": "人员变更原因",
    "remark": "备注",
}


class FieldError(UserError):
    """A rejected value; `.field` is the field key, `.label` its Chinese name."""

    def __init__(self, field_key: str, message: str):
        super().__init__(message)
        self.field = field_key
        self.label = FIELD_LABELS.get(field_key, field_key)


# --- phrases ------------------------------------------------------------------------------------


def ensure_phrases(session: Session) -> None:
    """Seed the standard phrases once (the list stays editable)."""
    if session.scalar(select(func.count(ResultPhrase.id))):
        return
    for i, (phrase, problem) in enumerate(DEFAULT_PHRASES, 1):
        session.add(ResultPhrase(phrase=phrase, seq=i, problem_found=problem))
    session.flush()


def phrases(session: Session) -> list[ResultPhrase]:
    ensure_phrases(session)
    return list(session.scalars(select(ResultPhrase).order_by(ResultPhrase.seq, ResultPhrase.id)))


def add_phrase(session: Session, phrase: str, problem_found: bool = False) -> ResultPhrase:
    permissions.require(session, "outcomes.phrases")
    phrase = (phrase or "").strip()
    if not phrase:
        raise UserError("检查结果用语不能为空。")
    if len(phrase) > 60:
        raise UserError("检查结果用语不能超过 60 个字。")
    ensure_phrases(session)
    if session.scalar(select(ResultPhrase).where(ResultPhrase.phrase == phrase)):
        raise UserError(f"检查结果用语“{phrase}”已存在。")
    seq = (session.scalar(select(func.max(ResultPhrase.seq))) or 0) + 1
    row = ResultPhrase(phrase=phrase, seq=seq, problem_found=problem_found)
    session.add(row)
    session.flush()
    return row


def remove_phrase(session: Session, phrase: str) -> None:
    permissions.require(session, "outcomes.phrases")
    row = session.scalar(select(ResultPhrase).where(ResultPhrase.phrase == phrase))
    if row is None:
        raise UserError(f"没有检查结果用语“{phrase}”。")
    used = session.scalar(select(func.count(Outcome.id)).where(Outcome.result == phrase))
    if used:
        raise UserError(f"检查结果用语“{phrase}”已被 {used} 条检查结果使用，不能删除。")
    session.delete(row)
    session.flush()


def needs_case(phrase: str) -> bool:
    return "立案" in phrase


def needs_rectification(phrase: str) -> bool:
    return "整改" in phrase


def normalise_method(text: str) -> str | None:
    t = (text or "").strip()
    if t in METHODS:
        return t
    return _METHOD_ALIASES.get(t)


# --- drawn objects of a period ------------------------------------------------------------------


#: what a clerk enters for an outcome, in the order of the form and the 录入表: copied into each OutcomeRow,
#: compared when a sheet is imported again (nothing changes when it says the same), and the dialog's fields
ENTERED_FIELDS: tuple[str, ...] = (
    "check_date",
    "method",
    "result",
    "findings",
    "determined_on",
    "rectify_deadline",
    "rectify_verified_on",
    "rectify_result",
    "case_no",
    "decision_date",
    "penalty_amount",
    "transfer_to",
)


@dataclass
class OutcomeRow:
    """One drawn object of a period with its outcome (if any) — what lists, sheets and pages show."""

    selection_id: int
    draw_id: int
    period: str
    uscc: str
    name: str
    category: str
    mode: str
    team: list[str]
    team_certs: list[str]
    task_code: str = ""
    task_name: str = ""
    plan_name: str = ""
    drawn_on: date | None = None
    outcome_id: int | None = None
    state: str = STATE_NONE
    check_date: date | None = None
    method: str = ""
    result: str = ""
    findings: str = ""
    determined_on: date | None = None
    rectify_deadline: date | None = None
    rectify_verified_on: date | None = None
    rectify_result: str = ""
    case_no: str = ""
    decision_date: date | None = None
    penalty_amount: float | None = None
    transfer_to: str = ""
    entered_by: str = ""
    reviewed_by: str = ""
    publish_due: date | None = None
    published_on: date | None = None
    attachments: int = 0
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, (date, datetime)):
                d[k] = v.isoformat()
        return d


def drawn_selections(session: Session, period: str | None = None):
    """(DrawSelection, Draw) pairs of active drawn objects (draws 已抽取/已确认), optionally of a period.

    The draw's snapshot, record and result (the whole pool, ~24 MB at 100,000 objects) are not read with the
    rows: every row would fetch its own copy (5,000 drawn objects ran the process out of memory)."""
    from sqlalchemy.orm import defer

    q = (
        select(DrawSelection, Draw)
        .options(defer(Draw.snapshot), defer(Draw.record), defer(Draw.result))
        .join(Draw, DrawSelection.draw_id == Draw.id)
        .where(Draw.state.in_(LIVE_DRAW_STATES), DrawSelection.active.is_(True))
        .order_by(Draw.id, DrawSelection.category, DrawSelection.rank, DrawSelection.id)
    )
    if period:
        q = q.where(Draw.period == parse_period(period).code)
    return session.execute(q).all()


def _drawn_on(draw: Draw) -> date | None:
    ts = draw.drawn_at or draw.created_at
    return ts.date() if ts else None


def _team(session: Session, selection_ids: list[int]) -> dict[int, list[TeamMember]]:
    out: dict[int, list[TeamMember]] = {}
    if not selection_ids:
        return out
    for tm in session.scalars(
        select(TeamMember)
        .where(TeamMember.selection_id.in_(selection_ids), TeamMember.active.is_(True))
        .order_by(TeamMember.id)
    ):
        out.setdefault(tm.selection_id, []).append(tm)
    return out


def period_rows(session: Session, period: str) -> list[OutcomeRow]:
    pairs = drawn_selections(session, period)
    sel_ids = [s.id for s, _ in pairs]
    teams = _team(session, sel_ids)
    outs = (
        {o.selection_id: o for o in session.scalars(select(Outcome).where(Outcome.selection_id.in_(sel_ids)))}
        if sel_ids
        else {}
    )
    att_counts = dict(
        session.execute(select(Attachment.outcome_id, func.count()).group_by(Attachment.outcome_id)).all()
    )
    tasks: dict[int, tuple[Task | None, Plan | None]] = {}
    from app.models.outcomes import Publication

    pubs = {p.id: p.published_on for p in session.scalars(select(Publication))}
    rows = []
    for sel, draw in pairs:
        if draw.task_id not in tasks:
            task = session.get(Task, draw.task_id) if draw.task_id else None
            tasks[draw.task_id] = (task, session.get(Plan, task.plan_id) if task else None)
        task, plan = tasks[draw.task_id]
        team = teams.get(sel.id, [])
        row = OutcomeRow(
            selection_id=sel.id,
            draw_id=draw.id,
            period=draw.period,
            uscc=sel.uscc,
            name=sel.name,
            category=sel.category,
            mode=sel.mode,
            team=[t.name for t in team],
            team_certs=[t.cert for t in team],
            task_code=task.code if task else "",
            task_name=task.name if task else "",
            plan_name=plan.name if plan else "",
            drawn_on=_drawn_on(draw),
        )
        o = outs.get(sel.id)
        if o is not None:
            row.outcome_id, row.state = o.id, o.state
            for k in ENTERED_FIELDS + ("entered_by", "reviewed_by", "publish_due"):
                if k != "penalty_amount":
                    setattr(row, k, getattr(o, k))
            row.penalty_amount = float(o.penalty_amount) if o.penalty_amount is not None else None
            row.published_on = pubs.get(o.publication_id)
            row.attachments = att_counts.get(o.id, 0)
            row.extra = dict(o.extra or {})
        rows.append(row)
    return rows


def _selection_context(session: Session, selection_id: int) -> tuple[DrawSelection, Draw]:
    sel = session.get(DrawSelection, selection_id)
    if sel is None:
        raise FieldError("selection", f"抽取编号 {selection_id} 不存在：该对象不在任何抽取结果中，不能录入检查结果。")
    draw = session.get(Draw, sel.draw_id)
    if draw is None or draw.state not in LIVE_DRAW_STATES:
        raise FieldError(
            "selection",
            f"{sel.name}（{sel.uscc}）所在的抽取记录状态为“{draw.state if draw else '无'}”，"
            "不是已抽取/已确认的抽取，不能录入检查结果。",
        )
    if not sel.active:
        raise FieldError(
            "selection",
            f"{sel.name}（{sel.uscc}）已被替换（{sel.replaced_reason or '无原因'}），"
            "不在抽中名单中，请为替换后的对象录入检查结果。",
        )
    return sel, draw


# --- validation and saving ----------------------------------------------------------------------


def _as_date(key: str, value, who: str = "") -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return workdays._parse_date_cell(value, FIELD_LABELS.get(key, key))
    except UserError:
        raise FieldError(
            key,
            f"{who + '：' if who else ''}“{FIELD_LABELS.get(key, key)}”的值“{value}”不是有效日期，应写成 2026-03-15。",
        ) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def validate(session: Session, selection_id: int, data: dict, *, today: date | None = None) -> dict:
    """Check one outcome's values; return the cleaned values (model field → value). Raises FieldError."""
    today = today or date.today()
    sel, draw = _selection_context(session, selection_id)
    who = f"{sel.name}（{sel.uscc}）"
    drawn_on = _drawn_on(draw)
    clean: dict = {}

    check_date = _as_date("check_date", data.get("check_date"), who)
    if check_date is None:
        raise FieldError("check_date", f"{who}：请填写“检查日期”。")
    if drawn_on and check_date < drawn_on:
        raise FieldError("check_date", f"{who}：检查日期 {check_date} 早于抽取日期 {drawn_on}，请核对。")
    if check_date > today:
        raise FieldError("check_date", f"{who}：检查日期 {check_date} 晚于今天（{today}），不能录入未来的日期。")
    clean["check_date"] = check_date

    method = normalise_method(_text(data.get("method")))
    if not method:
        raise FieldError("method", f"{who}：检查方式“{_text(data.get('method'))}”无效，应为：{'、'.join(METHODS)}。")
    clean["method"] = method

    result = _text(data.get("result"))
    known = {p.phrase: p for p in phrases(session)}
    if not result:
        raise FieldError("result", f"{who}：请填写“检查结果”（从标准用语中选择）。")
    if result not in known:
        raise FieldError(
            "result", f"{who}：检查结果“{result}”不是标准用语。请从下拉列表选择，或由管理员在“检查结果用语”中添加。"
        )
    clean["result"] = result
    clean["findings"] = _text(data.get("findings"))

    def not_future(key, d):
        if d and d > today:
            raise FieldError(key, f"{who}：{FIELD_LABELS[key]} {d} 晚于今天（{today}），不能录入未来的日期。")

    determined = _as_date("determined_on", data.get("determined_on"), who) or check_date
    if determined < check_date:
        raise FieldError("determined_on", f"{who}：结果认定日期 {determined} 早于检查日期 {check_date}。")
    not_future("determined_on", determined)
    clean["determined_on"] = determined

    problems = data.get("problems")
    if problems in (None, ""):
        problems = 1 if known[result].problem_found else 0
    try:
        problems = int(float(problems))
        if problems < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise FieldError("problems", f"{who}：发现问题数“{problems}”应为不小于 0 的整数。") from None
    clean["problems"] = problems

    # 责令整改
    deadline = _as_date("rectify_deadline", data.get("rectify_deadline"), who)
    verified = _as_date("rectify_verified_on", data.get("rectify_verified_on"), who)
    if needs_rectification(result) and deadline is None:
        raise FieldError("rectify_deadline", f"{who}：检查结果为“{result}”，请填写“整改期限”。")
    if deadline and deadline < check_date:
        raise FieldError("rectify_deadline", f"{who}：整改期限 {deadline} 早于检查日期 {check_date}。")
    if verified:
        if verified < check_date:
            raise FieldError("rectify_verified_on", f"{who}：整改复查日期 {verified} 早于检查日期 {check_date}。")
        not_future("rectify_verified_on", verified)
    clean.update(
        rectify_deadline=deadline, rectify_verified_on=verified, rectify_result=_text(data.get("rectify_result"))
    )
    if clean["rectify_result"] and not verified:
        raise FieldError("rectify_verified_on", f"{who}：填写了整改复查结果，请同时填写“整改复查日期”。")

    # 立案
    case_no = _text(data.get("case_no"))
    decision = _as_date("decision_date", data.get("decision_date"), who)
    raw_penalty = data.get("penalty_amount")
    penalty = None
    if raw_penalty not in (None, ""):
        try:
            penalty = Decimal(str(raw_penalty).replace(",", "").replace("，", "").strip())
            if penalty < 0 or penalty != penalty:
                raise InvalidOperation
        except InvalidOperation:
            raise FieldError(
                "penalty_amount", f"{who}：罚款金额“{raw_penalty}”应为不小于 0 的数字（单位：元）。"
            ) from None
        penalty = penalty.quantize(Decimal("0.01"))
    if needs_case(result) and not case_no:
        raise FieldError("case_no", f"{who}：检查结果为“{result}”，请填写“立案编号”。")
    if (decision or penalty) and not case_no:
        raise FieldError("case_no", f"{who}：填写了处罚决定或罚款，请同时填写“立案编号”。")
    if decision:
        if decision < check_date:
            raise FieldError("decision_date", f"{who}：处罚决定日期 {decision} 早于检查日期 {check_date}。")
        not_future("decision_date", decision)
    clean.update(
        case_no=case_no, decision_date=decision, penalty_amount=penalty, transfer_to=_text(data.get("transfer_to"))
    )

    # team changes: the people who actually inspected, if not the drawn team
    drawn_team = [t.name for t in _team(session, [sel.id]).get(sel.id, [])]
    actual = data.get("actual_team")
    if isinstance(actual, str):
        actual = [x.strip() for x in actual.replace("，", "、").replace(",", "、").split("、") if x.strip()]
    actual = list(actual or [])
    reason = _text(data.get("team_change_reason"))
    extra: dict = {}
    if actual and sorted(actual) != sorted(drawn_team):
        if not reason:
            raise FieldError(
                "team_change_reason",
                f"{who}：实际检查人员（{'、'.join(actual)}）与抽取的检查组"
                f"（{'、'.join(drawn_team) or '无'}）不一致，请填写“人员变更原因”。",
            )
        extra.update(actual_team=actual, drawn_team=drawn_team, team_change_reason=reason)
    remark = _text(data.get("remark"))
    if remark:
        extra["remark"] = remark
    clean["extra"] = extra
    clean["publish_due"] = compute_publish_due(session, draw, determined)
    return clean


def compute_publish_due(session: Session, draw: Draw, determined: date) -> date:
    """The publication deadline by the preset's rule (raises CalendarMissing when a year has no data)."""
    rule = workdays.publication_rule(session)
    base = determined
    if rule.basis == workdays.BASIS_TASK_END:
        task = session.get(Task, draw.task_id) if draw.task_id else None
        base = task.end_date if task and task.end_date else parse_period(draw.period).end
        base = max(base, determined)  # a result determined after the task ended counts from its determination
    return workdays.add_workdays(session, base, rule.days)


def save_outcome(session: Session, selection_id: int, data: dict, *, today: date | None = None) -> Outcome:
    """Create (or, while still 已录入, update) the outcome of one drawn object."""
    permissions.require(session, "outcomes.enter")
    clean = validate(session, selection_id, data, today=today)
    existing = session.scalar(select(Outcome).where(Outcome.selection_id == selection_id))
    if existing is not None and data.get("outcome_id") is None:
        sel = session.get(DrawSelection, selection_id)
        raise FieldError(
            "selection",
            f"{sel.name}（{sel.uscc}）的检查结果已录入过（{existing.state}），不能重复录入；"
            "如需修改请在列表中打开该结果。",
        )
    if existing is not None and existing.state != STATE_ENTERED:
        raise FieldError("selection", f"该检查结果已{existing.state[1:]}，不能再修改。如确需更正，请审核员先退回。")
    if existing is None:
        existing = Outcome(selection_id=selection_id, state=STATE_ENTERED, entered_by=current_user())
        session.add(existing)
    for k, v in clean.items():
        setattr(existing, k, v)
    existing.entered_by = current_user()
    existing.entered_at = datetime.now()
    session.flush()
    return existing


FOLLOW_UP_FIELDS = (
    "rectify_deadline",
    "rectify_verified_on",
    "rectify_result",
    "case_no",
    "decision_date",
    "penalty_amount",
    "transfer_to",
)


def record_follow_up(session: Session, outcome_id: int, data: dict, *, today: date | None = None) -> Outcome:
    """后续处置 after review or publication: 整改复查, 立案/处罚, 移送 — the result itself stays as published."""
    permissions.require(session, "outcomes.enter")
    today = today or date.today()
    o = session.get(Outcome, outcome_id)
    if o is None:
        raise UserError("检查结果不存在，请刷新后重试。")
    merged = {k: getattr(o, k) for k in ("check_date", "method", "result", "findings", "determined_on", "problems")}
    merged.update({k: getattr(o, k) for k in FOLLOW_UP_FIELDS})
    merged.update({k: v for k, v in data.items() if k in FOLLOW_UP_FIELDS})
    extra = o.extra or {}
    if extra.get("actual_team"):
        merged.update(actual_team=extra["actual_team"], team_change_reason=extra.get("team_change_reason", ""))
    clean = validate(session, o.selection_id, merged, today=today)
    for k in FOLLOW_UP_FIELDS:
        setattr(o, k, clean[k])
    o.extra = {**extra, "follow_up_by": current_user(), "follow_up_at": datetime.now().isoformat(timespec="seconds")}
    session.flush()
    return o


# --- review -------------------------------------------------------------------------------------


def _reviewer(session: Session, reviewer: str | None) -> str:
    """The reviewer is the authenticated account itself; a given name must be that account's."""
    actor = permissions.require(session, "outcomes.approve")
    given = (reviewer or "").strip()
    if given and given != actor.username:
        raise PermissionDenied(
            f"审核人只能是当前登录的账户本人（{actor.username}），不能以“{given}”的名义审核。"
            f"命令行的 --by 如给出，必须与 --user 相同。"
        )
    return actor.username


def approve(session: Session, outcome_ids: list[int], reviewer: str | None = None) -> int:
    """Approve entered outcomes (one or a batch) as the current account (审核员 or 管理员).

    `reviewer`, if given, must be the current account's username; nobody approves an entry of their own.
    """
    reviewer = _reviewer(session, reviewer)
    count = 0
    rows = list(session.scalars(select(Outcome).where(Outcome.id.in_(outcome_ids))))
    if len(rows) != len(set(outcome_ids)):
        raise UserError("所选检查结果中有的已不存在，请刷新后重试。")
    for o in rows:
        if o.state != STATE_ENTERED:
            sel = session.get(DrawSelection, o.selection_id)
            raise UserError(f"{sel.name}（{sel.uscc}）的检查结果状态为“{o.state}”，只有“已录入”的结果可以审核。")
        if o.entered_by == reviewer:
            sel = session.get(DrawSelection, o.selection_id)
            raise UserError(f"{sel.name}（{sel.uscc}）的检查结果由 {reviewer} 录入，审核人不能是录入人本人。")
    for o in rows:
        o.state = STATE_APPROVED
        o.reviewed_by = reviewer
        o.reviewed_at = datetime.now()
        count += 1
    session.flush()
    return count


def approve_period(session: Session, period: str, reviewer: str | None = None) -> int:
    _reviewer(session, reviewer)
    ids = [r.outcome_id for r in period_rows(session, period) if r.state == STATE_ENTERED]
    if not ids:
        raise UserError(f"{parse_period(period).label}没有待审核（已录入）的检查结果。")
    return approve(session, ids, reviewer)


def send_back(session: Session, outcome_id: int, reason: str) -> None:
    """审核退回: an approved (not yet published) result goes back to 已录入 with the reason."""
    permissions.require(session, "outcomes.approve")
    _reviewer(session, None)
    o = session.get(Outcome, outcome_id)
    if o is None:
        raise UserError("检查结果不存在。")
    if o.state == STATE_PUBLISHED:
        raise UserError("已公示的检查结果不能退回。")
    if not (reason or "").strip():
        raise UserError("请填写退回原因。")
    o.state = STATE_ENTERED
    o.reviewed_by, o.reviewed_at = "", None
    o.extra = {**(o.extra or {}), "returned": reason.strip(), "returned_by": current_user()}
    session.flush()


# --- attachments --------------------------------------------------------------------------------


def add_attachment(session: Session, outcome_id: int, path: str | Path) -> Attachment:
    """Copy a 笔录 scan / photo into the data folder, recording its SHA-256."""
    permissions.require(session, "outcomes.enter")
    from app.paths import attachment_key, attachments_dir

    src = Path(path)
    if session.get(Outcome, outcome_id) is None:
        raise UserError("请先保存检查结果，再添加附件。")
    if not src.is_file():
        raise UserError(f"找不到附件文件 {src}。")
    if src.suffix.lower() not in ALLOWED_ATTACHMENT_TYPES:
        raise UserError(f"附件 {src.name} 的类型不允许，只能添加 PDF、JPG、PNG、TIF 文件。")
    size = src.stat().st_size
    if size > MAX_ATTACHMENT_BYTES:
        raise UserError(
            f"附件 {src.name} 有 {size / 1024 / 1024:.1f} MB，超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB 的上限。"
            "请压缩或分成几个文件。"
        )
    if size == 0:
        raise UserError(f"附件 {src.name} 是空文件。")
    h = hashlib.sha256()
    with open(src, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    if session.scalar(select(Attachment).where(Attachment.outcome_id == outcome_id, Attachment.sha256 == digest)):
        raise UserError(f"附件 {src.name} 已添加过（内容相同）。")
    folder = attachments_dir() / str(outcome_id)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{digest[:16]}{src.suffix.lower()}"
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)
    att = Attachment(
        outcome_id=outcome_id,
        filename=src.name,
        stored_path=attachment_key(dest.relative_to(attachments_dir())),  # "/" also on Windows: portable
        sha256=digest,
        size=size,
        added_by=current_user(),
    )
    session.add(att)
    try:
        session.flush()
    except Exception:
        dest.unlink(missing_ok=True)
        raise
    return att


def attachment_path(att: Attachment) -> Path:
    """The stored file (keys written on Windows by older versions may hold backslashes)."""
    from app.paths import attachment_file

    return attachment_file(att.stored_path)


def verify_attachment(att: Attachment) -> bool:
    p = attachment_path(att)
    return p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == att.sha256


def attachments(session: Session, outcome_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.outcome_id == outcome_id).order_by(Attachment.id)))


# --- for other areas ----------------------------------------------------------------------------


def penalised_usccs(session: Session, period: str) -> set[str]:
    """USCCs with a 立案 / penalty decided in the period (→ 上一季度被处罚 for the next period)."""
    p = parse_period(period)
    q = select(
        DrawSelection.uscc, Outcome.decision_date, Outcome.check_date, Outcome.case_no, Outcome.penalty_amount
    ).join(Outcome, Outcome.selection_id == DrawSelection.id)
    out = set()
    for uscc, decision, check, case_no, penalty in session.execute(q):
        if not (case_no or penalty):
            continue
        day = decision or check
        if day and p.start <= day <= p.end:
            out.add(uscc)
    return out


def dashboard_items(session: Session, today: date) -> list[dict]:
    """首页: results not entered, reviews pending, publication deadlines, rectifications overdue."""
    pairs = drawn_selections(session)
    if not pairs:
        return []
    sel_ids = [s.id for s, _ in pairs]
    outs = {o.selection_id: o for o in session.scalars(select(Outcome).where(Outcome.selection_id.in_(sel_ids)))}
    items: list[dict] = []
    missing = [(s, d) for s, d in pairs if s.id not in outs]
    if missing:
        ended = [1 for _, d in missing if parse_period(d.period).end < today]
        items.append(
            dict(
                title="待录入检查结果",
                value=str(len(missing)),
                detail=f"{len(missing)} 个抽中对象尚未录入检查结果"
                + (f"，其中 {len(ended)} 个所属期间已结束" if ended else ""),
                level="warn" if ended else "info",
                page="outcomes",
            )
        )
    pending = [o for o in outs.values() if o.state == STATE_ENTERED]
    if pending:
        items.append(
            dict(
                title="待审核检查结果",
                value=str(len(pending)),
                detail=f"{len(pending)} 条检查结果等待审核员审核",
                level="info",
                page="outcomes",
            )
        )
    unpublished = [o for o in outs.values() if o.state in (STATE_ENTERED, STATE_APPROVED) and o.publish_due]
    overdue = [o for o in unpublished if o.publish_due < today]
    cal = workdays.Calendar(session)
    soon = []
    for o in unpublished:
        if o.publish_due >= today:
            try:
                if cal.workdays_between(today, o.publish_due) <= 5:
                    soon.append(o)
            except workdays.CalendarMissing:
                soon.append(o)
    if overdue:
        items.append(
            dict(
                title="公示已超期",
                value=str(len(overdue)),
                detail=f"{len(overdue)} 条检查结果已超过公示期限（最早 {min(o.publish_due for o in overdue)}）",
                level="danger",
                page="publication",
            )
        )
    if soon:
        items.append(
            dict(
                title="即将到期公示",
                value=str(len(soon)),
                detail=f"{len(soon)} 条检查结果须在 5 个工作日内公示（最早 {min(o.publish_due for o in soon)}）",
                level="warn",
                page="publication",
            )
        )
    late_fix = [
        o for o in outs.values() if o.rectify_deadline and o.rectify_deadline < today and not o.rectify_verified_on
    ]
    if late_fix:
        items.append(
            dict(
                title="整改逾期未复查",
                value=str(len(late_fix)),
                detail=f"{len(late_fix)} 个责令整改已过整改期限但未复查",
                level="danger",
                page="outcomes",
            )
        )
    return items


def follow_up(session: Session, today: date | None = None) -> dict[str, list[OutcomeRow]]:
    """后续处置: open rectifications (with overdue flag in extra), cases, transfers — across all periods."""
    today = today or date.today()
    periods = sorted({d.period for _, d in drawn_selections(session)})
    rect, cases, transfers = [], [], []
    for p in periods:
        for r in period_rows(session, p):
            if r.outcome_id is None:
                continue
            if r.rectify_deadline and not r.rectify_verified_on:
                r.extra["overdue"] = r.rectify_deadline < today
                rect.append(r)
            if r.case_no:
                cases.append(r)
            if r.transfer_to:
                transfers.append(r)
    rect.sort(key=lambda r: r.rectify_deadline)
    return {"rectifications": rect, "cases": cases, "transfers": transfers}


# --- the result sheet (检查结果录入表) ------------------------------------------------------------

SHEET_TITLE = "检查结果录入表"
SHEET_COLUMNS = [
    "序号",
    "抽取编号",
    "统一社会信用代码",
    "企业名称",
    "监管类别",
    "检查组成员",
    "检查日期",
    "检查方式",
    "检查结果",
    "发现问题",
    "结果认定日期",
    "整改期限",
    "整改复查日期",
    "整改复查结果",
    "立案编号",
    "处罚决定日期",
    "罚款金额（元）",
    "移交/移送机关",
    "实际检查人员",
    "人员变更原因",
]
_COLUMN_FIELD = {
    "检查日期": "check_date",
    "检查方式": "method",
    "检查结果": "result",
    "发现问题": "findings",
    "结果认定日期": "determined_on",
    "整改期限": "rectify_deadline",
    "整改复查日期": "rectify_verified_on",
    "整改复查结果": "rectify_result",
    "立案编号": "case_no",
    "处罚决定日期": "decision_date",
    "罚款金额（元）": "penalty_amount",
    "移交/移送机关": "transfer_to",
    "实际检查人员": "actual_team",
    "人员变更原因": "team_change_reason",
}
_FIELD_COLUMN = {v: k for k, v in _COLUMN_FIELD.items()}
INSTRUCTIONS = [
    "检查结果录入表填写说明",
    "1. 每行是本期抽中的一个检查对象。不要修改“抽取编号”“统一社会信用代码”“企业名称”列，不要增删行。",
    "2. 检查日期、结果认定日期等日期写成 2026-03-15；检查日期不能早于抽取日期，也不能晚于今天。",
    "3. “检查方式”“检查结果”从下拉列表中选择（标准用语）。",
    "4. 结果为“发现问题已责令整改”时必须填写整改期限；结果含“立案”或填写了处罚时必须填写立案编号。",
    "5. 实际检查人员与检查组成员不一致时，用顿号分隔填写实际人员，并填写人员变更原因。",
    "6. 尚未检查的对象留空即可，导入时跳过。导入时只要有一处错误，整份表都不会导入，请按提示改正后重新导入。",
]


def export_template(session: Session, period: str, out: str | Path) -> dict:
    from app.services.foundation import xlsx

    p = parse_period(period)
    rows = period_rows(session, p.code)
    if not rows:
        raise UserError(f"{p.label}没有已抽取/已确认的抽取结果，无法生成检查结果录入表。请先完成抽取。")
    plist = [x.phrase for x in phrases(session)]
    wb, ws = xlsx.new_workbook(SHEET_TITLE)

    def value(r: OutcomeRow, col: str):
        f = _COLUMN_FIELD.get(col)
        if f == "actual_team":
            return "、".join(r.extra.get("actual_team", []))
        if f == "team_change_reason":
            return r.extra.get("team_change_reason", "")
        if f:
            return getattr(r, f)
        return None

    data = []
    for i, r in enumerate(rows, 1):
        data.append(
            [i, r.selection_id, r.uscc, r.name, r.category, "、".join(r.team)]
            + [value(r, c) for c in SHEET_COLUMNS[6:]]
        )
    last = xlsx.write_table(ws, SHEET_COLUMNS, data)
    for c in ("检查日期", "结果认定日期", "整改期限", "整改复查日期", "处罚决定日期"):
        col = SHEET_COLUMNS.index(c) + 1
        for rr in range(2, last + 1):
            ws.cell(row=rr, column=col).number_format = "yyyy-mm-dd"
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 13
    xlsx.add_list_validation(ws, SHEET_COLUMNS.index("检查方式") + 1, list(METHODS), last_row=max(last, 2))
    xlsx.add_list_validation(ws, SHEET_COLUMNS.index("检查结果") + 1, plist, last_row=max(last, 2))
    ws.column_dimensions["I"].width = 30
    info = wb.create_sheet("填写说明")
    for i, line in enumerate(
        INSTRUCTIONS
        + [
            "",
            f"期间：{p.code}（{p.label}）",
            "检查方式可选：" + "、".join(METHODS),
            "检查结果可选：" + "、".join(plist),
        ],
        1,
    ):
        info.cell(row=i, column=1, value=line)
    info.column_dimensions["A"].width = 110
    meta = wb.create_sheet("_ssj")
    meta["A1"], meta["B1"] = "period", p.code
    meta.sheet_state = "hidden"
    xlsx.save_workbook(wb, out)
    return {"file": str(out), "period": p.code, "rows": len(rows)}


_COMPARED = ENTERED_FIELDS


def _unchanged(existing: Outcome, raw: dict, clean: dict | None = None) -> bool:
    """Whether a sheet row says the same as the stored outcome (so re-importing it changes nothing)."""
    for key in _COMPARED:
        if key not in raw:
            continue
        stored = getattr(existing, key)
        if clean is not None:
            new = clean.get(key)
        else:
            value = raw.get(key)
            if key in ("check_date", "determined_on", "rectify_deadline", "rectify_verified_on", "decision_date"):
                try:
                    new = _as_date(key, value)
                except FieldError:
                    return False
                if key == "determined_on" and new is None:
                    new = stored
            elif key == "penalty_amount":
                try:
                    new = (
                        Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
                        if value not in (None, "")
                        else None
                    )
                except InvalidOperation:
                    return False
            elif key == "method":
                new = normalise_method(_text(value)) or _text(value)
            else:
                new = _text(value)
        if stored is not None and key == "penalty_amount":
            stored = Decimal(str(stored)).quantize(Decimal("0.01"))
        if (stored or None) != (new or None):
            return False
    extra = existing.extra or {}
    team = raw.get("actual_team")
    if team not in (None, "") and _text(team) != "、".join(extra.get("actual_team", [])):
        return False
    return True


def import_sheet(session: Session, path: str | Path, *, dry_run: bool = False, today: date | None = None) -> dict:
    """Import a filled 检查结果录入表: all rows valid → write in this transaction; any error → write nothing."""
    if not dry_run:
        permissions.require(session, "outcomes.enter")
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到文件 {path}。")
    from app.services.pools.guard import check_workbook

    check_workbook(path)  # a hostile package (huge range, bomb) is refused before the reader allocates it
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        sheet = SHEET_TITLE if SHEET_TITLE in names else names[0]
        table = wb.get_sheet_by_name(sheet).to_python()
    except BaseException as exc:  # a Rust panic in the reader arrives as PanicException (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise UserError(
            f"无法读取 {path.name}：{exc}。请确认它是用本程序导出的检查结果录入表（.xlsx），且未加密。"
        ) from exc
    report = {"file": str(path), "rows": 0, "valid": 0, "inserted": 0, "updated": 0, "errors": [], "unchanged": 0}
    if not table:
        raise UserError(f"{path.name} 的“{sheet}”工作表是空的。")
    header = [_text(c) for c in table[0]]
    missing = [c for c in ("抽取编号", "统一社会信用代码", "检查日期", "检查方式", "检查结果") if c not in header]
    if missing:
        raise UserError(f"{path.name} 第 1 行缺少列：{'、'.join(missing)}。请用“导出检查结果录入表”生成的表格填写。")
    idx = {h: i for i, h in enumerate(header) if h}
    errors = report["errors"]
    plan: list[tuple[int, int, dict, Outcome | None]] = []
    seen: dict[int, int] = {}
    for rno, raw in enumerate(table[1:], 2):
        cells = list(raw) + [""] * (len(header) - len(raw))

        def cell(col, cells=cells):
            return cells[idx[col]] if col in idx else ""

        if not any(_text(c) for c in cells):
            continue
        report["rows"] += 1
        filled = {f: cell(c) for c, f in _COLUMN_FIELD.items() if c in idx}
        if not any(_text(v) for v in filled.values()):
            continue  # not inspected yet: left blank
        sid_text = _text(cell("抽取编号"))
        uscc = _text(cell("统一社会信用代码")).upper()
        try:
            if sid_text:
                try:
                    sid = int(float(sid_text))
                except ValueError:
                    raise FieldError("selection", f"抽取编号“{sid_text}”不是数字，请不要修改此列。") from None
                sel = session.get(DrawSelection, sid)
                if sel is None or (uscc and sel.uscc != uscc):
                    raise FieldError(
                        "selection",
                        f"抽取编号 {sid_text} 与统一社会信用代码 {uscc} 不是同一个抽中对象："
                        "该对象不在抽中名单中，不能录入检查结果。",
                    )
            else:
                cands = [s for s, _ in drawn_selections(session) if s.uscc == uscc]
                if not cands:
                    raise FieldError("selection", f"统一社会信用代码“{uscc}”的对象没有被抽中，不能录入检查结果。")
                if len(cands) > 1:
                    raise FieldError("selection", f"统一社会信用代码“{uscc}”在多次抽取中被抽中，请填写“抽取编号”。")
                sid = cands[0].id
            if sid in seen:
                raise FieldError("selection", f"与第 {seen[sid]} 行是同一个对象，重复录入。请删除其中一行。")
            seen[sid] = rno
            clean_input = dict(filled)
            existing = session.scalar(select(Outcome).where(Outcome.selection_id == sid))
            if existing is not None and existing.state != STATE_ENTERED:
                if _unchanged(existing, clean_input):
                    report["unchanged"] += 1
                    continue  # a row re-exported after review: nothing to do
                raise FieldError("selection", f"该对象的检查结果已{existing.state[1:]}，不能再通过导入修改。")
            clean = validate(session, sid, clean_input, today=today)
            if existing is not None and _unchanged(existing, clean_input, clean):
                report["unchanged"] += 1
                continue
            plan.append((rno, sid, clean_input, existing))
        except FieldError as exc:
            column = "抽取编号" if exc.field == "selection" else _FIELD_COLUMN.get(exc.field, exc.label)
            errors.append(
                {"row": rno, "column": column, "message": f"{path.name} 第 {rno} 行“{column}”列：{exc.message}"}
            )
        except UserError as exc:
            errors.append({"row": rno, "column": "", "message": f"{path.name} 第 {rno} 行：{exc.message}"})
    report["valid"] = len(plan) + report["unchanged"]
    if errors or dry_run:
        return report
    for _rno, sid, data, existing in plan:
        if existing is not None:
            data["outcome_id"] = existing.id
            report["updated"] += 1
        else:
            report["inserted"] += 1
        save_outcome(session, sid, data, today=today)
    audit.record(
        session,
        "导入",
        "outcome",
        "",
        summary=f"导入检查结果录入表 {path.name}：新增 {report['inserted']}，更新 {report['updated']}",
    )
    return report


def periods_with_draws(session: Session) -> list[str]:
    """The periods that have a drawn or confirmed draw, newest first (the outcome pages' period chooser)."""
    codes = set(session.scalars(select(Draw.period).where(Draw.state.in_(LIVE_DRAW_STATES))))
    return sorted(codes, reverse=True)
