"""The working-day calendar pinned down rule by rule (each test named for the behaviour it fixes).

These exist so that a change to app/services/outcomes/workdays.py that alters behaviour fails a test
(the mutation script, bench/mutation.sh, checks that they do).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook

from app.models.outcomes import CalendarDay
from app.services.foundation.errors import UserError
from app.services.outcomes import workdays
from tests.outcomes.test_workdays import NOTICE_2027

NOTICE_2028 = """国务院办公厅关于2028年部分节假日安排的通知（测试用）
一、元旦：1月1日（周六）至3日（周一）放假，共3天。
二、春节：1月25日（周二）至31日（周一）放假调休，共7天。1月23日（周日）上班。
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- importing a year replaces that year only ---------------------------------------------------------


def test_reimporting_a_year_replaces_it_and_keeps_the_other_years(session, tmp_path):
    workdays.import_calendar(session, write(tmp_path, "2027.txt", NOTICE_2027))
    first_2027 = len(workdays.list_days(session, 2027))
    report = workdays.import_calendar(session, write(tmp_path, "2028.txt", NOTICE_2028))
    assert report["years"] == [2028] and report["replaced"] == 0
    assert report == {
        "file": str(tmp_path / "2028.txt"),
        "years": [2028],
        "days": 11,
        "holidays": 10,
        "makeup_workdays": 1,
        "replaced": 0,
    }
    again = workdays.import_calendar(session, write(tmp_path, "2027b.txt", NOTICE_2027))
    assert again["replaced"] == first_2027 and again["days"] == first_2027
    assert len(workdays.list_days(session, 2027)) == first_2027  # not doubled
    assert len(workdays.list_days(session, 2028)) == 11  # the other year untouched
    assert workdays.table_years(session) == [2027, 2028]
    assert workdays.count_by_year(session) == {2027: first_2027, 2028: 11}


def test_import_without_replace_adds_to_the_year(session, tmp_path):
    csv_a = write(tmp_path, "a.csv", "日期,类型,名称\n2029-01-01,节假日,元旦\n")
    csv_b = write(tmp_path, "b.csv", "日期,类型,名称\n2029-02-01,节假日,春节\n")
    workdays.import_calendar(session, csv_a)
    report = workdays.import_calendar(session, csv_b, replace=False)
    assert report["replaced"] == 0
    assert [d.day for d in workdays.list_days(session, 2029)] == [date(2029, 1, 1), date(2029, 2, 1)]


def test_import_is_audited_with_years_and_count(session, tmp_path):
    from sqlalchemy import select

    from app.models.core import AuditEntry

    workdays.import_calendar(session, write(tmp_path, "2028.txt", NOTICE_2028))
    session.flush()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "calendar_day")).all()[-1]
    assert entry.action == "导入" and entry.entity_id == "2028"
    assert "2028.txt" in entry.summary and "11 天" in entry.summary


# --- entering days by hand ------------------------------------------------------------------------------


def test_set_day_adds_then_changes_and_remove_day_deletes(session):
    row = workdays.set_day(session, date(2029, 3, 2), "放假", "  测试  ")
    assert (row.kind, row.name) == (workdays.HOLIDAY, "测试")
    assert workdays.set_day(session, date(2029, 3, 2), "补班", "改").kind == workdays.MAKEUP
    assert len(workdays.list_days(session, 2029)) == 1
    assert workdays.is_workday(session, date(2029, 3, 2)) is True
    workdays.remove_day(session, date(2029, 3, 2))
    workdays.remove_day(session, date(2029, 3, 3))  # nothing there: no error
    assert workdays.list_days(session, 2029) == [] and workdays.table_years(session) == []


def test_set_day_refuses_an_unknown_kind(session):
    with pytest.raises(UserError, match="“节假日”或“调休上班”"):
        workdays.set_day(session, date(2029, 3, 2), "周末")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("节假日", "节假日"),
        ("放假", "节假日"),
        ("休", "节假日"),
        ("Holiday", "节假日"),
        (" 休息 ", "节假日"),
        ("调休上班", "调休上班"),
        ("上班", "调休上班"),
        ("补班", "调休上班"),
        ("WORKDAY", "调休上班"),
        ("班", "调休上班"),
    ],
)
def test_kind_aliases(text, kind):
    assert workdays.normalise_kind(text) == kind


