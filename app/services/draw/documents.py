"""抽取前公示单 and 抽取记录 as PDF (reportlab, embedded CJK font, QR code with the fingerprint / record hash)."""

from __future__ import annotations

import json
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.draw import DrawSelection
from app.models.vocabulary import DrawState
from app.services.draw import selection
from app.services.draw.draws import chain_heads, copy_verifier, export_record, get_draw, record_of, snapshot_of
from app.services.foundation import audit, listings
from app.services.foundation.errors import UserError
from app.services.foundation.files import atomic_path
from app.services.foundation.pdf import FONT, FONT_BOLD, build_pdf, esc, qr_flowable, styles
from app.services.foundation.periods import parse_period
from app.services.foundation.timefmt import local_text

_MARGINS = dict(leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=20 * mm)
_WIDTH = 210 * mm - 36 * mm


def _qr(text: str, size: float = 32 * mm):
    return qr_flowable(text, size)


def _st():
    st = styles()
    st["big"] = ParagraphStyle(
        "big",
        parent=st["body"],
        fontName=FONT_BOLD,
        fontSize=26,
        leading=34,
        alignment=1,
        spaceBefore=2 * mm,
        spaceAfter=2 * mm,
    )
    st["hash"] = ParagraphStyle(
        "hash", parent=st["body"], fontName="Courier-Bold", fontSize=18, leading=24, alignment=1
    )
    st["hash_small"] = ParagraphStyle("hash_small", parent=st["body"], fontName="Courier", fontSize=8.5, leading=11)
    st["mono"] = ParagraphStyle("mono", parent=st["body"], fontName="Courier", fontSize=8, leading=10)
    st["label"] = ParagraphStyle("label", parent=st["body"], fontSize=10, leading=14)
    return st


def _grid(rows, widths, *, header=True, font_size=9) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD)]
    t.setStyle(TableStyle(style))
    return t


def _p(text, st):
    return Paragraph(esc(text), st)


def _grouped(h: str, n: int = 16) -> str:
    return " ".join(h[i : i + n] for i in range(0, len(h), n))


def _task_text(task) -> str:
    if not task:
        return "（不定向：全部对象库）"
    return f"{task.get('code', '')} {task.get('name', '')}（{task.get('draw_type', '')}）"


def _signatures(st, names: list[str], roles: list[str]) -> Table:
    rows = [[_p("签字人", st["cell"]), _p("身份", st["cell"]), _p("签名", st["cell"]), _p("日期", st["cell"])]]
    for i, role in enumerate(roles):
        name = names[i] if i < len(names) else ""
        rows.append([_p(name, st["cell"]), _p(role, st["cell"]), "", ""])
    t = _grid(rows, [40 * mm, 40 * mm, 60 * mm, 34 * mm])
    t.setStyle(
        TableStyle(
            [
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
                ("TOPPADDING", (0, 1), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 9),
            ]
        )
    )
    return t


def _rules_text(rules: dict) -> str:
    parts = [
        f"每组至少 {rules.get('officers_per_team', 2)} 名持执法证执法人员",
        "业务专长优先匹配" if rules.get("match_expertise", True) else "不匹配专长",
        "回避" if rules.get("avoidance", True) else "不适用回避",
        "异地交叉执法" if rules.get("cross_region") else "不要求异地交叉",
        _cap_text(rules.get("cap_per_inspector")),
        _expert_text(rules),
    ]
    return "；".join(parts) + "。"


def _cap_text(cap) -> str:
    if cap:
        return f"每人至多参加 {cap} 个检查组"
    return "每人参加的检查组数均衡分配（至多比平均数多 1 个）"


# the method's plain name and the document that specifies it, by algorithm version (docs/draw-algorithm.md)
METHOD_NAME = "一致性哈希抽样（SHA-256 签号排序）"
METHOD_DOCUMENT = "《随机抽取算法说明》"


def algorithm_text(algorithm: str) -> str:
    """“一致性哈希抽样（SHA-256 签号排序），依据《随机抽取算法说明》第 2 版” for "ssj-draw/2 (…)"."""
    import re

    m = re.match(r"ssj-draw/(\d+)", algorithm or "")
    edition = f"第 {m.group(1)} 版" if m else "现行版"
    return f"{METHOD_NAME}，依据{METHOD_DOCUMENT}{edition}"


