"""The 一单两库 pages and the import wizard as a clerk uses them (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWizard
from sqlalchemy import func, select

from app.models import InspectionObject, Inspector
from app.models.pools import ColumnMapping, ObjectChange
from app.services.foundation.context import Actor
from app.ui.context import AppContext
from app.ui.operations import wait_all
from app.ui.pool_models import PoolFilterProxy, PoolTableModel
from tests.factories import make_inspector, make_object, make_uscc

ADMIN = Actor("admin", "管理员", "管理员")


class Boxes:
    def __init__(self, monkeypatch):
        self.shown: list[tuple[str, str, str]] = []
        for kind in ("information", "warning", "critical"):
            monkeypatch.setattr(QMessageBox, kind, self._rec(kind, QMessageBox.StandardButton.Ok))
        monkeypatch.setattr(QMessageBox, "question", self._rec("question", QMessageBox.StandardButton.Yes))

    def _rec(self, kind, answer):
        def show(parent, title, text, *a, **kw):
            self.shown.append((kind, title, text))
            return answer

        return staticmethod(show)


@pytest.fixture
def ctx(db):
    return AppContext(db=db, actor=ADMIN, office_name="测试县", office_level="county")


@pytest.fixture
def boxes(monkeypatch):
    return Boxes(monkeypatch)


@pytest.fixture(autouse=True)
def _join_workers():
    yield
    wait_all()


def seed(db, n=3):
    with db.Session() as s:
        objs = [make_object(s, name=f"示例县{t}化工有限公司", township=t) for t in ("城关镇", "南村镇", "高都镇")[:n]]
        make_object(s, name="示例县已注销公司", status="注销", township="城关镇")
        s.commit()
        return [o.uscc for o in objs]


# ------------------------------------------------------------------ models without widgets


def test_model_and_proxy_filter_search_sort():
    model = PoolTableModel(
        [("name", "单位名称"), ("township", "乡镇"), ("tags", "标签"), ("key_polluter", "重点排污单位")]
    )
    model.set_rows(
        [
            {"id": 1, "name": "甲化工", "township": "城关镇", "tags": ["园区企业"], "key_polluter": True},
            {"id": 2, "name": "乙水泥", "township": "南村镇", "tags": [], "key_polluter": False},
            {"id": 3, "name": "丙化工", "township": "南村镇", "tags": ["园区企业", "涉VOCs"], "key_polluter": False},
        ]
    )
    proxy = PoolFilterProxy()
    proxy.setSourceModel(model)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "单位名称"
    assert model.index(0, 3).data() == "是" and model.index(2, 2).data() == "园区企业、涉VOCs"
    proxy.set_search("化工")
    assert proxy.rowCount() == 2
    proxy.set_filter("township", "南村镇")
    assert [r[0] for r in proxy.visible_rows()] == ["丙化工"]
    proxy.clear_filters()
    proxy.set_filter("tags", "园区企业", is_list=True)
    assert proxy.ids() == [1, 3]
    proxy.set_search("化工 城关")
    assert proxy.ids() == [1]
    proxy.clear_filters()
    model.sort(0, Qt.SortOrder.DescendingOrder)
    proxy.set_search("化工")
    assert [r[0] for r in proxy.visible_rows()] == ["甲化工", "丙化工"]
    assert model.distinct("tags", split=True) == ["园区企业", "涉VOCs"]


# ------------------------------------------------------------------ objects page


def test_objects_page_lists_filters_and_exports(qtbot, ctx, db, boxes, tmp_path, monkeypatch):
    from app.ui.pages.objects import ObjectsPage

    seed(db)
    page = ObjectsPage(ctx)
    qtbot.addWidget(page)
    wait_all()  # 检查对象库 loads its rows off the UI thread
    page.resize(1200, 600)
    page.show()
    assert page.count_label.text() == "显示 4 条，共 4 条"
    combo = next(c for c in page.combos if c.key == "township")
    combo.setCurrentText("南村镇")
    assert page.proxy.rowCount() == 1 and "已筛选" in page.count_label.text()
    page.clear_filters()
    page.search.setText("高都")  # typed; the debounce timer applies it
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 1, timeout=2000)
    name_col = page.model.column_of("name")
    assert page.proxy.index(0, name_col).data() == "示例县高都镇化工有限公司"
    out = tmp_path / "视图.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    page.export_view()
    ws = load_workbook(out).active
    assert ws.max_row == 2 and ws.cell(row=2, column=1).value == "示例县高都镇化工有限公司"
    assert boxes.shown[-1][1] == "已导出"
    page.grab().save(str(tmp_path / "objects.png"))


def test_objects_page_edit_dialog_validates(qtbot, ctx, db, boxes, monkeypatch):
    from app.ui.pages.objects import ObjectsPage

    codes = seed(db, 1)
    page = ObjectsPage(ctx)
    qtbot.addWidget(page)
    wait_all()  # 检查对象库 loads its rows off the UI thread
    page.proxy.set_search(codes[0])
    page.table.selectRow(0)
    seen = {}

    def fake_exec(dlg):
        dlg.set_value("permit_class", "重点管理")
        dlg.set_value("phone", "１３９ ０００")  # full-width digits with a space
        dlg.set_value("uscc", "123")
        assert dlg.try_save() is False
        seen["error"] = dlg.error.text()
        dlg.set_value("uscc", codes[0])
        assert dlg.try_save() is True
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QDialog, "exec", fake_exec)
    page.edit_selected()
    wait_all()
    assert "长度为 3 位，应为 18 位" in seen["error"]
    with db.Session() as s:
        obj = s.scalar(select(InspectionObject).where(InspectionObject.uscc == codes[0]))
        assert obj.permit_class == "重点管理" and obj.phone == "139000"
        kinds = s.scalars(select(ObjectChange.kind).where(ObjectChange.object_id == obj.id)).all()
    assert "类型变更" in kinds


def test_objects_page_mark_status_tag_history(qtbot, ctx, db, boxes, monkeypatch):
    from app.ui.pages.objects import ObjectsPage, StatusDialog

    seed(db, 2)
    page = ObjectsPage(ctx)
    qtbot.addWidget(page)
    wait_all()  # 检查对象库 loads its rows off the UI thread
    page.proxy.set_search("城关镇化工")
    page.table.selectRow(0)

    def status_exec(dlg):
        if isinstance(dlg, StatusDialog):
            dlg.status.setCurrentText("迁出")
            dlg.reason.setText("迁至外县")
            return QDialog.DialogCode.Accepted
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(QDialog, "exec", status_exec)
    page.mark_status()
    wait_all()
    page.proxy.set_search("城关镇化工")
    status_col = page.model.column_of("status")
    assert page.proxy.index(0, status_col).data() == "迁出"
    assert page.proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed out
    page.table.selectRow(0)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("园区企业、重点行业", True))
    page.tag_selected()
    wait_all()
    page.proxy.set_search("城关镇化工")
    assert page.proxy.index(0, page.model.column_of("tags")).data() == "园区企业、重点行业"
    page.table.selectRow(0)
    dlg = page.show_history()
    qtbot.addWidget(dlg)
    texts = [dlg.table.item(r, 1).text() for r in range(dlg.table.rowCount())]
    assert texts == ["迁出", "修改"]
    assert dlg.table.item(0, 7).text() == "手工修改：迁至外县"


# ------------------------------------------------------------------ import wizard


def _messy_objects(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["示例县 2026 年检查对象名录"])
    ws.merge_cells("A1:E1")
    ws.append(["企业名称", "信用代码", "管理类别", "企业所在片区", "备注"])
    ws.append(["示例县甲公司", make_uscc(301), "重点", "东片", "x"])
    ws.append(["示例县乙公司", "91140525MA0BAD", "简化", "西片", ""])
    ws.append(["示例县丙公司", make_uscc(303), "登记", "南片", ""])
    wb.save(path)
    return path


def next_page(wizard) -> None:
    """下一步 >, then let the file read / check that runs off the UI thread finish."""
    wizard.next()
    wait_all()


def test_import_wizard_maps_previews_and_imports_valid_rows(qtbot, ctx, db, boxes, tmp_path, monkeypatch):
    from app.ui.import_wizard import ImportWizard

    path = _messy_objects(tmp_path / "名录.xlsx")
    wizard = ImportWizard(ctx, "objects")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(tmp_path / "nothing.xlsx"))
    next_page(wizard)
    assert wizard.currentPage() is wizard.file_page and "找不到文件" in wizard.file_page.error.text()
    wizard.file_page.path.setText(str(path))
    next_page(wizard)
    assert wizard.currentPage() is wizard.sheet_page
    assert "表头在第 2 行，共 3 行数据" in wizard.sheet_page.info.text()
    next_page(wizard)
    page = wizard.mapping_page
    assert page.combos[3].currentData() == "__ignore__"  # 企业所在片区: unknown, to be mapped
    page.set_field("企业所在片区", "township")
    next_page(wizard)
    preview = wizard.preview_page
    qtbot.waitUntil(lambda: preview.report is not None, timeout=10000)
    assert "发现 1 处问题" in preview.summary.text()
    assert preview.errors.item(0, 0).text() == "4" and preview.errors.item(0, 1).text() == "信用代码"
    assert "统一社会信用代码" in preview.errors.item(0, 2).text()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    report_path = tmp_path / "报告.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(report_path), ""))
    preview.save_button.click()
    assert load_workbook(report_path)["问题清单"].cell(row=2, column=1).value == 4
    preview.skip.setChecked(True)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    with qtbot.waitSignal(wizard.imported, timeout=10000):
        wizard.accept()
    assert wizard.result_report.inserted == 2 and wizard.result_report.skipped == 1
    assert boxes.shown[-1][1] == "导入完成" and "新增 2" in boxes.shown[-1][2]
    with db.Session() as s:
        rows = s.execute(
            select(InspectionObject.name, InspectionObject.township, InspectionObject.permit_class).order_by(
                InspectionObject.name
            )
        ).all()
        assert [tuple(r) for r in rows] == [("示例县丙公司", "南片", "登记管理"), ("示例县甲公司", "东片", "重点管理")]
        assert s.scalar(select(ColumnMapping.field).where(ColumnMapping.header == "企业所在片区")) == "township"


def test_import_wizard_refuses_missing_required_mapping(qtbot, ctx, db, boxes, tmp_path):
    from app.ui.import_wizard import ImportWizard

    path = _messy_objects(tmp_path / "m.xlsx")
    wizard = ImportWizard(ctx, "objects")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    next_page(wizard)
    next_page(wizard)
    wizard.mapping_page.set_field("信用代码", "__ignore__")
    next_page(wizard)
    assert wizard.currentPage() is wizard.mapping_page
    assert "必须指定哪一列是“统一社会信用代码”" in wizard.mapping_page.error.text()
    wizard.mapping_page.set_field("信用代码", "uscc")
    wizard.mapping_page.set_field("企业所在片区", "uscc")
    next_page(wizard)
    assert "都对应了“统一社会信用代码”" in wizard.mapping_page.error.text()


def test_objects_page_import_button_opens_wizard_and_refreshes(qtbot, ctx, db, boxes, tmp_path):
    from app.ui.pages.objects import ObjectsPage

    page = ObjectsPage(ctx)
    qtbot.addWidget(page)
    wait_all()  # 检查对象库 loads its rows off the UI thread
    assert page.count_label.text() == "显示 0 条，共 0 条"
    page.open_import("objects")
    wizard = page._wizard
    qtbot.addWidget(wizard)
    wb = Workbook()
    wb.active.append(["单位名称", "统一社会信用代码"])
    wb.active.append(["示例县丁公司", make_uscc(401)])
    wb.save(tmp_path / "ok.xlsx")
    wizard.file_page.path.setText(str(tmp_path / "ok.xlsx"))
    next_page(wizard)
    next_page(wizard)
    next_page(wizard)
    qtbot.waitUntil(lambda: wizard.preview_page.report is not None, timeout=10000)
    assert "没有发现问题" in wizard.preview_page.summary.text()
    with qtbot.waitSignal(wizard.imported, timeout=10000):
        wizard.accept()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)
    assert page.count_label.text() == "显示 1 条，共 1 条"


# ------------------------------------------------------------------ people and items


def test_inspectors_page_requires_cert_and_experts_separate(qtbot, ctx, db, boxes, monkeypatch):
    from app.ui.pages.experts import ExpertsPage
    from app.ui.pages.inspectors import InspectorsPage

    with db.Session() as s:
        make_inspector(s, name="执法员甲", expertise=["大气", "水"])
        make_inspector(s, name="专家乙", kind="专家", cert_no="")
        s.commit()
    page = InspectorsPage(ctx)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 1 and page.proxy.index(0, 0).data() == "执法员甲"
    combo = next(c for c in page.combos if c.key == "expertise")
    assert [combo.itemText(i) for i in range(combo.count())] == ["（全部）", "大气", "水"]
    errors = []

    def fill(dlg):
        dlg.set_value("name", "新执法员")
        assert not dlg.try_save()
        errors.append(dlg.error.text())
        dlg.set_value("cert_no", "14052599999")
        assert dlg.try_save()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QDialog, "exec", fill)
    page.add_person()
    assert "执法人员必须填写“执法证号”" in errors[0]
    assert page.model.rowCount() == 2
    experts = ExpertsPage(ctx)
    qtbot.addWidget(experts)
    assert experts.model.rowCount() == 1 and experts.proxy.index(0, 0).data() == "专家乙"
    with db.Session() as s:
        assert s.scalar(select(Inspector.cert_no).where(Inspector.name == "新执法员")) == "14052599999"


def test_items_page_shows_year_and_edits(qtbot, ctx, db, boxes, monkeypatch):
    from datetime import date

    from app.services.demo import demo
    from app.ui.pages.items import ItemsPage

    with db.Session() as s:
        from app.models import InspectionItem

        for row in demo.build_items(date.today().year):
            s.add(InspectionItem(**row))
        s.commit()
    page = ItemsPage(ctx)
    qtbot.addWidget(page)
    assert page.year.currentText() == str(date.today().year) and page.model.rowCount() == 10
    combo = next(c for c in page.combos if c.key == "item_class")
    combo.setCurrentText("一般检查事项")
    assert page.proxy.rowCount() == 3


def test_viewer_role_cannot_edit(qtbot, db):
    from app.ui.pages.objects import ObjectsPage

    page = ObjectsPage(AppContext(db=db, actor=Actor("lingdao", "领导", "领导")))
    qtbot.addWidget(page)
    wait_all()  # 检查对象库 loads its rows off the UI thread
    buttons = {
        page.tools.itemAt(i).widget().text(): page.tools.itemAt(i).widget().isEnabled()
        for i in range(page.tools.count())
        if page.tools.itemAt(i).widget()
    }
    assert buttons["导入…"] is False and buttons["修改"] is False and buttons["导出当前视图…"] is True


def test_closing_the_import_wizard_during_the_write_asks_and_commits_nothing(qtbot, ctx, db, boxes, tmp_path):
    """Issue 14: × during the write left an orphan progress box and committed all rows anyway."""
    from app.ui import operations
    from app.ui.import_wizard import ImportWizard

    path = tmp_path / "big.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "所在乡镇"])
    for i in range(3000):
        ws.append([f"示例县第{i}号化工有限公司", make_uscc(10_000 + i), "城关镇"])
    wb.save(path)
    wizard = ImportWizard(ctx, "objects")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    next_page(wizard)
    next_page(wizard)
    next_page(wizard)
    qtbot.waitUntil(lambda: wizard.preview_page.report is not None, timeout=60000)
    assert wizard.preview_page.report.inserted == 3000
    wizard.accept()
    assert operations.writing()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.close()  # the ×
    assert any(kind == "question" and "中止" in text for kind, _t, text in boxes.shown)
    wait_all(60000)
    assert not wizard.isVisible() and wizard.result_report is None
    assert ("information", "没有导入", "导入已中止，数据库没有任何改动。") in boxes.shown
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(InspectionObject)) == 0
