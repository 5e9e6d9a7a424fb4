"""③ 确认, 作废, 本期全部审核通过 and 生成公示批次 ask first, saying what becomes irreversible; the two witness
fields of ② 抽取. Real QMessageBoxes, answered by clicking their buttons (pytest-qt)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from app.services.foundation.context import Actor, acting_as
from app.ui.context import AppContext
from app.ui.operations import wait_all
from tests.factories import make_inspector, make_object, make_uscc
from tests.outcomes_factories import make_draw

ADMIN = Actor("admin", "管理员")
SEED = "31415926535897932384"


class Answer:
    """Click `button` on the next message box that opens; remember its title and text (and a grab of it)."""

    def __init__(self, qtbot, button, grab_to=None):
        self.title = self.text = None
        self.button, self.grab_to = button, grab_to
        QTimer.singleShot(0, self._click)

    def _click(self):
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.button(self.button) is None or not box.isVisible():
            QTimer.singleShot(20, self._click)  # not open yet, or still the previous box
            return
        self.title, self.text = box.windowTitle(), box.text()
        if self.grab_to:
            box.grab().save(str(self.grab_to))
        box.button(self.button).click()


def _ctx(db, user="admin", role="管理员"):
    return AppContext(db=db, actor=Actor(user, role), office_name="测试县生态环境保护综合行政执法大队")


@pytest.fixture
def drawn_page(db, qtbot, monkeypatch):
    """The 随机抽取 page with a draw made in front of two witnesses (已抽取)."""
    from app.services.rules import policies
    from app.ui.pages.draw import DrawPage, ProjectorDialog

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for i in range(30):
            make_object(s, uscc=make_uscc(700_000 + i), permit_class="简化管理", pollution_types=["废气"])
        for j in range(6):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1409{j:04d}")
        s.commit()
    monkeypatch.setattr(ProjectorDialog, "exec", lambda self: 0)
    page = DrawPage(_ctx(db))
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    page.period.setCurrentText("2026Q1")
    page.freeze()
    page.seed_edit.setText(SEED)
    page.witness_edit.setText("王建国（监察室）")
    page.witness2_edit.setText("李明（企业代表）")
    page.perform()
    assert "已抽取" in page.state_label.text()
    return page


def test_the_draw_needs_two_witnesses_in_the_gui(db, qtbot, monkeypatch, tmp_path):
    from app.services.rules import policies
    from app.ui.pages.draw import DrawPage

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for i in range(20):
            make_object(s, uscc=make_uscc(710_000 + i), permit_class="简化管理")
        for j in range(6):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1410{j:04d}")
        s.commit()
    page = DrawPage(_ctx(db))
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    page.period.setCurrentText("2026Q1")
    page.freeze()
    page.seed_edit.setText(SEED)
    page.witness_edit.setText("王建国（监察室）")
    page.witness2_edit.setText("王建国（监察室）")  # the same person twice
    box = Answer(qtbot, QMessageBox.StandardButton.Ok)
    page.perform()
    assert box.title == "抽取未完成" and "至少 2 名不同的见证人" in box.text
    assert "已冻结" in page.state_label.text()
    page.witness2_edit.setText("李明（企业代表）")
    page.perform()
    assert "已抽取" in page.state_label.text()
    with page.ctx.read() as s:
        from app.services.draw import draws

        assert draws.get_draw(s, page.draw_id).witnesses == ["王建国（监察室）", "李明（企业代表）"]


def test_confirm_asks_and_no_keeps_the_draw_open(drawn_page, qtbot):
    page = drawn_page
    box = Answer(qtbot, QMessageBox.StandardButton.No)
    page.confirm()
    assert box.title == "确认抽取结果" and "不可更改" in box.text and "不能作废" in box.text
    assert "已抽取" in page.state_label.text() and page.void_btn.isEnabled()
    box = Answer(qtbot, QMessageBox.StandardButton.Yes)
    page.confirm()
    assert "已确认" in page.state_label.text() and not page.void_btn.isEnabled()


def test_void_asks_and_says_it_cannot_be_undone(drawn_page, qtbot, monkeypatch):
    page = drawn_page
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("见证人未到齐", True))
    box = Answer(qtbot, QMessageBox.StandardButton.No)
    page.void()
    assert box.title == "作废抽取" and "不可撤销" in box.text and "随机种子永久失效" in box.text
    assert "已抽取" in page.state_label.text()
    box = Answer(qtbot, QMessageBox.StandardButton.Yes)
    page.void()
    assert "已作废" in page.state_label.text()


@pytest.fixture
def entered(db):
    """Three drawn objects of 2026Q1, results entered by luru."""
    from app.services.outcomes import outcomes

    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        _, sels = make_draw(s, n=3)
        for sel in sels:
            outcomes.save_outcome(s, sel.id, dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题"))
        s.commit()


def test_approve_all_asks_and_no_approves_nothing(db, entered, qtbot):
    from app.ui.pages.outcomes import OutcomesPage

    page = OutcomesPage(_ctx(db, "shenhe", "审核员"))
    qtbot.addWidget(page)
    box = Answer(qtbot, QMessageBox.StandardButton.No)
    assert page.approve_all() == 0
    assert box.title == "本期全部审核通过" and "shenhe" in box.text and "公示后不能再修改或退回" in box.text
    assert {r.state for r in page.model.rows} == {"已录入"}
    Answer(qtbot, QMessageBox.StandardButton.Yes)
    box = Answer(qtbot, QMessageBox.StandardButton.Ok)  # the "已审核通过" note after it
    assert page.approve_all() == 3
    assert {r.state for r in page.model.rows} == {"已审核"}


def test_publish_asks_and_no_publishes_nothing(db, entered, qtbot, tmp_path, monkeypatch):
    from app.models import Publication
    from app.services.outcomes import outcomes
    from app.ui.pages.publication import PublicationPage

    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve_period(s, "2026Q1")
        s.commit()
    monkeypatch.setattr("app.ui.pdf_preview.preview", lambda path, title="", parent=None: None)
    page = PublicationPage(_ctx(db, "shenhe", "审核员"))
    qtbot.addWidget(page)
    box = Answer(qtbot, QMessageBox.StandardButton.No)
    assert page.create_batch(str(tmp_path / "公示.xlsx")) is None
    assert box.title == "生成公示批次" and "不可撤回" in box.text
    assert not (tmp_path / "公示.xlsx").exists()
    with db.Session() as s:
        assert s.query(Publication).count() == 0
    Answer(qtbot, QMessageBox.StandardButton.Yes)
    op = page.create_batch(str(tmp_path / "公示.xlsx"))
    wait_all()
    assert op.result["count"] == 3 and (tmp_path / "公示.xlsx").is_file()


def test_the_draw_page_greys_out_what_the_role_may_not_do(drawn_page, qtbot):
    from app.ui.pages.draw import DrawPage

    assert drawn_page.confirm_btn.isEnabled() and drawn_page.void_btn.isEnabled()  # 管理员
    for role, confirm, void, run in (("录入员", False, False, True), ("审核员", True, False, False)):
        page = DrawPage(_ctx(drawn_page.ctx.db, "someone", role))
        qtbot.addWidget(page)
        page.period.setCurrentText("2026Q1")
        page.refresh()
        assert "已抽取" in page.state_label.text()
        assert (page.confirm_btn.isEnabled(), page.void_btn.isEnabled(), page.freeze_btn.isEnabled()) == (
            confirm,
            void,
            run,
        ), role


def test_home_page_shows_maintenance_to_each_administrator_until_acknowledged(db, qtbot):
    from sqlalchemy import select

    from app.models.core import User
    from app.services.foundation import accounts, permissions
    from app.ui.operations import wait_all
    from app.ui.pages.home import HomePage

    with acting_as(Actor("os:zhangsan", permissions.MAINTENANCE, "zhangsan")), db.Session() as s:
        accounts.unlock(s, s.scalar(select(User).where(User.username == "admin")))
        s.commit()
    home = HomePage(_ctx(db))
    qtbot.addWidget(home)
    wait_all()  # 首页 loads its figures off the UI thread
    card = next(i for i in home.items if i.get("kind") == "maintenance")
    assert (
        card["level"] == "danger" and "操作系统用户 zhangsan" in card["detail"] and "解锁账户 admin" in card["detail"]
    )
    assert home.ack_button.isVisibleTo(home)
    clerk_home = HomePage(_ctx(db, "luru", "录入员"))
    qtbot.addWidget(clerk_home)
    wait_all()
    assert not any(i.get("kind") == "maintenance" for i in clerk_home.items)
    home.ack_button.click()
    wait_all()
    assert not any(i.get("kind") == "maintenance" for i in home.items) and not home.ack_button.isVisibleTo(home)
    again = HomePage(_ctx(db))
    qtbot.addWidget(again)
    wait_all()
    assert not any(i.get("kind") == "maintenance" for i in again.items)