def _policy_text(session: Session, policy_id: str | None) -> str:
    """The rules by the name the office knows them by (a preset's title, or the imported rules' name)."""
    from app.services.rules import policies

    if not policy_id:
        return "—"
    names = policies.preset_names()
    if policy_id in names:
        return names[policy_id]
    try:
        active = policies.active_rules(session)
    except UserError:  # no rules set: the id is all there is, but never shown raw
        active = {}
    if active.get("id") == policy_id and active.get("name"):
        return active["name"]
    return "本单位监管规则"


def _expert_text(rules: dict) -> str:
    types = "/".join(rules.get("expert_for") or [])
    if not types:
        return "不配专家"
    if rules.get("expert_required"):
        return f"{types}对象须配专家（无可用专家的对象单列为未配齐，不影响其他对象）"
    return f"{types}对象有可用专家时配专家"


def _frequency_exclusions(d, st) -> list:
    """涉企检查频次: the objects the office excluded at freezing and why (nothing when there were none)."""
    if not d.exclusions:
        return []
    rows = [["统一社会信用代码", "单位名称", "分层", "剔除原因"]]
    for e in d.exclusions:
        rows.append([e["uscc"], _p(e["name"], st["cell"]), _p(e["stratum"], st["cell"]), _p(e["reason"], st["cell"])])
    return [
        Spacer(1, 2 * mm),
        _p(f"按涉企检查频次剔除的对象（{len(d.exclusions)} 家）", st["body"]),
        _p(
            "以下对象本年度受检次数已达到本单位规定的检查频次上限，经本单位决定不参加本次抽取。"
            "剔除只决定抽谁，各分层应抽数不变（按剔除前的对象总数计算），剩余对象不足时全部抽取。",
            st["small"],
        ),
        _grid(rows, [44 * mm, 46 * mm, 28 * mm, 56 * mm], font_size=8),
    ]


def pre_draw_sheet(session: Session, draw_id: int, path) -> str:
    """抽取前公示单: the frozen pool per stratum and its fingerprint, printed before the seed exists."""
    d = get_draw(session, draw_id)
    if not d.fingerprint:
        from app.services.foundation.errors import UserError

        raise UserError(f"抽取 #{d.id} 尚未冻结，没有可公示的指纹。请先冻结。")
    snap = snapshot_of(d)
    st = _st()
    story = [_p("随机抽查抽取前公示单", st["title"]), _p(f"{snap['office']}", st["subtitle"])]
    period = parse_period(d.period)
    info = [
        [
            _p("抽取编号", st["cell"]),
            _p(f"#{d.id}", st["cell"]),
            _p("期间", st["cell"]),
            _p(f"{period.label}（{d.period}）", st["cell"]),
        ],
        [
            _p("抽查任务", st["cell"]),
            _p(_task_text(snap.get("task")), st["cell"]),
            _p("冻结时间", st["cell"]),
            _p(local_text(d.frozen_at, offset=True), st["cell"]),
        ],
        [
            _p("规则", st["cell"]),
            _p(_policy_text(session, snap.get("policy_id")), st["cell"]),
            _p("抽取方法", st["cell"]),
            _p(algorithm_text(d.algorithm), st["cell"]),
        ],
    ]
    story += [_grid(info, [22 * mm, 70 * mm, 22 * mm, 60 * mm], header=False), Spacer(1, 4 * mm)]
    story.append(_p("一、抽取范围（冻结的对象库，已按规则排除）", st["h2"]))
    rows = [["抽查类别", "分层", "检查方式", "比例", "范围（家）", "应抽（家）"]]
    for s in snap["strata"]:
        rows.append(
            [
                _p(s["category"], st["cell"]),
                _p(s["stratum"], st["cell"]),
                s["mode"],
                s["ratio"],
                str(len(s["objects"])),
                str(s["required"]),
            ]
        )
    rows.append(
        [
            "合计",
            "",
            "",
            "",
            str(sum(len(s["objects"]) for s in snap["strata"])),
            str(sum(s["required"] for s in snap["strata"])),
        ]
    )
    story.append(_grid(rows, [38 * mm, 38 * mm, 22 * mm, 22 * mm, 27 * mm, 27 * mm]))
    story += _frequency_exclusions(d, st)
    officers = sum(1 for p in snap["people"] if p["kind"] == "执法人员")
    experts = sum(1 for p in snap["people"] if p["kind"] == "专家")
    story.append(_p("二、检查人员", st["h2"]))
    story.append(
        _p(f"在岗持证执法人员 {officers} 名，专家 {experts} 名。选派规则：{_rules_text(snap['rules'])}", st["body"])
    )
    story.append(_p("三、对象快照指纹（SHA-256）", st["h2"]))
    story.append(
        _p(
            "本指纹在产生随机种子之前公示。抽取后任何人可用导出的抽取记录和校验程序重新计算，核对对象范围未被改动。",
            st["small"],
        )
    )
    fp_table = Table(
        [[Paragraph(_grouped(d.fingerprint, 16).replace(" ", "<br/>"), st["hash"]), _qr(d.fingerprint, 34 * mm)]],
        colWidths=[120 * mm, 50 * mm],
    )
    fp_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOX", (0, 0), (0, 0), 1.2, colors.black)]))
    story += [Spacer(1, 2 * mm), fp_table, Spacer(1, 4 * mm)]
    # the heading travels with its table: never alone at a page foot
    story.append(
        KeepTogether([_p("四、签字", st["h2"]), _signatures(st, [], ["抽取人", "见证人", "见证人", "见证人"])])
    )
    build_pdf(path, story, title="随机抽查抽取前公示单", **_MARGINS)
    return str(path)


