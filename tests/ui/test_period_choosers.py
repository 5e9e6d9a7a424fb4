"""Every period chooser offers the core's choices (foundation.periods.period_choices)."""

from __future__ import annotations

from app.services.foundation.periods import period_choices
from app.ui.operations import wait_all


def test_every_page_offers_the_core_choices(qtbot, db):
    from app.services.foundation.context import Actor
    from app.ui.context import AppContext
    from app.ui.pages.classification import ClassificationPage
    from app.ui.pages.quota import QuotaPage
    from app.ui.pages.stats import StatsPage

    ctx = AppContext(db=db, actor=Actor("admin", "管理员", "管理员"), office_name="测试县", office_level="county")
    for page, purpose in ((QuotaPage(ctx), "rules"), (ClassificationPage(ctx), "rules"), (StatsPage(ctx), "reports")):
        qtbot.addWidget(page)
        combo = page.period
        assert [combo.itemText(i) for i in range(combo.count())] == period_choices(purpose), type(page).__name__
    wait_all()  # the pages load off the UI thread: no load outlives the test
