"""Import of 检查对象: a county ledger, the permit platform's public list, a 重点排污单位名录 with USCCs.

One object per USCC. Rows with the same USCC are one object when each brings another permit (an
enterprise holding two permits) or another 名录类别 (a unit listed under several categories); a row that
brings neither is a duplicate. Each permit that carries data, and every permit of an object that has
several, is kept as a row (`ObjectPermit`: number, 管理类别, 有效期限, 发证日期, 发证机关, state); a lone
permit number with its class lives on the object only. The object's 管理类别 is the strictest of its valid
permits (not 注销/撤销, not expired).
When none is valid, the strictest of all its permits is kept and the report says so: an expired permit
does not make an enterprise less supervised.

Without a USCC column, the USCC is the permit number's first 18 characters, checked with the USCC check
character (rows where it fails are errors); the report says it was done.

Blank cells never erase what the database holds for an existing object (a partial file cannot wipe
phone numbers); to clear a value, edit the object in the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import JSON, String, bindparam, func, literal, select, type_coerce

from app.models.base import utcnow
from app.models.pools import PERMIT_CLASSES, InspectionObject, ObjectChange, ObjectPermit
from app.services.foundation import audit
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.pools.importing.batch import Plan
from app.services.pools.importing.bulk import StagedInsert, run, scalar_defaults, staged_insert
from app.services.pools.importing.fields import OBJECT_FIELDS, REGION_KEYS
from app.services.pools.importing.layouts import PERMIT_PLATFORM, key_unit_layout
from app.services.pools.importing.values import check_uscc, history_text

COLUMNS = [
    s.key for s in OBJECT_FIELDS if s.key not in ("status_date", *REGION_KEYS) and not s.key.startswith("permit_")
]
COLUMNS.insert(2, "permit_no")
COLUMNS.insert(3, "permit_class")
TYPE_FIELDS = (
    "permit_class",
    "key_polluter",
    "key_categories",
    "special_situations",
    "credit_grade",
    "credit_risk",
    "air_grade",
    "pollution_types",
)
DEFAULTS = dict(
    permit_no="",
    permit_class="",
    key_polluter=False,
    industry="",
    pollution_types=[],
    township="",
    address="",
    legal_rep="",
    contact="",
    phone="",
    status="存续",
    positive_list=False,
    credit_grade="",
    credit_risk="",
    air_grade="",
    special_situations=[],
    tags=[],
    key_categories=[],
    registration_date=None,
)
PERMIT_FIELDS = ("permit_class", "valid_from", "valid_to", "issued_on", "issuer")
# a permit known only from its object's two fields (permit number, 管理类别): no row, no dates
BARE = {"id": None, "valid_from": None, "valid_to": None, "issued_on": None, "issuer": "", "state": "有效"}


# the tables the comparison reads (a change to them between the comparison and the write spoils the plan)
READS = ("inspection_object", "object_permit")


def key_text(rec: dict) -> str:
    return rec.get("uscc") or ""


def prepare(batch):
    """The 名录 layouts (√ columns, section headings) and the permit list without a USCC column."""
    layout = key_unit_layout(batch.table, batch.columns)
    batch.table = layout.table
    batch.used |= layout.tick_columns
    for j, categories in layout.categories.items():
        batch.extra_values[j] = {"layout_categories": categories}
    for rownum, column, message in layout.errors:
        batch.rep.errors.append({"row": rownum, "column": column, "message": message + "。"})
        batch.bad_rows.add(rownum)
    names = list(layout.names)
    present = set(batch.columns.values())
    if "uscc" not in present and "permit_no" in present:  # fields.DERIVED_FROM
        batch.derived.add("uscc")
        names.insert(0, PERMIT_PLATFORM if "permit_valid" in present else "没有统一社会信用代码列的许可证清单")
    batch.rep.layout = "、".join(names)
    return batch


@dataclass
class Unit:
    """The rows of one USCC in the file, merged."""

    row: int
    rec: dict
    permits: dict[str, dict] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)


def plan(batch):
    if "uscc" in batch.derived:
        _derive_uscc(batch)
    units = _units(batch)
    existing = _existing(batch.session)
    held: dict[str, dict] = {}  # permit number → stored permit, for the permits already in the database
    held_by_object: dict[int, list[dict]] = {}
    for p in batch.session.execute(select(ObjectPermit.__table__)):
        held[p.permit_no] = p._asdict()
        held_by_object.setdefault(p.object_id, []).append(held[p.permit_no])
    for v in existing.values():  # an object's own permit number kept without a row (a bare permit)
        number = v["permit_no"]
        if number and number not in held:
            held[number] = {**BARE, "object_id": v["id"], "permit_no": number, "permit_class": v["permit_class"]}
            held_by_object.setdefault(v["id"], []).append(held[number])
    owner = {v["id"]: code for code, v in existing.items()}
    today = date.today()
    result = Plan(extra={"permits": [], "ids": {}})
    for code, unit in units.items():
        old = existing.get(code)
        rec = unit.rec
        stored = held_by_object.get(old["id"], []) if old is not None else []
        planned = len(result.extra["permits"])
        permits = _plan_permits(batch, unit, old, held, owner, result, stored)
        if permits is None:
            continue
        permits_changed = len(result.extra["permits"]) > planned
        if unit.categories:
            rec["key_categories"] = tuple(unit.categories)
            rec["key_polluter"] = True
        if len(stored) + len(permits) > 1 or any(p["valid_to"] for p in permits):
            # several permits, or dates to look at: the class is the strictest valid permit's
            all_permits = {p["permit_no"]: p for p in stored} | {p["permit_no"]: p for p in permits}
            _class_from_permits(batch, unit, rec, list(all_permits.values()), today)
        if old is None:
            result.inserts.append((unit.row, rec))
            continue
        result.extra["ids"][code] = old["id"]
        changes = _diff(rec, old)
        if rec.get("status_date") is not None and "status" in changes:
            changes["status_date"] = rec["status_date"]
        if changes or permits_changed:
            result.updates.append(
                (unit.row, {**changes, "uscc": code, "name": rec.get("name") or old["name"]}, old["id"], old)
            )
        else:
            result.unchanged.append((unit.row, code, rec.get("name") or ""))
    return result


def _existing(session) -> dict[str, dict]:
    """USCC → the object's id and compared values, in one SELECT. The JSON columns (lists) are read as their text
    and decoded once per distinct text (a pool holds few distinct lists), as tuples (what the converter gives)."""
    table = InspectionObject.__table__
    names = ["id", *COLUMNS]
    lists = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
    query = select(*[type_coerce(table.c[n], String) if i in lists else table.c[n] for i, n in enumerate(names)])
    decoded: dict[str, object] = {}
    out = {}
    for row in session.execute(query):
        values = list(row)
        for i in lists:
            text = values[i]
            if isinstance(text, str):
                if text not in decoded:
                    value = json.loads(text)
                    decoded[text] = tuple(value) if isinstance(value, list) else value
                values[i] = decoded[text]
            elif isinstance(text, list):  # a driver that decodes JSON itself (psycopg)
                values[i] = tuple(text)
        row = dict(zip(names, values))
        out[row["uscc"]] = row
    return out


def _derive_uscc(batch) -> None:
    """USCC = the permit number's first 18 characters, checked; the report says it was done."""
    header = batch.header_of("permit_no")
    derived = 0
    for rownum, rec in batch.rows:
        permit = rec.get("permit_no")
        if not permit:
            if rownum not in batch.bad_rows:
                batch.error(
                    rownum,
                    "permit_no",
                    f"第 {rownum} 行“{header}”为空：文件没有统一社会信用代码列，只能从许可证编号得出单位。"
                    "请补上许可证编号，或在文件中加一列“统一社会信用代码”。",
                )
            continue
        code = permit[:18]
        reason = check_uscc(code)
        if reason:
            batch.error(
                rownum,
                "permit_no",
                f"第 {rownum} 行“{header}”“{permit}”的前 18 位“{code}”不是有效的统一社会信用代码（{reason}），"
                "无法确定是哪家单位。请核对许可证编号，或在文件中加一列“统一社会信用代码”。",
            )
            continue
        rec["uscc"] = code
        derived += 1
    if derived:
        batch.notice(
            batch.table.header_row,
            "permit_no",
            f"文件没有“统一社会信用代码”列：已从“{header}”的前 18 位取得 {derived} 行的统一社会信用代码，"
            "并按国家标准（GB 32100）的校验位逐一核对。",
        )


