"""The clerk's desk (issue 14): the window fits a 1366×768 laptop, tables behave like office software.

One demo county with a drawn quarter serves the module (building it takes a few seconds)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QLabel, QTableView, QTableWidget

from app.services.foundation.context import Actor, acting_as
from app.services.foundation.periods import period_of
from app.ui import operations
from app.ui.context import AppContext
from tests.internal_words import internal_words
from tests.outcomes_factories import enter_review_publish

ADMIN = Actor("admin", "管理员", "管理员")
SCREEN = QSize(1366, 768)
TASKBAR, TITLE_BAR = 40, 30  # Windows: the taskbar and the window's title bar take this much of the height
SEED = "31415926535897932384626433"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from app.services.demo import demo
    from app.services.draw import attempts
    from app.services.foundation.store import open_database

    path = tmp_path_factory.mktemp("desk") / "demo.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with acting_as(ADMIN), db.Session() as s:
        demo.create_demo(s, n_objects=400)
        s.commit()
    with acting_as(ADMIN):
        attempts.draw_now(db.Session, period_of(date.today()).code, None, SEED, witnesses=["王建国", "李明"])
    quarter_under_way(db)
    yield db
    db.dispose()


def quarter_under_way(db) -> None:
    """The leader confirms, the clerk enters results, the reviewer approves and publishes; a rule change is made
    from the command line without --user (recorded under the OS account)."""
    from app.services.draw import draws
    from app.services.rules import policies

    period, today = period_of(date.today()).code, date.today()
    with acting_as(Actor("lingdao", "领导", "领导")), db.Session() as s:
        draws.confirm(s, 1)
        s.commit()
    enter_review_publish(db, period, today, entered=12)
    with acting_as(Actor("os:root", "管理员")), db.Session() as s:
        policies.set_policy(s, policies.load_preset("zezhou-2024"))
        s.commit()


@pytest.fixture
def window(qtbot, demo_db, monkeypatch, messages):
    from app.ui.main_window import MainWindow

    ctx = AppContext(db=demo_db, actor=ADMIN, office_name="示例县", office_level="county")
    w = MainWindow(ctx)
    w.backup_on_close = False
    qtbot.addWidget(w)
    w.resize(SCREEN.width(), SCREEN.height() - TASKBAR - TITLE_BAR)
    w.show()
    yield w
    operations.wait_all(10000)


def _visit(window, key):
    page = window.show_page(key)
    operations.wait_all(20000)
    QGuiApplication.processEvents()
    return page


def test_every_page_fits_a_1366x768_screen_and_the_window_never_grows(window):
    start = window.size()
    too_big = []
    for spec in window.specs:
        page = _visit(window, spec.key)
        frame = window.frames[spec.key].viewport().size()
        need = page.minimumSizeHint()
        if need.width() > frame.width() or need.height() > frame.height():
            too_big.append(f"{spec.title}: needs {need.width()}×{need.height()}, has {frame.width()}×{frame.height()}")
        assert window.size() == start, f"the window resized itself on {spec.title}: {window.size()}"
    assert too_big == []


def test_at_150_percent_the_window_still_fits_pages_scroll_instead(window):
    at_150 = SCREEN / 1.5  # 910×512 device-independent pixels
    for spec in window.specs:
        _visit(window, spec.key)
        need = window.minimumSizeHint()
        assert need.width() <= at_150.width() and need.height() <= at_150.height() - TASKBAR, spec.title


def test_the_search_box_is_usable_and_typing_does_not_grow_the_window(window, qtbot):
    page = _visit(window, "objects")
    start = window.size()
    assert page.search.width() >= 240  # not a two-character sliver
    for n in range(1, 20):  # as typed, one character at a time
        page.search.setText("示例县城关镇某某化工有限公司第二分厂"[:n])
    qtbot.wait(300)
    assert window.size() == start


def test_after_a_draw_the_results_keep_most_of_the_page(window):
    page = _visit(window, "draw")
    drawn = [i for i in range(page.history_view.model().rowCount())]
    assert drawn, "the demo quarter was drawn"
    page.history_view.selectRow(0)
    page.open_selected() if hasattr(page, "open_selected") else None
    operations.wait_all()
    QGuiApplication.processEvents()
    rows_visible = page.onsite_view.viewport().height() // max(
        page.onsite_view.verticalHeader().defaultSectionSize(), 1
    )
    assert page.onsite_model.rowCount() > 0
    assert rows_visible >= 10, f"only {rows_visible} result rows visible"


def test_ctrl_c_copies_the_selected_rows_with_headers_as_tab_separated_text(window, qtbot):
    page = _visit(window, "objects")
    table = page.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(table.selectionModel().selectedRows()) == table.model().rowCount()
    table.clearSelection()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().split("\n")
    assert len(lines) == 2
    header, row = lines[0].split("\t"), lines[1].split("\t")
    assert header[:2] == ["单位名称", "统一社会信用代码"] and len(row) == len(header)
    assert row[0] == table.model().index(1, 0).data()


def test_every_table_copies_rows_not_one_cell(window, qtbot):
    checked = 0
    for spec in window.specs:
        page = _visit(window, spec.key)
        for table in page.findChildren(QTableView) + page.findChildren(QTableWidget):
            model = table.model()
            if model is None or model.rowCount() == 0 or not table.isVisible():
                continue
            table.setFocus()
            table.clearSelection()
            table.selectRow(0)
            QGuiApplication.clipboard().clear()
            qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
            text = QGuiApplication.clipboard().text()
            assert "\n" in text, f"{spec.title}: Ctrl+C gave {text!r}"
            checked += 1
    assert checked >= 8


def test_office_keys_f5_ctrl_f_and_alt_mnemonics(window, qtbot):
    from PySide6.QtWidgets import QPushButton

    page = _visit(window, "objects")
    export = next(b for b in page.findChildren(QPushButton) if b.text().startswith("导出当前视图"))
    assert export.text() == "导出当前视图(&E)…"
    texts = [b.text() for b in page.findChildren(QPushButton)]
    letters = [t[t.index("&") + 1] for t in texts if "&" in t]
    assert len(letters) == len(set(letters)) and len(letters) == len(texts)  # every button, no letter twice
    box = window.find_in_page()  # Ctrl+F
    assert box is page.search and box.hasFocus()
    with acting_as(ADMIN), window.ctx.db.Session() as s:
        from app.services.pools import pools

        obj = pools.list_objects(s)[0]
        pools.bulk_tag(s, [obj.id], add=["刚加的标签"], remove=[])
        s.commit()
    window.refresh_action.trigger()  # F5
    operations.wait_all()  # 检查对象库 reads its rows off the UI thread
    tags = page.model.column_of("tags")
    assert any("刚加的标签" in page.model.row_text(r)[tags] for r in range(page.model.rowCount()))
    assert window.refresh_action.shortcut().toString() == "F5"


def test_switch_user_without_quitting_and_the_last_user_is_remembered(window, monkeypatch):
    from app.services.foundation import accounts
    from app.ui import main_window
    from app.ui.login import LoginDialog

    def log_in_as_reviewer(dialog):
        dialog.username.setText("shenhe")
        dialog.password.setText("demo1234")
        dialog.submit()
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", log_in_as_reviewer)
    assert window.switch_user()
    assert window.ctx.actor.username == "shenhe" and "审核员" in window.user_label.text()
    assert "  账户管理" not in window.nav_titles()  # the pages follow the new role
    assert main_window.last_user() == "shenhe"
    assert accounts  # the demo reviewer logs in with the demo password


def test_file_dialogs_start_in_documents_then_remember_the_folder_and_exports_offer_the_folder(
    qtbot, tmp_path, monkeypatch
):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from app.ui import files

    starts = []
    chosen = tmp_path / "U盘" / "季度统计表.xlsx"
    chosen.parent.mkdir()

    def fake_save(parent, title, start, filters):
        starts.append(start)
        return str(chosen), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    files.save_file_dialog(None, "导出季度统计表", "季度统计表-2026Q4.xlsx", "Excel 文件 (*.xlsx)")
    files.save_file_dialog(None, "导出季度统计表", "季度统计表-2027Q1.xlsx", "Excel 文件 (*.xlsx)")
    assert starts[0].startswith(files.documents_dir())  # the first time: Documents
    assert starts[1] == str(chosen.parent / "季度统计表-2027Q1.xlsx")
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Open)
    chosen.write_bytes(b"x")
    files.show_saved(None, chosen, "已导出")
    assert opened == [str(chosen.parent)]


# ------------------------------------------------------------------ no internal words on screen
def visible_texts(widget) -> list[str]:
    """What a clerk can read on a page: labels, buttons, group/tab titles, combo items, table headers and cells."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTabWidget,
        QTextEdit,
    )

    out = []
    for w in [widget, *widget.findChildren(QLabel)]:
        if isinstance(w, QLabel) and w.isVisibleTo(widget):
            out.append(w.text())
    out += [b.text() for b in widget.findChildren(QAbstractButton) if b.isVisibleTo(widget)]
    out += [g.title() for g in widget.findChildren(QGroupBox)]
    for tabs in widget.findChildren(QTabWidget):
        out += [tabs.tabText(i) for i in range(tabs.count())]
    for combo in widget.findChildren(QComboBox):
        out += [combo.itemText(i) for i in range(combo.count())]
    out += [e.text() or e.placeholderText() for e in widget.findChildren(QLineEdit) if not e.isReadOnly()]
    out += [e.toPlainText() for e in widget.findChildren(QPlainTextEdit) + widget.findChildren(QTextEdit)]
    for view in widget.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        from PySide6.QtCore import QModelIndex

        try:
            columns = model.columnCount(QModelIndex())
        except TypeError:  # list models (QListWidget) keep it private: one column
            columns = 1
        out += [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(columns)]
        for r in range(min(model.rowCount(QModelIndex()), 40)):
            for c in range(max(columns, 1)):
                out.append(str(model.index(r, c).data() or ""))
    return [t for t in out if t]


