"""What a reader sees in the printed documents made at scale (issue 16, point 4): the public notice's 序号 stay
whole numbers, a long company name wraps inside its own cell and is printed in full, and a 检查通知书 with long
fields prints every word inside the page (a notice too long for one page goes on to the next, nothing cut).

Read back with poppler's pdftotext (-bbox gives every word with its box, in points from the top-left corner)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from html import unescape

from app.models import InspectionItem, InspectionObject, Outcome, Task
from app.models.vocabulary import OutcomeState
from app.services.outcomes import forms, publication
from tests.outcomes_factories import make_draw

LONG_NAME = "测试县城关镇工业园区第二期扩建项目配套废气废水综合治理与资源循环利用环保科技股份有限公司"
LONG_FINDINGS = "废气收集处理设施运行台账不完整，危险废物贮存场所标识不规范，自行监测报告未按期公开，已当场责令整改"
LONG_ADDRESS = "测试县城关镇工业园区创业大道东段北侧第三排第十二号标准化厂房二层东半部（原县农机修造厂院内）"


def words(pdf) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, text) of every word pdftotext finds."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    found, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            found.append((page, *map(float, m.groups()[:4]), unescape(m.group(5))))
    return found


def text_of(pdf) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", out)


def page_size(pdf) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
    return float(w), float(h)


def _results(session, n: int, *, first_name: str | None = None) -> None:
    _draw, sels = make_draw(session, "2026Q2", n=n, team_size=1, task_end=date(2026, 6, 30))
    if first_name:
        sels[0].name = first_name
    for i, sel in enumerate(sels):
        session.add(
            Outcome(
                selection_id=sel.id,
                state=OutcomeState.APPROVED,
                check_date=date(2026, 5, 10),
                method="现场检查",
                result="发现问题已责令整改" if i == 0 else "未发现问题",
                findings=LONG_FINDINGS if i == 0 else "",
                problems=1 if i == 0 else 0,
                entered_by="admin",
                reviewed_by="shenhe",
            )
        )
    session.flush()


def test_public_notice_numbers_stay_whole_past_one_hundred(session, tmp_path):
    _results(session, 120)
    out = tmp_path / "公示.pdf"
    publication.publish(session, "2026Q2", out, published_on=date(2026, 6, 30))
    found = {w[5] for w in words(out)}
    broken = [str(n) for n in range(1, 121) if str(n) not in found]
    assert not broken, f"序号 printed broken over two lines: {broken[:10]}"


def test_a_long_company_name_wraps_inside_its_cell_and_is_printed_whole(session, tmp_path):
    _results(session, 3, first_name=LONG_NAME)
    out = tmp_path / "公示.pdf"
    publication.publish(session, "2026Q2", out, published_on=date(2026, 6, 30))
    text = text_of(out)
    assert LONG_NAME in text and LONG_FINDINGS.replace("，", "，") in text
    ws = words(out)
    # the name's lines: words made only of the name's characters, on page 1, below the header row
    name_parts = [w for w in ws if len(w[5]) >= 3 and w[5] in LONG_NAME]
    assert "".join(w[5] for w in sorted(name_parts, key=lambda w: w[2])) == LONG_NAME
    assert len(name_parts) >= 2, "so long a name wraps over several lines"
    first_code = min(w[1] for w in ws if re.fullmatch(r"[0-9A-Z]{18}", w[5]))
    assert all(w[3] < first_code for w in name_parts), "the name stays inside its own column"
    width, _h = page_size(out)
    assert all(w[3] <= width - 25 * 72 / 25.4 + 1 for w in ws), "nothing runs into the right margin"


def _notice_with_long_fields(session, items: int):
    draw, sels = make_draw(session, n=2, team_size=3)
    ids = []
    for i in range(items):
        item = InspectionItem(
            year=2026,
            name=f"检查事项{i + 1}排污许可证执行情况",
            content=f"核查自行监测数据和环境管理台账记录第{i + 1}项",
        )
        session.add(item)
        session.flush()
        ids.append(item.id)
    session.get(Task, draw.task_id).item_ids = ids
    sels[0].name = LONG_NAME
    session.get(InspectionObject, sels[0].object_id).address = LONG_ADDRESS
    session.flush()
    return draw, sels


def _inside_page(out):
    width, height = page_size(out)
    left, right = 28 * 72 / 25.4, width - 26 * 72 / 25.4
    for page, x0, y0, x1, y1, word in words(out):
        assert left - 2 <= x0 and x1 <= right + 2, f"page {page}: “{word}” runs out of the text area"
        assert 0 <= y0 and y1 <= height, f"page {page}: “{word}” off the page"


def test_a_notice_with_long_fields_prints_every_word_inside_the_page(session, tmp_path):
    _notice_with_long_fields(session, items=2)
    out = tmp_path / "通知书.pdf"
    info = forms.notice_pdf(session, "2026Q1", out, issued_on=date(2026, 1, 12))
    assert info["pages"] == 2
    text = text_of(out)
    assert LONG_NAME in text and LONG_ADDRESS in text
    for i in range(2):
        assert f"{i + 1}.检查事项{i + 1}排污许可证执行情况：核查自行监测数据和环境管理台账记录第{i + 1}项" in text
    assert text.count("“双随机、一公开”检查通知书") == 2
    _inside_page(out)
    pages = re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout)
    assert pages and int(pages.group(1)) == 2, "each notice on one page, its QR code beside the seal"


def test_a_notice_too_long_for_one_page_goes_on_and_nothing_is_cut(session, tmp_path):
    _notice_with_long_fields(session, items=30)
    out = tmp_path / "通知书.pdf"
    forms.notice_pdf(session, "2026Q1", out, issued_on=date(2026, 1, 12))
    text = text_of(out)
    for i in range(30):
        assert f"{i + 1}.检查事项{i + 1}排污许可证执行情况：核查自行监测数据和环境管理台账记录第{i + 1}项" in text
    assert text.count("被检查单位签收") == 2 and text.count("扫码核验") == 2
    _inside_page(out)
