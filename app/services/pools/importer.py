"""The import engine for 一单两库: objects | inspectors | experts | items from Excel/CSV.

Flow: `tabular.read_table` finds the header → `resolve_columns` maps headers to fields (explicit
mapping > remembered `ColumnMapping` > built-in aliases) → every cell is normalised and validated →
duplicates inside the file and against the database are found (a row whose key exists is an update) →
the report is built → if writing, ONE transaction with Core bulk `insert()`/`update()` (executemany),
bulk `ObjectChange` rows and one audit entry for the whole import.

All or nothing (the decision): if ANY row has an error, nothing is written and the report lists every
problem by the row number Excel shows and the column header. The clerk fixes the file, or chooses
"只导入有效行" explicitly (`skip_invalid=True`, CLI `--skip-invalid`): then the valid rows are written
and the rejected ones are listed in the report. Cancelling, or any failure while writing, rolls back.

Blank cells never erase what the database holds for an existing object (a partial file cannot wipe
phone numbers); to clear a value, edit the object in the app.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import mul
from pathlib import Path

from sqlalchemy import JSON, Boolean, bindparam, select
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.pools import (
    AIR_GRADES,
    CREDIT_GRADES,
    CREDIT_RISKS,
    INSPECTOR_KINDS,
    OBJECT_STATUSES,
    PERMIT_CLASSES,
    ColumnMapping,
    InspectionItem,
    InspectionObject,
    Inspector,
    ObjectChange,
)
from app.services.foundation import audit
from app.services.foundation.context import current_user
from app.services.foundation.errors import UserError
from app.services.pools import reader as tabular

KINDS = ("objects", "inspectors", "experts", "items")
KIND_LABELS = {"objects": "检查对象", "inspectors": "执法检查人员", "experts": "辅助人员/专家", "items": "抽查事项"}
IGNORE = "__ignore__"
ITEM_CLASSES = ("重点检查事项", "一般检查事项")
GENDERS = ("男", "女")
SPECIAL_SITUATIONS = (
    "上一季度被处罚",
    "挂牌督办",
    "群众反映强烈",
    "两高",
    "环境风险较高",
    "核技术利用单位",
    "危险废物经营单位",
    "填埋场",
    "矿井",
)
POLLUTION_TYPES = ("废水", "废气", "固废", "危废", "噪声", "辐射", "土壤")
EXPERTISE = ("大气", "水", "固废", "危废", "辐射", "噪声", "土壤", "综合")


class ImportCancelled(UserError):
    pass


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str  # canonical template header
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | name | code | uscc | bool | enum | list | int | date | usccs
    required: bool = False
    choices: tuple[str, ...] = ()
    note: str = ""  # shown in the template's second header line / drop-downs


def _f(key, label, *aliases, **kw) -> FieldSpec:
    return FieldSpec(key, label, tuple(aliases), **kw)


OBJECT_FIELDS = (
    _f(
        "name",
        "单位名称",
        "企业名称",
        "排污单位名称",
        "单位名称（全称）",
        "企业名称（全称）",
        "名称",
        "被检查单位",
        "检查对象名称",
        "市场主体名称",
        "企业（单位）名称",
        kind="name",
        required=True,
    ),
    _f(
        "uscc",
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "统一代码",
        "社会统一信用代码",
        "统一社会信用代码（组织机构代码）",
        "USCC",
        kind="uscc",
        required=True,
    ),
    _f(
        "permit_no",
        "排污许可证编号",
        "许可证编号",
        "排污许可证号",
        "许可证号",
        "登记编号",
        "排污登记编号",
        "证书编号",
        kind="code",
    ),
    _f(
        "permit_class",
        "排污许可管理类别",
        "管理类别",
        "许可管理类别",
        "排污许可类别",
        "许可类别",
        "管理类型",
        kind="enum",
        choices=PERMIT_CLASSES,
    ),
    _f(
        "key_polluter",
        "重点排污单位",
        "是否重点排污单位",
        "重点排污单位名录",
        "列入重点排污单位名录",
        "重点单位",
        kind="bool",
    ),
    _f("industry", "行业类别", "行业", "所属行业", "行业名称", "国民经济行业"),
    _f("pollution_types", "污染类型", "污染源类型", "污染类别", "排污类型", kind="list"),
    _f(
        "township",
        "所属乡镇（街道）",
        "所属乡镇",
        "乡镇",
        "乡镇（街道）",
        "乡镇街道",
        "街道",
        "所在乡镇",
        "属地",
        "所属区域",
        "区域",
    ),
    _f("address", "地址", "单位地址", "企业地址", "生产经营场所地址", "经营地址", "注册地址", "住所"),
    _f("legal_rep", "法定代表人", "法人", "法人代表", "法定代表人（负责人）", "负责人"),
    _f("contact", "联系人", "环保联系人", "环保负责人"),
    _f("phone", "联系电话", "电话", "手机", "联系方式", "手机号码", kind="code"),
    _f("status", "状态", "企业状态", "经营状态", "运营状态", "登记状态", kind="enum", choices=OBJECT_STATUSES),
    _f("positive_list", "正面清单", "是否正面清单", "纳入正面清单", "监督执法正面清单", kind="bool"),
    _f("credit_grade", "信用等级", "环境信用等级", "信用评价等级", "信用评价", kind="enum", choices=CREDIT_GRADES),
    _f("credit_risk", "信用风险等级", "信用风险", "信用风险分类", "风险等级", kind="enum", choices=CREDIT_RISKS),
    _f(
        "air_grade",
        "大气绩效等级",
        "绩效等级",
        "大气绩效评级",
        "绩效分级",
        "环保绩效等级",
        "重污染天气绩效分级",
        kind="enum",
        choices=AIR_GRADES,
    ),
    _f("special_situations", "特殊监管情形", "特殊情形", "特殊监管", "特殊监管对象情形", kind="list"),
    _f("tags", "标签", "标识", "标记", "备注标签", kind="list"),
    _f("registration_date", "成立日期", "登记日期", "成立时间", "注册日期", "设立日期", "登记设立日期", kind="date"),
    _f("status_date", "状态日期", "注销日期", "停产日期", "迁出日期", "变更日期", kind="date"),
)

INSPECTOR_FIELDS = (
    _f("name", "姓名", "人员姓名", "执法人员姓名", "专家姓名", "名字", required=True),
    _f("kind", "人员类别", "类别", "人员类型", "身份", kind="enum", choices=INSPECTOR_KINDS),
    _f("cert_no", "执法证号", "执法证件号", "执法证编号", "执法证件编号", "证件号码", "证号", kind="code"),
    _f("org", "单位", "所在单位", "工作单位", "单位名称"),
    _f("department", "部门", "科室", "所在部门", "部门（科室）", "部门岗位"),
    _f("position", "职务", "职务岗位", "岗位", "职称", "职务（职称）"),
    _f("region", "行政区域", "所属区域", "区域", "负责区域", "地区", "所属乡镇"),
    _f("gender", "性别", kind="enum", choices=GENDERS),
    _f("years", "工作年限", "从业年限", "执法年限", "工龄", kind="int"),
    _f("expertise", "业务专长", "专长", "专业", "专业领域", "擅长领域", "专业特长", kind="list"),
    _f("on_duty", "在编在岗", "是否在编在岗", "在岗", "是否在岗", "在岗状态", kind="bool"),
    _f("avoid_usccs", "回避对象", "回避单位", "回避企业", "需回避单位", "回避对象（统一社会信用代码）", kind="usccs"),
    _f("phone", "联系电话", "电话", "手机", "联系方式", kind="code"),
    _f("id_no", "身份证号", "工号", "身份证号码", kind="code"),
)

ITEM_FIELDS = (
    _f("seq", "序号", "编号", kind="int"),
    _f("category", "抽查类别", "事项类别名称", "类别名称", "抽查项目"),
    _f("name", "抽查事项", "事项名称", "检查事项", "抽查事项名称", required=True),
    _f("target", "检查对象", "抽查对象", "检查对象范围", "抽查对象范围"),
    _f("content", "抽查内容", "检查内容"),
    _f("item_class", "事项类别", "事项类型", "检查事项类别", kind="enum", choices=ITEM_CLASSES),
    _f("method", "检查方式", "抽查方式", "检查方法"),
    _f("subject", "检查主体", "实施层级", "检查主体/实施层级", "实施主体"),
    _f("basis", "检查依据", "法律依据", "依据"),
    _f("ratio", "抽查比例", "抽查比例/数量", "比例"),
    _f("frequency", "抽查频次", "频次", "检查频次"),
    _f("code", "事项编码", "事项代码", kind="code"),
    _f("remark", "备注", "说明"),
    _f("year", "年度", "年份", kind="int"),
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "objects": OBJECT_FIELDS,
    "inspectors": INSPECTOR_FIELDS,
    "experts": INSPECTOR_FIELDS,
    "items": ITEM_FIELDS,
}


def fields_for(kind: str) -> tuple[FieldSpec, ...]:
    if kind not in FIELDS:
        raise UserError(
            f"导入类型“{kind}”无效，应为：objects（检查对象）、inspectors（执法人员）、experts（专家）、items（事项清单）。"
        )
    return FIELDS[kind]


def alias_index(kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in fields_for(kind):
        for h in (spec.label, *spec.aliases):
            out.setdefault(tabular.header_key(h), spec.key)
    return out


# ---------------------------------------------------------------------------------------------- values

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
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
    "在岗",
    "在编在岗",
    "重点",
    "属于",
    "列入",
    "已列入",
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
    "不在岗",
    "未列入",
    "不属于",
    "-",
    "—",
}
_ENUM_ALIASES = {
    "permit_class": {
        "重点": "重点管理",
        "重点管理": "重点管理",
        "简化": "简化管理",
        "简化管理": "简化管理",
        "登记": "登记管理",
        "登记管理": "登记管理",
        "排污登记": "登记管理",
        "排污登记管理": "登记管理",
        "许可重点管理": "重点管理",
        "许可简化管理": "简化管理",
    },
    "status": {
        "存续": "存续",
        "在营": "存续",
        "正常": "存续",
        "运营": "存续",
        "在业": "存续",
        "生产": "存续",
        "正常生产": "存续",
        "开业": "存续",
        "停产": "停产",
        "停业": "停产",
        "停产整治": "停产",
        "歇业": "停产",
        "注销": "注销",
        "关闭": "注销",
        "吊销": "注销",
        "已注销": "注销",
        "已关闭": "注销",
        "取缔": "注销",
        "迁出": "迁出",
        "已迁出": "迁出",
        "搬迁": "迁出",
    },
    "credit_risk": {
        "低": "低风险",
        "低风险": "低风险",
        "一般": "一般风险",
        "一般风险": "一般风险",
        "中": "一般风险",
        "较高": "较高风险",
        "较高风险": "较高风险",
        "高": "高风险",
        "高风险": "高风险",
    },
    "credit_grade": {
        "A": "A",
        "B": "B",
        "C": "C",
        "D": "D",
        "A级": "A",
        "B级": "B",
        "C级": "C",
        "D级": "D",
        "诚信": "A",
        "良好": "B",
        "警示": "C",
        "不良": "D",
        "环保诚信": "A",
        "环保良好": "B",
        "环保警示": "C",
        "环保不良": "D",
    },
    "air_grade": {
        "A": "A",
        "B": "B",
        "B-": "B-",
        "C": "C",
        "D": "D",
        "引领性": "引领性",
        "A级": "A",
        "B级": "B",
        "B-级": "B-",
        "C级": "C",
        "D级": "D",
        "引领": "引领性",
        "引领性企业": "引领性",
        "绩效引领性": "引领性",
    },
    "item_class": {
        "重点": "重点检查事项",
        "重点检查事项": "重点检查事项",
        "重点事项": "重点检查事项",
        "一般": "一般检查事项",
        "一般检查事项": "一般检查事项",
        "一般事项": "一般检查事项",
    },
    "kind": {
        "执法人员": "执法人员",
        "执法": "执法人员",
        "执法检查人员": "执法人员",
        "辅助人员": "辅助人员",
        "辅助": "辅助人员",
        "辅助检查人员": "辅助人员",
        "专家": "专家",
        "技术专家": "专家",
    },
    "gender": {"男": "男", "女": "女", "m": "男", "f": "女", "男性": "男", "女性": "女"},
}


def squash(text: str) -> str:
    """Collapse all kinds of spaces (full-width, no-break, zero-width) into one and strip."""
    return _SPACES.sub(" ", text).strip()


def half_width(text: str) -> str:
    """Full-width letters/digits/punctuation → half-width, spaces removed (codes, grades, numbers)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


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