def test_no_internal_identifier_reaches_a_screen(window):
    from app.services.foundation import listings

    with window.ctx.db.Session() as s:
        named = {a.username for a in listings.accounts(s) if a.display_name and a.display_name != a.username}
    named.discard("admin")  # typed in the login box; the administrator's account is known by that name
    found = []
    for spec in window.specs:
        if spec.key == "users":  # 账户管理 shows login names beside the names, as it must
            continue
        page = _visit(window, spec.key)
        table = getattr(page, "table", None)
        if spec.key == "audit" and table is not None:
            for row in range(min(table.model().rowCount(), 30)):  # each entry's detail, as the auditor reads it
                table.selectRow(row)
                found += [f"审计日志详情: {w}" for w in internal_words(visible_texts(page), named)]
        found += [f"{spec.title}: {w}" for w in internal_words(visible_texts(page), named)]
    found += [f"状态栏: {w}" for w in internal_words([window.user_label.text(), window.office_label.text()], named)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "typed", ["2026-11-01", "2026/11/01", "2026.11.01", "20261101", "2026年11月1日", "２０２６１１０１"]
)
def test_dates_are_accepted_as_clerks_type_them(qtbot, typed):
    from app.ui.widgets import DateField

    field = DateField()
    qtbot.addWidget(field)
    field.edit.setText(typed)
    field.edit.editingFinished.emit()
    assert field.text() == "2026-11-01" and field.value() == date(2026, 11, 1) and field.error == ""


