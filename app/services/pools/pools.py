"""一单两库 maintenance: list/filter/search, edit with validation, bulk tags, status changes, history,
名录库调整信息 for the quarterly report, Excel exports of any view and blank templates.

Every edit here goes through the ORM (so the audit log records before/after automatically) and also
writes `ObjectChange` rows, the object's own history from which `adjustments()` is computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models.pools import (
    AIR_GRADES,
    CREDIT_GRADES,
    CREDIT_RISKS,
    INSPECTOR_KINDS,
    OBJECT_STATUSES,
    PERMIT_CLASSES,
    InspectionItem,
    InspectionObject,
    Inspector,
    ObjectChange,
    ObjectPermit,
)
from app.services.foundation import permissions
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.foundation.periods import parse_period
from app.services.pools import importer
from app.services.pools.importing.layouts import ACCEPTED_LAYOUTS, REFUSED_LAYOUTS
from app.services.pools.importing.objects import change_kind  # one rule for edits and imports
from app.services.rules.classification import classifier, classify

# the stored columns of an object (exports, edits); the import also reads a permit's dates and the region
NOT_STORED = ("status_date", "permit_valid", "permit_issued", "permit_issuer", *importer.REGION_KEYS)
OBJECT_COLUMNS: list[tuple[str, str]] = [(s.key, s.label) for s in importer.OBJECT_FIELDS if s.key not in NOT_STORED]
INSPECTOR_COLUMNS: list[tuple[str, str]] = [(s.key, s.label) for s in importer.INSPECTOR_FIELDS]
ITEM_COLUMNS: list[tuple[str, str]] = [("year", "年度")] + [
    (s.key, s.label) for s in importer.ITEM_FIELDS if s.key not in ("year",)
]
ADJUSTMENT_KINDS = ("新增", "类型变更", "注销/迁出", "正面清单调整")
LIST_FIELDS = ("pollution_types", "special_situations", "tags", "expertise", "avoid_usccs", "key_categories")
BOOL_FIELDS = ("key_polluter", "positive_list", "on_duty")
DATE_FIELDS = ("registration_date",)


# ------------------------------------------------------------------------------------------ objects


def object_to_dict(obj: InspectionObject, classification: dict | None = None) -> dict:
    """One object as plain data (CLI `objects list`, exports); merges its supervision category if known."""
    d = {
        "id": obj.id,
        "uscc": obj.uscc,
        "name": obj.name,
        "status": obj.status,
        "tags": list(obj.tags or []),
        "permit_no": obj.permit_no,
        "permit_class": obj.permit_class,
        "key_polluter": bool(obj.key_polluter),
        "industry": obj.industry,
        "pollution_types": list(obj.pollution_types or []),
        "township": obj.township,
        "address": obj.address,
        "legal_rep": obj.legal_rep,
        "contact": obj.contact,
        "phone": obj.phone,
        "positive_list": bool(obj.positive_list),
        "credit_grade": obj.credit_grade,
        "credit_risk": obj.credit_risk,
        "air_grade": obj.air_grade,
        "special_situations": list(obj.special_situations or []),
        "registration_date": obj.registration_date.isoformat() if obj.registration_date else "",
        "category_override": obj.category_override,
        "override_reason": obj.override_reason,
        "key_categories": list(obj.key_categories or []),
    }
    if classification:
        d.update(classification)
    return d


def classify_objects(session: Session, objects: Sequence[InspectionObject]) -> dict[int, dict]:
    """id → {"category", "stratum", "mode", "reason"} from `app.services.rules.classification.classify` when a
    policy is set; {} otherwise. Objects the rules leave out of the pool (注销/迁出)
    get category "" with the reason "不在抽查名录内"."""
    if not objects:
        return {}
    try:
        result = classify(session, list(objects))
    except UserError:
        return {}  # no policy set yet: the list still works, without categories
    out = {}
    for o in objects:
        c = result.get(o.id)
        if c is None:
            out[o.id] = {
                "category": "",
                "stratum": "",
                "mode": "",
                "reason": "不在抽查名录内（" + (o.status or "") + "）",
            }
        else:
            out[o.id] = {"category": c.category, "stratum": c.stratum, "mode": c.mode, "reason": c.reason}
    return out


def list_objects(
    session: Session,
    *,
    search: str = "",
    township: str = "",
    permit_class: str = "",
    credit_grade: str = "",
    credit_risk: str = "",
    status: str = "",
    tag: str = "",
    key_polluter: bool | None = None,
    positive_list: bool | None = None,
) -> list[InspectionObject]:
    # plain rows of every column (attribute access like the model), not ORM objects: 100,000 objects load in a
    # third of the time and nothing here changes them
    q = select(*InspectionObject.__table__.c).order_by(InspectionObject.township, InspectionObject.name)
    if township:
        q = q.where(InspectionObject.township == township)
    if permit_class:
        q = q.where(InspectionObject.permit_class == permit_class)
    if credit_grade:
        q = q.where(InspectionObject.credit_grade == credit_grade)
    if credit_risk:
        q = q.where(InspectionObject.credit_risk == credit_risk)
    if status:
        q = q.where(InspectionObject.status == status)
    if key_polluter is not None:
        q = q.where(InspectionObject.key_polluter == key_polluter)
    if positive_list is not None:
        q = q.where(InspectionObject.positive_list == positive_list)
    objs = session.execute(q).all()
    if tag:
        objs = [o for o in objs if tag in (o.tags or [])]
    if search:
        needle = search.strip().lower()
        objs = [
            o
            for o in objs
            if needle in f"{o.name} {o.uscc} {o.permit_no} {o.address} {o.industry} {o.legal_rep}".lower()
        ]
    return objs


def objects_as_dicts(session: Session, objects: Sequence[InspectionObject] | None = None) -> list[dict]:
    objects = list_objects(session) if objects is None else list(objects)
    classes = classify_objects(session, objects)
    expired = expired_permits(session)
    out = []
    for o in objects:
        d = object_to_dict(o, classes.get(o.id))
        d["expired_permits"] = expired.get(o.id, [])  # 有效 in the record, past their 有效期限
        out.append(d)
    return out


def iter_object_dicts(
    session: Session, *, search: str = "", status: str = "", township: str = "", permit_class: str = "", tag: str = ""
) -> Iterator[dict]:
    """`objects_as_dicts(list_objects(...))` for a pool of any size, one dict at a time: the rows come from the
    store in batches (no ORM objects, never the whole list in memory), each classified from one classification of
    the pool. Same filters, order and keys as `list_objects` / `objects_as_dicts`."""
    q = select(*InspectionObject.__table__.c).order_by(InspectionObject.township, InspectionObject.name)
    for column, value in (("township", township), ("permit_class", permit_class), ("status", status)):
        if value:
            q = q.where(getattr(InspectionObject, column) == value)
    try:
        classify_row = classifier(session)  # each row classified as it is read: the pool is read once
    except UserError:
        classify_row = None  # no policy set yet: the list still works, without categories
    expired = expired_permits(session)
    needle = search.strip().lower()
    for o in session.execute(q.execution_options(yield_per=2000)):
        if tag and tag not in (o.tags or []):
            continue
        if needle and needle not in f"{o.name} {o.uscc} {o.permit_no} {o.address} {o.industry} {o.legal_rep}".lower():
            continue
        if classify_row is None:
            extra = None
        elif (c := classify_row(o)) is not None:
            extra = {"category": c.category, "stratum": c.stratum, "mode": c.mode, "reason": c.reason}
        else:
            extra = {"category": "", "stratum": "", "mode": "", "reason": "不在抽查名录内（" + (o.status or "") + "）"}
        d = object_to_dict(o, extra)
        d["expired_permits"] = expired.get(o.id, [])
        yield d


def object_permits(session: Session, key: int | str, *, today: date | None = None) -> list[dict]:
    """An object's permits (number, 管理类别, 有效期限, 发证日期, 发证机关, state), each with its state as of
    today: 有效, 已过期 (valid_to passed), 注销 or 撤销 (with date and reason)."""
    obj = get_object(session, key)
    today = today or date.today()
    out = []
    for p in session.scalars(
        select(ObjectPermit).where(ObjectPermit.object_id == obj.id).order_by(ObjectPermit.permit_no)
    ):
        state = p.state
        if state == "有效" and p.valid_to is not None and p.valid_to < today:
            state = "已过期"
        out.append(
            {
                "permit_no": p.permit_no,
                "permit_class": p.permit_class,
                "valid_from": p.valid_from.isoformat() if p.valid_from else "",
                "valid_to": p.valid_to.isoformat() if p.valid_to else "",
                "issued_on": p.issued_on.isoformat() if p.issued_on else "",
                "issuer": p.issuer,
                "state": state,
                "state_date": p.state_date.isoformat() if p.state_date else "",
                "state_reason": p.state_reason,
            }
        )
    if obj.permit_no and obj.permit_no not in {p["permit_no"] for p in out}:  # a bare permit: no row of its own
        out.append(
            {
                "permit_no": obj.permit_no,
                "permit_class": obj.permit_class,
                "valid_from": "",
                "valid_to": "",
                "issued_on": "",
                "issuer": "",
                "state": "有效",
                "state_date": "",
                "state_reason": "",
            }
        )
        out.sort(key=lambda p: p["permit_no"])
    return out


def expired_permits(session: Session, *, today: date | None = None) -> dict[int, list[str]]:
    """object id → numbers of its permits that are 有效 in the record but past their 有效期限 (for the
    object list and the classification page)."""
    today = today or date.today()
    rows = session.execute(
        select(ObjectPermit.object_id, ObjectPermit.permit_no).where(
            ObjectPermit.state == "有效", ObjectPermit.valid_to.is_not(None), ObjectPermit.valid_to < today
        )
    )
    out: dict[int, list[str]] = {}
    for oid, number in rows:
        out.setdefault(oid, []).append(number)
    return out


def get_object(session: Session, key: int | str) -> InspectionObject:
    if isinstance(key, int):
        obj = session.get(InspectionObject, key)
    else:
        code = importer.half_width(str(key)).upper()
        obj = session.scalar(select(InspectionObject).where(InspectionObject.uscc == code))
    if obj is None:
        raise UserError(f"检查对象库中没有统一社会信用代码为“{key}”的单位。请核对代码，或先导入该单位。")
    return obj


def _objects_by_keys(session: Session, keys: list[int | str]) -> list[InspectionObject]:
    """`get_object` for many keys in a few queries (500 at a time), in the order given."""
    codes = [importer.half_width(str(k)).upper() for k in keys if not isinstance(k, int)]
    found: dict = {}
    for i in range(0, len(codes), 500):
        for obj in session.scalars(select(InspectionObject).where(InspectionObject.uscc.in_(codes[i : i + 500]))):
            found[obj.uscc] = obj
    objs = []
    for key in keys:
        if isinstance(key, int):
            objs.append(get_object(session, key))
            continue
        obj = found.get(importer.half_width(str(key)).upper())
        if obj is None:
            get_object(session, key)  # raises the usual message
        objs.append(obj)
    return objs


def _coerce(kind: str, key: str, value):
    """A value from an edit dialog/CLI → the stored value, validated like the import."""
    if key in LIST_FIELDS:
        if isinstance(value, (list, tuple)):
            value = "、".join(str(v) for v in value)
        return list(importer.convert_value(kind, key, value or ""))
    if key in BOOL_FIELDS and isinstance(value, bool):
        return value
    result = importer.convert_value(kind, key, "" if value is None else str(value))
    if key in BOOL_FIELDS:
        return bool(result)
    return result


def _record_change(
    session: Session,
    obj: InspectionObject,
    kind: str,
    field: str,
    old: str,
    new: str,
    *,
    effective: date | None = None,
    source: str = "手工修改",
    reason: str = "",
) -> None:
    session.add(
        ObjectChange(
            object_id=obj.id,
            kind=kind,
            field=field,
            old_value=old,
            new_value=new,
            effective_date=effective,
            user=current_user(),
            source=f"{source}：{reason}" if reason else source,
        )
    )


def create_object(session: Session, data: dict) -> InspectionObject:
    permissions.require(session, "pools.edit")
    values = {k: _coerce("objects", k, data.get(k)) for k, _l in OBJECT_COLUMNS if k in data}
    for k in ("name", "uscc"):
        if not values.get(k):
            raise UserError(f"“{dict(OBJECT_COLUMNS)[k]}”必须填写。")
    if session.scalar(select(InspectionObject.id).where(InspectionObject.uscc == values["uscc"])):
        raise UserError(f"统一社会信用代码“{values['uscc']}”已在检查对象库中，不能重复添加。请在列表中找到该单位修改。")
    values.setdefault("status", "存续")
    obj = InspectionObject(**{k: v for k, v in values.items() if v is not None})
    session.add(obj)
    session.flush()
    _record_change(session, obj, "新增", "", "", obj.name)
    session.flush()
    return obj


def update_object(
    session: Session, key: int | str, changes: dict, *, reason: str = "", effective: date | None = None
) -> InspectionObject:
    """Edit fields with the import's validation; each changed field becomes an ObjectChange row."""
    permissions.require(session, "pools.edit")
    obj = get_object(session, key)
    cols = dict(OBJECT_COLUMNS)
    for k, raw in changes.items():
        if k not in cols:
            raise UserError(f"字段“{k}”不能修改。")
        new = _coerce("objects", k, raw)
        if k in ("name", "uscc") and not new:
            raise UserError(f"“{cols[k]}”不能为空。")
        if (
            k == "uscc"
            and new != obj.uscc
            and session.scalar(select(InspectionObject.id).where(InspectionObject.uscc == new))
        ):
            raise UserError(f"统一社会信用代码“{new}”已属于库中另一家单位，不能改成这个代码。")
        if new is None and k not in BOOL_FIELDS and k not in DATE_FIELDS:
            new = ""
        old = getattr(obj, k)
        if (list(old) if isinstance(old, list) else old) == new:
            continue
        setattr(obj, k, new)
        _record_change(
            session,
            obj,
            change_kind(k, old, new),
            k,
            importer.history_text(old),
            importer.history_text(new),
            effective=effective,
            reason=reason,
        )
    session.flush()
    return obj