def parse_date(text: str) -> date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日, an Excel serial (45356) → date."""
    s = half_width(text)
    if not s:
        return None
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", s)
    if not m:
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
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


def split_list(text: str) -> list[str]:
    out: list[str] = []
    for part in _LIST_SPLIT.split(text):
        p = squash(part)
        if p and p not in out:
            out.append(p)
    return out


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_ok(value: str) -> bool:
    """The GB 32100 check of `stdnum.cn.uscc.validate`, inlined for 50,000-row files."""
    if len(value) != 18 or not value.isascii() or not value[:8].isdigit():
        return False
    get = _USCC_VALUE.__getitem__
    try:
        total = sum(map(mul, map(get, value[:17]), _USCC_WEIGHTS))
        last = get(value[17])
    except KeyError:
        return False
    return last == (31 - total % 31) % 31


def _uscc_table(weight: int) -> bytes:
    """bytes.translate table: an allowed character → its GB 32100 value × weight mod 31, others → 255."""
    table = bytearray([255]) * 256
    for c, v in _USCC_VALUE.items():
        table[ord(c)] = v * weight % 31
    return bytes(table)


_USCC_TABLES = [_uscc_table(w) for w in (*_USCC_WEIGHTS, 1)]  # the check character counts once


def _usccs_all_ok(codes: list[str]) -> bool:
    """True when every code passes `_uscc_ok`, checked for the whole column at C speed.

    The codes are joined (all 18 characters long) so that `big[i::18]` holds character i of every code;
    each position is translated to (value × weight mod 31) and the 18 positions are summed in 16-bit
    lanes of one big integer. A code is valid exactly when its sum (≤ 540) is a multiple of 31, so the
    few distinct sums say it for all codes. False means: look at the codes one by one.
    """
    n = len(codes)
    if not n or set(map(len, codes)) != {18}:
        return False
    big = "".join(codes)
    if not big.isascii():
        return False
    raw = big.encode("ascii")
    total = 0
    for i, table in enumerate(_USCC_TABLES):
        chars = raw[i::18]
        if i < 8 and not chars.isdigit():
            return False
        lane = bytearray(2 * n)
        lane[0::2] = chars.translate(table)
        if 255 in lane[0::2]:
            return False
        total += int.from_bytes(lane, "little")
    sums = array("H")
    sums.frombytes(total.to_bytes(2 * n, "little"))
    if sys.byteorder == "big":
        sums.byteswap()
    return all(v % 31 == 0 for v in set(sums))


def check_uscc(value: str) -> str | None:
    """None when valid, else the Chinese reason (checksum / format / length) from `stdnum.cn.uscc`."""
    if _uscc_ok(value):
        return None
    from stdnum.cn import uscc
    from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

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


_NONE_FOR_BLANK = {"": None}


_MISS = object()
_SEP = "\x1f"


class _Converter:
    """Turns one text cell into a field value; raises ValueError(message) when invalid."""

    def __init__(self, spec: FieldSpec):
        self.spec = spec
        self.cache: dict[str, object] = {}
        aliases = _ENUM_ALIASES.get(spec.key, {})
        self.enum = {half_width(k).lower(): v for k, v in aliases.items()}
        for c in spec.choices:
            self.enum.setdefault(half_width(c).lower(), c)

    def __call__(self, text: str):
        k = self.spec.kind
        if k == "text":
            return squash(text) if ("  " in text or "\u3000" in text or "\n" in text or "\xa0" in text) else text
        if k == "name":
            return name_text(text)
        if k == "code":
            return half_width(text).upper() if not text.isascii() or " " in text else text.upper()
        if k == "uscc":
            value = text.upper() if text.isascii() and " " not in text else half_width(text).upper()
            if _uscc_ok(value):
                return value
            reason = check_uscc(value)
            if reason:
                raise ValueError(f"“{text}”{reason}。请核对此行的“统一社会信用代码”")
            return value.replace("-", "").replace(" ", "")
        cached = self.cache.get(text)
        if cached is not None:
            return cached
        value = self._convert(text)
        if len(self.cache) < 2000:
            self.cache[text] = value
        return value

    def column(self, cells: list[str]) -> tuple[list, list[tuple[int, str]]]:
        """Convert a whole column: values (None for blank or invalid) and [(index, message)].
        Afterwards `complete` is True when no value is None (the writer then skips looking for blanks)."""
        k = self.spec.kind
        self.complete = False
        errors: list[tuple[int, str]] = []
        if k in ("text", "code", "name", "uscc"):
            # Whole-column fast paths: one joined string answers "anything to clean?" at C speed.
            big = _SEP.join(cells)
            plain = big.count(_SEP) == len(cells) - 1
        if k == "text":
            if plain and not any(ch in big for ch in ("  ", "\u3000", "\n", "\xa0")):
                return self._blank_to_none(cells), errors
            return [
                (squash(v) if ("  " in v or "\u3000" in v or "\n" in v or "\xa0" in v) else v) if v else None
                for v in cells
            ], errors
        if k == "code":
            if plain and big.isascii() and " " not in big:
                upper = big.upper()
                return self._blank_to_none(cells if upper == big else upper.split(_SEP)), errors
            return [
                (v.upper() if v.isascii() and " " not in v else half_width(v).upper()) if v else None for v in cells
            ], errors
        if (
            k == "name"
            and plain
            and unicodedata.is_normalized("NFKC", big)
            and not any(ch in big for ch in (" ", "(", ")"))
        ):
            return self._blank_to_none(cells), errors
        out: list = []
        append = out.append
        if k == "uscc":  # the whole column at C speed; only failures take the slow path for a message
            if plain and big.isascii() and " " not in big:
                upper = big.upper()
                codes = cells if upper == big else upper.split(_SEP)
            else:
                codes = [
                    (v.upper() if v.isascii() and " " not in v else half_width(v).upper()) if v else "" for v in cells
                ]
            if _usccs_all_ok(codes):
                self.complete = True
                return list(codes), errors  # a copy: `cells` belongs to the table
            oks = list(map(_uscc_ok, codes))
            if all(oks):
                return [c or None for c in codes], errors
            for j, (v, c, ok) in enumerate(zip(cells, codes, oks)):
                if ok or not v:
                    append(c or None)
                    continue
                try:
                    append(self(v))
                except ValueError as exc:
                    append(None)
                    errors.append((j, str(exc)))
            return out, errors
        if k == "name":
            is_norm = unicodedata.is_normalized
            return [
                (v if is_norm("NFKC", v) and " " not in v and "(" not in v and ")" not in v else name_text(v))
                if v
                else None
                for v in cells
            ], errors
        if k in ("name", "uscc"):
            for j, v in enumerate(cells):
                if not v:
                    append(None)
                    continue
                try:
                    append(self(v))
                except ValueError as exc:
                    append(None)
                    errors.append((j, str(exc)))
            return out, errors
        # Few distinct values (enums, yes/no, lists): convert each distinct text once, then map in C.
        values: dict[str, object] = {"": None}
        bad: dict[str, str] = {}
        distinct = set(cells)
        for v in distinct:
            if v in values:
                continue
            try:
                values[v] = self._convert(v)
            except ValueError as exc:
                values[v] = None
                bad[v] = str(exc)
        out = list(map(values.__getitem__, cells))
        if bad:
            errors.extend((j, bad[v]) for j, v in enumerate(cells) if v in bad)
        self.complete = not bad and "" not in distinct and all(values[v] is not None for v in distinct)
        return out, errors

    def _blank_to_none(self, cells: list[str]) -> list:
        """`[v or None for v in cells]` at C speed; notes whether the column has no blank (`complete`)."""
        self.complete = "" not in cells
        return list(cells) if self.complete else list(map(_NONE_FOR_BLANK.get, cells, cells))

    def _convert(self, text: str):
        k, spec = self.spec.kind, self.spec
        if k == "bool":
            b = parse_bool(text)
            if b is None:
                raise ValueError(f"“{text}”无法识别，应填“是”或“否”")
            return b
        if k == "enum":
            v = self.enum.get(half_width(text).lower())
            if v is None:
                raise ValueError(f"“{text}”不是允许的值，应为：{'、'.join(spec.choices)}")
            return v
        if k == "list":
            return tuple(split_list(unicodedata.normalize("NFKC", text) if not text.isascii() else text))
        if k == "usccs":
            codes = tuple(half_width(p).upper() for p in split_list(text))
            for c in codes:
                reason = check_uscc(c)
                if reason:
                    raise ValueError(f"回避对象“{c}”不是有效的统一社会信用代码（{reason}）")
            return codes
        if k == "int":
            s = half_width(text).rstrip("年")
            try:
                f = float(s)
            except ValueError:
                raise ValueError(f"“{text}”不是数字，请填写整数") from None
            if not f.is_integer() or f < 0:
                raise ValueError(f"“{text}”应为不小于 0 的整数")
            return int(f)
        if k == "date":
            d = parse_date(text)
            if d is None:
                raise ValueError(f"“{text}”不是可识别的日期，请写成 2024-03-05 或 2024年3月5日")
            return d
        return squash(text)


def convert_value(kind: str, key: str, text: str):
    """Normalise and validate one value the way the import does (used by edit dialogs): raises UserError."""
    spec = next((s for s in fields_for(kind) if s.key == key), None)
    if spec is None:
        raise UserError(f"字段“{key}”不存在。")
    text = "" if text is None else str(text)
    if not text.strip():
        if spec.required:
            raise UserError(f"“{spec.label}”必须填写。")
        return _empty(spec)
    try:
        return _Converter(spec)(text.strip())
    except ValueError as exc:
        reason = str(exc).split("。请核对此行")[0]
        raise UserError(f"“{spec.label}”：{reason}。") from None


def _empty(spec: FieldSpec):
    if spec.kind in ("list", "usccs"):
        return ()
    if spec.kind in ("int", "date", "bool"):
        return None
    return ""


# ------------------------------------------------------------------------------------------- mapping


def remembered_mappings(session: Session, kind: str) -> dict[str, str]:
    rows = session.execute(select(ColumnMapping.header, ColumnMapping.field).where(ColumnMapping.kind == kind)).all()
    return {tabular.header_key(h): f for h, f in rows}


def remember_mapping(session: Session, kind: str, header: str, field_key: str) -> None:
    """Remember that `header` means `field_key` (or IGNORE) for later imports of this kind."""
    valid = {s.key for s in fields_for(kind)} | {IGNORE}
    if field_key not in valid:
        raise UserError(f"字段“{field_key}”不存在。")
    key = tabular.header_key(header)
    for row in session.scalars(select(ColumnMapping).where(ColumnMapping.kind == kind)):
        if tabular.header_key(row.header) == key:
            row.field = field_key
            session.flush()
            return
    session.add(ColumnMapping(kind=kind, header=header, field=field_key))
    session.flush()


def resolve_columns(
    session: Session | None, kind: str, headers: list[str], mapping: dict[str, str] | None = None
) -> dict[int, str]:
    """column index → field key. Explicit `mapping` (header → field or IGNORE) wins, then remembered."""
    aliases = alias_index(kind)
    remembered = remembered_mappings(session, kind) if session is not None else {}
    explicit = {tabular.header_key(h): f for h, f in (mapping or {}).items()}
    out: dict[int, str] = {}
    taken: set[str] = set()
    for i, h in enumerate(headers):
        k = tabular.header_key(h)
        f = explicit.get(k) or remembered.get(k) or aliases.get(k)
        if f is None or f == IGNORE or f in taken:
            continue
        out[i] = f
        taken.add(f)
    return out


def known_headers(session: Session | None, kind: str) -> list[str]:
    hs = [h for s in fields_for(kind) for h in (s.label, *s.aliases)]
    if session is not None:
        hs.extend(session.scalars(select(ColumnMapping.header).where(ColumnMapping.kind == kind)))
    return hs


# -------------------------------------------------------------------------------------------- report


@dataclass
class ImportReport:
    kind: str
    file: str
    sheet: str = ""
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    columns: dict[int, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    rows: int = 0
    valid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    actions: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, 新增/更新/无变化, key, name)
    written: bool = False
    dry_run: bool = False
    sha256: str = ""

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "kind": self.kind,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows": self.rows,
            "valid": self.valid,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "written": self.written,
            "dry_run": self.dry_run,
            "unmapped": self.unmapped,
            "errors": self.errors,
        }

    def summary(self) -> str:
        name = Path(self.file).name
        head = f"{name}（工作表“{self.sheet}”，表头在第 {self.header_row} 行）：共 {self.rows} 行，有效 {self.valid} 行"
        if self.written:
            tail = f"；已导入：新增 {self.inserted}，更新 {self.updated}，无变化 {self.unchanged}"
            if self.skipped:
                tail += f"，跳过有问题的行 {self.skipped}"
        elif self.dry_run:
            tail = f"；预检（未写入）：将新增 {self.inserted}，将更新 {self.updated}，无变化 {self.unchanged}"
        else:
            tail = f"；发现 {len(self.errors)} 处问题，未写入任何数据。请修改文件后重新导入，或选择“只导入有效行”"
        return head + tail + "。"


def save_report(report: ImportReport, path) -> Path:
    """The problems (and the per-row plan) as an Excel file the clerk can work through."""
    from app.services.foundation import xlsx

    wb, ws = xlsx.new_workbook("问题清单")
    xlsx.write_table(
        ws, ["行号", "列", "问题"], [(e["row"], e["column"], e["message"]) for e in report.errors], widths={3: 90}
    )
    ws2 = wb.create_sheet("导入概况")
    d = report.to_dict()
    labels = [
        ("文件", Path(report.file).name),
        ("工作表", d["sheet"]),
        ("表头所在行", d["header_row"]),
        ("数据行数", d["rows"]),
        ("有效行", d["valid"]),
        ("新增", d["inserted"]),
        ("更新", d["updated"]),
        ("无变化", d["unchanged"]),
        ("问题数", len(report.errors)),
        ("未识别的列", "、".join(report.unmapped)),
        ("结论", report.summary()),
    ]
    xlsx.write_table(ws2, ["项目", "内容"], labels, widths={1: 14, 2: 90}, autofilter=False)
    if report.actions:
        ws3 = wb.create_sheet("逐行预览")
        xlsx.write_table(ws3, ["行号", "操作", "关键字", "名称"], report.actions)
    return xlsx.save_workbook(wb, path)


# ---------------------------------------------------------------------------------------------- engine

_OBJ_COLUMNS = [s.key for s in OBJECT_FIELDS if s.key != "status_date"]
_INS_COLUMNS = [s.key for s in INSPECTOR_FIELDS]
_ITEM_COLUMNS = [s.key for s in ITEM_FIELDS]
_TYPE_FIELDS = (
    "permit_class",
    "key_polluter",
    "special_situations",
    "credit_grade",
    "credit_risk",
    "air_grade",
    "pollution_types",
)
_LABEL = {s.key: s.label for spec in FIELDS.values() for s in spec}


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _norm_db(value):
    if isinstance(value, list):
        return tuple(value)
    return value


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


def run_import(
    session: Session,
    kind: str,
    path,
    *,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    year: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    table: tabular.Table | None = None,
) -> ImportReport:
    """Validate a file and (unless dry_run, and unless rows are rejected without skip_invalid) write it.

    Writes happen in the caller's session without committing; the caller commits (the CLI context and
    the GUI's `ctx.session()` do). On cancel an `ImportCancelled` is raised before anything is flushed.
    """
    specs = fields_for(kind)
    path = Path(path)
    progress = progress or (lambda d, t, s="": None)
    cancelled = cancelled or (lambda: False)
    progress(0, 0, f"正在读取 {path.name}…")
    options = dict(
        mapping=mapping, dry_run=dry_run, skip_invalid=skip_invalid, year=year, progress=progress, cancelled=cancelled
    )
    if table is not None:
        with tabular.gc_paused():
            return _run_import(session, kind, specs, path, table, **options)
    # python-calamine reads the sheet with the collector running (as it does alone); from the cleaning
    # on, the collector is paused until our own cells are freed again: resuming it while the cleaned
    # columns (19 lists × 50,000 cells) are alive would only walk them to find nothing to collect.
    loaded = tabular.load_sheet(path, sheet=sheet, known_headers=known_headers(session, kind))
    with tabular.gc_paused():
        table = loaded.table()
        del loaded
        rep = _run_import(session, kind, specs, path, table, **options)
        del table
    return rep


def _run_import(
    session: Session,
    kind: str,
    specs: tuple[FieldSpec, ...],
    path: Path,
    table: tabular.Table,
    *,
    mapping,
    dry_run: bool,
    skip_invalid: bool,
    year: int | None,
    progress,
    cancelled,
) -> ImportReport:
    cols = resolve_columns(session, kind, table.headers, mapping)
    rep = ImportReport(
        kind=kind,
        file=str(path),
        sheet=table.sheet,
        header_row=table.header_row,
        headers=list(table.headers),
        columns=cols,
        rows=len(table.row_numbers),
        dry_run=dry_run,
    )
    rep.unmapped = [h for i, h in enumerate(table.headers) if i not in cols and not h.startswith("(第")]
    present = set(cols.values())
    missing = [s for s in specs if s.required and s.key not in present]
    if missing:
        names = "、".join(f"“{s.label}”" for s in missing)
        raise UserError(
            f"“{path.name}”（工作表“{table.sheet}”第 {table.header_row} 行表头）中找不到必填列 {names}。"
            f"表头是：{'、'.join(table.headers)}。请把相应的列标题改为{names}，或在导入向导中指定该列对应的字段。",
            details=[{"row": table.header_row, "column": s.label, "message": "缺少必填列"} for s in missing],
        )
    if kind == "inspectors" and "cert_no" not in present:
        raise UserError(
            f"“{path.name}”中找不到“执法证号”列。执法人员必须有执法证号，请加上这一列（或在导入向导中指定）。"
        )
    converters = {i: (_Converter(next(s for s in specs if s.key == f)), f) for i, f in cols.items()}
    required = {s.key for s in specs if s.required}
    total = len(table.row_numbers)
    records: list[tuple[int, dict]] = []
    errors = rep.errors
    bad_rows: set[int] = set()
    default_year = year or date.today().year
    rownums = table.row_numbers
    bad = [False] * total
    keys: list[str] = []
    columns: list[list] = []
    complete: set[str] = set()  # fields whose validated column has no None
    for step, (i, (conv, key)) in enumerate(converters.items()):
        if cancelled():
            raise ImportCancelled("导入已取消，数据库没有任何改动。")
        progress(step * total // max(1, len(converters)), total, f"正在检查“{table.headers[i]}”列…")
        header = table.headers[i]
        cells = table.columns[i]
        values, bad_cells = conv.column(cells)
        if conv.complete:
            complete.add(key)
        for j, message in bad_cells:
            bad[j] = True
            errors.append(
                {"row": rownums[j], "column": header, "message": f"第 {rownums[j]} 行“{header}”：{message}。"}
            )
        if key in required and "" in cells:
            for j, v in enumerate(cells):
                if not v:
                    bad[j] = True
                    errors.append(
                        {
                            "row": rownums[j],
                            "column": header,
                            "message": f"第 {rownums[j]} 行“{header}”为空，这一项必须填写。",
                        }
                    )
        keys.append(key)
        columns.append(values)
    if kind == "objects":  # no per-row rules beyond the columns: the plan works on the columns
        if True in bad:
            bad_rows.update(rownums[j] for j in range(total) if bad[j])
    for j, values in enumerate(zip(*columns) if columns and kind != "objects" else ()):
        rownum = rownums[j]
        rec = dict(zip(keys, values))
        ok = not bad[j]
        if kind in ("inspectors", "experts"):
            person_kind = rec.get("kind") or ("执法人员" if kind == "inspectors" else "专家")
            rec["kind"] = person_kind
            if kind == "experts" and person_kind == "执法人员":
                ok = False
                errors.append(
                    {
                        "row": rownum,
                        "column": _header_of(table, cols, "kind"),
                        "message": f"第 {rownum} 行：专家库只收辅助人员和专家；执法人员请导入到执法人员库。",
                    }
                )
            if person_kind == "执法人员" and not rec.get("cert_no"):
                ok = False
                errors.append(
                    {
                        "row": rownum,
                        "column": _header_of(table, cols, "cert_no") or "执法证号",
                        "message": f"第 {rownum} 行（{rec.get('name') or ''}）：执法人员必须填写“执法证号”；没有执法证的请把人员类别改为“辅助人员”。",
                    }
                )
        if kind == "items" and rec.get("year") is None:
            rec["year"] = default_year
        if ok:
            records.append((rownum, rec))
        else:
            bad_rows.add(rownum)
    progress(total, total, "正在比对数据库…")
    colmap = dict(zip(keys, columns))
    if kind == "objects":
        plan = _plan_objects(session, table, cols, colmap, rownums, bad, errors, bad_rows)
    elif kind in ("inspectors", "experts"):
        plan = _plan_people(session, table, cols, records, errors, bad_rows)
    else:
        plan = _plan_items(session, table, cols, records, errors, bad_rows)
    inserts, updates, unchanged_rows = plan
    errors.sort(key=lambda e: (e["row"], e["column"]))
    rep.valid = rep.rows - len(bad_rows)
    rep.inserted, rep.updated, rep.unchanged = len(inserts), len(updates), len(unchanged_rows)
    if dry_run:  # the per-row plan is for the preview and its report only
        if kind == "objects":  # inserts are row indices into the validated columns
            codes, names = colmap["uscc"], colmap["name"]
            inserts = [(rownums[j], {"uscc": codes[j], "name": names[j]}) for j in inserts]
        rep.actions = sorted(
            [(r, "新增", _key_text(kind, rec), rec.get("name") or "") for r, rec in inserts]
            + [(r, "更新", _key_text(kind, rec), rec.get("name") or "") for r, rec, _id, _old in updates]
            + [(r, "无变化", k, nm) for r, k, nm in unchanged_rows]
            + [(r, "有问题，不导入", "", "") for r in sorted(bad_rows)]
        )
        return rep
    if errors and not skip_invalid:
        return rep
    if cancelled():
        raise ImportCancelled("导入已取消，数据库没有任何改动。")
    rep.skipped = len(bad_rows)
    rep.sha256 = _file_sha256(path)
    progress(total, total, "正在写入数据库…")
    if kind == "objects":
        _write_objects(session, rep, inserts, updates, path, colmap, complete)
    elif kind in ("inspectors", "experts"):
        _write_people(session, rep, inserts, updates, path)
    else:
        _write_items(session, rep, inserts, updates, path)
    rep.written = True
    progress(total, total, "导入完成")
    return rep


def preview_import(session: Session, kind: str, path, **kw) -> ImportReport:
    return run_import(session, kind, path, dry_run=True, **kw)


def _header_of(table: tabular.Table, cols: dict[int, str], key: str) -> str:
    for i, f in cols.items():
        if f == key:
            return table.headers[i]
    return _LABEL.get(key, key)


def _key_text(kind: str, rec: dict) -> str:
    if kind == "objects":
        return rec.get("uscc", "")
    if kind == "items":
        return f"{rec.get('year')} {rec.get('category') or ''}"
    return rec.get("cert_no") or rec.get("id_no") or rec.get("org") or ""


def _diff(rec: dict, old: dict, columns: list[str]) -> dict:
    changes = {}
    for k in columns:
        if k not in rec:
            continue
        new = rec[k]
        if new in ("", None, ()):
            continue  # blank cells keep what the database holds
        if _norm_db(old.get(k)) != new:
            changes[k] = new
    return changes


def _plan_objects(session, table, cols, colmap, rownums, bad, errors, bad_rows):
    """Objects are planned on the validated columns: `inserts` is a list of row indices (no per-row
    dicts for the common case of new objects); updates/unchanged as for the other kinds."""
    existing = {
        r.uscc: r for r in session.execute(select(*[InspectionObject.__table__.c[c] for c in ["id", *_OBJ_COLUMNS]]))
    }
    codes = colmap["uscc"]
    n = len(codes)
    good = [j for j in range(n) if not bad[j]] if True in bad else range(n)
    if not existing and len(good) == n and len(set(codes)) == n:  # a fresh pool, no duplicates: all inserts
        return list(range(n)), [], []
    seen: dict[str, int] = {}
    inserts, updates, unchanged = [], [], []
    uscc_header = _header_of(table, cols, "uscc")
    get_existing, get_seen = existing.get, seen.get
    for j in good:
        code = codes[j]
        first = get_seen(code)
        if first is not None:
            rownum = rownums[j]
            errors.append(
                {
                    "row": rownum,
                    "column": uscc_header,
                    "message": f"第 {rownum} 行与第 {first} 行的统一社会信用代码“{code}”重复（同一单位出现两次）。请删除或合并其中一行。",
                }
            )
            bad_rows.add(rownum)
            continue
        seen[code] = rownums[j]
        old = get_existing(code)
        if old is None:
            inserts.append(j)
            continue
        rec = {k: col[j] for k, col in colmap.items()}
        oldd = old._asdict()
        changes = _diff(rec, oldd, _OBJ_COLUMNS)
        if rec.get("status_date") is not None and "status" in changes:
            changes["status_date"] = rec["status_date"]
        if changes:
            updates.append(
                (rownums[j], {**changes, "uscc": code, "name": rec.get("name", oldd["name"])}, oldd["id"], oldd)
            )
        else:
            unchanged.append((rownums[j], code, rec.get("name", "")))
    return inserts, updates, unchanged


def _person_key(rec: dict) -> tuple:
    if rec.get("cert_no"):
        return ("cert", rec["cert_no"])
    if rec.get("id_no"):
        return ("id", rec["id_no"])
    return ("name", rec.get("name") or "", rec.get("org") or "")


def _plan_people(session, table, cols, records, errors, bad_rows):
    existing: dict[tuple, dict] = {}
    for r in session.execute(select(*[Inspector.__table__.c[c] for c in ["id", *_INS_COLUMNS]])):
        d = r._asdict()
        for key in (
            ("cert", d["cert_no"]) if d["cert_no"] else None,
            ("id", d["id_no"]) if d["id_no"] else None,
            ("name", d["name"], d["org"]),
        ):
            if key is not None:
                existing.setdefault(key, d)
    seen: dict[tuple, int] = {}
    inserts, updates, unchanged = [], [], []
    for rownum, rec in records:
        key = _person_key(rec)
        if key in seen:
            what = {"cert": "执法证号", "id": "身份证号/工号", "name": "姓名和单位"}[key[0]]
            column = _header_of(table, cols, {"cert": "cert_no", "id": "id_no", "name": "name"}[key[0]])
            errors.append(
                {
                    "row": rownum,
                    "column": column,
                    "message": f"第 {rownum} 行与第 {seen[key]} 行的{what}“{' '.join(key[1:])}”重复（同一人出现两次）。请删除或合并其中一行。",
                }
            )
            bad_rows.add(rownum)
            continue
        seen[key] = rownum
        old = existing.get(key)
        if old is None and key[0] != "name":
            old = existing.get(("name", rec.get("name") or "", rec.get("org") or ""))
            if old is not None and old.get("cert_no") and old["cert_no"] != rec.get("cert_no"):
                old = None
        if old is None:
            inserts.append((rownum, rec))
            continue
        changes = _diff(rec, old, _INS_COLUMNS)
        if changes:
            updates.append((rownum, {**changes, "name": rec.get("name", old["name"])}, old["id"], old))
        else:
            unchanged.append((rownum, _key_text("inspectors", rec), rec.get("name", "")))
    return inserts, updates, unchanged


def _plan_items(session, table, cols, records, errors, bad_rows):
    existing = {}
    for r in session.execute(select(*[InspectionItem.__table__.c[c] for c in ["id", *_ITEM_COLUMNS]])):
        d = r._asdict()
        existing.setdefault((d["year"], d["category"], d["name"]), d)
    seen: dict[tuple, int] = {}
    inserts, updates, unchanged = [], [], []
    for rownum, rec in records:
        key = (rec["year"], rec.get("category") or "", rec["name"])
        if key in seen:
            errors.append(
                {
                    "row": rownum,
                    "column": _header_of(table, cols, "name"),
                    "message": f"第 {rownum} 行与第 {seen[key]} 行是同一年度的同一抽查事项（{key[1]} {key[2]}）。请删除或合并其中一行。",
                }
            )
            bad_rows.add(rownum)
            continue
        seen[key] = rownum
        old = existing.get(key)
        if old is None:
            inserts.append((rownum, rec))
            continue
        changes = _diff(rec, old, _ITEM_COLUMNS)
        if changes:
            updates.append((rownum, {**changes, "name": rec["name"]}, old["id"], old))
        else:
            unchanged.append((rownum, _key_text("items", rec), rec["name"]))
    return inserts, updates, unchanged


def _sqlite_value(column, cache: dict):
    """A converter of Python values to what SQLAlchemy would store in SQLite for this column."""
    from sqlalchemy import Date, DateTime

    t = column.type
    if isinstance(t, JSON):
        import json

        def conv(v):
            if v is None:
                return None
            key = tuple(v)
            out = cache.get(key)
            if out is None:
                out = cache[key] = json.dumps(list(v))
            return out

        return conv
    if isinstance(t, DateTime):
        memo: dict = {}

        def conv_dt(v):
            if v is None:
                return None
            out = memo.get(v)
            if out is None:
                out = memo[v] = v.strftime("%Y-%m-%d %H:%M:%S.%f")
            return out

        return conv_dt
    if isinstance(t, Date):
        return lambda v: v.isoformat() if v is not None else None
    if isinstance(t, Boolean):  # 1/0 as SQLAlchemy stores them; the driver binds a bool ~3× slower than an int
        return lambda v: None if v is None else int(v)
    return None  # str/int/float/None: the driver stores them as SQLAlchemy would


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """executemany INSERT of dicts that all have the same keys. On SQLite the values are adapted here
    and handed to the driver directly (SQLAlchemy's per-row parameter processing costs more than the
    insert itself for 50,000 rows); elsewhere a Core `insert()`."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    bulk_insert_columns(conn, table, names, [[r[n] for r in rows] for n in names])


