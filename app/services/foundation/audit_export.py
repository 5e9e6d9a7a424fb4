"""审计日志导出: the (filtered) audit log as an Excel workbook for an inspection or an archive,
with the chain's verification result on its own sheet."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.models.core import AuditEntry
from app.services.foundation import audit, xlsx
from app.services.foundation.timefmt import local_text

ENTITY_NAMES = {
    "office": "本单位",
    "user_account": "账户",
    "setting": "设置",
    "backup": "备份",
    "inspection_object": "检查对象",
    "inspector": "检查人员",
    "inspection_item": "抽查事项",
    "plan": "抽查计划",
    "task": "抽查任务",
    "draw": "抽取",
    "draw_selection": "抽中对象",
    "team_member": "检查组成员",
    "outcome": "检查结果",
    "publication": "公示",
    "policy_version": "规则版本",
    "attachment": "附件",
    "result_phrase": "检查结果用语",
    "calendar_day": "节假日安排",
    "plan_adjustment": "计划调整备案",
    "audit_head": "审计链头",
    "trusted_county": "县级单位",
    "county_report": "县级报送",
    "object_change": "对象变更记录",
    "column_mapping": "导入列对应",
    "external_check": "其他部门检查",
    "notice_number": "检查通知书文号",
}
_NAME_KEYS = ("name", "title", "username", "code", "key", "period")
HEADERS = ("序号", "时间", "用户", "操作", "对象", "编号", "摘要", "修改前", "修改后", "前一条哈希", "本条哈希")


def local_time(ts: str) -> str:
    """ISO UTC from the log → local 'YYYY-MM-DD HH:MM:SS'."""
    return local_text(ts, seconds=True)


def describe(e: AuditEntry) -> str:
    """The entry's summary, or a short description made from its before/after JSON."""
    if e.summary:
        return e.summary
    try:
        after = json.loads(e.after) if e.after else None
        before = json.loads(e.before) if e.before else None
    except ValueError:
        return ""
    if e.action == "修改" and isinstance(after, dict):
        return "修改字段：" + "、".join(sorted(after))
    row = after if isinstance(after, dict) else before if isinstance(before, dict) else {}
    for k in _NAME_KEYS:
        if row.get(k):
            return str(row[k])
    return ""


def _cell(text: str) -> str:
    """Excel holds at most 32,767 characters in a cell (a 封存 entry lists every row's digest)."""
    return text if len(text) <= 32000 else text[:32000] + f"…（共 {len(text)} 字符，已截断；完整内容见数据库）"


def export_audit(
    session: Session, entries: Iterable[AuditEntry], path: str | os.PathLike, *, filters: str = ""
) -> Path:
    """Write `entries` and the whole chain's verification result to `path` (.xlsx, atomic)."""
    wb, ws = xlsx.new_workbook("审计日志")
    rows = [
        (
            e.seq,
            local_time(e.ts),
            e.user,
            e.action,
            ENTITY_NAMES.get(e.entity, e.entity),
            e.entity_id,
            describe(e),
            _cell(e.before),
            _cell(e.after),
            e.prev_hash,
            e.hash,
        )
        for e in entries
    ]
    xlsx.write_table(ws, HEADERS, rows, widths={8: 50, 9: 50, 10: 20, 11: 20})
    result = audit.verify(session)
    info = wb.create_sheet("校验")
    xlsx.write_table(
        info,
        ("项目", "内容"),
        [
            ("导出时间", datetime.now().strftime("%Y-%m-%d %H:%M:%S")),
            ("筛选条件", filters or "（全部）"),
            ("导出条数", len(rows)),
            ("哈希链校验", "完整" if result.ok else "已损坏"),
            ("校验说明", result.message),
            ("日志总条数", result.count),
            ("链头哈希", result.head),
        ],
        autofilter=False,
        widths={1: 14, 2: 90},
    )
    return xlsx.save_workbook(wb, path)