def set_status(
    session: Session, key: int | str, status: str, *, reason: str = "", effective: date | str | None = None
) -> InspectionObject:
    """Mark an object 停产/注销/迁出 (or back to 存续) with the date and the reason."""
    permissions.require(session, "pools.edit")
    if status not in OBJECT_STATUSES:
        raise UserError(f"状态“{status}”无效，应为：{'、'.join(OBJECT_STATUSES)}。")
    if status != "存续" and not (reason or "").strip():
        raise UserError(f"标记为“{status}”时必须填写原因（如“已办理工商注销”“迁至外县”）。")
    if isinstance(effective, str):
        text = effective
        effective = importer.parse_date(text) if text.strip() else None
        if effective is None and text.strip():
            raise UserError(f"日期“{text}”无法识别，请写成 2024-03-05。")
    obj = get_object(session, key)
    if obj.status == status:
        raise UserError(f"“{obj.name}”的状态已经是“{status}”。")
    old = obj.status
    obj.status = status
    _record_change(
        session,
        obj,
        change_kind("status", old, status),
        "status",
        old,
        status,
        effective=effective or date.today(),
        reason=reason.strip(),
    )
    session.flush()
    return obj


def bulk_tag(
    session: Session, keys: Iterable[int | str], *, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> int:
    """Add/remove free tags (标识化管理) on many objects; returns how many objects changed."""
    permissions.require(session, "pools.edit")
    add = [t.strip() for t in add if t and t.strip()]
    remove = [t.strip() for t in remove if t and t.strip()]
    if not add and not remove:
        raise UserError("请填写要添加或去掉的标签。")
    changed = 0
    with session.no_autoflush:  # one flush (one audit batch) at the end, not one per object: short write lock
        objs = _objects_by_keys(session, list(keys))
    for obj in objs:
        old = list(obj.tags or [])
        new = [t for t in old if t not in remove] + [t for t in add if t not in old]
        if new != old:
            obj.tags = new  # a new list: JSON columns do not track in-place edits
            _record_change(
                session, obj, "修改", "tags", importer.history_text(old), importer.history_text(new), source="批量标签"
            )
            changed += 1
    session.flush()
    return changed


def history(session: Session, key: int | str) -> list[dict]:
    obj = get_object(session, key)
    rows = session.scalars(
        select(ObjectChange).where(ObjectChange.object_id == obj.id).order_by(ObjectChange.ts, ObjectChange.id)
    )
    labels = dict(OBJECT_COLUMNS)
    return [
        {
            "ts": _local(c.ts),
            "kind": c.kind,
            "field": labels.get(c.field, c.field),
            "old": c.old_value,
            "new": c.new_value,
            "effective_date": c.effective_date.isoformat() if c.effective_date else "",
            "user": c.user,
            "source": c.source,
        }
        for c in rows
    ]


def _local(ts: datetime | None) -> str:
    """A stored naive-UTC timestamp as local time for display."""
    from app.services.foundation.timefmt import local_text

    return local_text(ts)


def adjustments(session: Session, period: str) -> list[dict]:
    """名录库调整信息 for a period: rows of 新增 / 类型变更 / 注销/迁出 / 正面清单调整 from the history.

    A change counts in the period of its effective date when one was given (e.g. the 注销 date), else of
    the day it was recorded. Objects added in the period are reported once as 新增 (their later type
    changes in the same period are folded into that row).
    """
    p = parse_period(period)
    out: list[dict] = []
    added: set[int] = set()
    labels = dict(OBJECT_COLUMNS)
    q = (
        select(ObjectChange, InspectionObject.uscc, InspectionObject.name)
        .join(InspectionObject, InspectionObject.id == ObjectChange.object_id)
        .where(ObjectChange.kind.in_(("新增", "类型变更", "注销", "迁出", "正面清单调整")))
        .order_by(ObjectChange.ts, ObjectChange.id)
    )
    for change, uscc, name in session.execute(q):
        day = change.effective_date or (change.ts.date() if change.ts else None)
        if day is None or not p.contains(day):
            continue
        kind = "注销/迁出" if change.kind in ("注销", "迁出") else change.kind
        if kind == "新增":
            added.add(change.object_id)
        elif kind == "类型变更" and change.object_id in added:
            continue
        out.append(
            {
                "date": day.isoformat(),
                "kind": kind,
                "uscc": uscc,
                "name": name,
                "field": labels.get(change.field, change.field),
                "old": change.old_value,
                "new": change.new_value if kind != "注销/迁出" else change.kind,
                "source": change.source,
                "user": change.user,
            }
        )
    return out


def pool_counts(session: Session) -> dict:
    total = session.scalar(select(func.count(InspectionObject.id))) or 0
    active = session.scalar(select(func.count(InspectionObject.id)).where(InspectionObject.status == "存续")) or 0
    inspectors = (
        session.scalar(
            select(func.count(Inspector.id)).where(Inspector.kind == "执法人员", Inspector.on_duty.is_(True))
        )
        or 0
    )
    experts = session.scalar(select(func.count(Inspector.id)).where(Inspector.kind != "执法人员")) or 0
    items = session.scalar(select(func.count(InspectionItem.id))) or 0
    return {"objects": total, "active": active, "inspectors": inspectors, "experts": experts, "items": items}


def dashboard_items(session: Session, today: date) -> list[dict]:
    c = pool_counts(session)
    out = [
        {
            "title": "检查对象库",
            "value": f"{c['objects']} 家",
            "detail": f"其中存续 {c['active']} 家",
            "level": "warn" if c["objects"] == 0 else "info",
            "page": "objects",
        },
        {
            "title": "执法检查人员",
            "value": f"{c['inspectors']} 人",
            "detail": "在编在岗、持执法证",
            "level": "danger" if c["inspectors"] < 2 else "info",
            "page": "inspectors",
        },
    ]
    if c["objects"] == 0:
        out[0]["detail"] = "检查对象库为空，请先导入（一单两库 → 检查对象库 → 导入）"
    if c["inspectors"] < 2:
        out[1]["detail"] = "每个检查对象至少需要 2 名执法人员，请先导入执法人员库"
    year_items = session.scalar(select(func.count(InspectionItem.id)).where(InspectionItem.year == today.year)) or 0
    if year_items == 0:
        out.append(
            {
                "title": "抽查事项清单",
                "value": "未建立",
                "detail": f"{today.year} 年度的抽查事项清单尚未导入",
                "level": "warn",
                "page": "items",
            }
        )
    return out


# ------------------------------------------------------------------------------------- inspectors


def inspector_to_dict(p: Inspector) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "cert_no": p.cert_no,
        "org": p.org,
        "department": p.department,
        "position": p.position,
        "region": p.region,
        "gender": p.gender,
        "years": p.years,
        "expertise": list(p.expertise or []),
        "on_duty": bool(p.on_duty),
        "duty_status": p.duty_status,
        "avoid_usccs": list(p.avoid_usccs or []),
        "phone": p.phone,
        "id_no": p.id_no,
    }


