"""Editable Word documents (issue 14, point 6): the public notice, the 检查通知书 and the annual report as .docx,
opened again with python-docx — text, table rows, the QR picture (decoded with zbarimg), the record hash,
Chinese fonts on the East Asian slot, A4 with the PDFs' margins."""

from __future__ import annotations

import json
import subprocess

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from sqlalchemy import select

from app.models import Draw, Outcome
from app.services.outcomes import forms, publication
from tests.outcomes.test_publication import RESULTS, approved  # noqa: F401  (a fixture)


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def _east_asian_fonts(doc) -> set[str]:
    return {
        f.get(qn("w:eastAsia")) for f in doc.element.body.iter(qn("w:rFonts")) if f.get(qn("w:eastAsia")) is not None
    }


def _pictures(doc) -> list[bytes]:
    return [rel.target_part.blob for rel in doc.part.rels.values() if "image" in rel.reltype]


def _decode(png: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.png"
    path.write_bytes(png)
    return subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True).stdout.decode().strip()


def _a4(doc, landscape=False, margins=(30, 25, 28, 26)):
    sec = doc.sections[0]
    w, h = (297, 210) if landscape else (210, 297)
    assert abs(sec.page_width - Mm(w)) < Mm(1) and abs(sec.page_height - Mm(h)) < Mm(1)
    top, bottom, left, right = margins
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [
        top,
        bottom,
        left,
        right,
    ]


def test_notices_as_word_keep_the_qr_code_and_the_record_hash(admin_cli, db, approved, tmp_path):  # noqa: F811
    out = tmp_path / "通知书.docx"
    rc, o, err = admin_cli("--json", "forms", "notice", "--period", "2026Q1", "--out", str(out))
    assert rc == 0, err
    info = json.loads(o)
    assert info["pages"] == 4
    doc = Document(str(out))
    text = _all_text(doc)
    with db.Session() as s:
        draw = s.scalar(select(Draw))
        rows = forms.notice_rows(s, "2026Q1")
        payloads = [forms.notice_content(s, r, "测试县生态环境保护综合行政执法大队").payload for r in rows]
    for needle in (
        "“双随机、一公开”检查通知书",
        "检查时间",
        "2026年1月10日 至 2026年3月31日",
        "（盖章）",
        draw.record_hash,
    ):
        assert needle in text, needle
    for _id, uscc, name in approved:
        assert uscc in text and name in text
    for number in (x["doc_no"] for x in info["objects"]):
        assert number in text
    # each notice's field table: 11 rows (检查机关 … 抽取记录哈希), label column first
    field_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "检查机关"]
    assert len(field_tables) == 4 and all(len(t.rows) == 11 for t in field_tables)
    assert [t.rows[-1].cells[1].text for t in field_tables] == [draw.record_hash] * 4
    # one QR picture per notice, each decoding to that notice's text
    pictures = _pictures(doc)
    assert len(pictures) == 4
    decoded = sorted(_decode(png, tmp_path, f"qr{i}") for i, png in enumerate(pictures))
    assert decoded == sorted(payloads)
    assert "扫描左下方二维码" in text  # the picture sits in the sign block's left cell
    sign_tables = [t for t in doc.tables if t.rows[0].cells[0]._tc.xpath(".//pic:pic")]
    assert len(sign_tables) == 4
    assert _east_asian_fonts(doc) >= {"仿宋_GB2312", "宋体"}
    _a4(doc, margins=(25, 22, 28, 26))


def test_public_notice_as_word(admin_cli, approved, tmp_path):  # noqa: F811
    out = tmp_path / "公示.docx"
    rc, o, err = admin_cli("--json", "publish", "--period", "2026Q1", "--out", str(out), "--date", "2026-03-12")
    assert rc == 0, err
    assert json.loads(o)["count"] == 3
    doc = Document(str(out))
    text = _all_text(doc)
    assert "测试县生态环境保护综合行政执法大队2026年第一季度“双随机、一公开”抽查结果公示" in text
    assert "公示期：2026年3月12日至2026年3月18日" in text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == publication.FIELDS[:-1]
    assert len(table.rows) == 1 + 3
    assert [r.cells[1].text for r in table.rows[1:]] == [n for _i, _u, n in approved[:3]]
    assert [r.cells[6].text for r in table.rows[1:]] == RESULTS
    assert "（盖章）" in text and "2026年3月12日" in text and "防篡改链头" in text
    assert _east_asian_fonts(doc) >= {"宋体"}
    _a4(doc, landscape=True, margins=(22, 20, 25, 25))
    # the font table names a fallback for each Chinese face (a PC without 仿宋_GB2312 uses 仿宋)
    fonts = doc.part.part_related_by("http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable")
    assert "仿宋_GB2312" in fonts.blob.decode() and 'w:altName w:val="仿宋"' in fonts.blob.decode()


def test_annual_report_as_word(admin_cli, db, approved, tmp_path):  # noqa: F811
    rc, _o, err = admin_cli("publish", "--period", "2026Q1", "--out", str(tmp_path / "p.xlsx"), "--date", "2026-03-12")
    assert rc == 0, err
    out = tmp_path / "年报.docx"
    with db.Session() as s:
        case = s.scalar(select(Outcome.id).where(Outcome.selection_id == approved[2][0]))
    rc, o, err = admin_cli("--json", "report", "annual", "--year", "2026", "--case", str(case), "--out", str(out))
    assert rc == 0, err
    doc = Document(str(out))
    text = _all_text(doc)
    for needle in (
        "2026年度“双随机、一公开”监管工作报告",
        "一、总体情况",
        "二、分季度情况",
        "五、典型案例",
        "泽环罚〔2026〕12号",
    ):
        assert needle in text, needle
    frequency = next(t for t in doc.tables if t.rows[0].cells[0].text == "企业类别")  # 检查频次, as in the PDF
    assert "检查频次" in text and len(frequency.rows) >= 2
    quarters = next(t for t in doc.tables if t.rows[0].cells[0].text == "季度")
    assert [r.cells[0].text for r in quarters.rows][-1] == "全年"
    assert quarters.rows[-1].cells[3].text == "3"  # 已查 in the year
    rc, _o, err = admin_cli("report", "annual", "--year", "2026", "--out", str(tmp_path / "年报.txt"))
    assert rc == 1 and ".docx" in err
