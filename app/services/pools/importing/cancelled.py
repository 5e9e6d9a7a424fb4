"""`import cancelled`: the permit platform's 注销/撤销 list (许可证编号, 单位名称, 注销原因/撤销原因,
注销时间/撤销时间) marks permits and units.

Each listed permit of the pool gets its state (注销 or 撤销) with the date and the reason; a permit the
pool does not know yet is added to the unit its number belongs to (USCC = first 18 characters). A unit
whose permits are then all 注销/撤销 (or expired) is marked 注销 with that date, and its history says which
permit and why. A unit that still holds a valid permit keeps its status, and the report says so. Permits of
units not in the pool are listed as notices.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.models.base import utcnow
from app.models.pools import InspectionObject, ObjectChange, ObjectPermit
from app.services.foundation import audit
from app.services.foundation.context import current_user
from app.services.pools import reader as tabular
from app.services.pools.importing.batch import Plan
from app.services.pools.importing.bulk import insert_rows
from app.services.pools.importing.layouts import CANCELLED_LIST

# the tables the comparison reads (a change to them between the comparison and the write spoils the plan)
READS = ("inspection_object", "object_permit")


def key_text(rec: dict) -> str:
    return rec.get("permit_no") or ""


def prepare(batch):
    batch.rep.layout = CANCELLED_LIST
    return batch


def _default_state(headers: list[str]) -> str:
    keys = "".join(tabular.header_key(h) for h in headers)
    return "撤销" if "撤销" in keys and "注销" not in keys else "注销"


def plan(batch):
    session = batch.session
    default = _default_state(batch.table.headers)
    objects = {r.uscc: r._asdict() for r in session.execute(select(InspectionObject.__table__))}
    by_id = {o["id"]: o for o in objects.values()}
    permits = {p.permit_no: p._asdict() for p in session.execute(select(ObjectPermit.__table__))}
    result = Plan(extra={"permits": [], "objects": {}, "not_in_pool": []})
    seen: dict[str, int] = {}
    for rownum, rec in batch.good_rows():
        number = rec["permit_no"]
        if number in seen:
            batch.error(
                rownum, "permit_no", f"第 {rownum} 行与第 {seen[number]} 行的许可证编号“{number}”重复。请删除其中一行。"
            )
            continue
        seen[number] = rownum
        state = rec.get("state") or default
        stored = permits.get(number)
        obj = by_id[stored["object_id"]] if stored else objects.get(rec.get("uscc") or number[:18])
        if obj is None:
            result.extra["not_in_pool"].append(rownum)
            batch.notice(
                rownum,
                "permit_no",
                f"第 {rownum} 行（{rec.get('name') or number}）的许可证不属于检查对象库中的任何单位，未处理。",
            )
            continue
        if stored and stored["state"] == state and stored["state_date"] == rec["date"]:
            result.unchanged.append((rownum, number, obj["name"]))
            continue
        entry = {
            "row": rownum,
            "id": stored["id"] if stored else None,
            "object_id": obj["id"],
            "permit_no": number,
            "state": state,
            "state_date": rec["date"],
            "state_reason": rec.get("reason") or "",
        }
        result.extra["permits"].append(entry)
        result.updates.append((rownum, {"permit_no": number, "name": obj["name"]}, obj["id"], obj))
        if stored:
            stored.update(state=state, state_date=rec["date"])
        else:
            permits[number] = {**entry, "valid_to": None}
    today = date.today()
    by_object: dict[int, list[dict]] = {}
    for p in permits.values():
        by_object.setdefault(p["object_id"], []).append(p)
    for entry in result.extra["permits"]:
        obj = by_id[entry["object_id"]]
        if obj["status"] == "注销" or obj["id"] in result.extra["objects"]:
            continue
        held = by_object.get(obj["id"], [])
        still = [p["permit_no"] for p in held if p["state"] == "有效" and not (p["valid_to"] and p["valid_to"] < today)]
        if obj["permit_no"] and obj["permit_no"] not in {p["permit_no"] for p in held}:
            still.append(obj["permit_no"])  # its own permit number, kept without a row (a bare permit)
        if still:
            batch.notice(
                entry["row"],
                "permit_no",
                f"第 {entry['row']} 行：{obj['name']} 仍持有有效的许可证（{'、'.join(still)}），只把许可证"
                f"“{entry['permit_no']}”标记为{entry['state']}，单位状态不变。",
            )
            continue
        result.extra["objects"][obj["id"]] = entry
    return result


def write(batch, plan) -> None:
    session, rep = batch.session, batch.rep
    conn = session.connection()
    now, user, source = utcnow(), current_user(), batch.path.name
    permits, objects = ObjectPermit.__table__, InspectionObject.__table__
    history = []
    for p in plan.extra["permits"]:
        values = {"state": p["state"], "state_date": p["state_date"], "state_reason": p["state_reason"]}
        if p["id"] is None:
            conn.execute(
                permits.insert().values(
                    object_id=p["object_id"],
                    permit_no=p["permit_no"],
                    source=source,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        else:
            conn.execute(permits.update().where(permits.c.id == p["id"]).values(**values, updated_at=now))
        history.append(
            _change(p["object_id"], now, "修改", "permit", "", f"{p['permit_no']} {p['state']}", user, source, p)
        )
    for oid, p in plan.extra["objects"].items():
        old = session.execute(select(objects.c.status).where(objects.c.id == oid)).scalar_one()
        conn.execute(objects.update().where(objects.c.id == oid).values(status="注销", updated_at=now))
        history.append(_change(oid, now, "注销", "status", old, "注销", user, source, p))
    if history:
        insert_rows(conn, ObjectChange.__table__, history)
    audit.record(
        session,
        "导入",
        "object_permit",
        "",
        summary=f"导入注销/撤销许可证清单 {source}：许可证 {len(plan.extra['permits'])} 个，"
        f"单位标记注销 {len(plan.extra['objects'])} 家，不在库中 {len(plan.extra['not_in_pool'])}",
        after={
            "file": source,
            "sha256": rep.sha256,
            "rows": rep.rows,
            "permits": [(p["permit_no"], p["state"], p["state_date"].isoformat()) for p in plan.extra["permits"]],
            "objects_cancelled": sorted(plan.extra["objects"]),
            "not_in_pool_rows": plan.extra["not_in_pool"],
        },
    )


def _change(oid, ts, kind, field_name, old, new, user, source, permit) -> dict:
    reason = permit["state_reason"]
    note = f"{source}：许可证{permit['permit_no']}{permit['state']}" + (f"，{reason}" if reason else "")
    return {
        "object_id": oid,
        "ts": ts,
        "effective_date": permit["state_date"],
        "kind": kind,
        "field": field_name,
        "old_value": old,
        "new_value": new,
        "user": user,
        "source": note[:300],
    }
