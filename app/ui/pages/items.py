"""事项清单: the year's 随机抽查事项清单 (versioned per year, published) — import, edit, export."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox, QDialog, QLabel

from app.services.pools import pools
from app.ui.context import AppContext
from app.ui.pages import PageSpec
from app.ui.pool_widgets import PoolPage, RecordDialog


class ItemsPage(PoolPage):
    title = "随机抽查事项清单"
    hint = "按年度管理；抽查比例、频次写在事项上，供制定计划时参考"
    columns = [
        (k, dict(pools.ITEM_COLUMNS)[k])
        for k in (
            "seq",
            "category",
            "name",
            "target",
            "item_class",
            "method",
            "ratio",
            "frequency",
            "subject",
            "content",
            "basis",
        )
    ]
    placeholder = "搜索抽查类别、事项、检查对象、依据……"
    filters = [("item_class", "事项类别", False), ("method", "检查方式", False)]

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(ctx, parent)
        self.tools.addWidget(QLabel("年度"))
        self.year = QComboBox()
        self.year.currentIndexChanged.connect(lambda _i: self._reload())
        self.tools.addWidget(self.year)
        self.add_button("导入…", lambda: self.open_import("items"), edit=True)
        self.add_button("新增", self.add_item, edit=True)
        self.add_button("修改", self.edit_selected, edit=True)
        self.add_button("导出当前视图…", self.export_view)
        self.add_button("下载导入模板…", lambda: self.save_template("items"))
        self.finish_tools()
        self.refresh()

    def _reload(self) -> None:
        PoolPage.refresh(self)

    def refresh(self) -> None:
        with self.ctx.read() as s:
            years = pools.item_years(s)
        this_year = date.today().year
        if this_year not in years:
            years = [this_year] + years
        current = self.year.currentText()
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItems([str(y) for y in sorted(set(years), reverse=True)])
        idx = self.year.findText(current)
        self.year.setCurrentIndex(idx if idx >= 0 else self.year.findText(str(max(pools_years_with_data(years)))))
        self.year.blockSignals(False)
        PoolPage.refresh(self)

    def selected_year(self) -> int:
        text = self.year.currentText()
        return int(text) if text.isdigit() else date.today().year

    def load_rows(self) -> list[dict]:
        with self.ctx.read() as s:
            return [pools.item_to_dict(i) for i in pools.list_items(s, self.selected_year())]

    def _dialog(self, title, values, item_id):
        def save(new_values):
            with self.ctx.session() as s:
                return pools.save_item(s, new_values, item_id).id

        return RecordDialog(title, "items", values, save, parent=self)

    def add_item(self) -> RecordDialog:
        dlg = self._dialog("新增抽查事项", {"year": self.selected_year()}, None)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.select_id(dlg.result_value)
        return dlg

    def edit_selected(self) -> RecordDialog | None:
        iid = self.current_id()
        if iid is None:
            return None
        with self.ctx.read() as s:
            values = pools.item_to_dict(pools.get_item(s, iid))
        dlg = self._dialog(f"修改抽查事项 — {values['name'][:20]}", values, iid)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.select_id(iid)
        return dlg


def pools_years_with_data(years: list[int]) -> list[int]:
    return years or [date.today().year]


PAGE = PageSpec("items", "事项清单", "一单两库", 10, lambda ctx, parent=None: ItemsPage(ctx, parent))
