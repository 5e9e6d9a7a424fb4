"""Issue 12 on the pages: the quota page shows pool / excluded / required and the rules that wait; the
classification page lists what 秦皇岛's conflict clause moved; the rules page takes the step-up amounts."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.models.pools import ObjectChange
from app.services.foundation.context import Actor, acting_as
from app.services.rules import policies, quota
from app.ui.context import AppContext
from app.ui.operations import wait_all
from tests.factories import make_object

ADMIN = Actor("admin", "管理员")


@pytest.fixture
def ctx(db):
    return AppContext(db=db, actor=ADMIN, office_name="测试县")


def test_quota_page_shows_excluded_objects_waiting_rules_and_shortfall(ctx, db, qtbot, messages, tmp_path):
    from app.ui.pages.quota import PAGE

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "weihai")
        key = [make_object(s, permit_class="重点管理", name=f"威海重点{i}有限公司") for i in range(8)]
        for o in key[:7]:
            o.tags = ["上级已抽查"]
            s.add(
                ObjectChange(
                    object_id=o.id,
                    kind="修改",
                    field="tags",
                    old_value="",
                    new_value="上级已抽查",
                    ts=datetime(2026, 2, 1, 9, 0),
                )
            )
        for _ in range(30):
            make_object(s, permit_class="简化管理")
        s.commit()
    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.period.setCurrentText("2026Q2")
    wait_all()  # 抽查比例与应抽数 computes off the UI thread
    rows = {r.stratum: r for r in page.model.rows}
    key_row = rows["重点监管对象"]
    assert (key_row.pool, key_row.excluded_n, key_row.required) == (8, 7, 2)  # 8 × 25%, not 1 × 25%
    assert "少 1 家" in key_row.note
    assert "待本单位确定" in key_row.waiting
    assert "威海重点0有限公司" in key_row.tip
    assert "少抽 1 家" in page.total.text() and "待本单位确定" in page.total.text()
    page.show()
    qtbot.waitExposed(page)
    page.grab().save(str(tmp_path / "quota-page.png"))


def test_classification_page_lists_objects_moved_by_the_conflict_clause(ctx, db, qtbot, messages):
    from app.ui.pages.classification import MOVED_FILTER, PAGE

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "qinhuangdao-county-2024")
        make_object(s, permit_class="简化管理", key_polluter=True, name="名录内简化管理有限公司")
        make_object(s, permit_class="重点管理", positive_list=True, name="正面清单重点管理有限公司")
        make_object(s, permit_class="重点管理", name="普通重点管理有限公司")
        s.commit()
    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    page.period.setCurrentText(f"{date.today().year}Q1")
    wait_all()  # 监管分类 classifies off the UI thread
    assert page.category.findText(MOVED_FILTER) >= 0
    page.category.setCurrentText(MOVED_FILTER)
    names = sorted(r.name for r in page.visible_rows())
    assert names == ["名录内简化管理有限公司", "正面清单重点管理有限公司"]
    assert all(r.moved == "重点监管对象 → 一般监管对象" for r in page.visible_rows())
    assert "冲突条款调整 2 家" in page.summary.text()


def test_rules_page_enters_a_step_up_amount_and_chooses_the_narrow_reading(ctx, db, qtbot, messages):
    from app.ui.pages.rules import C_MODE, C_RATIO, PAGE, READINGS

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        s.commit()
    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    r = next(i for i, ref in enumerate(page.refs) if ref[0] == "step" and page.table.item(i, 1).text() == "高风险")
    assert page.table.item(r, C_RATIO).text() == "" and "待本单位确定" in page.table.item(r, 3).text()
    page.table.item(r, C_RATIO).setText("15%")
    with acting_as(ADMIN):
        assert page.save()
    with db.Session() as s:
        step = next(x for x in policies.active_rules(s)["step_up"]["steps"] if x["label"] == "高风险")
        assert step["add"] == "15%" and step["set_by"] == "admin"
        others = [x for x in policies.active_rules(s)["step_up"]["steps"] if x["label"] != "高风险"]
        assert all("add" not in x for x in others)  # untouched levels keep waiting
    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "qinhuangdao-county-2024")
        s.commit()
    page.refresh()
    r = next(i for i, ref in enumerate(page.refs) if ref[0] == "conflict" and page.table.cellWidget(i, C_MODE))
    page.table.cellWidget(r, C_MODE).setCurrentText(READINGS[True])
    with acting_as(ADMIN):
        assert page.save()
    with db.Session() as s:
        doc = policies.active_rules(s)
        assert any(c.get("narrow") for c in doc["conflicts"])
        assert quota.compute_quota(s, "2024Q1")["policy"] == "qinhuangdao-county-2024"
        assert s.scalar(select(ObjectChange.id)) is None


def test_task_dialog_takes_the_registration_date_scope(ctx, db, qtbot, messages):
    from app.models.rules import Plan
    from app.services.rules import plans
    from app.ui.pages.plans import TaskDialog

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "qinhuangdao-city-2024")
        make_object(s, permit_class="重点管理", registration_date=date(2015, 4, 1))
        make_object(s, permit_class="重点管理", registration_date=date(2024, 2, 1))
        plan = plans.create_plan(s, year=2024, code="2024001", name="内部联合随机抽查001")
        s.commit()
        plan = s.get(Plan, plan.id)
        dlg = TaskDialog(plan, [], policies.category_names_of(policies.active_rules(s)))
    qtbot.addWidget(dlg)
    dlg.registered_by.setText("2023-12-31")
    assert dlg.scope() == {"registered_by": "2023-12-31"}
    with acting_as(ADMIN), db.Session() as s:
        assert plans.scope_count(s, dlg.scope()) == 1
