"""Working-day deadlines across 春节 and 国庆 2026, later years from the in-app holiday table."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.services.foundation.errors import UserError
from app.services.outcomes import workdays


@pytest.fixture
def cli(admin_cli):
    """`ssj` runs as the administrator of the `db` fixture (--user admin), as a clerk would with an account."""
    return admin_cli


NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知（测试用）
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（周五）至12日（周五）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假，与周末不连休。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


def test_spring_festival_2026_counts_makeup_saturdays():
    # 2026-02-13 (Fri) + 1 → 2026-02-14 is a 调休 Saturday: a working day.
    assert workdays.add_workdays(None, date(2026, 2, 13), 1) == date(2026, 2, 14)
    # 2-14 + 1 skips the 2-15..2-23 holiday → 2-24.
    assert workdays.add_workdays(None, date(2026, 2, 14), 1) == date(2026, 2, 24)
    # The figure measured in STACK-NOTES: 20 working days after 2026-01-20 → 2026-02-24.
    assert workdays.add_workdays(None, date(2026, 1, 20), 20) == date(2026, 2, 24)
    # 2-27 (Fri) + 1 → 2-28 (Sat, 调休上班).
    assert workdays.add_workdays(None, date(2026, 2, 27), 1) == date(2026, 2, 28)


def test_national_day_2026_with_makeup_sunday_and_saturday():
    # 9-18 (Fri) + 1 → 9-19 (Sat) is rest, 9-20 (Sun) is 调休上班.
    assert workdays.add_workdays(None, date(2026, 9, 18), 1) == date(2026, 9, 20)
    # The CLI example: 2026-09-25 is 中秋 (a holiday), so day 0 is 9-28 (find_workday semantics);
    # 20 working days later skip 国庆 and count the 10-10 调休 Saturday.
    assert workdays.add_workdays(None, date(2026, 9, 25), 20) == date(2026, 10, 30)
    import chinese_calendar

    for start in (date(2026, 9, 25), date(2026, 9, 30), date(2026, 2, 10), date(2026, 2, 16)):
        for n in (0, 1, 5, 20):
            assert workdays.add_workdays(None, start, n) == chinese_calendar.find_workday(n, start), (start, n)
    # 9-30 (Wed) + 1 → 10-8 (Thu), 10-9 (Fri) is 2, 10-10 (Sat, 调休上班) is 3.
    assert workdays.add_workdays(None, date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert workdays.add_workdays(None, date(2026, 9, 30), 0) == date(2026, 9, 30)


def test_2027_without_data_gives_clear_message(session):
    with pytest.raises(workdays.CalendarMissing) as exc:
        workdays.add_workdays(session, date(2026, 12, 15), 20)
    assert "2027 年的节假日安排尚未录入" in exc.value.message and "节假日设置" in exc.value.message
    assert workdays.year_status(session, 2027) == "未录入"
    assert workdays.year_status(session, 2026) == "内置"


NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
"""


@pytest.mark.parametrize("text, year", [(NOTICE_2026, 2026), (NOTICE_2025, 2025)])
def test_notice_parser_reproduces_the_official_calendar(text, year):
    """The parser applied to the real notices gives exactly chinese_calendar's working days, day by day."""
    import chinese_calendar

    entries = workdays.parse_notice(text)
    kinds = {d: k for d, k, _ in entries}
    if year == 2026:
        assert kinds[date(2026, 2, 14)] == "调休上班" and kinds[date(2026, 2, 23)] == "节假日"
        assert dict((d, n) for d, _, n in entries)[date(2026, 10, 10)] == "国庆节"
    day = date(year, 1, 1)
    while day.year == year:
        mine = kinds[day] == "调休上班" if day in kinds else day.weekday() < 5
        assert mine == chinese_calendar.is_workday(day), day
        day = date.fromordinal(day.toordinal() + 1)


