"""The 信创 line runs PySide6 6.9.3, which has beginFilterChange but not endFilterChange (Qt 6.10): the bundle's
self-test died with "AttributeError: 'PoolFilterProxy' object has no attribute 'endFilterChange'". Both ways of
refiltering must give the same rows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtGui import QStandardItem, QStandardItemModel

from app.ui.qtcompat import change_filter


class Proxy(QSortFilterProxyModel):
    def __init__(self):
        super().__init__()
        self.wanted = ""

    def filterAcceptsRow(self, row, parent):  # noqa: N802
        return self.wanted in self.sourceModel().index(row, 0, parent).data()


@pytest.mark.parametrize("modern", [True, False], ids=["qt-6.10", "qt-6.9"])
@pytest.mark.parametrize("rows_only", [True, False])
def test_both_qt_versions_refilter_the_same(qapp, modern, rows_only):
    source = QStandardItemModel()
    for name in ("城关镇污水处理厂", "城东化工园区", "北山采石场"):
        source.appendRow(QStandardItem(name))
    proxy = Proxy()
    proxy.setSourceModel(source)
    assert proxy.rowCount() == 3
    change_filter(proxy, lambda: setattr(proxy, "wanted", "城"), rows_only=rows_only, modern=modern)
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["城关镇污水处理厂", "城东化工园区"]
    change_filter(proxy, lambda: setattr(proxy, "wanted", ""), rows_only=rows_only, modern=modern)
    assert proxy.rowCount() == 3
