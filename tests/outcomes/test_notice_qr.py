"""Every 检查通知书 page carries a QR code that a real reader (zbarimg) decodes to exactly that page's payload.

The QR is drawn by the program's own helper (segno matrix, a fixed mask, one filled path); these tests render the
real PDF with pdftoppm and read it with zbarimg, for many payloads at once so a mask that happens to make one code
unreadable would show.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak

from app.services.foundation import pdf
from app.services.outcomes import forms
from tests.outcomes_factories import make_draw


def _decode_pages(path, folder, dpi=100) -> list[str]:
    assert shutil.which("zbarimg") and shutil.which("pdftoppm")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(path), str(folder / "pg")], check=True)
    out = []
    for png in sorted(folder.glob("pg*.png")):
        res = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True)
        out.append(res.stdout.decode("utf-8").strip())
    return out


def test_every_notice_page_decodes_to_its_own_payload(session, tmp_path):
    draw, sels = make_draw(session, n=16)
    session.commit()
    out = tmp_path / "notices.pdf"
    info = forms.notice_pdf(session, "2026Q1", out, issued_on=date(2026, 1, 12))
    assert info["pages"] == 16
    decoded = _decode_pages(out, tmp_path)
    assert len(decoded) == 16
    task_code = decoded[0].split("任务:")[1].split("|")[0]
    expected = [forms.qr_payload(task_code, o["uscc"], "2026Q1", draw.record_hash) for o in info["objects"]]
    assert decoded == expected


def test_qr_helper_decodes_for_many_payloads_and_sizes(tmp_path):
    payloads = [
        forms.qr_payload(f"RW-{i:04d}", f"91130525MA0{i:07d}", "2026Q" + str(i % 4 + 1), f"{i:064x}")
        for i in range(24)
    ] + ["SSJ", "双随机、一公开 自检", "x" * 300]
    story = []
    for i, text in enumerate(payloads):
        if i:
            story.append(PageBreak())
        story.append(pdf.qr_flowable(text, (30 + i % 3 * 5) * mm))
    out = pdf.build_pdf(tmp_path / "qr.pdf", story, title="二维码")
    assert _decode_pages(out, tmp_path, dpi=150) == payloads
