"""Issue 19 in the GUI: the import wizard offers every kind the CLI has (重点排污单位名录, 注销/撤销清单 included)
and a “包括不属于本辖区的对象” checkbox (= --include-other-regions); the classification page flags an object
whose deciding permit has expired. Real widgets, real .xlsx files laid out as the platforms publish them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from sqlalchemy import select

from app.models.pools import InspectionObject
from app.services.foundation.context import Actor, acting_as
from app.services.pools import importer
from app.services.rules import policies
from app.ui.context import AppContext
from app.ui.operations import wait_all
from tests.factories import make_object
from tests.pools import published as pub
from tests.pools.published import code

ADMIN = Actor("admin", "管理员", "管理员")
SCREEN = QSize(1366, 768)


@pytest.fixture
def ctx(db):
    return AppContext(db=db, actor=ADMIN, office_name="测试县", office_level="county")


@pytest.fixture(autouse=True)
def _join_workers():
    yield
    wait_all()


def next_page(wizard) -> None:
    wizard.next()
    wait_all()


def open_wizard(qtbot, ctx, kind, path, opened_as="objects"):
    from app.ui.import_wizard import ImportWizard

    wizard = ImportWizard(ctx, opened_as)
    qtbot.addWidget(wizard)
    wizard.resize(SCREEN)
    wizard.show()
    page = wizard.file_page
    page.kind.setCurrentIndex(page.kind.findData(kind))
    page.path.setText(str(path))
    next_page(wizard)  # → sheet
    next_page(wizard)  # → mapping
    next_page(wizard)  # → preview
    assert wizard.currentPage() is wizard.preview_page, (wizard.currentPage().title(), wizard.file_page.error.text())
    qtbot.waitUntil(lambda: wizard.preview_page.report is not None, timeout=20000)
    return wizard


def preview_rows(wizard) -> list[tuple[str, str, str, str]]:
    """(行号, 列, 问题或提示, 类别) of the preview's table."""
    table = wizard.preview_page.errors
    return [tuple(table.item(r, c).text() for c in range(table.columnCount())) for r in range(table.rowCount())]


def test_the_wizard_offers_every_kind_the_cli_has(qtbot, ctx, tmp_path):
    from app.ui.import_wizard import ImportWizard

    wizard = ImportWizard(ctx, "objects")
    qtbot.addWidget(wizard)
    combo = wizard.file_page.kind
    assert [combo.itemData(i) for i in range(combo.count())] == list(importer.KINDS)
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert any("重点排污单位名录" in t for t in labels) and any("注销" in t for t in labels)
    assert combo.currentData() == "objects"
    combo.setCurrentIndex(combo.findData("cancelled"))
    assert wizard.kind == "cancelled" and "注销" in wizard.windowTitle() and "注销" in wizard.file_page.title()
    assert "注销/撤销清单" in wizard.file_page.kind_note.text()
    wizard.resize(SCREEN)
    wizard.show()
    qtbot.waitExposed(wizard)
    wizard.grab().save(str(tmp_path / "wizard-kinds.png"))
    inspectors = ImportWizard(ctx, "inspectors")
    qtbot.addWidget(inspectors)
    assert inspectors.file_page.kind.currentData() == "inspectors"


def test_the_wizard_imports_a_key_unit_list_into_existing_objects_only(qtbot, ctx, db, messages, tmp_path):
    with acting_as(ADMIN), db.Session() as s:
        make_object(s, uscc=code(40), name="甲公司")
        make_object(s, uscc=code(41), name="乙公司")
        s.commit()
    rows = [
        [1, "测试县", "甲公司", code(40), "√", None, None, None, None],
        [2, "测试县", "乙公司", code(41), None, "√", None, "√", None],
        [3, "测试县", "丙公司", code(42), "√", None, None, None, None],
    ]
    wizard = open_wizard(qtbot, ctx, "key-units", pub.key_units_ticks(tmp_path / "名录.xlsx", rows))
    rep = wizard.preview_page.report
    assert rep.kind == "key-units" and (rep.inserted, rep.updated) == (0, 2) and rep.errors == []
    shown = preview_rows(wizard)
    assert any(r[0] == "6" and r[3] == "提示" and "丙公司" in r[2] and "不在检查对象库中" in r[2] for r in shown), shown
    assert "识别为" in wizard.preview_page.summary.text()
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    with db.Session() as s:
        got = {o.uscc: (o.key_polluter, o.key_categories) for o in s.scalars(select(InspectionObject))}
    assert got == {code(40): (True, ["水环境"]), code(41): (True, ["大气环境", "声环境"])}


def test_the_wizard_imports_the_cancelled_permit_list(qtbot, ctx, db, messages, tmp_path):
    with acting_as(ADMIN), db.Session() as s:
        listed = pub.permit_list(tmp_path / "p.xlsx", [pub.permit_row(20), pub.permit_row(21)])
        importer.run_import(s, "objects", listed)
        s.commit()
    path = pub.cancelled_list(
        tmp_path / "注销.xlsx", [[code(20) + "001P", "测试县第20化工有限公司", "化工", "企业申请注销", "2026-03-05"]]
    )
    wizard = open_wizard(qtbot, ctx, "cancelled", path)
    assert wizard.preview_page.report.updated == 1
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    with db.Session() as s:
        status = dict(s.execute(select(InspectionObject.uscc, InspectionObject.status)).all())
    assert status == {code(20): "注销", code(21): "存续"}


