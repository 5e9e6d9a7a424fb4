"""The draw ceremony: ② 抽取 needs two distinct witnesses, or a written reason that prints on the record."""

from __future__ import annotations

import json
import subprocess

import pytest

from app.services.draw import algorithm as algo
from app.services.draw import documents, draws
from app.services.foundation.errors import UserError
from tests.factories import make_inspector, make_object

SEED = "12345678901234567890"


@pytest.fixture
def pooled(session):
    from app.services.rules import policies

    policies.set_policy(session, "zezhou-2024")
    for _ in range(20):
        make_object(session, permit_class="简化管理")
    for _ in range(6):
        make_inspector(session)
    session.commit()
    return session


@pytest.mark.parametrize(
    ("witnesses", "said"),
    [
        ([], "没有给出见证人"),
        (["张三"], "只给了 1 名（张三）"),
        (["张三", " 张三 "], "只给了 1 名（张三）"),
        (["", "  "], "没有给出见证人"),
    ],
)
def test_too_few_witnesses_are_refused_before_anything_is_stored(pooled, witnesses, said):
    """Attack: `draw` with one --witness, or none: accepted, the record PDF had empty witness lines."""
    session = pooled
    with pytest.raises(UserError) as exc:
        draws.draw_now(session, "2026Q1", None, SEED, witnesses=witnesses)
    assert said in exc.value.message and "--no-witness-reason" in exc.value.message
    session.rollback()
    assert draws.list_draws(session) == []
    d = draws.start(session, "2026Q1")
    with pytest.raises(UserError, match="至少 2 名不同的见证人"):
        draws.perform(session, d.id, SEED, witnesses=witnesses)
    assert d.state == "已冻结" and not d.seed, "the seed is not used up by a refused ceremony"
    draws.perform(session, d.id, SEED, witnesses=["张三", "李四"])
    assert d.state == "已抽取" and d.witnesses == ["张三", "李四"]


def test_a_written_reason_replaces_the_witnesses_and_prints_on_the_record(pooled, tmp_path):
    session = pooled
    reason = "疫情封控，见证人无法到场，全程录像存档"
    d = draws.draw_now(session, "2026Q1", None, SEED, witnesses=["张三"], no_witness_reason=reason)
    session.commit()
    rec = json.loads(d.record)
    assert rec["no_witness_reason"] == reason and rec["witnesses"] == ["张三"]
    assert algo.verify_record(rec) == []
    from tests.draw import independent_verifier

    assert independent_verifier.verify(rec) is None  # the reader who wrote a verifier from docs/draw-algorithm.md accepts it too
    assert algo.verify_record({**rec, "no_witness_reason": ""}) != [], "present means a real reason"
    forged = {**rec, "no_witness_reason": "见证人均到场"}
    assert algo.record_hash(forged) != rec["record_hash"], "the reason is covered by the record hash"
    pdf = documents.record_pdf(session, d.id, tmp_path / "记录.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "无见证人（不足两名）的原因" in text and "疫情封控" in text


def test_two_witnesses_print_and_need_no_reason(pooled, tmp_path):
    session = pooled
    d = draws.draw_now(session, "2026Q1", None, SEED, witnesses=["王建国（监察室）", "李明（企业代表）"])
    session.commit()
    rec = json.loads(d.record)
    assert "no_witness_reason" not in rec and rec["witnesses"] == ["王建国（监察室）", "李明（企业代表）"]
    pdf = documents.record_pdf(session, d.id, tmp_path / "记录.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "王建国（监察室）" in text and "李明（企业代表）" in text and "无见证人" not in text


def test_cli_witness_twice_or_a_reason(pooled, admin_cli):
    cli = admin_cli
    rc, out, err = cli("draw", "--period", "2026Q1", "--seed", SEED, "--witness", "张三")
    assert rc == 1 and "只给了 1 名（张三）" in err
    rc, out, err = cli("draw", "--period", "2026Q1", "--seed", SEED, "--witness", "张三", "--witness", "张三")
    assert rc == 1 and "至少 2 名不同的见证人" in err
    rc, out, err = cli("--json", "draw", "list")
    assert json.loads(out) == []
    rc, out, err = cli("draw", "--period", "2026Q1", "--seed", SEED, "--no-witness-reason", "夜间应急抽取，无人到场")
    assert rc == 0, err
    assert "无见证人原因：夜间应急抽取，无人到场" in out
