"""The fast QR path (foundation/pdf_qr.py) makes exactly segno's modules: for the notices' payloads of every
length up to a version-20 code, for texts of other kinds, and for each error level and mask."""

from __future__ import annotations

import random

import pytest
import segno

from app.services.foundation import pdf_qr
from app.services.outcomes.forms import qr_payload


def _segno(text: str, error: str = "m", mask: int = 2) -> tuple[bytes, ...]:
    code = segno.make(text, error=error, micro=False, boost_error=False, mask=mask)
    return tuple(bytes(row) for row in code.matrix)


def test_the_notice_payloads_are_segnos_modules():
    rng = random.Random(16)
    for i in range(60):
        task = "+".join(f"RW-{rng.randrange(10000):04d}" for _ in range(1 + i % 3))
        text = qr_payload(
            task, f"91140525MA{rng.randrange(10**8):08d}", f"2026Q{1 + i % 4}", f"{rng.getrandbits(256):064x}"
        )
        assert pdf_qr.qr_matrix(text) == _segno(text), text


@pytest.mark.parametrize("length", [1, 2, 7, 13, 14, 15, 16, 40, 41, 77, 100, 127, 128, 153, 154, 200, 300, 400, 600])
def test_every_length_and_version_boundary(length):
    rng = random.Random(length)
    ascii_text = "".join(rng.choice("abcxyz|:-_0123456789") for _ in range(length))
    chinese = "".join(rng.choice("任务对象期间抽取记录") for _ in range(max(1, length // 3)))
    for text in (ascii_text, "SSJ1|" + chinese, chinese + "|x"):
        for error in ("l", "m", "q", "h"):
            assert pdf_qr.qr_matrix(text, error) == _segno(text, error), (text, error)


def test_other_masks_and_texts_segno_writes_another_way():
    for mask in range(8):
        assert pdf_qr.qr_matrix("SSJ1|任务:RW-1", mask=mask) == _segno("SSJ1|任务:RW-1", mask=mask)
    # numeric / alphanumeric / Latin-1 / Shift_JIS texts: left to segno or written as segno writes them
    for text in ("12345678901234567890", "SSJ", "HELLO WORLD 2026", "café|x", "日本語", "x" * 300):
        assert pdf_qr.qr_matrix(text) == _segno(text), text
