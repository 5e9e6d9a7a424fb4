"""执法人员库: credentialed inspectors (执法证号 required) — search, filter, edit, import, export."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox

from app.services.pools import pools
from app.ui.context import AppContext
from app.ui.operations import run_op
from app.ui.pages import PageSpec
from app.ui.pool_widgets import PoolPage, RecordDialog


class PeoplePage(PoolPage):
    experts = False
    kind = "inspectors"
    placeholder = "搜索姓名、执法证号、单位、区域、专长……"
    columns = [(k, h) for k, h in pools.INSPECTOR_COLUMNS if k not in ("id_no",)]
    filters = [
        ("region", "区域", True),
        ("expertise", "业务专长", True),
        ("department", "部门", False),
        ("on_duty", "在编在岗", False),
    ]

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(ctx, parent)
        self.add_button("导入…", lambda: self.open_import(self.kind), edit=True)
        self.add_button("新增", self.add_person, edit=True)
        self.add_button("修改", self.edit_selected, edit=True)
        self.add_button("删除", self.delete_selected, edit=True)
        self.add_button("导出当前视图…", self.export_view)
        self.add_button("下载导入模板…", lambda: self.save_template(self.kind))
        self.finish_tools()
        self.refresh()

    def load_rows(self) -> list[dict]:
        with self.ctx.read() as s:
            return [pools.inspector_to_dict(p) for p in pools.list_inspectors(s, experts=self.experts)]

    def row_is_inactive(self, row: dict) -> bool:
        return not row.get("on_duty", True)

    def _dialog(self, title: str, values: dict, person_id: int | None) -> RecordDialog:
        def save(new_values):
            with self.ctx.session() as s:
                return pools.save_inspector(s, new_values, person_id).id

        return RecordDialog(title, self.kind, values, save, parent=self)

    def add_person(self) -> RecordDialog:
        dlg = self._dialog("新增人员", {"kind": "专家" if self.experts else "执法人员", "on_duty": True}, None)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.select_id(dlg.result_value)
        return dlg

    def edit_selected(self) -> RecordDialog | None:
        pid = self.current_id()
        if pid is None:
            return None
        with self.ctx.read() as s:
            person = pools.get_inspector(s, pid)
            values = pools.inspector_to_dict(person)
        dlg = self._dialog(f"修改人员 — {values['name']}", values, pid)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.select_id(pid)
        return dlg

    def delete_selected(self) -> None:
        pid = self.current_id()
        if pid is None:
            return
        with self.ctx.read() as s:
            name = pools.get_inspector(s, pid).name
        answer = QMessageBox.question(self, "删除人员", f"确定从人员库中删除“{name}”吗？（已参加过的抽取记录不受影响）")
        if answer != QMessageBox.StandardButton.Yes:
            return
        run_op(
            self,
            self.ctx,
            lambda s: pools.delete_inspector(s, pid),
            error_title="无法删除",
            success=lambda _r: self.refresh(),
        )


class InspectorsPage(PeoplePage):
    title = "执法检查人员名录库"
    hint = "只有持执法证的在编在岗人员参加随机选派；灰色为不在岗"


PAGE = PageSpec("inspectors", "执法人员库", "一单两库", 12, lambda ctx, parent=None: InspectorsPage(ctx, parent))
