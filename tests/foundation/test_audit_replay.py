"""`audit verify` replays the log against the current rows (issue 10, point 7).

Every case edits the real SQLite file with raw SQL, as someone with the file would, and expects
`audit.verify` (and `ssj audit verify`) to name the row. Bulk-written rows are covered by the 封存 entry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from app.models import InspectionObject, Outcome
from app.models.core import AuditEntry, AuditHead, User
from app.services.foundation import audit
from app.services.outcomes import outcomes
from tests.factories import make_object
from tests.outcomes_factories import GOOD, make_draw


@pytest.fixture
def filled(session):
    from datetime import date

    obj = make_object(session, name="甲化工有限公司", permit_class="重点管理", key_polluter=True)
    _draw, sels = make_draw(session, "2026Q1", n=2)
    out = outcomes.save_outcome(
        session, sels[0].id, dict(GOOD, result="未发现开展本次抽查涉及的经营活动"), today=date(2026, 3, 20)
    )
    session.commit()
    r = audit.verify(session)
    assert r.ok, r.message
    return obj.id, out.id


def _sql(session, sql, **params):
    session.execute(text(sql), params)
    session.commit()
    session.expire_all()


def _problem(session, *words):
    r = audit.verify(session)
    assert not r.ok, "篡改未被发现"
    for w in words:
        assert w in r.message, r.message
    return r


def test_outcome_result_edited(session, filled):
    _obj, out_id = filled
    _sql(session, "UPDATE outcome SET result='未发现问题' WHERE id=:i", i=out_id)
    r = _problem(session, f"检查结果 #{out_id}", "result", "未发现问题", "未发现开展本次抽查涉及的经营活动")
    assert [(p.entity, p.entity_id) for p in r.rows] == [("outcome", str(out_id))]


def test_object_category_edited(session, filled):
    obj_id, _ = filled
    _sql(session, "UPDATE inspection_object SET permit_class='登记管理', key_polluter=0 WHERE id=:i", i=obj_id)
    _problem(session, f"检查对象 #{obj_id}（甲化工有限公司）", "key_polluter")


def test_account_role_edited(session, filled):
    _sql(session, "UPDATE user_account SET role='管理员' WHERE username='admin'")  # unchanged: still fine
    assert audit.verify(session).ok
    session.add(User(username="luru", role="录入员", password_hash="x"))
    session.commit()
    _sql(session, "UPDATE user_account SET role='管理员' WHERE username='luru'")
    _problem(session, "账户", "luru", "role")


def test_row_inserted_and_row_deleted_behind_the_program(session, filled):
    cols = [c.name for c in InspectionObject.__table__.columns if c.name not in ("id", "uscc", "name")]
    _sql(
        session,
        f"INSERT INTO inspection_object (uscc, name, {', '.join(cols)}) "
        f"SELECT '91140525MA0XXXXX1X', '幽灵公司', {', '.join(cols)} FROM inspection_object LIMIT 1",
    )
    _problem(session, "幽灵公司", "没有任何记录")
    _sql(session, "DELETE FROM inspection_object WHERE name='幽灵公司'")
    assert audit.verify(session).ok
    obj_id, _ = filled
    _sql(session, "DELETE FROM inspection_object WHERE id=:i", i=obj_id)
    _problem(session, f"检查对象 #{obj_id}", "没有删除记录")


def test_bulk_imported_rows_are_sealed(session, tmp_path):
    from openpyxl import Workbook

    from app.services.pools import importer
    from tests.factories import make_uscc

    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "单位名称", "所属乡镇"])
    for i in range(5):
        ws.append([make_uscc(7000 + i), f"批量公司{i}", "城关镇"])
    path = tmp_path / "名录.xlsx"
    wb.save(path)
    importer.run_import(session, "objects", path)
    session.commit()
    seal = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.SEAL))
    assert seal is not None and len(json.loads(seal.after)["rows"]) == 5
    assert audit.verify(session).ok
    victim = session.scalar(select(InspectionObject).where(InspectionObject.name == "批量公司3"))
    victim.township = "南村镇"  # a change through the program after the import: still consistent
    session.commit()
    assert audit.verify(session).ok, audit.verify(session).message
    _sql(session, "UPDATE inspection_object SET name='批量公司三' WHERE id=:i", i=victim.id)
    _problem(session, "批量公司三", "封存")
    _sql(session, "UPDATE inspection_object SET name='批量公司3', township='城关镇' WHERE id=:i", i=victim.id)
    _problem(session, "批量公司3", "township")


def test_truncated_log_with_fixed_head_is_caught_by_the_rows(session, filled):
    """Delete the newest audit entries and set audit_head to the new last one: the chain verifies, but the
    rows those entries recorded no longer match what the (shortened) log says."""
    _obj, out_id = filled

    session.get(Outcome, out_id).result = "未发现问题"  # a correction through the program (audited)
    session.commit()
    last = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    keep = (
        session.scalar(
            select(AuditEntry.seq).where(AuditEntry.entity == "outcome").order_by(AuditEntry.seq.desc()).limit(1)
        )
        - 1
    )
    assert keep < last
    _sql(session, "DELETE FROM audit_entry WHERE seq > :k", k=keep)
    row = session.scalar(select(AuditEntry).where(AuditEntry.seq == keep))
    _sql(session, "UPDATE audit_head SET seq=:s, hash=:h", s=keep, h=row.hash)
    r = audit.verify(session, rows=False)
    assert r.ok  # the chain alone cannot see it…
    _problem(session, f"检查结果 #{out_id}", "未发现问题")  # …the replay does
    assert session.get(AuditHead, 1).seq == keep


def test_cli_audit_verify_names_the_row(cli, db, filled):
    rc, out, err = cli("--json", "audit", "verify")
    assert rc == 0, err
    assert json.loads(out)["head_short"].startswith("No.")
    _obj, out_id = filled
    import sqlite3
    from contextlib import closing

    from app.paths import sqlite_path

    with closing(sqlite3.connect(sqlite_path(db.url))) as con:
        con.execute("UPDATE outcome SET result='未发现问题' WHERE id=?", (out_id,))
        con.commit()
    rc, out, err = cli("--json", "audit", "verify")
    assert rc == 1 and f"检查结果 #{out_id}" in err
    assert json.loads(out)["rows"][0]["id"] == str(out_id)


def test_seal_digest_is_the_digest_of_the_logged_values_for_every_column_type(session):
    """The seal hashes raw row values (speed, issue 19); replay hashes their JSON round trip: the same text."""
    from datetime import date

    from app.models import Inspector

    make_object(
        session,
        name="全类型公司（测试）",
        pollution_types=["废水", "废气"],
        special_situations=[],
        key_polluter=True,
        registration_date=date(2015, 3, 5),
        tags=["园区企业"],
        phone="",
    )
    session.add(Inspector(name="张三", cert_no="14052500001", expertise=["大气"], years=None, on_duty=False))
    session.commit()
    for entity in ("inspection_object", "inspector", "user_account"):
        table = audit._tables()[entity]
        rows = session.connection().execute(select(table)).mappings().all()
        assert rows
        for row in rows:
            assert audit._row_digest(table, row) == audit._digest(audit._row_values(table, row))


def test_the_seal_holds_each_rows_digest_of_its_logged_values(session):
    from app.models import Inspector

    make_object(session, name="封存公司", pollution_types=["废水"], registration_date=None)
    session.add(Inspector(name="李四", cert_no="14052500002", expertise=[]))
    session.commit()
    for entity in ("inspection_object", "inspector", "user_account"):  # user_account: a redacted column
        table = audit._tables()[entity]
        sealed = audit._seal(session, entity).after["rows"]
        current = session.connection().execute(select(table)).mappings().all()
        assert sealed == {audit._row_pk(table, r): audit._digest(audit._row_values(table, r)) for r in current}


# --- the seal of a bulk import covers the rows it wrote, hashed from the values written (issue 19) -------------


def _rich_file(tmp_path, rows: list[dict], name="名录.xlsx"):
    """An object file in the import template's columns (every column type: lists, booleans, dates, numbers)."""
    from datetime import date

    from openpyxl import Workbook

    from app.services.pools import pools

    wb = Workbook()
    ws = wb.active
    ws.append([h for _k, h in pools.OBJECT_COLUMNS])
    for i, r in enumerate(rows):
        out = []
        for k, _h in pools.OBJECT_COLUMNS:
            v = r.get(k, "")
            if k == "registration_date":
                v = date(2010 + i % 9, 3, 5) if i % 2 else None  # a date or blank
            if isinstance(v, bool):
                v = "是" if v else "否"
            elif isinstance(v, list):
                v = "、".join(v)
            elif k == "phone":
                v = int(v)  # typed into Excel: comes back as a number
            out.append(v)
        ws.append(out)
    path = tmp_path / name
    wb.save(path)
    return path