def _units(batch) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for rownum, rec in batch.good_rows():
        code = rec["uscc"]
        categories = list(rec.pop("key_categories", None) or ())
        extra = rec.pop("layout_categories", None)
        if extra:
            categories += [c for c in extra if c not in categories]
        permit = _permit_of(rec)
        unit = units.get(code)
        if unit is None:
            units[code] = Unit(rownum, rec, {permit["permit_no"]: permit} if permit else {}, categories)
            continue
        # another permit of the same enterprise: its number starts with the enterprise's USCC
        new_permit = permit is not None and permit["permit_no"] not in unit.permits and _belongs(permit, code)
        new_categories = [c for c in categories if c not in unit.categories]
        if not new_permit and not new_categories:
            batch.error(
                rownum,
                "uscc" if "uscc" not in batch.derived else "permit_no",
                f"第 {rownum} 行与第 {unit.row} 行的统一社会信用代码“{code}”重复（同一单位出现两次）。"
                "请删除或合并其中一行。",
            )
            continue
        if new_permit:
            unit.permits[permit["permit_no"]] = permit
        unit.categories += new_categories
        for k, v in rec.items():
            if unit.rec.get(k) in (None, "", ()) and v not in (None, "", ()):
                unit.rec[k] = v
    return units


def _belongs(permit: dict, code: str) -> bool:
    return permit["permit_no"].startswith(code)