def test_imported_2027_notice_gives_correct_deadlines(session, tmp_path):
    f = tmp_path / "2027放假通知.txt"
    f.write_text(NOTICE_2027, encoding="utf-8")
    report = workdays.import_calendar(session, f)
    session.commit()
    assert report["years"] == [2027] and report["makeup_workdays"] == 6
    assert workdays.year_status(session, 2027) == "已录入"
    # 2027-02-04 (Thu) + 1 → 2-05 holiday ... 2-12 holiday, 2-13 Sat, 2-14 Sun 调休上班.
    # A deadline starting inside the holiday starts from the first working day (2-14), + 1 → 2-15.
    assert workdays.add_workdays(session, date(2027, 2, 8), 1) == date(2027, 2, 15)
    assert workdays.add_workdays(session, date(2027, 2, 4), 1) == date(2027, 2, 14)
    assert workdays.add_workdays(session, date(2027, 2, 14), 1) == date(2027, 2, 15)
    # Across the year end: 2026-12-25 (Fri) + 5 → 12-28..12-31 (4), 1-1..1-3 holiday, 1-4 (Mon) = 5.
    assert workdays.add_workdays(session, date(2026, 12, 25), 5) == date(2027, 1, 4)
    # 国庆 2027: 9-30 (Thu) + 1 → 10-8 (Fri); + 2 → 10-9 (Sat, 调休上班).
    assert workdays.add_workdays(session, date(2027, 9, 30), 2) == date(2027, 10, 9)
    # 2028 is still missing.
    with pytest.raises(workdays.CalendarMissing, match="2028"):
        workdays.add_workdays(session, date(2027, 12, 20), 20)


def test_table_import_csv_gbk_and_errors_import_nothing(session, tmp_path):
    good = tmp_path / "2027.csv"
    good.write_bytes("日期,类型,名称\n2027-01-01,节假日,元旦\n2027/2/14,上班,春节\n".encode("gbk"))
    report = workdays.import_calendar(session, good)
    assert report["days"] == 2 and report["holidays"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "日期,类型,名称\n2027-01-01,节假日,元旦\n2027-13-01,节假日,X\n2027-01-02,休假吗,Y\n", encoding="utf-8"
    )
    with pytest.raises(UserError) as exc:
        workdays.import_calendar(session, bad)
    assert "第 3 行“日期”列" in exc.value.message and "未导入" in exc.value.message
    assert [d["row"] for d in exc.value.details] == [3, 4]
    assert len(workdays.list_days(session, 2027)) == 2  # the good import stands, the bad one left nothing


def test_table_import_xlsx(session, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "类型", "名称"])
    ws.append([date(2027, 10, 1), "节假日", "国庆节"])
    ws.append(["2027-10-09", "调休上班", "国庆节"])
    wb.save(tmp_path / "h.xlsx")
    report = workdays.import_calendar(session, tmp_path / "h.xlsx")
    assert report["days"] == 2
    assert not workdays.is_workday(session, date(2027, 10, 1))
    assert workdays.is_workday(session, date(2027, 10, 9))


def test_notice_without_year_or_dates_is_rejected():
    with pytest.raises(UserError, match="年份"):
        workdays.parse_notice("春节：2月5日至12日放假。")
    with pytest.raises(UserError, match="没有识别到"):
        workdays.parse_notice("2027年 通知正文，没有具体安排。")


def test_publication_rule_defaults_to_20_days_from_determination(session):
    rule = workdays.publication_rule(session)
    assert rule.days == 20 and rule.basis in (workdays.BASIS_DETERMINATION, workdays.BASIS_TASK_END)


def test_cli_workdays_add_needs_no_database(tmp_path, capsys):
    from app.cli import run

    assert run(["workdays", "add", "2026-09-25", "20"]) == 0
    assert capsys.readouterr().out.strip() == "2026-10-30"
    assert run(["--json", "workdays", "add", "2026-02-13", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["date"] == "2026-02-14"
    assert run(["workdays", "add", "2026-12-20", "20"]) == 1
    assert "2027 年的节假日安排尚未录入" in capsys.readouterr().err


def test_cli_holidays_import_list_and_workdays_with_db(db, cli, tmp_path):
    f = tmp_path / "n.txt"
    f.write_text(NOTICE_2027, encoding="utf-8")
    rc, out, err = cli("--json", "holidays", "import", str(f))
    assert rc == 0, err
    assert json.loads(out)["years"] == [2027]
    rc, out, err = cli("--json", "holidays", "list", "--year", "2027")
    data = json.loads(out)
    assert rc == 0 and data["status"] == "已录入"
    assert {"date": "2027-02-14", "kind": "调休上班", "name": "春节"} in data["days"]
    rc, out, err = cli("workdays", "add", "2027-02-04", "1")
    assert rc == 0 and out.strip() == "2027-02-14"


@pytest.mark.parametrize(
    "preset, basis", [("zezhou-2024", workdays.BASIS_DETERMINATION), ("weihai", workdays.BASIS_TASK_END)]
)
def test_publication_rule_read_from_the_presets(session, preset, basis):
    from app.services.rules import policies

    policies.set_policy(session, preset)
    session.flush()
    rule = workdays.publication_rule(session)
    assert rule.basis == basis and rule.days == 20
