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


def test_the_record_spliced_from_parts_serialized_outside_the_lock_is_the_canonical_record():
    """The draw serializes its snapshot and result (megabytes at 100,000 objects) outside the write lock and
    only splices them into the record inside it: byte for byte what `algo.canonical` gives, so the record
    hash and every verifier agree."""
    from app.services.draw import algorithm as algo
    from app.services.draw.draws import canonical_with

    snap = {"office": "测试县\u0000大队", "strata": [{"k": 1.5, "名": ["乙", "甲"]}], "z": None, "a": True}
    result = {"strata": [{"selected": [{"uscc": "9114", "team": []}]}], "caps": {"x": 2}, "unassigned": []}
    record = {"format": 2, "snapshot": snap, "chain_seq": 7, "previous_hash": "ab", "é": "\u2028", **result}
    texts = {"snapshot": algo.canonical(snap), **{k: algo.canonical(v) for k, v in result.items()}}
    assert canonical_with(record, texts) == algo.canonical(record)
    assert canonical_with(result, texts) == algo.canonical(result)