def test_the_import_seal_holds_the_written_rows_with_the_digests_of_their_stored_values(session, tmp_path):
    """Digests computed from the values being written equal those of the rows as read back from the file, for
    every column type; an untouched older row is not in the seal (it has its own 新增 entry)."""
    from app.services.demo import demo
    from app.services.pools import importer

    old = make_object(session, name="早已在库公司")
    base = demo.build_objects(5, 40)
    rep = importer.run_import(session, "objects", _rich_file(tmp_path, base[:30]))
    assert rep.inserted == 30, rep.errors
    session.commit()
    changed = [dict(r, address=r["address"] + "（新址）", tags=["园区企业"]) for r in base[20:30]]
    importer.run_import(session, "objects", _rich_file(tmp_path, changed + base[30:], "第二批.xlsx"))
    session.commit()
    table = InspectionObject.__table__
    current = {
        audit._row_pk(table, r): audit.values_digest(audit._row_values(table, r).values())
        for r in session.connection().execute(select(table)).mappings()
    }
    seals = [json.loads(a) for a in session.scalars(select(AuditEntry.after).where(AuditEntry.action == audit.SEAL))]
    assert len(seals) == 2
    first, second = (s["rows"] for s in seals)
    assert len(first) == 30 and len(second) == 20 and str(old.id) not in first | second
    for pk, digest in second.items():  # 10 updated (old values + changes), 10 new
        assert current[pk] == digest
    assert audit.verify(session).ok, audit.verify(session).message