def bulk_insert_columns(conn, table, names: list[str], columns: list[list], constants: dict | None = None) -> None:
    """Like `bulk_insert`, with the values given column by column (all columns the same length) and
    `constants` (column → one value for every row, e.g. the import's timestamp)."""
    constants = constants or {}
    if not columns or not columns[0]:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(
            table.insert().values(**constants) if constants else table.insert(),
            [dict(zip(names, vals)) for vals in zip(*columns)],
        )
        return
    cache: dict = {}
    adapted = []
    for n, values in zip(names, columns):
        conv = _sqlite_value(table.c[n], cache)
        if conv is None:
            adapted.append(values)
        elif isinstance(table.c[n].type, JSON):
            # few distinct lists: the validated column holds ONE tuple object per distinct cell text, so
            # they are told apart by identity (C speed, no tuple hashing), each encoded once
            distinct = dict(zip(map(id, values), values))
            if len(distinct) <= 5000:
                memo = {i: conv(v) for i, v in distinct.items()}
                adapted.append(list(map(memo.__getitem__, map(id, values))))
            else:
                adapted.append([conv(v) for v in values])
        elif isinstance(table.c[n].type, Boolean) and None not in values:
            adapted.append(list(map(int, values)))
        else:
            adapted.append([conv(v) for v in values])
    columns = adapted
    fixed = {}
    for n, v in constants.items():
        conv = _sqlite_value(table.c[n], cache)
        fixed[n] = conv(v) if conv else v
    if fixed:
        # constants are bound once in the SQL text as quoted literals (own values, never user input)
        def lit(v):
            return (
                "NULL"
                if v is None
                else (str(int(v)) if isinstance(v, (bool, int)) else "'" + str(v).replace("'", "''") + "'")
            )

        sql = (
            f"INSERT INTO {table.name} ({', '.join(chr(34) + n + chr(34) for n in [*names, *fixed])}) "
            f"VALUES ({', '.join(['?'] * len(names) + [lit(v) for v in fixed.values()])})"
        )
        conn.exec_driver_sql(sql, list(zip(*columns)))
        return
    sql = f"INSERT INTO {table.name} ({', '.join(chr(34) + n + chr(34) for n in names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, list(zip(*columns)))


