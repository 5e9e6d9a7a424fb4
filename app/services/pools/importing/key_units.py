"""`import key-units`: a 重点排污单位名录 that updates objects already in the pool, and only those.

Any of the three published layouts (名录类别 column / √ columns under a two-row header / section headings).
Units are matched by USCC, else by name; each matched object gets 重点排污单位 = 是 and the 名录's list of
categories (a unit listed under several categories is one object). Units not in the pool are listed in the
report as notices (nothing is created: the clerk imports them as objects if they belong to the county).
"""

from __future__ import annotations

from sqlalchemy import select

from app.models.base import utcnow
from app.models.pools import KEY_UNIT_CATEGORIES, InspectionObject, ObjectChange
from app.services.foundation import audit
from app.services.foundation.context import current_user
from app.services.pools.importing.batch import Plan
from app.services.pools.importing.bulk import insert_rows
from app.services.pools.importing.layouts import key_unit_layout
from app.services.pools.importing.values import history_text

# the tables the comparison reads (a change to them between the comparison and the write spoils the plan)
READS = ("inspection_object",)


def key_text(rec: dict) -> str:
    return rec.get("uscc") or rec.get("name") or ""


def prepare(batch):
    layout = key_unit_layout(batch.table, batch.columns)
    batch.table = layout.table
    batch.used |= layout.tick_columns
    for j, categories in layout.categories.items():
        batch.extra_values[j] = {"layout_categories": categories}
    for rownum, column, message in layout.errors:
        batch.rep.errors.append({"row": rownum, "column": column, "message": message + "。"})
        batch.bad_rows.add(rownum)
    batch.rep.layout = "、".join(layout.names) or "重点排污单位名录"
    return batch


def plan(batch):
    table = InspectionObject.__table__
    by_code, by_name = {}, {}
    for r in batch.session.execute(
        select(table.c.id, table.c.uscc, table.c.name, table.c.key_polluter, table.c.key_categories)
    ):
        d = r._asdict()
        by_code[d["uscc"]] = d
        by_name.setdefault(d["name"], d)
    units: dict[int, dict] = {}  # object id → {row, rec, categories}
    firsts: dict[tuple[int, str], int] = {}
    result = Plan(extra={"not_in_pool": []})
    for rownum, rec in batch.good_rows():
        old = by_code.get(rec.get("uscc") or "") or (by_name.get(rec["name"]) if not rec.get("uscc") else None)
        if old is None:
            result.extra["not_in_pool"].append(rownum)
            batch.notice(
                rownum,
                "name",
                f"第 {rownum} 行（{rec['name']}{'，' + rec['uscc'] if rec.get('uscc') else ''}）"
                "不在检查对象库中，未更新。"
                "如属本辖区，请先把该单位导入检查对象库（ssj import objects），再导入名录。",
            )
            continue
        categories = list(rec.get("key_categories") or ()) + list(rec.get("layout_categories") or ())
        unit = units.setdefault(old["id"], {"row": rownum, "rec": rec, "old": old, "categories": []})
        new = [c for c in categories if c not in unit["categories"]]
        if unit["row"] != rownum and not new:
            batch.error(
                rownum,
                "name",
                f"第 {rownum} 行与第 {unit['row']} 行是同一单位（{rec['name']}）的同一名录类别，重复。请删除其中一行。",
            )
            continue
        unit["categories"] += new
        for c in new:
            firsts.setdefault((old["id"], c), rownum)
    for oid, unit in units.items():
        old = unit["old"]
        categories = tuple(c for c in KEY_UNIT_CATEGORIES if c in unit["categories"])
        changes = {}
        if not old["key_polluter"]:
            changes["key_polluter"] = True
        if categories and tuple(old["key_categories"] or ()) != categories:
            changes["key_categories"] = categories
        rec = {"uscc": old["uscc"], "name": old["name"]}
        if changes:
            result.updates.append((unit["row"], {**changes, **rec}, oid, old))
        else:
            result.unchanged.append((unit["row"], old["uscc"], old["name"]))
    return result


def write(batch, plan) -> None:
    session, rep = batch.session, batch.rep
    table = InspectionObject.__table__
    conn = session.connection()
    now, user, source = utcnow(), current_user(), batch.path.name
    history = []
    for _r, changes, oid, old in plan.updates:
        values = {
            "key_polluter": True,
            "key_categories": list(changes.get("key_categories", old["key_categories"] or [])),
        }
        conn.execute(table.update().where(table.c.id == oid).values(**values, updated_at=now))
        for k in ("key_polluter", "key_categories"):
            if k in changes:
                history.append(
                    {
                        "object_id": oid,
                        "ts": now,
                        "effective_date": None,
                        "kind": "类型变更",
                        "field": k,
                        "old_value": history_text(old[k]),
                        "new_value": history_text(changes[k]),
                        "user": user,
                        "source": source,
                    }
                )
    if history:
        insert_rows(conn, ObjectChange.__table__, history)
    audit.record(
        session,
        "导入",
        "inspection_object",
        "",
        summary=f"导入重点排污单位名录 {source}：更新 {rep.updated}，无变化 {rep.unchanged}，"
        f"不在库中 {len(plan.extra['not_in_pool'])}",
        after={
            "file": source,
            "sha256": rep.sha256,
            "rows": rep.rows,
            "layout": rep.layout,
            "updated": [changes["uscc"] for _r, changes, _i, _o in plan.updates],
            "not_in_pool_rows": plan.extra["not_in_pool"],
        },
    )
