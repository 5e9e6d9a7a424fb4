"""Qt API differences between the usual build's PySide6 (6.10 and later) and the 信创 line's PySide6 6.9.3 (the
newest with manylinux_2_28 wheels, installer/xinchuang/requirements.txt)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel


def change_filter(proxy: QSortFilterProxyModel, apply: Callable[[], None], rows_only: bool = False,
                  modern: bool | None = None) -> None:
    """Run `apply` (which changes what `proxy` accepts) and refilter. Qt 6.10 brackets the change with
    beginFilterChange()/endFilterChange(direction); Qt 6.9 has beginFilterChange but no endFilterChange, so there
    the proxy is invalidated afterwards (invalidateRowsFilter / invalidateFilter)."""
    if modern is None:
        modern = hasattr(proxy, "endFilterChange")
    if modern:
        proxy.beginFilterChange()
        apply()
        if rows_only:
            proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            proxy.endFilterChange()
    else:
        apply()
        if rows_only:
            proxy.invalidateRowsFilter()
        else:
            proxy.invalidateFilter()
