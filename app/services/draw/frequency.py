"""涉企检查频次: every inspection an enterprise receives in a year, and the office's frequency limit.

国办发〔2024〕54号 and the offices' documents built on it (隆尧 2026: "切实压减涉企检查频次"; 秦皇岛:
"切实压缩涉企检查数量") make the number of times an enterprise is disturbed a measure of the office's work.
This module puts together, per enterprise and calendar year:

- this office's own inspections: every active selection of a live draw (已抽取/已确认) of a period in that year —
  *completed* when its outcome has a 检查日期, *planned* before that;
- checks by other departments and levels (`ExternalCheck`), imported from a sheet (`import_checks`, also the
  credit system's 双随机 results export) or entered one by one (`add_check`).

An inspection is *on-site* (现场) unless its mode or method says 非现场, 书面, 网络, 视频 or 信息共享 (the
non-site ways 54号 names). The office's limit (on-site inspections per enterprise per year) is office data with
the sentence it rests on; there is none by default. An enterprise has *reached* the limit when its on-site
count equals or exceeds it, and is *over* it when the count exceeds it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.checks import JOINT_MERGED, ExternalCheck, JointVisit
from app.models.core import Office, Setting
from app.models.draw import Draw, DrawSelection
from app.models.outcomes import Outcome
from app.models.pools import InspectionObject
from app.models.rules import Task
from app.models.vocabulary import LIVE_DRAW_STATES
from app.services.foundation import audit, permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.pools.importer import parse_date
from app.services.pools.reader import header_key, read_table

LIMIT_KEY = "frequency.limit"
NON_SITE_WORDS = ("非现场", "书面", "网络", "视频", "信息共享", "远程", "在线")

# column → the headers that mean it (the sheet of other bodies' checks, and the credit system's export)
COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "统一社会信用代码/注册号", "社会信用代码", "信用代码", "注册号"),
    "name": ("企业名称", "单位名称", "市场主体名称", "被检查单位", "对象名称"),
    "authority": ("检查机关", "抽查机关", "实施机关", "检查单位"),
    "check_date": ("检查日期", "抽查完成日期", "检查时间", "完成日期"),
    "items": ("检查事项", "抽查事项", "抽查任务名称", "检查内容"),
    "method": ("检查方式", "抽查方式", "抽查类型"),
    "task_code": ("抽查任务编号", "任务编号"),
}
LABELS = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "authority": "检查机关",
    "check_date": "检查日期",
    "items": "检查事项",
    "method": "检查方式",
    "task_code": "抽查任务编号",
}
REQUIRED = ("uscc", "authority", "check_date")


def is_onsite(mode_or_method: str) -> bool:
    text = mode_or_method or ""
    return not any(word in text for word in NON_SITE_WORDS)


# ------------------------------------------------------------------------------------------ the limit


def get_limit(session: Session) -> dict:
    """{"limit": int | None, "basis": the sentence it rests on}; no limit until the office sets one."""
    row = session.get(Setting, LIMIT_KEY)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    return {"limit": value.get("limit"), "basis": value.get("basis", "")}


def set_limit(session: Session, limit: int | None, basis: str) -> dict:
    """Set (or with None clear) the on-site inspections per enterprise per year; the basis sentence is required."""
    permissions.require(session, "rules.edit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise UserError(f"检查频次上限“{limit}”无效，应为正整数（每家企业每年现场检查的次数）。")
    basis = (basis or "").strip()
    if limit is not None and not basis:
        raise UserError("请写明设定检查频次上限所依据的文件条文（如“同一企业一年内现场检查原则上不超过 2 次”）。")
    value = {"limit": limit, "basis": basis}
    row = session.get(Setting, LIMIT_KEY)
    if row is None:
        session.add(Setting(key=LIMIT_KEY, value=value))
    else:
        row.value = value
    session.flush()  # audited by the session hooks (who, when, before/after)
    return value


# ------------------------------------------------------------------------------------- other bodies' checks


@dataclass
class CheckImportReport:
    file: str
    rows: int = 0
    valid: int = 0
    inserted: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    unmatched: list[str] = field(default_factory=list)  # codes not in the pool (kept, shown)

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "rows": self.rows,
            "valid": self.valid,
            "inserted": self.inserted,
            "updated": self.updated,
            "errors": self.errors,
            "unmatched": self.unmatched,
        }

    def summary(self) -> str:
        head = f"{Path(self.file).name}：共 {self.rows} 行，有效 {self.valid} 行"
        if self.dry_run:
            return head + "（预览，未写入）"
        if self.written:
            return head + f"，新增 {self.inserted} 条，已有 {self.updated} 条（未重复记录）"
        return head + f"，{len(self.errors)} 处问题，未写入任何数据"


def _code_problem(code: str) -> str | None:
    from stdnum.cn import uscc

    if len(code) == 15 and code.isdigit():
        return None  # an old 注册号: kept as it is (the credit system still lists them)
    if re.fullmatch(r"\d+(\.\d+)?[eE][+-]?\d+", code):
        return "被 Excel 改成了科学计数法，代码已丢失末尾数字。请把该列设为“文本”后重新填写"
    if not uscc.is_valid(code):
        return "不是有效的统一社会信用代码（18 位）或注册号（15 位数字）"
    return None


def _task_code_problem(code: str) -> str | None:
    if re.fullmatch(r"\d+(\.\d+)?[eE][+-]?\d+", code) or re.fullmatch(r"\d{12,}\.0", code):
        return "被 Excel 当成数字改写了（科学计数法或末尾“.0”），编号可能已丢失数字。请把该列设为“文本”后重新填写"
    return None


def import_checks(
    session: Session, path: str | Path, *, dry_run: bool = False, skip_invalid: bool = False
) -> CheckImportReport:
    """Import other bodies' checks (统一社会信用代码, 企业名称, 检查机关, 检查日期, 检查事项, 检查方式): all or nothing.

    The same check (code, authority, date, items) already recorded is not recorded twice. Returns the report;
    `written` says whether anything was stored (the caller commits).
    """
    if not dry_run:
        permissions.require(session, "checks.enter")
    path = Path(path)
    known = [h for names in COLUMNS.values() for h in names]
    table = read_table(path, known_headers=known)
    keys = {header_key(h): i for i, h in enumerate(table.headers)}
    where: dict[str, int] = {}
    for col, names in COLUMNS.items():
        for name in names:
            if header_key(name) in keys:
                where[col] = keys[header_key(name)]
                break
    missing = [LABELS[c] for c in REQUIRED if c not in where]
    if missing:
        raise UserError(
            f"{path.name} 第 {table.header_row} 行（表头）缺少必填列：{'、'.join(missing)}。"
            "表头应包含：统一社会信用代码、企业名称、检查机关、检查日期、检查事项、检查方式。"
        )
    report = CheckImportReport(file=str(path), dry_run=dry_run)
    objects = {o.uscc: o.id for o in session.execute(select(InspectionObject.uscc, InspectionObject.id))}
    existing = {(c.uscc, c.authority, c.check_date, c.items) for c in session.scalars(select(ExternalCheck))}
    today = date.today()
    new: list[ExternalCheck] = []
    seen: set[tuple] = set()
    for rowno, cells in table.rows:
        if not any(cells):
            continue
        report.rows += 1
        value = {col: (cells[i] if i < len(cells) else "").strip() for col, i in where.items()}
        row_errors: list[dict] = []

        def err(col: str, message: str, rowno: int = rowno, row_errors: list = row_errors) -> None:
            label = LABELS[col]
            row_errors.append({"row": rowno, "column": label, "message": f"第 {rowno} 行“{label}”列：{message}。"})

        for col in REQUIRED:
            if not value.get(col):
                err(col, "不能为空")
        code = value.get("uscc", "").upper().replace(" ", "")
        if code and (problem := _code_problem(code)):
            err("uscc", f"“{code}”{problem}")
        day = None
        if value.get("check_date"):
            day = parse_date(value["check_date"])
            if day is None:
                err("check_date", f"“{value['check_date']}”无法识别，应写成 2026-03-05")
            elif day > today:
                err("check_date", f"{day} 晚于今天，检查日期不能是将来")
        task_code = value.get("task_code", "")
        if task_code and (problem := _task_code_problem(task_code)):
            err("task_code", f"“{task_code}”{problem}")
        if row_errors:
            report.errors.extend(row_errors)
            continue
        report.valid += 1
        key = (code, value["authority"], day, value.get("items", ""))
        if key in existing or key in seen:
            report.updated += 1
            continue
        seen.add(key)
        if code not in objects and code not in report.unmatched:
            report.unmatched.append(code)
        new.append(
            ExternalCheck(
                uscc=code,
                name=value.get("name", ""),
                object_id=objects.get(code),
                authority=value["authority"],
                check_date=day,
                items=value.get("items", ""),
                method=value.get("method", ""),
                task_code=task_code,
                source="导入",
                source_file=path.name,
                created_by=current_user(),
            )
        )
    if dry_run or (report.errors and not skip_invalid):
        return report
    session.add_all(new)
    session.flush()
    report.inserted, report.written = len(new), True
    audit.record(
        session,
        "导入",
        "external_check",
        path.name,
        summary=f"导入其他部门检查记录 {path.name}：新增 {len(new)} 条，已有 {report.updated} 条",
        after={"file": path.name, "inserted": len(new), "usccs": sorted({c.uscc for c in new})},
    )
    return report


def add_check(
    session: Session,
    *,
    uscc: str,
    authority: str,
    check_date: date,
    items: str = "",
    method: str = "",
    name: str = "",
) -> ExternalCheck:
    """Record one check by another body, entered by hand (audited)."""
    permissions.require(session, "checks.enter")
    code = (uscc or "").strip().upper()
    if not code or (problem := _code_problem(code)):
        raise UserError(f"统一社会信用代码“{code}”{problem or '不能为空'}。")
    if not (authority or "").strip():
        raise UserError("请填写检查机关。")
    if check_date > date.today():
        raise UserError(f"检查日期 {check_date} 晚于今天，检查日期不能是将来。")
    obj = session.scalar(select(InspectionObject).where(InspectionObject.uscc == code))
    check = ExternalCheck(
        uscc=code,
        name=name or (obj.name if obj else ""),
        object_id=obj.id if obj else None,
        authority=authority.strip(),
        check_date=check_date,
        items=items.strip(),
        method=method.strip(),
        source="录入",
        created_by=current_user(),
    )
    session.add(check)
    session.flush()
    return check


# ------------------------------------------------------------------------------------------- the report


@dataclass
class Inspection:
    uscc: str
    name: str
    date: date | None  # None: drawn, not inspected yet
    by: str
    source: str  # 本单位抽查 / 本单位抽查（待检查） / 其他部门（导入）/ 其他部门（录入）
    task: str
    onsite: bool
    period: str = ""

    def to_dict(self) -> dict:
        return {
            "date": self.date.isoformat() if self.date else "",
            "by": self.by,
            "source": self.source,
            "task": self.task,
            "onsite": self.onsite,
        }


def _year_periods(year: int) -> list[str]:
    return [str(year), f"{year}H1", f"{year}H2"] + [f"{year}Q{q}" for q in range(1, 5)]


def inspections(session: Session, year: int) -> list[Inspection]:
    """Every inspection of the year: this office's (live draws of the year's periods) and other bodies'."""
    office = session.scalar(select(Office).order_by(Office.id).limit(1))
    office_name = office.name if office else "本单位"
    out: list[Inspection] = []
    rows = session.execute(
        select(DrawSelection, Draw.period, Task.code, Task.name, Outcome.check_date, Outcome.method)
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .outerjoin(Task, Task.id == Draw.task_id)
        .outerjoin(Outcome, Outcome.selection_id == DrawSelection.id)
        .where(
            Draw.state.in_(LIVE_DRAW_STATES),
            Draw.period.in_(_year_periods(year)),
            DrawSelection.active.is_(True),
        )
    ).all()
    # an accepted 内部联合 visit (app.services.outcomes.joint) is one inspection however many tasks drew the object
    visit_of: dict[int, JointVisit] = {}
    for v in session.scalars(select(JointVisit).where(JointVisit.state == JOINT_MERGED)):
        for sid in v.selection_ids or []:
            visit_of[int(sid)] = v
    seen_visits: set[int] = set()
    for sel, period, task_code, task_name, check_date, method in rows:
        task = task_name or (f"{period} 抽查" if not task_code else task_code)
        visit = visit_of.get(sel.id)
        if visit is not None:
            if visit.id in seen_visits:
                continue
            seen_visits.add(visit.id)
            task = "、".join(t["name"] for t in visit.tasks)
        source = "本单位内部联合检查" if visit is not None else "本单位抽查"
        out.append(
            Inspection(
                uscc=sel.uscc,
                name=sel.name,
                date=check_date,
                by=office_name,
                source=source if check_date else f"{source}（待检查）",
                task=task,
                onsite=is_onsite(method or sel.mode),
                period=period,
            )
        )
    start, end = date(year, 1, 1), date(year, 12, 31)
    for c in session.scalars(
        select(ExternalCheck).where(ExternalCheck.check_date >= start, ExternalCheck.check_date <= end)
    ):
        out.append(
            Inspection(
                uscc=c.uscc,
                name=c.name,
                date=c.check_date,
                by=c.authority,
                source=f"其他部门（{c.source}）",
                task=c.items or c.task_code,
                onsite=is_onsite(c.method),
            )
        )
    return out


