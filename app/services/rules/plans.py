"""年度抽查计划: annual plans (本部门 / 内部联合 / 部门联合) and their tasks, 备案 adjustments, and the
published plan table (xlsx and landscape PDF) with the columns of 秦皇岛 附件1/2 and 泽州 附件1/3.

A task's 对象范围 is a saved filter over the object pool (keys in ``app.services.rules.quota.SCOPE_KEYS``:
township, industry, permit_class, tags, categories, pollution_types …). A 定向 task whose scope matches
no object is refused. A plan changed after publication, or a plan added during the year, is recorded
with a PlanAdjustment (备案: reason, date) and needs publication (秦皇岛/隆尧 "备案…调整并公示后方可开展").
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.pools import InspectionItem, InspectionObject
from app.models.rules import Plan, PlanAdjustment, Task
from app.services.foundation import permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.rules import quota

PLAN_KINDS = ("本部门", "内部联合", "部门联合")
DRAW_TYPES = ("定向", "不定向")
TASK_MODES = ("现场", "非现场", "现场+非现场", "县抽县查", "县抽查", "资料核查", "书面核查")
PLAN_FIELDS = ("code", "name", "kind", "initiator", "partners", "start_date", "end_date", "remark", "year")
TASK_FIELDS = (
    "code",
    "name",
    "draw_type",
    "ratio",
    "item_ids",
    "scope",
    "initiator",
    "partners",
    "start_date",
    "end_date",
    "mode",
    "remark",
)
EXPORT_HEADERS = (
    "序号",
    "计划类型",
    "抽查计划编号",
    "抽查计划名称",
    "抽查任务编号",
    "抽查任务名称",
    "抽查类型",
    "抽查比例",
    "抽查事项",
    "抽查对象范围",
    "发起科室/部门",
    "联合科室/部门",
    "抽查时间",
    "检查模式",
    "备注",
)


def _date(value, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(f"“{label}”的日期“{value}”格式不对，应为 2026-03-01。") from None


def _list(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        for sep in "，、；;":
            value = value.replace(sep, ",")
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def _window(start, end, what: str) -> tuple[date | None, date | None]:
    s, e = _date(start, f"{what}开始日期"), _date(end, f"{what}结束日期")
    if s and e and e < s:
        raise UserError(f"{what}的结束日期 {e} 早于开始日期 {s}，请改正抽查时间。")
    return s, e


def window_text(start: date | None, end: date | None) -> str:
    if not start and not end:
        return ""
    if start and end and start.year == end.year:
        if start.month == end.month:
            return f"{start.year}年{start.month}月"
        return f"{start.year}年{start.month}-{end.month}月"
    return f"{start or ''}至{end or ''}"


# ------------------------------------------------------------------ plans


def create_plan(
    session: Session,
    *,
    year: int,
    code: str,
    name: str,
    kind: str = "本部门",
    initiator: str = "",
    partners=None,
    start_date=None,
    end_date=None,
    remark: str = "",
) -> Plan:
    permissions.require(session, "plans.edit")
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise UserError("“抽查计划编号”不能为空。")
    if not name:
        raise UserError("“抽查计划名称”不能为空。")
    if kind not in PLAN_KINDS:
        raise UserError(f"计划类型“{kind}”无效，应为 {'、'.join(PLAN_KINDS)}。")
    if session.scalar(select(Plan.id).where(Plan.code == code)):
        raise UserError(f"抽查计划编号“{code}”已存在，请换一个编号。")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise UserError(f"年度“{year}”无效。") from None
    start, end = _window(start_date, end_date, f"计划“{name}”")
    partners = _list(partners)
    if kind != "本部门" and not partners:
        raise UserError(f"{kind}计划须填写“联合科室/部门”。")
    plan = Plan(
        year=year,
        code=code,
        name=name,
        kind=kind,
        initiator=(initiator or "").strip(),
        partners=partners,
        start_date=start,
        end_date=end,
        remark=remark or "",
    )
    session.add(plan)
    session.flush()
    return plan


def _by_id_or_code(session: Session, model, key, what: str):
    """A plan or task by its id (digits) or, failing that, by its code; a Chinese refusal naming `what`."""
    found = None
    if isinstance(key, int) or str(key).isdigit():
        found = session.get(model, int(key))
    if found is None:
        found = session.scalar(select(model).where(model.code == str(key)))
    if found is None:
        raise UserError(f"没有编号为“{key}”的{what}。")
    return found


def get_plan(session: Session, plan_id_or_code) -> Plan:
    return _by_id_or_code(session, Plan, plan_id_or_code, "抽查计划")


def list_plans(session: Session, year: int | None = None) -> list[Plan]:
    q = select(Plan).order_by(Plan.year, Plan.code)
    if year is not None:
        q = q.where(Plan.year == int(year))
    return list(session.scalars(q))


def tasks_of(session: Session, plan: Plan) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.code)))


def publish_plan(session: Session, plan: Plan) -> Plan:
    permissions.require(session, "plans.edit")
    plan.published = True
    session.flush()
    return plan


def adjust_plan(
    session: Session, plan: Plan, *, reason: str, filed_on=None, description: str = "", changes: dict | None = None
) -> PlanAdjustment:
    """备案: record a change of an annual plan (or a plan added during the year) and apply ``changes``."""
    permissions.require(session, "plans.edit")
    reason = (reason or "").strip()
    if not reason:
        raise UserError("计划调整须填写备案理由。")
    filed = _date(filed_on, "备案日期") or date.today()
    changes = dict(changes or {})
    bad = [k for k in changes if k not in PLAN_FIELDS or k == "code"]
    if bad:
        raise UserError(f"计划调整：不能修改字段“{'、'.join(bad)}”。")
    described = []
    labels = {
        "name": "计划名称",
        "kind": "计划类型",
        "initiator": "发起科室/部门",
        "partners": "联合科室/部门",
        "start_date": "开始日期",
        "end_date": "结束日期",
        "remark": "备注",
        "year": "年度",
    }
    new = {k: getattr(plan, k) for k in PLAN_FIELDS}
    for k, v in changes.items():
        if k in ("start_date", "end_date"):
            v = _date(v, labels[k])
        elif k == "partners":
            v = _list(v)
        elif k == "kind" and v not in PLAN_KINDS:
            raise UserError(f"计划类型“{v}”无效，应为 {'、'.join(PLAN_KINDS)}。")
        if new[k] != v:
            described.append(f"{labels[k]}：{new[k] or '（空）'} → {v or '（空）'}")
        new[k] = v
    _window(new["start_date"], new["end_date"], f"计划“{plan.name}”")
    for k, v in new.items():
        setattr(plan, k, v)
    adj = PlanAdjustment(
        plan_id=plan.id,
        filed_on=filed,
        reason=reason,
        description="；".join(filter(None, [description.strip(), *described])),
        published=False,
        user=current_user(),
    )
    session.add(adj)
    session.flush()
    return adj


def publish_adjustment(session: Session, adjustment_id: int) -> PlanAdjustment:
    """Mark a 备案 adjustment as published (the adjusted plan may then be carried out)."""
    permissions.require(session, "plans.edit")
    adj = session.get(PlanAdjustment, int(adjustment_id))
    if adj is None:
        raise UserError(f"没有编号为 {adjustment_id} 的计划调整备案。")
    adj.published = True
    session.flush()
    return adj


def adjustments_of(session: Session, plan: Plan | None = None, year: int | None = None) -> list[PlanAdjustment]:
    q = select(PlanAdjustment).order_by(PlanAdjustment.filed_on, PlanAdjustment.id)
    if plan is not None:
        q = q.where(PlanAdjustment.plan_id == plan.id)
    elif year is not None:
        q = q.join(Plan, Plan.id == PlanAdjustment.plan_id).where(Plan.year == int(year))
    return list(session.scalars(q))


# ------------------------------------------------------------------ tasks


def scope_count(session: Session, scope: dict) -> int:
    """How many objects of the pool a saved filter matches (categories need the active rules)."""
    from app.services.rules import classification, policies

    quota.validate_scope(scope)
    needs_rules = any(k in scope for k in ("categories", "strata", "modes"))
    try:
        rules = policies.active_rules(session)
    except UserError:
        if needs_rules:
            raise UserError("对象范围按监管类别筛选，但尚未设置监管规则；请先在“规则设置”中选择预设。") from None
        rules = None
    if rules is not None:
        objs = classification.pool_objects(session, rules)
        classes = classification.classify(session, objs, rules=rules) if needs_rules else {}
        extras = {o.id: classification.extra_pools_of(o, rules) for o in objs} if "categories" in scope else {}
    else:
        objs = list(session.scalars(select(InspectionObject).where(InspectionObject.status.not_in(["注销", "迁出"]))))
        classes, extras = {}, {}
    return sum(1 for o in objs if quota.scope_match(o, classes.get(o.id), scope, extras.get(o.id, [])))


def _check_items(session: Session, item_ids) -> list[int]:
    ids = []
    for v in item_ids or []:
        try:
            ids.append(int(v))
        except (TypeError, ValueError):
            raise UserError(f"抽查事项“{v}”无效，应为事项清单中的事项编号。") from None
    if ids:
        found = set(session.scalars(select(InspectionItem.id).where(InspectionItem.id.in_(ids))))
        missing = [i for i in ids if i not in found]
        if missing:
            raise UserError(f"抽查事项 {missing} 不在随机抽查事项清单中，请先导入事项清单或重新选择。")
    return ids


def add_task(
    session: Session,
    plan: Plan,
    *,
    code: str,
    name: str,
    draw_type: str = "不定向",
    ratio: str = "",
    item_ids=None,
    scope: dict | None = None,
    initiator: str = "",
    partners=None,
    start_date=None,
    end_date=None,
    mode: str = "现场",
    remark: str = "",
) -> Task:
    permissions.require(session, "plans.edit")
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise UserError("“抽查任务编号”不能为空。")
    if not name:
        raise UserError("“抽查任务名称”不能为空。")
    if session.scalar(select(Task.id).where(Task.code == code)):
        raise UserError(f"抽查任务编号“{code}”已存在，请换一个编号。")
    if draw_type not in DRAW_TYPES:
        raise UserError(f"抽查类型“{draw_type}”无效，应为 定向 或 不定向。")
    scope = dict(scope or {})
    quota.validate_scope(scope)
    if draw_type == "定向" and not scope:
        raise UserError(f"定向抽查任务“{name}”须设置抽查对象范围（如乡镇、行业、监管类别）。")
    start, end = _window(start_date or plan.start_date, end_date or plan.end_date, f"任务“{name}”")
    if plan.start_date and start and start < plan.start_date or plan.end_date and end and end > plan.end_date:
        raise UserError(
            f"任务“{name}”的抽查时间 {window_text(start, end)} 超出计划“{plan.name}”的时间 "
            f"{window_text(plan.start_date, plan.end_date)}。"
        )
    ids = _check_items(session, item_ids)
    if draw_type == "定向" and scope_count(session, scope) == 0:
        raise UserError(
            f"任务“{name}”的抽查对象范围（{quota.scope_text(scope)}）在检查对象库中没有匹配的对象，请修改范围。"
        )
    task = Task(
        plan_id=plan.id,
        code=code,
        name=name,
        draw_type=draw_type,
        ratio=(ratio or "").strip(),
        item_ids=ids,
        scope=scope,
        initiator=(initiator or plan.initiator or "").strip(),
        partners=_list(partners) or list(plan.partners or []),
        start_date=start,
        end_date=end,
        mode=(mode or "现场").strip(),
        remark=remark or "",
    )
    session.add(task)
    session.flush()
    return task


def get_task(session: Session, task_id_or_code) -> Task:
    return _by_id_or_code(session, Task, task_id_or_code, "抽查任务")


def list_tasks(session: Session, year: int | None = None) -> list[Task]:
    q = select(Task).join(Plan, Plan.id == Task.plan_id).order_by(Plan.code, Task.code)
    if year is not None:
        q = q.where(Plan.year == int(year))
    return list(session.scalars(q))


def delete_task(session: Session, task: Task) -> None:
    permissions.require(session, "plans.edit")
    from app.models.draw import Draw

    if session.scalar(select(func.count(Draw.id)).where(Draw.task_id == task.id)):
        raise UserError(f"任务“{task.name}”已有抽取记录，不能删除；如需调整请做计划调整备案。")
    session.delete(task)
    session.flush()


# ------------------------------------------------------------------ published table


def item_names(session: Session, ids) -> str:
    if not ids:
        return ""
    items = {i.id: i for i in session.scalars(select(InspectionItem).where(InspectionItem.id.in_(list(ids))))}
    return "；".join(items[i].name for i in ids if i in items)


def plan_table(session: Session, year: int) -> list[list]:
    """Rows of the published annual plan table (one row per task; a plan without tasks gets one row)."""
    rows = []
    n = 0
    for plan in list_plans(session, year):
        tasks = tasks_of(session, plan) or [None]
        for t in tasks:
            n += 1
            if t is None:
                rows.append(
                    [
                        n,
                        plan.kind,
                        plan.code,
                        plan.name,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        plan.initiator,
                        "、".join(plan.partners or []),
                        window_text(plan.start_date, plan.end_date),
                        "",
                        plan.remark,
                    ]
                )
                continue
            rows.append(
                [
                    n,
                    plan.kind,
                    plan.code,
                    plan.name,
                    t.code,
                    t.name,
                    t.draw_type,
                    t.ratio,
                    item_names(session, t.item_ids),
                    quota.scope_text(t.scope) if t.draw_type == "定向" else "全部检查对象",
                    t.initiator or plan.initiator,
                    "、".join(t.partners or plan.partners or []),
                    window_text(t.start_date, t.end_date),
                    t.mode,
                    t.remark or plan.remark,
                ]
            )
    return rows


def _office_name(session: Session) -> str:
    from app.services.foundation.office import get_office

    office = get_office(session)
    return office.name if office else ""


def export_plans_xlsx(session: Session, year: int, path):
    from app.services.foundation import xlsx

    rows = plan_table(session, year)
    if not rows:
        raise UserError(f"{year} 年还没有抽查计划，无法导出。")
    wb, ws = xlsx.new_workbook(f"{year}年度抽查计划")
    title = f"{_office_name(session)}{year}年度“双随机、一公开”抽查工作计划"
    ws.cell(row=1, column=1, value=title).font = xlsx.HEADER_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(EXPORT_HEADERS))
    xlsx.write_table(ws, EXPORT_HEADERS, rows, start_row=2)
    adjs = adjustments_of(session, year=year)
    if adjs:
        ws2 = wb.create_sheet("计划调整备案")
        plans = {p.id: p for p in list_plans(session, year)}
        xlsx.write_table(
            ws2,
            ("序号", "抽查计划编号", "抽查计划名称", "备案日期", "调整理由", "调整内容", "经办人"),
            [
                [i, plans[a.plan_id].code, plans[a.plan_id].name, a.filed_on, a.reason, a.description, a.user]
                for i, a in enumerate(adjs, 1)
            ],
        )
    return xlsx.save_workbook(wb, path)


def export_plans_pdf(session: Session, year: int, path):
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from app.services.foundation import pdf

    rows = plan_table(session, year)
    if not rows:
        raise UserError(f"{year} 年还没有抽查计划，无法导出。")
    st = pdf.styles()
    cell = st["cell"]
    headers = (
        "序号",
        "抽查计划编号/名称",
        "抽查任务编号/名称",
        "抽查类型",
        "抽查比例",
        "抽查事项",
        "抽查对象范围",
        "发起科室/部门",
        "联合科室/部门",
        "抽查时间",
        "检查模式",
    )
    data = [[Paragraph(pdf.esc(h), cell) for h in headers]]
    for r in rows:
        vals = [
            r[0],
            f"{r[2]}\n{r[3]}（{r[1]}）",
            f"{r[4]}\n{r[5]}",
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
        ]
        data.append([Paragraph(pdf.esc(v), cell) for v in vals])
    widths = [10, 38, 38, 14, 24, 36, 32, 22, 22, 18, 16]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [Paragraph(pdf.esc(f"{_office_name(session)}{year}年度“双随机、一公开”抽查工作计划"), st["title"]), table]
    adjs = adjustments_of(session, year=year)
    if adjs:
        plans = {p.id: p for p in list_plans(session, year)}
        story += [Spacer(1, 6 * mm), Paragraph("计划调整备案", st["h2"])]
        adata = [[Paragraph(h, cell) for h in ("备案日期", "抽查计划", "调整理由", "调整内容")]]
        for a in adjs:
            adata.append(
                [
                    Paragraph(pdf.esc(v), cell)
                    for v in (a.filed_on, f"{plans[a.plan_id].code} {plans[a.plan_id].name}", a.reason, a.description)
                ]
            )
        at = Table(adata, colWidths=[26 * mm, 70 * mm, 70 * mm, 104 * mm], repeatRows=1)
        at.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ]
            )
        )
        story.append(at)
    return pdf.build_pdf(
        path,
        story,
        pagesize=pdf.PAGE_LANDSCAPE,
        title=f"{year}年度抽查工作计划",
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
    )


# ------------------------------------------------------------------ demo


def demo_plans(session: Session, year: int) -> str:
    """A realistic plan set for the demo county: 本部门 tasks as in 泽州 附件1, one 内部联合,
    one 部门联合「一业一查」."""
    if session.scalar(select(func.count(Plan.id)).where(Plan.year == year)):
        return f"{year} 年已有抽查计划，未重复生成"
    items = {i.name: i.id for i in session.scalars(select(InspectionItem).where(InspectionItem.year == year))}
    main_item = [v for k, v in items.items() if "主要法定环境制度" in k][:1]
    nuclear_item = [v for k, v in items.items() if "核技术" in k][:1]
    permit_item = [v for k, v in items.items() if "无证排污" in k or "排污许可" in k][:1]
    sewage_item = [v for k, v in items.items() if "城镇污水" in k][:1]
    q = f"{year}-01-01", f"{year}-12-31"
    own = create_plan(
        session,
        year=year,
        code=f"{year}001",
        name=f"{year}年度本部门双随机抽查工作计划",
        kind="本部门",
        initiator="执法大队",
        start_date=q[0],
        end_date=q[1],
    )
    made = 0

    def task(plan, **kw):
        nonlocal made
        try:
            add_task(session, plan, **kw)
            made += 1
        except UserError:
            pass  # a scope the demo pool happens not to match: skip that task

    # 泽州 附件1: one 定向 task per category of the pool, 县抽县查
    for n, (name, ratio, item_ids, category, starts) in enumerate(
        (
            ("重点排污单位“双随机、公开”抽查", "25% 4次/年", main_item, "重点排污单位", None),
            ("一般排污单位“双随机、公开”抽查", "5% 4次/年", main_item, "一般排污单位", None),
            ("特殊监管单位“双随机、公开”抽查", "30% 4次/年", main_item, "特殊监管对象", None),
            ("核与辐射安全日常环境监督检查", "30% 1次/年", nuclear_item, "核技术利用单位", None),
            ("危险废物经营单位日常环境监督检查", "100% 1次/年", main_item, "危险废物经营单位", f"{year}-04-01"),
        ),
        start=1,
    ):
        task(
            own,
            code=f"{year}001-{n:02d}",
            name=name,
            draw_type="定向",
            ratio=ratio,
            item_ids=item_ids,
            scope={"categories": [category]},
            mode="县抽县查",
            **({"start_date": starts} if starts else {}),
        )
    internal = create_plan(
        session,
        year=year,
        code=f"{year}002",
        name=f"{year}年度内部联合随机抽查计划",
        kind="内部联合",
        initiator="执法大队",
        partners=["环评股", "监测站"],
        start_date=f"{year}-03-01",
        end_date=f"{year}-11-30",
    )
    task(
        internal,
        code=f"{year}002-01",
        name="排污许可执行情况内部联合抽查",
        draw_type="定向",
        ratio="结合信用风险等级，不低于5%",
        item_ids=permit_item,
        scope={"permit_class": ["重点管理", "简化管理"]},
        mode="现场",
    )
    joint = create_plan(
        session,
        year=year,
        code=f"联{year}003",
        name=f"{year}年度部门联合随机抽查计划（一业一查）",
        kind="部门联合",
        initiator="生态环境分局",
        partners=["县市场监管局", "县应急管理局"],
        start_date=f"{year}-05-01",
        end_date=f"{year}-09-30",
    )
    task(
        joint,
        code=f"联{year}003-01",
        name=f"{year}年危险化学品行业“一业一查”跨部门联合抽查",
        draw_type="定向",
        ratio="结合企业信用风险等级，3%以上",
        item_ids=main_item,
        scope={"tags": ["涉危险化学品"]},
        mode="现场",
    )
    task(
        joint,
        code=f"联{year}003-02",
        name=f"{year}年城镇污水处理“一业一查”跨部门联合抽查",
        draw_type="定向",
        ratio="100%；1次/年",
        item_ids=sewage_item,
        scope={"industry": ["污水处理"]},
        mode="现场",
    )
    return f"3 个计划，{made} 项任务"


def create_demo_plans(session: Session, today: date | None = None) -> str:
    """Hook for the demo command (app.services.demo.demo)."""
    return demo_plans(session, (today or date.today()).year)