def record_pdf(session: Session, draw_id: int, path) -> str:
    """抽取记录: seed (large), fingerprint, algorithm, per stratum pool/required/drawn, list with tickets and
    teams (非现场 apart), replacements, state, witnesses' signature lines and a QR code with the record hash."""
    d = get_draw(session, draw_id)
    rec = record_of(d)
    st = _st()
    period = parse_period(rec["period"])
    story = [_p("随机抽查抽取记录", st["title"]), _p(rec["office"], st["subtitle"])]
    info = [
        [
            _p("抽取编号", st["cell"]),
            _p(f"#{rec['draw_id']}（链序号 {rec['chain_seq']}）", st["cell"]),
            _p("期间", st["cell"]),
            _p(f"{period.label}（{rec['period']}）", st["cell"]),
        ],
        [
            _p("抽查任务", st["cell"]),
            _p(_task_text(rec.get("task")), st["cell"]),
            _p("状态", st["cell"]),
            _p(d.state + (f"：{d.void_reason}" if d.state == DrawState.VOIDED else ""), st["cell"]),
        ],
        [
            _p("冻结时间", st["cell"]),
            _p(local_text(rec["frozen_at"], seconds=True, offset=True), st["cell"]),
            _p("抽取时间", st["cell"]),
            _p(local_text(rec["drawn_at"], seconds=True, offset=True), st["cell"]),
        ],
        [
            _p("抽取方法", st["cell"]),
            _p(algorithm_text(rec["algorithm"]), st["cell"]),
            _p("种子来源", st["cell"]),
            _p(rec["seed_source"], st["cell"]),
        ],
    ]
    story += [_grid(info, [22 * mm, 70 * mm, 22 * mm, 60 * mm], header=False), Spacer(1, 2 * mm)]
    story.append(_p("随机种子", st["h2"]))
    seed_box = Table(
        [[_p(" ".join(rec["seed"][i : i + 5] for i in range(0, len(rec["seed"]), 5)), st["big"])]], colWidths=[_WIDTH]
    )
    seed_box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, colors.black)]))
    story.append(seed_box)
    hashes = [
        [_p("对象快照指纹", st["cell"]), _p(rec["fingerprint"], st["hash_small"])],
        [_p("前一记录哈希", st["cell"]), _p(rec["previous_hash"], st["hash_small"])],
        [_p("本记录哈希", st["cell"]), _p(rec["record_hash"], st["hash_small"])],
        [_p("链头（生成时）", st["cell"]), _p(chain_heads(session)["text"].split("：", 1)[1], st["cell"])],
    ]
    story += [Spacer(1, 2 * mm), _grid(hashes, [30 * mm, 144 * mm], header=False)]

    story.append(_p("一、各分层抽取情况", st["h2"]))
    rows = [["抽查类别", "分层", "检查方式", "比例", "范围（家）", "应抽（家）", "实抽（家）"]]
    for s in rec["strata"]:
        rows.append(
            [
                _p(s["category"], st["cell"]),
                _p(s["stratum"], st["cell"]),
                s["mode"],
                s["ratio"],
                str(s["pool"]),
                str(s["required"]),
                str(len(s["selected"])),
            ]
        )
    story.append(_grid(rows, [34 * mm, 34 * mm, 20 * mm, 20 * mm, 22 * mm, 22 * mm, 22 * mm]))

    # a stratum checked both ways (现场/非现场) lists each object under its own mode (as stored per selection)
    mode_of = dict(
        session.execute(select(DrawSelection.uscc, DrawSelection.mode).where(DrawSelection.draw_id == d.id)).all()
    )

    # the drawn objects as the shared domain step reads them (draw.selection); replacements have their own table
    drawn = [r for r in selection.selection_rows(rec) if not r.replacement]

    def part(offsite_wanted: bool) -> list[selection.SelectedRow]:
        return [r for r in drawn if (mode_of.get(r.uscc, r.mode) == selection.OFFSITE) == offsite_wanted]

    onsite, offsite = part(False), part(True)
    names_of = listings.display_names(session)

    def when_who(a: dict, sep: str = " ") -> str:
        """When and by whom, as people read it: local time, the person's name (never the login name)."""
        return f"{local_text(a.get('at'), seconds=True)}{sep}{listings.person_text(names_of, a.get('by'))}"

    story.append(_p("二、抽中对象及检查组（现场检查）", st["h2"]))
    story.append(_selection_table(onsite, st))
    if offsite:
        story.append(_p("三、抽中对象（非现场检查，单列）", st["h2"]))
        story.append(_selection_table(offsite, st))
    amendments = rec.get("amendments", [])
    swaps = [a for a in amendments if a["kind"] == "对象替换"]
    members = [a for a in amendments if a["kind"] == "人员替换"]
    story.append(_p(("四" if offsite else "三") + "、替换与变更记录", st["h2"]))
    if not amendments:
        story.append(_p("无。", st["body"]))
    if swaps:
        rows = [["被替换对象", "原因", "替补（同层下一签）", "签号", "检查组", "时间 / 操作人"]]
        for a in swaps:
            r = a["replacement"]
            rows.append(
                [
                    _p(a["uscc"], st["mono"]),
                    _p(a["reason"], st["cell"]),
                    Paragraph(
                        f"第 {r['rank']} 签 {esc(r['name'])}<br/><font name='Courier' size='8'>{esc(r['uscc'])}</font>",
                        st["cell"],
                    ),
                    _p(r["ticket"], st["mono"]),
                    _p(_team_text(r["team"]), st["cell"]),
                    _p(when_who(a), st["cell"]),
                ]
            )
        story.append(_grid(rows, [34 * mm, 18 * mm, 42 * mm, 22 * mm, 30 * mm, 28 * mm]))
    if members:
        rows = [["对象", "原人员", "新人员", "原因", "批准人", "时间 / 操作人"]]
        for a in members:
            rows.append(
                [
                    _p(a["uscc"], st["cell"]),
                    _p(a["old"]["name"], st["cell"]),
                    _p(a["new"]["name"], st["cell"]),
                    _p(a["reason"], st["cell"]),
                    _p(a["approver"], st["cell"]),
                    _p(when_who(a), st["cell"]),
                ]
            )
        story.append(_grid(rows, [34 * mm, 24 * mm, 24 * mm, 36 * mm, 24 * mm, 32 * mm]))
    for a in amendments:
        if a["kind"] in ("确认", "作废"):
            story.append(
                _p(
                    f"{a['kind']}：{when_who(a, '，')}" + (f"，原因：{a['reason']}" if a.get("reason") else ""),
                    st["body"],
                )
            )

    missing = [[u["uscc"], u["name"], u["reason"]] for u in rec.get("unassigned") or []]
    missing += [
        [a["replacement"]["uscc"], a["replacement"]["name"], a["replacement"]["unassigned"]]
        for a in amendments
        if a["kind"] == "对象替换" and a["replacement"].get("unassigned")
    ]
    if missing:  # only objects lacking the expert the office asked for: they keep their officers
        story.append(_p("未配齐检查组：以下对象已安排执法人员，但未能按本单位规则配备专家", st["h2"]))
        rows = [["统一社会信用代码", "单位", "原因"]]
        rows += [[_p(u, st["mono"]), _p(n, st["cell"]), _p(why, st["cell"])] for u, n, why in missing]
        story.append(_grid(rows, [40 * mm, 54 * mm, 80 * mm]))

    names = {p["id"]: p["name"] for p in rec["snapshot"]["people"]}
    skip_rows = [["对象", "跳过的人员", "原因"]]
    for s in rec["strata"]:
        for e in s["selected"]:
            for pid, why in e.get("skips", []):
                skip_rows.append([_p(e["uscc"], st["mono"]), _p(names.get(pid, pid), st["cell"]), _p(why, st["cell"])])
    if len(skip_rows) > 1:
        story.append(_p("选派说明：按人员签序跳过的人员及原因", st["h2"]))
        story.append(_grid(skip_rows, [40 * mm, 40 * mm, 94 * mm]))

    signing = [_p("见证与签字", st["h2"])]  # kept with the signature table, never alone at a page foot
    if rec.get("no_witness_reason"):
        signing.append(_p(f"无见证人（不足两名）的原因：{rec['no_witness_reason']}", st["body"]))
    witnesses = list(rec.get("witnesses") or [])
    roles = ["抽取人"] + ["见证人"] * max(3, len(witnesses))
    drawn_by = listings.person_text(names_of, rec.get("drawn_by")) if rec.get("drawn_by") else ""
    sig = _signatures(st, [drawn_by] + witnesses, roles)
    qr = Table(
        [
            [
                _qr(rec["record_hash"], 32 * mm),
                _p(
                    "扫码得本记录哈希。任何人可用导出的抽取记录（JSON）和随附的 ssj_verify.py（仅需 Python 标准库）"
                    "重新计算抽取结果：python ssj_verify.py 抽取记录.json",
                    st["small"],
                ),
            ]
        ],
        colWidths=[40 * mm, 134 * mm],
    )
    qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(KeepTogether([*signing, sig, Spacer(1, 3 * mm), qr]))
    build_pdf(path, story, title="随机抽查抽取记录", **_MARGINS)
    return str(path)


