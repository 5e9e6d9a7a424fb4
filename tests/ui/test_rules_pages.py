"""规则设置, 监管分类, 抽查比例与应抽数 and 年度计划 pages driven with pytest-qt."""

from __future__ import annotations

import json

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog
from sqlalchemy import func, select

from app.models.rules import PolicyVersion
from app.services.foundation.context import Actor, acting_as
from app.services.rules import policies, quota
from app.ui.context import AppContext
from app.ui.operations import wait_all
from tests.factories import make_object

ADMIN = Actor("admin", "管理员")


@pytest.fixture
def ctx(db):
    with acting_as(ADMIN), db.Session() as s:
        for _ in range(40):
            make_object(s, permit_class="重点管理", key_polluter=True, township="巴公镇")
        for _ in range(100):
            make_object(s, permit_class="登记管理", township="高都镇")
        make_object(s, permit_class="简化管理", special_situations=["挂牌督办"], name="示例县挂牌督办化工有限公司")
        s.commit()
    return AppContext(db=db, actor=ADMIN, office_name="测试县")


def test_rules_page_choose_preset_edit_ratio_and_precedence(ctx, qtbot, messages, tmp_path, monkeypatch):
    from app.ui.pages.rules import C_RATIO, PAGE, RulesPage

    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    assert isinstance(page, RulesPage) and "尚未设置" in page.current.text()
    page.preset.setCurrentIndex(page.preset.findData("wugang-2024"))
    qtbot.mouseClick(page.use_btn, Qt.MouseButton.LeftButton)
    assert "舞钢分局" in page.current.text() and "wugang-2024" not in page.current.text()  # the title, not the id
    # the ambiguous 1:4 rule shows its source sentence and the chosen reading
    row = page.row_of("一般排污单位")
    page.table.selectRow(row)
    html = page.detail.toPlainText()
    assert "1:4" in html and "本预设的取舍" in html and "20%" in html
    assert page.table.item(row, C_RATIO).text() == "1/4"
    # the user switches to the 20% reading and saves a new version
    page.set_cell(row, C_RATIO, "20%")
    assert page.dirty
    qtbot.mouseClick(page.save_btn, Qt.MouseButton.LeftButton)
    with ctx.read() as s:
        rules = policies.active_rules(s)
        general = next(c for c in rules["categories"] if c["id"] == "general")
        assert general["ratio"]["value"] == "20%"
        assert s.scalar(select(func.count(PolicyVersion.id))) == 2
        rows = {r["stratum"]: r for r in quota.compute_quota(s, "2024Q1")["rows"]}
        assert rows["一般排污单位"]["required"] == 20  # 100 × 20%
    # precedence: move 一般 above 重点 → 重点排污单位 objects become 一般排污单位 (catch-all wins)
    page.precedence.setCurrentRow(2)
    page.move_precedence(-1)
    page.save()
    with ctx.read() as s:
        assert policies.active_rules(s)["precedence"] == ["special", "general", "key"]
    # a bad ratio is refused with a message naming the rule; nothing saved
    row = page.row_of("特殊监管对象")
    page.set_cell(row, C_RATIO, "150%")
    assert page.save() is False
    assert "特殊监管对象" in messages[-1][2] and "超出范围" in messages[-1][2]
    with ctx.read() as s:
        assert s.scalar(select(func.count(PolicyVersion.id))) == 3
    page.refresh()
    assert not page.dirty
    # export and re-import through the (patched) file dialogs
    out = tmp_path / "rules.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(page.export_btn, Qt.MouseButton.LeftButton)
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == "wugang-2024"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(page.import_btn, Qt.MouseButton.LeftButton)
    assert messages[-1][0] == "information"


def test_classification_page_filter_and_override(ctx, qtbot, messages):
    from app.ui.pages.classification import PAGE

    with ctx.session() as s:
        policies.set_policy(s, "longyao-2026")
        make_object(s, permit_class="", name="示例县无许可信息有限公司")
    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    wait_all()  # 监管分类 classifies off the UI thread
    page.category.setCurrentText("未分类")
    rows = page.visible_rows()
    assert [r.name for r in rows] == ["示例县无许可信息有限公司"]
    assert "不符合任何监管类别" in rows[0].reason
    page.category.setCurrentText("全部")
    assert len(page.visible_rows()) == 142
    page.category.setCurrentText("未分类")
    page.view.selectRow(0)
    assert page.override_selected("重点监管对象", "") is False
    assert "理由" in messages[-1][2]
    assert page.override_selected("重点监管对象", "现场核实为重点管理，许可证待补录")
    wait_all()
    page.category.setCurrentText("重点监管对象")
    names = [r.name for r in page.visible_rows() if r.override]
    assert names == ["示例县无许可信息有限公司"]
    assert "人工指定 1 家" in page.summary.text()