def test_a_wrong_date_is_marked_and_says_what_to_type(qtbot):
    from app.ui.widgets import DateField

    field = DateField()
    qtbot.addWidget(field)
    for typed, why in (("2026-13-01", "没有这一天"), ("11月1日", "2026-11-01")):
        field.edit.setText(typed)
        assert not field.normalise() and why in field.error and field.value() is None
    field.set_value(date(2026, 3, 15))
    assert field.normalise() and field.text() == "2026-03-15"
    field.calendar.clicked.emit(field.calendar.selectedDate().addDays(1))  # picked from the calendar
    assert field.text() == "2026-03-16"


def test_sorting_and_filter_lists_follow_the_policy_not_the_characters(window):
    from app.services.rules import policies

    page = _visit(window, "objects")
    with window.ctx.db.Session() as s:
        categories = policies.category_names_of(policies.active_rules(s))
    col = page.model.column_of("category")
    page.model.sort(col)
    shown = [page.model.row_text(r)[col] for r in range(page.model.rowCount()) if page.model.row_text(r)[col]]
    firsts = list(dict.fromkeys(shown))
    assert firsts == [c for c in categories if c in firsts]  # 特殊 → 重点 → 一般, as the rules list them
    risk = next(c for c in page.combos if c.key == "credit_risk")
    values = [risk.itemText(i) for i in range(1, risk.count())]
    assert values == [r for r in ("高风险", "较高风险", "一般风险", "低风险") if r in values]