def frequency_report(session: Session, year: int, limit: int | None = None) -> dict:
    """`ssj frequency --year Y [--limit N] --json`: per enterprise, its inspections of the year.

    ``{"year", "limit", "objects": [{"uscc", "name", "count", "onsite", "checks": [{"date", "by", "source",
    "task"}]}], "over_limit": [uscc, …]}`` — objects by on-site count, then count, descending; ``limit``
    overrides the office's setting for this report; ``over_limit`` lists those whose on-site count exceeds it.
    """
    if limit is None:
        limit = get_limit(session)["limit"]
    elif limit < 1:
        raise UserError(f"检查频次上限“{limit}”无效，应为正整数。")
    by_code: dict[str, list[Inspection]] = defaultdict(list)
    for i in inspections(session, year):
        by_code[i.uscc].append(i)
    names = dict(session.execute(select(InspectionObject.uscc, InspectionObject.name)).all())
    objects = []
    for code, items in by_code.items():
        items.sort(key=lambda i: (i.date is None, i.date or date.max, i.by))
        onsite = sum(1 for i in items if i.onsite)
        objects.append(
            {
                "uscc": code,
                "name": names.get(code) or next((i.name for i in items if i.name), ""),
                "count": len(items),
                "onsite": onsite,
                "checks": [i.to_dict() for i in items],
            }
        )
    objects.sort(key=lambda o: (-o["onsite"], -o["count"], o["uscc"]))
    over = [o["uscc"] for o in objects if limit is not None and o["onsite"] > limit]
    return {"year": year, "limit": limit, "objects": objects, "over_limit": over}