def _db_value(key: str, value):
    if isinstance(value, tuple):
        return list(value)
    return value


_OBJ_DEFAULTS = dict(
    permit_no="",
    permit_class="",
    key_polluter=False,
    industry="",
    pollution_types=(),
    township="",
    address="",
    legal_rep="",
    contact="",
    phone="",
    status="存续",
    positive_list=False,
    credit_grade="",
    credit_risk="",
    air_grade="",
    special_situations=(),
    tags=(),
    registration_date=None,
    category_override="",
    override_reason="",
)


def _write_objects(
    session: Session,
    rep: ImportReport,
    inserts: list[int],
    updates,
    path: Path,
    colmap: dict[str, list],
    complete: set[str] = frozenset(),
) -> None:
    """`inserts` are row indices into the validated columns `colmap` (field → values, None = blank);
    `complete` names the columns known to hold no None."""
    table = InspectionObject.__table__
    now = utcnow()
    user = current_user()
    source = path.name
    conn = session.connection()
    n = len(next(iter(colmap.values()))) if colmap else 0
    everything = len(inserts) == n and (not inserts or (inserts[0] == 0 and inserts[-1] == n - 1))

    def pick(col: list) -> list:
        return col if everything else [col[j] for j in inserts]

    if inserts:
        names, columns = [], []
        constants = {"created_at": now, "updated_at": now}
        for k in ["uscc", "name", *_OBJ_DEFAULTS]:
            d = _OBJ_DEFAULTS.get(k)
            values = pick(colmap[k]) if k in colmap else None  # straight from the validated column
            blanks = 0 if values is None or k in complete else values.count(None)
            if values is None or blanks == len(values):
                constants[k] = d  # absent or blank throughout: the default, written once into the statement
                continue
            names.append(k)
            columns.append(list(map({None: d}.get, values, values)) if blanks else values)
        bulk_insert_columns(conn, table, names, columns, constants)
    changes: list[dict] = []
    if inserts:
        # 新增 history rows for every inserted object in ONE statement (INSERT … SELECT): the rows
        # of this import are the ones stamped with this import's `now`.
        _history_of_new(conn, now, user, source, stopped=False)
        statuses, dates = colmap.get("status"), colmap.get("status_date")
        any_stopped = statuses is not None and not set(pick(statuses)) <= {None, "", "存续"}
        if any_stopped and (dates is None or dates.count(None) == len(dates)):
            # no 状态日期 in the file: the status rows of new 停产/注销/迁出 objects in one statement too
            _history_of_new(conn, now, user, source, stopped=True)
            any_stopped = False
        stopped = [j for j in inserts if statuses[j] not in (None, "", "存续")] if any_stopped else []
        if stopped:
            ids: dict[str, int] = {}
            all_codes = colmap["uscc"]
            codes = [all_codes[j] for j in stopped]
            for k in range(0, len(codes), 500):
                ids.update(
                    conn.execute(select(table.c.uscc, table.c.id).where(table.c.uscc.in_(codes[k : k + 500]))).all()
                )
            for j, code in zip(stopped, codes):
                changes.append(
                    dict(
                        object_id=ids[code],
                        ts=now,
                        effective_date=dates[j] if dates is not None else None,
                        kind=statuses[j],
                        field="status",
                        old_value="",
                        new_value=statuses[j],
                        user=user,
                        source=source,
                    )
                )
    if updates:
        by_fields: dict[tuple, list[dict]] = {}
        for _r, ch, oid, old in updates:
            fields = tuple(
                sorted(k for k in ch if k in _OBJ_COLUMNS and k != "uscc" and (k != "name" or ch[k] != old["name"]))
            )
            if not fields:
                continue
            params = {f"v_{k}": _db_value(k, ch[k]) for k in fields}
            params["b_id"] = oid
            params["v_updated_at"] = now
            by_fields.setdefault(fields, []).append(params)
            changes.extend(_object_changes(oid, ch, old, fields, now, user, source))
        for fields, params in by_fields.items():
            stmt = (
                table.update()
                .where(table.c.id == bindparam("b_id"))
                .values(**{k: bindparam(f"v_{k}") for k in fields}, updated_at=bindparam("v_updated_at"))
            )
            conn.execute(stmt, params)
    if changes:
        by_keys: dict[tuple, list[dict]] = {}
        for c in changes:
            by_keys.setdefault(tuple(c), []).append(c)
        for group in by_keys.values():
            bulk_insert(conn, ObjectChange.__table__, group)
    audit.record(
        session,
        "导入",
        "inspection_object",
        "",
        summary=f"导入检查对象 {source}：新增 {rep.inserted}，更新 {rep.updated}，跳过 {rep.skipped}",
        after={
            "file": source,
            "sha256": rep.sha256,
            "sheet": rep.sheet,
            "rows": rep.rows,
            "inserted": pick(colmap["uscc"]) if inserts else [],
            "updated": [ch["uscc"] for _r, ch, _i, _o in updates],
            "skipped_rows": rep.skipped,
        },
    )