@pytest.mark.parametrize("text", ["", "周末", None, "工作"])
def test_unknown_kinds_are_none(text):
    assert workdays.normalise_kind(text) is None


def test_list_days_without_year_lists_every_year_in_order(session):
    workdays.set_day(session, date(2030, 1, 1), "节假日")
    workdays.set_day(session, date(2029, 5, 1), "节假日")
    assert [d.day for d in workdays.list_days(session)] == [date(2029, 5, 1), date(2030, 1, 1)]
    assert [d.day for d in workdays.list_days(session, 2030)] == [date(2030, 1, 1)]


# --- which days are working days ------------------------------------------------------------------------


def test_a_table_row_wins_over_the_library(session):
    # 2026-01-05 (Mon) is a working day in chinese_calendar; a correction in the table makes it a holiday.
    assert workdays.is_workday(session, date(2026, 1, 5)) is True
    workdays.set_day(session, date(2026, 1, 5), "节假日")
    assert workdays.Calendar(session).is_workday(date(2026, 1, 5)) is False
    # another day of the same year not in the table falls back to Monday–Friday
    assert workdays.Calendar(session).is_workday(date(2026, 1, 6)) is True
    assert workdays.Calendar(session).is_workday(date(2026, 1, 10)) is False  # Saturday
    assert workdays.year_status(session, 2026) == "已录入"


def test_a_table_year_uses_weekdays_for_days_it_does_not_list(session):
    workdays.set_day(session, date(2031, 1, 1), "节假日")
    cal = workdays.Calendar(session)
    assert cal.has_year(2031) and not cal.has_year(2032)
    assert cal.is_workday(date(2031, 1, 1)) is False
    assert cal.is_workday(date(2031, 1, 2)) is True  # Thursday
    assert cal.is_workday(date(2031, 1, 4)) is False  # Saturday
    assert cal.is_workday(date(2031, 1, 5)) is False  # Sunday
    assert cal.is_workday(date(2031, 1, 6)) is True  # Monday
    with pytest.raises(workdays.CalendarMissing) as exc:
        cal.is_workday(date(2032, 1, 6))
    assert exc.value.year == 2032 and "2032 年的节假日安排尚未录入" in exc.value.message


def test_library_years():
    assert workdays.library_supports(2026) and workdays.library_supports(2004)
    assert not workdays.library_supports(2040)
    assert workdays.year_status(None, 2040) == "未录入" and workdays.year_status(None, 2025) == "内置"


def test_adding_workdays(session):
    assert workdays.add_workdays(None, date(2026, 3, 2), 0) == date(2026, 3, 2)  # Monday: day 0 is itself
    assert workdays.add_workdays(None, date(2026, 3, 7), 0) == date(2026, 3, 9)  # Saturday → Monday
    assert workdays.add_workdays(None, date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday + 1 → Monday
    assert workdays.add_workdays(None, date(2026, 3, 2), 5) == date(2026, 3, 9)
    with pytest.raises(UserError, match="不能为负数"):
        workdays.add_workdays(None, date(2026, 3, 2), -1)


def test_workdays_between():
    cal = workdays.Calendar(None)
    assert cal.workdays_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert cal.workdays_between(date(2026, 3, 3), date(2026, 3, 2)) == 0
    assert cal.workdays_between(date(2026, 3, 2), date(2026, 3, 3)) == 1  # start not counted, end counted
    assert cal.workdays_between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Fri → Mon over a weekend
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 10, 10)) == 3  # 10-8, 10-9, 10-10 (调休)


def test_the_table_is_read_once_per_year_per_calendar(session):
    workdays.set_day(session, date(2031, 1, 1), "节假日")
    cal = workdays.Calendar(session)
    assert cal.is_workday(date(2031, 1, 1)) is False
    session.add(CalendarDay(day=date(2031, 1, 2), kind=workdays.HOLIDAY, name=""))
    session.flush()
    assert cal.is_workday(date(2031, 1, 2)) is True  # the cached year, as documented: one session's view
    assert workdays.Calendar(session).is_workday(date(2031, 1, 2)) is False


# --- the notice parser ----------------------------------------------------------------------------------