def list_inspectors(session: Session, *, experts: bool = False, search: str = "") -> list[Inspector]:
    q = select(Inspector).order_by(Inspector.kind, Inspector.name)
    q = q.where(Inspector.kind != "执法人员") if experts else q.where(Inspector.kind == "执法人员")
    people = list(session.scalars(q))
    if search:
        needle = search.strip().lower()
        people = [
            p
            for p in people
            if needle in f"{p.name} {p.cert_no} {p.org} {p.region} {'、'.join(p.expertise or [])}".lower()
        ]
    return people


def save_inspector(session: Session, data: dict, person_id: int | None = None) -> Inspector:
    """Create or edit a person with the import's validation (执法证号 required for 执法人员)."""
    permissions.require(session, "pools.edit")
    values = {}
    for k, _l in INSPECTOR_COLUMNS:
        if k in data:
            v = _coerce("inspectors", k, data[k])
            values[k] = "" if v is None and k not in ("years", "on_duty") else v
    if not values.get("name") and person_id is None:
        raise UserError("“姓名”必须填写。")
    person = session.get(Inspector, person_id) if person_id else Inspector(kind="执法人员", on_duty=True)
    if person is None:
        raise UserError("该人员已不存在，请刷新列表。")
    if values.get("duty_status"):  # 状态 decides whether the person can be drawn, as in the import
        values["on_duty"] = values["duty_status"] in importer.DUTY_DRAWABLE
    kind = values.get("kind") or person.kind or "执法人员"
    cert = values.get("cert_no", person.cert_no)
    if kind == "执法人员" and not cert:
        raise UserError("执法人员必须填写“执法证号”；没有执法证的人员请把人员类别设为“辅助人员”。")
    if cert:
        clash = session.scalar(select(Inspector).where(Inspector.cert_no == cert, Inspector.id != (person_id or 0)))
        if clash is not None:
            raise UserError(f"执法证号“{cert}”已属于 {clash.name}，不能重复。")
    for k, v in values.items():
        if v is None and k == "on_duty":
            v = True
        setattr(person, k, v)
    if person_id is None:
        session.add(person)
    session.flush()
    return person