def _permit_of(rec: dict) -> dict | None:
    number = rec.get("permit_no")
    if not number:
        return None
    period = rec.get("permit_valid") or (None, None)
    return {
        "permit_no": number,
        "permit_class": rec.get("permit_class") or "",
        "valid_from": period[0],
        "valid_to": period[1],
        "issued_on": rec.get("permit_issued"),
        "issuer": rec.get("permit_issuer") or "",
        "row": None,
    }


def _carries_data(permit: dict) -> bool:
    return bool(permit["valid_from"] or permit["valid_to"] or permit["issued_on"] or permit["issuer"])


def _plan_permits(batch, unit: Unit, old, held, owner, result, stored) -> list[dict] | None:
    """The unit's permits from the file, checked against those held by other objects; None on error.

    A permit gets a row of its own (`ObjectPermit`) when it carries data (有效期限, 发证日期, 发证机关) or when
    its object has several; a lone number with its 管理类别 is kept on the object only (a county ledger's
    50,000 rows need no second table)."""
    out = []
    for number, permit in unit.permits.items():
        kept = held.get(number)
        if kept is not None and (old is None or kept["object_id"] != old["id"]):
            other = owner.get(kept["object_id"], "")
            batch.error(
                unit.row,
                "permit_no",
                f"第 {unit.row} 行的许可证编号“{number}”已属于库中另一家单位（{other}）。一个许可证只能属于一家单位："
                "请核对许可证编号或统一社会信用代码。",
            )
            return None
        merged = permit
        if kept is not None:
            for k in PERMIT_FIELDS:
                if merged[k] in (None, ""):
                    merged[k] = kept[k]
            merged["state"] = kept["state"]
        else:
            merged["state"] = "有效"
        out.append((merged, kept))
    code = unit.rec["uscc"]
    in_file = {m["permit_no"] for m, _s in out}
    several = len(in_file | {p["permit_no"] for p in stored}) > 1
    for merged, kept in out:
        if kept is not None and kept["id"] is not None:
            changed = {k: merged[k] for k in PERMIT_FIELDS if merged[k] != kept[k]}
            if changed:
                result.extra["permits"].append({"uscc": code, "id": kept["id"], **changed})
        elif several or _carries_data(merged):
            result.extra["permits"].append({"uscc": code, "id": None, **merged})
    if several:  # the object's bare permit becomes a row beside the new one
        for kept in stored:
            if kept["id"] is None and kept["permit_no"] not in in_file:
                result.extra["permits"].append(
                    {"uscc": code, "id": None, "permit_no": kept["permit_no"], **{k: kept[k] for k in PERMIT_FIELDS}}
                )
    return [m for m, _s in out]


def _class_from_permits(batch, unit: Unit, rec: dict, permits: list[dict], today: date) -> None:
    """The object's 管理类别 (and the permit number shown on it) from its permits; notices for expired ones."""
    for p in permits:
        if p["permit_no"] in unit.permits and p.get("valid_to") and p["valid_to"] < today and p["state"] == "有效":
            batch.notice(
                unit.row,
                "permit_valid",
                f"第 {unit.row} 行（{rec.get('name') or ''}）：许可证“{p['permit_no']}”的有效期限已于 "
                f"{p['valid_to'].isoformat()} 届满，已过期。请核实是否已延续或重新申领。",
            )
    classed = [p for p in permits if p.get("permit_class")]
    if not permits:
        return
    valid = [p for p in classed if p["state"] == "有效" and not (p.get("valid_to") and p["valid_to"] < today)]
    pool = valid or classed
    if not pool:
        rec["permit_no"] = rec.get("permit_no") or permits[0]["permit_no"]
        return
    best = min(pool, key=lambda p: PERMIT_CLASSES.index(p["permit_class"]))
    if not valid:
        batch.notice(
            unit.row,
            "permit_class",
            f"第 {unit.row} 行（{rec.get('name') or ''}）没有有效的许可证（均已过期或注销），管理类别按其中最严的"
            f"“{best['permit_class']}”（{best['permit_no']}）保留。",
        )
    rec["permit_class"] = best["permit_class"]
    rec["permit_no"] = best["permit_no"]


