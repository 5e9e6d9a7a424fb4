"""The pure draw algorithm: tickets equal Rivest's consistent_sampler, docs vectors, verifier, team rules."""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from consistent_sampler import sampler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.draw import algorithm as da
from tests.factories import make_uscc

ROOT = Path(__file__).resolve().parents[2]
SEED = "31415926535897932384626"


def _pool(n_objects=30, n_officers=8, seed=1, experts=2):
    rnd = random.Random(seed)
    us = [make_uscc(10_000 + seed * 1000 + i) for i in range(n_objects)]
    objs = [
        {
            "id": u,
            "name": f"企业{i}",
            "industry": rnd.choice(["金属制品业", "化学原料和化学制品制造业", ""]),
            "township": rnd.choice(["城关镇", "南村镇", "北岭乡"]),
            "pollution_types": rnd.sample(["废气", "废水", "危废", "辐射", "噪声"], rnd.randint(0, 2)),
        }
        for i, u in enumerate(us)
    ]
    half = n_objects * 2 // 3
    strata = [
        {
            "category": "重点监管对象",
            "stratum": "重点管理",
            "mode": "现场",
            "ratio": "25%",
            "required": 4,
            "objects": objs[:half],
        },
        {
            "category": "一般监管对象",
            "stratum": "正面清单",
            "mode": "非现场",
            "ratio": "10%",
            "required": 2,
            "objects": objs[half:],
        },
    ]
    people = [
        {
            "id": f"1400{i:04d}",
            "name": f"执法员{i}",
            "cert": f"1400{i:04d}",
            "kind": "执法人员",
            "expertise": rnd.sample(["大气", "水", "固废", "辐射"], 1),
            "region": rnd.choice(["城关镇", "南村镇"]),
            "avoid": rnd.sample(us, 2),
        }
        for i in range(n_officers)
    ]
    people += [
        {
            "id": f"E{i}",
            "name": f"专家{i}",
            "cert": "",
            "kind": "专家",
            "expertise": ["危险废物", "辐射"],
            "region": "",
            "avoid": [],
        }
        for i in range(experts)
    ]
    return strata, people


def _snapshot(strata, people, rules=None):
    return da.build_snapshot(
        office="测试县", period="2026Q1", task=None, policy_id="zezhou-2024", strata=strata, people=people, rules=rules
    )


def _record(snapshot, seed=SEED):
    res = da.compute_draw(snapshot, seed)
    rec = {
        "format": da.RECORD_FORMAT,
        "algorithm": da.ALGORITHM,
        "draw_id": 1,
        "office": snapshot["office"],
        "period": snapshot["period"],
        "task": None,
        "policy_id": snapshot["policy_id"],
        "snapshot": snapshot,
        "fingerprint": da.fingerprint(snapshot),
        "seed": seed,
        "seed_source": "骰子",
        "witnesses": ["甲"],
        "frozen_at": "",
        "drawn_at": "",
        "drawn_by": "admin",
        "chain_seq": 1,
        "previous_hash": "0" * 64,
        **res,
    }
    rec["record_hash"] = da.record_hash(rec)
    rec["amendments"] = []
    return rec


# ---------------------------------------------------------------- tickets vs the reference sampler


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=40, unique=True),
    seed=st.text(min_size=1, max_size=30),
)
def test_ticket_order_equals_consistent_sampler(ids, seed):
    ref = list(sampler(ids, seed=seed, output="tuple"))
    assert da.ticket_order(seed, ids) == [t[1] for t in ref]
    assert [da.trim(da.ticket_number(seed, t[1])) for t in ref] == [t[0] for t in ref]


def test_take_n_equals_sampler_take_on_usccs():
    ids = [make_uscc(50_000 + i) for i in range(500)]
    for seed in ("01382438112797316654", "99999999999999999999", "00000000000000000001"):
        assert da.ticket_order(seed, ids)[:17] == list(sampler(ids, seed=seed, take=17, output="id"))


def test_rivest_doc_examples():
    assert (
        da.ticket_number("01382438112797316654", "AB-130")
        == "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
    )
    assert da.ticket_order("314159", ["ab-1", "ab-2", "cd-1", "ef-3"]) == ["cd-1", "ef-3", "ab-1", "ab-2"]


# ---------------------------------------------------------------- docs vectors


def _doc_vectors():
    text = (ROOT / "docs" / "draw-algorithm.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- vector -->\s*```json\n(.*?)\n```", text, re.S)
    return [json.loads(b) for b in blocks]


def test_docs_have_vectors():
    names = {v["name"] for v in _doc_vectors()}
    assert {"rivest-first-ticket", "rivest-sampler-example", "uscc-10-take-3", "snapshot-and-teams"} <= names


