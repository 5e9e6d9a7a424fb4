"""Every `ssj` command, discovered from the argparse tree, against one permission table.

On a demo county with a quarter under way (a confirmed draw, outcomes entered and approved), each leaf
command runs on its own copy of the database:

* without `--user` (the operating-system user, no role): a read-only command works and changes nothing; a
  data-changing command is refused with the Chinese permission message and changes nothing;
* as an account whose role lacks the action: refused, nothing changed;
* as an account whose role holds it: it works.

A command that is not in COMMANDS below fails the test: whoever adds a command says which action it is.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import build_parser, run
from app.services.foundation.permissions import ACTIONS, ADMIN, MAINTENANCE
from tests.conftest import TEST_KEY_PASSPHRASE

PERIOD = "2026Q4"
DEMO_PASSWORD = "demo1234"
ACCOUNT_OF_ROLE = {"管理员": ("admin", "admin123"), "录入员": ("luru", DEMO_PASSWORD)}
ACCOUNT_OF_ROLE |= {"审核员": ("shenhe", DEMO_PASSWORD), "领导": ("lingdao", DEMO_PASSWORD)}
# Tables whose rows change by logging in or by the audit log itself: not "data" for this test.
IGNORED = {"audit_entry", "audit_head"}
LOGIN_COLUMNS = {"failed_attempts", "locked_until", "last_login_at"}


def ssj(db: Path, argv: list[str], user: str | None = None, password: str | None = None, env: dict | None = None):
    """Run `ssj` in-process; returns (rc, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in ("SSJ_PASSWORD", "SSJ_NEW_PASSWORD", *(env or {}))}
    os.environ.pop("SSJ_PASSWORD", None)
    os.environ.pop("SSJ_NEW_PASSWORD", None)
    if user:
        os.environ["SSJ_PASSWORD"] = password or ""
    os.environ.update(env or {})
    prefix = ["--db", str(db)] + (["--user", user] if user else [])
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = run(prefix + argv)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return rc, out.getvalue(), err.getvalue()


def as_role(db: Path, role: str, argv: list[str], env: dict | None = None):
    user, password = ACCOUNT_OF_ROLE[role]
    return ssj(db, argv, user, password, env)


def snapshot(db: Path) -> dict:
    """Every row of every data table (login bookkeeping and the audit log left out)."""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        data = {}
        for t in tables:
            if t in IGNORED or t.startswith("sqlite_"):
                continue
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            keep = [c for c in cols if not (t == "user_account" and c in LOGIN_COLUMNS)]
            sel = ", ".join(f'"{c}"' for c in keep)
            data[t] = sorted(map(repr, con.execute(f'SELECT {sel} FROM "{t}"')))
        return data
    finally:
        con.close()


