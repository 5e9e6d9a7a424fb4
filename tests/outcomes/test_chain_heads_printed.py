"""The audit head and the draw-chain head leave the machine on every public document (issue 10, point 7)."""

from __future__ import annotations

from datetime import date

from app.services.draw import documents as draw_documents
from app.services.draw import draws
from app.services.foundation import audit
from app.services.foundation.context import Actor, acting_as
from app.services.outcomes import forms, publication
from tests.draw.test_draws import SEED, make_pool, strata_of
from tests.outcomes.test_publication import approved, pdf_text  # noqa: F401 - fixture

ADMIN = Actor("admin", "管理员")


def _heads(db) -> tuple[str, str]:
    with db.Session() as s:
        h = draws.chain_heads(s)
    return audit.short_head(h["audit_seq"], h["audit_head"]), audit.short_head(h["draw_seq"], h["draw_head"])


def test_public_notice_and_inspection_notices_carry_both_heads(db, approved, tmp_path):  # noqa: F811
    with acting_as(ADMIN), db.Session() as s:
        batch = publication.create_batch(s, "2026Q1", published_on=date(2026, 3, 12))
        forms.notice_pdf(s, "2026Q1", tmp_path / "通知书.pdf", issued_on=date(2026, 3, 1))  # gives the 文号
        s.commit()
        a, d = _heads(db)  # printing again gives no new number: the heads stay
        publication.export_pdf(s, batch.id, tmp_path / "公示.pdf")
        forms.notice_pdf(s, "2026Q1", tmp_path / "通知书.pdf", issued_on=date(2026, 3, 1))
    notice = pdf_text(tmp_path / "公示.pdf")
    assert "防篡改链头" in notice and a in notice and d in notice
    letters = pdf_text(tmp_path / "通知书.pdf")
    assert letters.count(a) == 4 and letters.count(d) == 4  # one per page


def test_draw_record_carries_both_heads(db, tmp_path):
    with acting_as(ADMIN), db.Session() as s:
        make_pool(s)
        d = draws.draw_now(s, "2026Q1", None, SEED, strata=strata_of()(s), witnesses=["张见证", "李见证"])
        s.commit()
        a, dh = _heads(db)
        assert dh.startswith("No.1·") and a.startswith("No.")
        draw_documents.record_pdf(s, d.id, tmp_path / "记录.pdf")
    text = pdf_text(tmp_path / "记录.pdf")
    assert a in text and dh in text
