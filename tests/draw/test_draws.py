"""The draw state machine on a real database: lifecycle, refusals, chain, replacement, tampering."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select, text

from app.models import Draw, DrawSelection, TeamMember
from app.models.core import AuditEntry
from app.services.draw import algorithm as da
from app.services.draw import documents as draw_documents
from app.services.draw import draws
from app.services.foundation import audit
from app.services.foundation.errors import UserError
from tests.factories import make_inspector, make_object

SEED = "12345678901234567890"
SEED2 = "98765432109876543210"
W = ["张三（监察室）", "李四（企业代表）"]  # two distinct witnesses: the ceremony


def make_pool(session, n=30, officers=6, experts=1, order=None):
    objs = []
    idx = list(range(n)) if order is None else order
    for i in idx:
        objs.append(
            make_object(
                session,
                uscc=_uscc(i),
                name=f"企业{i}",
                industry="金属制品业",
                township=["城关镇", "南村镇"][i % 2],
                pollution_types=["危废"] if i % 7 == 0 else ["废气"],
            )
        )
    for j in range(officers):
        make_inspector(
            session,
            name=f"执法员{j}",
            cert_no=f"1405{j:04d}",
            expertise=["大气"] if j % 2 else ["固废"],
            region="城关镇",
        )
    for j in range(experts):
        make_inspector(session, name=f"专家{j}", kind="专家", cert_no="", id_no=f"E{j}", expertise=["危险废物"])
    session.flush()
    return objs


def _uscc(i):
    from tests.factories import make_uscc

    return make_uscc(800_000 + i)


def strata_of(n=30, required=(4, 2)):
    """Two strata over the pool by uscc: the first 24 on-site, the rest 非现场."""
    from app.models import InspectionObject

    def objs(session):
        rows = session.scalars(select(InspectionObject)).all()
        rows = sorted(rows, key=lambda o: o.uscc)
        cut = n * 4 // 5
        return [
            {
                "category": "重点监管对象",
                "stratum": "重点管理",
                "mode": "现场",
                "ratio": "25%",
                "required": required[0],
                "objects": [draws._object_dict(o) for o in rows[:cut]],
            },
            {
                "category": "一般监管对象",
                "stratum": "正面清单",
                "mode": "非现场",
                "ratio": "100%",
                "required": required[1],
                "objects": [draws._object_dict(o) for o in rows[cut:]],
            },
        ]

    return objs


def test_lifecycle_and_audit(session):
    make_pool(session)
    d = draws.start(session, "2026Q1", strata=strata_of()(session))
    assert d.state == "已冻结" and len(d.fingerprint) == 64 and d.seed == ""
    assert da.fingerprint(json.loads(d.snapshot)) == d.fingerprint
    draws.perform(session, d.id, SEED, witnesses=["张三", "李四"])
    assert d.state == "已抽取" and d.seed == SEED and d.witnesses == ["张三", "李四"]
    rec = draws.record_of(d)
    assert rec["previous_hash"] == "0" * 64 and rec["chain_seq"] == 1 and rec["record_hash"] == d.record_hash
    assert da.verify_record(rec) == []
    rows = session.scalars(select(DrawSelection).where(DrawSelection.draw_id == d.id)).all()
    assert len(rows) == 6 and {r.mode for r in rows} == {"现场", "非现场"}
    assert all(r.object_id for r in rows)
    members = session.scalars(select(TeamMember)).all()
    assert len([m for m in members if m.role == "执法人员"]) == 12
    draws.confirm(session, d.id)
    assert d.state == "已确认" and d.confirmed_by == "admin"
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.entity == "draw"))]
    for a in ("新建抽取", "冻结", "抽取", "确认"):
        assert a in actions
    assert draws.verify_chain(session)["ok"]
    assert audit.verify(session).ok


def test_same_result_on_a_fresh_database_in_any_row_order(tmp_path):
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database

    records = []
    for k, order in enumerate([list(range(30)), list(reversed(range(30)))]):
        database = open_database(f"sqlite:///{tmp_path / f'db{k}.sqlite3'}")
        with acting_as(Actor("admin", "管理员")), database.Session() as s:
            init_office(s, name="测试县", level="county", admin="admin", admin_password="admin123")
            make_pool(s, order=order)
            d = draws.draw_now(s, "2026Q1", None, SEED, strata=strata_of()(s), witnesses=W)
            s.commit()
            records.append(draws.record_of(d))
        database.dispose()
    a, b = records
    assert a["fingerprint"] == b["fingerprint"] and a["strata"] == b["strata"] and a["record_hash"] != ""
    assert {k: v for k, v in a.items() if k not in ("frozen_at", "drawn_at", "record_hash")} == {
        k: v for k, v in b.items() if k not in ("frozen_at", "drawn_at", "record_hash")
    }


def test_refusals(session):
    make_pool(session)
    s = strata_of()(session)
    d = draws.start(session, "2026Q1", strata=s)
    with pytest.raises(UserError, match="已有抽取"):
        draws.start(session, "2026Q1", strata=s)
    with pytest.raises(UserError, match="至少需要 20 位"):
        draws.perform(session, d.id, "123456789", witnesses=W)
    with pytest.raises(UserError, match="非数字"):
        draws.perform(session, d.id, "1234567890123456789O", witnesses=W)
    assert d.state == "已冻结" and d.seed == ""
    with pytest.raises(UserError, match="只有“已抽取”"):
        draws.confirm(session, d.id)
    draws.perform(session, d.id, SEED, witnesses=W)
    with pytest.raises(UserError, match="只能输入一次"):
        draws.perform(session, d.id, SEED2, witnesses=W)
    with pytest.raises(UserError, match="必须填写原因"):
        draws.void(session, d.id, "  ")
    draws.void(session, d.id, "见证人未到场")
    assert d.state == "已作废" and d.void_reason == "见证人未到场" and d.voided_by == "admin"
    # voided stays visible, a new draw is allowed but needs a new seed
    d2 = draws.start(session, "2026Q1", strata=s)
    with pytest.raises(UserError, match="已在抽取 #1"):
        draws.perform(session, d2.id, SEED, witnesses=W)
    draws.perform(session, d2.id, SEED2, witnesses=W)
    draws.confirm(session, d2.id)
    with pytest.raises(UserError, match="已有抽取 #2已确认"):
        draws.start(session, "2026Q1", strata=s)
    with pytest.raises(UserError, match="不能作废"):
        draws.void(session, d2.id, "想重抽")
    listed = draws.list_draws(session)
    assert [r["state"] for r in listed] == ["已作废", "已确认"]
    chain = draws.verify_chain(session)
    assert chain["ok"] and chain["count"] == 2
    r1, r2 = (draws.record_of(x) for x in (d, d2))
    assert r2["previous_hash"] == r1["record_hash"] and r2["chain_seq"] == 2


def test_generated_seed_is_long_digits_and_accepted(session):
    make_pool(session)
    seed = draws.generate_seed()
    assert len(seed) == 24 and seed.isdigit()
    d = draws.draw_now(
        session, "2026Q1", None, seed, seed_source="计算机生成", strata=strata_of()(session), witnesses=W
    )
    assert draws.record_of(d)["seed_source"] == "计算机生成"


def test_too_few_inspectors(session):
    make_pool(session, officers=1)
    with pytest.raises(UserError, match="只有 1 名"):
        draws.start(session, "2026Q1", strata=strata_of()(session))


def test_freeze_names_objects_the_hard_rules_leave_without_a_team(session):
    objs = make_pool(session, officers=2)
    from app.models import Inspector

    first = session.scalars(select(Inspector).where(Inspector.kind == "执法人员")).first()
    first.avoid_usccs = [objs[3].uscc]
    session.flush()
    with pytest.raises(UserError) as exc:
        draws.start(session, "2026Q1", strata=strata_of()(session))
    assert "凑不齐检查组" in exc.value.message and "企业3" in exc.value.message
    assert exc.value.details[0]["统一社会信用代码"] == objs[3].uscc


def test_objects_without_valid_team_are_named_and_nothing_stored(session):
    """A cap-induced shortage only shows after the seed: the draw is refused, nothing stored.

    Three of five officers step aside (回避) for both objects: each object alone has two officers (the
    freeze check passes), but with a cap of 1 the first object drawn takes both and the second has none."""
    for i in range(2):
        make_object(session, uscc=_uscc(i), name=f"危废企业{i}", pollution_types=["危废"])
    for j in range(5):
        avoid = [_uscc(0), _uscc(1)] if j < 3 else []
        make_inspector(session, name=f"执法员{j}", cert_no=f"1405{j:04d}", avoid_usccs=avoid)
    draws.set_team_rules(session, {"cap_per_inspector": 1})
    strata = strata_of(n=2, required=(2, 0))(session)
    strata[0]["objects"] += strata[1]["objects"]
    strata = strata[:1]
    d = draws.start(session, "2026Q1", strata=strata)
    with pytest.raises(UserError) as exc:
        draws.perform(session, d.id, SEED, witnesses=W)
    assert "无法组成有效检查组" in exc.value.message and "危废企业" in exc.value.message and exc.value.details
    assert "执法人员不足" in exc.value.details[0]["原因"]
    assert d.state == "已冻结" and d.seed == "" and d.record == ""
    assert session.scalars(select(DrawSelection)).all() == []
    with pytest.raises(UserError, match="少于 2"):
        draws.set_team_rules(session, {"officers_per_team": 1})
    # the refused attempt is logged (by the caller, in its own transaction) and its seed is burnt
    draws.record_failed_attempt(session, exc.value)
    entry = draws.failed_attempt(session, SEED)
    assert entry is not None and entry.action == "抽取未成功" and SEED in entry.summary
    draws.set_team_rules(session, {"cap_per_inspector": 2})
    with pytest.raises(UserError, match="未成功的抽取"):
        draws.perform(session, d.id, SEED, witnesses=W)
    with pytest.raises(UserError, match="无法组成有效检查组"):  # the frozen snapshot keeps its rules (cap 1)
        draws.perform(session, d.id, SEED2, witnesses=W)
    draws.void(session, d.id, "人员不足，调整上限后重新冻结")
    d2 = draws.start(session, "2026Q1", strata=strata)
    with pytest.raises(UserError, match="未成功的抽取"):
        draws.perform(session, d2.id, SEED, witnesses=W)
    draws.perform(session, d2.id, SEED2, witnesses=W)
    assert d2.state == "已抽取" and draws.record_of(d2)["snapshot"]["rules"]["cap_per_inspector"] == 2


def test_empty_pool_refused(session):
    make_pool(session)
    with pytest.raises(UserError, match="没有需要抽取的对象"):
        draws.start(
            session,
            "2026Q1",
            strata=[
                {"category": "重点", "stratum": "重点", "mode": "现场", "ratio": "25%", "required": 0, "objects": []}
            ],
        )
    assert session.scalars(select(Draw)).all() == [] or all(x.state == "草稿" for x in session.scalars(select(Draw)))


def test_replacement_of_object_and_member(session):
    make_pool(session)
    d = draws.draw_now(session, "2026Q1", None, SEED, strata=strata_of()(session), witnesses=W)
    rec = draws.record_of(d)
    victim = rec["strata"][0]["selected"][2]["uscc"]
    with pytest.raises(UserError, match="注销/迁出/停产/无法联系"):
        draws.replace_object(session, d.id, victim, "不方便")
    a = draws.replace_object(session, d.id, victim, "经核实已注销")
    new = a["replacement"]
    assert new["rank"] == 5 and new["team"]
    with pytest.raises(UserError, match="不是本次抽取中有效"):
        draws.replace_object(session, d.id, victim, "已注销")
    old_row = session.scalar(select(DrawSelection).where(DrawSelection.uscc == victim))
    assert old_row.active is False and old_row.replaced_reason == "经核实已注销"
    new_row = session.scalar(select(DrawSelection).where(DrawSelection.uscc == new["uscc"]))
    assert new_row.replacement_of_id == old_row.id and new_row.rank == 5
    target = rec["strata"][0]["selected"][0]
    person = target["team"][0]["name"]
    with pytest.raises(UserError, match="批准"):
        draws.replace_member(session, d.id, target["uscc"], person, "生病", "")
    with pytest.raises(UserError, match="原因"):
        draws.replace_member(session, d.id, target["uscc"], person, "", "局长")
    m = draws.replace_member(session, d.id, target["uscc"], person, "住院", "王局长")
    assert m["new"]["name"] != person and m["approver"] == "王局长"
    tm = session.scalar(
        select(TeamMember).where(TeamMember.name == m["new"]["name"], TeamMember.approved_by == "王局长")
    )
    assert tm is not None and tm.replacement_of_id is not None
    rec = draws.record_of(d)
    assert da.verify_record(rec) == [] and rec["record_hash"] == d.record_hash  # the chain hash never changes
    assert [x["kind"] for x in rec["amendments"]] == ["对象替换", "人员替换"]
    draws.confirm(session, d.id)
    assert draws.verify_chain(session)["ok"]


def _tamper(session, sql, **params):
    session.execute(text(sql), params)
    session.flush()
    session.expire_all()


@pytest.fixture
def three_draws(session):
    make_pool(session)
    s = strata_of()(session)
    ids = []
    for k, seed in enumerate((SEED, SEED2, "55555555555555555555")):
        d = draws.draw_now(session, f"2026Q{k + 1}", None, seed, strata=s, witnesses=W)
        ids.append(d.id)
    session.commit()
    assert draws.verify_chain(session)["ok"]
    return ids


def test_tamper_edited_snapshot(session, three_draws):
    d = session.get(Draw, three_draws[0])
    snap = json.loads(d.snapshot)
    snap["strata"][0]["objects"].pop()
    _tamper(session, "UPDATE draw SET snapshot=:s WHERE id=:i", s=da.canonical(snap), i=d.id)
    r = draws.verify_chain(session)
    assert not r["ok"] and "快照" in r["message"] and r["draw_id"] == d.id


def test_tamper_edited_snapshot_with_new_fingerprint(session, three_draws):
    d = session.get(Draw, three_draws[1])
    snap = json.loads(d.snapshot)
    snap["strata"][0]["objects"].pop()
    _tamper(
        session,
        "UPDATE draw SET snapshot=:s, fingerprint=:f WHERE id=:i",
        s=da.canonical(snap),
        f=da.fingerprint(snap),
        i=d.id,
    )
    r = draws.verify_chain(session)
    assert not r["ok"] and "#2" in r["message"]


def test_tamper_result(session, three_draws):
    d = session.get(Draw, three_draws[0])
    res = json.loads(d.result)
    res["strata"][0]["selected"].reverse()
    _tamper(session, "UPDATE draw SET result=:r WHERE id=:i", r=da.canonical(res), i=d.id)
    r = draws.verify_chain(session)
    assert not r["ok"] and "抽取结果" in r["message"]


def test_tamper_record_reordered_list_even_with_recomputed_hash(session, three_draws):
    d = session.get(Draw, three_draws[2])  # the chain head: caught by the audit log
    rec = json.loads(d.record)
    rec["strata"][0]["selected"].reverse()
    _tamper(session, "UPDATE draw SET record=:r WHERE id=:i", r=da.canonical(rec), i=d.id)
    r = draws.verify_chain(session)
    assert not r["ok"] and "第 1 个被抽中对象" in r["message"]
    # a forger recomputing the result for another seed and the record hash is caught too
    forged = json.loads(d.record)
    forged["strata"][0]["selected"].reverse()
    forged["seed"] = "77777777777777777777"
    res = da.compute_draw(forged["snapshot"], forged["seed"])
    forged.update(res)
    forged["record_hash"] = da.record_hash(forged)
    _tamper(
        session,
        "UPDATE draw SET record=:r, seed=:s, record_hash=:h, result=:res WHERE id=:i",
        r=da.canonical(forged),
        s=forged["seed"],
        h=forged["record_hash"],
        res=da.canonical(res),
        i=d.id,
    )
    r = draws.verify_chain(session)
    assert not r["ok"] and ("审计日志" in r["message"] or "被抽中对象与抽取记录不一致" in r["message"])


def test_tamper_seed(session, three_draws):
    _tamper(session, "UPDATE draw SET seed=:s WHERE id=:i", s="11111111111111111111", i=three_draws[1])
    r = draws.verify_chain(session)
    assert not r["ok"] and "随机种子" in r["message"]


def test_tamper_deleted_record_in_the_middle_and_at_the_head(session, three_draws):
    _tamper(
        session,
        "DELETE FROM team_member WHERE selection_id IN (SELECT id FROM draw_selection WHERE draw_id=:i)",
        i=three_draws[1],
    )
    _tamper(session, "DELETE FROM draw_selection WHERE draw_id=:i", i=three_draws[1])
    _tamper(session, "DELETE FROM draw WHERE id=:i", i=three_draws[1])
    r = draws.verify_chain(session)
    assert not r["ok"] and "删除" in r["message"]
    session.rollback()
    _tamper(
        session,
        "DELETE FROM team_member WHERE selection_id IN (SELECT id FROM draw_selection WHERE draw_id=:i)",
        i=three_draws[2],
    )
    _tamper(session, "DELETE FROM draw_selection WHERE draw_id=:i", i=three_draws[2])
    _tamper(session, "DELETE FROM draw WHERE id=:i", i=three_draws[2])
    r = draws.verify_chain(session)
    assert not r["ok"] and "审计日志" in r["message"] and "#3" in r["message"]


def test_tamper_selection_rows_and_state(session, three_draws):
    _tamper(
        session,
        "UPDATE draw_selection SET uscc=:u WHERE id=(SELECT min(id) FROM draw_selection WHERE draw_id=:i)",
        u="91140525MA00000000",
        i=three_draws[0],
    )
    r = draws.verify_chain(session)
    assert not r["ok"] and "被抽中对象" in r["message"]
    session.rollback()
    _tamper(session, "UPDATE team_member SET name='假人' WHERE id=(SELECT min(id) FROM team_member)")
    assert "检查组" in draws.verify_chain(session)["message"]
    session.rollback()
    _tamper(session, "UPDATE draw SET state='已确认' WHERE id=:i", i=three_draws[0])
    assert "状态" in draws.verify_chain(session)["message"]


def test_tamper_swapped_records(session, three_draws):
    a, b = (session.get(Draw, i) for i in three_draws[:2])
    ra, rb = a.record, b.record
    _tamper(session, "UPDATE draw SET record=:r WHERE id=:i", r=rb, i=a.id)
    _tamper(session, "UPDATE draw SET record=:r WHERE id=:i", r=ra, i=b.id)
    assert not draws.verify_chain(session)["ok"]


def test_dashboard_items(session):
    items = draws.dashboard_items(session, date(2026, 3, 10))
    assert items[0]["title"] == "本季度待抽取" and items[0]["level"] == "danger" and items[0]["page"] == "draw"
    make_pool(session)
    d = draws.draw_now(session, "2026Q1", None, SEED, strata=strata_of()(session), witnesses=W)
    assert "已抽取" in draws.dashboard_items(session, date(2026, 2, 1))[0]["detail"]
    draws.confirm(session, d.id)
    assert draws.dashboard_items(session, date(2026, 2, 1))[0]["value"] == "已完成"
    from app.services.reports import dashboard

    assert "app.services.draw.draws" in dashboard.PROVIDERS


def test_with_the_rules_engine(session):
    """Through app.services.rules.quota.draw_strata with a shipped preset (the real path)."""
    from app.services.rules import policies

    policies.set_policy(session, "zezhou-2024")
    for i in range(30):
        make_object(
            session,
            uscc=_uscc(i),
            permit_class=["重点管理", "简化管理", "登记管理"][i % 3],
            key_polluter=i % 3 == 0,
            pollution_types=["废气"],
        )
    for j in range(6):
        make_inspector(session, cert_no=f"1406{j:04d}")
    d = draws.draw_now(session, "2026Q1", None, SEED, witnesses=W)
    rec = draws.record_of(d)
    assert da.verify_record(rec) == []
    from app.services.rules.quota import draw_strata

    scopes = draw_strata(session, "2026Q1")
    assert [(s["category"], s["required"], s["pool"]) for s in rec["strata"]] == [
        (sc.category, sc.required, len(sc.objects)) for sc in scopes
    ]


def test_export(session, tmp_path):
    make_pool(session)
    d = draws.start(session, "2026Q1", strata=strata_of()(session))
    files = draw_documents.export(session, d.id, tmp_path / "pre")
    assert set(files) == {"pre_draw_pdf"}
    draws.perform(session, d.id, SEED, witnesses=W)
    files = draw_documents.export(session, d.id, tmp_path / "out")
    assert set(files) == {"json", "pdf", "verifier"}
    rec = json.loads(open(files["json"], encoding="utf-8").read())
    assert da.verify_record(rec) == [] and rec["state"] == "已抽取"
    assert open(files["verifier"], encoding="utf-8").read() == da.verifier_source()


def test_task_draw_through_the_rules_engine(session):
    from app.models.rules import Plan, Task
    from app.services.rules import policies

    policies.set_policy(session, "zezhou-2024")
    for i in range(30):
        make_object(session, uscc=_uscc(i), permit_class="重点管理", key_polluter=True, pollution_types=["废气"])
    for j in range(4):
        make_inspector(session, cert_no=f"1409{j:04d}")
    plan = Plan(year=2026, code="JH-2026-01", name="2026年度抽查计划")
    session.add(plan)
    session.flush()
    task = Task(plan_id=plan.id, code="RW-01", name="重点排污单位检查", draw_type="不定向")
    session.add(task)
    session.flush()
    d = draws.draw_now(session, "2026Q1", task.id, SEED, witnesses=W)
    rec = draws.record_of(d)
    assert rec["task"] == {"id": task.id, "code": "RW-01", "name": "重点排污单位检查", "draw_type": "不定向"}
    assert d.task_id == task.id and da.verify_record(rec) == []
    with pytest.raises(UserError, match="已有抽取"):
        draws.start(session, "2026Q1", task.id)
    with pytest.raises(UserError, match="不存在"):
        draws.start(session, "2026Q1", 999)
    d2 = draws.draw_now(session, "2026Q1", None, SEED2, witnesses=W)  # the office-wide draw is a different draw
    assert draws.record_of(d2)["previous_hash"] == rec["record_hash"]
    items = draws.dashboard_items(session, date(2026, 2, 1))
    assert "RW-01" in items[0]["detail"] and "已抽取" in items[0]["detail"]


def test_no_expert_requirement_by_default_and_never_blocking(session, tmp_path):
    """Issue 12.3: no document requires an expert. By default a 危废/辐射 object without an expert is drawn
    with its two officers; turned on by the office, the object is listed as unassigned for that reason and
    the draw (freeze included) goes ahead for everything else."""
    for i in range(4):
        make_object(session, uscc=_uscc(i), name=f"危废企业{i}", pollution_types=["危废"])
    for j in range(4):
        make_inspector(session, name=f"执法员{j}", cert_no=f"1406{j:04d}")
    assert da.DEFAULT_RULES["expert_required"] is False
    strata = strata_of(n=4, required=(3, 0))(session)
    strata[0]["objects"] += strata[1]["objects"]
    d = draws.draw_now(session, "2026Q1", None, SEED, strata=strata[:1], witnesses=W)
    rec = draws.record_of(d)
    assert rec["unassigned"] == []
    assert all(len(e["team"]) == 2 for e in rec["strata"][0]["selected"])
    draws.void(session, d.id, "改为要求专家后重抽")

    draws.set_team_rules(session, {"expert_required": True})
    make_inspector(session, name="专家甲", kind="专家", cert_no="", id_no="E0", expertise=["危险废物"])
    draws.set_team_rules(session, {"cap_per_inspector": 2})  # the expert can join two objects, not three
    d2 = draws.start(session, "2026Q1", strata=strata[:1])  # freezing is never refused for lack of experts
    draws.perform(session, d2.id, SEED2, witnesses=W)
    rec = draws.record_of(d2)
    assert d2.state == "已抽取"
    [missing] = rec["unassigned"]
    assert "专家" in missing["reason"] and "危废" in missing["reason"]
    entry = next(e for e in rec["strata"][0]["selected"] if e["uscc"] == missing["uscc"])
    assert [m["role"] for m in entry["team"]] == ["执法人员", "执法人员"]
    others = [e for e in rec["strata"][0]["selected"] if e["uscc"] != missing["uscc"]]
    assert all([m["role"] for m in e["team"]] == ["执法人员", "执法人员", "专家"] for e in others)
    assert da.verify_record(draws.export_record(d2)) == []
    # the record PDF lists it for that reason
    pdf = tmp_path / "rec.pdf"
    draw_documents.record_pdf(session, d2.id, pdf)
    import subprocess

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "未配齐检查组" in text and missing["uscc"] in text
    # the object stays drawn and can be replaced like any other
    draws.replace_object(session, d2.id, missing["uscc"], "已注销")
    assert draws.verify_draw_row(session, d2) == ""
    draw_documents.record_pdf(session, d2.id, pdf)
