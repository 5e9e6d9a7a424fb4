"""The rules commands: policy list/set/show/export/import, init --policy, quota --json, classify."""

from __future__ import annotations

import json

from factories import make_object

from app.services.foundation.context import Actor, acting_as
from app.services.rules import policies


def test_policy_list_needs_no_database(cli):
    rc, out, _err = cli("--json", "policy", "list")
    assert rc == 0
    assert [d["id"] for d in json.loads(out)] == policies.preset_ids()


def test_init_with_policy_then_show_export_import(cli, admin_cli, tmp_path):
    rc, out, err = cli(
        "--json",
        "init",
        "--office",
        "泽州县执法队",
        "--level",
        "county",
        "--password",
        "admin123",
        "--policy",
        "zezhou-2024",
    )
    assert rc == 0, err
    rc, out, _ = cli("--json", "policy", "show")
    shown = json.loads(out)
    assert rc == 0 and shown["policy"] == "zezhou-2024" and shown["rules"]["extra_pools"][0]["name"] == "核技术利用单位"
    rc, out, _ = cli("policy", "show")
    assert "原文：" in out and "取舍：" in out
    target = tmp_path / "rules.json"
    rc, _out, _ = cli("policy", "export", "--out", str(target))
    assert rc == 0 and json.loads(target.read_text(encoding="utf-8"))["id"] == "zezhou-2024"
    rc, out, _ = cli("--json", "policy", "set", "weihai")
    assert rc == 1  # changing the rules needs an account
    cli = admin_cli
    rc, out, _ = cli("--json", "policy", "set", "weihai")
    assert rc == 0 and json.loads(out)["policy"] == "weihai"
    rc, out, _ = cli("--json", "policy", "import", str(target))
    assert rc == 0 and json.loads(out)["policy"] == "zezhou-2024"
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"schema": "ssj-rules/1", "id": "x", "name": "x", "categories": [], "precedence": []}),
        encoding="utf-8",
    )
    rc, _out, err = cli("policy", "set", str(bad))
    assert rc == 1 and "categories" in err


def test_quota_json_and_classify_override(admin_cli, db, db_path):
    cli = admin_cli
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        policies.set_policy(s, "longyao-2026")
        for _ in range(50):
            make_object(s, permit_class="重点管理")
        obj = make_object(s, permit_class="登记管理")
        uscc = obj.uscc
        s.commit()
    rc, out, err = cli("--json", "quota", "--period", "2026Q1")
    assert rc == 0, err
    data = json.loads(out)
    assert data["period"] == "2026Q1" and data["policy"] == "longyao-2026"
    key = {
        "category": "重点监管对象",
        "stratum": "重点监管对象",
        "pool": 50,
        "ratio": "18%",
        "required": 9,
        "mode": "现场",
    }
    assert any(key.items() <= r.items() for r in data["rows"])  # the existing keys, with their values
    rc, _out, err = cli("quota", "--period", "2026Q5")
    assert rc == 1 and "期间" in err
    rc, out, err = cli("--json", "classify", uscc, "--category", "重点监管对象", "--reason", "挂牌督办后转重点")
    assert rc == 0, err
    assert json.loads(out)["category"] == "重点监管对象" and json.loads(out)["overridden"] is True
    rc, _out, err = cli("classify", uscc, "--category", "重点监管对象")
    assert rc == 1 and "理由" in err


def test_plan_and_task_commands(admin_cli, db, tmp_path):
    cli = admin_cli
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for _ in range(8):
            make_object(s, permit_class="重点管理", key_polluter=True, township="巴公镇")
        s.commit()
    rc, out, err = cli(
        "--json",
        "plan",
        "add",
        "--year",
        "2026",
        "--code",
        "2026001",
        "--name",
        "2026年度本部门计划",
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
        "--initiator",
        "执法大队",
    )
    assert rc == 0, err
    assert json.loads(out)["kind"] == "本部门"
    rc, _out, err = cli(
        "plan", "add", "--year", "2026", "--code", "X", "--name", "坏", "--start", "2026-05-01", "--end", "2026-04-01"
    )
    assert rc == 1 and "早于开始日期" in err
    rc, out, err = cli(
        "--json",
        "task",
        "add",
        "--plan",
        "2026001",
        "--code",
        "T1",
        "--name",
        "巴公镇重点排污单位",
        "--type",
        "定向",
        "--ratio",
        "25% 4次/年",
        "--scope",
        '{"township": ["巴公镇"]}',
    )
    assert rc == 0, err
    task_id = json.loads(out)["id"]
    rc, _out, err = cli(
        "task",
        "add",
        "--plan",
        "2026001",
        "--code",
        "T2",
        "--name",
        "空",
        "--type",
        "定向",
        "--scope",
        '{"township": ["无此镇"]}',
    )
    assert rc == 1 and "没有匹配的对象" in err
    rc, out, _ = cli("--json", "quota", "--period", "2026Q1", "--task", str(task_id))
    assert [(r["pool"], r["required"]) for r in json.loads(out)["rows"]] == [(8, 2)]
    rc, out, _ = cli("--json", "plan", "list", "--year", "2026")
    assert json.loads(out)[0]["tasks"] == 1
    rc, out, _ = cli("--json", "task", "list")
    assert json.loads(out)[0]["scope"] == {"township": ["巴公镇"]}
    rc, out, err = cli(
        "--json", "plan", "adjust", "2026001", "--reason", "延期", "--end", "2027-01-31", "--date", "2026-12-01"
    )
    assert rc == 0, err
    assert "2027-01-31" in json.loads(out)["description"]
    for ext in ("xlsx", "pdf"):
        target = tmp_path / f"plan.{ext}"
        rc, _out, err = cli("plan", "export", "--year", "2026", "--out", str(target))
        assert rc == 0 and target.stat().st_size > 1000, err
    rc, _out, err = cli("plan", "export", "--year", "2026", "--out", str(tmp_path / "plan.doc"))
    assert rc == 1 and ".xlsx" in err
