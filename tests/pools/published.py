"""Files laid out as the public sources publish them (our own fixtures, built from the layouts in issue 19
and docs/pools.md): the permit platform's public list and cancelled list, 重点排污单位名录 in three layouts,
an inspector roster, the credit system's 双随机 results export."""

from __future__ import annotations

from openpyxl import Workbook

from tests.factories import make_uscc

PERMIT_HEAD = ["省/直辖市", "地市", "许可证编号", "单位名称", "行业类别", "有效期限", "发证日期", "管理类别"]


def code(n: int) -> str:
    return make_uscc(700000 + n)


def save(path, rows, *, title: str | None = None, merges=()):
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    for r in rows:
        ws.append(list(r))
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def permit_list(path, rows, *, head=PERMIT_HEAD):
    """全国排污许可证管理信息平台 公开信息: no USCC column, the permit number is USCC + 3 digits + a letter."""
    return save(path, [head, *rows], title="排污许可证发放信息")


def permit_row(n, *, suffix="001P", name=None, valid="2023-06-01至2028-05-31", issued="2023-06-01", cls="重点管理"):
    return ["山西省", "晋城市", code(n) + suffix, name or f"测试县第{n}化工有限公司", "化工", valid, issued, cls]


def cancelled_list(path, rows, *, head=("许可证编号", "单位名称", "行业类别", "撤销原因", "撤销时间")):
    return save(path, [list(head), *rows], title="排污许可证注销/撤销信息")


def key_units_column(path, rows):
    """名录 layout 1: a 名录类别 column, one row per unit and category."""
    head = ["序号", "地市", "区县", "单位名称", "统一社会信用代码", "名录类别"]
    return save(path, [head, *rows], title="2026年晋城市环境监管重点单位名录")


def key_units_ticks(path, rows):
    """名录 layout 2 (municipal): a two-row header, a √ column per category under 重点排污单位类型."""
    top = ["序号", "县（市、区）", "企业详细名称", "统一社会信用代码", "重点排污单位类型", None, None, None, None]
    sub = [None, None, None, None, "水环境", "大气环境", "土壤污染重点监管单位", "声环境", "环境风险"]
    return save(
        path,
        [top, sub, *rows],
        title="晋城市2026年重点排污单位名录",
        merges=("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:I2"),
    )


def key_units_sections(path, sections):
    """名录 layout 3: section headings inside the table (`一、水环境重点排污单位（2家）`)."""
    rows = [["序号", "单位名称", "统一社会信用代码", "地址"]]
    for heading, units in sections:
        rows.append([heading, None, None, None])
        rows.extend(units)
    return save(path, rows, title="测试县2026年重点排污单位名录")


ROSTER_HEAD = [
    "检查机关",
    "姓名",
    "执法证号",
    "性别",
    "身份证号",
    "职务",
    "执法(监督)类型",
    "文化程度",
    "状态",
    "发证日期",
]


def roster(path, rows):
    return save(path, [ROSTER_HEAD, *rows])


CREDIT_HEAD = [
    "抽查计划编号",
    "抽查计划名称",
    "抽查任务编号",
    "抽查任务名称",
    "抽查类型",
    "抽查机关",
    "抽查完成日期",
    "统一社会信用代码/注册号",
    "企业名称",
    "抽查结果",
]


def credit_results(path, rows):
    """国家企业信用信息公示系统: the 双随机 抽查结果 export."""
    return save(path, [CREDIT_HEAD, *rows])