def leaf_commands() -> list[str]:
    found = []

    def walk(parser, path):
        if parser.get_default("func") is not None:
            found.append(" ".join(path))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])

    walk(build_parser(), [])
    return found


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    """A demo county in the middle of 2026Q4, plus the files the commands need, built through the CLI."""
    root = tmp_path_factory.mktemp("quarter")
    old_data_dir = os.environ.get("SSJ_DATA_DIR")
    old_key = os.environ.get("SSJ_KEY_PASSPHRASE")
    os.environ["SSJ_DATA_DIR"] = str(root / "data")
    os.environ["SSJ_KEY_PASSPHRASE"] = TEST_KEY_PASSPHRASE  # the demo's key is encrypted with it
    db = root / "county.sqlite3"
    files = {"root": root}

    def ok(result):
        rc, out, err = result
        assert rc == 0, err
        return out

    try:
        ok(ssj(db, ["demo", "--objects", "150"]))
        rec = json.loads(
            ok(
                as_role(
                    db,
                    "录入员",
                    ["--json", "draw", "--period", PERIOD, "--generate-seed", "--witness", "甲", "--witness", "乙"],
                )
            )
        )
        ok(as_role(db, "审核员", ["draw", "confirm", str(rec["draw_id"])]))
        sheet = root / "录入表.xlsx"
        ok(as_role(db, "录入员", ["outcomes", "template", "--period", PERIOD, "--out", str(sheet)]))
        good = {"检查日期": date.today(), "检查方式": "现场检查", "检查结果": "未发现问题"}
        _fill(sheet, {1: good, 2: good})
        ok(as_role(db, "录入员", ["outcomes", "import", str(sheet)]))
        ok(as_role(db, "审核员", ["outcomes", "approve", "--period", PERIOD]))
        _fill(sheet, {3: good})
        ok(as_role(db, "录入员", ["outcomes", "import", str(sheet)]))
        files["sheet"] = sheet
        files["selected"] = [e["uscc"] for s in rec["strata"] for e in s["selected"]]
        last = [e for s in rec["strata"] for e in s["selected"]][-1]
        files["member"] = last["team"][0]["name"]
        files["entered"] = load_workbook(sheet)["检查结果录入表"].cell(row=2, column=3).value
        files["draw_id"] = str(rec["draw_id"])
        backups = root / "backups"
        files["backup"] = Path(json.loads(ok(ssj(db, ["--json", "backup", "--out", str(backups)])))["file"])
        exported = json.loads(ok(ssj(db, ["--json", "draw", "export", files["draw_id"], "--out", str(root / "rec")])))
        files["record"] = next(v for v in exported.values() if str(v).endswith(".json"))
        ok(ssj(db, ["policy", "export", "--out", str(root / "rules.json")]))
        ok(ssj(db, ["key", "export", "--out", str(root / "county.pem")]))
        ok(ssj(db, ["export", "objects", "--out", str(root / "objects.xlsx")]))
        (root / "holidays.txt").write_text("2027年元旦：1月1日放假，共1天。\n", encoding="utf-8")
        (root / "checks.csv").write_text(
            "统一社会信用代码,企业名称,检查机关,检查日期,检查事项,检查方式\n"
            f"{files['selected'][0]},,县市场监督管理局,2026-11-20,特种设备安全检查,现场检查\n",
            encoding="utf-8",
        )
        pkg_dir = root / "package"
        pkg_dir.mkdir()
        ok(as_role(db, "领导", ["package", "export", "--period", PERIOD, "--out", str(pkg_dir)]))
        files["package"] = next(pkg_dir.iterdir())
        files["db"] = db
        yield files
    finally:
        if old_data_dir is None:
            os.environ.pop("SSJ_DATA_DIR", None)
        else:
            os.environ["SSJ_DATA_DIR"] = old_data_dir
        if old_key is None:
            os.environ.pop("SSJ_KEY_PASSPHRASE", None)
        else:
            os.environ["SSJ_KEY_PASSPHRASE"] = old_key


def _fill(path, rows: dict[int, dict]):
    wb = load_workbook(path)
    ws = wb["检查结果录入表"]
    header = [c.value for c in ws[1]]
    for i, values in rows.items():
        for col, v in values.items():
            ws.cell(row=i + 1, column=header.index(col) + 1, value=v)
    wb.save(path)