@pytest.mark.parametrize("vector", _doc_vectors(), ids=lambda v: v["name"])
def test_docs_vector(vector):
    seed = vector["seed"]
    if "ids" in vector:
        for oid, ticket in vector["tickets"].items():
            full = da.ticket_number(seed, oid)
            assert ticket in (full, da.trim(full))
        ref = [t[1] for t in sampler(vector["ids"], seed=seed, output="tuple")]
        if "order" in vector:
            assert da.ticket_order(seed, vector["ids"]) == vector["order"] == ref
        if "selection" in vector:
            assert vector["selection"] == ref[: vector["take"]]
    if "snapshot" in vector:
        snap = vector["snapshot"]
        assert da.fingerprint(snap) == vector["fingerprint"]
        res = da.compute_draw(snap, seed)
        got = [
            [s["stratum"], [[e["uscc"], e["ticket"], [m["name"] for m in e["team"]]] for e in s["selected"]]]
            for s in res["strata"]
        ]
        assert got == vector["selection"]


# ---------------------------------------------------------------- determinism


def test_same_seed_and_pool_give_same_result_in_any_row_order():
    strata, people = _pool()
    a = _snapshot(strata, people)
    shuffled = copy.deepcopy(strata)
    for s in shuffled:
        random.Random(7).shuffle(s["objects"])
        for o in s["objects"]:
            o["pollution_types"] = list(reversed(o["pollution_types"]))
    people2 = list(reversed(copy.deepcopy(people)))
    b = _snapshot(shuffled, people2)
    assert da.canonical(a) == da.canonical(b)
    assert da.fingerprint(a) == da.fingerprint(b)
    assert da.compute_draw(a, SEED) == da.compute_draw(b, SEED)


def test_one_changed_digit_changes_the_draw():
    strata, people = _pool(n_objects=60)
    snap = _snapshot(strata, people)
    base = da.compute_draw(snap, SEED)
    for i in range(len(SEED)):
        other = SEED[:i] + str((int(SEED[i]) + 1) % 10) + SEED[i + 1 :]
        res = da.compute_draw(snap, other)
        assert [e["uscc"] for s in res["strata"] for e in s["selected"]] != [
            e["uscc"] for s in base["strata"] for e in s["selected"]
        ], f"digit {i}"


def test_snapshot_canonical_json_is_compact_utf8_sorted():
    strata, people = _pool(n_objects=12)
    text = da.canonical(_snapshot(strata, people))
    assert ", " not in text and ": " not in text and "\\u" not in text and "企业0" in text
    assert text.index('"format"') < text.index('"office"') < text.index('"people"')


def test_seed_rules():
    assert da.check_seed("12345678901234567890") == "12345678901234567890"
    with pytest.raises(ValueError, match="至少需要 20 位"):
        da.check_seed("1234567890123456789")
    with pytest.raises(ValueError, match="非数字"):
        da.check_seed("1234567890123456789a")
    with pytest.raises(ValueError, match="非数字"):
        da.check_seed("１２３４５６７８９０１２３４５６７８９０")  # full-width digits
    assert da.check_seed("123", generated=True) == "123"


def test_snapshot_refusals():
    strata, people = _pool(n_objects=12)
    dup = copy.deepcopy(strata)
    dup[1]["objects"].append(dup[0]["objects"][0])
    with pytest.raises(ValueError, match="同时出现在分层"):
        _snapshot(dup, people)
    too_many = copy.deepcopy(strata)
    too_many[1]["required"] = 99
    with pytest.raises(ValueError, match="应抽 99 家"):
        _snapshot(too_many, people)
    empty = [dict(s, objects=[], required=0) for s in strata]
    with pytest.raises(ValueError, match="没有需要抽取的对象"):
        _snapshot(empty, people)
    with pytest.raises(ValueError, match="重复"):
        _snapshot(strata, people + [people[0]])


# ---------------------------------------------------------------- team rules (property tests)


