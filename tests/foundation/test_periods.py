"""Period choices: one core function for every chooser (issue 15 point 4)."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.foundation.periods import period_choices


def test_the_draw_looks_a_year_ahead_quarter_by_quarter_across_the_new_year():
    assert period_choices("draw", date(2026, 11, 20)) == ["2026Q4", "2027Q1", "2027Q2", "2027Q3"]


def test_rules_offer_last_this_and_next_year_in_calendar_order():
    codes = period_choices("rules", date(2026, 5, 1))
    assert codes[0] == "2025Q1" and codes[-1] == "2027" and "2026H2" in codes and len(codes) == 21


def test_reports_offer_this_and_last_year_newest_first():
    codes = period_choices("reports", date(2026, 5, 1))
    assert codes[:4] == ["2026Q4", "2026Q3", "2026Q2", "2026Q1"] and codes[-1] == "2025" and len(codes) == 14


def test_an_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError):
        period_choices("someday")
