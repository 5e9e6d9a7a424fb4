"""检查对象库: the object pool — search, filter, sort, edit, bulk tag, mark 停产/注销/迁出, history, export, import."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
)

from app.services.pools import pools
from app.ui.context import AppContext
from app.ui.operations import run_op, show_info
from app.ui.pages import PageSpec
from app.ui.pool_widgets import HistoryDialog, PoolPage, RecordDialog
from app.ui.widgets import dialog_buttons

CLASS_COLUMNS = [("category", "监管类别"), ("stratum", "分层"), ("mode", "检查方式")]


class StatusDialog(QDialog):
    """标记 停产/注销/迁出 (or 恢复存续) with the effective date and a required reason."""

    def __init__(self, names: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("标记状态")
        form = QFormLayout(self)
        form.addRow(QLabel(names))
        self.status = QComboBox()
        self.status.addItems(["停产", "注销", "迁出", "存续"])
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：已办理工商注销 / 迁至外县 / 企业申报停产")
        form.addRow("新状态", self.status)
        form.addRow("生效日期", self.date)
        form.addRow("原因*", self.reason)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b00020")
        form.addRow(self.error)
        buttons = dialog_buttons(self, "确定", on_accept=self._ok)
        form.addRow(buttons)

    def _ok(self) -> None:
        if self.status.currentText() != "存续" and not self.reason.text().strip():
            self.error.setText("请填写原因。")
            return
        self.accept()


class ObjectsPage(PoolPage):
    title = "检查对象名录库"
    hint = "排污许可登记数据为基础；注销、迁出的单位以灰色显示，不参加抽取"
    columns = [(k, h) for k, h in pools.OBJECT_COLUMNS]
    filters = [
        ("township", "乡镇", False),
        ("permit_class", "管理类别", False),
        ("credit_grade", "信用等级", False),
        ("credit_risk", "信用风险", False),
        ("status", "状态", False),
        ("tags", "标签", True),
    ]

    def __init__(self, ctx: AppContext, parent=None):
        self.columns = self.columns[:2] + CLASS_COLUMNS + self.columns[2:]
        self.filters = [("category", "监管类别", False)] + self.filters
        super().__init__(ctx, parent)
        self.add_button("导入…", lambda: self.open_import("objects"), edit=True, tip="从 Excel/CSV 导入检查对象")
        self.add_button("新增", self.add_object, edit=True)
        self.add_button("修改", self.edit_selected, edit=True)
        self.add_button("标记状态…", self.mark_status, edit=True, tip="标记停产、注销、迁出或恢复存续")
        self.add_button("批量标签…", self.tag_selected, edit=True)
        self.add_button("变更历史", self.show_history)
        self.add_button("导出当前视图…", self.export_view)
        self.add_button("下载导入模板…", lambda: self.save_template("objects"))
        self.add_button(
            "检查日历…", self.show_calendar, tip="本年度该单位受到的全部检查（本单位抽查和其他部门检查），可录入检查"
        )
        self.finish_tools()
        self.refresh()

    load_in_background = True  # 100,000 objects take seconds to read and classify

    def load_rows(self) -> Iterator[dict]:
        """One object at a time from the store (no ORM objects, never 100,000 dicts at once)."""
        with self.ctx.read() as s:
            yield from pools.iter_object_dicts(s)

    def row_is_inactive(self, row: dict) -> bool:
        return row.get("status") in ("注销", "迁出")

    def add_object(self) -> RecordDialog:
        def save(values):
            with self.ctx.session() as s:
                return pools.create_object(s, values).id

        dlg = RecordDialog("新增检查对象", "objects", {"status": "存续"}, save, skip=pools.NOT_STORED, parent=self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.select_id(dlg.result_value)
        return dlg

    def edit_selected(self) -> RecordDialog | None:
        oid = self.current_id()
        if oid is None:
            return None
        with self.ctx.read() as s:
            values = pools.object_to_dict(pools.get_object(s, oid))

        def save(new_values):
            changes = {k: v for k, v in new_values.items() if k != "status"}
            with self.ctx.session() as s:
                pools.update_object(s, oid, changes)
            return oid

        dlg = RecordDialog(
            f"修改检查对象 — {values['name']}", "objects", values, save, skip=(*pools.NOT_STORED, "status"), parent=self
        )
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.select_id(oid)
        return dlg

    def mark_status(self) -> None:
        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(self, "请先选择", "请先在列表中选择要标记的单位（可多选）。")
            return
        with self.ctx.read() as s:
            names = [pools.get_object(s, i).name for i in ids]
        dlg = StatusDialog("、".join(names[:5]) + (f" 等 {len(names)} 家" if len(names) > 5 else ""), self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        status, reason, effective = dlg.status.currentText(), dlg.reason.text(), dlg.date.date().toPython()

        def work(s):
            for i in ids:
                pools.set_status(s, i, status, reason=reason, effective=effective)

        run_op(self, self.ctx, work, success=lambda _r: self.refresh())

    def tag_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(self, "请先选择", "请先在列表中选择要加标签的单位（可多选）。")
            return
        text, ok = QInputDialog.getText(
            self, "批量标签", f"给选中的 {len(ids)} 家单位添加标签（多个用“、”分隔；以“-”开头表示去掉该标签）："
        )
        if not ok or not text.strip():
            return
        parts = [p.strip() for p in text.replace("，", "、").replace(",", "、").split("、") if p.strip()]
        add = [p for p in parts if not p.startswith("-")]
        remove = [p[1:] for p in parts if p.startswith("-")]
        op = run_op(self, self.ctx, lambda s: pools.bulk_tag(s, ids, add=add, remove=remove))
        if op.ok:
            self.refresh()
            show_info(self, f"已修改 {op.result} 家单位的标签。", "批量标签")

    def show_history(self) -> HistoryDialog | None:
        oid = self.current_id()
        if oid is None:
            return None
        with self.ctx.read() as s:
            obj = pools.get_object(s, oid)
            rows, title = pools.history(s, oid), f"变更历史 — {obj.name}（{obj.uscc}）"
        dlg = HistoryDialog(title, rows, self)
        dlg.open()
        return dlg

    def show_calendar(self):
        """涉企检查频次: the selected enterprise's inspection calendar of this year; checks entered one by one."""
        from app.ui.frequency_dialogs import CalendarDialog

        oid = self.current_id()
        if oid is None:
            QMessageBox.information(self, "请先选择", "请先在列表中选择一家单位。")
            return None
        with self.ctx.read() as s:
            uscc = pools.get_object(s, oid).uscc
        dlg = CalendarDialog(self.ctx, uscc, parent=self)
        dlg.open()
        return dlg


PAGE = PageSpec("objects", "检查对象库", "一单两库", 11, lambda ctx, parent=None: ObjectsPage(ctx, parent))
