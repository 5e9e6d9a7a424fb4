"""The whole text of build_snapshot's refusal of a period with nothing to draw (issue 22: a mutant that wrapped
it in "XX…XX" survived, since the older test matches only a fragment). The clerk reads it in the draw page."""

from __future__ import annotations

import pytest

from app.services.draw import algorithm as da
from tests.factories import make_uscc

NOTHING_TO_DRAW = "本期范围内没有需要抽取的对象（各分层应抽数均为 0 或分层为空），请检查对象库、规则和任务范围。"


def _snapshot(strata):
    return da.build_snapshot(
        office="测试县", period="2026Q1", task=None, policy_id="zezhou-2024", strata=strata, people=[]
    )


@pytest.mark.parametrize(
    "strata",
    [
        [],
        [
            {
                "category": "一般监管对象",
                "stratum": "全部",
                "required": 0,
                "objects": [{"id": make_uscc(1), "name": "甲"}],
            }
        ],
    ],
    ids=["no-stratum", "all-zero"],
)
def test_nothing_to_draw_is_refused_with_the_whole_message(strata):
    with pytest.raises(ValueError) as info:
        _snapshot(strata)
    assert str(info.value) == NOTHING_TO_DRAW


def test_an_unknown_algorithm_is_refused_listing_the_supported_versions():
    with pytest.raises(ValueError) as info:
        da.version_of("ssj-draw/9")
    assert str(info.value) == f"算法版本“ssj-draw/9”不是本程序支持的版本（{da.ALGORITHM_V1}、{da.ALGORITHM}）。"
