"""The public 抽取前公示单 as it is pinned on the wall (issue 14, point 6): the heading 四、签字 never stands alone
at a page foot, and the sheet speaks plain Chinese (no algorithm identifier, no "自动", no preset id)."""

from __future__ import annotations

import subprocess

import pytest

from app.services.draw import documents as draw_pdf
from app.services.draw import draws
from tests.draw.test_draws import make_pool


def _pages(path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return ["".join(p.split()) for p in out.stdout.split("\f") if p.strip()]


def _strata(session, k: int) -> list[dict]:
    """k strata of two objects each (each stratum adds one row to the sheet's first table)."""
    from sqlalchemy import select

    from app.models import InspectionObject

    rows = sorted(session.scalars(select(InspectionObject)).all(), key=lambda o: o.uscc)
    out = []
    for i in range(k):
        objs = rows[2 * i : 2 * i + 2]
        out.append(
            {
                "category": "重点监管对象" if i % 2 else "一般监管对象",
                "stratum": f"分层{i + 1}",
                "mode": "现场",
                "ratio": "5%",
                "required": 1,
                "objects": [draws._object_dict(o) for o in objs],
            }
        )
    return out


def test_the_signature_heading_is_never_left_alone_at_a_page_foot(db, tmp_path):
    """However many strata push it down, 四、签字 and its table share a page."""
    with db.Session() as s:
        make_pool(s, n=80)
        s.commit()
    alone = []
    for k in range(1, 13):
        with db.Session() as s:  # never committed: each sheet is a draw of its own
            d = draws.start(s, "2026Q1", strata=_strata(s, k))
            pdf = tmp_path / f"pre-{k}.pdf"
            draw_pdf.pre_draw_sheet(s, d.id, pdf)
            s.rollback()
        pages = _pages(pdf)
        for i, page in enumerate(pages):
            if "四、签字" in page and "抽取人" not in page:
                alone.append(f"{k} strata: heading alone at the foot of page {i + 1} of {len(pages)}")
    assert alone == []


@pytest.fixture
def sheet_text(session, tmp_path):
    from app.services.rules import policies

    policies.set_policy(session, policies.load_preset("zezhou-2024"))
    make_pool(session, n=12)
    d = draws.start(session, "2026Q1", strata=_strata(session, 3))
    pdf = tmp_path / "pre.pdf"
    draw_pdf.pre_draw_sheet(session, d.id, pdf)
    return "".join(_pages(pdf))


def test_the_public_sheet_names_the_method_in_plain_chinese_with_its_document(sheet_text):
    for internal in ("ssj-draw", "consistent-sampling", "sha256", "zezhou-2024"):
        assert internal not in sheet_text, internal
    assert "《随机抽取算法说明》" in sheet_text  # the document that specifies the method
    assert "一致性哈希抽样" in sheet_text
    assert "泽州" in sheet_text  # the rules by their name


def test_the_public_sheet_says_the_per_person_cap_in_plain_words(sheet_text):
    assert "每人每次上限" not in sheet_text and "自动" not in sheet_text
    assert "每人参加的检查组数均衡分配（至多比平均数多1个）" in sheet_text
