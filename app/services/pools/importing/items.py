"""Import of the year's 随机抽查事项清单 (also the 泽州 layout with a two-row header). An item is known by
年度 + 抽查类别 + 抽查事项."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.models.pools import InspectionItem
from app.services.foundation import audit
from app.services.pools.importing.batch import Plan
from app.services.pools.importing.bulk import insert_rows
from app.services.pools.importing.fields import ITEM_FIELDS

COLUMNS = [s.key for s in ITEM_FIELDS]
DEFAULTS = dict(
    seq=0,
    code="",
    category="",
    target="",
    content="",
    item_class="",
    method="",
    subject="",
    basis="",
    ratio="",
    frequency="",
    remark="",
)


# the tables the comparison reads (a change to them between the comparison and the write spoils the plan)
READS = ("inspection_item",)


def key_text(rec: dict) -> str:
    return f"{rec.get('year')} {rec.get('category') or ''}"


def prepare(batch):
    return batch


def plan(batch):
    year = batch.year or date.today().year
    for _r, rec in batch.rows:
        if rec.get("year") is None:
            rec["year"] = year
    existing = {}
    for r in batch.session.execute(select(*[InspectionItem.__table__.c[c] for c in ["id", *COLUMNS]])):
        d = r._asdict()
        existing.setdefault((d["year"], d["category"], d["name"]), d)
    seen: dict[tuple, int] = {}
    result = Plan()
    for rownum, rec in batch.good_rows():
        key = (rec["year"], rec.get("category") or "", rec["name"])
        if key in seen:
            batch.error(
                rownum,
                "name",
                f"第 {rownum} 行与第 {seen[key]} 行是同一年度的同一抽查事项（{key[1]} {key[2]}）。"
                "请删除或合并其中一行。",
            )
            continue
        seen[key] = rownum
        old = existing.get(key)
        if old is None:
            result.inserts.append((rownum, rec))
            continue
        changes = {k: rec[k] for k in COLUMNS if rec.get(k) not in ("", None) and old.get(k) != rec[k]}
        if changes:
            result.updates.append((rownum, {**changes, "name": rec["name"]}, old["id"], old))
        else:
            result.unchanged.append((rownum, key_text(rec), rec["name"]))
    return result


def write(batch, plan) -> None:
    session, rep = batch.session, batch.rep
    table = InspectionItem.__table__
    conn = session.connection()
    if plan.inserts:
        rows = []
        for n, (_r, rec) in enumerate(plan.inserts, 1):
            row = dict(DEFAULTS)
            row.update({k: v for k, v in rec.items() if v not in ("", None)})
            if not rec.get("seq"):
                row["seq"] = n
            rows.append(row)
        insert_rows(conn, table, rows)
    for _r, changes, oid, _old in plan.updates:
        conn.execute(
            table.update().where(table.c.id == oid).values(**{k: v for k, v in changes.items() if k in COLUMNS})
        )
    audit.record(
        session,
        "导入",
        "inspection_item",
        "",
        summary=f"导入抽查事项清单 {batch.path.name}：新增 {rep.inserted}，更新 {rep.updated}，跳过 {rep.skipped}",
        after={
            "file": batch.path.name,
            "sha256": rep.sha256,
            "rows": rep.rows,
            "inserted": [rec["name"] for _r, rec in plan.inserts],
            "updated": [oid for _r, _c, oid, _o in plan.updates],
        },
    )
