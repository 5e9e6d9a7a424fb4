"""统计报表 and 报送与汇总 pages, driven with pytest-qt (offscreen)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog

from app.services.foundation.context import Actor, acting_as
from app.services.foundation.office import init_office
from app.services.foundation.store import open_database
from app.services.reports import statistics as stats
from app.ui.context import AppContext
from app.ui.operations import wait_all
from app.ui.pages.exchange import ExchangePage
from app.ui.pages.stats import CaseDialog, StatsPage
from tests.stats_scenario import build_scenario

KEY_PASSPHRASE = "county-passphrase"
ADMIN = Actor("admin", "管理员")


@pytest.fixture
def county(db):
    from app.services.foundation import office as office_service

    with acting_as(ADMIN), db.Session() as s:
        office_service.change_passphrase(s, None, KEY_PASSPHRASE)
        sc = build_scenario(s)
        s.commit()
    return AppContext(db=db, actor=ADMIN, office_name="测试县生态环境保护综合行政执法大队", office_level="county"), sc


def _value(page: StatsPage, group: str, label: str) -> str:
    m = page.model
    for r in range(m.rowCount()):
        if m.index(r, 0).data() == group and m.index(r, 1).data() == label:
            return m.index(r, 2).data()
    raise AssertionError(f"{group}/{label} not shown")


def test_stats_page_shows_figures_and_charts(qtbot, county, tmp_path):
    ctx, _sc = county
    page = StatsPage(ctx)
    qtbot.addWidget(page)
    page.period.setCurrentText("2026Q1")
    page.refresh()
    wait_all()
    assert page.model.rowCount() == len(stats.FIELDS)
    assert _value(page, "各类合计", "已查") == "6"
    assert _value(page, "结果公示", "公示率") == "83.33%（5/6）"  # the rate with its counts
    assert _value(page, "执法人员", "在岗人数") == "3"
    assert "已查 <b>6</b>" in page.summary.text() and "未达到" in page.targets.text()
    strata = {
        page.strata.item(r, 1).text(): [page.strata.item(r, c).text() for c in (2, 3, 4)]
        for r in range(page.strata.rowCount())
    }
    assert strata["一般监管对象"] == ["2", "2", "0"] and len(strata) == 4
    bars = page.bar_view.chart().series()[0].barSets()
    assert [bars[0].at(i) for i in range(4)] == [2, 2, 2, 2]  # 应抽 per category
    assert [bars[1].at(i) for i in range(4)] == [2, 2, 2, 0]  # 已查
    lines = page.line_view.chart().series()
    assert [p.y() for p in lines[1].points()] == [6]  # cumulative 已查 up to Q1
    page.resize(1400, 820)
    page.show()
    qtbot.waitExposed(page)
    shot = tmp_path / "stats.png"
    assert page.grab().save(str(shot)) and shot.stat().st_size > 10_000
    page.period.setCurrentText("2026Q9")
    page.refresh()
    wait_all()
    assert "期间" in page.summary.text()


def test_stats_page_exports(qtbot, county, tmp_path, monkeypatch, messages):
    ctx, _sc = county
    page = StatsPage(ctx)
    qtbot.addWidget(page)
    page.period.setCurrentText("2026Q1")
    page.refresh()
    wait_all()
    target = tmp_path / "季度统计表.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(page.export_stats_btn, Qt.MouseButton.LeftButton)
    wait_all()
    assert load_workbook(target)["季度统计表"]["A6"].value == "合计"
    target = tmp_path / "名录库调整信息.xlsx"
    qtbot.mouseClick(page.export_adj_btn, Qt.MouseButton.LeftButton)
    wait_all()
    assert load_workbook(target).sheetnames[0] == "汇总"
    assert messages[-1][0] == "information" and "查处情况 3" in messages[-1][2]


def test_annual_report_with_chosen_case(qtbot, county, tmp_path, monkeypatch, messages):
    ctx, sc = county
    page = StatsPage(ctx)
    qtbot.addWidget(page)
    page.period.setCurrentText("2026Q1")
    chosen = {}

    def fake_exec(dialog):
        assert dialog.list.count() == 3  # S1, K3, Z2: the checks with problems
        dialog.list.item(1).setCheckState(Qt.CheckState.Checked)
        chosen["ids"] = dialog.chosen()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CaseDialog, "exec", fake_exec)
    target = tmp_path / "年度报告.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(page.annual_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_message != "", timeout=30000)
    wait_all()
    assert page.last_message.startswith("已生成年度工作报告"), page.last_message
    assert target.read_bytes().startswith(b"%PDF") and len(chosen["ids"]) == 1


def test_exchange_county_writes_to_the_stick(qtbot, county, tmp_path, monkeypatch, messages):
    ctx, _sc = county
    media = tmp_path / "media"
    stick = media / "KINGSTON"
    stick.mkdir(parents=True)
    monkeypatch.setenv("SSJ_MEDIA_ROOT", str(media))
    page = ExchangePage(ctx)
    qtbot.addWidget(page)
    assert not page.county_box.isHidden() and page.city_box.isHidden()
    page.period.setCurrentText("2026Q1")
    page.refresh()
    assert "公钥指纹" in page.key_label.text()
    assert page.drives.count() == 1 and page.target_folder() == str(stick)
    asked = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: asked.append(a[2]) or (KEY_PASSPHRASE, True))
    qtbot.mouseClick(page.write_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_message != "", timeout=30000)
    wait_all()
    assert page.last_message.startswith("已写入并校验"), page.last_message
    assert [p.name for p in stick.iterdir()] == ["测试县生态环境保护综合行政执法大队-2026Q1.ssjpkg.zip"]
    assert "已写入并校验" in page.result.text()
    assert "报送口令" in asked[0]
    # changing the 报送口令 from the page: the old one no longer signs, the new one does
    answers = iter([(KEY_PASSPHRASE, True), ("page-passphrase-2", True), ("page-passphrase-2", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    qtbot.mouseClick(page.passphrase_btn, Qt.MouseButton.LeftButton)
    assert page.last_message.startswith("报送口令已更改"), page.last_message
    from app.services.foundation.errors import UserError
    from app.services.foundation.office import signing_key

    with ctx.db.Session() as s:
        with pytest.raises(UserError, match="报送口令不正确"):
            signing_key(s, KEY_PASSPHRASE)
        signing_key(s, "page-passphrase-2")


def test_exchange_city_registers_imports_and_aggregates(qtbot, county, tmp_path, monkeypatch, messages):
    ctx, _sc = county
    from app.services.exchange import packages

    with acting_as(ADMIN), ctx.db.Session() as s:
        packages.export_public_key(s, tmp_path / "county.pem")
        pkg = packages.export_package(s, "2026Q1", tmp_path, passphrase=KEY_PASSPHRASE)["path"]
    city_db = open_database(f"sqlite:///{tmp_path / 'city.sqlite3'}")
    try:
        with acting_as(ADMIN), city_db.Session() as s:
            init_office(
                s, name="晋城市生态环境局", level="city", region_code="140500", admin="admin", admin_password="admin123"
            )
            s.commit()
        city = AppContext(db=city_db, actor=ADMIN, office_name="晋城市生态环境局", office_level="city")
        page = ExchangePage(city)
        qtbot.addWidget(page)
        assert page.county_box.isHidden() and not page.city_box.isHidden()
        page.period.setCurrentText("2026Q1")
        page.refresh()
        # importing before registering: refused with the way to register
        monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([pkg], ""))
        qtbot.mouseClick(page.import_btn, Qt.MouseButton.LeftButton)
        assert messages[-1][0] == "warning" and "未登记" in messages[-1][2]
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "county.pem"), ""))
        answers = iter([("测试县执法大队", True), ("140525", True)])
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
        qtbot.mouseClick(page.register_btn, Qt.MouseButton.LeftButton)
        assert page.counties.rowCount() == 1 and page.counties.item(0, 3).text() == "未报送"
        qtbot.mouseClick(page.import_btn, Qt.MouseButton.LeftButton)
        assert messages[-1][0] == "information" and "已导入" in messages[-1][2]
        assert page.counties.item(0, 3).text().startswith("已报送")
        assert page.city_table.rowCount() == 2 and page.city_table.item(1, 0).text() == "合计"
        col = 1 + [f.key for f in stats.FIELDS].index("inspected")
        assert page.city_table.item(1, col).text() == "6"
        qtbot.mouseClick(page.import_btn, Qt.MouseButton.LeftButton)
        assert "已导入过" in messages[-1][2]
        target = tmp_path / "全市.xlsx"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
        qtbot.mouseClick(page.export_city_btn, Qt.MouseButton.LeftButton)
        assert load_workbook(target)["全市汇总"]["A6"].value == "合计"
        # the bureau reopens the page: it starts on the newest period it has received, not an empty one
        reopened = ExchangePage(city)
        qtbot.addWidget(reopened)
        assert reopened.period.currentText() == "2026Q1"
        reopened.refresh()
        assert reopened.counties.item(0, 3).text().startswith("已报送")
        # a wrongly accepted package is withdrawn from the page (reason asked, then the table shows 未报送)
        asked = []
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: asked.append(a[2]) or ("县里日期错了", True))
        reopened.counties.setCurrentCell(0, 0)
        qtbot.mouseClick(reopened.withdraw_btn, Qt.MouseButton.LeftButton)
        assert "不可撤销" in asked[0] and "已撤回" in messages[-1][2]
        assert reopened.counties.item(0, 3).text() == "未报送"
    finally:
        city_db.dispose()
