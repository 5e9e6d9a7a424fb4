"""涉企检查频次 in the GUI (pytest-qt, offscreen, rendered at 1366×768): the object's inspection calendar and the
one-by-one entry of a check, what freezing shows with the exclusion of objects at the limit, the 内部联合 merge
dialog, and the 检查频次 tab of 统计报表. Calendars written by hand."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import select

from app.models import Draw, Outcome, TeamMember
from app.models.checks import ExternalCheck
from app.services.draw import frequency
from app.services.foundation.context import Actor, acting_as
from app.ui.context import AppContext
from app.ui.frequency_dialogs import (
    CalendarDialog,
    CheckDialog,
    FreezeNotesDialog,
    JointVisitsDialog,
    VisitResultDialog,
)
from app.ui.operations import wait_all
from tests.factories import make_inspector, make_object, make_uscc
from tests.outcomes_factories import make_draw

ADMIN = Actor("admin", "管理员", "管理员")
# screenshots for looking at (docs/screenshots holds the ones taken for the docs): SSJ_SCREENSHOTS=docs/screenshots
SHOTS = Path(os.environ.get("SSJ_SCREENSHOTS") or Path(tempfile.gettempdir()) / "ssj-screenshots")
BASIS = "同一企业一年内现场检查原则上不超过 2 次"


@pytest.fixture
def ctx(db):
    return AppContext(db=db, actor=ADMIN, office_name="测试县生态环境保护综合行政执法大队", office_level="county")


@pytest.fixture(autouse=True)
def _join_workers():
    yield
    wait_all()


def shot(widget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path))
    return path


def when_modal(qtbot, act):
    """Act on the next modal dialog the page opens (a real dialog, answered as a clerk would)."""

    def run():
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, run)
            return
        act(dlg)

    QTimer.singleShot(0, run)


def test_object_page_shows_the_calendar_and_enters_a_check(qtbot, ctx, db, messages):
    from app.ui.operations import wait_all
    from app.ui.pages.objects import ObjectsPage

    with acting_as(ADMIN), db.Session() as s:
        a = make_object(s, name="示例县宏达化工有限公司")
        d, sels = make_draw(s, "2026Q1", n=1)
        sels[0].object_id, sels[0].uscc, sels[0].name = a.id, a.uscc, a.name
        s.add(Outcome(selection_id=sels[0].id, check_date=date(2026, 2, 10), method="现场检查", result="未发现问题"))
        frequency.add_check(s, uscc=a.uscc, authority="县市场监督管理局", check_date=date(2026, 3, 2))
        frequency.set_limit(s, 3, BASIS)
        s.commit()
        oid, code = a.id, a.uscc
    page = ObjectsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    wait_all(10000)  # the pool loads off the UI thread
    page.select_id(oid)
    dlg = page.show_calendar()
    qtbot.addWidget(dlg)
    assert isinstance(dlg, CalendarDialog) and dlg.model.rowCount() == 2
    assert "共受检 <b>2</b> 次" in dlg.head.text() and "未达到上限" in dlg.head.text()
    assert [dlg.model.rows[i]["by"] for i in range(2)][1] == "县市场监督管理局"

    def fill(check: QDialog):
        assert isinstance(check, CheckDialog)
        check.day.setText("2026年4月9日")  # DateField: typed the way clerks type it
        check.authority.setText("县应急管理局")
        check.items.setText("危险化学品安全检查")
        check.method.setCurrentText("现场检查")
        shot(check, "check_entry.png")
        check.save()

    when_modal(qtbot, fill)
    dlg.add_check()
    assert dlg.model.rowCount() == 3 and "已达到上限" in dlg.head.text()
    with db.Session() as s:
        row = s.scalar(select(ExternalCheck).where(ExternalCheck.authority == "县应急管理局"))
        assert (row.uscc, row.check_date, row.source, row.items) == (
            code,
            date(2026, 4, 9),
            "录入",
            "危险化学品安全检查",
        )
    dlg.move(page.mapToGlobal(page.rect().topLeft()) + page.rect().center() - dlg.rect().center())
    shot(dlg, "object_calendar.png")


def test_check_dialog_refuses_a_future_date_in_chinese(qtbot, ctx, db):
    with db.Session() as s:
        code = make_object(s).uscc
        s.commit()
    dlg = CheckDialog(ctx, code, "某公司")
    qtbot.addWidget(dlg)
    dlg.day.setText("2099-01-01")
    dlg.authority.setText("县税务局")
    dlg.save()
    assert "晚于今天" in dlg.error.text() and dlg.result() != QDialog.DialogCode.Accepted
    with db.Session() as s:
        assert s.scalars(select(ExternalCheck)).all() == []


@pytest.fixture
def draw_page(db, qtbot, monkeypatch, ctx):
    from app.services.rules import policies
    from app.ui.pages.draw import DrawPage, ProjectorDialog

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        objs = [
            make_object(s, uscc=make_uscc(610_000 + i), permit_class="重点管理", key_polluter=True) for i in range(12)
        ]
        for j in range(6):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1409{j:04d}")
        frequency.add_check(s, uscc=objs[0].uscc, authority="县市场监督管理局", check_date=date(2026, 1, 20))
        frequency.add_check(s, uscc=objs[0].uscc, authority="县应急管理局", check_date=date(2026, 2, 20))
        frequency.set_limit(s, 2, BASIS)
        s.commit()
    monkeypatch.setattr(ProjectorDialog, "exec", lambda self: 0)
    w = DrawPage(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.period.setCurrentText("2026Q2")
    return w, objs[0].uscc


def test_freezing_shows_objects_at_the_limit_and_excludes_the_ticked(draw_page, qtbot, db, messages):
    page, at_limit = draw_page

    def tick(dlg: QDialog):
        assert isinstance(dlg, FreezeNotesDialog) and list(dlg.boxes) == [at_limit]
        dlg.boxes[at_limit].setChecked(True)
        dlg.resize(720, 460)
        shot(dlg, "freeze_frequency.png")
        dlg.accept()

    when_modal(qtbot, tick)
    page.freeze()
    assert messages == [], messages
    assert "按检查频次剔除 1 家" in page.state_label.text()
    with db.Session() as s:
        d = s.get(Draw, page.draw_id)
        assert [e["uscc"] for e in d.exclusions] == [at_limit] and d.state == "已冻结"
    shot(page, "draw_frozen_frequency.png")


def test_cancelling_the_notes_freezes_nothing(draw_page, qtbot, db):
    page, _ = draw_page
    when_modal(qtbot, lambda dlg: dlg.reject())
    page.freeze()
    assert page.draw_id is None
    with db.Session() as s:
        assert s.scalars(select(Draw)).all() == []


def test_merge_dialog_accepts_and_refuses(qtbot, ctx, db, messages, monkeypatch):
    monkeypatch.setattr("app.ui.pdf_preview.preview", lambda path, title="", parent=None: None)
    with acting_as(ADMIN), db.Session() as s:
        a, b = make_object(s, name="示例县联合化工有限公司"), make_object(s, name="示例县双抽建材有限公司")
        for _ in range(2):
            d, sels = make_draw(s, "2026Q2", n=2)
            for sel, obj in zip(sels, (a, b)):
                sel.object_id, sel.uscc, sel.name = obj.id, obj.uscc, obj.name
        for m in s.scalars(select(TeamMember)):
            make_inspector(s, name=m.name, cert_no=m.cert)
        s.commit()
    dlg = JointVisitsDialog(ctx, "2026Q2")
    qtbot.addWidget(dlg)
    dlg.resize(1300, 460)
    dlg.show()
    assert dlg.model.rowCount() == 2 and "待决定 2 家" in dlg.head.text()
    assert dlg.accept_btn.isEnabled() and not dlg.notice_btn.isEnabled()
    dlg.view.selectRow(0)
    first = dlg.selected()["uscc"]
    dlg.accept_selected()
    assert "待决定 1 家" in dlg.head.text()
    row = next(r for r in dlg.model.rows if r["uscc"] == first)
    assert row["state"] == "已合并"
    undecided = next(i for i, r in enumerate(dlg.view.model().sourceModel().rows) if r["state"] == "待决定")
    dlg.view.selectRow(dlg.view.model().mapFromSource(dlg.model.index(undecided, 0)).row())
    dlg.refuse_selected("两项任务检查时间相差较远")
    assert "待决定 0 家" in dlg.head.text()
    merged = next(i for i, r in enumerate(dlg.model.rows) if r["state"] == "已合并")
    dlg.view.selectRow(dlg.view.model().mapFromSource(dlg.model.index(merged, 0)).row())
    assert dlg.notice_btn.isEnabled()
    pdf = dlg.print_notice()
    assert pdf is not None and pdf.stat().st_size > 1000

    def enter(result: QDialog):
        assert isinstance(result, VisitResultDialog)
        result.day.setText("2026/5/6")
        result.method.setCurrentText("现场检查")
        result.result.setCurrentText("未发现问题")
        shot(result, "joint_result.png")
        result.save()

    when_modal(qtbot, enter)
    dlg.enter_result()
    with db.Session() as s:
        outs = s.scalars(select(Outcome)).all()
        assert len(outs) == 2 and {o.check_date for o in outs} == {date(2026, 5, 6)}
        assert len({o.extra["joint_visit"] for o in outs}) == 1
    assert messages == [], messages
    shot(dlg, "joint_visits.png")


def test_stats_page_has_the_frequency_tab(qtbot, ctx, db):
    from app.ui.pages.stats import StatsPage

    with acting_as(ADMIN), db.Session() as s:
        a = make_object(s, name="示例县多次受检有限公司", permit_class="重点管理")
        d, sels = make_draw(s, "2026Q1", n=1)
        sels[0].object_id, sels[0].uscc, sels[0].name = a.id, a.uscc, a.name
        s.add(Outcome(selection_id=sels[0].id, check_date=date(2026, 2, 10), method="现场检查", result="未发现问题"))
        frequency.add_check(s, uscc=a.uscc, authority="县市场监督管理局", check_date=date(2026, 3, 2))
        frequency.add_check(s, uscc=a.uscc, authority="县应急管理局", check_date=date(2026, 3, 9), method="视频检查")
        s.commit()
    page = StatsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.period.setCurrentText("2026Q1")
    page.refresh()
    wait_all()
    qtbot.waitUntil(lambda: "检查频次" in page.tabs.tabText(2) and page.frequency_tab.text.text() != "", timeout=30000)
    text = page.frequency_tab.text.text()
    assert "受检 2 次及以上 <b>1</b> 家" in text and "3 次 1 家" in text
    assert "2026Q1：抽查" in text and "目标 30%" in text and "非现场检查 1 次" in text
    groups = {page.frequency_tab.groups.item(r, 0).text(): r for r in range(page.frequency_tab.groups.rowCount())}
    assert page.frequency_tab.groups.item(groups["合计"], 6).text() == "3"
    page.tabs.setCurrentIndex(2)
    shot(page, "stats_frequency.png")
