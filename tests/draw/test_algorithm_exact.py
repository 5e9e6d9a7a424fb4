"""Exact behaviour of the draw algorithm's small parts: messages, boundaries, the verifier's command line.

Written to kill the mutants of app/services/draw/algorithm.py that the vectors and the property tests let
live (docs/mutation-equivalents.md); each test states a behaviour a clerk or an auditor relies on.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from app.services.draw import algorithm as da
from tests.draw import records as R
from tests.draw.make_vectors import expert, industrial_pool, obj, officer, snapshot, stratum

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "docs" / "vectors"
SEED = "20261201000000000001"


def _vector(name: str) -> dict:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))["record"]


# ------------------------------------------------------------------------------------------- tickets, seeds


def test_trim_keeps_leading_nines_and_nine_more_digits():
    assert da.trim("0.9098039269123") == "0.9098039269"
    assert da.trim("0.123456789123") == "0.123456789"
    assert da.trim("0.99999") == "0.99999"
    assert da.trim("0.1234", 2) == "0.12"
    assert da.trim("0.991234567890", 3) == "0.99123"


def test_ticket_number_with_and_without_a_precomputed_seed_hash():
    full = da.ticket_number("314159", "ab-1")
    assert full.startswith("0.9098039269")
    assert da.ticket_number("314159", "ab-1", da.sha256_text("314159")) == full
    assert len(full) >= 66


def test_check_seed_messages():
    assert da.check_seed("1" * 20) == "1" * 20
    assert da.check_seed("12", generated=True) == "12"
    with pytest.raises(ValueError, match="随机种子为空"):
        da.check_seed(None)
    with pytest.raises(ValueError, match="随机种子为空"):
        da.check_seed("")
    with pytest.raises(ValueError, match="非数字字符“a”"):
        da.check_seed("1234a")
    with pytest.raises(ValueError, match="非数字字符“１”"):
        da.check_seed("１" * 20)  # full-width digits are not ASCII
    with pytest.raises(ValueError, match="只有 19 位，至少需要 20 位"):
        da.check_seed("1" * 19)


# ------------------------------------------------------------------------------------------- snapshot


def test_build_snapshot_normalises_and_refuses():
    people = [officer(1, "甲", [" 水 ", "大气", "水"]), officer(0, "乙")]
    objs = [obj(2, "二", types=["废水", " 废气", ""]), obj(1, "一")]
    snap = snapshot(
        [stratum("重点", "重点", 1, objs)],
        people,
        rules={"cap_per_inspector": "3", "expert_for": [" 辐射", "辐射", ""]},
    )
    assert [o["id"] for o in snap["strata"][0]["objects"]] == sorted(o["id"] for o in objs)
    assert snap["strata"][0]["objects"][1]["pollution_types"] == ["废气", "废水"]
    assert [p["id"] for p in snap["people"]] == sorted(p["id"] for p in people)
    assert snap["people"][1]["expertise"] == ["大气", "水"]
    assert snap["rules"]["cap_per_inspector"] == 3 and snap["rules"]["expert_for"] == ["辐射"]
    assert snap["rules"]["expert_required"] is False and snap["format"] == "ssj-snapshot/1"
    assert snap["strata"][0]["mode"] == "现场"
    s2 = da.build_snapshot(
        office="o",
        period="2026Q1",
        task={"id": 1, "code": "c", "name": "n", "draw_type": "定向", "x": 1},
        policy_id=None,
        strata=[dict(stratum("a", "b", 1, objs), mode="")],
        people=people,
    )
    assert s2["task"] == {"id": 1, "code": "c", "name": "n", "draw_type": "定向"} and s2["policy_id"] == ""
    assert s2["strata"][0]["mode"] == "现场"
    with pytest.raises(ValueError, match="不能设为少于 2"):
        snapshot([stratum("a", "b", 1, objs)], people, rules={"officers_per_team": 1})
    with pytest.raises(ValueError, match="不能为负数"):
        snapshot([stratum("a", "b", 1, objs)], people, rules={"cap_per_inspector": -1})
    with pytest.raises(ValueError, match="没有这些项：colour"):
        snapshot([stratum("a", "b", 1, objs)], people, rules={"colour": 1})
    with pytest.raises(ValueError, match="应抽数为负数"):
        snapshot([stratum("a", "b", -1, objs)], people)
    with pytest.raises(ValueError, match="应抽 3 家，但范围内只有 2 家"):
        snapshot([stratum("a", "b", 3, objs)], people)
    with pytest.raises(ValueError, match="缺少统一社会信用代码（空）"):
        snapshot([stratum("a", "b", 1, [dict(objs[0], id=" ", name="空")])], people)
    with pytest.raises(ValueError, match="同时出现在分层“a/b”和“c/d”中"):
        snapshot([stratum("a", "b", 1, objs), stratum("c", "d", 1, objs[:1])], people)
    with pytest.raises(ValueError, match="人员编号“14052500000”重复（乙）"):
        snapshot([stratum("a", "b", 1, objs)], people + [people[1]])
    with pytest.raises(ValueError, match="没有需要抽取的对象"):
        snapshot([stratum("a", "b", 0, objs)], people)


def test_default_rules_are_those_of_the_documents():
    r = da.DEFAULT_RULES
    assert r["officers_per_team"] == 2 and r["match_expertise"] is True and r["avoidance"] is True
    assert r["cross_region"] is False and r["cap_per_inspector"] == 0 and r["expert_required"] is False
    assert r["expert_for"] == ["辐射", "危废"]
    assert r["expertise_synonyms"]["废水"] == ["水", "废水", "水环境", "水污染防治"]
    assert set(r["expertise_synonyms"]) == {"废气", "废水", "固废", "危废", "辐射", "噪声", "土壤"}


# ------------------------------------------------------------------------------------------- matching


def test_expertise_matching_rule():
    syn = da.DEFAULT_RULES["expertise_synonyms"]
    cement = {"industry": "水泥、石灰和石膏制造", "pollution_types": ["废气"]}
    chem = {"industry": "化学原料和化学制品制造业", "pollution_types": ["废水"]}
    assert da.expertise_matches(["大气"], cement, syn)  # synonym of 废气
    assert not da.expertise_matches(["水"], cement, syn)  # one character: never inside the industry
    assert da.expertise_matches(["水泥"], cement, syn)  # two characters inside the industry
    assert da.expertise_matches(["水"], chem, syn)  # synonym of 废水
    assert da.expertise_matches(["化学"], chem, syn)
    assert not da.expertise_matches(["化学原料和化学制品制造业检查"], chem, syn)  # version 2: not the reverse
    assert da.expertise_matches(["化学原料和化学制品制造业检查"], chem, syn, version=1)
    assert da.expertise_matches(["化学原料和化学制品制造业"], chem, syn)
    assert not da.expertise_matches([], chem, syn)
    assert not da.expertise_matches(["噪声"], {"industry": "", "pollution_types": []}, syn)
    assert da.expertise_matches(["x"], {"industry": "x", "pollution_types": []}, syn, version=1)  # v1: equal
    assert not da.expertise_matches(["x"], {"industry": "x", "pollution_types": []}, syn)


# ------------------------------------------------------------------------------------------- verifier


def test_verify_messages_name_the_place():
    rec = _vector("01-basic")
    assert da.verify_record(rec) == []
    bad = copy.deepcopy(rec)
    bad["strata"][0]["selected"][1]["ticket"] = "0.1"
    msg = da.verify_record(bad)[0]
    assert msg.startswith("抽取结果与重新计算不符（分层“重点监管对象/重点排污单位”第 2 个被抽中对象）：")
    assert ".strata[0].selected[1].ticket：重新计算得" in msg and '记录中为 "0.1"' in msg
    bad = copy.deepcopy(rec)
    bad["strata"][0]["selected"].pop()
    assert "应有 3 项，记录中有 2 项" in da.verify_record(bad)[0]
    bad = copy.deepcopy(rec)
    bad["strata"][0]["selected"][0]["extra"] = 1
    assert ".strata[0].selected[0].extra：记录中多出此项" in da.verify_record(bad)[0]
    bad = copy.deepcopy(rec)
    del bad["strata"][0]["selected"][0]["at_cap"]
    assert ".strata[0].selected[0].at_cap：记录中缺少此项" in da.verify_record(bad)[0]
    bad = copy.deepcopy(rec)
    bad["strata"][0]["pool"] = "10"
    assert '分层“重点监管对象/重点排污单位”）：.strata[0].pool：应为 10，记录中为 "10"' in da.verify_record(bad)[0]
    bad = copy.deepcopy(rec)
    bad["caps"]["专家"] += 1
    assert da.verify_record(bad)[0].startswith("抽取结果与重新计算不符（抽取结果）：.caps.专家")
    bad = copy.deepcopy(rec)
    bad["witnesses"] = ["别人"]
    assert da.verify_record(bad)[0] == (
        f"记录哈希不符：重新计算为 {da.record_hash(bad)}，记录中为 {rec['record_hash']}。记录已被改动。"
    )
    bad = copy.deepcopy(rec)
    bad["snapshot"]["people"][0]["name"] = "某"
    assert da.verify_record(bad)[0] == (
        f"对象快照的指纹不符：重新计算为 {da.fingerprint(bad['snapshot'])}，记录（抽取前公示单）为 "
        f"{rec['fingerprint']}。快照已被改动。"
    )
    bad = R.forged(rec, lambda r: r.__setitem__("seed", "123"))
    assert da.verify_record(bad)[0].startswith("随机种子无效：随机种子只有 3 位")
    assert da.verify_record([]) == ["不可能的记录（规则 R01：" + da.RULES["R01"] + "）：记录格式为“list”。"]
    assert "记录格式为“None”" in da.verify_record({})[0]


def test_amendment_chain_messages():
    rec = _vector("07-object-replacement")
    assert da.verify_record(rec) == []
    bad = copy.deepcopy(rec)
    bad["amendments"][1]["seq"] = 5
    assert da.verify_record(bad) == ["第 2 条变更记录的序号为 5，变更记录缺失或顺序被打乱。"]
    bad = copy.deepcopy(rec)
    bad["amendments"][1]["prev"] = "0" * 64
    assert da.verify_record(bad) == ["第 2 条变更记录（对象替换）的前一哈希不符，变更链在此断开。"]
    bad = copy.deepcopy(rec)
    bad["amendments"][0]["reason"] = "已注销。"
    assert da.verify_record(bad) == ["第 1 条变更记录（对象替换）的内容与其哈希不符，已被改动。"]
    bad = R.forged(rec, lambda r: r["amendments"][0]["replacement"].__setitem__("rank", 9))
    assert da.verify_record(bad)[0].startswith("第 1 条变更（替换对象 ")
    assert "与重新计算不符：.replacement.rank：重新计算得 4，记录中为 9" in da.verify_record(bad)[0]
    bad = R.forged(rec, lambda r: r["amendments"][0].__setitem__("reason", "不想查"))
    assert "替换原因须说明对象注销/迁出/停产/无法联系之一，现为“不想查”" in da.verify_record(bad)[0]
    bad = R.forged(rec, lambda r: r.__setitem__("state", "已抽取"))
    assert da.verify_record(bad) == ["记录标明的状态“已抽取”与变更记录不符（应为“已确认”）。"]
    ok = R.forged(rec, lambda r: r.__setitem__("state", "已确认"))
    assert da.verify_record(ok) == []
    m = _vector("08-member-replacement")
    bad = R.forged(m, lambda r: r["amendments"][0].__setitem__("at_cap", 7))
    assert (
        "替换对象 " in da.verify_record(bad)[0]
        and "的检查人员）与重新计算不符：.new.at_cap" in da.verify_record(bad)[0]
    )
    bad = R.forged(m, lambda r: r["amendments"][0].__setitem__("approver", " "))
    assert "规则 R17" in da.verify_record(bad)[0] and "缺少原因或批准人" in da.verify_record(bad)[0]
    bad = R.forged(m, lambda r: r["amendments"][0].__setitem__("uscc", "X"))
    assert da.verify_record(bad)[0] == "记录无法重新计算：对象 X 不是本次抽取中有效的被抽中对象。"
    v = _vector("10-void")
    bad = R.forged(v, lambda r: r["amendments"][1].__setitem__("reason", " "))
    assert "规则 R18" in da.verify_record(bad)[0]


@pytest.mark.parametrize(
    "edit, rule, words",
    [
        (lambda r: r.__setitem__("algorithm", "ssj-draw/3"), "R02", "算法版本为“ssj-draw/3”"),
        (lambda r: r.__setitem__("extra", 1), "R03", "记录多出字段 extra"),
        (lambda r: r.__setitem__("office", 1), "R03", "记录的 office 不是文字"),
        (lambda r: r.__setitem__("draw_id", "1"), "R03", "draw_id 或 chain_seq 不是整数"),
        (lambda r: r.__setitem__("chain_seq", True), "R03", "draw_id 或 chain_seq 不是整数"),
        (lambda r: r.__setitem__("witnesses", [1]), "R03", "witnesses 不是文字列表"),
        (lambda r: r.__setitem__("unassigned", {}), "R03", "unassigned 不是列表"),
        (lambda r: r.__setitem__("state", "草稿"), "R03", "state 为“草稿”"),
        (lambda r: r["snapshot"].__setitem__("extra", 1), "R04", "快照多出字段 extra"),
        (lambda r: r["snapshot"].__setitem__("office", None), "R04", "快照的 office 不是文字"),
        (lambda r: r["snapshot"].__setitem__("task", {"id": 1}), "R04", "快照中的任务缺少字段 code、name、draw_type"),
        (lambda r: r["snapshot"].__setitem__("strata", []), "R05", "快照中没有分层"),
        (lambda r: r["snapshot"]["strata"][0].pop("mode"), "R05", "第 1 个分层缺少字段 mode"),
        (lambda r: r["snapshot"]["strata"][0].__setitem__("ratio", 0.25), "R05", "第 1 个分层的 ratio 不是文字"),
        (lambda r: r["snapshot"]["strata"][0].__setitem__("objects", {}), "R05", "的 objects 不是列表"),
        (lambda r: r["snapshot"]["strata"][0].__setitem__("required", 11), "R05", "应抽 11 家，范围内有 10 家"),
        (lambda r: r["snapshot"]["strata"][0].__setitem__("required", -1), "R05", "应抽 -1 家"),
        (lambda r: r["snapshot"]["strata"][0].__setitem__("required", "3"), "R05", "应抽 '3' 家"),
        (lambda r: [s.__setitem__("required", 0) for s in r["snapshot"]["strata"]], "R05", "各分层应抽数合计为 0"),
        (lambda r: r["snapshot"]["strata"][0]["objects"][0].pop("township"), "R06", "中的对象缺少字段 township"),
        (lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("name", 1), "R06", "中的对象的 name 不是文字"),
        (
            lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("id", " 1"),
            "R06",
            "对象编号为空或带空格（“ 1”）",
        ),
        (lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("id", ""), "R06", "对象编号为空或带空格（“”）"),
        (
            lambda r: r["snapshot"]["strata"][0]["objects"].insert(1, r["snapshot"]["strata"][0]["objects"][0]),
            "R06",
            "第 1、2 项",
        ),
        (
            lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("pollution_types", "废气"),
            "R08",
            "不是文字列表",
        ),
        (lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("pollution_types", [1]), "R08", "不是文字列表"),
        (
            lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("pollution_types", ["废气", "废气"]),
            "R08",
            "“废气”与“废气”重复",
        ),
        (
            lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("pollution_types", [""]),
            "R08",
            "有空白或首尾带空格的项“”",
        ),
        (
            lambda r: r["snapshot"]["strata"][0]["objects"][0].__setitem__("pollution_types", ["废气 "]),
            "R08",
            "首尾带空格的项“废气 ”",
        ),
        (lambda r: r["snapshot"].__setitem__("people", {}), "R09", "people 不是列表"),
        (lambda r: r["snapshot"]["people"][0].pop("avoid"), "R09", "快照中的人员缺少字段 avoid"),
        (lambda r: r["snapshot"]["people"][0].__setitem__("region", None), "R09", "快照中的人员的 region 不是文字"),
        (lambda r: r["snapshot"]["people"][0].__setitem__("id", "1 "), "R09", "有人员编号为空或带空格（“1 ”）"),
        (lambda r: r["snapshot"]["people"][0].__setitem__("kind", "辅助人员"), "R09", "的类别为“辅助人员”"),
        (lambda r: r["snapshot"]["people"][0].__setitem__("avoid", ["b", "a"]), "R08", "的回避名单中“b”与“a”顺序颠倒"),
        (
            lambda r: r["snapshot"]["people"][0].__setitem__("expertise", ["b", "a"]),
            "R08",
            "的业务专长中“b”与“a”顺序颠倒",
        ),
        (lambda r: r["snapshot"]["rules"].pop("avoidance"), "R10", "选派规则缺少字段 avoidance"),
        (lambda r: r["snapshot"]["rules"].__setitem__("avoidance", 1), "R10", "选派规则 avoidance 不是 true/false"),
        (lambda r: r["snapshot"]["rules"].__setitem__("cross_region", 0), "R10", "cross_region 不是 true/false"),
        (lambda r: r["snapshot"]["rules"].__setitem__("match_expertise", None), "R10", "match_expertise 不是"),
        (lambda r: r["snapshot"]["rules"].__setitem__("expert_required", "no"), "R10", "expert_required 不是"),
        (lambda r: r["snapshot"]["rules"].__setitem__("officers_per_team", 1), "R10", "每组执法人员数为 1"),
        (lambda r: r["snapshot"]["rules"].__setitem__("officers_per_team", 2.0), "R10", "每组执法人员数为 2.0"),
        (lambda r: r["snapshot"]["rules"].__setitem__("cap_per_inspector", -1), "R10", "每人上限为 -1"),
        (lambda r: r["snapshot"]["rules"].__setitem__("cap_per_inspector", "2"), "R10", "每人上限为 '2'"),
        (lambda r: r["snapshot"]["rules"].__setitem__("expert_for", ["辐射", "辐射"]), "R10", "expert_for"),
        (lambda r: r["snapshot"]["rules"].__setitem__("expert_for", [""]), "R10", "expert_for"),
        (lambda r: r["snapshot"]["rules"].__setitem__("expert_for", "辐射"), "R10", "expert_for"),
        (lambda r: r["snapshot"]["rules"].__setitem__("expertise_synonyms", []), "R10", "expertise_synonyms"),
        (
            lambda r: r["snapshot"]["rules"]["expertise_synonyms"].__setitem__("废气", ["a", "a"]),
            "R10",
            "expertise_synonyms",
        ),
        (lambda r: r["snapshot"]["rules"]["expertise_synonyms"].__setitem__("废气", [""]), "R10", "expertise_synonyms"),
        (
            lambda r: r["snapshot"]["rules"]["expertise_synonyms"].__setitem__("废气", "大气"),
            "R10",
            "expertise_synonyms",
        ),
        (lambda r: r.__setitem__("period", "2026Q2"), "R11", "记录的 period（2026Q2）与快照中的（2026Q1）不一致"),
        (lambda r: r.__setitem__("task", None), "R11", "记录的 task"),
        (lambda r: r.__setitem__("seed_source", "抽签"), "R12", "种子来源为“抽签”"),
        (lambda r: r.__setitem__("chain_seq", 0), "R13", "chain_seq 为 0"),
        (lambda r: r.__setitem__("previous_hash", "0" * 63), "R13", "previous_hash 为“" + "0" * 63 + "”"),
        (lambda r: r.__setitem__("previous_hash", "A" * 64), "R13", "previous_hash 为“"),
        (lambda r: r.__setitem__("chain_seq", 2), "R13", "chain_seq 为 2，previous_hash 全为 0"),
        (lambda r: r["amendments"].append({"kind": "撤销"}), "R15", "第 1 条变更的类别为“撤销”"),
        (lambda r: r["amendments"].append("确认"), "R15", "第 1 条变更的类别为“None”"),
        (
            lambda r: r["amendments"].append({"kind": "确认", "seq": 1}),
            "R15",
            "第 1 条变更（确认）缺少字段 at、by",
        ),
        (
            lambda r: r["amendments"].append({"kind": "确认", "seq": "1", "prev": "", "at": "", "by": "", "hash": ""}),
            "R15",
            "第 1 条变更的序号不是整数",
        ),
        (
            lambda r: r["amendments"].append({"kind": "确认", "seq": 1, "prev": "", "at": 5, "by": "", "hash": ""}),
            "R15",
            "第 1 条变更（确认）的 at 不是文字",
        ),
    ],
)
def test_each_rule_named_with_its_detail(edit, rule, words):
    rec = _vector("01-basic")
    bad = R.forged(rec, edit)
    msg = da.verify_record(bad)
    assert msg and msg[0].startswith(f"不可能的记录（规则 {rule}：{da.RULES[rule]}）："), msg
    assert words in msg[0], msg[0]


def test_unreadable_records():
    rec = _vector("01-basic")
    bad = copy.deepcopy(rec)
    bad["strata"] = [1]
    assert da.verify_record(bad)[0].startswith("抽取结果与重新计算不符（抽取结果）：.strata[0]：应为 {")
    bad = copy.deepcopy(rec)
    bad["amendments"] = [{"kind": "确认", "seq": 1, "prev": rec["record_hash"], "at": "", "by": "", "hash": "x"}]
    assert da.verify_record(bad) == ["第 1 条变更记录（确认）的内容与其哈希不符，已被改动。"]


# ------------------------------------------------------------------------------------------- teams


def _one(objects, people, rules=None, seed=SEED, required=None):
    snap = snapshot([stratum("重点", "重点", len(objects) if required is None else required, objects)], people, rules)
    return R.new_record(snap, seed)


def test_walk_stops_at_the_first_match_and_records_those_passed_over():
    o = obj(1, "甲", "", types=["废水"])
    people = [officer(i, f"人{i}", ["水"] if i == 5 else ["大气"]) for i in range(6)]
    match = people[5]["id"]
    for k in range(100):  # a seed putting the only matching person fourth or later in team order
        rec = _one([o], people, seed=f"2026120100000000{k:04d}")
        if [p for p, _n, _r in rec["team_order"]].index(match) >= 3:
            break
    e = rec["strata"][0]["selected"][0]
    order = [p for p, _n, _r in rec["team_order"]]
    first = order[0]
    assert [m["id"] for m in e["team"]] == [first, match]
    passed = order[1 : order.index(match)]
    assert e["skips"] == [[p, "专长不符（优先安排专长匹配人员）"] for p in passed]
    assert e["at_cap"] == 0
    # without matching: the first two in team order, nothing recorded
    rec = _one([o], people, {"match_expertise": False}, seed=rec["seed"])
    e = rec["strata"][0]["selected"][0]
    assert [m["id"] for m in e["team"]] == order[:2] and e["skips"] == []


def test_hard_rule_order_and_walk_end():
    o = obj(1, "甲", "", township="城关镇")
    p = [
        officer(0, "无证", cert=False, avoid=[o["id"]], region="城关镇"),
        officer(1, "回避", avoid=[o["id"]], region="城关镇"),
        officer(2, "同地", region="城关镇"),
        officer(3, "甲"),
        officer(4, "乙", region="南村镇"),
        officer(5, "丙", region="南村镇"),
    ]
    for seed in ("20261201000000000001", "20261201000000000002", "20261201000000000003"):
        rec = _one([o], p, {"cross_region": True, "match_expertise": False}, seed=seed)
        e = rec["strata"][0]["selected"][0]
        reasons = dict(e["skips"])
        team = [m["id"] for m in e["team"]]
        assert team and all(t in (p[4]["id"], p[5]["id"]) for t in team)
        order = [q for q, _n, _r in rec["team_order"]]
        last = order.index(team[-1])
        looked = [q for q in order[:last] if q not in team]
        assert [s[0] for s in e["skips"]] == looked  # every person before the last chosen, nobody after
        want = {
            p[0]["id"]: "无执法证号",
            p[1]["id"]: "回避",
            p[2]["id"]: "异地交叉：与对象同属一地",
            p[3]["id"]: "异地交叉：与对象同属一地",
        }
        assert reasons == {q: want[q] for q in looked}
    # 回避 switched off: the avoiding person becomes eligible
    rec = _one([o], [p[1], p[3]], {"avoidance": False})
    assert {m["id"] for m in rec["strata"][0]["selected"][0]["team"]} == {p[1]["id"], p[3]["id"]}


def test_caps_automatic_and_explicit():
    objs = industrial_pool(12)
    people = [officer(i, f"人{i}") for i in range(5)] + [expert(0, "专家")]
    rec = _one(objs, people, required=7)
    special = sum(
        1
        for s in rec["strata"]
        for e in s["selected"]
        for o in rec["snapshot"]["strata"][0]["objects"]
        if o["id"] == e["uscc"] and set(o["pollution_types"]) & {"辐射", "危废"}
    )
    assert rec["caps"] == {"执法人员": -(-2 * 7 // 5) + 1, "专家": special + 1}
    rec = _one(objs, people, {"cap_per_inspector": 4}, required=7)
    assert rec["caps"] == {"执法人员": 4, "专家": 4}
    loads: dict[str, int] = {}
    for e in rec["strata"][0]["selected"]:
        for m in e["team"]:
            loads[m["id"]] = loads.get(m["id"], 0) + 1
    assert max(loads.values()) <= 4
    rec = _one(objs, [officer(i, f"人{i}") for i in range(3)], {"expert_for": []}, required=7)
    assert rec["caps"] == {"执法人员": -(-14 // 3) + 1, "专家": 1}


def test_at_cap_counts_officers_and_experts_together():
    objs = [obj(i, f"企业{i}", types=["危废"]) for i in range(4)]
    people = [officer(i, f"人{i}") for i in range(2)] + [expert(0, "专家甲", ["危险废物"]), expert(1, "专家乙")]
    rec = _one(objs, people, {"cap_per_inspector": 2})
    entries = sorted((e for e in rec["strata"][0]["selected"]), key=lambda e: e["ticket"])
    assert [e["at_cap"] for e in entries[:2]] == [0, 0]
    assert entries[2]["team"] == [] and entries[2]["at_cap"] == 2  # both officers at cap: no team at all
    assert rec["unassigned"][0]["reason"] == "符合条件的执法人员不足 2 名（回避、异地、上限等规则排除后）"


def test_expert_required_reason_and_replacement_keeps_the_flag():
    objs = [obj(i, f"企业{i}", types=["危废", "辐射"]) for i in range(4)]
    people = [officer(i, f"人{i}") for i in range(6)]
    rec = _one(objs, people, {"expert_required": True}, required=2)
    assert [u["reason"] for u in rec["unassigned"]] == ["需要专家但没有符合条件的专家（危废/辐射）"] * 2
    a = R.replace_object(rec, rec["unassigned"][0]["uscc"], "停产")
    assert a["replacement"]["unassigned"] == "需要专家但没有符合条件的专家（危废/辐射）"
    assert a["replacement"]["category"] == "重点" and a["replacement"]["rank"] == 3
    assert da.verify_record(rec) == []
    v1 = R.new_record(rec["snapshot"], SEED, algorithm=da.ALGORITHM_V1)
    assert [u["reason"] for u in v1["unassigned"]] == ["需要危废/辐射专家，但专家库中没有可用的专家"] * 2
    assert all(e["team"] == [] for e in v1["strata"][0]["selected"])
    assert da.teamless(v1) == v1["unassigned"] and da.teamless(rec) == []


def test_replacement_refusals():
    objs = industrial_pool(3)
    people = [officer(i, f"人{i}") for i in range(4)]
    rec = _one(objs, people, {"expert_for": []}, required=2)
    first = rec["strata"][0]["selected"][0]["uscc"]
    with pytest.raises(ValueError, match="不是本次抽取中有效的被抽中对象，不能替换"):
        da.plan_replacement(rec["snapshot"], SEED, [], "X", "停产")
    with pytest.raises(ValueError, match="现为“搬家”"):
        da.plan_replacement(rec["snapshot"], SEED, [], first, "搬家")
    a = R.replace_object(rec, first, "停产")
    with pytest.raises(ValueError, match="的对象已全部抽出，没有可替补的下一张签"):
        R.replace_object(rec, a["replacement"]["uscc"], "停产")
    with pytest.raises(ValueError, match="不是本次抽取中有效的被抽中对象，不能替换"):
        R.replace_object(rec, first, "停产")  # replaced out: no longer current
    with pytest.raises(ValueError, match="不是本次抽取中有效的被抽中对象。"):
        da.plan_member_replacement(rec["snapshot"], SEED, rec["amendments"], first, people[0]["id"])
    e = rec["strata"][0]["selected"][1]
    with pytest.raises(ValueError, match=f"人员 X 不在对象 {e['uscc']} 的检查组中"):
        da.plan_member_replacement(rec["snapshot"], SEED, rec["amendments"], e["uscc"], "X")
    R.replace_member(rec, e["uscc"], e["team"][0]["id"])
    R.replace_member(rec, e["uscc"], e["team"][1]["id"])
    with pytest.raises(ValueError, match=f"对象 {e['uscc']} 没有可替换的执法人员"):
        current = next(c for c in da.current_selection(rec) if c["uscc"] == e["uscc"])
        R.replace_member(rec, e["uscc"], current["team"][0]["id"])
    assert da.verify_record(rec) == []
    with pytest.raises(ValueError, match="算法版本“x”不是本程序支持的版本"):
        da.compute_draw(rec["snapshot"], SEED, "x")


def test_current_selection_follows_the_amendments():
    rec = _vector("07-object-replacement")
    current = da.current_selection(rec)
    replaced = {a["uscc"] for a in rec["amendments"] if a["kind"] == "对象替换"}
    brought = [a["replacement"] for a in rec["amendments"] if a["kind"] == "对象替换"]
    assert not replaced & {e["uscc"] for e in current}
    assert brought[-1]["uscc"] in {e["uscc"] for e in current}
    modes = {e["uscc"]: e["mode"] for e in current}
    assert modes[brought[-1]["uscc"]] == "非现场"
    assert len(current) == sum(s["required"] for s in rec["strata"])
    m = _vector("08-member-replacement")
    swaps = [a for a in m["amendments"] if a["kind"] == "人员替换"]
    team = next(e["team"] for e in da.current_selection(m) if e["uscc"] == swaps[0]["uscc"])
    assert swaps[-1]["new"] in team and swaps[0]["old"] not in team and swaps[1]["old"] not in team


# ------------------------------------------------------------------------------------------- command line


def test_main_in_process(tmp_path, capsys):
    rec = _vector("07-object-replacement")
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    assert da.main([str(path)]) == 0
    out = capsys.readouterr().out
    n = sum(len(s["selected"]) for s in rec["strata"])
    assert out == (
        f"校验通过：{rec['office']} {rec['period']} 抽取记录，种子 {rec['seed']}，快照指纹 {rec['fingerprint']}，"
        f"共抽取 {n} 家，变更 {len(rec['amendments'])} 条，记录哈希 {rec['record_hash']}。\n"
    )
    rec["strata"][0]["selected"][0]["rank"] = 9
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    assert da.main([str(path)]) == 1
    assert capsys.readouterr().err.startswith("校验失败：抽取结果与重新计算不符")
    assert da.main([str(tmp_path / "none.json")]) == 1
    assert "校验失败：无法读取文件" in capsys.readouterr().err
    path.write_text("{", encoding="utf-8")
    assert da.main([str(path)]) == 1
    assert "不是有效的 JSON" in capsys.readouterr().err
    assert da.main([]) == 2 and "用法" in capsys.readouterr().err
    assert da.main(["--help"]) == 0 and "--vectors" in capsys.readouterr().err
    assert da.main(["a", "b"]) == 2


def test_vectors_mode_in_process(tmp_path, capsys):
    assert da.main(["--vectors", str(VECTORS)]) == 0
    out = capsys.readouterr().out
    n = len(list(VECTORS.glob("*.json")))
    assert out.count("符合  ") == n and f"全部符合：共 {n} 个测试向量。" in out
    assert "符合  x07-teamless-object.json（应违反规则 R14）：不可能的记录（规则 R14" in out
    assert "符合  01-basic.json（应通过）：通过" in out
    d = tmp_path / "v"
    d.mkdir()
    assert da.main(["--vectors", str(d)]) == 1
    assert "没有测试向量" in capsys.readouterr().out
    good = json.loads((VECTORS / "x11-two-confirms.json").read_text(encoding="utf-8"))
    good["expect"] = {"rule": "R15"}
    (d / "a.json").write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    valid = json.loads((VECTORS / "01-basic.json").read_text(encoding="utf-8"))
    valid["expect"] = {"rule": "R01"}
    (d / "b.json").write_text(json.dumps(valid, ensure_ascii=False), encoding="utf-8")
    (d / "c.txt").write_text("not a vector", encoding="utf-8")
    assert da.main(["--vectors", str(d)]) == 1
    out = capsys.readouterr().out
    assert "不符  a.json（应违反规则 R15）：不可能的记录（规则 R16" in out
    assert "不符  b.json（应违反规则 R01）：校验通过（应被拒绝）" in out and "有不符：共 2 个测试向量。" in out
    (d / "d.json").write_text("[", encoding="utf-8")
    assert da.main(["--vectors", str(d)]) == 1
    assert "无法读取测试向量目录" in capsys.readouterr().err
    assert da.main(["--vectors", str(tmp_path / "missing")]) == 1


def test_verifier_source_is_the_module_plus_a_main_guard():
    src = da.verifier_source()
    assert src.startswith("#!/usr/bin/env python3\n# ssj_verify.py")
    assert src.endswith('\n\nif __name__ == "__main__":\n    sys.exit(main())\n')
    assert "python ssj_verify.py --vectors" in src.splitlines()[2]


def test_replacements_follow_the_record_version():
    """A replacement in an ssj-draw/1 record is computed under version 1 (checked against the independent
    verifier); on these pools the two versions choose differently."""
    from tests.draw import independent_verifier as iv

    rec = _vector("12-version-1")
    snap, seed = rec["snapshot"], rec["seed"]
    differs = False
    for e in da.current_selection(rec):
        for m in e["team"]:
            d = iv.Draw(snap, seed, 1)
            d.result()
            try:
                v1 = da.plan_member_replacement(snap, seed, [], e["uscc"], m["id"], da.ALGORITHM_V1)
            except ValueError:
                with pytest.raises(iv.Refused):  # nobody left: both refuse
                    d.replace_member(e["uscc"], m)
                continue
            new, skips, at_cap = d.replace_member(e["uscc"], m)
            assert v1 == {"member": new, "skips": skips, "at_cap": at_cap}
            try:
                differs |= v1 != da.plan_member_replacement(snap, seed, [], e["uscc"], m["id"])
            except ValueError:
                differs = True
    assert differs
    metal = [obj(i, f"金属{i}", "金属制品业", types=["废气"]) for i in range(8)]
    people = [officer(0, "张一", ["金属制品业检查"])] + [officer(i, f"人{i}") for i in range(1, 5)]
    snap = snapshot([stratum("重点", "重点", 3, metal)], people, rules={"expert_for": []})
    differs = False
    for k in range(40):
        seed = f"2026120200000000{k:04d}"
        first = da.compute_draw(snap, seed, da.ALGORITHM_V1)["strata"][0]["selected"][0]["uscc"]
        v1 = da.plan_replacement(snap, seed, [], first, "停产", da.ALGORITHM_V1)
        d = iv.Draw(snap, seed, 1)
        d.result()
        assert v1 == d.replace_object(first, "停产")
        try:
            differs |= v1 != da.plan_replacement(snap, seed, [], first, "停产")
        except ValueError:
            differs = True
    assert differs


def test_current_selection_entries():
    rec = _vector("07-object-replacement")
    for e in da.current_selection(rec):
        assert {"uscc", "name", "rank", "ticket", "team", "skips", "at_cap", "category", "stratum", "mode"} <= set(e)
        assert e["category"] in ("重点监管对象", "一般监管对象") and e["mode"] in ("现场", "非现场")
    first = da.current_selection(_vector("01-basic"))[0]
    assert (first["category"], first["stratum"], first["mode"]) == ("重点监管对象", "重点排污单位", "现场")


def test_vectors_mode_shows_why_a_valid_vector_failed(tmp_path, capsys):
    d = tmp_path / "v"
    d.mkdir()
    vector = json.loads((VECTORS / "01-basic.json").read_text(encoding="utf-8"))
    vector["record"]["seed_source"] = "抽签"
    (d / "e.json").write_text(json.dumps(vector, ensure_ascii=False), encoding="utf-8")
    assert da.main(["--vectors", str(d)]) == 1
    out = capsys.readouterr().out
    assert "不符  e.json（应通过）：不可能的记录（规则 R12" in out


def test_verifier_header_exact():
    lines = da.verifier_source().splitlines()
    assert lines[:4] == [
        "#!/usr/bin/env python3",
        "# ssj_verify.py — 双随机抽查工作台 抽取记录校验程序（独立运行，只需 Python 3.8+ 标准库）",
        "# 用法：python ssj_verify.py 抽取记录.json    |    python ssj_verify.py --vectors 测试向量目录",
        "# Generated from app/services/draw/algorithm.py; a test checks they are identical.",
    ]


def test_describe_names_the_stratum_of_a_difference():
    rec = _vector("01-basic")
    bad = copy.deepcopy(rec)
    bad["strata"][1]["required"] = 1
    assert "（分层“特殊监管对象/信访投诉”）：.strata[1].required" in da.verify_record(bad)[0]
    bad = copy.deepcopy(rec)
    bad["team_order"][0][2] = 99
    assert da.verify_record(bad)[0].startswith("抽取结果与重新计算不符（抽取结果）：.team_order[0][2]")


def test_main_exact_output(tmp_path, capsys, monkeypatch):
    usage = (
        "用法：python ssj_verify.py 抽取记录.json\n"
        "      python ssj_verify.py --vectors 测试向量目录\n"
        "重新计算抽取记录：一致时退出码 0，否则退出码 1 并说明第一处不一致。\n"
    )
    assert da.main(["-h"]) == 0 and capsys.readouterr().err == usage
    assert da.main(["--help"]) == 0 and capsys.readouterr().err == usage
    assert da.main([]) == 2 and capsys.readouterr().err == usage
    monkeypatch.setattr("sys.argv", ["ssj_verify.py", "-h"])
    assert da.main() == 0 and capsys.readouterr().err == usage
    missing = tmp_path / "无.json"
    assert da.main([str(missing)]) == 1
    assert capsys.readouterr().err == f"校验失败：无法读取文件 {missing}：No such file or directory\n"
    rec = _vector("x11-two-confirms")
    path = tmp_path / "记录.json"
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    assert da.main([str(path)]) == 1
    assert capsys.readouterr().err == "校验失败：" + da.verify_record(rec)[0] + "\n"
    d = tmp_path / "v"
    d.mkdir()
    for name in ("01-basic", "x11-two-confirms"):
        (d / f"{name}.json").write_text((VECTORS / f"{name}.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert da.main(["--vectors", str(d)]) == 0
    assert capsys.readouterr().out == (
        "符合  01-basic.json（应通过）：通过\n"
        f"符合  x11-two-confirms.json（应违反规则 R16）：{da.verify_record(rec)[0]}\n"
        "全部符合：共 2 个测试向量。\n"
    )


def test_build_snapshot_exact_messages():
    people = [officer(0, "乙"), officer(1, "甲")]
    with pytest.raises(ValueError) as exc:
        snapshot([stratum("a", "b", 1, [dict(obj(1, "一"), id="")])], people)
    assert str(exc.value) == "分层“a/b”中有对象缺少统一社会信用代码（一）。"
    with pytest.raises(ValueError) as exc:
        da.build_snapshot(
            office="o", period="p", task=None, policy_id="", strata=[{"objects": [{"id": ""}]}], people=people
        )
    assert str(exc.value) == "分层“/”中有对象缺少统一社会信用代码（）。"
    with pytest.raises(ValueError) as exc:
        da.build_snapshot(office="o", period="p", task=None, policy_id="", strata=[{"required": 1}], people=people)
    assert str(exc.value) == "分层“/”应抽 1 家，但范围内只有 0 家对象，请检查规则和范围。"
    with pytest.raises(ValueError) as exc:
        snapshot([stratum("a", "b", 1, [obj(1, "一")])], people, rules={"x": 1, "a": 2})
    assert str(exc.value) == "选派规则中没有这些项：a、x。"
    with pytest.raises(ValueError) as exc:
        snapshot([stratum("a", "b", 1, [obj(1, "一")])], people, rules={"officers_per_team": 1})
    assert str(exc.value) == "每个检查组至少需要 2 名持执法证的执法人员，不能设为少于 2。"
    with pytest.raises(ValueError) as exc:
        snapshot([stratum("a", "b", 1, [obj(1, "一")])], people, rules={"cap_per_inspector": -2})
    assert str(exc.value) == "每人抽中次数上限不能为负数（0 表示自动）。"
    snap = snapshot(
        [stratum("a", "b", 1, [obj(1, "一")])], people, rules={"expertise_synonyms": {"废气": ["大气", "", "大气", 0]}}
    )
    assert snap["rules"]["expertise_synonyms"] == {"废气": ["大气", "0"]}
    bare = da.build_snapshot(
        office="o",
        period="p",
        task=None,
        policy_id="",
        strata=[{"required": 1, "objects": [{"id": "A"}]}],
        people=[{"id": "P"}],
    )
    assert bare["strata"][0] == {
        "category": "",
        "stratum": "",
        "mode": "现场",
        "ratio": "",
        "required": 1,
        "objects": [{"id": "A", "name": "", "industry": "", "township": "", "pollution_types": []}],
    }
    assert bare["people"] == [
        {"id": "P", "name": "", "cert": "", "kind": "执法人员", "expertise": [], "region": "", "avoid": []}
    ]


def test_build_snapshot_keeps_every_field():
    o = {"id": " A1 ", "name": "甲公司", "industry": "金属制品业", "township": "城关镇", "pollution_types": ["废气"]}
    p = {
        "id": "P1",
        "name": "张",
        "cert": "C1",
        "kind": "专家",
        "expertise": ["水"],
        "region": "南村镇",
        "avoid": ["A1"],
    }
    s = {"category": "重点", "stratum": "重点管理", "mode": "非现场", "ratio": "25%", "required": 1, "objects": [o]}
    task = {"id": 7, "code": "T7", "name": "任务", "draw_type": "定向"}
    snap = da.build_snapshot(office="县", period="2026Q1", task=task, policy_id="zezhou", strata=[s], people=[p])
    assert snap == {
        "format": "ssj-snapshot/1",
        "office": "县",
        "period": "2026Q1",
        "task": task,
        "policy_id": "zezhou",
        "strata": [dict(s, objects=[dict(o, id="A1")])],
        "people": [p],
        "rules": da.DEFAULT_RULES,
    }


def test_member_replacement_respects_avoidance_and_loads():
    o = [obj(i, f"企业{i}") for i in range(3)]
    people = [officer(i, f"人{i}", avoid=[o[0]["id"]] if i in (2, 3) else []) for i in range(6)]
    rec = _one(o, people, {"cap_per_inspector": 2, "expert_for": []}, required=2)
    e = (
        next(e for e in rec["strata"][0]["selected"] if e["uscc"] == o[0]["id"])
        if any(e["uscc"] == o[0]["id"] for e in rec["strata"][0]["selected"])
        else None
    )
    if e is None:  # the avoided object was not drawn with this seed: replace to bring it in
        first = rec["strata"][0]["selected"][0]
        R.replace_object(rec, first["uscc"], "停产")
    from tests.draw import independent_verifier as iv

    for c in da.current_selection(rec):
        for m in list(c["team"]):
            try:
                R.replace_member(rec, c["uscc"], m["id"])
            except ValueError:
                continue
    assert da.verify_record(rec) == [] and iv.verify(rec) is None
    avoided = [a for a in rec["amendments"] if a["kind"] == "人员替换" and a["uscc"] == o[0]["id"]]
    for a in avoided:
        assert a["new"]["id"] not in (people[2]["id"], people[3]["id"])


def test_replacement_without_officers_is_refused_with_its_reason():
    o = [obj(i, f"企业{i}") for i in range(3)]
    people = [officer(i, f"人{i}", avoid=[o[j]["id"] for j in range(3)] if i < 2 else []) for i in range(4)]
    for k in range(50):
        seed = f"2026120300000000{k:04d}"
        rec = _one(o, people, {"expert_for": []}, seed=seed, required=1)
        if not da.teamless(rec):
            break
    first = rec["strata"][0]["selected"][0]["uscc"]
    snap = copy.deepcopy(rec["snapshot"])
    for p in snap["people"]:
        if not p["avoid"]:
            p["avoid"] = sorted(x["id"] for x in o if x["id"] != first)
    with pytest.raises(ValueError) as exc:
        da.plan_replacement(snap, seed, [], first, "停产")
    nxt = da.ticket_order(seed, [x["id"] for x in o])[1]
    assert str(exc.value) == (
        f"替补对象 {nxt} 无法组成检查组：符合条件的执法人员不足 2 名（回避、异地、上限等规则排除后）。"
    )


@pytest.mark.parametrize("k", range(12))
def test_amendment_sequences_agree_with_the_independent_verifier(k):
    """Deterministic mixes of replacements under caps, 回避 and experts: the record the program writes is
    accepted by the independent verifier (written from the document), replacement by replacement."""
    from tests.draw import independent_verifier as iv

    objs = industrial_pool(14)
    people = [
        officer(
            i, f"人{i}", [["大气"], ["水"], [], ["固废"]][i % 4], TOWNS_[i % 3], avoid=[objs[(i * 3 + k) % 14]["id"]]
        )
        for i in range(7)
    ]
    people += [
        expert(j, f"专家{j}", [["危险废物"], ["辐射"], []][j % 3], avoid=[objs[(j + k) % 14]["id"]]) for j in range(3)
    ]
    rules = {"cap_per_inspector": [0, 2, 3][k % 3], "cross_region": k % 2 == 1, "expert_required": k % 4 == 0}
    snap = snapshot([stratum("重点", "重点", 5, objs[:9]), stratum("一般", "一般", 2, objs[9:])], people, rules)
    seed = f"2026120400000000{k:04d}"
    rec = R.new_record(snap, seed)
    if da.teamless(rec):
        assert iv.verify(rec)[0] == "R14"
        return
    for step in range(8):
        current = [e for e in da.current_selection(rec) if e["team"]]
        e = current[(step * 5 + k) % len(current)]
        try:
            if step % 2:
                R.replace_member(rec, e["uscc"], e["team"][step % len(e["team"])]["id"])
            else:
                R.replace_object(rec, e["uscc"], "无法联系")
        except ValueError:
            continue
        assert iv.verify(rec) is None, (step, rec["amendments"][-1])
    assert da.verify_record(rec) == []


TOWNS_ = ["城关镇", "南村镇", "北岭乡"]


IMPOSSIBLE_DETAILS = {
    "x01-unsorted-objects": (
        "分层“重点监管对象/重点排污单位”的对象第 5、6 项（91140525MA0900005M、91140525MA0900004J）顺序颠倒。"
    ),
    "x02-unsorted-people": "人员第 3、4 项（14052500003、14052500002）顺序颠倒。",
    "x03-unsorted-pollution-types": "对象 91140525MA09000019 的污染类型中“废水”与“危废”顺序颠倒。",
    "x04-snapshot-format": "快照格式为“ssj-snapshot/2”。",
    "x05-object-in-two-strata": (
        "对象 91140525MA0900006Q 同时在分层“重点监管对象/重点排污单位”和分层“一般监管对象/一般”中。"
    ),
    "x06-first-record-with-previous-hash": "chain_seq 为 1，previous_hash 不全为 0。",
    "x07-teamless-object": (
        "对象 91140525MA0900005M 没有检查组（符合条件的执法人员不足 2 名（回避、异地、上限等规则排除后））。"
    ),
    "x08-version-1-unassigned": (
        "ssj-draw/1 记录中列有未组成检查组的对象 91140525MA0900003F（需要辐射专家，但专家库中没有可用的专家）。"
    ),
    "x09-void-after-confirm": "第 2 条变更（作废）发生在“已确认”状态下。",
    "x10-amendment-after-void": "抽取已作废，其后又有第 2 条变更（对象替换）。",
    "x11-two-confirms": "第 2 条变更（确认）发生在“已确认”状态下。",
}


@pytest.mark.parametrize("name", sorted(IMPOSSIBLE_DETAILS))
def test_impossible_vectors_exact_messages(name):
    vector = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    rule = vector["expect"]["rule"]
    assert da.verify_record(vector["record"]) == [
        f"不可能的记录（规则 {rule}：{da.RULES[rule]}）：{IMPOSSIBLE_DETAILS[name]}"
    ]


def test_more_exact_rule_details():
    rec = _vector("01-basic")

    def detail(edit):
        return da.verify_record(R.forged(rec, edit))[0].split("）：", 1)[1]

    assert detail(lambda r: r["snapshot"]["rules"].__setitem__("expert_for", [""])) == (
        "expert_for 须为不重复的污染类型列表。"
    )
    assert detail(lambda r: r["snapshot"]["rules"].__setitem__("expertise_synonyms", [])) == (
        "expertise_synonyms 须为 污染类型 → 不重复的同义词列表。"
    )
    dup = rec["snapshot"]["strata"][0]["objects"][0]
    assert detail(lambda r: r["snapshot"]["strata"][0]["objects"].insert(1, dict(dup))) == (
        f"分层“重点监管对象/重点排污单位”的对象第 1、2 项（{dup['id']}、{dup['id']}）重复。"
    )
    assert da.Impossible("R05", "x").rule == "R05"
    void = _vector("10-void")
    assert da.verify_record(R.forged(void, lambda r: r["amendments"][1].__setitem__("reason", "")))[0].endswith(
        "：第 2 条变更（作废）没有写明原因。"
    )
    with pytest.raises(ValueError) as exc:
        da.check_seed("")
    assert str(exc.value) == "随机种子为空：请输入至少 20 位骰子数字，或由计算机生成。"


def test_long_values_are_cut_at_120_characters():
    rec = _vector("05-experts")
    bad = copy.deepcopy(rec)
    team = bad["strata"][0]["selected"][0]["team"]
    bad["strata"][0]["selected"][0]["team"] = "x" * 300
    msg = da.verify_record(bad)[0]
    assert msg.endswith(f"：应为 {da.canonical(team)[:120]}，记录中为 {da.canonical('x' * 300)[:120]}")
    bad = copy.deepcopy(rec)
    bad["strata"][0]["selected"][0]["name"] = "名" * 300
    msg = da.verify_record(bad)[0]
    want = da.canonical(rec["strata"][0]["selected"][0]["name"])
    assert msg.endswith(f".name：重新计算得 {want[:120]}，记录中为 {da.canonical('名' * 300)[:120]}")
    assert da._first_difference(1, "1") == '记录：应为 1，记录中为 "1"'


def test_no_cert_comes_before_cross_region_without_any_avoidance():
    o = obj(1, "甲", township="城关镇")
    people = [officer(0, "无证", cert=False, region="城关镇"), officer(1, "同地", region="城关镇")]
    people += [officer(i, f"人{i}", region="南村镇") for i in range(2, 5)]
    rec = _one([o], people, {"cross_region": True, "match_expertise": False, "expert_for": []})
    e = rec["strata"][0]["selected"][0]
    reasons = dict(e["skips"])
    assert people[0]["id"] not in [m["id"] for m in e["team"]] and people[1]["id"] not in [m["id"] for m in e["team"]]
    assert reasons.get(people[0]["id"], "无执法证号") == "无执法证号"
    assert reasons.get(people[1]["id"], "异地交叉：与对象同属一地") == "异地交叉：与对象同属一地"
    order = [p for p, _n, _r in rec["team_order"]]
    if order.index(people[0]["id"]) < order.index(e["team"][-1]["id"]):
        assert reasons[people[0]["id"]] == "无执法证号"
