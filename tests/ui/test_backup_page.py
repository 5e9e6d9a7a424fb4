"""备份与恢复 through the page: to a chosen folder, restore with confirmation, a corrupt file refused,
rotation, the daily backup."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from app.models import InspectionObject
from tests.factories import make_object
from tests.ui.shell_support import Boxes


def test_backup_page_backs_up_to_chosen_folder(window, tmp_path, monkeypatch):
    boxes = Boxes(monkeypatch)
    usb = tmp_path / "U盘"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(usb)))
    page = window.show_page("backup")
    assert page.last_label.text() == "尚无自动备份　·　最近手动备份：从未"
    page.backup_button.click()
    files = list(usb.glob("备份-测试县生态环境保护综合行政执法大队-*.sqlite3"))
    assert len(files) == 1
    kind, title, text = boxes.last()
    assert (kind, title) == ("information", "备份完成") and str(files[0]) in text
    assert page.model.rowCount() == 1 and page.model.rows[0].kind == "备份"
    assert "1 个备份" in page.folder_label.text()
    page.refresh()
    assert page.last_label.text().endswith("最近手动备份：今天")


def test_backup_page_restore_with_confirmation(window, ctx, tmp_path, monkeypatch):
    boxes = Boxes(monkeypatch)
    page = window.show_page("backup")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path)))
    page.backup_button.click()
    backup_file = next(tmp_path.glob("备份-*.sqlite3"))
    with ctx.session() as s:
        make_object(s, name="备份之后才录入的企业")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(backup_file), "")))
    # "No" at the confirmation: nothing changes
    boxes_no = Boxes(monkeypatch, answer=QMessageBox.StandardButton.No)
    page.restore_file_button.click()
    assert boxes_no.last()[0] == "question" and "确定恢复" in boxes_no.last()[2]
    with ctx.read() as s:
        assert len(s.scalars(select(InspectionObject)).all()) == 1
    boxes = Boxes(monkeypatch)
    page.restore_file_button.click()
    question = [b for b in boxes.shown if b[0] == "question"][0]
    assert "单位：测试县生态环境保护综合行政执法大队" in question[2] and "检查对象 0 个" in question[2]
    assert boxes.last()[:2] == ("information", "恢复完成")
    with ctx.read() as s:
        assert s.scalars(select(InspectionObject)).all() == []
    assert "恢复前备份" in {b.kind for b in page.model.rows} or any(
        p.name.startswith("恢复前备份-") for p in (tmp_path / "data" / "backups").glob("*")
    )
    # the window rebuilt its pages from the restored database
    assert window.current_key() == "backup" and window.pages["backup"] is not page


def test_restore_of_corrupt_file_shows_error_and_keeps_data(window, ctx, tmp_path, monkeypatch, db_path):
    boxes = Boxes(monkeypatch)
    with ctx.session() as s:
        make_object(s, name="不能丢的企业")
    bad = tmp_path / "坏文件.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x13" * 8000)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    window.show_page("backup").restore_file_button.click()
    kind, title, text = boxes.last()
    assert (kind, title) == ("critical", "无法恢复") and "坏文件.sqlite3" in text and "未做任何更改" in text
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT name FROM inspection_object").fetchall() == [("不能丢的企业",)]
    con.close()


def test_rotation_count_saved_from_page(window, ctx, monkeypatch):
    Boxes(monkeypatch)
    page = window.show_page("backup")
    page.keep.setValue(4)
    page.save_keep_button.click()
    from app.services.foundation.backup import get_keep

    with ctx.read() as s:
        assert get_keep(s) == 4


def test_daily_backup_once_a_day_and_rechecked_hourly(window, data_dir):
    window.daily_backup()
    window.daily_backup()
    assert len(list((data_dir / "backups").glob("自动备份-*.sqlite3"))) == 1
    assert window.statusBar().currentMessage().startswith("已自动备份：自动备份-测试县")
    assert window._daily_timer.isActive() and window._daily_timer.interval() == 3600 * 1000
