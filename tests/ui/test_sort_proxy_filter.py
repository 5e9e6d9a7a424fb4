"""SortProxy filters a big table without asking Python about each row twice: the row filter's verdicts are kept per
list of rows, so they must follow every new list, every new row filter and the search text (issue 16 point 2)."""

from __future__ import annotations

from dataclasses import dataclass

from app.ui.tables import TOTAL, Column, TableModel, table_view


@dataclass(frozen=True)
class Line:
    name: str
    kind: str
    total: bool = False


def _names(proxy) -> list[str]:
    return [r.name for r in proxy.visible_rows()]


def test_row_filter_text_filter_and_total_row_follow_every_change(qtbot):
    model = TableModel(
        columns=[Column("名称", lambda r: r.name), Column("类别", lambda r: r.kind)],
        style=lambda r: TOTAL if r.total else None,
    )
    view = table_view(model, sortable=True)
    qtbot.addWidget(view)
    proxy = view.model()
    model.set_rows([Line("甲公司", "重点"), Line("乙公司", "一般"), Line("合计", "", True)])
    proxy.set_row_filter(lambda r: r.kind == "重点")
    assert _names(proxy) == ["甲公司", "合计"]  # the 合计 row is never filtered away
    # a new list of rows: the verdicts are those of the new rows
    model.set_rows([Line("丙公司", "一般"), Line("丁公司", "重点"), Line("戊公司", "重点"), Line("合计", "", True)])
    assert _names(proxy) == ["丁公司", "戊公司", "合计"]
    # the search text narrows what the row filter lets through
    proxy.setFilterFixedString("戊")
    assert _names(proxy) == ["戊公司", "合计"]
    proxy.setFilterFixedString("")
    # a new row filter on the same rows
    proxy.set_row_filter(lambda r: r.kind == "一般")
    assert _names(proxy) == ["丙公司", "合计"]
    proxy.set_row_filter(None)
    assert _names(proxy) == ["丙公司", "丁公司", "戊公司", "合计"]
    proxy.setFilterFixedString("丁")
    assert _names(proxy) == ["丁公司", "合计"]
    model.set_rows([Line("己公司", "一般"), Line("丁二公司", "一般")])
    assert _names(proxy) == ["丁二公司"]
