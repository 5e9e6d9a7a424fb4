"""Reading one cell's text: spaces, full-width characters, yes/no, dates, periods, lists and codes.

Every function takes the text of one cell (already stripped by the reader) and returns a value or
None / a Chinese reason; none of them raises for bad input except where documented.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

_INVISIBLE = str.maketrans("", "", "\u200b\ufeff")
_LIST_SPLIT = re.compile(r"[、；;,，/|\n\r]+")
_TRUE = {
    "是",
    "√",
    "✓",
    "✔",
    "y",
    "yes",
    "1",
    "true",
    "t",
    "有",
    "对",
    "重点",
    "属于",
    "列入",
    "已列入",
    "在岗",
    "在编在岗",
}
_FALSE = {
    "否",
    "×",
    "✗",
    "x",
    "n",
    "no",
    "0",
    "false",
    "f",
    "无",
    "不是",
    "不",
    "非",
    "未列入",
    "不属于",
    "不在岗",
    "-",
    "—",
}


def squash(text: str) -> str:
    """Collapse all kinds of spaces (full-width, no-break) into one, drop zero-width ones, and strip."""
    return " ".join(text.translate(_INVISIBLE).split())


def half_width(text: str) -> str:
    """Full-width letters/digits/punctuation → half-width, spaces removed (codes, grades, numbers)."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_INVISIBLE).split())


def name_text(text: str) -> str:
    """A unit name: spaces squashed, half-width brackets made full-width (as registrations write them)."""
    s = squash(unicodedata.normalize("NFKC", text))
    return s.replace("(", "（").replace(")", "）").replace(" （", "（").replace("） ", "）")


def parse_bool(text: str) -> bool | None:
    s = half_width(text).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_date(text: str) -> date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日, an Excel serial (45356) → date."""
    s = half_width(text)
    if not s:
        return None
    m = _DATE.fullmatch(s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if re.fullmatch(r"\d{4,5}(\.\d+)?", s):
        serial = float(s)
        if 1 <= serial < 80000:  # Excel 1900 system; 60 is the fictitious 1900-02-29
            return date(1899, 12, 30) + timedelta(days=int(serial))
    return None


def parse_period(text: str) -> tuple[date | None, date] | None:
    """有效期限 as the permit platform writes it: "2021-12-21至2026-12-20" (also 到, ~, -, —, 自…起至…止 as
    the permit itself words it, 2021/12/21-2026/12/20, 20211221-20261220), or only the end date
    ("至2026-12-20", "2026-12-20") → (from, to); None when unreadable."""
    s = half_width(text).replace("起", "").replace("止", "").removeprefix("自")
    for sep in ("至", "到", "~", "—", "--"):
        if sep in s:
            left, right = s.split(sep, 1)
            start, end = parse_date(left) if left else None, parse_date(right)
            if end is None or (left and start is None):
                return None
            return start, end
    end = parse_date(s)
    if end:
        return None, end
    for i, ch in enumerate(s):  # two dates around one hyphen: 2021-12-21-2026-12-20, 2021/12/21-2026/12/20
        if ch == "-":
            start, end = parse_date(s[:i]), parse_date(s[i + 1 :])
            if start and end:
                return start, end
    return None


def split_list(text: str) -> list[str]:
    out: list[str] = []
    for part in _LIST_SPLIT.split(text):
        p = squash(part)
        if p and p not in out:
            out.append(p)
    return out


def check_uscc(value: str) -> str | None:
    """None when `value` is a valid 统一社会信用代码, else the Chinese reason (from `stdnum.cn.uscc`).

    A 15-digit number is the old 工商注册号 (before 2015) and is named as such."""
    if uscc.is_valid(value):
        return None
    if re.fullmatch(r"\d{15}", value):
        return (
            "是 15 位的旧工商注册号，不是统一社会信用代码。请在国家企业信用信息公示系统中按注册号查到该单位的"
            " 18 位统一社会信用代码，填入此格"
        )
    try:
        uscc.validate(value)
    except InvalidLength:
        return f"长度为 {len(uscc.compact(value))} 位，应为 18 位"
    except InvalidChecksum:
        return "校验位不正确（最后一位与前 17 位不符），可能有字符录错"
    except InvalidFormat:
        return "含有不允许的字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）"
    except ValidationError:
        return "格式不正确"
    return None


_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


def check_id_card(value: str) -> str | None:
    """None when `value` is a valid 居民身份证号码 (18 characters, or the old 15 digits), else the reason.

    A number Excel stored as a number comes back as 1.10105194912310E+17 or with its last digits turned
    into zeros: both are named as such, because the digits are lost and must be typed again."""
    if _SCIENTIFIC.fullmatch(value):
        return "被 Excel 存成了数字（科学计数法），后几位已经丢失。请把该列设为“文本”格式后重新录入完整的 18 位号码"
    try:
        ric.validate(value)
    except InvalidLength:
        return f"长度为 {len(value)} 位，应为 18 位"
    except InvalidChecksum:
        if value.isdigit() and value.endswith("00"):
            return "校验位不正确，且末尾是 0，可能在 Excel 中被存成数字而丢失了后几位。请核对后按文本重新录入"
        return "校验位不正确（最后一位与前 17 位不符），可能有数字录错"
    except (InvalidFormat, InvalidComponent):
        return "格式不正确（出生日期或字符不对）"
    except ValidationError:
        return "格式不正确"
    return None


def history_text(value) -> str:
    """A field value as written into the object history (ObjectChange old/new values)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)