def _history_of_new(conn, now, user: str, source: str, *, stopped: bool) -> None:
    """ObjectChange rows for the objects this import inserted (stamped with its `now`), in id order, in
    ONE INSERT…SELECT: 新增 for every one, or (stopped=True) the status row of each 停产/注销/迁出 one."""
    table, oc = InspectionObject.__table__, ObjectChange.__table__
    if conn.dialect.name == "sqlite":  # plain SQL: nothing to compile; timestamps stored as SQLAlchemy does
        ts = _sqlite_value(oc.c.ts, {})(now)
        what = "status, 'status', '', status" if stopped else "'新增', '', '', name"
        only = " AND status != '存续'" if stopped else ""
        conn.exec_driver_sql(
            'INSERT INTO object_change (object_id, ts, kind, field, old_value, new_value, "user", source) '
            f"SELECT id, ?, {what}, ?, ? FROM inspection_object WHERE created_at = ? AND updated_at = ?{only} "
            "ORDER BY id",
            (ts, user, source, ts, ts),
        )
        return
    from sqlalchemy import and_, literal

    if stopped:
        cols = (table.c.status, literal("status"), literal(""), table.c.status)
        where = and_(table.c.created_at == now, table.c.updated_at == now, table.c.status != "存续")
    else:
        cols = (literal("新增"), literal(""), literal(""), table.c.name)
        where = and_(table.c.created_at == now, table.c.updated_at == now)
    conn.execute(
        oc.insert().from_select(
            ["object_id", "ts", "kind", "field", "old_value", "new_value", "user", "source"],
            select(table.c.id, literal(now, oc.c.ts.type), *cols, literal(user), literal(source))
            .where(where)
            .order_by(table.c.id),
        )
    )


