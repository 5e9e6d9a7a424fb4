"""Importing a holiday file spanning two years: both years replaced, the count of replaced days summed over the
years, and the audit entry naming the years and the count (what a reviewer reads back)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from app.models.core import AuditEntry
from app.services.outcomes import workdays


def test_a_two_year_import_replaces_both_years_and_audits_years_and_count(session, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text("日期,类型,名称\n2028-12-30,节假日,甲\n2028-12-31,节假日,乙\n2029-01-01,节假日,元旦\n", "utf-8")
    second = tmp_path / "second.csv"
    second.write_text("日期,类型,名称\n2028-10-01,节假日,国庆\n2029-01-02,上班,元旦\n", "utf-8")
    workdays.import_calendar(session, first)
    report = workdays.import_calendar(session, second)
    assert report["replaced"] == 3 and report["years"] == [2028, 2029] and report["days"] == 2
    assert [d.day for d in workdays.list_days(session)] == [date(2028, 10, 1), date(2029, 1, 2)]
    session.flush()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "calendar_day")).all()[-1]
    assert entry.entity_id == "2028,2029"
    assert json.loads(entry.after) == {"years": [2028, 2029], "count": 2}
    assert "替换 3 天" in entry.summary


def test_a_notice_without_its_year_is_imported_with_the_year_given(session, tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text("元旦：1月1日放假。\n", "utf-8")
    report = workdays.import_calendar(session, path, 2029)
    assert report["years"] == [2029] and report["holidays"] == 1
