"""The verifier's structural rules name what they found (issue 22: survivors of the verifier-rules mutation run).

Each refused record must be refused under the right rule *and* with a detail that tells the reader what is
wrong (the value found, the field, the supported versions); a record the program may write must pass.
"""

from __future__ import annotations

import copy

from app.services.draw import algorithm as da
from tests.draw import records
from tests.factories import make_uscc

SEED = "27182818284590452353602"


def _snapshot(n_strata: int = 1, name_of=lambda i: f"企业{i}") -> dict:
    strata = [
        {
            "category": "一般监管对象",
            "stratum": f"分层{s + 1}",
            "mode": "现场",
            "ratio": "10%",
            "required": 2,
            "objects": [
                {"id": make_uscc(70_000 + 100 * s + i), "name": name_of(i), "township": "城关镇"} for i in range(6)
            ],
        }
        for s in range(n_strata)
    ]
    people = [
        {"id": f"1400{i:04d}", "name": f"执法员{i}", "cert": f"1400{i:04d}", "kind": "执法人员"} for i in range(8)
    ]
    return da.build_snapshot(
        office="测试县", period="2026Q1", task=None, policy_id="zezhou-2024", strata=strata, people=people
    )


def _record(**kw) -> dict:
    return records.new_record(_snapshot(**kw), SEED)


def _refusal(record, rule: str) -> str:
    problems = da.verify_record(record)
    assert problems, "the record was accepted"
    assert f"不可能的记录（规则 {rule}：{da.RULES[rule]}）" in problems[0], problems[0]
    return problems[0]


def _edited(edit) -> dict:
    return records.forged(_record(), edit)


# ---------------------------------------------------------------- a draw held without two witnesses


def test_a_draw_without_witnesses_passes_with_its_reason():
    def no_witnesses(r):
        r["witnesses"] = []
        r["no_witness_reason"] = "见证人临时缺席，经局长同意"

    record = _edited(no_witnesses)
    assert da.verify_record(record) == []


def test_an_empty_or_non_text_no_witness_reason_is_refused_under_r03():
    for value in ("", 0, None, ["原因"]):
        record = _edited(lambda r, v=value: r.update(witnesses=[], no_witness_reason=v))
        msg = _refusal(record, "R03")
        assert msg.endswith("：no_witness_reason 出现时须为非空文字。"), msg


# ---------------------------------------------------------------- the detail of each refusal


def test_a_record_of_another_format_is_refused_naming_the_format_found():
    msg = _refusal(_edited(lambda r: r.update(format="ssj-draw-record/9")), "R01")
    assert "记录格式为“ssj-draw-record/9”" in msg
    assert "记录格式为“list”" in _refusal([1, 2], "R01")


def test_an_unknown_algorithm_is_refused_listing_the_supported_ones():
    msg = _refusal(_edited(lambda r: r.update(algorithm="ssj-draw/9")), "R02")
    assert f"记录的算法版本为“ssj-draw/9”，本程序支持 {'、'.join(da.ALGORITHMS)}" in msg
    assert len(da.ALGORITHMS) >= 2


def test_extra_record_fields_are_all_named():
    msg = _refusal(_edited(lambda r: r.update(zz_extra=1, aa_extra=2)), "R03")
    assert "记录多出字段 aa_extra、zz_extra" in msg


def test_a_non_text_record_field_is_named_under_r03():
    for key in ("frozen_at", "drawn_at", "drawn_by", "previous_hash", "record_hash"):
        record = _edited(lambda r, k=key: r.update({k: 5}))
        record[key] = 5  # (rehashing rewrote record_hash)
        msg = _refusal(record, "R03")
        assert f"：记录的 {key} 不是文字。" in msg, msg
    msg = _refusal(_edited(lambda r: r.update(office=5)), "R03")
    assert "：记录的 office 不是文字。" in msg


def test_draw_id_witnesses_and_lists_of_the_wrong_type_are_named():
    assert _refusal(_edited(lambda r: r.update(draw_id="1")), "R03").endswith("：draw_id 或 chain_seq 不是整数。")
    assert _refusal(_edited(lambda r: r.update(chain_seq=1.0)), "R03").endswith("：draw_id 或 chain_seq 不是整数。")
    assert _refusal(_edited(lambda r: r.update(witnesses="张见证")), "R03").endswith("：witnesses 不是文字列表。")
    assert _refusal(_edited(lambda r: r.update(witnesses=["张", 3])), "R03").endswith("：witnesses 不是文字列表。")


def test_a_snapshot_that_is_no_object_is_refused_quoting_it():
    msg = _refusal(_edited(lambda r: r.update(snapshot="快照已删除")), "R04")
    assert "快照格式为“快照已删除”" in msg


def test_a_task_that_is_no_object_is_refused_under_r04():
    msg = _refusal(_edited(lambda r: r["snapshot"].update(task="年度任务")), "R04")
    assert msg.endswith("：快照中的任务不是 JSON 对象。"), msg
    msg = _refusal(_edited(lambda r: r["snapshot"].update(task=["年度任务"])), "R04")
    assert msg.endswith("：快照中的任务不是 JSON 对象。"), msg