def _object_changes(oid: int, ch: dict, old: dict, fields, now, user, source) -> list[dict]:
    out = []
    other = []
    for k in fields:
        before, after = history_text(_norm_db(old.get(k))), history_text(ch[k])
        if k == "status":
            new = ch[k]
            kind = (
                new
                if new in ("注销", "迁出", "停产")
                else ("恢复" if old.get(k) in ("停产", "注销", "迁出") else "修改")
            )
            out.append(
                dict(
                    object_id=oid,
                    ts=now,
                    effective_date=ch.get("status_date"),
                    kind=kind,
                    field=k,
                    old_value=before,
                    new_value=after,
                    user=user,
                    source=source,
                )
            )
        elif k == "positive_list":
            out.append(
                dict(
                    object_id=oid,
                    ts=now,
                    effective_date=None,
                    kind="正面清单调整",
                    field=k,
                    old_value=before,
                    new_value=after,
                    user=user,
                    source=source,
                )
            )
        elif k in _TYPE_FIELDS:
            out.append(
                dict(
                    object_id=oid,
                    ts=now,
                    effective_date=None,
                    kind="类型变更",
                    field=k,
                    old_value=before,
                    new_value=after,
                    user=user,
                    source=source,
                )
            )
        else:
            other.append((k, before, after))
    for k, before, after in other:
        out.append(
            dict(
                object_id=oid,
                ts=now,
                effective_date=None,
                kind="修改",
                field=k,
                old_value=before,
                new_value=after,
                user=user,
                source=source,
            )
        )
    return out


