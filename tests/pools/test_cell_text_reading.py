"""How the importer reads one cell's text: spaces, full-width forms, yes/no, dates, periods, lists, codes,
and the column converter built on them (app/services/pools/importing/values.py and convert.py).

Pure functions, no database: these are the fast tests the mutation run (bench/mutation.py) uses for the two
modules, so every reading and every reason a user sees is pinned here.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.services.foundation.errors import UserError
from app.services.pools.importing import values
from app.services.pools.importing.convert import (
    Converter,
    category_of,
    convert_value,
    empty_value,
    key_categories,
)
from app.services.pools.importing.fields import FieldSpec, fields_for

VALID_USCC = "91350100M000100Y43"
OTHER_USCC = "91110108551385082Q"
VALID_ID = "11010519491231002X"


def spec(kind: str, key: str = "k", choices: tuple[str, ...] = (), required: bool = False) -> FieldSpec:
    return FieldSpec(key, "标签", (), kind=kind, required=required, choices=choices)


def field(kind: str, key: str) -> FieldSpec:
    return next(s for s in fields_for(kind) if s.key == key)


# ---- spaces and widths -------------------------------------------------------------------------------


def test_squash_collapses_every_kind_of_space_and_drops_zero_width_ones():
    assert values.squash("\u3000某\u00a0\u00a0单位\u200b名\ufeff称  ") == "某 单位名称"
    assert values.squash("a\n\tb") == "a b"


def test_half_width_turns_full_width_into_ascii_and_removes_spaces():
    assert values.half_width("９１３５　ＡＢ\u200bｃ\ufeff ") == "9135ABc"


def test_name_text_writes_brackets_full_width_without_spaces_around_them():
    assert values.name_text(" 某某 (有限) 公司 ") == "某某（有限）公司"
    assert values.name_text("某（分厂） 车间") == "某（分厂）车间"
    assert values.name_text("ＡＢＣ\u3000公司") == "ABC 公司"


# ---- yes / no ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["是", "√", "Y", "Yes", "１", "TRUE", "t", "有", "重点", "已列入", "在编在岗"])
def test_yes_forms(text):
    assert values.parse_bool(text) is True


@pytest.mark.parametrize(
    "text", ["否", "×", "X", "N", "no", "0", "False", "F", "无", "不是", "未列入", "不在岗", "-", "—"]
)
def test_no_forms(text):
    assert values.parse_bool(text) is False


@pytest.mark.parametrize("text", ["", "也许", "2", "yes!"])
def test_anything_else_is_neither_yes_nor_no(text):
    assert values.parse_bool(text) is None


# ---- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024.03.05",
        "2024年3月5日",
        "2024年03月05",
        "20240305",
        "２０２４－０３－０５",
        "2024-03-05 00:00:00",
        "2024-03-05T08:30",
        "2024-03-05 08:30:15.5",
        "45356",
        "45356.75",
    ],
)
def test_date_forms_all_read_as_the_same_day(text):
    assert values.parse_date(text) == date(2024, 3, 5)


def test_excel_serials_count_from_the_1900_epoch():
    assert values.parse_date("1000") == date(1902, 9, 26)
    assert values.parse_date("79999") == date(2119, 1, 10)


@pytest.mark.parametrize(
    "text", ["", "   ", "80000", "99999", "0", "0000", "2024-02-30", "20241301", "2024-3", "明天", "45356.5.1", "123"]
)
def test_unreadable_or_impossible_dates_are_none(text):
    assert values.parse_date(text) is None


# ---- periods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2021-12-21至2026-12-20",
        "2021-12-21到2026-12-20",
        "2021-12-21~2026-12-20",
        "2021-12-21—2026-12-20",
        "2021-12-21--2026-12-20",
        "起2021-12-21至2026-12-20止",
        "2021-12-21-2026-12-20",
        "2021年12月21日至2026年12月20日",
        "２０２１－１２－２１至２０２６－１２－２０",
    ],
)
def test_period_forms_give_start_and_end(text):
    assert values.parse_period(text) == (date(2021, 12, 21), date(2026, 12, 20))


@pytest.mark.parametrize("text", ["至2026-12-20", "2026-12-20", "2026年12月20日止"])
def test_a_period_of_only_the_end_date(text):
    assert values.parse_period(text) == (None, date(2026, 12, 20))


@pytest.mark.parametrize(
    "text",
    [
        "2021-12-21至",
        "某日至2026-12-20",
        "2021-12-21至某日",
        "长期",
        "",
        "2021-13-21-2026-12-20",
        "2021-12-21-2026-13-20",
    ],
)
def test_unreadable_periods_are_none(text):
    assert values.parse_period(text) is None


def test_a_period_with_the_separator_twice_is_unreadable_not_an_error():
    assert values.parse_period("2021-12-21至2026-12-20至2031-12-20") is None
    assert values.parse_period("2021-12-21~2026-12-20~") is None


# ---- lists -------------------------------------------------------------------------------------------


def test_split_list_splits_on_every_separator_squashes_and_drops_repeats():
    text = "废水、废气；噪声;固废,危废，土壤/地下水|辐射\n扬尘\r\n 废 水 、废水、、"
    assert values.split_list(text) == [
        "废水",
        "废气",
        "噪声",
        "固废",
        "危废",
        "土壤",
        "地下水",
        "辐射",
        "扬尘",
        "废 水",
    ]
    assert values.split_list("") == []
    assert values.split_list("、；") == []


# ---- 统一社会信用代码 -------------------------------------------------------------------------------


def test_a_valid_uscc_has_no_reason():
    assert values.check_uscc(VALID_USCC) is None
    assert values.check_uscc(OTHER_USCC) is None


def test_uscc_reasons_name_what_is_wrong():
    assert values.check_uscc("130525000012345") == (
        "是 15 位的旧工商注册号，不是统一社会信用代码。请在国家企业信用信息公示系统中按注册号查到该单位的"
        " 18 位统一社会信用代码，填入此格"
    )
    assert values.check_uscc(VALID_USCC[:-1]) == "长度为 17 位，应为 18 位"
    assert values.check_uscc("1303") == "长度为 4 位，应为 18 位"
    assert values.check_uscc(VALID_USCC[:-1] + "4") == "校验位不正确（最后一位与前 17 位不符），可能有字符录错"
    assert values.check_uscc("91350100M000100YI3") == "含有不允许的字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）"


def test_a_sixteen_digit_number_is_not_called_an_old_registration_number():
    assert values.check_uscc("1305250000123456") == "长度为 16 位，应为 18 位"


# ---- 居民身份证号码 ---------------------------------------------------------------------------------


def test_a_valid_id_card_has_no_reason():
    assert values.check_id_card(VALID_ID) is None


def test_id_card_reasons_name_what_is_wrong():
    assert values.check_id_card("1.10105194912310E+17") == (
        "被 Excel 存成了数字（科学计数法），后几位已经丢失。请把该列设为“文本”格式后重新录入完整的 18 位号码"
    )
    assert values.check_id_card("1.1e17").startswith("被 Excel 存成了数字")
    assert values.check_id_card("1101051949") == "长度为 10 位，应为 18 位"
    assert values.check_id_card("110105194912310021") == "校验位不正确（最后一位与前 17 位不符），可能有数字录错"
    assert values.check_id_card("110105194912310000") == (
        "校验位不正确，且末尾是 0，可能在 Excel 中被存成数字而丢失了后几位。请核对后按文本重新录入"
    )
    assert values.check_id_card("A10105194912310021") == "格式不正确（出生日期或字符不对）"


def test_an_id_card_ending_in_zeros_but_not_all_digits_is_a_plain_checksum_error():
    # `isdigit` and `endswith("00")` must both hold for the "stored as a number" reading
    assert values.check_id_card("110105194912310201") == "校验位不正确（最后一位与前 17 位不符），可能有数字录错"


# ---- history text ------------------------------------------------------------------------------------


def test_history_text_writes_each_value_kind():
    assert values.history_text(None) == ""
    assert values.history_text(True) == "是"
    assert values.history_text(False) == "否"
    assert values.history_text(["废水", "废气"]) == "废水、废气"
    assert values.history_text(("噪声",)) == "噪声"
    assert values.history_text(date(2024, 3, 5)) == "2024-03-05"
    assert values.history_text(datetime(2024, 3, 5, 8, 30)) == "2024-03-05T08:30:00"
    assert values.history_text(0) == "0"
    assert values.history_text("文本") == "文本"


# ---- the column converter ----------------------------------------------------------------------------


def test_text_is_kept_when_clean_and_squashed_otherwise():
    c = Converter(spec("text"))
    assert c("某 单位") == "某 单位"
    assert c("某  单位") == "某 单位"
    assert c("某\u3000单位") == "某 单位"
    assert c("某\n单位") == "某 单位"


def test_names_keep_clean_text_and_normalise_the_rest():
    c = Converter(spec("name"))
    assert c("某某有限公司") == "某某有限公司"
    assert c("某某(有限)公司") == "某某（有限）公司"
    assert c("某某(有限公司") == "某某（有限公司"
    assert c("某某有限)公司") == "某某有限）公司"
    assert c("某某 有限公司") == "某某 有限公司"
    assert c("ＡＢＣ公司") == "ABC公司"
    assert c("某某  有限公司") == "某某 有限公司"


def test_codes_are_upper_case_half_width_without_spaces():
    c = Converter(spec("code"))
    assert c("ab12") == "AB12"
    assert c("ab 12") == "AB12"
    assert c("ａｂ１２") == "AB12"
    assert c("ab\t12") == "AB12"


def test_uscc_cells_are_checked_and_named():
    c = Converter(spec("uscc"))
    assert c(VALID_USCC.lower()) == VALID_USCC
    assert c("９１３５０１００Ｍ０００１００Ｙ４３") == VALID_USCC
    with pytest.raises(ValueError) as exc:
        c(VALID_USCC[:-1])
    assert str(exc.value) == f"“{VALID_USCC[:-1]}”长度为 17 位，应为 18 位。请核对此行的“统一社会信用代码”"


def test_one_certificate_number_a_cell():
    c = Converter(spec("certno"))
    assert c(" ｈｂ１２３ ") == "HB123"
    assert c("") == ""
    assert c("、") == ""
    with pytest.raises(ValueError) as exc:
        c("HB1、hb2")
    assert str(exc.value) == (
        "一个单元格里有 2 个证号（HB1、HB2）。每人只能有一个现用的执法证号：请核对后只留一个（另一个可写在备注中）"
    )
    with pytest.raises(ValueError, match="有 3 个证号"):
        c("A1 B2;C3")


def test_id_like_cells_are_checked_and_work_numbers_pass():
    c = Converter(spec("idcard"))
    assert c(VALID_ID.lower()) == VALID_ID
    assert c("工号007") == "工号007"
    assert c("12345") == "12345"
    with pytest.raises(ValueError) as exc:
        c("110105194912310021")
    assert str(exc.value) == "身份证号“110105194912310021”校验位不正确（最后一位与前 17 位不符），可能有数字录错"
    with pytest.raises(ValueError, match="科学计数法"):
        c("1.10105194912310e+17")
    with pytest.raises(ValueError, match="长度为 15 位"):
        c("110105491231002")


def test_yes_no_cells():
    c = Converter(spec("bool"))
    assert c("是") is True
    assert c("否") is False
    with pytest.raises(ValueError) as exc:
        c("也许")
    assert str(exc.value) == "“也许”无法识别，应填“是”或“否”"


def test_enum_cells_accept_the_choices_and_their_aliases_in_any_width_and_case():
    c = Converter(spec("enum", choices=("A级", "B级")))
    assert c("a级") == "A级"
    assert c("Ｂ级") == "B级"
    with pytest.raises(ValueError) as exc:
        c("C级")
    assert str(exc.value) == "“C级”不是允许的值，应为：A级、B级"
    permit = Converter(field("objects", "permit_class"))
    assert permit("重点") == "重点管理"
    assert permit("简化") == "简化管理"
    gender = Converter(field("inspectors", "gender"))
    assert gender("M") == "男"
    assert gender("f") == "女"


def test_list_cells_are_tuples_without_repeats():
    c = Converter(spec("list"))
    assert c("废水、废气，废水") == ("废水", "废气")
    assert c("ａ，ｂ") == ("a", "b")


def test_duty_cells_say_who_is_drawn():
    c = Converter(spec("duty"))
    assert c("在岗") == "在岗"
    assert c(" 退休 ") == "退休"
    assert c("正常") == "正常"
    assert c("死亡") == "死亡"
    with pytest.raises(ValueError) as exc:
        c("出差")
    assert str(exc.value) == (
        "“出差”不是可识别的人员状态，应为 在岗、在职、在编在岗（参与抽取）或 调离、退休、离岗、借调 等（不参与抽取）"
    )


def test_avoidance_cells_hold_valid_codes():
    c = Converter(spec("usccs"))
    assert c(f"{VALID_USCC.lower()}、{OTHER_USCC}") == (VALID_USCC, OTHER_USCC)
    with pytest.raises(ValueError) as exc:
        c(f"{VALID_USCC}、1303")
    assert str(exc.value) == "回避对象“1303”不是有效的统一社会信用代码（长度为 4 位，应为 18 位）"


def test_integer_cells():
    c = Converter(spec("int"))
    assert c("12") == 12
    assert c("１２") == 12
    assert c("12年") == 12
    assert c("12.0") == 12
    assert c("0") == 0
    with pytest.raises(ValueError) as exc:
        c("十二")
    assert str(exc.value) == "“十二”不是数字，请填写整数"
    with pytest.raises(ValueError) as exc:
        c("1.5")
    assert str(exc.value) == "“1.5”应为不小于 0 的整数"
    with pytest.raises(ValueError, match="应为不小于 0 的整数"):
        c("-1")
    with pytest.raises(ValueError, match="不是数字"):
        c("12X")


def test_date_and_period_cells():
    d = Converter(spec("date"))
    assert d("2024年3月5日") == date(2024, 3, 5)
    with pytest.raises(ValueError) as exc:
        d("明天")
    assert str(exc.value) == "“明天”不是可识别的日期，请写成 2024-03-05 或 2024年3月5日"
    p = Converter(spec("period"))
    assert p("2021-12-21至2026-12-20") == (date(2021, 12, 21), date(2026, 12, 20))
    with pytest.raises(ValueError) as exc:
        p("长期")
    assert str(exc.value) == "“长期”不是可识别的有效期限，请写成 2021-12-21至2026-12-20"


def test_a_column_converts_each_cell_and_lists_the_bad_ones_by_index():
    values_, errors = Converter(spec("bool")).column(["是", "", "也许", "否", "也许", "是"])
    assert values_ == [True, None, None, False, None, True]
    assert errors == [(2, "“也许”无法识别，应填“是”或“否”"), (4, "“也许”无法识别，应填“是”或“否”")]


def test_a_column_of_non_repeating_kind_converts_every_cell():
    values_, errors = Converter(spec("uscc")).column([VALID_USCC, "", "1303", VALID_USCC.lower(), "1303"])
    assert values_ == [VALID_USCC, None, None, VALID_USCC, None]
    assert [i for i, _ in errors] == [2, 4]
    assert errors[0][1] == "“1303”长度为 4 位，应为 18 位。请核对此行的“统一社会信用代码”"


def test_a_column_of_text_is_its_cells():
    assert Converter(spec("text")).column(["a", "b  c", ""]) == (["a", "b c", None], [])


# ---- 名录类别 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, category",
    [
        ("水环境", "水环境"),
        ("水", "水环境"),
        ("大气环境重点排污单位", "大气环境"),
        ("大气环境重点排污单位名录", "大气环境"),
        ("一、土壤污染重点监管单位（8家）", "土壤污染"),
        ("3.声环境(2家)", "声环境"),
        ("地下水重点管控单位", "地下水"),
        ("环境风险重点管控单位", "环境风险"),
        ("噪声单位", "声环境"),
        ("大气重点排污单位", "大气环境"),
        ("其他", "其他"),
        ("水环境重点监管单位", "水环境"),
    ],
)
def test_category_headings_and_cells(text, category):
    assert category_of(text) == category


@pytest.mark.parametrize("text", ["水质", "重点排污单位", "单位", "", "某某重点排污单位"])
def test_unknown_categories(text):
    assert category_of(text) is None


def test_key_categories_of_a_cell_keep_order_and_drop_repeats():
    assert key_categories("水环境、大气环境，水") == ("水环境", "大气环境")
    assert key_categories("土壤污染重点监管单位") == ("土壤污染",)
    assert key_categories("") == ()
    with pytest.raises(ValueError) as exc:
        key_categories("水环境、水质")
    assert str(exc.value) == "名录类别“水质”无法识别，应为：水环境、大气环境、土壤污染、声环境、地下水、环境风险、其他"
    assert Converter(spec("categories"))("大气、水") == ("大气环境", "水环境")


# ---- one value typed into an edit dialog ---------------------------------------------------------------


def test_convert_value_normalises_a_typed_value():
    assert convert_value("objects", "uscc", VALID_USCC.lower()) == VALID_USCC
    assert convert_value("inspectors", "years", "３") == 3
    assert convert_value("objects", "tags", None) == ()
    assert convert_value("objects", "registration_date", "  ") is None
    assert convert_value("objects", "phone", "") == ""


def test_convert_value_names_the_field_and_the_reason():
    with pytest.raises(UserError) as exc:
        convert_value("objects", "uscc", "1303")
    assert str(exc.value) == "“统一社会信用代码”：“1303”长度为 4 位，应为 18 位。"
    with pytest.raises(UserError) as exc:
        convert_value("objects", "colour", "红")
    assert str(exc.value) == "字段“colour”不存在。"
    with pytest.raises(UserError) as exc:
        convert_value("objects", "name", " ")
    assert str(exc.value) == "“单位名称”必须填写。"
    with pytest.raises(UserError) as exc:
        convert_value("inspectors", "years", "1.5")
    assert str(exc.value) == "“工作年限”：“1.5”应为不小于 0 的整数。"


def test_convert_value_applies_the_length_limit_of_the_field():
    with pytest.raises(UserError) as exc:
        convert_value("objects", "uscc", VALID_USCC + "XYZ")
    assert str(exc.value) == "“统一社会信用代码”长度 21 个字符，超过此项允许的 18 个字符。请缩短后重新导入。"


def test_empty_values_by_kind():
    assert empty_value(spec("list")) == ()
    assert empty_value(spec("usccs")) == ()
    assert empty_value(spec("categories")) == ()
    for kind in ("int", "date", "bool", "period"):
        assert empty_value(spec(kind)) is None
    for kind in ("text", "name", "code", "enum", "uscc", "idcard", "certno", "duty"):
        assert empty_value(spec(kind)) == ""