def test_notice_with_two_single_holiday_days_in_one_sentence():
    entries = workdays.parse_notice("2029年\n端午节：6月1日、6月4日放假。")
    assert entries == [(date(2029, 6, 1), "节假日", "端午节"), (date(2029, 6, 4), "节假日", "端午节")]


def test_notice_with_three_single_days_and_a_range_after_them():
    entries = workdays.parse_notice("元旦：1月1日、1月3日、1月5日至7日放假。", 2029)
    assert [d for d, _, _ in entries] == [date(2029, 1, d) for d in (1, 3, 5, 6, 7)]


def test_notice_with_holidays_and_no_working_day_line():
    entries = workdays.parse_notice("2029年\n清明节：4月4日至6日放假，共3天。")
    assert entries == [(date(2029, 4, d), "节假日", "清明节") for d in (4, 5, 6)]


def test_notice_with_only_working_days():
    assert workdays.parse_notice("春节：2月3日上班。", 2029) == [(date(2029, 2, 3), "调休上班", "春节")]


def test_notice_range_across_months_and_year_argument_wins():
    entries = workdays.parse_notice("2030年\n端午节：5月31日至6月2日放假。", 2029)
    assert [d for d, _, _ in entries] == [date(2029, 5, 31), date(2029, 6, 1), date(2029, 6, 2)]


def test_notice_line_details():
    text = (
        "2029年\n一、元旦（新年）：1月1日（周一）放假，共1天。\n这一行没有冒号1月9日放假\n"
        "非常非常非常长的一个节日名称啊：1月8日放假。"
    )
    assert workdays.parse_notice(text) == [(date(2029, 1, 1), "节假日", "元旦（新年）")]


def test_notice_range_ending_before_it_starts_names_the_line():
    with pytest.raises(UserError) as exc:
        workdays.parse_notice("2029年\n国庆节：10月7日至10月1日放假。")
    assert "第 2 行" in exc.value.message and "结束日期早于开始日期" in exc.value.message


def test_notice_date_without_month_names_the_line():
    with pytest.raises(UserError) as exc:
        workdays.parse_notice("2029年\n中秋节：15日放假。")
    assert "第 2 行" in exc.value.message and "日期缺少月份" in exc.value.message


def test_notice_working_day_in_the_same_sentence_as_the_holiday():
    entries = workdays.parse_notice("劳动节：5月1日至3日放假，4月28日上班。", 2029)
    assert (date(2029, 4, 28), "调休上班", "劳动节") in entries and len(entries) == 4


# --- the table files --------------------------------------------------------------------------------------


def test_date_cells_in_every_accepted_form():
    where = "f 第 2 行"
    assert workdays._parse_date_cell(datetime(2029, 1, 2, 9, 30), where) == date(2029, 1, 2)
    assert workdays._parse_date_cell(date(2029, 1, 2), where) == date(2029, 1, 2)
    assert workdays._parse_date_cell(46753, where) == date(2028, 1, 1)  # Excel serial
    assert workdays._parse_date_cell(46753.0, where) == date(2028, 1, 1)
    for text in ("2029-01-02", "2029/1/2", "2029.01.02", "2029年1月2日", "20290102", " 2029-01-02 "):
        assert workdays._parse_date_cell(text, where) == date(2029, 1, 2), text
    for bad in ("", None, "2029-02-30", "明天", 12, 99999):
        with pytest.raises(UserError, match="f 第 2 行：日期.*无法识别"):
            workdays._parse_date_cell(bad, where)


