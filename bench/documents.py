"""Documents in seconds: the 检查通知书 of a draw of N objects (one A4 page each), with the per-page figure.

Baseline in the same run: reportlab writing N pages of one short Chinese paragraph each with the same embedded
font (what any PDF of N pages costs here). The draw is built as rows (tests/outcomes_factories.make_draw).

    .venv/bin/python bench/documents.py [N]        # default 171
Target (issue 16): 171 notices ≤ 3 s, ≤ 15 ms a page.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def baseline_pdf(path: Path, n: int) -> None:
    from reportlab.platypus import PageBreak, Paragraph

    from app.services.foundation import pdf

    st = pdf.styles()
    story = []
    for i in range(n):
        if i:
            story.append(PageBreak())
        story.append(Paragraph(f"测试县生态环境保护综合行政执法大队 第 {i + 1} 页", st["body"]))
    pdf.build_pdf(path, story, title="基线")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 171
    folder = Path(tempfile.mkdtemp(prefix="ssj-bench-docs-"))
    os.environ["SSJ_DATA_DIR"] = str(folder)
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database
    from app.services.outcomes import forms
    from tests.outcomes_factories import make_draw

    db = open_database(f"sqlite:///{folder}/bench.sqlite3")
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        init_office(
            s, name="基准测试县生态环境保护综合行政执法大队", level="county", admin="admin", admin_password="admin123"
        )
        make_draw(s, n=n)
        s.commit()
    # warm: fonts registered once per process, as in the running program
    baseline_pdf(folder / "warm.pdf", 1)
    t0 = time.perf_counter()
    baseline_pdf(folder / "baseline.pdf", n)
    t_base = time.perf_counter() - t0
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        t0 = time.perf_counter()
        info = forms.notice_pdf(s, "2026Q1", folder / "notices.pdf")
        t_notices = time.perf_counter() - t0
    print(f"{os.cpu_count()} cores; {info['pages']} pages; files in {folder}")
    print(f"baseline  {n} pages of one paragraph : {t_base:6.2f} s ({t_base / n * 1000:5.1f} ms a page)")
    print(
        f"检查通知书 {n} notices              : {t_notices:6.2f} s ({t_notices / n * 1000:5.1f} ms a page, "
        f"{t_notices / t_base:.1f}× baseline)"
    )
    db.dispose()


if __name__ == "__main__":
    main()