def test_quota_table_ends_with_a_total_row_that_stays_at_the_foot(window):
    page = _visit(window, "quota")
    view = next(v for v in page.findChildren(QTableView) if v.model() is not None and v.model().rowCount() > 2)
    model = view.model()
    col = next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == "应抽")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        view.sortByColumn(col, order)
        last = model.rowCount() - 1
        assert model.index(last, 0).data() == "合计"
        required = sum(int(model.index(r, col).data() or 0) for r in range(last))
        assert int(model.index(last, col).data()) == required
    from app.services.rules import policies

    with window.ctx.read() as s:
        names = policies.category_names_of(policies.active_rules(s))
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # 监管类别 in the policy's order, not the characters'
    shown = [model.index(r, 0).data() for r in range(model.rowCount() - 1)]
    firsts = list(dict.fromkeys(shown))
    assert firsts == [n for n in names if n in firsts] + [f for f in firsts if f not in names]


# ------------------------------------------------------------------ figures, names and filters (issue 14, the rest)
def _rate(num: int, den: int) -> str:
    """How every rate is written: 2 decimals as 统计报表 rounds them, trailing zeros dropped, the counts beside."""
    value = f"{round(100 * num / den, 2):.2f}".rstrip("0").rstrip(".") if den else "—"
    return f"{value}%（{num}/{den}）" if den else f"—（{num}/{den}）"


def test_home_rates_agree_with_the_statistics_and_show_their_counts(window):
    from app.services.reports import statistics

    page = _visit(window, "home")
    with window.ctx.read() as s:
        stats = statistics.compute(s, str(date.today().year))
    values = {i["title"]: i["value"] for i in page.items}
    annual = stats["annual"]
    assert values["年度抽查企业占比"] == _rate(annual["objects_checked"], annual["pool"])
    assert values["抽查结果公示率"] == _rate(stats["checks"]["published"], stats["checks"]["inspected"])
    labels = [c.findChildren(QLabel) for c in page.findChildren(QFrame, "card")]
    cards = {ls[0].text(): ls[1].text() for ls in labels}
    with window.ctx.read() as s:
        from app.services.reports import dashboard

        objects = dict(dashboard.record_counts(s))["检查对象"]
    assert cards["检查对象"] == f"{objects} 家"
    assert all(("," not in v) for v in cards.values())  # one number format: 1500 家, never 1,500


def test_statistics_shows_every_rate_with_its_counts(window):
    page = _visit(window, "stats")
    model = page.model
    texts = {model.index(r, 1).data(): model.index(r, 2).data() for r in range(model.rowCount())}
    stats = page.stats
    assert texts["公示率"] == _rate(stats["checks"]["published"], stats["checks"]["inspected"])


def test_one_set_of_category_names_on_the_rules_pages_and_in_the_statistics(window):
    from app.services.rules import policies

    with window.ctx.read() as s:
        names = policies.category_names_of(policies.active_rules(s))
    page = _visit(window, "stats")
    model = page.model
    groups = {model.index(r, 0).data() for r in range(model.rowCount())}
    category_groups = {g for g in groups if "对象" in g or "单位" in g}
    assert category_groups, groups
    for g in category_groups:  # 重点排污单位, 一般排污单位（简化管理）… — a name the quota and draw pages use
        assert any(g == n or g.startswith(n + "（") for n in names), (g, names)
    counted = [model.index(r, 1).data() for r in range(model.rowCount()) if model.index(r, 0).data() == "污染源家数"]
    for label in counted[1:6]:  # 总数, then one line per category (and 正面清单)
        assert label == "正面清单" or any(label == n or label.startswith(n + "（") for n in names), (label, names)


def test_home_says_the_quarter_is_drawn_after_an_untargeted_draw_was_confirmed(window):
    page = _visit(window, "home")
    titles = {i["title"]: i for i in page.items}
    assert "本季度待抽取" not in titles, titles.get("本季度待抽取")
    assert titles["本季度抽取"]["value"] == "已完成"


