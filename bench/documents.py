"""Documents in seconds: the 检查通知书 of a draw of N objects (one A4 page each), with the per-page figure; the
annual report; the public notice (结果公示, PDF) of 1,000 results.

Baseline in the same run: reportlab writing N pages of one short Chinese paragraph each with the same embedded
font (what any PDF of N pages costs here). The draws are built as rows (tests/outcomes_factories.make_draw); the
1,000 results are rows 已审核 of a second draw. CPU time is printed beside wall time and the ratios are of CPU
times: the machine is shared, so the wall clock also measures the others' load.

    .venv/bin/python bench/documents.py [N]        # default 171
Targets (issue 16): 171 notices ≤ 3 s (≤ 15 ms a page); the annual report ≤ 2 s; the public notice of 1,000
results ≤ 2 s. (All three run off the UI thread in the program: 打印检查通知书 with 第 n / N 页 and 取消, 生成公示批次
with its three files as steps, 年度报告 with the busy dialog.)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
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
    t0, c0 = time.perf_counter(), time.process_time()
    baseline_pdf(folder / "baseline.pdf", n)
    t_base, c_base = time.perf_counter() - t0, time.process_time() - c0
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        t0, c0 = time.perf_counter(), time.process_time()
        info = forms.notice_pdf(s, "2026Q1", folder / "notices.pdf")
        t_notices, c_notices = time.perf_counter() - t0, time.process_time() - c0
    results = 1000
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        make_results(s, results)
        s.commit()
    from app.services.outcomes import publication
    from app.services.reports import annual_report

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        t0, c0 = time.perf_counter(), time.process_time()
        pub = publication.publish(s, "2026Q2", folder / "公示.pdf", published_on=date(2026, 6, 30))
        t_pub, c_pub = time.perf_counter() - t0, time.process_time() - c0
        s.commit()
    with acting_as(Actor("admin", "管理员")), db.Session() as s:  # the same batch printed again: the PDF alone
        t0, c0 = time.perf_counter(), time.process_time()
        publication.export_pdf(s, pub["batch_id"], folder / "公示-重印.pdf")
        t_reprint, c_reprint = time.perf_counter() - t0, time.process_time() - c0
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        t0, c0 = time.perf_counter(), time.process_time()
        annual_report.build_annual_report(s, 2026, folder / "年度报告.pdf")
        t_annual, c_annual = time.perf_counter() - t0, time.process_time() - c0
    print(f"{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}；{info['pages']} 页；文件在 {folder}")
    print("（墙钟受同机其他进程影响；CPU 时间是本进程所用，空闲机器上墙钟约等于 CPU 时间）")
    print(f"基线      {n} 页单段落 PDF     : {t_base:6.2f} s (CPU {c_base:.2f} s，{c_base / n * 1000:4.1f} ms 一页)")

    def line(label: str, wall: float, cpu: float, target: float, extra: str = "") -> None:
        verdict = "达标" if wall <= target else ("CPU 达标，墙钟未达标（负载）" if cpu <= target else "未达标")
        print(
            f"{label}: {wall:6.2f} s (CPU {cpu:.2f} s{extra}；CPU {cpu / c_base:.1f} × 基线)  目标 ≤ {target:g} s "
            f"{verdict}"
        )

    line(f"检查通知书 {n} 份            ", t_notices, c_notices, 3, f"，{c_notices / n * 1000:.1f} ms 一页")
    line(f"结果公示 {pub['count']} 条（建批次 + PDF）", t_pub, c_pub, 2)
    line("  其中重印同一批次的 PDF    ", t_reprint, c_reprint, 2)
    line("年度报告 2026              ", t_annual, c_annual, 2)
    db.dispose()


def make_results(session, n: int) -> None:
    """n results 已审核 in 2026Q2 (a draw built as rows, one outcome a selection)."""
    from app.models import Outcome
    from app.models.vocabulary import OutcomeState
    from tests.outcomes_factories import make_draw

    _draw, sels = make_draw(session, "2026Q2", n=n, team_size=1, task_end=date(2026, 6, 30))
    for i, sel in enumerate(sels):
        session.add(
            Outcome(
                selection_id=sel.id,
                state=OutcomeState.APPROVED,
                check_date=date(2026, 5, 10),
                method="现场检查",
                result="未发现问题" if i % 4 else "发现问题已责令整改",
                findings="" if i % 4 else "废气处理设施运行台账不完整",
                problems=0 if i % 4 else 1,
                entered_by="admin",
                reviewed_by="shenhe",
            )
        )
    session.flush()


if __name__ == "__main__":
    main()
