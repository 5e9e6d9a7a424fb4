"""The column converter: one cell's text → the field's value, or a Chinese reason why not.

`Converter(spec)(text)` converts one non-blank cell and raises `ValueError(message)` when it is invalid;
`Converter.column(cells)` converts a whole column into (values, [(index, message)]) with None for blank
or invalid cells. Kinds with few distinct values (yes/no, enums, lists, dates) convert each distinct
text once.
"""

from __future__ import annotations

import re
import unicodedata

from app.services.foundation.errors import UserError
from app.services.pools import guard
from app.services.pools.importing.fields import (
    _ENUM_ALIASES,
    DUTY_DRAWABLE,
    DUTY_NOT_DRAWABLE,
    KEY_CATEGORY_ALIASES,
    FieldSpec,
    fields_for,
)
from app.services.pools.importing.values import (
    check_id_card,
    check_uscc,
    half_width,
    name_text,
    parse_bool,
    parse_date,
    parse_period,
    split_list,
    squash,
)

# kinds whose columns hold few distinct texts: each distinct text is converted once per column
_REPEATING = {"bool", "enum", "list", "int", "date", "period", "duty", "categories", "usccs"}
_CODE_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_ID_LIKE = re.compile(r"\d{14,17}[\dX]|\d(\.\d+)?E\+?\d+")


class Converter:
    """Turns one text cell into a field value; raises ValueError(message) when invalid."""

    def __init__(self, spec: FieldSpec):
        self.spec = spec
        self.enum = {half_width(c).lower(): c for c in spec.choices}
        for text, value in _ENUM_ALIASES.get(spec.key, {}).items():
            self.enum[half_width(text).lower()] = value

    def column(self, cells: list[str]) -> tuple[list, list[tuple[int, str]]]:
        values: list = []
        errors: list[tuple[int, str]] = []
        memo: dict[str, tuple[object, str | None]] = {}
        repeating = self.spec.kind in _REPEATING
        convert = getattr(self, "_" + self.spec.kind)
        for j, text in enumerate(cells):
            if not text:
                values.append(None)
                continue
            if repeating and text in memo:
                value, message = memo[text]
            else:
                try:
                    value, message = convert(text), None
                except ValueError as exc:
                    value, message = None, str(exc)
                if repeating:
                    memo[text] = (value, message)
            values.append(value)
            if message:
                errors.append((j, message))
        return values, errors

    def __call__(self, text: str):
        return getattr(self, "_" + self.spec.kind)(text)

    # Text already clean (printable — so no full-width, no-break or zero-width spaces, no line breaks —
    # and no double spaces) is kept as it is; most cells of most files are.

    def _text(self, text: str):
        return text if text.isprintable() and "  " not in text else squash(text)

    def _name(self, text: str):
        if text.isprintable() and " " not in text and "(" not in text and ")" not in text:
            if unicodedata.is_normalized("NFKC", text):
                return text
        return name_text(text)

    def _code(self, text: str):
        return text.upper() if text.isascii() and text.isprintable() and " " not in text else half_width(text).upper()

    def _uscc(self, text: str):
        value = self._code(text)
        reason = check_uscc(value)
        if reason:
            raise ValueError(f"“{text}”{reason}。请核对此行的“统一社会信用代码”")
        return value

    def _certno(self, text: str):
        parts = [half_width(p).upper() for p in _CODE_SEPARATORS.split(unicodedata.normalize("NFKC", text)) if p]
        if len(parts) > 1:
            raise ValueError(
                f"一个单元格里有 {len(parts)} 个证号（{'、'.join(parts)}）。每人只能有一个现用的执法证号："
                "请核对后只留一个（另一个可写在备注中）"
            )
        return parts[0] if parts else ""

    def _idcard(self, text: str):
        value = half_width(text).upper()
        if _ID_LIKE.fullmatch(value):
            reason = check_id_card(value)
            if reason:
                raise ValueError(f"身份证号“{text}”{reason}")
        return value

    def _bool(self, text: str):
        b = parse_bool(text)
        if b is None:
            raise ValueError(f"“{text}”无法识别，应填“是”或“否”")
        return b

    def _enum(self, text: str):
        v = self.enum.get(half_width(text).lower())
        if v is None:
            raise ValueError(f"“{text}”不是允许的值，应为：{'、'.join(self.spec.choices)}")
        return v

    def _list(self, text: str):
        return tuple(split_list(unicodedata.normalize("NFKC", text)))

    def _categories(self, text: str):
        return key_categories(text)

    def _duty(self, text: str):
        s = half_width(text)
        if s in DUTY_DRAWABLE or s in DUTY_NOT_DRAWABLE:
            return s
        raise ValueError(
            f"“{text}”不是可识别的人员状态，应为 {'、'.join(DUTY_DRAWABLE[:3])}（参与抽取）"
            f"或 {'、'.join(DUTY_NOT_DRAWABLE[:4])} 等（不参与抽取）"
        )

    def _usccs(self, text: str):
        codes = tuple(half_width(p).upper() for p in split_list(text))
        for c in codes:
            reason = check_uscc(c)
            if reason:
                raise ValueError(f"回避对象“{c}”不是有效的统一社会信用代码（{reason}）")
        return codes

    def _int(self, text: str):
        s = half_width(text).rstrip("年")
        try:
            f = float(s)
        except ValueError:
            raise ValueError(f"“{text}”不是数字，请填写整数") from None
        if not f.is_integer() or f < 0:
            raise ValueError(f"“{text}”应为不小于 0 的整数")
        return int(f)

    def _date(self, text: str):
        d = parse_date(text)
        if d is None:
            raise ValueError(f"“{text}”不是可识别的日期，请写成 2024-03-05 或 2024年3月5日")
        return d

    def _period(self, text: str):
        period = parse_period(text)
        if period is None:
            raise ValueError(f"“{text}”不是可识别的有效期限，请写成 2021-12-21至2026-12-20")
        return period