def test_the_package_names_its_period_and_missing_results_and_asks_before_writing(window, tmp_path, monkeypatch):
    import re

    from PySide6.QtWidgets import QInputDialog, QListWidgetItem, QMessageBox

    page = _visit(window, "exchange")
    item = QListWidgetItem(f"文件夹  —  {tmp_path}")
    item.setData(Qt.ItemDataRole.UserRole, str(tmp_path))
    page.drives.addItem(item)
    page.drives.setCurrentItem(item)
    asked = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a, **k: asked.append(text) or answer[0])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("demo-baosong", True))
    period = period_of(date.today())
    page.period.setCurrentText(period.code)
    page.write_package()
    operations.wait_all(60000)
    assert asked, "no question before writing a package with results missing"
    assert period.label in asked[0] and "未录入" in asked[0]
    assert re.search(r"\d+ 个", asked[0])
    assert not list(tmp_path.glob("*.zip")) and not [p for p in tmp_path.iterdir() if p.is_file()]
    answer[0] = QMessageBox.StandardButton.Yes
    page.write_package()
    operations.wait_all(60000)
    assert [p for p in tmp_path.iterdir() if p.is_file()], page.last_message
    assert "字节" not in page.last_message and re.search(r"\d+(\.\d)? (KB|MB)", page.last_message)


def test_a_reviewer_filters_the_entered_results_awaiting_review_in_one_click(window):
    from app.models.vocabulary import OutcomeState

    page = _visit(window, "outcomes")
    page.reload()
    all_rows = page.proxy.rowCount()
    page.awaiting_review.setChecked(True)
    shown = [page.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(page.proxy.rowCount())]
    entered = [r for r in page.model.rows if r.state == OutcomeState.ENTERED]
    assert entered and page.proxy.rowCount() == len(entered) < all_rows
    page.awaiting_review.setChecked(False)
    assert page.proxy.rowCount() == all_rows
    assert shown is not None


def test_audit_holidays_and_outcome_dates_are_date_fields_that_take_20261101(window, qtbot):
    from PySide6.QtWidgets import QDateEdit

    from app.ui.widgets import DateField

    for key in ("audit", "holidays"):
        page = _visit(window, key)
        assert not page.findChildren(QDateEdit), key
        fields = page.findChildren(DateField)
        assert fields, key
        fields[0].edit.setText("20261101")
        fields[0].normalise()
        assert fields[0].text() == "2026-11-01"
    audit = _visit(window, "audit")
    audit.date_from.setText("20000101")
    audit.date_to.setText(date.today().strftime("%Y%m%d"))
    audit.apply_filters()
    operations.wait_all()
    assert audit.audit_filter().date_from == date(2000, 1, 1)
    from app.ui.pages.outcomes import OutcomeDialog

    outcomes = _visit(window, "outcomes")
    dialog = OutcomeDialog(window.ctx, outcomes.model.rows[0], outcomes)
    qtbot.addWidget(dialog)
    assert not dialog.findChildren(QDateEdit)
    dialog.check_date.setText("20261101")
    assert dialog.values()["check_date"] == date(2026, 11, 1)


def test_pool_tables_remember_widths_and_sort_and_row_headers_count_from_one(window, qtbot):
    page = _visit(window, "objects")
    page.table.setColumnWidth(1, 333)
    page._sort(page.model.column_of("name"))
    page._sort(page.model.column_of("name"))  # descending
    name = page.model.row_text(5)[page.model.column_of("name")]
    page.search.setText(name)
    page.apply_search()
    assert page.proxy.rowCount() >= 1
    assert page.proxy.headerData(0, Qt.Orientation.Vertical) in (1, "1")
    from app.ui.pages.objects import PAGE

    again = PAGE.factory(window.ctx)
    qtbot.addWidget(again)
    again.refresh()
    operations.wait_all()  # the pool loads off the UI thread
    assert again.table.columnWidth(1) == 333
    assert again.model.sort_column == again.model.column_of("name")
    assert again.model.sort_order == Qt.SortOrder.DescendingOrder


def test_every_other_list_remembers_its_column_widths_too(window, qtbot):
    from app.ui.pages.outcomes import PAGE

    page = _visit(window, "outcomes")
    page.table.horizontalHeader().resizeSection(1, 271)
    again = PAGE.factory(window.ctx)
    qtbot.addWidget(again)
    again.show()
    operations.wait_all(10000)
    assert again.table.horizontalHeader().sectionSize(1) == 271
