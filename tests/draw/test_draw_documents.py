"""抽取前公示单 and 抽取记录 PDFs: every field is there (pdftotext), the QR code carries the record hash."""

from __future__ import annotations

import shutil
import subprocess

from app.services.draw import documents as draw_pdf
from app.services.draw import draws
from tests.draw.test_draws import SEED, make_pool, strata_of


def _text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def _compact(text: str) -> str:
    return "".join(text.split())


def test_pre_draw_sheet_fields(session, tmp_path):
    make_pool(session)
    d = draws.start(session, "2026Q1", strata=strata_of()(session))
    pdf = tmp_path / "pre.pdf"
    draw_pdf.pre_draw_sheet(session, d.id, pdf)
    raw = _text(pdf)
    text = _compact(raw)
    for field in (
        "随机抽查抽取前公示单",
        "测试县生态环境保护综合行政执法大队",
        "2026年第一季度",
        "2026Q1",
        "不定向",
        "重点监管对象",
        "重点管理",
        "一般监管对象",
        "正面清单",
        "非现场",
        "25%",
        "应抽",
        "24",
        "执法人员6名",
        "专家1名",
        "抽取人",
        "见证人",
        "签名",
        "一致性哈希抽样",
        d.fingerprint,
    ):
        assert field in text, field
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "yes" in fonts.split("\n", 2)[2]  # embedded CJK font


def test_record_pdf_fields_and_qr(session, tmp_path):
    from sqlalchemy import select

    from app.models import Inspector

    objs = make_pool(session)
    from app.services.draw import algorithm as da

    officers = session.scalars(select(Inspector).where(Inspector.kind == "执法人员")).all()
    first = da.ticket_order(SEED + da.TEAM_SEED_SUFFIX, sorted(p.cert_no for p in officers))[:4]
    for p in officers:  # the first four in team order step aside (回避) for every object: skips are recorded
        if p.cert_no in first:
            p.avoid_usccs = [o.uscc for o in objs]
    draws.set_team_rules(session, {"cap_per_inspector": 10})
    d = draws.draw_now(session, "2026Q1", None, SEED, witnesses=["张见证", "李见证"], strata=strata_of()(session))
    rec = draws.record_of(d)
    victim = rec["strata"][0]["selected"][0]
    a = draws.replace_object(session, d.id, victim["uscc"], "无法联系")
    pdf = tmp_path / "rec.pdf"
    draw_pdf.record_pdf(session, d.id, pdf)
    text = _compact(_text(pdf))
    seed_spaced = " ".join(SEED[i : i + 5] for i in range(0, len(SEED), 5))
    for field in (
        "随机抽查抽取记录",
        "测试县生态环境保护综合行政执法大队",
        "2026年第一季度",
        "（不定向：全部对象库）",
        _compact(seed_spaced),
        rec["fingerprint"],
        rec["record_hash"],
        rec["previous_hash"],
        "一致性哈希抽样",
        "范围（家）",
        "应抽（家）",
        "实抽（家）",
        "现场检查",
        "非现场检查，单列",
        "替换与变更记录",
        "无法联系",
        a["replacement"]["uscc"],
        "张见证",
        "李见证",
        "见证人",
        "已抽取",
    ):
        assert field in text, field
    for s in rec["strata"]:
        for e in s["selected"]:
            assert e["uscc"] in text and e["ticket"] in text
            for m in e["team"]:
                assert m["name"] in text
    names = {p["id"]: p["name"] for p in rec["snapshot"]["people"]}
    skips = [(names[pid], why) for s in rec["strata"] for e in s["selected"] for pid, why in e["skips"]]
    assert skips and all(why == "回避" for _n, why in skips)
    if skips:
        assert "选派说明" in text and skips[0][0] in text and _compact(skips[0][1]) in text
    # the QR code on the page carries the record hash
    zbar = shutil.which("zbarimg")
    assert zbar
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page")], check=True)
    found = ""
    for png in sorted(tmp_path.glob("page*.png")):
        res = subprocess.run([zbar, "-q", "--raw", str(png)], capture_output=True, text=True)
        found += res.stdout
    assert rec["record_hash"] in found
