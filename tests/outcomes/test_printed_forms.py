"""Printed forms as a clerk and an enterprise read them (issue 14, point 6): the notice says where its QR code
is, carries a 文号 numbered per year, its 检查时间 starts on/after the draw; publications carry 公示期,
发现问题 and 整改期限."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditEntry, Draw
from app.services.foundation.context import Actor, acting_as
from app.services.outcomes import forms, publication
from tests.outcomes.test_publication import approved, pdf_text  # noqa: F401  (a fixture)


def _page_size(pdf) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
    return float(w), float(h)


def _decodes(pdf, tmp_path, x, y, w, h, dpi=200) -> bool:
    """Does a QR code decode inside this part of page 1 (points from the top-left corner)?"""
    scale = dpi / 72
    stem = tmp_path / f"crop-{int(x)}-{int(y)}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
         "-x", str(int(x * scale)), "-y", str(int(y * scale)), "-W", str(int(w * scale)), "-H", str(int(h * scale)),
         str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    out = subprocess.run(["zbarimg", "-q", "--raw", f"{stem}.png"], capture_output=True).stdout.decode()
    return out.startswith("SSJ1|")


def test_the_notice_says_where_its_qr_code_is_exactly_where_it_is_drawn(admin_cli, approved, tmp_path):  # noqa: F811
    out = tmp_path / "one.pdf"
    rc, _o, err = admin_cli("forms", "notice", "--period", "2026Q1", "--uscc", approved[0][1], "--out", str(out))
    assert rc == 0, err
    text = pdf_text(out)
    said = re.search(r"扫描(左下方|右下方|左上方|右上方|下方)的?二维码", text)
    assert said, "the notice should tell the enterprise where the QR code is"
    w, h = _page_size(out)
    where = {
        "左下方": (0, h / 2, w / 2, h / 2),
        "右下方": (w / 2, h / 2, w / 2, h / 2),
        "左上方": (0, 0, w / 2, h / 2),
        "右上方": (w / 2, 0, w / 2, h / 2),
    }
    found = [name for name, box in where.items() if _decodes(out, tmp_path, *box)]
    assert found == [said.group(1)], f"text says {said.group(1)}, the code is at {found}"


def test_notices_carry_a_wenhao_numbered_per_year_kept_on_reprint_and_audited(admin_cli, db, approved, tmp_path):  # noqa: F811
    rc, o, err = admin_cli("--json", "forms", "number", "--prefix", "测环执通")
    assert rc == 0, err
    assert json.loads(o)["example"] == f"测环执通〔{date.today().year}〕1号"
    out = tmp_path / "all.pdf"
    rc, o, err = admin_cli("--json", "forms", "notice", "--period", "2026Q1", "--out", str(out))
    assert rc == 0, err
    info = json.loads(o)
    year = date.today().year
    numbers = [x["doc_no"] for x in info["objects"]]
    assert numbers == [f"测环执通〔{year}〕{n}号" for n in range(1, 5)]
    text = pdf_text(out)
    for n in numbers:
        assert n in text
    # printed again (one object): the same number, none new
    one = tmp_path / "one.pdf"
    rc, o, err = admin_cli(
        "--json", "forms", "notice", "--period", "2026Q1", "--uscc", approved[2][1], "--out", str(one)
    )
    assert rc == 0, err
    assert json.loads(o)["objects"][0]["doc_no"] == numbers[2]
    assert numbers[2] in pdf_text(one) and numbers[3] not in pdf_text(one)
    with db.Session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "notice_number")).all()
        assert len(entries) == 4  # one per number given; the reprint added none
        setting = s.scalars(select(AuditEntry).where(AuditEntry.entity == "setting")).all()
        assert any("notice" in (e.entity_id or "") for e in setting)


def test_wenhao_numbers_start_again_each_year(db, approved):  # noqa: F811
    with acting_as(Actor("admin", "管理员", "管理员")), db.Session() as s:
        forms.set_number_prefix(s, "测环执通")
        rows = forms.notice_rows(s, "2026Q1")
        first = forms.assign_numbers(s, rows[:2], issued_on=date(2026, 12, 30))
        later = forms.assign_numbers(s, rows, issued_on=date(2027, 1, 4))
        s.commit()
    assert [first[r.selection_id] for r in rows[:2]] == ["测环执通〔2026〕1号", "测环执通〔2026〕2号"]
    assert [later[r.selection_id] for r in rows] == [
        "测环执通〔2026〕1号", "测环执通〔2026〕2号", "测环执通〔2027〕1号", "测环执通〔2027〕2号"
    ]  # fmt: skip


def test_printing_a_notice_needs_an_account(cli, approved, tmp_path):  # noqa: F811
    rc, _o, err = cli("forms", "notice", "--period", "2026Q1", "--out", str(tmp_path / "x.pdf"))
    assert rc != 0 and "--user" in err


def test_the_inspection_window_never_starts_before_the_draw(admin_cli, db, approved, tmp_path):  # noqa: F811
    # the task runs from 2026-01-05; the objects were drawn on 2026-01-10
    out = tmp_path / "n.pdf"
    rc, _o, err = admin_cli("forms", "notice", "--period", "2026Q1", "--uscc", approved[0][1], "--out", str(out))
    assert rc == 0, err
    text = pdf_text(out)
    with db.Session() as s:
        drawn = s.scalar(select(Draw)).drawn_at.date()
    assert drawn == date(2026, 1, 10)
    m = re.search(r"检查时间(\d{4})年(\d{1,2})月(\d{1,2})日至", text)
    assert m and date(*map(int, m.groups())) >= drawn, m and m.group(0)
    assert "2026年1月10日至2026年3月31日" in text


@pytest.mark.parametrize("suffix", [".xlsx", ".pdf", ".docx"])
def test_publications_carry_notice_period_findings_and_rectify_deadline(admin_cli, approved, tmp_path, suffix):  # noqa: F811
    out = tmp_path / f"公示{suffix}"
    rc, o, err = admin_cli("--json", "publish", "--period", "2026Q1", "--out", str(out), "--date", "2026-03-12")
    assert rc == 0, err
    info = json.loads(o)
    assert info["notice_period"] == ["2026-03-12", "2026-03-18"]  # five working days
    for col in ("公示期", "发现问题", "整改期限"):
        assert col in publication.FIELDS
    if suffix == ".xlsx":
        ws = load_workbook(out)["抽查结果公示"]
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        head = rows[0]
        deadline = [r[head.index("整改期限")] or "" for r in rows[1:]]
        assert deadline == ["", "2026-03-10", ""]
        assert {r[head.index("公示期")] for r in rows[1:]} == {"2026-03-12至2026-03-18"}
        return
    if suffix == ".pdf":
        text = pdf_text(out)
    else:
        from docx import Document

        doc = Document(str(out))
        text = "".join(p.text for p in doc.paragraphs) + "".join(
            c.text for t in doc.tables for r in t.rows for c in r.cells
        )
        text = re.sub(r"\s+", "", text)
    for col in ("公示期", "发现问题", "整改期限"):
        assert col in text
    assert "2026-03-10" in text  # the one result with a deadline
    assert "2026年3月12日至2026年3月18日" in text
