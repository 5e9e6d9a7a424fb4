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


PRELOAD = """
import json, sys, threading, time
from app.ui.main import make_application, open_store
from app.services.foundation.context import Actor
from app.ui.context import AppContext
from app.ui.main_window import MainWindow
from app.ui import operations
app = make_application()
db = open_store(sys.argv[1])
ctx = AppContext(db=db, actor=Actor("admin", "管理员", "管理员"), office_name="测试县", office_level="county")
w = MainWindow(ctx); w.backup_on_close = False; w.show(); app.processEvents()
first = sorted(m for m in sys.modules if m.startswith("app.ui.pages."))
importer = []
class Watch:  # which thread imports the document library
    def find_spec(self, name, path=None, target=None):
        if name == "reportlab":
            importer.append(threading.current_thread() is threading.main_thread())
        return None
sys.meta_path.insert(0, Watch())
end = time.time() + 8
while time.time() < end and "app.ui.pages.draw" not in sys.modules:
    app.processEvents(); time.sleep(0.01)
operations.wait_all()
print(json.dumps({"first": first, "draw": "app.ui.pages.draw" in sys.modules, "main_thread": importer}))
w.close(); db.dispose()
"""


def test_the_pages_modules_are_imported_in_the_background_once_the_window_is_up(db, db_path):
    """Opening 随机抽取 the first time imported reportlab on the UI thread (≈ 1 s frozen); the window imports
    the pages' modules off the UI thread once it is up, so the first open only builds the page."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    db.dispose()
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root))
    proc = subprocess.run(
        [sys.executable, "-c", PRELOAD, f"sqlite:///{db_path}"],
        capture_output=True, text=True, env=env, cwd=root, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["first"] == ["app.ui.pages.home"]  # the start imports only the first page
    assert seen["draw"] and seen["main_thread"] == [False]


def test_the_classification_rows_kept_by_the_table_are_not_walked_by_the_garbage_collector(db):
    """监管分类 keeps one row per object (100,000): as objects (a dataclass, even a NamedTuple) every collection
    — in any thread, the UI thread waiting — walks them all; plain tuples of text the collector stops tracking."""
    import gc

    from app.services.foundation.context import Actor, acting_as
    from app.services.rules import policies
    from app.ui.pages.classification import ClassLine, load_classes
    from tests.factories import make_object

    with acting_as(Actor("admin", "管理员", "管理员")), db.Session() as s:
        policies.set_policy(s, "longyao-2026")
        for i in range(20):
            make_object(s, name=f"示例县{i:02d}号化工有限公司", permit_class="重点管理" if i % 2 else "简化管理")
        s.commit()
        table = load_classes(s, "2026Q4")
    assert len(table.rows) == 20
    gc.collect()
    assert not any(gc.is_tracked(r) for r in table.rows)
    assert ClassLine._make(table.rows[0]).name.startswith("示例县")
