"""随机抽取 page end to end under pytest-qt: freeze → seed → draw → replace → confirm → export; void; history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

from app.services.draw import algorithm as da
from app.services.foundation.context import Actor, acting_as
from app.ui.context import AppContext
from app.ui.pages.draw import PAGE, DrawPage, ProjectorDialog
from tests.factories import make_inspector, make_object, make_uscc

ADMIN = Actor("admin", "管理员")
SEED = "31415926535897932384"


@pytest.fixture
def page(db, qtbot, monkeypatch):
    from app.services.rules import policies

    with acting_as(ADMIN), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for i in range(40):
            make_object(
                s,
                uscc=make_uscc(600_000 + i),
                permit_class=["重点管理", "简化管理", "登记管理"][i % 3],
                key_polluter=i % 3 == 0,
                pollution_types=["废气"],
            )
        for j in range(6):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1408{j:04d}")
        s.commit()
    monkeypatch.setattr(ProjectorDialog, "exec", lambda self: 0)
    monkeypatch.setattr("app.ui.pdf_preview.preview", lambda path, title="", parent=None: None)
    ctx = AppContext(db=db, actor=ADMIN, office_name="测试县生态环境保护综合行政执法大队")
    w = DrawPage(ctx)
    qtbot.addWidget(w)
    w.resize(1200, 900)
    w.show()
    w.period.setCurrentText("2026Q1")
    return w


def test_page_spec():
    assert PAGE.key == "draw" and PAGE.group == "抽取" and 30 <= PAGE.order <= 39


def test_end_to_end(page, qtbot, messages, monkeypatch, tmp_path):
    assert not page.draw_btn.isEnabled()
    qtbot.mouseClick(page.freeze_btn, Qt.MouseButton.LeftButton)
    assert messages == []
    assert page.draw_id == 1 and "已冻结" in page.state_label.text()
    fp = page.fingerprint_label.text().replace(" ", "")
    assert len(fp) == 64 and page.draw_btn.isEnabled()
    assert page.print_pre_sheet() is not None
    # a short seed is refused, nothing drawn
    page.witness_edit.setText("张三")
    page.witness2_edit.setText("李四")
    qtbot.keyClicks(page.seed_edit, "12345")
    qtbot.mouseClick(page.draw_btn, Qt.MouseButton.LeftButton)
    assert messages and "至少需要 20 位" in messages[-1][2]
    assert page.onsite_model.rowCount() == 0
    page.seed_edit.clear()
    qtbot.keyClicks(page.seed_edit, SEED)
    assert page.seed_big.text() == "31415 92653 58979 32384"
    assert page.seed_big.font().pointSize() >= 30  # large, fit for a projector
    page.witness_edit.setText("张三")
    page.witness2_edit.setText("李四")
    page.show_projector()
    qtbot.mouseClick(page.draw_btn, Qt.MouseButton.LeftButton)
    assert "已抽取" in page.state_label.text()
    assert page.seed_big.text() == "31415 92653 58979 32384" and not page.seed_edit.isEnabled()
    n = page.onsite_model.rowCount() + page.offsite_model.rowCount()
    assert n > 0
    first = page.onsite_model.rows[0]
    assert len(first.team) >= 2 and first.ticket.startswith("0.")
    page.grab().save(str(tmp_path / "draw_page.png"))
    # replace the first object (next ticket of its stratum)
    page.tabs.setCurrentIndex(0)
    page.onsite_view.selectRow(0)
    page.onsite_view.setCurrentIndex(page.onsite_view.model().index(0, 0))
    victim = page.onsite_view.model().data(page.onsite_view.currentIndex(), Qt.ItemDataRole.UserRole)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("已注销", True))
    page.replace_object()
    assert messages[-1][1] == "已替换"
    notes = [r.note for r in page.onsite_model.rows]
    assert any(nt.startswith("已替换") for nt in notes) and any(nt.startswith("替补") for nt in notes)
    # confirm, export, verify
    qtbot.mouseClick(page.confirm_btn, Qt.MouseButton.LeftButton)
    assert "已确认" in page.state_label.text() and not page.void_btn.isEnabled()
    out = tmp_path / "export"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    page.export()
    rec = json.loads(Path(page.last_export["json"]).read_text(encoding="utf-8"))
    assert da.verify_record(rec) == [] and rec["seed"] == SEED and rec["witnesses"] == ["张三", "李四"]
    assert rec["amendments"][0]["uscc"] == victim["uscc"]
    assert (out / "ssj_verify.py").exists()
    assert page.history_model.rowCount() == 1 and page.history_model.rows[0]["state"] == "已确认"
    assert page.verify_chain()["ok"]


def test_generated_seed_and_void_then_redraw(page, qtbot, messages, monkeypatch):
    qtbot.mouseClick(page.freeze_btn, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.generate_btn, Qt.MouseButton.LeftButton)
    shown = page.seed_big.text().replace(" ", "")
    assert len(shown) == 24 and shown.isdigit()
    page.witness_edit.setText("张三")
    page.witness2_edit.setText("李四")
    qtbot.mouseClick(page.draw_btn, Qt.MouseButton.LeftButton)
    assert "已抽取" in page.state_label.text()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("见证人未到齐", True))
    page.void()
    assert "已作废" in page.state_label.text() and "见证人未到齐" in page.state_label.text()
    # a second freeze for the same period is now allowed; the voided draw stays in the history
    qtbot.mouseClick(page.freeze_btn, Qt.MouseButton.LeftButton)
    assert page.draw_id == 2
    qtbot.keyClicks(page.seed_edit, shown)  # the voided draw's seed is refused
    page.witness_edit.setText("张三")
    page.witness2_edit.setText("李四")
    qtbot.mouseClick(page.draw_btn, Qt.MouseButton.LeftButton)
    assert "已在抽取 #1" in messages[-1][2]
    states = [r["state"] for r in page.history_model.rows]
    assert states == ["已作废", "已冻结"]
    proxy = page.history_view.model()
    row = next(r for r in range(proxy.rowCount()) if proxy.data(proxy.index(r, 0), Qt.ItemDataRole.UserRole) == 1)
    page._open_history(proxy.index(row, 0))
    assert page.draw_id == 1 and "已作废" in page.state_label.text() and page.onsite_model.rowCount() > 0


def test_second_freeze_refused_while_pending(page, qtbot, messages):
    qtbot.mouseClick(page.freeze_btn, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.freeze_btn, Qt.MouseButton.LeftButton)
    assert messages and messages[-1][1] == "无法冻结" and "已有抽取 #1" in messages[-1][2]


def test_refused_draw_burns_the_seed(page, qtbot, messages):
    from sqlalchemy import select

    from app.models import Inspector
    from app.services.draw import draws

    with acting_as(ADMIN), page.ctx.db.Session() as s:
        # three of six officers step aside (回避) for every object: each object alone still has three, but
        # under the automatic cap the other three cannot cover every drawn object (experts never block)
        for p in s.scalars(select(Inspector).where(Inspector.name.in_(["执法员0", "执法员1", "执法员2"]))):
            p.avoid_usccs = [make_uscc(600_000 + i) for i in range(40)]
        s.commit()
    qtbot.mouseClick(page.freeze_btn, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.seed_edit, SEED)
    page.no_witness_edit.setText("演练：无见证人")
    qtbot.mouseClick(page.draw_btn, Qt.MouseButton.LeftButton)
    assert messages[-1][1] == "抽取未完成" and "无法组成有效检查组" in messages[-1][2]
    assert "已冻结" in page.state_label.text() and page.onsite_model.rowCount() == 0
    with page.ctx.read() as s:
        assert draws.failed_attempt(s, SEED) is not None


def test_reopening_the_page_shows_the_periods_live_draw(page, db, qtbot, messages):
    """A clerk who comes back to 随机抽取 sees this period's draw, not an empty form."""
    page.freeze()
    page.seed_edit.setText(SEED)
    page.witness_edit.setText("张三")
    page.witness2_edit.setText("李四")
    page.perform()
    drawn_id = page.draw_id
    ctx = AppContext(db=db, actor=ADMIN, office_name="测试县生态环境保护综合行政执法大队")
    again = DrawPage(ctx)
    qtbot.addWidget(again)
    again.period.setCurrentText("2026Q1")
    again.refresh()
    assert again.draw_id == drawn_id
    assert f"抽取 #{drawn_id}" in again.state_label.text() and "已抽取" in again.state_label.text()
    assert again.onsite_model.rowCount() + again.offsite_model.rowCount() > 0


def test_strata_summary_tab_matches_the_record(page, qtbot, messages):
    page.freeze()
    page.seed_edit.setText(SEED)
    page.witness_edit.setText("张三")
    page.witness2_edit.setText("李四")
    page.perform()
    model = page.strata_model
    assert model.rowCount() >= 1
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "监管类别",
        "分层",
        "检查方式",
        "比例",
        "范围（家）",
        "应抽（家）",
        "实抽（家）",
    ]
    last = model.rowCount() - 1  # the 合计 row at the foot adds the strata up
    assert model.data(model.index(last, 0)) == "合计"
    required = sum(model.data(model.index(r, 5)) for r in range(last))
    drawn = sum(model.data(model.index(r, 6)) for r in range(last))
    assert (model.data(model.index(last, 5)), model.data(model.index(last, 6))) == (required, drawn)
    assert drawn == required == page.onsite_model.rowCount() + page.offsite_model.rowCount()
    assert f"应抽 {required} 家" in page.summary_label.text()