_INS_DEFAULTS = dict(
    kind="执法人员",
    cert_no="",
    org="",
    department="",
    position="",
    region="",
    gender="",
    years=None,
    expertise=[],
    on_duty=True,
    avoid_usccs=[],
    id_no="",
    phone="",
)


def _write_people(session: Session, rep: ImportReport, inserts, updates, path: Path) -> None:
    table = Inspector.__table__
    now = utcnow()
    conn = session.connection()
    if inserts:
        rows = []
        for _r, rec in inserts:
            row = dict(_INS_DEFAULTS)
            row.update({k: _db_value(k, v) for k, v in rec.items() if v not in ("", None, ())})
            row["created_at"] = row["updated_at"] = now
            rows.append(row)
        conn.execute(table.insert(), rows)
    for _r, ch, oid, old in updates:
        values = {k: _db_value(k, v) for k, v in ch.items() if k in _INS_COLUMNS and (k != "name" or v != old["name"])}
        if values:
            conn.execute(table.update().where(table.c.id == oid).values(**values, updated_at=now))
    label = "执法检查人员" if rep.kind == "inspectors" else "辅助人员/专家"
    audit.record(
        session,
        "导入",
        "inspector",
        "",
        summary=f"导入{label} {path.name}：新增 {rep.inserted}，更新 {rep.updated}，跳过 {rep.skipped}",
        after={
            "file": path.name,
            "sha256": rep.sha256,
            "rows": rep.rows,
            "inserted": [f"{rec.get('name')} {rec.get('cert_no', '')}".strip() for _r, rec in inserts],
            "updated": [oid for _r, _c, oid, _o in updates],
        },
    )