# command → (action or None for read-only, argv builder). The builder gets the quarter's files and a fresh
# output folder. Variants of one command (an option that changes data) are listed as "command +variant".
COMMANDS: dict[str, tuple[str | None, object]] = {
    "account unlock": ("accounts.recover", lambda f, o: ["account", "unlock", "lingdao"]),
    "account reset-password": (
        "accounts.recover",
        lambda f, o: ["account", "reset-password", "lingdao", "--password", "tmp-pass-1"],
    ),
    "account passwd": ("own-password", lambda f, o: ["account", "passwd"]),
    "account deactivate": ("accounts", lambda f, o: ["account", "deactivate", "luru"]),
    "account activate": ("accounts", lambda f, o: ["account", "activate", "luru"]),
    "account role": ("accounts", lambda f, o: ["account", "role", "luru", "审核员"]),
    "backup": (None, lambda f, o: ["backup", "--out", str(o)]),
    "backup +keep": ("settings", lambda f, o: ["backup", "--out", str(o), "--keep", "5"]),
    "restore": ("restore", lambda f, o: ["restore", str(f["backup"])]),
    "backup-list": (None, lambda f, o: ["backup-list", "--dir", str(f["root"] / "backups")]),
    "init": ("setup", lambda f, o: ["init", "--office", "另一个县", "--level", "county", "--password", "secret12"]),
    "audit verify": (None, lambda f, o: ["audit", "verify"]),
    "audit list": (None, lambda f, o: ["audit", "list"]),
    "user add": ("accounts", lambda f, o: ["user", "add", "zhang", "--role", "录入员", "--password", "start-123"]),
    "user list": (None, lambda f, o: ["user", "list"]),
    "draw": (
        "draw.run",
        lambda f, o: ["draw", "--period", "2026Q3", "--generate-seed", "--witness", "甲", "--witness", "乙"],
    ),
    "draw void": ("draw.void", None),  # set up below: an unconfirmed draw
    "draw replace": (
        "draw.replace",
        lambda f, o: ["draw", "replace", f["draw_id"], "--uscc", f["selected"][-1], "--reason", "注销"],
    ),
    "draw replace-member": (
        "draw.replace",
        lambda f, o: [
            "draw",
            "replace-member",
            f["draw_id"],
            "--uscc",
            f["selected"][-1],
            "--person",
            f["member"],
            "--reason",
            "回避",
            "--approver",
            "王局长",
        ],
    ),
    "draw confirm": ("draw.confirm", None),  # set up below: needs an unconfirmed draw
    "draw list": (None, lambda f, o: ["draw", "list"]),
    "draw show": (None, lambda f, o: ["draw", "show", f["draw_id"]]),
    "draw freeze": ("draw.run", lambda f, o: ["draw", "freeze", "--period", "2026Q3"]),
    "draw export": (None, lambda f, o: ["draw", "export", f["draw_id"], "--out", str(o)]),
    "verify": (None, lambda f, o: ["verify", str(f["record"])]),
    "verify +chain": (None, lambda f, o: ["verify", "--chain"]),
    "workdays add": (None, lambda f, o: ["workdays", "add", "2026-09-25", "5"]),
    "holidays import": ("calendar.edit", lambda f, o: ["holidays", "import", str(f["root"] / "holidays.txt")]),
    "holidays list": (None, lambda f, o: ["holidays", "list"]),
    "holidays set": ("calendar.edit", lambda f, o: ["holidays", "set", "2027-01-01", "节假日", "--name", "元旦"]),
    "outcomes template": (None, lambda f, o: ["outcomes", "template", "--period", PERIOD, "--out", str(o / "t.xlsx")]),
    "outcomes import": ("outcomes.enter", None),  # set up below: a sheet with a changed row
    "outcomes import +dry-run": (None, lambda f, o: ["outcomes", "import", "--dry-run", str(f["sheet"])]),
    "outcomes approve": ("outcomes.approve", lambda f, o: ["outcomes", "approve", "--period", PERIOD]),
    "outcomes follow-up": (
        "outcomes.enter",
        lambda f, o: ["outcomes", "follow-up", "--period", PERIOD, "--uscc", f["entered"], "--transfer-to", "县公安局"],
    ),
    "outcomes phrases": (None, lambda f, o: ["outcomes", "phrases"]),
    "outcomes phrases +add": ("outcomes.phrases", lambda f, o: ["outcomes", "phrases", "--add", "台账记录不全"]),
    "outcomes list": (None, lambda f, o: ["outcomes", "list", "--period", PERIOD]),
    "publish": ("publish", lambda f, o: ["publish", "--period", PERIOD, "--out", str(o / "公示.xlsx")]),
    "forms notice": (
        "forms.notice",
        lambda f, o: ["forms", "notice", "--period", PERIOD, "--out", str(o / "通知书.pdf")],
    ),  # the first print gives each notice its 文号
    "forms number": (None, lambda f, o: ["forms", "number"]),
    "manual": (None, lambda f, o: ["manual", "--out", str(o / "使用手册.pdf")]),
    "forms number +prefix": ("settings", lambda f, o: ["forms", "number", "--prefix", "示环执通"]),
    "import": ("pools.import", lambda f, o: ["import", "objects", str(f["root"] / "objects.xlsx")]),
    "objects list": (None, lambda f, o: ["objects", "list"]),
    "objects set-status": (
        "pools.edit",
        lambda f, o: ["objects", "set-status", f["selected"][0], "停产", "--reason", "停产检修"],
    ),
    "objects tag": ("pools.edit", lambda f, o: ["objects", "tag", f["selected"][0], "--add", "信访"]),
    "objects history": (None, lambda f, o: ["objects", "history", f["selected"][0]]),
    "template": (None, lambda f, o: ["template", "objects", "--out", str(o / "模板.xlsx")]),
    "export": (None, lambda f, o: ["export", "objects", "--out", str(o / "对象.xlsx")]),
    "demo": ("setup", lambda f, o: ["demo", "--objects", "20"]),
    "policy list": (None, lambda f, o: ["policy", "list"]),
    "policy set": ("rules.edit", lambda f, o: ["policy", "set", "zezhou-2024"]),
    "policy show": (None, lambda f, o: ["policy", "show"]),
    "policy export": (None, lambda f, o: ["policy", "export", "--out", str(o / "rules.json")]),
    "policy import": ("rules.edit", lambda f, o: ["policy", "import", str(f["root"] / "rules.json")]),
    "quota": (None, lambda f, o: ["quota", "--period", PERIOD]),
    "classify": ("classify", None),  # set up below: a category name of the current rules
    "plan add": (
        "plans.edit",
        lambda f, o: ["plan", "add", "--year", "2027", "--code", "JH-2027-01", "--name", "2027年度双随机抽查计划"],
    ),
    "plan list": (None, lambda f, o: ["plan", "list"]),
    "plan export": (None, lambda f, o: ["plan", "export", "--year", "2026", "--out", str(o / "计划.xlsx")]),
    "plan adjust": ("plans.edit", None),  # set up below: an existing plan code
    "task add": ("plans.edit", None),
    "task list": (None, lambda f, o: ["task", "list"]),
    "stats": (None, lambda f, o: ["stats", "--period", PERIOD]),
    "report annual": (None, lambda f, o: ["report", "annual", "--year", "2026", "--out", str(o / "年报.pdf")]),
    "package export": ("packages.export", lambda f, o: ["package", "export", "--period", PERIOD, "--out", str(o)]),
    "package import": ("city.import", lambda f, o: ["package", "import", str(f["package"])]),
    "package verify": (None, lambda f, o: ["package", "verify", str(f["package"])]),
    "key export": (None, lambda f, o: ["key", "export", "--out", str(o / "key.pem")]),
    "key passphrase": ("settings", lambda f, o: ["key", "passphrase"]),
    "key replace": ("settings", lambda f, o: ["key", "replace", "--reason", "演练更换密钥"]),
    "package withdraw": (
        "city.import",
        lambda f, o: ["package", "withdraw", "--county", "示例县", "--period", PERIOD, "--reason", "误收"],
    ),
    "county register": (
        "city.import",
        lambda f, o: ["county", "register", "--key", str(f["root"] / "county.pem"), "--name", "示例县"],
    ),
    "county list": (None, lambda f, o: ["county", "list"]),
    "city stats": (None, lambda f, o: ["city", "stats", "--period", PERIOD]),
    "policy step": ("rules.edit", lambda f, o: ["policy", "step", "risk-高风险", "5%"]),
    "policy conflict": ("rules.edit", lambda f, o: ["policy", "conflict", "narrow"]),
    "checks import": ("checks.enter", lambda f, o: ["checks", "import", str(f["root"] / "checks.csv")]),
    "checks import +dry-run": (None, lambda f, o: ["checks", "import", "--dry-run", str(f["root"] / "checks.csv")]),
    "checks add": (
        "checks.enter",
        lambda f, o: ["checks", "add", f["selected"][0], "--by", "县市场监督管理局", "--date", "2026-11-20"],
    ),
    "frequency": (None, lambda f, o: ["frequency", "--year", "2026"]),
    "frequency +set-limit": (
        "rules.edit",
        lambda f, o: ["frequency", "--set-limit", "2", "--basis", "同一企业一年内现场检查原则上不超过 2 次"],
    ),
    "draw freeze +exclude-at-limit": (
        "draw.run",
        lambda f, o: ["draw", "freeze", "--period", "2026Q3", "--exclude-at-limit"],
    ),
    "merge list": (None, lambda f, o: ["merge", "list", "--period", PERIOD]),
    "merge accept": ("checks.merge", lambda f, o: ["merge", "accept", "--period", PERIOD, "--uscc", f["selected"][0]]),
    "merge refuse": (
        "checks.merge",
        lambda f, o: ["merge", "refuse", "--period", PERIOD, "--uscc", f["selected"][0], "--reason", "时间不同"],
    ),
    "merge result": (
        "outcomes.enter",
        lambda f, o: [
            "merge",
            "result",
            "--period",
            PERIOD,
            "--uscc",
            f["selected"][0],
            "--date",
            "2026-11-20",
            "--method",
            "现场检查",
            "--result",
            "未发现问题",
        ],
    ),
    "merge notice": (
        None,
        lambda f, o: ["merge", "notice", "--period", PERIOD, "--uscc", f["selected"][0], "--out", str(o / "n.pdf")],
    ),
}
# Data-changing commands whose permitted run still ends in a (non-permission) refusal on this database: what
# they need is tested elsewhere (init and demo only fill an empty database; the city commands need a city).
REFUSED_FOR_STATE = {
    "init": "已经初始化",
    "demo": "不能再生成演示数据",
    "package import": "市级",
    "county register": "市级",
    "package withdraw": "市级",
    "package verify": "未登记",  # read-only; only a city that registered the county's key can verify
    "policy conflict": "没有冲突条款",  # only 秦皇岛's rules have the clause; tested in tests/rules
    # the demo's quarter has no object drawn by two tasks; merging is tested in tests/outcomes/test_joint_visits.py
    "merge accept": "无需合并",
    "merge refuse": "无需合并",
    "merge notice": "没有合并检查的决定",
    "merge result": "没有合并检查的决定",
    "draw freeze +exclude-at-limit": "未设定检查频次上限",  # tested in tests/draw/test_frequency_freeze.py
}