def test_quota_page_shows_table_and_task(ctx, qtbot, messages, tmp_path, monkeypatch):
    from app.services.rules import plans
    from app.ui.pages.quota import PAGE

    with ctx.session() as s:
        policies.set_policy(s, "zezhou-2024")
        plan = plans.create_plan(s, year=2026, code="P1", name="本部门计划")
        plans.add_task(
            s,
            plan,
            code="T1",
            name="巴公镇重点排污单位",
            draw_type="定向",
            scope={"categories": ["重点排污单位"], "township": ["巴公镇"]},
        )
    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    page.period.setCurrentText("2026Q1")
    wait_all()  # 抽查比例与应抽数 computes off the UI thread
    strata = {r.stratum: r for r in page.model.rows}
    assert strata["重点排污单位"].pool == 40 and strata["重点排污单位"].required == 10
    assert strata["一般排污单位"].pool == 100 and strata["一般排污单位"].required == 5
    assert strata["特殊监管对象"].pool == 1 and strata["特殊监管对象"].required == 1  # 30% of 1 → 1
    assert "合计应抽" in page.total.text()
    assert any(r.title == "年度抽查企业占比" for r in page.target_model.rows)
    page.task.setCurrentIndex(page.task.findData(1))
    wait_all()
    assert [(r.stratum, r.required) for r in page.model.rows] == [
        ("重点排污单位", 10),
        ("1 个分层", 10),
    ]  # and the 合计 row
    out = tmp_path / "quota.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    assert page.export_xlsx()
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert "任务：T1" in ws.cell(1, 1).value
    assert [c.value for c in ws[3]][:6] == ["重点排污单位", "重点排污单位", 40, 0, "25%", 10]


def test_plans_page_add_plan_task_adjust_export(ctx, qtbot, messages, tmp_path, monkeypatch):
    from app.ui.pages.plans import PAGE, PlanDialog, TaskDialog

    with ctx.session() as s:
        policies.set_policy(s, "zezhou-2024")
    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    page.year.setValue(2026)

    def fill_plan(dlg):
        dlg.code.setText("联2026001")
        dlg.name.setText("2026年城镇污水处理“一业一查”部门联合抽查计划")
        dlg.kind.setCurrentText("部门联合")
        dlg.initiator.setText("生态环境分局")
        dlg.partners.setText("县住建局、县市场监管局")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PlanDialog, "exec", fill_plan)
    assert page.add_plan()
    assert page.plan_model.rows[0].kind == "部门联合"
    assert page.plan_model.rows[0].partners == ["县住建局", "县市场监管局"]

    def fill_task(dlg):
        dlg.code.setText("联2026001-01")
        dlg.name.setText("巴公镇重点排污单位联合抽查")
        dlg.draw_type.setCurrentText("定向")
        dlg.ratio.setText("结合企业信用风险等级，3%以上")
        for i in range(dlg.categories.count()):
            if dlg.categories.item(i).text() == "重点排污单位":
                dlg.categories.item(i).setCheckState(Qt.CheckState.Checked)
        dlg.township.setText("巴公镇")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TaskDialog, "exec", fill_task)
    assert page.add_task()
    wait_all()  # the tasks' 范围内对象 are counted off the UI thread
    task = page.task_model.rows[0]
    assert task.scope == "监管类别：重点排污单位；乡镇：巴公镇" and task.matches == 40
    # a task whose scope matches nothing: refused, with the message
    assert not page.add_task(dict(code="X", name="空范围", draw_type="定向", scope={"township": ["不存在镇"]}))
    assert "没有匹配的对象" in messages[-1][2]
    # a plan ending before it starts
    assert not page.add_plan(dict(year=2026, code="P9", name="坏计划", start_date="2026-06-01", end_date="2026-01-01"))
    assert "早于开始日期" in messages[-1][2]
    assert page.adjust_plan(dict(reason="汛期推迟", filed_on="2026-06-10", changes={"end_date": "2026-10-31"}))
    wait_all()
    assert page.adj_model.rows[0].reason == "汛期推迟" and "2026-10-31" in page.adj_model.rows[0].description
    assert page.adj_model.rows[0].published is False
    assert page.publish_adjustment()
    wait_all()
    assert page.adj_model.rows[0].published is True
    xlsx = tmp_path / "plan.xlsx"
    assert page.export_xlsx(str(xlsx))
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    assert ws.cell(3, 6).value == "巴公镇重点排污单位联合抽查"
    pdf = tmp_path / "plan.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), ""))
    assert page.export_pdf()
    assert pdf.read_bytes().startswith(b"%PDF")