def delete_inspector(session: Session, person_id: int) -> None:
    permissions.require(session, "pools.edit")
    person = session.get(Inspector, person_id)
    if person is None:
        raise UserError("该人员已不存在，请刷新列表。")
    name = person.name
    try:
        with session.begin_nested():
            session.delete(person)
            session.flush()
    except IntegrityError:
        raise UserError(
            f"“{name}”已被抽取或检查记录引用，不能删除。可把“在编在岗”改为“否”，他就不再参加随机选派。"
        ) from None


def get_inspector(session: Session, person_id: int) -> Inspector:
    person = session.get(Inspector, person_id)
    if person is None:
        raise UserError("该人员已不存在，请刷新列表。")
    return person


def get_item(session: Session, item_id: int) -> InspectionItem:
    item = session.get(InspectionItem, item_id)
    if item is None:
        raise UserError("该抽查事项已不存在，请刷新列表。")
    return item


# ------------------------------------------------------------------------------------------- items


def item_to_dict(i: InspectionItem) -> dict:
    return {k: getattr(i, k) for k, _l in ITEM_COLUMNS} | {"id": i.id}


def list_items(session: Session, year: int | None = None) -> list[InspectionItem]:
    q = select(InspectionItem).order_by(InspectionItem.year.desc(), InspectionItem.seq, InspectionItem.id)
    if year:
        q = q.where(InspectionItem.year == year)
    return list(session.scalars(q))