def test_every_cli_command_is_in_the_permission_table():
    names = {c.split(" +")[0] for c in COMMANDS}
    missing = [c for c in leaf_commands() if c not in names]
    assert not missing, f"新命令未登记权限（在 COMMANDS 中说明它是只读还是哪个 action）：{missing}"
    for action, _ in COMMANDS.values():
        assert action is None or action in ACTIONS or action == "own-password"


def _argv(name: str, files: dict, out: Path) -> list[str]:
    action, build = COMMANDS[name]
    if build is not None:
        return build(files, out)
    db = files["db"]
    con = sqlite3.connect(db)
    try:
        if name in ("draw confirm", "draw void"):  # a second, unconfirmed draw of another quarter, on this copy
            rc, o, err = as_role(
                db,
                "录入员",
                ["--json", "draw", "--period", "2026Q3", "--generate-seed", "--witness", "甲", "--witness", "乙"],
            )
            assert rc == 0, err
            draw_id = str(json.loads(o)["draw_id"])
            return (
                ["draw", "confirm", draw_id]
                if name == "draw confirm"
                else ["draw", "void", draw_id, "--reason", "演练"]
            )
        if name == "outcomes import":
            sheet = out / "录入表.xlsx"
            shutil.copy(files["sheet"], sheet)
            _fill(sheet, {4: {"检查日期": date.today(), "检查方式": "现场检查", "检查结果": "未发现问题"}})
            return ["outcomes", "import", str(sheet)]
        if name == "classify":
            rules = json.loads((files["root"] / "rules.json").read_text(encoding="utf-8"))
            return [
                "classify",
                files["selected"][0],
                "--category",
                rules["categories"][0]["name"],
                "--reason",
                "现场核实",
            ]
        plan = con.execute("SELECT code FROM plan ORDER BY id LIMIT 1").fetchone()[0]
        if name == "plan adjust":
            return ["plan", "adjust", plan, "--reason", "上级部署专项行动"]
        if name == "task add":
            return ["task", "add", "--plan", plan, "--code", "RW-T-01", "--name", "专项检查任务"]
    finally:
        con.close()
    raise AssertionError(name)