def key_categories(text: str) -> tuple[str, ...]:
    """名录类别 text ("水环境、大气环境", "土壤污染重点监管单位") → the categories kept on the object."""
    out: list[str] = []
    for part in split_list(unicodedata.normalize("NFKC", text)):
        category = category_of(part)
        if category is None:
            allowed = "、".join(dict.fromkeys(KEY_CATEGORY_ALIASES.values()))
            raise ValueError(f"名录类别“{part}”无法识别，应为：{allowed}")
        if category not in out:
            out.append(category)
    return tuple(out)


def category_of(text: str) -> str | None:
    """One 名录类别 (also a section heading's or a √ column's title) → its category, or None."""
    s = re.sub(r"[（(].*?[)）]", "", half_width(text))  # （8家）
    s = re.sub(r"^[一二三四五六七八九十\d]+[、.]", "", s).replace("名录", "")
    if s in KEY_CATEGORY_ALIASES:
        return KEY_CATEGORY_ALIASES[s]
    for suffix in ("重点排污单位", "重点监管单位", "重点管控单位", "单位"):
        if s.endswith(suffix) and s[: -len(suffix)] in KEY_CATEGORY_ALIASES:
            return KEY_CATEGORY_ALIASES[s[: -len(suffix)]]
    return None


def convert_value(kind: str, key: str, text: str):
    """Normalise and validate one value the way the import does (used by edit dialogs): raises UserError."""
    spec = next((s for s in fields_for(kind) if s.key == key), None)
    if spec is None:
        raise UserError(f"字段“{key}”不存在。")
    text = "" if text is None else str(text)
    guard.check_text(kind, key, spec.label, text)
    if not text.strip():
        if spec.required:
            raise UserError(f"“{spec.label}”必须填写。")
        return empty_value(spec)
    try:
        return Converter(spec)(text.strip())
    except ValueError as exc:
        reason = str(exc).split("。请核对此行")[0]
        raise UserError(f"“{spec.label}”：{reason}。") from None


def empty_value(spec: FieldSpec):
    if spec.kind in ("list", "usccs", "categories"):
        return ()
    if spec.kind in ("int", "date", "bool", "period"):
        return None
    return ""
