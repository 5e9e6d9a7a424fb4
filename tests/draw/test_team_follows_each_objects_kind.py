"""Each drawn object's team follows its own kind (industry, pollution types), whatever was assigned before it.

The team builder caches the per-kind rule checks; a plain object (no industry, no pollution type) assigned
first must not lend its checks to the next object: a metal works still gets the officer whose 业务专长 is
metal products, a hazardous-waste site still gets its expert and a waste officer (issue 22: mutants of the
cache key in TeamState._assign survived the earlier run and were wrongly listed as equivalent).
"""

from __future__ import annotations

from app.services.draw import algorithm as da
from tests.factories import make_uscc

SEED = "16180339887498948482045"
OFFICERS = [f"1400{i:04d}" for i in range(6)]


def _ids_in_ticket_order(n: int) -> list[str]:
    return da.ticket_order(SEED, [make_uscc(90_000 + i) for i in range(n)])


def _last_in_team_order() -> str:
    """The officer who comes up last in the team order (the order is drawn from the seed over all people)."""
    order = da.ticket_order(SEED + da.TEAM_SEED_SUFFIX, sorted([*OFFICERS, "E1"]))
    return [p for p in order if p != "E1"][-1]


def _draw(kinds: list[dict], expertise: dict[str, list[str]], experts=None, rules=None) -> dict:
    """One stratum holding every object (all drawn), the objects assigned in the order given."""
    ids = _ids_in_ticket_order(len(kinds))
    objects = [dict(kind, id=u, name=f"企业{n}", township="城关镇") for n, (u, kind) in enumerate(zip(ids, kinds))]
    people = [
        {"id": p, "name": f"执法员{p[-2:]}", "cert": p, "kind": "执法人员", "expertise": expertise.get(p, [])}
        for p in OFFICERS
    ]
    for pid, terms in (experts if experts is not None else {"E1": ["危险废物"]}).items():
        people.append({"id": pid, "name": f"专家{pid}", "cert": "", "kind": "专家", "expertise": terms})
    snapshot = da.build_snapshot(
        office="测试县",
        period="2026Q1",
        task=None,
        policy_id="zezhou-2024",
        strata=[
            {
                "category": "一般监管对象",
                "stratum": "全部",
                "mode": "现场",
                "ratio": "100%",
                "required": len(objects),
                "objects": objects,
            }
        ],
        people=people,
        rules=rules,
    )
    result = da.compute_draw(snapshot, SEED)
    teams = {e["uscc"]: [m["id"] for m in e["team"]] for e in result["strata"][0]["selected"]}
    return {"ids": ids, "teams": teams, "result": result}


def test_a_metal_works_after_a_plain_object_still_gets_the_metal_expert_officer():
    metal_officer = _last_in_team_order()  # the last to come up: only a match brings them forward
    kinds = [{"industry": "", "pollution_types": []}, {"industry": "金属制品业", "pollution_types": []}]
    out = _draw(kinds, {metal_officer: ["金属制品"]})
    plain, metal = out["ids"]
    assert metal_officer not in out["teams"][plain]
    assert metal_officer in out["teams"][metal]


def test_a_hazardous_waste_site_after_a_plain_object_still_gets_its_expert_and_waste_officer():
    waste_officer = _last_in_team_order()
    kinds = [{"industry": "", "pollution_types": []}, {"industry": "", "pollution_types": ["危废"]}]
    out = _draw(kinds, {waste_officer: ["危险废物"]})
    plain, waste = out["ids"]
    assert "E1" not in out["teams"][plain]
    assert "E1" in out["teams"][waste]
    assert waste_officer in out["teams"][waste]


def test_the_same_kind_twice_gets_the_same_preference():
    metal_officer = _last_in_team_order()
    kinds = [{"industry": "金属制品业", "pollution_types": []}] * 2
    out = _draw(kinds, {metal_officer: ["金属制品"]})
    assert all(metal_officer in t for t in out["teams"].values())


def test_the_expert_is_chosen_for_the_special_pollution_type_only():
    """An expert joins for the types in expert_for (危废 here); one who knows only the site's other pollution
    (废水) is passed over for the hazardous-waste expert, even when they come first in team order."""
    order = [p for p in da.ticket_order(SEED + da.TEAM_SEED_SUFFIX, sorted([*OFFICERS, "E1", "E2"])) if p[0] == "E"]
    water, waste = order  # `water` comes up first
    kinds = [{"industry": "", "pollution_types": ["危废", "废水"]}]
    out = _draw(kinds, {}, experts={water: ["水污染防治"], waste: ["危险废物"]})
    (team,) = out["teams"].values()
    assert waste in team and water not in team


def test_an_expert_for_type_without_synonyms_still_finds_its_expert():
    """expert_for may name a pollution type the synonym table does not list; its expert is matched on the name."""
    kinds = [{"industry": "", "pollution_types": ["油烟"]}]
    rules = {"expert_for": ["油烟"]}
    out = _draw(kinds, {}, experts={"E1": ["噪声"], "E2": ["油烟"]}, rules=rules)
    (team,) = out["teams"].values()
    assert "E2" in team and "E1" not in team


def test_without_expert_required_a_site_lacking_its_expert_keeps_its_officers_and_is_not_listed():
    """expert_required is off by default: no expert available is no problem to report."""
    kinds = [{"industry": "", "pollution_types": ["危废"]}]
    out = _draw(kinds, {}, experts={})
    (team,) = out["teams"].values()
    assert len(team) == 2 and out["result"]["unassigned"] == []
    required = _draw(kinds, {}, experts={}, rules={"expert_required": True})
    (team,) = required["teams"].values()
    assert len(team) == 2
    assert [u["reason"] for u in required["result"]["unassigned"]] == ["需要专家但没有符合条件的专家（危废）"]
