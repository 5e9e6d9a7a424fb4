"""监管分类, 抽查比例与应抽数, 统计报表 and 审计日志 load off the UI thread (issue 16 point 2: no page stalls on a
100,000-object county): the page is up at once, its figures arrive when the core has computed them."""

from __future__ import annotations

import pytest

from app.services.foundation.context import Actor, acting_as
from app.services.rules import policies
from app.ui import operations
from app.ui.context import AppContext
from tests.factories import make_object

ADMIN = Actor("admin", "管理员")


@pytest.fixture
def ctx(db):
    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "longyao-2026")
        for _ in range(20):
            make_object(s, permit_class="重点管理", key_polluter=True)
        for _ in range(30):
            make_object(s, permit_class="登记管理")
        make_object(s, permit_class="", name="示例县无许可信息有限公司")
        s.commit()
    return AppContext(db=db, actor=ADMIN, office_name="测试县")


def _quiet_loads() -> list:
    return [op for op in operations._active if getattr(op, "quiet", False)]


def test_classification_page_classifies_off_the_ui_thread(ctx, qtbot):
    from app.ui.pages.classification import PAGE

    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    assert _quiet_loads(), "监管分类 must hand the classification to the thread pool, quietly"
    assert operations.running() == []  # a page load is not work the user is asked about on exit
    operations.wait_all()
    assert len(page.model.rows) == 51
    assert "名录内 51 家" in page.summary.text()
    page.category.setCurrentText("未分类")
    assert [r.name for r in page.visible_rows()] == ["示例县无许可信息有限公司"]
    # a new period while a load runs: the newest request wins, the filter stays
    page.period.setCurrentText(page.period.itemText(1))
    page.period.setCurrentText(page.period.itemText(0))
    operations.wait_all()
    assert [r.name for r in page.visible_rows()] == ["示例县无许可信息有限公司"]


def test_quota_page_computes_off_the_ui_thread(ctx, qtbot):
    from app.ui.pages.quota import PAGE

    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    assert _quiet_loads(), "抽查比例与应抽数 must compute the quota on the thread pool, quietly"
    operations.wait_all()
    assert page.model.rows and page.model.rows[-1].category == "合计"
    assert page.model.rows[-1].pool == 51
    assert "合计应抽" in page.total.text()


def test_stats_page_loads_quietly(ctx, qtbot):
    from app.ui.pages.stats import PAGE

    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    page.refresh()  # the main window refreshes a page as it shows it
    assert _quiet_loads(), "统计报表 must compute quietly (no progress dialog, no busy cursor)"
    operations.wait_all()
    assert "正在计算" not in page.summary.text()


def test_audit_page_reads_the_log_off_the_ui_thread(ctx, qtbot):
    from app.ui.pages.audit import PAGE

    page = PAGE.factory(ctx, None)
    qtbot.addWidget(page)
    assert _quiet_loads(), "审计日志 must read the log on the thread pool, quietly"
    operations.wait_all()
    assert page.model.rowCount() > 0
    assert page.count_label.text().startswith("共 ")
