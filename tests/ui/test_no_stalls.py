"""No page stalls on 100,000 rows (issue 16 point 2): the UI thread never asks Python about every row more than once.

What blocked the event loop for seconds at 100,000 objects, each pinned here by counting the Python calls a table
makes (the timings themselves are in bench/ui_stalls.py, never in tests):
- sorting through Qt's proxy asked Python for two sort keys per comparison (n log n calls): a sort computes each
  row's key once;
- a filter asked Python once per row through Qt (filterAcceptsRow) on every fill and every change;
- the first column sizing measured every row's text (resizeColumnsToContents): it measures a sample;
- the 检查对象库 built its display text and filter lists on the UI thread: the worker builds them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import Qt

from app.ui.operations import wait_all
from app.ui.tables import FIT_SAMPLE, Column, TableModel, table_view

N = 3000


@dataclass(frozen=True)
class Line:
    n: int
    name: str


class Counted:
    """A column reader that counts, per row, how often the table asked it."""

    def __init__(self, get):
        self.get, self.asked = get, {}

    def __call__(self, row):
        self.asked[row.n] = self.asked.get(row.n, 0) + 1
        return self.get(row)


def _rows(n: int = N) -> list[Line]:
    return [Line(i, f"单位{(i * 7919) % n:05d}") for i in range(n)]


def test_sorting_computes_each_rows_key_once_and_keeps_the_order(qtbot):
    sort_key = Counted(lambda r: r.name)
    model = TableModel(columns=[Column("序号", lambda r: r.n), Column("单位名称", lambda r: r.name, sort=sort_key)])
    view = table_view(model)
    qtbot.addWidget(view)
    model.set_rows(_rows())
    view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    proxy = view.model()
    names = [proxy.index(r, 1).data() for r in range(proxy.rowCount())]
    assert names == sorted(r.name for r in _rows())
    view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 1).data() == max(r.name for r in _rows())
    # Qt's proxy asked twice per comparison: ~2 n log n ≈ 70,000 calls for 3,000 rows; once per row is 3,000
    assert max(sort_key.asked.values()) == 1 and len(sort_key.asked) == N


def test_a_row_filter_is_asked_once_per_row_and_the_fill_never_per_row_through_qt(qtbot):
    model = TableModel(columns=[Column("单位名称", lambda r: r.name)])
    view = table_view(model)
    qtbot.addWidget(view)
    proxy = view.model()
    accept = Counted(lambda r: r.n % 2 == 0)
    proxy.set_row_filter(accept)
    model.set_rows(_rows())
    assert proxy.rowCount() == N // 2
    assert max(accept.asked.values()) == 1
    proxy.setFilterFixedString("单位0001")
    assert {r.name[:6] for r in proxy.visible_rows()} == {"单位0001"}
    assert all(r.n % 2 == 0 for r in proxy.visible_rows())
    assert not hasattr(type(proxy), "filterAcceptsRow") or "filterAcceptsRow" not in type(proxy).__dict__


def test_first_column_sizing_measures_a_sample_not_every_row(qtbot):
    value = Counted(lambda r: r.name)
    model = TableModel(columns=[Column("单位名称", value), Column("序号", lambda r: r.n)])
    view = table_view(model)
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    model.set_rows(_rows())
    qtbot.wait(50)
    # resizeColumnsToContents measured up to 1,000 rows (and more when they are visible); a sample is enough
    assert len(value.asked) <= FIT_SAMPLE + 60
    assert view.columnWidth(0) > view.fontMetrics().horizontalAdvance("单位00000")


def test_the_objects_page_builds_its_rows_off_the_ui_thread(qtbot, db):
    from app.services.foundation.context import Actor
    from app.ui.context import AppContext
    from app.ui.pages.objects import ObjectsPage
    from tests.factories import make_object

    with db.Session() as s:
        for i in range(30):
            make_object(s, name=f"示例县{i:02d}号化工有限公司", township="城关镇")
        s.commit()
    ctx = AppContext(db=db, actor=Actor("admin", "管理员", "管理员"), office_name="测试县", office_level="county")
    threads: set[str] = set()

    class Watched(ObjectsPage):
        def row_is_inactive(self, row) -> bool:
            threads.add(threading.current_thread().name)
            return super().row_is_inactive(row)

    page = Watched(ctx)
    qtbot.addWidget(page)
    wait_all()
    qtbot.waitUntil(lambda: page.model.rowCount() == 30, timeout=10000)
    assert threads and threading.main_thread().name not in threads
    assert [c.count() for c in page.combos if c.key == "township"] == [2]  # （全部） and 城关镇, made in the worker
