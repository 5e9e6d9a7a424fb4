"""The GUI offers Word (.docx) wherever it offers PDF for the 检查通知书, the public notice and the annual report
(issue 14, point 6): the save dialog lists both types, and the chosen type decides the file written."""

from __future__ import annotations

from datetime import date

import pytest
from docx import Document
from PySide6.QtWidgets import QFileDialog

from app.services.foundation.context import Actor, acting_as
from app.ui.operations import wait_all
from tests.ui.test_outcomes_pages import ctx_for, drawn  # noqa: F401  (a fixture)


@pytest.fixture
def dialog(monkeypatch, tmp_path):
    """Answer the save dialog with a name typed without a suffix and the Word type chosen; record the offer."""
    offered = []

    def answer(parent, title, start, filters, *a, **k):
        offered.append(filters)
        word = next(f for f in filters.split(";;") if "*.docx" in f)
        return str(tmp_path / "导出的文件"), word

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return offered


def test_notices_can_be_saved_as_word_from_the_outcomes_page(qtbot, db, drawn, messages, dialog, tmp_path):  # noqa: F811
    from app.ui.pages.outcomes import OutcomesPage

    page = OutcomesPage(ctx_for(db, "luru", "录入员"))
    qtbot.addWidget(page)
    menu = [a.text() for a in page.notice_button.menu().actions() if a.isVisible()]
    assert "导出检查通知书为 PDF 或 Word…" in menu and "文号的机关代字…" not in menu  # a clerk's menu
    op = page.export_notices()
    wait_all()
    assert op.ok, messages
    assert "*.pdf" in dialog[0] and "*.docx" in dialog[0]
    out = tmp_path / "导出的文件.docx"
    assert op.result == out and out.exists()
    text = "\n".join(c.text for t in Document(str(out)).tables for r in t.rows for c in r.cells)
    for _sid, name in drawn:
        assert name in text
    assert messages[-1][1] == "检查通知书" and str(out) in messages[-1][2]


def test_a_publication_batch_can_be_exported_again_as_word(qtbot, db, drawn, messages, dialog, tmp_path):  # noqa: F811
    from app.services.outcomes import outcomes, publication
    from app.ui.pages.publication import PublicationPage

    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        outcomes.save_outcome(
            s, drawn[0][0], dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题")
        )
        s.commit()
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve_period(s, "2026Q1", "shenhe")
        publication.create_batch(s, "2026Q1", published_on=date(2026, 3, 12))
        s.commit()
    page = PublicationPage(ctx_for(db, "shenhe", "审核员"))
    qtbot.addWidget(page)
    op = page.export_batch()
    wait_all()
    path = op.result
    assert "*.xlsx" in dialog[0] and "*.pdf" in dialog[0] and "*.docx" in dialog[0]
    assert path == tmp_path / "导出的文件.docx"
    assert drawn[0][1] in "\n".join(c.text for r in Document(str(path)).tables[0].rows for c in r.cells)


def test_the_administrator_sets_the_wenhao_prefix_on_the_outcomes_page(qtbot, db, drawn, messages):  # noqa: F811
    from app.services.outcomes import forms
    from app.ui.pages.outcomes import OutcomesPage

    clerk = OutcomesPage(ctx_for(db, "luru", "录入员"))
    qtbot.addWidget(clerk)
    assert not clerk.number_action.isVisible()  # a setting: the administrator's
    page = OutcomesPage(ctx_for(db, "admin", "管理员"))
    qtbot.addWidget(page)
    assert page.number_action.isVisible()
    assert not page.set_number_prefix("泽环执通〔2026〕").ok  # the year is the program's to add
    assert "机关代字" in messages[-1][2]
    assert page.set_number_prefix("测环执通").ok
    assert messages[-1][2].endswith(f"测环执通〔{date.today().year}〕1号")
    with db.Session() as s:
        assert forms.number_prefix(s) == "测环执通"