def before_draw(session: Session, period: str, usccs: list[str], task_id: int | None = None) -> dict:
    """What a clerk should see before the seed: objects in scope that reached the limit this year, and objects
    already drawn by another task of the same period.

    ``{"limit", "basis", "at_limit": [{"uscc", "name", "onsite"}], "drawn_elsewhere": [{"uscc", "name",
    "tasks": [...]}]}``. Excluding the former is the office's choice; excluded objects choose, they never
    lower the quota (as for every exclusion).
    """
    scope = set(usccs)
    setting = get_limit(session)
    year = int(period[:4])
    at_limit = []
    if setting["limit"] is not None:
        for o in frequency_report(session, year, setting["limit"])["objects"]:
            if o["uscc"] in scope and o["onsite"] >= setting["limit"]:
                at_limit.append({"uscc": o["uscc"], "name": o["name"], "onsite": o["onsite"]})
    tasks: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    rows = session.execute(
        select(DrawSelection.uscc, DrawSelection.name, Draw.task_id, Task.name)
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .outerjoin(Task, Task.id == Draw.task_id)
        .where(Draw.state.in_(LIVE_DRAW_STATES), Draw.period == period, DrawSelection.active.is_(True))
    ).all()
    for code, name, other_task, task_name in rows:
        if code in scope and other_task != task_id:
            label = task_name or f"{period} 抽查"
            if label not in tasks[code]:
                tasks[code].append(label)
            names[code] = name
    drawn_elsewhere = [{"uscc": c, "name": names[c], "tasks": t} for c, t in sorted(tasks.items())]
    return {
        "limit": setting["limit"],
        "basis": setting["basis"],
        "at_limit": at_limit,
        "drawn_elsewhere": drawn_elsewhere,
    }