def _people_strategy():
    person = st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["执法人员", "执法人员", "执法人员", "专家"]),
            "has_cert": st.booleans(),
            "expertise": st.lists(st.sampled_from(["大气", "水", "固废", "危险废物", "辐射"]), max_size=2),
            "region": st.sampled_from(["城关镇", "南村镇", "北岭乡"]),
            "avoid": st.lists(st.integers(0, 19), max_size=6),
        }
    )
    return st.lists(person, min_size=2, max_size=14)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=_people_strategy(),
    cross=st.booleans(),
    cap=st.integers(0, 4),
    k=st.integers(2, 3),
    seed=st.text(alphabet="0123456789", min_size=20, max_size=24),
    nreq=st.integers(1, 8),
)
def test_team_rules_hold(spec, cross, cap, k, seed, nreq):
    strata, _ = _pool(n_objects=20, seed=3)
    strata[0]["required"] = min(nreq, len(strata[0]["objects"]))
    us = [o["id"] for s in strata for o in s["objects"]]
    people = []
    for i, p in enumerate(spec):
        cert = f"14{i:06d}" if (p["kind"] == "执法人员" and p["has_cert"]) else ""
        people.append(
            {
                "id": cert or f"P{i}",
                "name": f"人员{i}",
                "cert": cert,
                "kind": p["kind"],
                "expertise": p["expertise"],
                "region": p["region"],
                "avoid": [us[j] for j in p["avoid"]],
            }
        )
    rules = {"cross_region": cross, "cap_per_inspector": cap, "officers_per_team": k}
    snap = _snapshot(strata, people, rules)
    res = da.compute_draw(snap, seed)
    objects = {o["id"]: o for s in snap["strata"] for o in s["objects"]}
    person = {p["id"]: p for p in snap["people"]}
    load: dict[str, int] = {}
    unassigned = {u["uscc"] for u in res["unassigned"]}
    for s in res["strata"]:
        assert len(s["selected"]) == s["required"]
        for e in s["selected"]:
            obj = objects[e["uscc"]]
            if e["uscc"] in unassigned and not e["team"]:
                continue  # never a team of one
            ids = [m["id"] for m in e["team"]]
            assert len(ids) == len(set(ids))
            officers = [person[i] for i in ids if person[i]["kind"] == "执法人员"]
            assert len(officers) == k and all(p["cert"] for p in officers)
            for i in ids:
                p = person[i]
                assert obj["id"] not in p["avoid"]
                if cross:
                    assert p["region"] != obj["township"]
                load[i] = load.get(i, 0) + 1
            special = set(obj["pollution_types"]) & {"辐射", "危废"}
            experts = [i for i in ids if person[i]["kind"] == "专家"]
            assert len(experts) <= (1 if special else 0)  # an expert joins when one is eligible; never required
            assert e["uscc"] not in unassigned  # expert_required is off by default
            for _pid, reason in e["skips"]:
                assert reason in (
                    "回避",
                    "异地交叉：与对象同属一地",
                    "无执法证号",
                    "专长不符（优先安排专长匹配人员）",
                    "已在本组或被替换",
                )
    for pid, n in load.items():
        limit = res["caps"]["执法人员" if person[pid]["kind"] == "执法人员" else "专家"]
        assert n <= limit
        if cap:
            assert n <= cap


def test_expertise_preferred_where_possible():
    us = [make_uscc(70_000 + i) for i in range(1)]
    strata = [
        {
            "category": "重点",
            "stratum": "重点",
            "mode": "现场",
            "ratio": "100%",
            "required": 1,
            "objects": [{"id": us[0], "name": "甲", "industry": "", "township": "", "pollution_types": ["废水"]}],
        }
    ]
    people = [
        {
            "id": f"C{i}",
            "name": f"人{i}",
            "cert": f"C{i}",
            "kind": "执法人员",
            "expertise": ["水"] if i == 5 else ["大气"],
            "region": "",
            "avoid": [],
        }
        for i in range(6)
    ]
    res = da.compute_draw(_snapshot(strata, people), SEED)
    team = [m["id"] for m in res["strata"][0]["selected"][0]["team"]]
    assert "C5" in team and len(team) == 2


def test_too_few_inspectors_names_the_objects():
    strata, people = _pool(n_objects=12, n_officers=2, experts=1)
    for p in people:
        p["avoid"] = []
    people[0]["avoid"] = [o["id"] for s in strata for o in s["objects"]]
    res = da.compute_draw(_snapshot(strata, people), SEED)
    assert res["unassigned"] and all("不足" in u["reason"] or "专家" in u["reason"] for u in res["unassigned"])
    named = {u["uscc"] for u in res["unassigned"]}
    for s in res["strata"]:
        for e in s["selected"]:
            assert (e["team"] == []) == (e["uscc"] in named)


# ---------------------------------------------------------------- verification and tampering


def test_verify_record_ok_and_each_tampering_caught():
    strata, people = _pool()
    rec = _record(_snapshot(strata, people))
    assert da.verify_record(rec) == []

    def broken(mutate):
        r = copy.deepcopy(rec)
        mutate(r)
        out = da.verify_record(r)
        assert out and isinstance(out[0], str)
        return out[0]

    assert "指纹不符" in broken(lambda r: r["snapshot"]["strata"][0]["objects"].pop())
    assert "重新计算" in broken(
        lambda r: r.__setitem__("seed", "1" + r["seed"][1:] if r["seed"][0] != "1" else "2" + r["seed"][1:])
    )
    assert "分层" in broken(lambda r: r["strata"][0]["selected"].reverse())
    assert "分层" in broken(lambda r: r["strata"][0]["selected"][0].__setitem__("ticket", "0.1"))
    assert "记录哈希" in broken(lambda r: r["witnesses"].append("假见证人"))
    assert "随机种子无效" in broken(lambda r: r.__setitem__("seed", "12345"))
    assert "算法版本" in broken(lambda r: r.__setitem__("algorithm", "other"))
    assert "规则 R03" in broken(lambda r: r.pop("snapshot"))


