"""Build the draw test vectors docs/vectors/*.json from the program itself.

    python -m tests.draw.make_vectors            # rewrite docs/vectors/
    python -m tests.draw.make_vectors --check    # exit 1 if a file differs (tests/draw/test_vectors.py does this)

Every vector is a complete draw record (snapshot, seed, the expected result, amendments, hashes) as the
program writes it, plus `vector` (its name), `description`, `covers` (what it exercises; the builder asserts
that each listed feature really occurs) and `expect`: "通过" for a record the program can produce, or
{"rule": "R.."} for an impossible record (hashes recomputed) that every verifier must refuse, naming the rule.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

from app.services.draw import algorithm as da
from tests.draw import records as R
from tests.factories import make_uscc

ROOT = Path(__file__).resolve().parents[2]
VECTOR_DIR = ROOT / "docs" / "vectors"
OFFICE = "示例县生态环境保护综合行政执法大队"
TOWNS = ("城关镇", "南村镇", "北岭乡")


def U(n: int) -> str:
    return make_uscc(900_000 + n)


def obj(n: int, name: str, industry: str = "", township: str = "城关镇", types=()) -> dict:
    return {"id": U(n), "name": name, "industry": industry, "township": township, "pollution_types": list(types)}


def officer(n: int, name: str, expertise=(), region: str = "城关镇", avoid=(), cert: bool = True) -> dict:
    cert_no = f"1405250{n:04d}"
    return {
        "id": cert_no if cert else f"无证{n:02d}",
        "name": name,
        "cert": cert_no if cert else "",
        "kind": "执法人员",
        "expertise": list(expertise),
        "region": region,
        "avoid": list(avoid),
    }


def expert(n: int, name: str, expertise=(), region: str = "", avoid=()) -> dict:
    return {
        "id": f"14052519800101{n:04d}",
        "name": name,
        "cert": "",
        "kind": "专家",
        "expertise": list(expertise),
        "region": region,
        "avoid": list(avoid),
    }


def stratum(category, name, required, objects, mode="现场", ratio="25%") -> dict:
    return {
        "category": category,
        "stratum": name,
        "mode": mode,
        "ratio": ratio,
        "required": required,
        "objects": objects,
    }


def snapshot(strata, people, rules=None, task=None, policy="zezhou-2024") -> dict:
    return da.build_snapshot(
        office=OFFICE, period="2026Q1", task=task, policy_id=policy, strata=strata, people=people, rules=rules
    )


def industrial_pool(n: int, start: int = 0) -> list[dict]:
    kinds = [
        ("金属制品业", ("废气",)),
        ("化学原料和化学制品制造业", ("危废", "废水")),
        ("水泥、石灰和石膏制造", ("废气", "噪声")),
        ("医院", ("辐射", "废水")),
        ("农副食品加工业", ("废水",)),
        ("", ()),
    ]
    out = []
    for i in range(n):
        industry, types = kinds[i % len(kinds)]
        out.append(obj(start + i, f"示例企业{start + i:02d}有限公司", industry, TOWNS[i % 3], types))
    return out


def skips_of(record) -> list[str]:
    out = [why for s in record["strata"] for e in s["selected"] for _pid, why in e["skips"]]
    for a in record["amendments"]:
        if a["kind"] == "人员替换":
            out += [why for _pid, why in a["skips"]]
        if a["kind"] == "对象替换":
            out += [why for _pid, why in a["replacement"]["skips"]]
    return out


def seeds(prefix: str):
    for k in range(10_000):
        yield f"{prefix}{k:04d}"


def first_seed(prefix: str, make, ok):
    """The first seed (prefix + 4 digits) for which the record made by `make(seed)` satisfies `ok`."""
    for seed in seeds(prefix):
        try:
            rec = make(seed)
        except ValueError:
            continue
        if not da.teamless(rec) and ok(rec):  # the program refuses a seed leaving an object without a team
            return rec
    raise AssertionError(f"no seed with prefix {prefix} gives the wanted record")


# ---------------------------------------------------------------------------------------------- valid


def v_basic():
    objs = industrial_pool(14)
    people = [officer(i, n, e) for i, (n, e) in enumerate([("张一", ["大气"]), ("李二", ["水"]), ("王三", [])] * 1)]
    people += [officer(3, "赵四", ["固废"]), officer(4, "钱五", ["噪声"])]
    snap = snapshot(
        [
            stratum("重点监管对象", "重点排污单位", 3, objs[:10]),
            stratum("特殊监管对象", "信访投诉", 2, objs[10:12], ratio="100%"),
            stratum("一般监管对象", "正面清单", 0, objs[12:], mode="非现场", ratio="0%"),
        ],
        people,
        rules={"expert_for": []},
        task={"id": 3, "code": "2026-03", "name": "一季度双随机", "draw_type": "不定向"},
    )
    rec = first_seed("2026010500000000", lambda s: R.new_record(snap, s), lambda r: True)
    return (
        rec,
        "三个分层：重点 10 取 3；特殊 2 取 2（应抽等于范围，全部抽取）；一般 应抽 0。无专家。",
        [
            "tickets",
            "strata",
            "required-equals-pool",
            "required-zero",
            "team-order",
            "automatic-caps",
            "task",
        ],
    )


def v_skip_reasons():
    objs = industrial_pool(12)
    drawn_avoid = [o["id"] for o in objs]
    people = [
        officer(0, "张一", ["大气"], avoid=drawn_avoid[:6]),
        officer(1, "李二", ["水"]),
        officer(2, "王三", ["大气污染防治"], cert=False),
        officer(3, "赵四", []),
        officer(4, "钱五", ["固体废物"], avoid=drawn_avoid[6:]),
        officer(5, "孙六", ["噪声"]),
        officer(6, "周七", ["金属"]),
    ]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 6, objs)], people, rules={"expert_for": []})

    def ok(r):
        s = skips_of(r)
        return {"回避", "无执法证号", "专长不符（优先安排专长匹配人员）"} <= set(s)

    rec = first_seed("2026010600000000", lambda s: R.new_record(snap, s), ok)
    return (
        rec,
        "硬性规则与专长优先：回避、无执法证号（快照中有无证人员时）、专长不符，按规定顺序检查并记录。",
        [
            "skip-回避",
            "skip-无执法证号",
            "skip-专长不符",
            "expertise-match-pollution-type",
            "expertise-match-synonym",
            "expertise-match-industry",
        ],
    )


def v_cross_region():
    objs = industrial_pool(9)
    people = [
        officer(i, f"执法员{i}", [], region=TOWNS[i % 3], avoid=[objs[0]["id"]] if i == 1 else []) for i in range(7)
    ]
    snap = snapshot(
        [stratum("重点监管对象", "重点排污单位", 5, objs)], people, rules={"cross_region": True, "expert_for": []}
    )

    def ok(r):
        return "异地交叉：与对象同属一地" in skips_of(r)

    rec = first_seed("2026010700000000", lambda s: R.new_record(snap, s), ok)
    return (
        rec,
        "异地交叉执法：执法人员所在地（region）与对象所在乡镇（township）相同时跳过。",
        ["skip-异地交叉", "cross-region"],
    )


def v_cap_binding():
    objs = industrial_pool(8)
    people = [officer(i, f"执法员{i}", ["大气"] if i == 3 else []) for i in range(5)]
    snap = snapshot(
        [stratum("重点监管对象", "重点排污单位", 5, objs)], people, rules={"cap_per_inspector": 2, "expert_for": []}
    )

    def ok(r):
        return any(e["at_cap"] > 0 for s in r["strata"] for e in s["selected"])

    rec = first_seed("2026010800000000", lambda s: R.new_record(snap, s), ok)
    return (
        rec,
        "每人上限 cap_per_inspector = 2：5 名执法人员、5 家对象共 10 人次，到达上限的人员退出轮转（at_cap）。",
        [
            "cap-binding",
            "at_cap",
        ],
    )


def v_experts():
    objs = industrial_pool(12)
    people = [officer(i, f"执法员{i}", ["大气", "水", "固废"][i % 3 : i % 3 + 1]) for i in range(6)]
    people += [
        expert(0, "辐射专家甲", ["核技术利用"]),
        expert(1, "危废专家乙", ["危险废物"]),
        expert(2, "水专家丙", ["水环境"], avoid=[objs[1]["id"]]),
        expert(3, "综合专家丁", []),
    ]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 8, objs)], people)

    def ok(r):
        teams = [e["team"] for s in r["strata"] for e in s["selected"]]
        experts = [m for t in teams for m in t if m["role"] == "专家"]
        return len(experts) >= 3 and any(
            why == "专长不符（优先安排专长匹配人员）" and pid.startswith("1405251980")
            for s in r["strata"]
            for e in s["selected"]
            for pid, why in e["skips"]
        )

    rec = first_seed("2026010900000000", lambda s: R.new_record(snap, s), ok)
    return (
        rec,
        "专家：污染类型含 辐射/危废 的对象配 1 名专家，优先专长匹配（同义词表在快照中），专家也受上限约束。",
        [
            "experts",
            "expert-match-synonym",
            "expert-skips",
            "caps-experts",
        ],
    )


def v_expert_required():
    objs = industrial_pool(12)
    people = [officer(i, f"执法员{i}") for i in range(6)]
    people += [expert(0, "专家乙", ["危险废物", "辐射"], avoid=[objs[3]["id"], objs[9]["id"]])]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 8, objs)], people, rules={"expert_required": True})

    def ok(r):
        return bool(r["unassigned"])

    rec = first_seed("2026011000000000", lambda s: R.new_record(snap, s), ok)
    description = (
        "本单位开启 expert_required：唯一的专家回避两家辐射对象，这两家保留执法人员、列入 unassigned 并说明原因，"
        "不影响其他对象。"
    )
    return rec, description, ["expert-required", "unassigned-expert-only", "expert-skip-回避"]


def v_object_replacement():
    objs = industrial_pool(10)
    people = [officer(i, f"执法员{i}", ["大气"] if i % 2 else ["水"]) for i in range(5)]
    people += [expert(0, "危废专家乙", ["危险废物"])]
    snap = snapshot(
        [
            stratum("重点监管对象", "重点排污单位", 3, objs),
            stratum("一般监管对象", "一般", 1, industrial_pool(4, 20), mode="非现场", ratio="5%"),
        ],
        people,
    )
    rec = R.new_record(snap, "20260111000000000001")
    first = rec["strata"][0]["selected"][0]["uscc"]
    a = R.replace_object(rec, first, "已注销（营业执照注销）")
    R.replace_object(rec, a["replacement"]["uscc"], "停产")
    R.replace_object(rec, rec["strata"][1]["selected"][0]["uscc"], "无法联系")
    R.confirm(rec)
    return (
        rec,
        "对象替换：被替换对象的检查组先释放，替补为同一分层的下一张签（已用过的签不再用），替补的替补亦然；随后确认。",
        [
            "object-replacement",
            "replacement-of-replacement",
            "release-team",
            "confirm",
        ],
    )


def v_member_replacement():
    objs = industrial_pool(8)
    people = [
        officer(i, f"执法员{i}", ["大气"] if i % 2 else ["水"], avoid=[objs[0]["id"]] if i == 4 else [])
        for i in range(7)
    ]
    people += [
        expert(0, "危废专家乙", ["危险废物"]),
        expert(1, "辐射专家甲", ["辐射"]),
        expert(2, "固废专家丙", ["固废"]),
    ]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 4, objs)], people)

    def make(seed):
        rec = R.new_record(snap, seed)
        e = next(e for s in rec["strata"] for e in s["selected"] if any(m["role"] == "专家" for m in e["team"]))
        first = e["team"][0]["id"]
        a = R.replace_member(rec, e["uscc"], first, "生病住院", "王局长")
        R.replace_member(rec, e["uscc"], a["new"]["id"], "与企业负责人系亲属", "王局长")
        ex = next(m for m in e["team"] if m["role"] == "专家")
        R.replace_member(rec, e["uscc"], ex["id"], "出差", "王局长")
        return rec

    def ok(r):
        return "已在本组或被替换" in skips_of(r)

    rec = first_seed("2026011200000000", make, ok)
    return (
        rec,
        "人员替换：同角色按人员签序的下一位合格人员，排除本组现有成员和此前被替换出本组的人员（已在本组或被替换）；专家亦可替换。",
        [
            "member-replacement",
            "skip-已在本组或被替换",
            "expert-replacement",
        ],
    )


def v_confirm_then_replace():
    objs = industrial_pool(10)
    people = [officer(i, f"执法员{i}") for i in range(4)]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 3, objs)], people, rules={"expert_for": []})
    rec = R.new_record(snap, "20260113000000000001")
    R.confirm(rec)
    R.replace_object(rec, rec["strata"][0]["selected"][1]["uscc"], "迁出本县")
    R.replace_member(rec, rec["strata"][0]["selected"][0]["uscc"], rec["strata"][0]["selected"][0]["team"][1]["id"])
    return (
        rec,
        "确认后仍可替换对象和人员（检查时才发现注销/迁出等）；状态保持“已确认”。",
        ["confirm", "replace-after-confirm"],
    )


def v_void():
    objs = industrial_pool(6)
    people = [officer(i, f"执法员{i}") for i in range(4)]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 2, objs)], people, rules={"expert_for": []})
    rec = R.new_record(snap, "20260114000000000001", chain_seq=7, previous_hash="5d" * 32)
    R.replace_object(rec, rec["strata"][0]["selected"][0]["uscc"], "停产")
    R.void(rec, "见证人未到场，作废后重新抽取")
    rec["state"] = "已作废"
    return (
        rec,
        "作废：须写明原因，作废后不再有任何变更；链序号 7（前一记录哈希不为 0）；state 字段与变更一致。",
        [
            "void",
            "chain",
            "state",
        ],
    )


def v_match_off_and_computer_seed():
    objs = industrial_pool(9)
    people = [officer(i, f"执法员{i}", ["大气"] if i == 3 else []) for i in range(6)]
    snap = snapshot(
        [stratum("重点监管对象", "重点排污单位", 4, objs)],
        people,
        rules={"match_expertise": False, "officers_per_team": 3, "expert_for": []},
    )
    rec = R.new_record(snap, "202601150000000000000001", seed_source="计算机生成")
    rec2 = R.new_record(snap, "0012", seed_source="计算机生成")
    assert rec2  # a computer-generated seed may be shorter than 20 digits
    return (
        rec,
        "不匹配专长（match_expertise = false）：取按签序最先的合格人员；每组 3 名；计算机生成的种子。",
        [
            "match-off",
            "officers_per_team-3",
            "computer-seed",
        ],
    )


def v_version1():
    objs = [
        obj(1, "甲金属制品有限公司", "金属制品业", types=["废气"]),
        obj(2, "乙水泥有限公司", "水泥、石灰和石膏制造", types=["废气"]),
    ]
    objs += industrial_pool(6, 10)
    people = [
        officer(0, "张一", ["金属制品业检查"]),
        officer(1, "李二", ["水"]),
        officer(2, "王三", []),
        officer(3, "赵四", []),
    ]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 8, objs)], people, rules={"expert_for": []})
    rec = first_seed(
        "2026011600000000",
        lambda seed: R.new_record(snap, seed, algorithm=da.ALGORITHM_V1),
        lambda r: da.compute_draw(snap, r["seed"])["strata"] != r["strata"],  # the matching rules differ here
    )
    return (
        rec,
        "旧版 ssj-draw/1 记录按旧规则校验：专长“金属制品业检查”包含行业“金属制品业”在旧版算匹配，新版不算。",
        [
            "version-1",
            "v1-reverse-containment",
        ],
    )


VALID = [
    ("01-basic", v_basic),
    ("02-skip-reasons", v_skip_reasons),
    ("03-cross-region", v_cross_region),
    ("04-cap-binding", v_cap_binding),
    ("05-experts", v_experts),
    ("06-expert-required", v_expert_required),
    ("07-object-replacement", v_object_replacement),
    ("08-member-replacement", v_member_replacement),
    ("09-confirm-then-replace", v_confirm_then_replace),
    ("10-void", v_void),
    ("11-match-off", v_match_off_and_computer_seed),
    ("12-version-1", v_version1),
]


# ---------------------------------------------------------------------------------------------- impossible


def _base():
    objs = industrial_pool(10)
    people = [officer(i, f"执法员{i}", ["大气"] if i % 2 else []) for i in range(5)]
    snap = snapshot(
        [stratum("重点监管对象", "重点排污单位", 3, objs[:7]), stratum("一般监管对象", "一般", 1, objs[7:])],
        people,
        rules={"expert_for": []},
    )
    return R.new_record(snap, "20260120000000000001")


def _swap(items, i=0):
    items[i], items[i + 1] = items[i + 1], items[i]


def x_unsorted_objects():
    return R.forged(_base(), lambda r: _swap(r["snapshot"]["strata"][0]["objects"], 4)), "快照中对象未按编号排序", "R06"


def x_unsorted_people():
    return R.forged(_base(), lambda r: _swap(r["snapshot"]["people"], 2)), "快照中人员未按编号排序", "R09"


def x_unsorted_pollution_types():
    def edit(r):
        o = next(o for o in r["snapshot"]["strata"][0]["objects"] if len(o["pollution_types"]) > 1)
        o["pollution_types"].reverse()

    return R.forged(_base(), edit), "对象的污染类型未排序", "R08"


def x_snapshot_format():
    return R.forged(_base(), lambda r: r["snapshot"].__setitem__("format", "ssj-snapshot/2")), "其他快照格式", "R04"


def x_two_strata():
    def edit(r):
        s0, s1 = r["snapshot"]["strata"]
        s1["objects"] = sorted(s1["objects"] + [copy.deepcopy(s0["objects"][-1])], key=lambda o: o["id"])

    return R.forged(_base(), edit), "同一对象出现在两个分层", "R07"


def x_genesis():
    return (
        R.forged(_base(), lambda r: r.__setitem__("previous_hash", "1" * 64)),
        "chain_seq 为 1 而前一记录哈希不为 0",
        "R13",
    )


def x_teamless():
    objs = industrial_pool(6)
    people = [officer(i, f"执法员{i}", avoid=[o["id"] for o in objs] if i < 2 else []) for i in range(4)]
    snap = snapshot(
        [stratum("重点监管对象", "重点排污单位", 2, objs)], people, rules={"cap_per_inspector": 1, "expert_for": []}
    )
    rec = R.new_record(snap, "20260121000000000001")
    assert da.teamless(rec)
    return rec, "有被抽中对象无法组成检查组（程序拒绝保存这样的抽取）", "R14"


def x_v1_unassigned():
    objs = industrial_pool(6)
    people = [officer(i, f"执法员{i}") for i in range(4)]
    snap = snapshot([stratum("重点监管对象", "重点排污单位", 4, objs)], people, rules={"expert_required": True})
    rec = R.new_record(snap, "20260122000000000001", algorithm=da.ALGORITHM_V1)
    assert rec["unassigned"]
    return rec, "ssj-draw/1 记录中 unassigned 不为空", "R14"


def x_void_after_confirm():
    rec = _base()
    R.confirm(rec)
    R.void(rec)
    return rec, "确认后作废", "R16"


def x_after_void():
    rec = _base()
    R.void(rec)
    R.append(
        rec,
        {
            "kind": "对象替换",
            "uscc": rec["strata"][0]["selected"][0]["uscc"],
            "reason": "停产",
            "replacement": da.plan_replacement(
                rec["snapshot"], rec["seed"], [], rec["strata"][0]["selected"][0]["uscc"], "停产"
            ),
        },
    )
    return rec, "作废后又有变更", "R16"


def x_two_confirms():
    rec = _base()
    R.confirm(rec)
    R.confirm(rec)
    return rec, "两次确认", "R16"


def x_forged_old_member():
    rec = _base()
    e = rec["strata"][0]["selected"][0]
    R.replace_member(rec, e["uscc"], e["team"][0]["id"])
    return (
        R.forged(rec, lambda r: r["amendments"][0]["old"].__setitem__("name", "别人")),
        "人员替换中被替换的人员与检查组记载不符",
        "R17",
    )


IMPOSSIBLE = [
    ("x01-unsorted-objects", x_unsorted_objects),
    ("x02-unsorted-people", x_unsorted_people),
    ("x03-unsorted-pollution-types", x_unsorted_pollution_types),
    ("x04-snapshot-format", x_snapshot_format),
    ("x05-object-in-two-strata", x_two_strata),
    ("x06-first-record-with-previous-hash", x_genesis),
    ("x07-teamless-object", x_teamless),
    ("x08-version-1-unassigned", x_v1_unassigned),
    ("x09-void-after-confirm", x_void_after_confirm),
    ("x10-amendment-after-void", x_after_void),
    ("x11-two-confirms", x_two_confirms),
    ("x12-forged-replaced-member", x_forged_old_member),
]


SKIP_TAGS = {
    "skip-回避": "回避",
    "skip-无执法证号": "无执法证号",
    "skip-专长不符": "专长不符（优先安排专长匹配人员）",
    "skip-异地交叉": "异地交叉：与对象同属一地",
    "skip-已在本组或被替换": "已在本组或被替换",
}


def check_covers(rec: dict, covers: list[str]) -> None:
    """Each feature a vector claims to cover really occurs in it."""
    kinds = [a["kind"] for a in rec["amendments"]]
    entries = [e for s in rec["strata"] for e in s["selected"]]
    rules = rec["snapshot"]["rules"]
    checks = {
        "cap-binding": lambda: rules["cap_per_inspector"] > 0 and any(e["at_cap"] for e in entries),
        "experts": lambda: any(m["role"] == "专家" for e in entries for m in e["team"]),
        "expert-required": lambda: rules["expert_required"] and rec["unassigned"],
        "cross-region": lambda: rules["cross_region"],
        "object-replacement": lambda: "对象替换" in kinds,
        "replacement-of-replacement": lambda: any(
            a["uscc"] == b["replacement"]["uscc"]
            for a in rec["amendments"]
            for b in rec["amendments"]
            if a["kind"] == b["kind"] == "对象替换"
        ),
        "member-replacement": lambda: "人员替换" in kinds,
        "expert-replacement": lambda: any(
            a["kind"] == "人员替换" and a["old"]["role"] == "专家" for a in rec["amendments"]
        ),
        "confirm": lambda: "确认" in kinds,
        "replace-after-confirm": lambda: "确认" in kinds and kinds.index("确认") < len(kinds) - 1,
        "void": lambda: kinds[-1:] == ["作废"],
        "version-1": lambda: rec["algorithm"] == da.ALGORITHM_V1,
        "required-equals-pool": lambda: any(s["required"] == s["pool"] > 0 for s in rec["strata"]),
        "required-zero": lambda: any(s["required"] == 0 for s in rec["strata"]),
        "match-off": lambda: not rules["match_expertise"],
        "computer-seed": lambda: rec["seed_source"] == "计算机生成",
    }
    skips = set(skips_of(rec))
    for tag in covers:
        if tag in SKIP_TAGS:
            assert SKIP_TAGS[tag] in skips, (tag, skips)
        elif tag in checks:
            assert checks[tag](), tag


def build() -> dict[str, dict]:
    out = {}
    for name, make in VALID:
        rec, description, covers = make()
        assert da.verify_record(rec) == [], (name, da.verify_record(rec))
        check_covers(rec, covers)
        out[name] = {"vector": name, "description": description, "covers": covers, "expect": "通过", "record": rec}
    for name, make in IMPOSSIBLE:
        rec, description, rule = make()
        problems = da.verify_record(rec)
        assert problems and f"规则 {rule}" in problems[0], (name, problems)
        out[name] = {
            "vector": name,
            "description": description,
            "covers": ["impossible"],
            "expect": {"rule": rule},
            "record": rec,
        }
    return out


def text_of(vector: dict) -> str:
    return json.dumps(vector, ensure_ascii=False, indent=1) + "\n"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    vectors = build()
    if "--check" in argv:
        stale = [
            n
            for n, v in vectors.items()
            if not (VECTOR_DIR / f"{n}.json").is_file()
            or (VECTOR_DIR / f"{n}.json").read_text(encoding="utf-8") != text_of(v)
        ]
        extra = sorted(p.stem for p in VECTOR_DIR.glob("*.json") if p.stem not in vectors)
        if stale or extra:
            print("向量文件与程序不一致：", stale, extra)
            return 1
        return 0
    VECTOR_DIR.mkdir(parents=True, exist_ok=True)
    for p in VECTOR_DIR.glob("*.json"):
        p.unlink()
    for name, v in vectors.items():
        (VECTOR_DIR / f"{name}.json").write_text(text_of(v), encoding="utf-8")
    print(f"{len(vectors)} vectors written to {VECTOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