def _write_items(session: Session, rep: ImportReport, inserts, updates, path: Path) -> None:
    table = InspectionItem.__table__
    conn = session.connection()
    defaults = dict(
        seq=0,
        code="",
        category="",
        target="",
        content="",
        item_class="",
        method="",
        subject="",
        basis="",
        ratio="",
        frequency="",
        remark="",
    )
    if inserts:
        rows = []
        for n, (_r, rec) in enumerate(inserts, 1):
            row = dict(defaults)
            row.update({k: v for k, v in rec.items() if v not in ("", None)})
            if not rec.get("seq"):
                row["seq"] = n
            rows.append(row)
        conn.execute(table.insert(), rows)
    for _r, ch, oid, _old in updates:
        values = {k: v for k, v in ch.items() if k in _ITEM_COLUMNS}
        conn.execute(table.update().where(table.c.id == oid).values(**values))
    audit.record(
        session,
        "导入",
        "inspection_item",
        "",
        summary=f"导入抽查事项清单 {path.name}：新增 {rep.inserted}，更新 {rep.updated}，跳过 {rep.skipped}",
        after={
            "file": path.name,
            "sha256": rep.sha256,
            "rows": rep.rows,
            "inserted": [rec["name"] for _r, rec in inserts],
            "updated": [oid for _r, _c, oid, _o in updates],
        },
    )