def _norm(value):
    return tuple(value) if isinstance(value, list) else value


def _diff(rec: dict, old: dict) -> dict:
    changes = {}
    for k in COLUMNS:
        new = rec.get(k)
        if new is None or new == "" or new == ():
            continue  # blank cells keep what the database holds
        if old[k] != new:
            changes[k] = new
    return changes


def _db(value):
    return list(value) if isinstance(value, tuple) else value


@dataclass
class Staged:
    """What `write` writes, all computed by `stage` before the write lock."""

    before: int  # the largest object id when compared: the new objects get the ids after it
    now: object
    objects: StagedInsert | None
    updates: list[tuple[object, list[dict]]]
    permits: StagedInsert | None
    permit_updates: list[tuple[int, dict]]
    history: StagedInsert | None
    digests: audit.Digests
    after: dict


def stage(batch, plan) -> None:
    """Prepare the write (rows converted for the driver, history, the 封存 digests, the audit entry) from the
    comparison's own read of the database, before the write lock is taken; `write` only runs it. The new objects'
    ids are planned: the largest id + 1, 2, … (`write` refuses if the largest id has moved)."""
    session, rep = batch.session, batch.rep
    table, changes_table, permits_table = InspectionObject.__table__, ObjectChange.__table__, ObjectPermit.__table__
    conn = session.connection()
    now, user, source = utcnow(), current_user(), batch.path.name
    before = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    new = [rec for _r, rec in plan.inserts]
    new_ids = list(range(before + 1, before + 1 + len(new)))
    columns = {"id": new_ids, "uscc": [rec["uscc"] for rec in new], "name": [rec["name"] for rec in new]}
    for key, default in DEFAULTS.items():  # blank cells take the column's default (None, "", (), False)
        columns[key] = [rec.get(key) or default for rec in new]
    objects = staged_insert(conn, table, columns, {"created_at": now, "updated_at": now})
    ids = dict(plan.extra["ids"])  # existing objects' ids, from the plan
    ids.update(zip(columns["uscc"], new_ids))
    # the 封存 covers the rows this import writes, hashed from the values written (= as stored, every column);
    # created_at as its ISO text: what the log's JSON makes of the datetime anyway
    sealed = audit.sealed_columns("inspection_object")
    fixed = {**scalar_defaults(table, columns), "created_at": now.isoformat()}
    inserted = [columns[k] if k in columns else [fixed[k]] * len(new) for k in sealed]
    written = {str(oid): values for oid, values in zip(new_ids, zip(*inserted))}
    history = []
    for oid, rec in zip(new_ids, new):
        status = rec.get("status")
        if status and status != "存续":
            history.append(_change(oid, now, status, "status", "", status, user, source, rec.get("status_date")))
    by_fields: dict[tuple, list[dict]] = {}
    updated = []
    for _r, changes, oid, old in plan.updates:
        fields = tuple(
            sorted(k for k in changes if k in COLUMNS and k != "uscc" and (k != "name" or changes[k] != old["name"]))
        )
        if fields:
            by_fields.setdefault(fields, []).append(
                {"b_id": oid, "v_updated_at": now, **{f"v_{k}": _db(changes[k]) for k in fields}}
            )
            updated.append((oid, old, changes, fields))
        for k in fields:
            history.append(
                _change(
                    oid,
                    now,
                    change_kind(k, old.get(k), changes[k]),
                    k,
                    history_text(_norm(old.get(k))),
                    history_text(changes[k]),
                    user,
                    source,
                    changes.get("status_date") if k == "status" else None,
                )
            )
    # the 封存 of the rows updated: their values before plus the changes; the columns an import never writes
    # (created_at, category_override, override_reason) are read for these rows only
    untouched = [k for k in sealed if k != "id" and k not in COLUMNS]
    kept: dict[int, dict] = {}
    for i in range(0, len(updated), 500):
        chunk = [oid for oid, _old, _changes, _fields in updated[i : i + 500]]
        query = select(table.c.id, *[table.c[k] for k in untouched]).where(table.c.id.in_(chunk))
        kept.update((r.id, r._asdict()) for r in conn.execute(query))
    for oid, old, changes, fields in updated:
        row = {**old, **kept[oid], **{k: changes[k] for k in fields}}
        written[str(oid)] = tuple(row[k] for k in sealed)
    updates = [
        (
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(**{k: bindparam(f"v_{k}") for k in fields}, updated_at=bindparam("v_updated_at")),
            params,
        )
        for fields, params in by_fields.items()
    ]
    new_permits, permit_updates = [], []
    for p in plan.extra["permits"]:
        values = {k: p[k] for k in PERMIT_FIELDS if k in p}
        if p["id"] is None:
            new_permits.append(
                {
                    "object_id": ids[p["uscc"]],
                    "permit_no": p["permit_no"],
                    **values,
                    "state": "有效",
                    "state_date": None,
                    "state_reason": "",
                    "source": source,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        else:
            permit_updates.append((p["id"], values))
    after = {
        "file": source,
        "sha256": rep.sha256,
        "sheet": rep.sheet,
        "rows": rep.rows,
        "layout": rep.layout,
        "inserted": [rec["uscc"] for _r, rec in plan.inserts],
        "updated": [changes["uscc"] for _r, changes, _i, _o in plan.updates],
        "permits_added": [p["permit_no"] for p in new_permits],
        "permits_changed": [pid for pid, _v in permit_updates],
        "skipped_rows": rep.skipped,
        "left_out_rows": rep.left_out,
    }
    plan.extra["staged"] = Staged(
        before,
        now,
        objects,
        updates,
        staged_insert(conn, permits_table, _by_column(new_permits)),
        permit_updates,
        staged_insert(conn, changes_table, _by_column(history)),
        audit.row_digests("inspection_object", written),
        after,
    )


def _by_column(rows: list[dict]) -> dict[str, list]:
    return {name: [row[name] for row in rows] for name in rows[0]} if rows else {}


def write(batch, plan) -> None:
    """Run what `stage` prepared (in the write lock: inserts, updates, the history, the audit entry and 封存)."""
    session, rep = batch.session, batch.rep
    if "staged" not in plan.extra:
        stage(batch, plan)
    staged: Staged = plan.extra["staged"]
    table, changes_table = InspectionObject.__table__, ObjectChange.__table__
    conn = session.connection()
    if conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() != staged.before:
        raise UserError("导入比对之后，检查对象库又新增了单位（不是通过本程序写入的），本次导入没有写入。请重新导入。")
    run(conn, staged.objects)
    if staged.objects is not None:  # 新增 in every new object's history, written by the database from the new rows
        conn.execute(
            changes_table.insert().from_select(
                ["object_id", "ts", "kind", "field", "old_value", "new_value", "user", "source"],
                select(
                    table.c.id,
                    literal(staged.now, changes_table.c.ts.type),
                    literal("新增"),
                    literal(""),
                    literal(""),
                    table.c.name,
                    literal(current_user()),
                    literal(batch.path.name),
                ).where(table.c.id > staged.before),
            )
        )
        if conn.dialect.name == "postgresql":  # the ids were given: the id sequence goes on after them
            sequence = "pg_get_serial_sequence('inspection_object', 'id')"
            conn.exec_driver_sql(f"SELECT setval({sequence}, (SELECT max(id) FROM inspection_object))")
    for statement, params in staged.updates:
        conn.execute(statement, params)
    run(conn, staged.permits)
    permits_table = ObjectPermit.__table__
    for pid, values in staged.permit_updates:
        conn.execute(permits_table.update().where(permits_table.c.id == pid).values(**values, updated_at=staged.now))
    run(conn, staged.history)
    audit.record(
        session,
        "导入",
        "inspection_object",
        "",
        summary=f"导入检查对象 {batch.path.name}：新增 {rep.inserted}，更新 {rep.updated}，跳过 {rep.skipped}"
        + (f"，不属于本辖区未导入 {rep.left_out}" if rep.left_out else ""),
        after=staged.after,
        written=staged.digests,
    )


def _change(oid, ts, kind, field_name, old, new, user, source, effective=None) -> dict:
    return {
        "object_id": oid,
        "ts": ts,
        "effective_date": effective,
        "kind": kind,
        "field": field_name,
        "old_value": old,
        "new_value": new,
        "user": user,
        "source": source,
    }


def change_kind(key: str, old, new) -> str:
    """The history kind of a change to one field (an import and an edit on the page say the same)."""
    if key == "status":
        if new in ("注销", "迁出", "停产"):
            return new
        return "恢复" if old in ("停产", "注销", "迁出") else "修改"
    if key == "positive_list":
        return "正面清单调整"
    if key in TYPE_FIELDS:
        return "类型变更"
    return "修改"