def figures(session: Session, year: int) -> dict:
    """统计 of the year: enterprises inspected more than once and how often, share of non-site inspections."""
    report = frequency_report(session, year)
    histogram: dict[int, int] = defaultdict(int)
    for o in report["objects"]:
        histogram[o["count"]] += 1
    total = sum(o["count"] for o in report["objects"])
    onsite = sum(o["onsite"] for o in report["objects"])
    return {
        "year": year,
        "enterprises": len(report["objects"]),
        "inspections": total,
        "repeated": sum(n for k, n in histogram.items() if k > 1),
        "by_count": {str(k): histogram[k] for k in sorted(histogram)},
        "non_site": total - onsite,
        "non_site_rate": round((total - onsite) / total, 4) if total else 0.0,
        "over_limit": len(report["over_limit"]),
    }


def dashboard_items(session: Session, today: date) -> list[dict]:
    """首页: enterprises inspected more than once this year, and those over the office's limit."""
    f = figures(session, today.year)
    if not f["enterprises"]:
        return []
    limit = get_limit(session)["limit"]
    detail = f"共 {f['enterprises']} 家企业受检 {f['inspections']} 次，其中非现场 {f['non_site']} 次"
    often = [f"{k} 次 {n} 家" for k, n in sorted(f["by_count"].items(), key=lambda kv: -int(kv[0])) if int(k) > 1]
    if often:
        detail += "；受检 " + "、".join(often)
    items = [
        {
            "title": f"{today.year}年重复受检企业",
            "value": f"{f['repeated']} 家",
            "detail": detail,
            "level": "info",
            "page": "",
        }
    ]
    if limit is not None and f["over_limit"]:
        items.append(
            {
                "title": "超过检查频次上限",
                "value": f"{f['over_limit']} 家",
                "detail": f"本单位上限：每家企业每年现场检查不超过 {limit} 次",
                "level": "warn",
                "page": "",
            }
        )
    return items


