"""Objects whose tickets agree in their first nine digits (issue 22, survivor 5).

The draw sorts on the first nine ticket digits; when two objects share them, consistent_sampler (the reference)
orders them by the full 64-digit ticket. With ~45,000 objects such a tie is likely, so a large county meets it:
the object with the lower full ticket must be drawn first, whatever the row order, exactly as the reference does.

The pairs below were found by hashing make_uscc(0 … 149,999) with SEED; in each "reversed" pair the object with
the larger code (later in the snapshot, which sorts objects by code) has the lower full ticket, so a stable sort
on the nine digits alone puts them the wrong way round.
"""

from __future__ import annotations

import random
from itertools import islice

from consistent_sampler import sampler

from app.services.draw import algorithm as da
from tests.draw.records import new_record
from tests.factories import make_uscc

SEED = "20261201000000000001"
# (earlier code, later code): the later code's full ticket is lower
REVERSED_LOW = (make_uscc(102536), make_uscc(107377))  # 0.8639571013… tickets
REVERSED_HIGH = (make_uscc(92531), make_uscc(137160))  # 0.9828382509…: the highest tickets of the pools below
IN_ORDER = (make_uscc(16075), make_uscc(45972))  # 0.6165358577…: the earlier code has the lower full ticket
TIED = [*REVERSED_LOW, *REVERSED_HIGH, *IN_ORDER]


def _reference(ids) -> list[str]:
    return list(sampler(list(ids), seed=SEED, output="id"))


def _others(n: int) -> list[str]:
    """n codes whose tickets are below the REVERSED_HIGH pair's (so that pair ends the order)."""
    limit = da.ticket_number(SEED, REVERSED_HIGH[1])
    out, k = [], 300_000
    while len(out) < n:
        u = make_uscc(k)
        if da.ticket_number(SEED, u) < limit:
            out.append(u)
        k += 1
    return out


def test_the_pairs_share_nine_digits_and_differ_in_the_full_ticket():
    for a, b in (REVERSED_LOW, REVERSED_HIGH, IN_ORDER):
        ta, tb = da.ticket_number(SEED, a), da.ticket_number(SEED, b)
        assert ta[:11] == tb[:11] and ta != tb  # "0." and the same first nine digits
    assert da.ticket_number(SEED, REVERSED_LOW[1]) < da.ticket_number(SEED, REVERSED_LOW[0])
    assert da.ticket_number(SEED, REVERSED_HIGH[1]) < da.ticket_number(SEED, REVERSED_HIGH[0])
    assert da.ticket_number(SEED, IN_ORDER[0]) < da.ticket_number(SEED, IN_ORDER[1])


def test_a_tied_pair_alone_is_ordered_by_its_full_tickets_in_either_row_order():
    a, b = REVERSED_LOW
    assert da.ticket_order(SEED, [a, b]) == [b, a] == _reference([a, b])
    assert da.ticket_order(SEED, [b, a]) == [b, a]
    c, d = IN_ORDER
    assert da.ticket_order(SEED, [d, c]) == [c, d] == _reference([d, c])


def test_two_tied_pairs_next_to_each_other_are_both_ordered():
    ids = sorted([*REVERSED_LOW, *REVERSED_HIGH])  # the two pairs are neighbours in the ticket order
    expected = [REVERSED_LOW[1], REVERSED_LOW[0], REVERSED_HIGH[1], REVERSED_HIGH[0]]
    assert da.ticket_order(SEED, ids) == expected == _reference(ids)


def test_ties_among_other_objects_follow_the_reference_in_any_row_order():
    ids = _others(40) + TIED
    expected = _reference(ids)
    assert expected[-2:] == [REVERSED_HIGH[1], REVERSED_HIGH[0]]  # a tie at the very end of the order
    rnd = random.Random(7)
    for order in (sorted(ids), sorted(ids, reverse=True), rnd.sample(ids, len(ids)), rnd.sample(ids, len(ids))):
        assert da.ticket_order(SEED, order) == expected


def test_the_first_required_shortcut_keeps_the_tie_order():
    """_first_ranked with a limit ranks only the lowest tickets; a tie inside or at the cut keeps its order."""
    ids = sorted(_others(40) + TIED)
    full = _reference(ids)
    lows = da._low_keys(da.sha256_text(SEED), ids)
    for limit in range(1, len(ids)):
        positions = da._order_positions(SEED, ids, lows, limit)
        assert [ids[p] for p in positions] == full[:limit], limit


