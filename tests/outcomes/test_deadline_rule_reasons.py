"""What the publication-deadline rule and the holiday table entry say and keep (mutation survivors of
app/services/outcomes/workdays.py): the refused 起算点 is named, one working day is a valid deadline, a day entered
without a name has none."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.foundation.errors import UserError
from app.services.outcomes import workdays


def test_a_bad_basis_is_named_in_the_refusal():
    with pytest.raises(UserError) as exc:
        workdays.rule_from({"from": "月底", "workdays": 20})
    assert str(exc.value) == "规则中的公示期限起算点“月底”无效，应为“结果认定”或“季度任务完成”。"


def test_one_working_day_is_a_valid_deadline():
    rule = workdays.rule_from({"workdays": 1, "from": "季度任务完成"})
    assert (rule.basis, rule.days) == (workdays.BASIS_TASK_END, 1)
    with pytest.raises(UserError, match="“0”无效"):
        workdays.rule_from({"workdays": 0})


def test_a_day_entered_without_a_name_has_none(session):
    row = workdays.set_day(session, date(2029, 3, 2), "节假日")
    assert row.name == ""
    assert [(d.day, d.name) for d in workdays.list_days(session, 2029)] == [(date(2029, 3, 2), "")]
