"""审计日志 and 账户管理 pages: filters, chain verification, export with its verification sheet; accounts."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from app.models import User
from app.ui.operations import wait_all
from tests.factories import make_object
from tests.ui.shell_support import Boxes


def test_audit_page_filters_and_verifies(qtbot, window, ctx, monkeypatch, db_path):
    boxes = Boxes(monkeypatch)
    with ctx.session() as s:
        make_object(s, name="审计测试企业")
    page = window.show_page("audit")
    wait_all()  # 审计日志 reads the log off the UI thread
    page.entity.setCurrentIndex(page.entity.findText("检查对象"))
    page.search_button.click()
    wait_all()
    assert page.model.rowCount() == 1
    assert (
        page.model.data(page.model.index(0, 3)) == "新增" and page.model.data(page.model.index(0, 2)) == "管理员"
    )  # the person, not the login
    page.table.selectRow(0)
    assert "审计测试企业" in page.detail.toPlainText()
    page.text.setText("不存在的文字")
    page.search_button.click()
    wait_all()
    assert page.count_label.text() == "共 0 条"
    page.verify_button.click()  # runs on the thread pool
    qtbot.waitUntil(lambda: page.verify_label.text().startswith(("✔", "✘")), timeout=10000)
    assert page.verify_label.text().startswith("✔ 审计日志完整")
    con = sqlite3.connect(db_path)
    con.execute("UPDATE audit_entry SET summary='被改过' WHERE seq=2")
    con.commit()
    con.close()
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.verify_label.text().startswith("✘"), timeout=10000)
    assert page.verify_label.text().startswith("✘ 审计日志第 2 条") and boxes.last()[0] == "critical"


def test_users_page_add_reset_deactivate(window, ctx, monkeypatch):
    from app.ui.pages import users

    boxes = Boxes(monkeypatch)

    def fill(self):
        self.username.setText("zhangsan")
        self.display_name.setText("张三")
        self.role.setCurrentText("审核员")
        self.password.setText("start123")
        self.password2.setText("start123")
        self._check()
        return self.result()

    monkeypatch.setattr(users.AddUserDialog, "exec", fill)
    page = window.show_page("users")
    page.add_button.click()
    row = next(r for r in page.model.rows if r.username == "zhangsan")
    assert (row.display_name, row.role, row.status) == ("张三", "审核员", "需改密码")
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("reset456", True)))
    page.select_username("zhangsan")
    page.reset_button.click()
    page.select_username("zhangsan")
    assert page.active_button.text() == "停用"
    page.active_button.click()
    row = next(r for r in page.model.rows if r.username == "zhangsan")
    assert row.status == "已停用"
    # the logged-in administrator cannot switch himself off
    page.select_username("admin")
    page.active_button.click()
    assert boxes.last()[2] == "不能停用当前登录的账户。"
    with ctx.read() as s:
        assert s.scalar(select(User).where(User.username == "zhangsan")).active is False


def test_audit_export_to_excel_with_verification_sheet(window, ctx, monkeypatch, tmp_path):
    import openpyxl

    boxes = Boxes(monkeypatch)
    with ctx.session() as s:
        make_object(s, name="导出测试企业")
    target = tmp_path / "审计日志导出"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    page = window.show_page("audit")
    wait_all()  # 审计日志 reads the log off the UI thread
    page.entity.setCurrentIndex(page.entity.findText("检查对象"))
    page.search_button.click()
    wait_all()
    page.export_button.click()
    out = tmp_path / "审计日志导出.xlsx"
    assert boxes.last()[:2] == ("information", "导出完成") and str(out) in boxes.last()[2]
    wb = openpyxl.load_workbook(out)
    ws = wb["审计日志"]
    assert [c.value for c in ws[1]][:7] == ["序号", "时间", "用户", "操作", "对象", "编号", "摘要"]
    assert [c.value for c in ws[2]][2:7] == ["admin", "新增", "检查对象", "1", "导出测试企业"]
    assert ws.max_row == 2
    info = {r[0].value: r[1].value for r in wb["校验"].iter_rows(min_row=2)}
    assert info["哈希链校验"] == "完整" and info["筛选条件"].startswith("对象：检查对象") and info["导出条数"] == 1
