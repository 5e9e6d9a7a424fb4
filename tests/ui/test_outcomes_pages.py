"""检查结果 / 结果公示 / 节假日设置 pages and the print preview, driven with pytest-qt."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from app.models import Outcome, Publication
from app.services.foundation.context import Actor, acting_as
from app.ui.context import AppContext
from app.ui.operations import wait_all
from tests.outcomes_factories import make_draw


@pytest.fixture
def drawn(db):
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        _, sels = make_draw(s, n=3)
        s.commit()
        return [(x.id, x.name) for x in sels]


def ctx_for(db, user, role):
    return AppContext(db=db, actor=Actor(user, role), office_name="测试县生态环境保护综合行政执法大队")


def test_review_flow_in_the_outcomes_page(qtbot, db, drawn, messages, tmp_path):
    from app.ui.pages.outcomes import OutcomeDialog, OutcomesPage

    clerk = ctx_for(db, "luru", "录入员")
    page = OutcomesPage(clerk)
    qtbot.addWidget(page)
    assert page.current_period() == "2026Q1"
    assert page.model.rowCount() == 3 and {r.state for r in page.model.rows} == {"未录入"}
    assert not page.approve_button.isEnabled()

    # a mistake: 立案 without a case number is refused with the field named, nothing saved
    dlg = OutcomeDialog(clerk, page.model.row(0), page)
    qtbot.addWidget(dlg)
    dlg.check_date.set_value(date(2026, 2, 10))
    dlg.result.setCurrentText("发现问题已立案调查")
    assert dlg.try_save() is False
    assert messages[-1][0] == "warning" and "立案编号" in messages[-1][2]
    # corrected, with an attachment
    scan = tmp_path / "笔录.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    dlg.case_no.setText("测环罚〔2026〕3号")
    dlg.penalty_amount.setText("20000")
    dlg.add_attachment_path(str(scan))
    assert dlg.try_save() is True
    for row in (1, 2):
        d = OutcomeDialog(clerk, page.model.row(row), page)
        qtbot.addWidget(d)
        d.check_date.set_value(date(2026, 2, 11))
        d.result.setCurrentText("未发现问题")
        assert d.try_save()
    page.reload()
    assert [r.state for r in page.model.rows] == ["已录入"] * 3
    assert page.model.rows[0].attachments == 1 and page.model.rows[0].case_no == "测环罚〔2026〕3号"
    assert page.model.data(page.model.index(0, 8)) == page.model.rows[0].publish_due.isoformat()
    assert page.follow_model.rowCount() == 1  # the case
    again = OutcomeDialog(clerk, page.model.row(0), page)
    qtbot.addWidget(again)
    assert again.attachment_list.count() == 1 and "笔录.pdf（SHA-256" in again.attachment_list.item(0).text()
    assert "缺失" not in again.attachment_list.item(0).text()

    reviewer = ctx_for(db, "shenhe", "审核员")
    rpage = OutcomesPage(reviewer)
    qtbot.addWidget(rpage)
    assert rpage.approve_button.isEnabled()
    rpage.select_row(0)
    assert rpage.approve_selected() == 1
    assert "已审核通过 1 条" in messages[-1][2]
    assert rpage.approve_all() == 2
    assert [r.state for r in rpage.model.rows] == ["已审核"] * 3
    assert rpage.model.rows[0].reviewed_by == "shenhe"
    assert rpage.approve_all() == 0 and "没有待审核" in messages[-1][2]
    rpage.grab().save(str(tmp_path / "outcomes.png"))


def test_sheet_export_import_from_the_page(qtbot, db, drawn, messages, tmp_path):
    from openpyxl import load_workbook

    from app.ui.pages.outcomes import OutcomesPage

    page = OutcomesPage(ctx_for(db, "luru", "录入员"))
    qtbot.addWidget(page)
    out = page.export_template(str(tmp_path / "t.xlsx"))
    wb = load_workbook(out)
    ws = wb["检查结果录入表"]
    ws["G2"], ws["H2"], ws["I2"] = "2026-02-10", "现场检查", "不存在的用语"
    wb.save(out)
    report = page.import_sheet(str(out))
    assert report["errors"] and messages[-1][1].startswith("导入失败") and "不是标准用语" in messages[-1][2]
    with db.Session() as s:
        assert s.scalar(select(Outcome)) is None
    ws["I2"] = "未发现问题"
    wb.save(out)
    report = page.import_sheet(str(out))
    assert report["inserted"] == 1 and page.model.rows[0].state == "已录入"
    page.select_row(1)
    op = page.print_notices(preview=False)  # one selected object → its notice only, written off the UI thread
    wait_all()
    notice = op.result
    import subprocess

    text = subprocess.run(["pdftotext", str(notice), "-"], capture_output=True).stdout.decode()
    assert page.model.rows[1].uscc in text and page.model.rows[0].uscc not in text


def test_printing_notices_runs_off_the_ui_thread_with_progress_and_cancel_keeps_no_number(qtbot, db, drawn):
    from app.models import NoticeNumber
    from app.ui.pages.outcomes import OutcomesPage

    page = OutcomesPage(ctx_for(db, "luru", "录入员"))
    qtbot.addWidget(page)
    op = page.print_notices(preview=False)
    assert not op.ok and op.wants_progress and op.dialog is not None  # returned at once, the work goes on
    op.cancel()  # 取消
    wait_all()
    assert not op.ok
    with db.Session() as s:
        assert s.scalar(select(NoticeNumber)) is None  # the 文号 given in the cancelled run were rolled back
    op = page.print_notices(preview=False)
    wait_all()
    assert op.ok and op.result.is_file()
    with db.Session() as s:
        assert len(s.scalars(select(NoticeNumber)).all()) == len(page.model.rows)


def test_publication_page_creates_batch_and_preview(qtbot, db, drawn, messages, tmp_path, monkeypatch):
    from app.services.outcomes import outcomes
    from app.ui.pages.publication import PublicationPage

    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        for sid, _n in drawn[:2]:
            outcomes.save_outcome(s, sid, dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题"))
        s.commit()
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve_period(s, "2026Q1", "shenhe")
        s.commit()
    page = PublicationPage(ctx_for(db, "shenhe", "审核员"))
    qtbot.addWidget(page)
    assert page.pending.rowCount() == 2
    # 2026-02-10 + 20 working days = 2026-03-16, long past today: red, "超期"
    assert page.pending.status == ["overdue", "overdue"] and "超期" in page.pending.remaining[0]
    assert page.pending.data(page.pending.index(0, 5), 9).color().name() == "#b00020"  # ForegroundRole
    assert "20 个工作日" in page.rule_label.text()
    shown = []
    monkeypatch.setattr("app.ui.pdf_preview.preview", lambda path, title="", parent=None: shown.append(path))
    op = page.create_batch(str(tmp_path / "公示.xlsx"))  # off the UI thread, with progress
    assert not op.ok and op.wants_progress and op.dialog is not None
    wait_all()
    info = op.result
    assert info["count"] == 2 and (tmp_path / "公示.xlsx").is_file() and (tmp_path / "公示.pdf").is_file()
    assert shown == [tmp_path / "公示.pdf"]
    assert page.pending.rowCount() == 0 and page.batches.rowCount() == 1
    assert "公示率 100.0%" in page.rate_label.text() and "抽中 3" in page.rate_label.text()
    assert not page.publish_button.isEnabled()
    op = page.preview_batch(preview=False)
    wait_all()
    out = op.result
    assert out.is_file()
    with db.Session() as s:
        assert s.scalar(select(Publication)).count == 2
    page.grab().save(str(tmp_path / "publication.png"))


def test_pdf_preview_prints_and_saves(qtbot, db, drawn, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    from app.services.outcomes import forms as forms_pdf
    from app.ui.pdf_preview import PdfPreviewDialog

    with db.Session() as s:
        forms_pdf.notice_pdf(s, "2026Q1", tmp_path / "n.pdf")
    dlg = PdfPreviewDialog(tmp_path / "n.pdf")
    qtbot.addWidget(dlg)
    assert dlg.document.pageCount() == 3 and "共 3 页" in dlg.info.text()
    saved = dlg.save_as(str(tmp_path / "copy"))
    assert saved == tmp_path / "copy.pdf" and saved.read_bytes() == (tmp_path / "n.pdf").read_bytes()
    printer = dlg.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    assert dlg.print_(printer) == 3
    import subprocess

    info = subprocess.run(["pdfinfo", str(tmp_path / "printed.pdf")], capture_output=True).stdout.decode()
    assert "Pages:           3" in info
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert dlg.print_(printer) == 0


def test_holidays_page_paste_notice_and_calculate(qtbot, db, messages):

    from app.ui.pages.holidays import HolidaysPage
    from tests.outcomes.test_workdays import NOTICE_2027

    page = HolidaysPage(ctx_for(db, "admin", "管理员"))
    qtbot.addWidget(page)
    page.year.setValue(2027)
    assert "尚未录入" in page.status.text()
    page.calc_start.setText("20261220")
    assert "2027 年的节假日安排尚未录入" in page.calculate()
    report = page.paste_notice(NOTICE_2027, 2027)
    assert report["days"] > 20 and "已录入" in page.status.text()
    assert ("2027-02-14", "日", "调休上班", "春节") in [
        tuple(page.model.data(page.model.index(r, c)) for c in range(4)) for r in range(page.model.rowCount())
    ]
    page.calc_start.setText("2027.2.4")
    page.calc_n.setValue(1)
    assert page.calculate().startswith("2027-02-14")
    bad = page.paste_notice("2027年 没有安排", 2027)
    assert bad is None and "没有识别到" in messages[-1][2]


def test_phrase_list_is_editable_by_the_administrator(qtbot, db, drawn, messages):
    from app.services.outcomes import outcomes
    from app.ui.pages.outcomes import OutcomesPage, PhrasesDialog

    admin = ctx_for(db, "admin", "管理员")
    page = OutcomesPage(admin)
    qtbot.addWidget(page)
    assert not page.phrases_button.isHidden()
    clerk_page = OutcomesPage(ctx_for(db, "luru", "录入员"))
    qtbot.addWidget(clerk_page)
    assert clerk_page.phrases_button.isHidden()
    dlg = PhrasesDialog(admin, page)
    qtbot.addWidget(dlg)
    assert dlg.phrases()[0] == "未发现问题"
    assert dlg.add("发现问题已移送公安机关", True)
    assert "发现问题已移送公安机关" in dlg.phrases()
    assert not dlg.add("未发现问题", False) and "已存在" in messages[-1][2]
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        outcomes.save_outcome(
            s, drawn[0][0], dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题")
        )
        s.commit()
    assert not dlg.remove("未发现问题") and "已被 1 条检查结果使用" in messages[-1][2]
    assert dlg.remove("注销") and "注销" not in dlg.phrases()


def test_follow_up_recorded_after_review_in_the_dialog(qtbot, db, drawn, messages):
    from app.services.outcomes import outcomes
    from app.ui.pages.outcomes import OutcomeDialog, OutcomesPage

    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        outcomes.save_outcome(
            s,
            drawn[0][0],
            dict(
                check_date=date(2026, 2, 10),
                method="现场检查",
                result="发现问题已责令整改",
                rectify_deadline=date(2026, 3, 1),
            ),
        )
        s.commit()
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve_period(s, "2026Q1", "shenhe")
        s.commit()
    clerk = ctx_for(db, "luru", "录入员")
    page = OutcomesPage(clerk)
    qtbot.addWidget(page)
    assert page.follow_model.data(page.follow_model.index(0, 6)) == "已逾期，未复查"
    dlg = OutcomeDialog(clerk, page.model.row(0), page)
    qtbot.addWidget(dlg)
    assert dlg.follow_up_only and not dlg.result.isEnabled() and dlg.rectify_verified_on.isEnabled()
    dlg.rectify_verified_on.setText("2026-03-05")
    dlg.rectify_result.setText("已整改到位")
    assert dlg.try_save()
    page.reload()
    assert page.model.rows[0].rectify_result == "已整改到位" and page.follow_model.rowCount() == 0
