"""`verify --chain` compares every stored draw row with its hash-covered record (issue 10, point 7).

Each test edits one column with raw SQL, as someone holding the database file would, and expects the
chain check to name the draw, the object and the column that differs.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.models import DrawSelection, InspectionObject, Inspector, TeamMember
from app.services.draw import draws
from tests.draw.test_draws import SEED, make_pool, strata_of


@pytest.fixture
def drawn(session):
    make_pool(session)
    d = draws.draw_now(session, "2026Q1", None, SEED, strata=strata_of()(session), witnesses=["张见证", "李见证"])
    session.commit()
    assert draws.verify_chain(session)["ok"]
    first = session.scalars(
        select(DrawSelection).where(DrawSelection.draw_id == d.id).order_by(DrawSelection.id)
    ).first()
    return d.id, first.id, first.uscc


def _sql(session, sql, **params):
    session.execute(text(sql), params)
    session.commit()
    session.expire_all()


def _fails(session, *words):
    r = draws.verify_chain(session)
    assert not r["ok"], r
    for w in words:
        assert w in r["message"], r["message"]
    return r["message"]


def test_selection_name_edited(session, drawn):
    draw_id, sel_id, uscc = drawn
    _sql(session, "UPDATE draw_selection SET name='某某无关公司' WHERE id=:i", i=sel_id)
    msg = _fails(session, f"#{draw_id}", uscc, "单位名称", "某某无关公司")
    assert "记录中为" in msg


def test_selection_ticket_edited(session, drawn):
    _draw_id, sel_id, uscc = drawn
    _sql(session, "UPDATE draw_selection SET ticket='0000' WHERE id=:i", i=sel_id)
    _fails(session, uscc, "签号")


def test_selection_object_id_points_to_another_object(session, drawn):
    _draw_id, sel_id, uscc = drawn
    other = session.scalar(select(InspectionObject.id).where(InspectionObject.uscc != uscc).limit(1))
    _sql(session, "UPDATE draw_selection SET object_id=:o WHERE id=:i", o=other, i=sel_id)
    _fails(session, uscc, "检查对象")


def test_team_member_inspector_id_points_to_another_person(session, drawn):
    _draw_id, sel_id, _uscc = drawn
    tm = session.scalars(select(TeamMember).where(TeamMember.selection_id == sel_id).order_by(TeamMember.id)).first()
    other = session.scalar(select(Inspector.id).where(Inspector.id != tm.inspector_id, Inspector.kind == "执法人员"))
    _sql(session, "UPDATE team_member SET inspector_id=:o WHERE id=:i", o=other, i=tm.id)
    _fails(session, tm.name, "人员")


def test_team_member_certificate_edited(session, drawn):
    _draw_id, sel_id, _uscc = drawn
    tm = session.scalars(select(TeamMember).where(TeamMember.selection_id == sel_id).order_by(TeamMember.id)).first()
    _sql(session, "UPDATE team_member SET cert='99999999' WHERE id=:i", i=tm.id)
    _fails(session, "检查组", "99999999")


def test_witnesses_edited(session, drawn):
    draw_id, _sel_id, _uscc = drawn
    _sql(session, "UPDATE draw SET witnesses=:w WHERE id=:i", w='["王冒名"]', i=draw_id)
    _fails(session, "见证人", "王冒名")


def test_replaced_selection_reactivated(session, drawn):
    draw_id, _sel_id, uscc = drawn
    draws.replace_object(session, draw_id, uscc, "已注销")
    session.commit()
    assert draws.verify_chain(session)["ok"]
    _sql(session, "UPDATE draw_selection SET active=1 WHERE draw_id=:d AND uscc=:u", d=draw_id, u=uscc)
    _fails(session, uscc)


def test_deleted_team_member(session, drawn):
    _draw_id, sel_id, uscc = drawn
    _sql(session, "DELETE FROM team_member WHERE id=(SELECT max(id) FROM team_member WHERE selection_id=:s)", s=sel_id)
    _fails(session, uscc, "检查组")