def item_years(session: Session) -> list[int]:
    return list(session.scalars(select(InspectionItem.year).distinct().order_by(InspectionItem.year.desc())))


def save_item(session: Session, data: dict, item_id: int | None = None) -> InspectionItem:
    permissions.require(session, "pools.edit")
    values = {}
    for k, _l in ITEM_COLUMNS:
        if k in data:
            values[k] = _coerce("items", k, data[k])
    item = session.get(InspectionItem, item_id) if item_id else InspectionItem(year=date.today().year)
    if item is None:
        raise UserError("该事项已不存在，请刷新列表。")
    for k, v in values.items():
        setattr(item, k, v if v is not None else (0 if k in ("seq",) else ("" if k != "year" else item.year)))
    if not item.name:
        raise UserError("“抽查事项”必须填写。")
    if item_id is None:
        session.add(item)
    session.flush()
    return item


# ---------------------------------------------------------------------------------- export, template


def _cell(key: str, value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return "" if value is None else value


def export_rows(path, title: str, columns: Sequence[tuple[str, str]], rows: Iterable[dict]) -> Path:
    """Any view (list of dicts) → a styled xlsx with the given (key, header) columns."""
    from app.services.foundation import xlsx  # openpyxl: only when a file is written (the program starts faster)

    wb, ws = xlsx.new_workbook(title)
    xlsx.write_table(ws, [h for _k, h in columns], ([_cell(k, r.get(k)) for k, _h in columns] for r in rows))
    return xlsx.save_workbook(wb, path)


def export_kind(session: Session, kind: str, path) -> tuple[Path, int]:
    if kind == "objects":
        rows = objects_as_dicts(session)
        cols = list(OBJECT_COLUMNS)
        if rows and "category" in rows[0]:
            cols.append(("category", "监管类别"))
        return export_rows(path, "检查对象名录库", cols, rows), len(rows)
    if kind in ("inspectors", "experts"):
        rows = [inspector_to_dict(p) for p in list_inspectors(session, experts=kind == "experts")]
        return export_rows(
            path, "执法检查人员名录库" if kind == "inspectors" else "辅助人员和专家库", INSPECTOR_COLUMNS, rows
        ), len(rows)
    if kind == "items":
        rows = [item_to_dict(i) for i in list_items(session)]
        return export_rows(path, "随机抽查事项清单", ITEM_COLUMNS, rows), len(rows)
    raise UserError(f"导出类型“{kind}”无效。")


_TEMPLATE_NOTES = {
    "objects": "填写说明：带 * 的列必填；统一社会信用代码为 18 位；多个污染类型/特殊监管情形/标签用“、”分隔。",
    "inspectors": "填写说明：带 * 的列必填；执法人员必须填写执法证号；"
    "业务专长、回避对象（统一社会信用代码）可填多个，用“、”分隔。",
    "experts": "填写说明：人员类别填“辅助人员”或“专家”；业务专长可填多个，用“、”分隔。",
    "items": "填写说明：每行一个抽查事项；事项类别填“重点检查事项”或“一般检查事项”。",
}
_EXAMPLES = {
    "objects": [
        "示例县某某化工有限公司",
        "91140525MA0K00001X",
        "91140525MA0K00001X001P",
        "重点管理",
        "是",
        "化学原料和化学制品制造业",
        "废水、废气",
        "城关镇",
        "城关镇工业园区1号",
        "张三",
        "李四",
        "13800000000",
        "存续",
        "否",
        "B",
        "一般风险",
        "B",
        "两高",
        "",
    ],
    "inspectors": [
        "王某",
        "执法人员",
        "14052500001",
        "示例县生态环境保护综合行政执法大队",
        "执法一中队",
        "队员",
        "城关镇",
        "男",
        "8",
        "大气、水",
        "是",
        "",
        "",
        "",
    ],
}


def write_template(kind: str, path) -> Path:
    """A blank import template: canonical headers (* = required), drop-downs for the fixed choices."""
    from app.services.foundation import xlsx

    specs = [
        s
        for s in importer.fields_for(kind)
        if not (kind == "objects" and s.key == "status_date") and s.key not in importer.REGION_KEYS
    ]
    wb, ws = xlsx.new_workbook(
        {"objects": "检查对象", "inspectors": "执法人员", "experts": "辅助人员和专家", "items": "抽查事项清单"}[kind]
    )
    headers = [s.label + ("*" if s.required or (kind == "inspectors" and s.key == "cert_no") else "") for s in specs]
    xlsx.write_table(ws, headers, [], autofilter=False)
    example = list(_EXAMPLES.get(kind, []))
    if kind == "objects" and example:
        from stdnum.cn import uscc as uscc_mod

        body = "91140525MA0K0000"
        body += "1"
        code = body + uscc_mod.calc_check_digit(body)
        example[1] = code
        example[2] = code + "001P"
    choices = {
        "permit_class": PERMIT_CLASSES,
        "key_polluter": ("是", "否"),
        "status": OBJECT_STATUSES,
        "positive_list": ("是", "否"),
        "credit_grade": CREDIT_GRADES,
        "credit_risk": CREDIT_RISKS,
        "air_grade": AIR_GRADES,
        "kind": INSPECTOR_KINDS if kind != "experts" else ("辅助人员", "专家"),
        "gender": ("男", "女"),
        "on_duty": ("是", "否"),
        "item_class": importer.ITEM_CLASSES,
    }
    for col, s in enumerate(specs, 1):
        if s.key in choices:
            xlsx.add_list_validation(ws, col, choices[s.key])
    notes = wb.create_sheet("填写说明")
    lines = [
        _TEMPLATE_NOTES[kind],
        "本表第一个工作表的第 1 行是表头，请从第 2 行开始填写，不要修改表头。",
        "导入时会先检查全部数据，并按行号、列名列出问题；有问题时不会写入任何数据。",
    ]
    if example:
        lines.append("示例（请勿写入第一个工作表）：" + "，".join(f"{h}={v}" for h, v in zip(headers, example) if v))
    for field in specs:
        if field.choices:
            lines.append(f"“{field.label}”可填：{'、'.join(field.choices)}")
    layouts = ACCEPTED_LAYOUTS.get(kind, [])
    if layouts:
        lines.append("")
        lines.append("除本模板外，还可以直接导入下列公开文件（按原样，无需改表头）：")
        for name, source, columns in layouts:
            lines.append(f"· {name}（来源：{source}）" + (f"：{columns}" if columns else ""))
        if kind == "objects":
            lines.append(
                "· 注销/撤销的许可证清单请用“导入注销清单”（ssj import cancelled）；"
                "重点排污单位名录也可只更新已有单位（ssj import key-units）。"
            )
            lines.append(
                "· 表中有“所在地区/地市/区县”列时，不属于本辖区的行不导入（列入报告），"
                "确需导入时勾选“导入不属于本辖区的行”。"
            )
    for name, source, what in REFUSED_LAYOUTS:
        lines.append(f"不能导入：{name}（来源：{source}）——{what}。")
    for r, line in enumerate(lines, 1):
        notes.cell(row=r, column=1, value=line)
    notes.column_dimensions["A"].width = 120
    return xlsx.save_workbook(wb, path)