def test_amendments_replay_and_chain():
    strata, people = _pool()
    rec = _record(_snapshot(strata, people))
    victim = rec["strata"][0]["selected"][1]["uscc"]
    entry = da.plan_replacement(rec["snapshot"], rec["seed"], [], victim, "已注销")
    assert entry["rank"] == rec["strata"][0]["required"] + 1
    order = da.ticket_order(rec["seed"], [o["id"] for o in rec["snapshot"]["strata"][0]["objects"]])
    assert entry["uscc"] == order[rec["strata"][0]["required"]]

    def add(r, a):
        a = dict(
            a,
            seq=len(r["amendments"]) + 1,
            prev=r["amendments"][-1]["hash"] if r["amendments"] else r["record_hash"],
            at="2026-01-05T01:00:00Z",
            by="admin",
        )
        a["hash"] = da.amendment_hash(a)
        r["amendments"].append(a)

    add(rec, {"kind": "对象替换", "uscc": victim, "reason": "已注销", "replacement": entry})
    target = rec["strata"][0]["selected"][0]
    old = target["team"][0]
    out = da.plan_member_replacement(rec["snapshot"], rec["seed"], rec["amendments"], target["uscc"], old["id"])
    add(
        rec,
        {
            "kind": "人员替换",
            "uscc": target["uscc"],
            "old": old,
            "new": out["member"],
            "skips": out["skips"],
            "at_cap": out["at_cap"],
            "reason": "生病",
            "approver": "局长",
        },
    )
    add(rec, {"kind": "确认"})
    assert da.verify_record(rec) == []
    current = da.current_selection(rec)
    assert victim not in {e["uscc"] for e in current} and entry["uscc"] in {e["uscc"] for e in current}
    assert out["member"] in next(e for e in current if e["uscc"] == target["uscc"])["team"]

    deleted = copy.deepcopy(rec)
    del deleted["amendments"][0]
    assert "序号" in da.verify_record(deleted)[0]
    forged = copy.deepcopy(rec)
    forged["amendments"][0]["replacement"]["uscc"] = order[-1]
    assert "哈希不符" in da.verify_record(forged)[0]
    rehashed = copy.deepcopy(forged)
    a = rehashed["amendments"][0]
    a["hash"] = da.amendment_hash(a)
    assert da.verify_record(rehashed)  # chain to the next amendment broken, or the recomputation differs
    with pytest.raises(ValueError, match="注销/迁出/停产/无法联系"):
        da.plan_replacement(rec["snapshot"], rec["seed"], [], victim, "不想查")


# ---------------------------------------------------------------- the standalone verifier


def test_shipped_verifier_is_generated_from_the_algorithm():
    shipped = (ROOT / "resources" / "verifier" / "ssj_verify.py").read_text(encoding="utf-8")
    assert shipped == da.verifier_source()
    imports = set(re.findall(r"^\s*(?:import|from)\s+([\w.]+)", shipped, re.M))
    assert imports <= {"__future__", "hashlib", "json", "os", "sys", "re", "inspect", "collections", "itertools"}


def test_standalone_verifier_runs_with_plain_python(tmp_path):
    python = shutil.which("python3")
    assert python
    strata, people = _pool()
    rec = _record(_snapshot(strata, people))
    good = tmp_path / "rec.json"
    good.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    script = tmp_path / "ssj_verify.py"
    shutil.copy(ROOT / "resources" / "verifier" / "ssj_verify.py", script)
    ok = subprocess.run([python, "-I", str(script), str(good)], capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "校验通过" in ok.stdout and rec["record_hash"] in ok.stdout
    rec["strata"][0]["selected"][0]["team"].reverse()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([python, "-I", str(script), str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1 and "校验失败" in out.stderr and "第 1 个被抽中对象" in out.stderr
    # identical verdicts from the app's algorithm and the shipped script
    assert da.verify_record(rec)[0] in out.stderr


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 3000), limit=st.integers(0, 400), seed=st.text(alphabet="0123456789", min_size=20, max_size=22))
def test_first_required_shortcut_equals_the_full_order(n, limit, seed):
    ids = [f"91{k:016d}" for k in range(n)]
    lows = da._low_keys(da.sha256_text(seed), ids)
    full = da._order_positions(seed, ids, lows)
    assert [ids[j] for j in full] == da.ticket_order(seed, ids)
    assert da._order_positions(seed, ids, lows, min(limit, n)) == full[: min(limit, n)]