# ------------------------------------------------------------------------------------------ at freezing


def freeze_notes(
    session: Session, period: str, task_id: int | None, strata: list[dict], extra: list[dict] = ()
) -> dict:
    """`before_draw` for the objects of the strata about to be frozen (``extra``: objects already excluded at
    freezing, still part of the pool), each at-limit object with its stratum."""
    where: dict[str, str] = {}
    for s in strata:
        for o in s["objects"]:
            where[str(o["id"])] = s.get("stratum", "")
    for e in extra:
        where[e["uscc"]] = e.get("stratum", "")
    notes = before_draw(session, period, list(where), task_id=task_id)
    for x in notes["at_limit"]:
        x["stratum"] = where.get(x["uscc"], "")
    notes["at_limit"].sort(key=lambda x: x["uscc"])
    return notes


def notes_for_draw(session: Session, draw) -> dict:
    """`freeze_notes` of a frozen draw: its snapshot's objects plus those the office excluded."""
    import json

    snap = json.loads(draw.snapshot) if draw.snapshot else {"strata": []}
    return freeze_notes(session, draw.period, draw.task_id, snap["strata"], list(draw.exclusions or []))


def exclusion_reason(onsite: int, limit: int, basis: str, year: int) -> str:
    return f"{year}年已现场检查 {onsite} 次，达到本单位检查频次上限 {limit} 次（依据：{basis}）"


