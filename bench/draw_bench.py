"""Draw over 100,000 objects in 4 strata with 200 inspectors vs the bare hashlib.sha256 loop, same run.

    .venv/bin/python bench/draw_bench.py

Prints: the baseline (one sha256 per object id, nothing else), the ticket ordering alone (and within it the
ticket hashes alone, the floor of any exact ticket computation), the whole draw (tickets for every stratum,
selection, teams for every drawn object; and the part that is not tickets) and the freeze (canonical
snapshot + fingerprint), each with its ratio to the baseline. Target: draw ≤ 2× baseline.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services.draw import algorithm as algo  # noqa: E402

N = 100_000
SIZES = (10_000, 20_000, 30_000, 40_000)
RATIOS = ((1, 4), (9, 50), (1, 20), (1, 200))  # 25 %, 18 %, 5 %, 0.5 %
SEED = "27182818284590452353602874713526"


def build():
    rnd = random.Random(1)
    ids = [f"91{rnd.randrange(10**15):015d}X" for _ in range(N)]
    assert len(set(ids)) == N
    strata, start = [], 0
    for k, (size, (num, den)) in enumerate(zip(SIZES, RATIOS)):
        objs = [
            {
                "id": i,
                "name": f"企业{j}",
                "industry": rnd.choice(["金属制品业", "化学原料和化学制品制造业", "电力"]),
                "township": rnd.choice(["城关镇", "南村镇", "北岭乡", "东关街道"]),
                "pollution_types": rnd.sample(["废气", "废水", "固废", "危废", "噪声"], 2),
            }
            for j, i in enumerate(ids[start : start + size])
        ]
        strata.append(
            {
                "category": f"类别{k}",
                "stratum": f"分层{k}",
                "mode": "现场",
                "ratio": f"{num}/{den}",
                "required": (num * size + den - 1) // den,
                "objects": objs,
            }
        )
        start += size
    people = [
        {
            "id": f"1400{i:04d}",
            "name": f"执法员{i}",
            "cert": f"1400{i:04d}",
            "kind": "执法人员",
            "expertise": rnd.sample(["大气", "水", "固废", "噪声"], 1),
            "region": rnd.choice(["城关镇", "南村镇"]),
            "avoid": rnd.sample(ids, 3),
        }
        for i in range(180)
    ]
    people += [
        {
            "id": f"E{i:03d}",
            "name": f"专家{i}",
            "cert": "",
            "kind": "专家",
            "expertise": ["危险废物"],
            "region": "",
            "avoid": [],
        }
        for i in range(20)
    ]
    return ids, strata, people


def timed(fn, repeat=3):
    best = None
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None or dt < best else best
    return best, out


def main() -> None:
    ids, strata, people = build()

    def baseline():
        sha = hashlib.sha256
        for i in ids:
            sha(i.encode("utf-8")).hexdigest()

    base, _ = timed(baseline)
    freeze, snap = timed(
        lambda: algo.build_snapshot(
            office="基准县", period="2026Q1", task=None, policy_id="bench", strata=strata, people=people
        ),
        repeat=1,
    )
    fp_time, fp = timed(lambda: algo.fingerprint(snap), repeat=1)
    seed_hash = algo.sha256_text(SEED)
    tickets, _ = timed(lambda: [algo._Stratum(SEED, seed_hash, s) for s in snap["strata"]])
    hashes, _ = timed(lambda: [algo._low_keys(seed_hash, [o["id"] for o in s["objects"]]) for s in snap["strata"]])
    full, _ = timed(
        lambda: [algo.ticket_order(SEED, [o["id"] for o in s["objects"]]) for s in snap["strata"]], repeat=1
    )
    draw, result = timed(lambda: algo.compute_draw(snap, SEED), repeat=2)
    drawn = sum(len(s["selected"]) for s in result["strata"])
    print(
        f"objects {N:,} in {len(SIZES)} strata, people {len(people)}, drawn {drawn:,}, "
        f"unassigned {len(result['unassigned'])}"
    )
    print(f"baseline  bare sha256 loop over the ids : {base:8.3f} s   1.00x")
    print(f"tickets   every ticket, first `required`  : {tickets:8.3f} s   {tickets / base:5.2f}x")
    print(
        f"          (of which the ticket hashes alone : {hashes:8.3f} s   {hashes / base:5.2f}x: "
        f"sha256(seed hash + id) -> integer, no ordering)"
    )
    print(f"          (full order of every stratum  : {full:8.3f} s   {full / base:5.2f}x)")
    print(f"draw      tickets + selection + teams   : {draw:8.3f} s   {draw / base:5.2f}x   (target <= 2x)")
    print(f"          (teams and entries, draw - tickets: {draw - tickets:8.3f} s   {(draw - tickets) / base:5.2f}x)")
    print(
        f"freeze    canonical snapshot (+{fp_time:.3f} s fingerprint): {freeze:8.3f} s   "
        f"{(freeze + fp_time) / base:5.2f}x   (once, before the seed; not part of the draw)"
    )


if __name__ == "__main__":
    main()
