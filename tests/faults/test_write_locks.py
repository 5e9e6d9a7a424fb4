"""Issue 13 point 5: short write locks — the draw audits its rows as ONE entry carrying a digest."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.models import AuditEntry
from app.models.draw import DrawSelection, TeamMember
from app.services.draw.draws import selection_digest
from app.services.foundation import audit
from app.services.foundation.context import Actor, acting_as
from tests.factories import make_inspector, make_object, make_uscc

SEED = "27182818284590452353602874"


def test_a_draw_writes_a_handful_of_audit_entries_not_one_per_row(db, admin_cli):
    from app.services.rules import policies

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for i in range(300):
            make_object(s, uscc=make_uscc(700_000 + i), permit_class=["重点管理", "简化管理", "登记管理"][i % 3])
        for j in range(8):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1407{j:04d}")
        s.commit()
        before = s.scalar(select(func.count(AuditEntry.id)))
    rc, out, err = admin_cli(
        "--json", "draw", "--period", "2026Q1", "--seed", SEED, "--witness", "张三", "--witness", "李四"
    )
    assert rc == 0, err
    with db.Session() as s:
        added = s.scalar(select(func.count(AuditEntry.id))) - before
        rows = s.scalars(select(DrawSelection)).all()
        team = s.scalars(select(TeamMember)).all()
        assert len(rows) >= 10 and len(team) >= 2 * len(rows)
        assert added <= 8, f"{added} audit entries for one draw of {len(rows)} objects"
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "抽取明细"))
        after = json.loads(entry.after)
        assert after["rows"] == len(rows) and after["team_rows"] == len(team)
        sel = [
            {c: getattr(r, c) for c in ("id", "uscc", "name", "category", "stratum", "mode", "ticket", "rank")}
            for r in rows
        ]
        members = [
            {"selection_id": t.selection_id, "name": t.name, "cert": t.cert, "role": t.role, "extra": t.extra}
            for t in team
        ]
        assert after["digest"] == selection_digest(sel, members), "the digest is recomputable from the tables"
        assert audit.verify(s).ok
    rc, out, _ = admin_cli("verify", "--chain")
    assert rc == 0, out
