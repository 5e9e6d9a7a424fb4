"""Import of 执法检查人员 (inspectors) and 辅助人员/专家 (experts) from a roster.

A person is known by 执法证号, else 身份证号/工号, else 姓名 + 单位. 状态 (在岗/在职/在编在岗 vs
调离/退休/离岗/借调…) decides whether a person can be drawn (`on_duty`); the roster's word is kept
(`duty_status`). A roster that also has a 在编在岗 column must not contradict its 状态.
"""

from __future__ import annotations

from sqlalchemy import select

from app.models.base import utcnow
from app.models.pools import Inspector
from app.services.foundation import audit
from app.services.pools.importing.batch import Plan
from app.services.pools.importing.bulk import insert_rows
from app.services.pools.importing.fields import DUTY_DRAWABLE, INSPECTOR_FIELDS

COLUMNS = [s.key for s in INSPECTOR_FIELDS]
DEFAULTS = dict(
    kind="执法人员",
    cert_no="",
    org="",
    department="",
    position="",
    region="",
    gender="",
    years=None,
    expertise=[],
    on_duty=True,
    duty_status="",
    avoid_usccs=[],
    id_no="",
    phone="",
)


# the tables the comparison reads (a change to them between the comparison and the write spoils the plan)
READS = ("inspector",)


def key_text(rec: dict) -> str:
    return rec.get("cert_no") or rec.get("id_no") or rec.get("org") or ""


def prepare(batch):
    return batch


def _person_key(rec: dict) -> tuple:
    if rec.get("cert_no"):
        return ("cert", rec["cert_no"])
    if rec.get("id_no"):
        return ("id", rec["id_no"])
    return ("name", rec.get("name") or "", rec.get("org") or "")


def _check_row(batch, rownum: int, rec: dict) -> None:
    person_kind = rec.get("kind") or ("执法人员" if batch.kind == "inspectors" else "专家")
    rec["kind"] = person_kind
    if batch.kind == "experts" and person_kind == "执法人员":
        batch.error(rownum, "kind", f"第 {rownum} 行：专家库只收辅助人员和专家；执法人员请导入到执法人员库。")
    if person_kind == "执法人员" and not rec.get("cert_no") and (rownum, "cert_no") not in batch.flagged:
        batch.error(
            rownum,
            "cert_no",
            f"第 {rownum} 行（{rec.get('name') or ''}）：执法人员必须填写“执法证号”；"
            "没有执法证的请把人员类别改为“辅助人员”。",
        )
    status = rec.get("duty_status")
    if status:
        drawable = status in DUTY_DRAWABLE
        if rec.get("on_duty") is not None and rec["on_duty"] != drawable:
            batch.error(
                rownum,
                "on_duty",
                f"第 {rownum} 行（{rec.get('name') or ''}）：状态是“{status}”，“{batch.header_of('on_duty')}”却是"
                f"“{'是' if rec['on_duty'] else '否'}”，两者矛盾。请改正其中一项。",
            )
        rec["on_duty"] = drawable


def plan(batch):
    for rownum, rec in batch.rows:
        _check_row(batch, rownum, rec)
    existing: dict[tuple, dict] = {}
    for r in batch.session.execute(select(*[Inspector.__table__.c[c] for c in ["id", *COLUMNS]])):
        d = r._asdict()
        for key in (
            ("cert", d["cert_no"]) if d["cert_no"] else None,
            ("id", d["id_no"]) if d["id_no"] else None,
            ("name", d["name"], d["org"]),
        ):
            if key is not None:
                existing.setdefault(key, d)
    seen: dict[tuple, int] = {}
    result = Plan()
    for rownum, rec in batch.good_rows():
        key = _person_key(rec)
        if key in seen:
            what = {"cert": "执法证号", "id": "身份证号/工号", "name": "姓名和单位"}[key[0]]
            batch.error(
                rownum,
                {"cert": "cert_no", "id": "id_no", "name": "name"}[key[0]],
                f"第 {rownum} 行与第 {seen[key]} 行的{what}“{' '.join(key[1:])}”重复（同一人出现两次）。"
                "请删除或合并其中一行。",
            )
            continue
        seen[key] = rownum
        old = existing.get(key)
        if old is None and key[0] != "name":
            old = existing.get(("name", rec.get("name") or "", rec.get("org") or ""))
            if old is not None and old.get("cert_no") and old["cert_no"] != rec.get("cert_no"):
                old = None
        if old is None:
            result.inserts.append((rownum, rec))
            continue
        changes = _diff(rec, old)
        if changes:
            result.updates.append((rownum, {**changes, "name": rec.get("name", old["name"])}, old["id"], old))
        else:
            result.unchanged.append((rownum, key_text(rec), rec.get("name", "")))
    return result


def _diff(rec: dict, old: dict) -> dict:
    changes = {}
    for k in COLUMNS:
        new = rec.get(k)
        if new in ("", None, ()):
            continue
        if (tuple(old[k]) if isinstance(old.get(k), list) else old.get(k)) != new:
            changes[k] = new
    return changes


def _db(value):
    return list(value) if isinstance(value, tuple) else value


def write(batch, plan) -> None:
    session, rep = batch.session, batch.rep
    table = Inspector.__table__
    now = utcnow()
    conn = session.connection()
    if plan.inserts:
        rows = []
        for _r, rec in plan.inserts:
            row = dict(DEFAULTS)
            row.update({k: _db(v) for k, v in rec.items() if k in DEFAULTS and v not in ("", None, ())})
            row.update(name=rec["name"], created_at=now, updated_at=now)
            rows.append(row)
        insert_rows(conn, table, rows)
    for _r, changes, oid, old in plan.updates:
        values = {k: _db(v) for k, v in changes.items() if k in COLUMNS and (k != "name" or v != old["name"])}
        if values:
            conn.execute(table.update().where(table.c.id == oid).values(**values, updated_at=now))
    label = "执法检查人员" if rep.kind == "inspectors" else "辅助人员/专家"
    audit.record(
        session,
        "导入",
        "inspector",
        "",
        summary=f"导入{label} {batch.path.name}：新增 {rep.inserted}，更新 {rep.updated}，跳过 {rep.skipped}",
        after={
            "file": batch.path.name,
            "sha256": rep.sha256,
            "rows": rep.rows,
            "inserted": [f"{rec.get('name')} {rec.get('cert_no', '') or ''}".strip() for _r, rec in plan.inserts],
            "updated": [oid for _r, _c, oid, _o in plan.updates],
        },
    )