def test_a_row_changed_after_an_import_is_reported(session, tmp_path):
    from app.services.demo import demo
    from app.services.pools import importer

    importer.run_import(session, "objects", _rich_file(tmp_path, demo.build_objects(6, 12)))
    session.commit()
    assert audit.verify(session).ok, audit.verify(session).message
    victim = session.scalar(select(InspectionObject).order_by(InspectionObject.id.desc()).limit(1))
    _sql(
        session,
        "UPDATE inspection_object SET pollution_types='[]', key_polluter=1 - key_polluter WHERE id=:i",
        i=victim.id,
    )
    r = _problem(session, f"检查对象 #{victim.id}", "封存")
    assert [p.entity_id for p in r.rows] == [str(victim.id)]


def test_a_row_slipped_in_before_an_import_is_still_reported_after_it(session, tmp_path, filled):
    """The seal vouches for the rows the import wrote, not for a row inserted behind the program before it."""
    from app.services.demo import demo
    from app.services.pools import importer

    cols = [c.name for c in InspectionObject.__table__.columns if c.name not in ("id", "uscc", "name")]
    _sql(
        session,
        f"INSERT INTO inspection_object (uscc, name, {', '.join(cols)}) "
        f"SELECT '91140525MA0XXXXX1X', '幽灵公司', {', '.join(cols)} FROM inspection_object LIMIT 1",
    )
    importer.run_import(session, "objects", _rich_file(tmp_path, demo.build_objects(7, 5)))
    session.commit()
    _problem(session, "幽灵公司", "没有任何记录")


def test_a_database_sealed_whole_table_still_verifies(session):
    """A 封存 entry of the older form (every row of the table) is still replayed: a later change is caught."""
    obj = make_object(session, name="整表封存公司")
    session.commit()
    audit.seal(session, "inspection_object")
    session.commit()
    assert audit.verify(session).ok
    _sql(session, "UPDATE inspection_object SET address='别处' WHERE id=:i", i=obj.id)
    _problem(session, "整表封存公司", "封存")
