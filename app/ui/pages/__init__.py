"""Pages of the main window's navigation.

Every module here defines a QWidget page class and a module-level `PAGE = PageSpec(...)`. A page's
constructor takes `(ctx: AppContext, parent=None)`; an optional `refresh()` is called whenever the page is shown.

The main window builds its navigation from `REGISTRY` below — the same specs with a factory that imports the
page's module the first time the page is opened — so starting the program imports no page module (nor what
pages pull in: reportlab, openpyxl, calamine…). A new page is a module here plus one line in `REGISTRY`;
tests/ui/test_startup.py checks that the two agree (`discover()` imports every module and reads its PAGE).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from app.models.vocabulary import Role


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


def lazy(module: str) -> Callable:
    """A page factory that imports `app.ui.pages.<module>` on first use and calls its PAGE's factory."""

    def factory(ctx, parent=None):
        return importlib.import_module(f"{__name__}.{module}").PAGE.factory(ctx, parent)

    factory.page_module = module
    return factory



REGISTRY: tuple[PageSpec, ...] = (
    PageSpec("home", "首页", "工作台", 0, lazy("home")),
    PageSpec("items", "事项清单", "一单两库", 10, lazy("items")),
    PageSpec("objects", "检查对象库", "一单两库", 11, lazy("objects")),
    PageSpec("inspectors", "执法人员库", "一单两库", 12, lazy("inspectors")),
    PageSpec("experts", "专家库", "一单两库", 13, lazy("experts")),
    PageSpec("rules", "规则设置", "规则与计划", 20, lazy("rules")),
    PageSpec("classification", "监管分类", "规则与计划", 21, lazy("classification")),
    PageSpec("quota", "抽查比例与应抽数", "规则与计划", 22, lazy("quota")),
    PageSpec("plans", "年度计划", "规则与计划", 23, lazy("plans")),
    PageSpec("draw", "随机抽取", "抽取", 30, lazy("draw")),
    PageSpec("outcomes", "检查结果", "检查与公示", 40, lazy("outcomes")),
    PageSpec("publication", "结果公示", "检查与公示", 42, lazy("publication")),
    PageSpec("holidays", "节假日设置", "检查与公示", 48, lazy("holidays")),
    PageSpec("stats", "统计报表", "统计报表", 50, lazy("stats")),
    PageSpec("exchange", "报送与汇总", "统计报表", 55, lazy("exchange")),
    PageSpec("users", "账户管理", "系统", 90, lazy("users"), roles=(Role.ADMIN,)),
    PageSpec("backup", "备份与恢复", "系统", 91, lazy("backup")),
    PageSpec("audit", "审计日志", "系统", 92, lazy("audit"), roles=(Role.ADMIN, Role.LEADER, Role.REVIEWER)),
)
