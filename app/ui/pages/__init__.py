"""Pages of the main window's navigation.

Every module here defines a QWidget page class and a module-level `PAGE = PageSpec(...)`; the main
window discovers them. A page's constructor takes `(ctx: AppContext, parent=None)`; an optional
`refresh()` is called whenever the page is shown.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str  # stable id, e.g. "objects"
    title: str  # Chinese nav label, e.g. "检查对象库"
    group: str  # nav group: "工作台", "一单两库", "规则与计划", "抽取", "检查与公示", "统计报表", "系统"
    order: int  # sort key within the whole navigation
    factory: Callable  # (ctx, parent) -> QWidget
    roles: tuple[str, ...] = ()  # empty: every role sees it
    levels: tuple[str, ...] = ("county", "city")  # office levels that show it


def discover() -> list[PageSpec]:
    import app.ui.pages as pkg

    specs = []
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        module = importlib.import_module(info.name)
        spec = getattr(module, "PAGE", None)
        if isinstance(spec, PageSpec):
            specs.append(spec)
    return sorted(specs, key=lambda s: s.order)
