"""Publication batches (xlsx fields, PDF notice text), the rate, and the printed 检查通知书 with its QR code."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import InspectionItem, Outcome, Publication, Task
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from app.services.outcomes import forms as forms_pdf
from app.services.outcomes import outcomes, publication
from tests.outcomes_factories import make_draw


@pytest.fixture
def cli(admin_cli):
    """`ssj` runs as the administrator of the `db` fixture (--user admin), as a clerk would with an account."""
    return admin_cli


TODAY = date(2026, 3, 20)
RESULTS = ["未发现问题", "发现问题已责令整改", "发现违法行为已立案调查"]


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", out)


@pytest.fixture
def approved(db):
    """Four drawn objects, three results entered by 录入员 and approved by 审核员; ids returned."""
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        item = InspectionItem(year=2026, name="排污许可证执行情况检查", content="核查自行监测和台账记录")
        s.add(item)
        s.flush()
        draw, sels = make_draw(s, n=4)
        s.get(Task, draw.task_id).item_ids = [item.id]
        for i, sel in enumerate(sels[:3]):
            kw = dict(check_date=date(2026, 2, 10 + i), method="现场检查", result=RESULTS[i])
            if i == 1:
                kw["rectify_deadline"] = date(2026, 3, 10)
            if i == 2:
                kw.update(case_no="泽环罚〔2026〕12号", penalty_amount="52000")
            outcomes.save_outcome(s, sel.id, kw, today=TODAY)
        s.commit()
        info = [(x.id, x.uscc, x.name) for x in sels]
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve_period(s, "2026Q1", "shenhe")
        s.commit()
    return info


def test_publish_xlsx_has_every_field_and_marks_published(cli, db, approved, tmp_path):
    out = tmp_path / "公示.xlsx"
    rc, o, err = cli("--json", "publish", "--period", "2026Q1", "--out", str(out), "--date", "2026-03-12")
    assert rc == 0, err
    info = json.loads(o)
    assert info["count"] == 3 and info["batch_id"] == 1
    ws = load_workbook(out)["抽查结果公示"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == publication.FIELDS
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    assert [r[1] for r in rows[1:]] == [n for _, _, n in approved[:3]]
    assert [r[2] for r in rows[1:]] == [u for _, u, _ in approved[:3]]
    assert all("排污单位执法检查任务" in r[3] and "抽查计划" in r[3] for r in rows[1:])
    assert {r[4] for r in rows[1:]} == {"测试县生态环境保护综合行政执法大队"}
    assert [r[5] for r in rows[1:]] == ["2026-02-10", "2026-02-11", "2026-02-12"]
    assert [r[6] for r in rows[1:]] == RESULTS
    with db.Session() as s:
        states = {o.state for o in s.scalars(select(Outcome))}
        assert states == {"已公示"}
        batch = s.scalar(select(Publication))
        assert batch.published_on == date(2026, 3, 12) and batch.count == 3
        rate = publication.publication_rate(s, "2026Q1")
    assert rate["published"] == 3 and rate["entered"] == 3 and rate["rate"] == 1.0 and rate["rate_of_drawn"] == 0.75
    assert rate["on_time"] == 3
    # nothing left to publish; the batch can be exported again as the PDF notice
    rc, o, err = cli("publish", "--period", "2026Q1", "--out", str(tmp_path / "again.pdf"))
    assert rc == 1 and "没有已审核、待公示" in err
    rc, o, err = cli("--json", "publish", "--period", "2026Q1", "--batch", "1", "--out", str(tmp_path / "again.pdf"))
    assert rc == 0 and json.loads(o)["count"] == 3 and approved[0][1] in pdf_text(tmp_path / "again.pdf")
    rc, o, err = cli("publish", "--period", "2026Q1", "--batch", "7", "--out", str(tmp_path / "x.pdf"))
    assert rc == 1 and "没有第 7 批" in err


def test_publish_pdf_notice_holds_every_field(cli, approved, tmp_path):
    out = tmp_path / "公示.pdf"
    rc, o, err = cli("publish", "--period", "2026Q1", "--out", str(out), "--date", "2026-03-12")
    assert rc == 0, err
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    for field in publication.FIELDS:
        assert field in text
    assert "测试县生态环境保护综合行政执法大队2026年第一季度“双随机、一公开”抽查结果公示" in text
    for _, uscc, name in approved[:3]:
        assert uscc in text and name in text
    assert approved[3][1] not in text  # not entered → not published
    for r in RESULTS:
        assert r in text
    for d in ("2026-02-10", "2026-02-11", "2026-02-12"):
        assert d in text
    assert "（盖章）" in text and "2026年3月12日" in text
    assert "排污单位执法检查任务" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True).stdout.decode()
    assert "yes" in fonts.splitlines()[-1].split()[-5:]  # embedded


def test_publish_only_approved_and_bad_output(cli, db, tmp_path):
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        _, sels = make_draw(s, n=1)
        outcomes.save_outcome(
            s, sels[0].id, dict(check_date=date(2026, 2, 10), method="现场检查", result="未发现问题"), today=TODAY
        )
        s.commit()
    rc, o, err = cli("publish", "--period", "2026Q1", "--out", str(tmp_path / "x.xlsx"))
    assert rc == 1 and "请先由审核员审核" in err
    rc, o, err = cli("publish", "--period", "2026Q1", "--out", str(tmp_path / "x.txt"))
    assert rc == 1 and ".xlsx" in err and ".docx" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_batch_of_chosen_results_and_history(db, approved, tmp_path):
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        ids = [r.outcome_id for r in publication.publishable(s, "2026Q1")]
        b1 = publication.create_batch(s, "2026Q1", published_on=date(2026, 3, 12), outcome_ids=ids[:1])
        with pytest.raises(UserError, match="不是“已审核”状态"):
            publication.create_batch(s, "2026Q1", outcome_ids=ids[:1])
        b2 = publication.create_batch(s, "2026Q1", published_on=date(2026, 3, 19))
        s.commit()
        assert [b.id for b in publication.batches(s, "2026Q1")] == [b2.id, b1.id]
        assert [r.name for r in publication.batch_rows(s, b2.id)] == [n for _, _, n in approved[1:3]]
        publication.export_pdf(s, b1.id, tmp_path / "b1.pdf")
        rows = outcomes.period_rows(s, "2026Q1")
        assert rows[0].published_on == date(2026, 3, 12) and rows[1].published_on == date(2026, 3, 19)
        # 2026-02-11 + 20 working days = 2026-03-16: published 3-19 → late
        assert publication.publication_rate(s, "2026Q1")["on_time"] == 1
    assert approved[0][1] in pdf_text(tmp_path / "b1.pdf")


def test_forms_notice_pdf_holds_every_field_and_a_readable_qr(cli, db, approved, tmp_path):
    out = tmp_path / "通知书.pdf"
    rc, o, err = cli("--json", "forms", "notice", "--period", "2026Q1", "--out", str(out))
    assert rc == 0, err
    assert json.loads(o)["pages"] == 4
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True).stdout.decode()
    assert re.search(r"Pages:\s+4", info) and "595.276 x 841.89" in info  # A4
    text = pdf_text(out)
    with db.Session() as s:
        from app.models import Draw, TeamMember

        draw = s.scalar(select(Draw))
        team = s.scalars(select(TeamMember)).all()
    for needle in [
        "测试县生态环境保护综合行政执法大队",
        "检查通知书",
        "排污单位执法检查任务",
        "测试县城关镇工业路1号",
        "排污许可证执行情况检查",
        "核查自行监测和台账记录",
        "2026年1月10日至2026年3月31日",  # the task opens on 1-5, the objects were drawn on 1-10
        "（盖章）",
        draw.record_hash,
        "RW-",
    ]:
        assert needle in text, needle
    for _, uscc, name in approved:
        assert uscc in text and name in text
    for m in team:
        assert m.name in text and m.cert in text
    # one object only, and the QR decodes to task / USCC / draw hash
    one = tmp_path / "one.pdf"
    rc, o, err = cli("forms", "notice", "--period", "2026Q1", "--uscc", approved[1][1], "--out", str(one))
    assert rc == 0, err
    if shutil.which("zbarimg"):
        subprocess.run(["pdftoppm", "-png", "-r", "200", str(one), str(tmp_path / "p")], check=True)
        png = next(tmp_path.glob("p*.png"))
        decoded = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True).stdout.decode().strip()
        assert decoded == forms_pdf.qr_payload(
            f"RW-{decoded.split('RW-')[1].split('|')[0]}", approved[1][1], "2026Q1", draw.record_hash
        )
        assert approved[1][1] in decoded and draw.record_hash in decoded
    rc, o, err = cli("forms", "notice", "--period", "2026Q1", "--uscc", "91140525MA0000001X", "--out", str(one))
    assert rc == 1 and "不在2026年第一季度的抽中名单中" in err
