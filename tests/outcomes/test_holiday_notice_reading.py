"""Reading the State Council's 放假安排 notice and holiday table cells, line by line (pure functions, no database:
the fast tests the mutation run of app/services/outcomes/workdays.py relies on)."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from app.services.foundation.errors import UserError
from app.services.outcomes import workdays

H, M = "节假日", "调休上班"


def days(entries):
    return [(d, k) for d, k, _ in entries]


def test_a_notice_without_a_year_asks_for_one():
    with pytest.raises(UserError) as exc:
        workdays.parse_notice("春节：2月15日至23日放假。")
    assert exc.value.message == "放假通知中找不到年份（如“2027年”）。请在命令中用 --year 指定年份。"


def test_a_date_without_month_names_the_line_and_the_reason():
    with pytest.raises(UserError) as exc:
        workdays.parse_notice("2029年\n中秋节：15日放假。")
    assert exc.value.message == (
        "放假通知第 2 行“中秋节：15日放假。”无法识别：日期缺少月份。请检查该行或改用表格导入。"
    )


@pytest.mark.parametrize("mark", ["至", "-", "—"])
def test_every_range_mark_spans_the_days(mark):
    entries = workdays.parse_notice(f"劳动节：5月1日{mark}3日放假。", 2029)
    assert days(entries) == [(date(2029, 5, d), H) for d in (1, 2, 3)]


def test_a_range_mark_before_an_earlier_date_does_not_make_a_later_pair_a_range():
    entries = workdays.parse_notice("元旦：1月1日至3日、2月5日、2月8日放假。", 2029)
    assert [d for d, _ in days(entries)] == [
        date(2029, 1, 1),
        date(2029, 1, 2),
        date(2029, 1, 3),
        date(2029, 2, 5),
        date(2029, 2, 8),
    ]


def test_spaces_inside_a_line_are_ignored():
    entries = workdays.parse_notice("春 节 ： 2月 15日 至 17日 放假 。 2月 14日 上班 。", 2029)
    assert days(entries) == [(date(2029, 2, 14), M)] + [(date(2029, 2, d), H) for d in (15, 16, 17)]
    assert {n for _, _, n in entries} == {"春节"}


def test_a_second_colon_in_a_line_stays_in_its_text():
    entries = workdays.parse_notice("春节：2月15日至17日放假（注：共3天）。2月14日上班。", 2029)
    assert days(entries) == [(date(2029, 2, 14), M)] + [(date(2029, 2, d), H) for d in (15, 16, 17)]
    assert {n for _, _, n in entries} == {"春节"}


def test_a_name_of_twelve_characters_is_a_holiday_and_thirteen_is_not():
    twelve, thirteen = "国庆节中秋节假期安排说明", "国庆节中秋节假期安排说明书"
    entries = workdays.parse_notice(f"{twelve}：10月1日放假。", 2029)
    assert entries == [(date(2029, 10, 1), H, twelve)]
    with pytest.raises(UserError, match="没有识别到放假或上班日期"):
        workdays.parse_notice(f"{thirteen}：10月1日放假。", 2029)


def test_a_line_with_a_long_name_is_skipped_and_the_lines_after_it_are_read():
    text = "国务院办公厅关于二〇二九年部分节假日安排：1月1日放假\n元旦：1月1日放假。\n春节：2月3日上班。"
    assert days(workdays.parse_notice(text, 2029)) == [(date(2029, 1, 1), H), (date(2029, 2, 3), M)]


def test_a_working_day_sentence_before_the_holiday_sentence_stays_a_working_day():
    entries = workdays.parse_notice("春节：2月14日（周六）上班。2月15日至17日放假。", 2029)
    assert days(entries) == [(date(2029, 2, 14), M)] + [(date(2029, 2, d), H) for d in (15, 16, 17)]


def test_an_empty_sentence_does_not_end_the_line():
    entries = workdays.parse_notice("春节：2月15日至16日放假；。2月14日上班。", 2029)
    assert days(entries) == [(date(2029, 2, 14), M), (date(2029, 2, 15), H), (date(2029, 2, 16), H)]


def test_excel_serial_date_cells_are_read_between_the_bounds_only():
    assert workdays._parse_date_cell(20001, "w") == date(1954, 10, 4)
    assert workdays._parse_date_cell(20000.5, "w") == date(1954, 10, 3)
    assert workdays._parse_date_cell(79999, "w") == date(2119, 1, 10)
    for bound in (20000, 80000):
        with pytest.raises(UserError) as exc:
            workdays._parse_date_cell(bound, "f 第 3 行")
        assert exc.value.message == f"f 第 3 行：日期“{bound}”无法识别，应写成 2027-01-01。"


def test_an_xlsm_table_is_read_as_excel(tmp_path):
    wb = Workbook()
    wb.active.append(["日期", "类型"])
    wb.active.append(["2029-10-01", "节假日"])
    path = tmp_path / "假日.xlsm"
    wb.save(path)
    assert workdays.read_rows(path) == [["日期", "类型"], ["2029-10-01", "节假日"]]


def test_a_broken_xls_file_is_refused_as_excel_not_read_as_text(tmp_path):
    path = tmp_path / "假日.xls"
    path.write_bytes("日期,类型\n2029-10-01,节假日\n".encode())
    with pytest.raises(UserError) as exc:
        workdays.read_rows(path)
    assert exc.value.message.startswith("无法读取 Excel 文件 假日.xls：")
    assert exc.value.message.endswith("。请确认文件未损坏、未加密。")


def test_a_one_day_range_is_that_day():
    assert days(workdays.parse_notice("元旦：1月1日至1日放假。", 2029)) == [(date(2029, 1, 1), H)]


def test_a_range_ending_before_it_starts_is_refused_with_the_line():
    with pytest.raises(UserError) as exc:
        workdays.parse_notice("国庆节：10月7日至10月1日放假。", 2029)
    assert exc.value.message == (
        "放假通知第 1 行“国庆节：10月7日至10月1日放假。”无法识别：结束日期早于开始日期。请检查该行或改用表格导入。"
    )


def test_a_working_day_after_the_holidays_in_one_sentence_is_only_that_day():
    entries = workdays.parse_notice("劳动节：5月1日至3日放假，4月28日上班。", 2029)
    assert days(entries) == [(date(2029, 4, 28), M)] + [(date(2029, 5, d), H) for d in (1, 2, 3)]


def test_dates_after_the_holiday_or_working_day_word_are_not_taken():
    entries = workdays.parse_notice("国庆节：10月1日至3日放假，10月8日不调休。9月29日上班，10月9日照常。", 2029)
    assert days(entries) == [(date(2029, 9, 29), M)] + [(date(2029, 10, d), H) for d in (1, 2, 3)]


def test_a_notice_without_any_day_says_how_a_line_should_look():
    with pytest.raises(UserError) as exc:
        workdays.parse_notice("2029年\n春节：放假调休。", 2029)
    assert exc.value.message == (
        "放假通知中没有识别到放假或上班日期。每个节日应写成一行，如“春节：2月15日至23日放假调休，共9天。"
        "2月14日（周六）、2月28日（周六）上班。”"
    )