def _refused(rc: int, err: str) -> bool:
    return rc == 1 and ("无权" in err or "须由有权限的账户" in err)


def _lacking_role(action: str) -> str:
    roles = ACTIONS[action][1]
    return next(r for r in ("录入员", "审核员", "领导") if r not in roles)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_obeys_the_permission_table(name, quarter, tmp_path, monkeypatch):
    monkeypatch.setenv("SSJ_NEW_KEY_PASSPHRASE", "new-key-passphrase-9")  # for `key passphrase`
    action, _ = COMMANDS[name]
    db = tmp_path / "copy.sqlite3"
    shutil.copy(quarter["db"], db)
    files = {**quarter, "db": db}
    out = tmp_path / "out"
    out.mkdir()
    argv = _argv(name, files, out)
    before = snapshot(db)

    rc, o, err = ssj(db, argv)  # no --user: the operating-system user without a role
    if action is None:
        if name in REFUSED_FOR_STATE:
            assert rc == 1 and REFUSED_FOR_STATE[name] in err and not _refused(rc, err), err
        else:
            assert rc == 0, f"只读命令 {name} 不带 --user 应能运行：{err}"
        assert snapshot(db) == before, f"只读命令 {name} 改动了数据"
        return
    if action == "own-password":
        assert rc == 1 and "--user" in err
        rc, o, err = ssj(db, argv, "luru", DEMO_PASSWORD, env={"SSJ_NEW_PASSWORD": "new-pass-9"})
        assert rc == 0, err
        assert ssj(db, ["user", "list"], "luru", "new-pass-9")[0] == 0
        return
    if MAINTENANCE in ACTIONS[action][1]:  # recovery: works without an account, as 本机维护
        assert rc == 0, err
        assert "本机维护" in o
    else:
        assert _refused(rc, err), f"{name} 不带 --user 应被拒绝：rc={rc} {err}"
        assert "--user" in err and "SSJ_PASSWORD" in err
        assert snapshot(db) == before, f"{name} 被拒绝后数据仍被改动"

    lacking = _lacking_role(action)
    rc, o, err = as_role(db, lacking, argv)
    if MAINTENANCE not in ACTIONS[action][1]:
        assert _refused(rc, err), f"{name} 以{lacking}身份应被拒绝：rc={rc} {err}"
        assert lacking in err
        assert snapshot(db) == before, f"{name} 以{lacking}身份被拒绝后数据仍被改动"
    else:
        assert _refused(rc, err), f"{name} 以{lacking}身份应被拒绝：rc={rc} {err}"

    allowed = next(r for r in ("录入员", "审核员", "领导", ADMIN) if r in ACTIONS[action][1])
    rc, o, err = as_role(db, allowed, argv)
    if name in REFUSED_FOR_STATE:
        assert rc == 1 and REFUSED_FOR_STATE[name] in err and not _refused(rc, err), err
    else:
        assert rc == 0, f"{name} 以{allowed}身份应能执行：{err}"
