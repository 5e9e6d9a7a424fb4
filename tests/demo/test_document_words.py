"""No internal word in any generated document (issue 14, point 2): every PDF (pdftotext), xlsx (openpyxl) and
docx (python-docx) the program writes from a demo county with a quarter under way is read back and scanned with
the page scan's list (tests/internal_words.py): preset ids, model field names, `os:` accounts, login names of
people who have a name, raw JSON and stray ASCII identifiers."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from app.services.foundation.context import Actor, acting_as
from app.services.foundation.periods import period_of
from tests.internal_words import internal_words
from tests.outcomes_factories import enter_review_publish

ADMIN = Actor("admin", "管理员", "管理员")
SEED = "31415926535897932384626433"


def pdf_texts(path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def xlsx_texts(path) -> list[str]:
    wb = load_workbook(path, read_only=True)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":  # the program's own hidden sheets (drop-down lists, round-trip keys)
            continue
        out.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            out += [str(v) for v in row if v is not None and not isinstance(v, (int, float))]
    return out


def docx_texts(path) -> list[str]:
    doc = Document(str(path))
    out = [p.text for p in doc.paragraphs]
    out += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    for section in doc.sections:
        out += [p.text for p in section.footer.paragraphs + section.header.paragraphs]
    return out


READERS = {".pdf": pdf_texts, ".xlsx": xlsx_texts, ".docx": docx_texts}


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """A demo county: a frozen draw's public sheet, then the drawn and confirmed quarter with results entered,
    approved and published, a rule change from the command line (os: account) — and every document written."""
    from app.services.demo import demo
    from app.services.draw import documents as draw_documents
    from app.services.draw import draws
    from app.services.foundation.store import open_database
    from app.services.outcomes import forms, outcomes, publication
    from app.services.pools import pools
    from app.services.reports import annual_report, statistics_forms
    from app.services.rules import plans, policies, quota

    root = tmp_path_factory.mktemp("words")
    out = root / "out"
    out.mkdir()
    db = open_database(f"sqlite:///{root / 'demo.sqlite3'}")
    period, today = period_of(date.today()).code, date.today()
    files = []
    with acting_as(ADMIN), db.Session() as s:
        demo.create_demo(s, n_objects=160)
        s.commit()
    with acting_as(ADMIN), db.Session() as s:
        d = draws.start(s, period)
        s.commit()
        draw_documents.pre_draw_sheet(s, d.id, out / "抽取前公示单.pdf")
        files.append(out / "抽取前公示单.pdf")
        draws.perform(s, d.id, SEED, witnesses=["王建国", "李明"])
        s.commit()
    with acting_as(Actor("lingdao", "领导", "领导")), db.Session() as s:
        draws.confirm(s, d.id)
        s.commit()
    batch = enter_review_publish(db, period, today, entered=8)
    with acting_as(Actor("os:root", "管理员")), db.Session() as s:
        policies.set_policy(s, policies.load_preset("zezhou-2024"))
        s.commit()
    with acting_as(ADMIN), db.Session() as s:
        files += [Path(p) for k, p in draw_documents.export(s, d.id, out / "抽取记录").items() if k == "pdf"]
        for suffix in (".pdf", ".docx"):
            forms.write_notices(s, period, out / f"检查通知书{suffix}")
            annual_report.build_annual_report(s, today.year, out / f"年度报告{suffix}")
            files += [out / f"检查通知书{suffix}", out / f"年度报告{suffix}"]
        for suffix in (".xlsx", ".pdf", ".docx"):
            publication.write_batch(s, batch.id, out / f"公示{suffix}")
            files.append(out / f"公示{suffix}")
        s.commit()
        statistics_forms.export_stats_xlsx(s, period, out / "季度统计表.xlsx")
        statistics_forms.export_adjustments_xlsx(s, period, out / "名录库调整.xlsx")
        quota.export_quota_xlsx(s, period, None, out / "应抽数.xlsx")
        plans.export_plans_xlsx(s, today.year, out / "抽查计划.xlsx")
        plans.export_plans_pdf(s, today.year, out / "抽查计划.pdf")
        outcomes.export_template(s, period, out / "检查结果录入表.xlsx")
        files += [
            out / name
            for name in (
                "季度统计表.xlsx",
                "名录库调整.xlsx",
                "应抽数.xlsx",
                "抽查计划.xlsx",
                "抽查计划.pdf",
                "检查结果录入表.xlsx",
            )
        ]
        for kind in ("objects", "inspectors", "experts", "items"):
            pools.export_kind(s, kind, out / f"导出-{kind}.xlsx")
            files.append(out / f"导出-{kind}.xlsx")
        from app.services.foundation import listings, manual

        manual.manual_pdf(out / "使用手册.pdf")
        files.append(out / "使用手册.pdf")

        named = {a.username for a in listings.accounts(s) if a.display_name and a.display_name != a.username}
    db.dispose()
    named.discard("admin")
    return files, named


def test_every_document_was_written(documents):
    files, _named = documents
    assert len(files) >= 19 and all(f.exists() and f.stat().st_size > 0 for f in files)
    assert {f.suffix for f in files} == {".pdf", ".xlsx", ".docx"}


def _manual_commands() -> set[str]:
    """The words of the commands the manual teaches (its `code` spans): the one place they belong."""
    from app.services.foundation import manual

    spans = re.findall(r"`(.+?)`", manual.manual_text())
    return {word for span in spans for word in re.findall(r"[A-Za-z0-9_:./-]+", span)}


def test_no_internal_word_in_any_generated_document(documents):
    files, named = documents
    taught = _manual_commands()
    word = re.compile(r"[A-Za-z0-9_:./-]+")

    def untaught(m: re.Match) -> str:
        return "" if m.group(0) in taught else m.group(0)

    found = []
    for f in files:
        texts = READERS[f.suffix](f)
        if f.name == "使用手册.pdf":
            texts = [word.sub(untaught, t) for t in texts]
        found += [f"{f.name}: {w}" for w in internal_words(texts, named, stray_ascii=True)]
    assert found == [], "\n".join(found)


def test_the_scan_catches_what_the_old_sheet_printed():
    """The words the issue found on the old public sheet are caught by the list (the scan is not blind)."""
    old = ["算法版本 ssj-draw/1 (consistent-sampling sha256)", "规则 zezhou-2024", "由 os:root 保存", "result_phrase"]
    found = internal_words(old, {"shenhe"}, stray_ascii=True)
    for word in ("ssj-draw/1", "consistent-sampling", "sha256", "zezhou-2024", "os:root", "result_phrase"):
        assert any(repr(word) in f for f in found), word
    assert internal_words(["审核人 shenhe"], {"shenhe"}, stray_ascii=True)