def test_table_file_problems_are_named(session, tmp_path):
    with pytest.raises(UserError, match="找不到文件"):
        workdays.read_calendar_file(tmp_path / "none.csv")
    with pytest.raises(UserError, match="是空的"):
        workdays.read_calendar_file(write(tmp_path, "empty.csv", ""))
    with pytest.raises(UserError, match="第 1 行缺少“日期”或“类型”列"):
        workdays.read_calendar_file(write(tmp_path, "h.csv", "日期,名称\n2029-01-01,元旦\n"))
    with pytest.raises(UserError, match="第 1 行缺少“日期”或“类型”列"):
        workdays.read_calendar_file(write(tmp_path, "h2.csv", "类型,名称\n节假日,元旦\n"))
    with pytest.raises(UserError, match="没有数据行"):
        workdays.read_calendar_file(write(tmp_path, "only.csv", "日期,类型\n,\n"))
    with pytest.raises(UserError) as exc:
        workdays.read_calendar_file(
            write(tmp_path, "y.csv", "date,kind\n2029-01-01,holiday\n2030-01-01,holiday\n"), year=2029
        )
    assert "第 3 行日期 2030-01-01 不在 2029 年" in exc.value.message and "（未导入任何数据）" in exc.value.message
    with pytest.raises(UserError) as exc:
        workdays.read_calendar_file(write(tmp_path, "k.csv", "日期,类型\n2029-01-01,周末\n2029-01-02,x\n"))
    assert "第 2 行“类型”列“周末”无效" in exc.value.message and "共 2 处错误" in exc.value.message
    assert [(d["row"], d["column"]) for d in exc.value.details] == [(2, "类型"), (3, "类型")]


def test_table_file_columns_by_alias_blank_rows_and_short_rows(tmp_path):
    entries = workdays.read_calendar_file(
        write(tmp_path, "a.csv", "类别,节日名称,date\n节假日,元旦,2029-01-01\n,,\n调休,春节,2029-02-03\n")
    )
    assert entries == [(date(2029, 1, 1), "节假日", "元旦"), (date(2029, 2, 3), "调休上班", "春节")]
    with pytest.raises(UserError, match="第 3 行“日期”列：日期“”无法识别"):
        workdays.read_calendar_file(write(tmp_path, "s.csv", "类型,名称,日期\n节假日,元旦,2029-01-01\n上班\n"))
    no_name = workdays.read_calendar_file(write(tmp_path, "b.csv", "日期,类型\n2029-01-01,节假日\n"))
    assert no_name == [(date(2029, 1, 1), "节假日", "")]


def test_table_file_read_from_xlsx_with_serial_dates(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "类型", "名称"])
    ws.append([46753, "节假日", "元旦"])
    ws.append([datetime(2028, 1, 23), "上班", "春节"])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    assert workdays.read_calendar_file(path) == [
        (date(2028, 1, 1), "节假日", "元旦"),
        (date(2028, 1, 23), "调休上班", "春节"),
    ]


def test_text_files_are_read_as_the_notice_in_utf8_or_gbk(tmp_path):
    gbk = tmp_path / "n.txt"
    gbk.write_bytes(NOTICE_2028.encode("gb18030"))
    assert len(workdays.read_calendar_file(gbk)) == 11
    assert workdays._is_notice_text(tmp_path / "x.md") and workdays._is_notice_text(tmp_path / "x")
    assert not workdays._is_notice_text(tmp_path / "x.csv")


def test_a_csv_in_an_unknown_encoding_is_refused(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("日期,类型\n".encode("utf-16"))
    with pytest.raises(UserError, match="无法识别 u.csv 的文字编码"):
        workdays.read_rows(path)


# --- the publication deadline rule ------------------------------------------------------------------------


def test_deadline_rule_label_and_defaults():
    assert workdays.DeadlineRule().label == "自检查结果认定之日起 20 个工作日内公示"
    assert workdays.DeadlineRule(workdays.BASIS_TASK_END, 15).label == "自本季度抽查任务完成之日起 15 个工作日内公示"


@pytest.mark.parametrize(
    "section, basis, days",
    [
        (None, workdays.BASIS_DETERMINATION, 20),
        ({}, workdays.BASIS_DETERMINATION, 20),
        ({"workdays": 15, "from": "结果认定"}, workdays.BASIS_DETERMINATION, 15),
        ({"workdays": 20, "from": "季度任务完成"}, workdays.BASIS_TASK_END, 20),
        ({"from": "季度任务完成"}, workdays.BASIS_TASK_END, 20),
    ],
)
def test_deadline_rule_from_the_preset_section(section, basis, days):
    rule = workdays.rule_from(section)
    assert (rule.basis, rule.days) == (basis, days)


@pytest.mark.parametrize("section", [{"from": "明天"}, {"workdays": 0}, {"workdays": "二十"}, {"workdays": -3}])
def test_a_bad_deadline_section_is_refused(section):
    with pytest.raises(UserError, match="公示期限"):
        workdays.rule_from(section)