def test_a_stratum_or_person_that_is_no_object_names_its_rule():
    msg = _refusal(_edited(lambda r: r["snapshot"]["strata"].append("分层")), "R05")
    assert "第 2 个分层不是 JSON 对象" in msg
    msg = _refusal(_edited(lambda r: r["snapshot"]["people"].append(["人员"])), "R09")
    assert "快照中的人员不是 JSON 对象" in msg


def test_an_empty_or_all_zero_draw_and_a_people_non_list_are_refused_with_their_reason():
    msg = _refusal(_edited(lambda r: r["snapshot"].update(strata=[])), "R05")
    assert msg.endswith("：快照中没有分层。"), msg

    def nothing_required(r):
        for s in r["snapshot"]["strata"]:
            s["required"] = 0

    assert _refusal(_edited(nothing_required), "R05").endswith("：各分层应抽数合计为 0。")
    msg = _refusal(_edited(lambda r: r["snapshot"].update(people={"14000001": "执法员"})), "R09")
    assert msg.endswith("：people 不是列表。"), msg


def test_previous_hash_must_be_lower_case_hex():
    for prev in ("X" * 64, "AB" * 32, "g" * 64):
        msg = _refusal(_edited(lambda r, p=prev: r.update(chain_seq=2, previous_hash=p)), "R13")
        assert f"previous_hash 为“{prev}”" in msg, msg
    assert da.verify_record(_edited(lambda r: r.update(chain_seq=2, previous_hash="ab" * 32))) == []


def test_a_short_seed_passes_only_when_the_computer_generated_it():
    """A computer-generated seed may be shorter than the 20 dice digits; a typed one may not."""
    short = "3141592653589793"  # 16 digits
    generated = records.new_record(_snapshot(), short, seed_source="计算机生成")
    assert da.verify_record(generated) == []
    typed = records.new_record(_snapshot(), short, seed_source="骰子")
    (msg,) = da.verify_record(typed)
    assert msg == f"随机种子无效：随机种子只有 16 位，至少需要 {da.MIN_SEED_DIGITS} 位骰子数字。", msg


# ---------------------------------------------------------------- where a recomputation differs


def test_a_long_value_that_differs_is_quoted_to_120_characters():
    long_name = "某某" * 100 + "有限公司"
    record = records.new_record(_snapshot(name_of=lambda i: f"{long_name}{i}"), SEED)
    first = record["strata"][0]["selected"][0]
    expected = first["name"]
    forged = records.forged(record, lambda r: r["strata"][0]["selected"][0].update(name="改过的名称"))
    (msg,) = da.verify_record(forged)
    quoted = da.canonical(expected)
    assert len(quoted) > 121
    assert f'.strata[0].selected[0].name：重新计算得 {quoted[:120]}，记录中为 "改过的名称"' in msg, msg


def test_a_missing_stratum_in_the_result_is_described_as_the_result():
    record = records.new_record(_snapshot(n_strata=2), SEED)
    forged = records.forged(record, lambda r: r["strata"].pop())
    (msg,) = da.verify_record(forged)
    assert msg == "抽取结果与重新计算不符（抽取结果）：.strata：应有 2 项，记录中有 1 项", msg


# ---------------------------------------------------------------- chained member replacements


def test_the_same_object_can_have_its_members_replaced_again_and_again():
    """Three replacements in a row in one team, each replacing the person the previous one brought in: every
    plan replays the earlier ones with exactly the people replaced out *so far* excluded."""
    record = _record()
    target = record["strata"][0]["selected"][0]["uscc"]
    old = record["strata"][0]["selected"][0]["team"][0]["id"]
    brought_in = []
    for _ in range(3):
        a = records.replace_member(record, target, old)
        old = a["new"]["id"]
        brought_in.append(old)
    assert len(set(brought_in)) == 3
    assert da.verify_record(record) == []
    team = next(e["team"] for e in da.current_selection(record) if e["uscc"] == target)
    assert brought_in[-1] in {m["id"] for m in team}
    # and the plan for a fourth replacement still replays cleanly
    out = da.plan_member_replacement(record["snapshot"], record["seed"], record["amendments"], target, old)
    assert out["member"]["id"] not in brought_in and out["member"]["id"] not in {m["id"] for m in team}
    # what the verifier checks: a forged third replacement (someone else brought in) is refused
    other = copy.deepcopy(record)
    other["amendments"][2]["new"] = dict(other["amendments"][2]["new"], id="14009999")
    records.rehash(other)
    assert "与重新计算不符" in da.verify_record(other)[0]


def test_a_replaced_person_who_is_not_in_the_team_is_refused_under_r17_and_quoted():
    record = _record()
    target = record["strata"][0]["selected"][0]
    records.replace_member(record, target["uscc"], target["team"][0]["id"])
    for old in (
        dict(target["team"][0], id="14009999", name="冒名顶替的执法人员" * 6),  # nobody in the team
        dict(target["team"][0], name="改过的姓名" * 12),  # a member, but not as the team records them
    ):
        forged = copy.deepcopy(record)
        forged["amendments"][0]["old"] = old
        records.rehash(forged)
        msg = _refusal(forged, "R17")
        quoted = da.canonical(old)
        assert len(quoted) > 81
        assert msg.endswith(f"：第 1 条变更中被替换的人员 {quoted[:80]} 不是该对象检查组的成员。"), msg