def _team_text(team) -> str:
    return "\n".join(m["name"] + ("（专家）" if m["role"] == "专家" else f" {m['cert']}") for m in team)


def _selection_table(drawn: list[selection.SelectedRow], st) -> Table:
    """签序, 签号, name (with 已替换 and why), code, stratum and the team as drawn (人员替换 are listed apart)."""
    rows = [["签序", "签号", "单位名称", "统一社会信用代码", "分层", "检查组"]]
    for r in drawn:
        rows.append(
            [
                str(r.rank),
                _p(r.ticket, st["mono"]),
                _p(r.name + ("" if r.current else f"（已替换：{r.reason}）"), st["cell"]),
                _p(r.uscc, st["mono"]),
                _p(r.stratum, st["cell"]),
                _p(_team_text(r.entry["team"]), st["cell"]),
            ]
        )
    if len(rows) == 1:
        rows.append(["", "", "无", "", "", ""])
    return _grid(rows, [10 * mm, 21 * mm, 41 * mm, 33 * mm, 22 * mm, 47 * mm])


def record_json_text(session: Session, draw_id: int) -> str:
    return json.dumps(record_of(get_draw(session, draw_id)), ensure_ascii=False, indent=1)


def export(session: Session, draw_id: int, out_dir) -> dict:
    """Write 抽取记录-<id>.json, its PDF (or the 抽取前公示单 for a frozen draw) and ssj_verify.py into out_dir."""
    d = get_draw(session, draw_id)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"无法创建导出文件夹 {out}：{exc.strerror or exc}") from exc
    files: dict[str, str] = {}
    if d.state == DrawState.FROZEN or (d.state == DrawState.VOIDED and not d.record):
        pdf = out / f"抽取前公示单-{d.id}.pdf"
        pre_draw_sheet(session, d.id, pdf)
        files["pre_draw_pdf"] = str(pdf)
        return files
    record = export_record(d)
    path = out / f"抽取记录-{d.id}.json"
    with atomic_path(path, ".json") as tmp:
        Path(tmp).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    files["json"] = str(path)
    pdf = out / f"抽取记录-{d.id}.pdf"
    record_pdf(session, d.id, pdf)
    files["pdf"] = str(pdf)
    files["verifier"] = str(copy_verifier(out))
    audit.record(session, "导出", "draw", d.id, summary=f"导出抽取记录到 {out}")
    return files