def _pool_snapshot(strata_objects: list[list[str]], required: list[int], officers: int = 6, rules=None) -> dict:
    strata = [
        {
            "category": "一般监管对象",
            "stratum": f"分层{i + 1}",
            "mode": "现场",
            "ratio": "",
            "required": req,
            "objects": [{"id": u, "name": f"企业{u[-6:]}", "township": "城关镇"} for u in objs],
        }
        for i, (objs, req) in enumerate(zip(strata_objects, required, strict=True))
    ]
    people = [
        {"id": f"1400{i:04d}", "name": f"执法员{i}", "cert": f"1400{i:04d}", "kind": "执法人员", "region": ""}
        for i in range(officers)
    ]
    return da.build_snapshot(
        office="测试县", period="2026Q1", task=None, policy_id="zezhou-2024", strata=strata, people=people, rules=rules
    )


def test_a_draw_of_one_from_a_tied_pair_takes_the_lower_full_ticket():
    a, b = REVERSED_LOW
    result = da.compute_draw(_pool_snapshot([[a, b]], [1]), SEED)
    (picked,) = result["strata"][0]["selected"]
    assert picked["uscc"] == b
    assert picked["ticket"] == da.trim(da.ticket_number(SEED, b))


def test_a_draw_cut_inside_a_larger_pool_takes_the_reference_sample():
    ids = _others(40) + TIED
    full = _reference(ids)
    cut = full.index(REVERSED_LOW[1]) + 1  # the cut falls between the two objects of the pair
    result = da.compute_draw(_pool_snapshot([ids], [cut], officers=2 * cut), SEED)
    selected = result["strata"][0]["selected"]
    assert [e["uscc"] for e in selected] == full[:cut]
    assert [e["rank"] for e in selected] == list(range(1, cut + 1))
    assert selected[-1]["ticket"] == da.trim(da.ticket_number(SEED, REVERSED_LOW[0]))  # same nine digits


def test_tied_objects_in_two_strata_get_their_teams_in_full_ticket_order():
    """Teams are made for the drawn objects of all strata in ticket order; of two tied objects the one with the
    lower full ticket is served first, so it gets the team it would get if it were drawn alone (each person may
    serve once here, so the other object gets the next two people)."""
    a, b = REVERSED_LOW  # b has the lower full ticket
    once = {"cap_per_inspector": 1}
    both = da.compute_draw(_pool_snapshot([[a], [b]], [1, 1], rules=once), SEED)
    b_alone = da.compute_draw(_pool_snapshot([[b]], [1], rules=once), SEED)
    a_alone = da.compute_draw(_pool_snapshot([[a]], [1], rules=once), SEED)
    team = {e["uscc"]: [m["id"] for m in e["team"]] for s in both["strata"] for e in s["selected"]}
    first_b = [m["id"] for m in b_alone["strata"][0]["selected"][0]["team"]]
    first_a = [m["id"] for m in a_alone["strata"][0]["selected"][0]["team"]]
    assert first_a == first_b  # the first team served does not depend on the object here
    assert team[b] == first_b and team[a] != first_b
    # the same pair the other way round over the strata: still b first
    swapped = da.compute_draw(_pool_snapshot([[b], [a]], [1, 1], rules=once), SEED)
    team2 = {e["uscc"]: [m["id"] for m in e["team"]] for s in swapped["strata"] for e in s["selected"]}
    assert team2 == team


def test_records_with_tied_tickets_pass_the_verifier():
    a, b = REVERSED_LOW
    once = {"cap_per_inspector": 1}
    for snapshot in (_pool_snapshot([[a, b]], [1]), _pool_snapshot([[a], [b]], [1, 1], rules=once)):
        record = new_record(snapshot, SEED)
        assert da.verify_record(record) == []


def test_tied_objects_at_first_rank_of_larger_strata_match_the_independent_verifier():
    """With a tie among the drawn objects, every drawn object is served in full-ticket order (each with its own
    full ticket, not its neighbour's): the result equals the independent implementation's."""
    from tests.draw import independent_verifier as iv

    a, b = REVERSED_LOW
    floor = da.ticket_number(SEED, a)
    codes = (make_uscc(k) for k in range(400_000, 500_000))
    others = list(islice((u for u in codes if da.ticket_number(SEED, u) > floor), 6))  # a, b first in their strata
    once = {"cap_per_inspector": 1}
    snapshot = _pool_snapshot([[a, *others[:3]], [b, *others[3:]]], [3, 3], officers=12, rules=once)
    result = da.compute_draw(snapshot, SEED)
    assert [s["selected"][0]["uscc"] for s in result["strata"]] == [a, b]
    reference = iv.Draw(snapshot, SEED, 2).result()
    assert result == reference
