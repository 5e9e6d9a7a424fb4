"""Reading a holiday file — the notice as text, or a table (日期, 类型, 名称) — and what its refusal lists
(row, column, message for every bad row; nothing imported). No database."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.foundation.errors import UserError
from app.services.outcomes import workdays

H, M = "节假日", "调休上班"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_a_notice_without_its_year_is_read_with_the_year_given(tmp_path):
    path = write(tmp_path, "通知.txt", "元旦：1月1日放假。\n春节：2月3日上班。\n")
    assert workdays.read_calendar_file(path, 2029) == [(date(2029, 1, 1), H, "元旦"), (date(2029, 2, 3), M, "春节")]


def test_a_dot_text_file_is_a_notice_too(tmp_path):
    path = write(tmp_path, "通知.text", "2029年\n元旦：1月1日放假。\n")
    assert workdays.read_calendar_file(path) == [(date(2029, 1, 1), H, "元旦")]


def test_a_gbk_notice_with_a_stray_byte_is_still_read(tmp_path):
    path = write(tmp_path, "通知.txt", "2029年\n元旦：1月1日放假。\n".encode("gbk") + b"\xff\n")
    assert workdays.read_calendar_file(path) == [(date(2029, 1, 1), H, "元旦")]


@pytest.mark.parametrize("header", ["日期,类型,节日", "date,kind,name", "日期,类别,节日名称"])
def test_the_name_column_by_its_other_titles(tmp_path, header):
    path = write(tmp_path, "t.csv", f"{header}\n2029-01-01,节假日,元旦\n2029-02-03,上班,\n")
    assert workdays.read_calendar_file(path) == [(date(2029, 1, 1), H, "元旦"), (date(2029, 2, 3), M, "")]


def test_one_bad_row_is_named_with_row_and_column(tmp_path):
    path = write(tmp_path, "t.csv", "日期,类型,名称\n2029-01-01,节假日,元旦\n明天,节假日,x\n")
    with pytest.raises(UserError) as exc:
        workdays.read_calendar_file(path)
    assert exc.value.message == "t.csv 第 3 行“日期”列：日期“明天”无法识别，应写成 2027-01-01。（未导入任何数据）"
    assert exc.value.details == [
        {"row": 3, "column": "日期", "message": "t.csv 第 3 行“日期”列：日期“明天”无法识别，应写成 2027-01-01。"}
    ]


def test_every_bad_row_is_listed_dates_kinds_and_other_years(tmp_path):
    path = write(
        tmp_path,
        "t.csv",
        "日期,类型,名称\n2029-01-01,节假日,元旦\n2028-12-31,节假日,x\n2030-01-01,节假日,y\n明天,节假日,z\n2029-05-01,周末,w\n",
    )
    with pytest.raises(UserError) as exc:
        workdays.read_calendar_file(path, 2029)
    assert exc.value.message == "t.csv 第 3 行日期 2028-12-31 不在 2029 年。（共 4 处错误，未导入任何数据）"
    assert exc.value.details == [
        {"row": 3, "column": "日期", "message": "t.csv 第 3 行日期 2028-12-31 不在 2029 年。"},
        {"row": 4, "column": "日期", "message": "t.csv 第 4 行日期 2030-01-01 不在 2029 年。"},
        {"row": 5, "column": "日期", "message": "t.csv 第 5 行“日期”列：日期“明天”无法识别，应写成 2027-01-01。"},
        {"row": 6, "column": "类型", "message": "t.csv 第 6 行“类型”列“周末”无效，应为“节假日”或“调休上班”。"},
    ]