def apply_exclusions(
    session: Session,
    period: str,
    strata: list[dict],
    exclude: list[str] | None = None,
    *,
    at_limit: bool = False,
    task_id: int | None = None,
) -> tuple[list[dict], list[dict]]:
    """Leave out of the strata the objects the office excludes because they already reached its limit this year.

    Only objects at the limit may be excluded (``at_limit``: all of them). As for every exclusion, they choose and
    never count: a stratum keeps its 应抽数 unless fewer objects remain, then all remaining are taken. Returns the
    strata to freeze and the exclusions ``[{"uscc", "name", "stratum", "reason"}]`` to record.
    """
    wanted = list(dict.fromkeys(str(u).strip().upper() for u in (exclude or []) if str(u).strip()))
    if not wanted and not at_limit:
        return strata, []
    setting = get_limit(session)
    if setting["limit"] is None:
        raise UserError(
            "本单位未设定检查频次上限，不能按检查频次剔除对象。"
            "请先设定上限（命令行：ssj frequency --set-limit N --basis 文件条文）。"
        )
    notes = freeze_notes(session, period, task_id, strata)
    limited = {x["uscc"]: x for x in notes["at_limit"]}
    in_scope = {str(o["id"]): o for s in strata for o in s["objects"]}
    for code in wanted:
        if code not in in_scope:
            raise UserError(f"{code} 不在本次抽取范围内（已按规则排除或不在任务范围），无需剔除。")
        if code not in limited:
            onsite = next(
                (o["onsite"] for o in frequency_report(session, int(period[:4]))["objects"] if o["uscc"] == code), 0
            )
            raise UserError(
                f"{in_scope[code].get('name', '')}（{code}）本年度现场检查 {onsite} 次，"
                f"未达到本单位检查频次上限 {setting['limit']} 次，不能剔除。"
            )
    chosen = set(limited) if at_limit else set(wanted)
    chosen |= set(wanted)
    year = int(period[:4])
    out_strata, records = [], []
    for s in strata:
        keep = [o for o in s["objects"] if str(o["id"]) not in chosen]
        gone = [o for o in s["objects"] if str(o["id"]) in chosen]
        for o in gone:
            x = limited[str(o["id"])]
            reason = exclusion_reason(x["onsite"], setting["limit"], setting["basis"], year)
            records.append(
                {"uscc": str(o["id"]), "name": o.get("name", ""), "stratum": s.get("stratum", ""), "reason": reason}
            )
        out_strata.append({**s, "objects": keep, "required": min(int(s.get("required", 0)), len(keep))})
    records.sort(key=lambda r: r["uscc"])
    return out_strata, records


def calendar(session: Session, uscc: str, year: int) -> dict:
    """One enterprise's inspection calendar of the year (this office's and other bodies'), for its page.

    ``{"uscc", "name", "year", "limit", "count", "onsite", "at_limit", "checks": [{"date", "by", "source",
    "task", "onsite"}]}``."""
    code = (uscc or "").strip().upper()
    report = frequency_report(session, year)
    mine = next((o for o in report["objects"] if o["uscc"] == code), None)
    name = session.scalar(select(InspectionObject.name).where(InspectionObject.uscc == code)) or ""
    limit = report["limit"]
    onsite = mine["onsite"] if mine else 0
    return {
        "uscc": code,
        "name": name or (mine["name"] if mine else ""),
        "year": year,
        "limit": limit,
        "count": mine["count"] if mine else 0,
        "onsite": onsite,
        "at_limit": limit is not None and onsite >= limit,
        "checks": list(mine["checks"]) if mine else [],
    }