def test_other_counties_are_left_out_until_the_checkbox_includes_them(qtbot, ctx, db, messages, tmp_path):
    head = ["所在地区", "单位名称", "统一社会信用代码", "管理类别"]
    rows = [
        ["山西省-晋城市-测试县", "本县甲公司", code(10), "简化管理"],
        ["河北省-邢台市-隆尧县", "外县乙公司", code(11), "重点管理"],
    ]
    wizard = open_wizard(qtbot, ctx, "objects", pub.save(tmp_path / "台账.xlsx", [head, *rows]))
    preview = wizard.preview_page
    assert preview.include_other.text() == "包括不属于本辖区的对象"
    assert not preview.include_other.isChecked()
    assert (preview.report.inserted, preview.report.left_out) == (1, 1)
    assert "不属于本辖区未导入 1 行" in preview.summary.text()
    assert any(r[0] == "3" and r[3] == "提示" and "不属于本辖区" in r[2] for r in preview_rows(wizard))
    preview.include_other.setChecked(True)  # the check runs again with the other county's rows
    wait_all()
    qtbot.waitUntil(lambda: preview.report is not None and preview.report.left_out == 0, timeout=20000)
    assert preview.report.inserted == 2
    wizard.grab().save(str(tmp_path / "wizard-preview.png"))
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    with db.Session() as s:
        names = sorted(s.scalars(select(InspectionObject.name)))
    assert names == ["外县乙公司", "本县甲公司"]


def test_left_out_rows_stay_out_of_the_import_when_the_box_is_not_ticked(qtbot, ctx, db, messages, tmp_path):
    head = ["地市", "区县", "单位名称", "统一社会信用代码"]
    rows = [["晋城市", "测试县", "本县公司", code(12)], ["邢台市", "隆尧县", "外县公司", code(13)]]
    wizard = open_wizard(qtbot, ctx, "objects", pub.save(tmp_path / "t.xlsx", [head, *rows]))
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    assert wizard.result_report.left_out == 1
    with db.Session() as s:
        assert list(s.scalars(select(InspectionObject.name))) == ["本县公司"]


def test_the_permit_platform_list_goes_through_the_wizard_and_its_preview_shows_expired_permits(
    qtbot, ctx, db, messages, tmp_path
):
    """The list has no USCC column: the mapping page must not demand one (it comes from the permit number)."""
    rows = [pub.permit_row(6, valid="2016-12-21至2021-12-20"), pub.permit_row(7)]
    wizard = open_wizard(qtbot, ctx, "objects", pub.permit_list(tmp_path / "过期.xlsx", rows))
    shown = preview_rows(wizard)
    assert any(r[0] == "3" and r[3] == "提示" and "已过期" in r[2] and "2021-12-20" in r[2] for r in shown), shown
    assert any(r[3] == "提示" and "前 18 位取得 2 行的统一社会信用代码" in r[2] for r in shown)
    assert "全国排污许可证管理信息平台" in wizard.preview_page.summary.text()
    wizard.grab().save(str(tmp_path / "wizard-permits.png"))
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    with db.Session() as s:
        assert sorted(s.scalars(select(InspectionObject.uscc))) == sorted([code(6), code(7)])


def test_classification_page_flags_an_object_classed_on_an_expired_permit(qtbot, ctx, db, messages, tmp_path):
    from app.ui.pages.classification import EXPIRED_FILTER, PAGE

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "longyao-2026")
        rows = [
            pub.permit_row(30, cls="重点管理", valid="2016-01-01至2021-01-01"),
            pub.permit_row(32, cls="简化管理"),
        ]
        importer.run_import(s, "objects", pub.permit_list(tmp_path / "p.xlsx", rows))
        s.commit()
    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    page.resize(SCREEN)
    wait_all()  # 监管分类 classifies off the UI thread
    headers = [page.model.headerData(i, Qt.Orientation.Horizontal) for i in range(page.model.columnCount())]
    assert "许可证过期" in headers
    by_name = {r.name: r for r in page.visible_rows()}  # every row: the category is 全部
    flagged = by_name["测试县第30化工有限公司"]
    assert code(30) + "001P" in flagged.permit and "2021-01-01" in flagged.permit
    assert "仍按“重点管理”" in flagged.permit and "过期不等于降级监管" in flagged.permit
    assert by_name["测试县第32化工有限公司"].permit == ""
    page.category.setCurrentText(EXPIRED_FILTER)
    assert [r.name for r in page.visible_rows()] == ["测试县第30化工有限公司"]
    assert "许可证已过期 1 家" in page.summary.text()
    page.category.setCurrentText("全部")
    page.show()
    qtbot.waitExposed(page)
    page.grab().save(str(tmp_path / "classification-expired.png"))
