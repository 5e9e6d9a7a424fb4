"""The layouts the public sources publish, recognised from the headers (and a few cells):

- the credit system's 双随机抽查结果 export (国家企业信用信息公示系统): refused by every import, naming it;
- the permit platform's 注销/撤销 list: refused by `objects`, read by `cancelled`;
- the permit platform's public list (no USCC column: the USCC is the permit number's first 18 characters);
- 重点排污单位名录 in its three layouts: a 名录类别 column (one row per unit and category), a two-row header
  with a √ column per category, section headings inside the table (`一、水环境重点排污单位（8家）`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.services.foundation.errors import UserError
from app.services.pools import reader as tabular
from app.services.pools.importing.convert import category_of
from app.services.pools.importing.fields import KEY_CATEGORY_ALIASES, KIND_LABELS
from app.services.pools.importing.values import parse_bool

CREDIT_RESULT_HEADERS = (
    "抽查计划编号",
    "抽查计划名称",
    "抽查任务编号",
    "抽查任务名称",
    "抽查类型",
    "抽查机关",
    "抽查完成日期",
    "抽查结果",
    "统一社会信用代码/注册号",
)
CANCELLED_HEADERS = ("注销原因", "撤销原因", "注销时间", "撤销时间", "注销日期", "撤销日期")
# headers the reader must know to find these files' header rows (√ columns of the municipal 名录 too)
EXTRA_HEADERS = (*CREDIT_RESULT_HEADERS, *CANCELLED_HEADERS, *KEY_CATEGORY_ALIASES)

PERMIT_PLATFORM = "全国排污许可证管理信息平台公开的许可证清单"
CANCELLED_LIST = "全国排污许可证管理信息平台的注销/撤销清单"
CREDIT_RESULTS = "国家企业信用信息公示系统导出的“双随机”抽查结果"
KEY_UNITS_COLUMN = "重点排污单位名录（名录类别一列，每单位每类别一行）"
KEY_UNITS_TICKS = "重点排污单位名录（两行表头，每个类别一列打√）"
KEY_UNITS_SECTIONS = "重点排污单位名录（表内分节标题）"

# What each import accepts besides our own template: (layout, where it comes from, its columns). Shown in
# the templates' 填写说明 sheet and in docs/pools.md.
ACCEPTED_LAYOUTS = {
    "objects": [
        (
            "本系统模板或县级台账",
            "ssj template objects；各地自建的污染源台账",
            "单位名称、统一社会信用代码、许可证编号、管理类别……",
        ),
        (
            PERMIT_PLATFORM,
            "全国排污许可证管理信息平台（permit.mee.gov.cn）→ 信息公开 → 许可信息",
            "省/直辖市、地市、许可证编号、单位名称、行业类别、有效期限、发证日期[、管理类别]；"
            "没有统一社会信用代码列时取许可证编号前 18 位并校验；一家单位多个许可证＝一个对象多个许可证",
        ),
        (
            KEY_UNITS_COLUMN,
            "设区市生态环境局公布的环境监管重点单位名录",
            "序号、地市、区县、单位名称、统一社会信用代码、名录类别（水环境/大气环境/土壤污染重点监管单位/声环境/地下水/环境风险）",
        ),
        (
            KEY_UNITS_TICKS,
            "市级名录（两行表头）",
            "企业详细名称、统一社会信用代码、重点排污单位类型 下分 水环境/大气环境/… 各一列打 √",
        ),
        (
            KEY_UNITS_SECTIONS,
            "县级公布的名录（表内“一、水环境重点排污单位（8家）”式分节标题）",
            "序号、单位名称、统一社会信用代码、地址",
        ),
    ],
    "key-units": [("重点排污单位名录（以上三种格式）", "同上；只更新库中已有单位，不在库中的单位列入报告", "")],
    "cancelled": [
        (
            CANCELLED_LIST,
            "全国排污许可证管理信息平台 → 信息公开 → 注销/撤销信息",
            "许可证编号、单位名称、行业类别、注销原因/撤销原因、注销时间/撤销时间",
        )
    ],
    "inspectors": [
        (
            "执法人员名册",
            "执法证管理系统或人事部门导出的名册",
            "检查机关、姓名、执法证号、性别、身份证号、职务、执法(监督)类型、文化程度、状态（在岗/在职/在编在岗可抽取；"
            "调离/退休/离岗/借调不参与抽取）",
        )
    ],
}
REFUSED_LAYOUTS = [
    (
        CREDIT_RESULTS,
        "国家企业信用信息公示系统 → 双随机抽查结果",
        "抽查计划编号、抽查计划名称、抽查任务编号、抽查任务名称、抽查类型、抽查机关、抽查完成日期、抽查结果、"
        "统一社会信用代码/注册号：不是事项清单或对象名录，这里的各类导入都拒绝，并指明用 ssj checks import 导入",
    )
]

_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_TICKED = {"√", "✓", "✔", "●", "○", "☑", "v", "V", "是", "1", "有"}


def _keys(table: tabular.Table) -> set[str]:
    return {tabular.header_key(h) for h in table.headers}


def is_credit_results(table: tabular.Table) -> bool:
    keys = _keys(table)
    return sum(tabular.header_key(h) in keys for h in CREDIT_RESULT_HEADERS) >= 3


def is_cancelled_list(table: tabular.Table) -> bool:
    return bool(_keys(table) & {tabular.header_key(h) for h in CANCELLED_HEADERS})


def refuse_foreign(table: tabular.Table, kind: str) -> None:
    """Raise a UserError naming what the file is when it is not a file of this kind at all."""
    name = table.name
    if is_credit_results(table):
        raise UserError(
            f"“{name}”是{CREDIT_RESULTS}文件（抽查计划、抽查任务、抽查结果），记录的是各部门已完成的抽查，"
            f"不是{KIND_LABELS[kind]}，不能作为{KIND_LABELS[kind]}导入。这类文件请用“ssj checks import {name}”"
            "（程序中：涉企检查频次 → 导入检查记录）导入，作为其他部门的检查记录。导入"
            + ("抽查事项清单" if kind == "items" else f"{KIND_LABELS[kind]}")
            + "请选择本局的相应文件。"
        )
    if kind == "objects" and is_cancelled_list(table):
        raise UserError(
            f"“{name}”是{CANCELLED_LIST}（有注销/撤销原因和时间），不是检查对象名录。请用"
            f"“ssj import cancelled {name}”（导入向导中选“{KIND_LABELS['cancelled']}”）导入，"
            "它会把库中对应的单位标记为注销并记下日期和原因。"
        )


@dataclass
class KeyUnitLayout:
    """What the 名录 layouts add to the rows: categories per row index (of the table after headings are
    taken out), the description of the layout, and problems with headings."""

    table: tabular.Table
    categories: dict[int, tuple[str, ...]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (Excel row, column, message)
    tick_columns: set[int] = field(default_factory=set)


def key_unit_layout(table: tabular.Table, cols: dict[int, str]) -> KeyUnitLayout:
    """Read the √ columns and the section headings of a 名录 (and take the heading rows out)."""
    out = KeyUnitLayout(table)
    if "key_categories" in cols.values():
        out.names.append(KEY_UNITS_COLUMN)
    ticks = {i: category_of(h) for i, h in enumerate(table.headers) if i not in cols and category_of(h)}
    if ticks:
        out.names.append(KEY_UNITS_TICKS)
        out.tick_columns = set(ticks)
    headings = _heading_rows(table, cols)
    if headings:
        out.names.append(KEY_UNITS_SECTIONS)
        keep = [j for j in range(len(table.row_numbers)) if j not in headings]
        table = tabular.Table(
            file=table.file,
            sheet=table.sheet,
            sheets=table.sheets,
            header_row=table.header_row,
            headers=table.headers,
            row_numbers=[table.row_numbers[j] for j in keep],
            columns=[[col[j] for j in keep] for col in table.columns],
        )
        out.table = table
        current: tuple[str, ...] = ()
        position = 0
        for j in range(len(keep) + len(headings)):
            if j in headings:
                rownum, text = headings[j]
                category = category_of(text)
                if category is None:
                    out.errors.append(
                        (
                            rownum,
                            "分节标题",
                            f"第 {rownum} 行的分节标题“{text}”看不出是哪一类重点排污单位（应含"
                            f"{'、'.join(dict.fromkeys(KEY_CATEGORY_ALIASES.values()))}之一）。请改写标题",
                        )
                    )
                    current = ()
                else:
                    current = (category,)
                continue
            if current:
                out.categories[position] = current
            position += 1
    for i, category in ticks.items():
        for j, cell in enumerate(table.columns[i]):
            if cell.strip() in _TICKED or parse_bool(cell):
                out.categories[j] = (*out.categories.get(j, ()), category)
    return out


def _heading_rows(table: tabular.Table, cols: dict[int, str]) -> dict[int, tuple[int, str]]:
    """Rows that hold only one text that reads as a section heading (a heading has no USCC)."""
    found: dict[int, tuple[int, str]] = {}
    uscc = next((table.columns[i] for i, key in cols.items() if key == "uscc"), None)
    for j in range(len(table.row_numbers)):
        if uscc is not None and uscc[j]:
            continue
        texts = [col[j] for col in table.columns if col[j]]
        if len(texts) != 1:
            continue
        text = texts[0]
        if _HEADING.match(text) or (category_of(text) and "name" not in {cols.get(i) for i in _where(table, j)}):
            found[j] = (table.row_numbers[j], text)
    return found


def _where(table: tabular.Table, j: int) -> list[int]:
    return [i for i, col in enumerate(table.columns) if col[j]]
