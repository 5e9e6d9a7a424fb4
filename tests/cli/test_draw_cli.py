"""`ssj draw …` and `ssj verify …` in-process, on a real database file."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from app.services.foundation.context import Actor, acting_as
from tests.factories import make_inspector, make_object, make_uscc


@pytest.fixture
def cli(admin_cli):
    """`ssj` runs as the administrator of the `db` fixture (--user admin), as a clerk would with an account."""
    return admin_cli


SEED = "27182818284590452353602874"
W = ("--witness", "张三", "--witness", "李四")


@pytest.fixture
def pooled(db):
    from app.services.rules import policies

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for i in range(40):
            make_object(
                s,
                uscc=make_uscc(900_000 + i),
                permit_class=["重点管理", "简化管理", "登记管理"][i % 3],
                key_polluter=i % 3 == 0,
                pollution_types=["废气"],
            )
        for j in range(6):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1407{j:04d}")
        s.commit()
    return db


def test_draw_json_record_and_verify(pooled, cli, tmp_path):
    rc, out, err = cli("--json", "draw", "--period", "2026Q1", "--seed", SEED, "--witness", "张三", "--witness", "李四")
    assert rc == 0, err
    rec = json.loads(out)
    for key in ("seed", "fingerprint", "algorithm", "period", "previous_hash", "record_hash", "strata", "snapshot"):
        assert key in rec
    assert rec["seed"] == SEED and rec["period"] == "2026Q1" and rec["witnesses"] == ["张三", "李四"]
    s0 = rec["strata"][0]
    assert {"category", "stratum", "pool", "required", "selected"} <= set(s0)
    e = s0["selected"][0]
    assert {"uscc", "ticket", "team"} <= set(e) and {"name", "cert"} <= set(e["team"][0])
    path = tmp_path / "rec.json"
    path.write_text(out, encoding="utf-8")
    rc, out2, err2 = cli("verify", str(path))
    assert rc == 0 and "校验通过" in out2
    rec["strata"][0]["selected"][0]["uscc"], rec["strata"][0]["selected"][1]["uscc"] = (
        rec["strata"][0]["selected"][1]["uscc"],
        rec["strata"][0]["selected"][0]["uscc"],
    )
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    rc, _out, err3 = cli("verify", str(path))
    assert rc == 1 and "第 1 个被抽中对象" in err3
    rc, out4, _ = cli("verify", "--chain")
    assert rc == 0 and "抽取记录链完整" in out4


def test_verify_needs_no_database(tmp_path, capsys):
    from app.cli import run

    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    assert run(["verify", str(bad)]) == 1
    assert "不是有效的 JSON" in capsys.readouterr().err
    assert run(["verify", str(tmp_path / "missing.json")]) == 1


def test_bad_seeds_and_usage(pooled, cli):
    rc, _, err = cli("draw", "--period", "2026Q1", "--seed", "1234", *W)
    assert rc == 1 and "至少需要 20 位" in err
    rc, _, err = cli("draw", "--period", "2026Q1", "--seed", "1234567890abcdefghij", *W)
    assert rc == 1 and "非数字" in err
    rc, _, err = cli("draw", "--period", "2026Q1", *W)
    assert rc == 1 and "缺少随机种子" in err
    with pytest.raises(SystemExit) as exc:
        cli("draw", "void")
    assert exc.value.code == 2
    rc, out, _ = cli("--json", "draw", "list")
    assert rc == 0 and json.loads(out) == []  # nothing stored by the refused draws


def test_void_replace_confirm_list_export(pooled, cli, tmp_path):
    rc, out, err = cli("--json", "draw", "--period", "2026Q1", "--generate-seed", *W)
    assert rc == 0, err
    rec = json.loads(out)
    assert rec["seed_source"] == "计算机生成" and len(rec["seed"]) == 24
    rc, _, err = cli("draw", "--period", "2026Q1", "--seed", SEED, *W)
    assert rc == 1 and "已有抽取 #1" in err
    with pytest.raises(SystemExit) as exc:
        cli("draw", "void", "1")
    assert exc.value.code == 2
    rc, out, err = cli("draw", "void", "1", "--reason", "演练")
    assert rc == 0 and "已作废" in out
    rc, out, err = cli("--json", "draw", "--period", "2026Q1", "--seed", SEED, *W)
    assert rc == 0, err
    rec = json.loads(out)
    assert rec["chain_seq"] == 2
    victim = rec["strata"][0]["selected"][0]["uscc"]
    rc, out, err = cli("--json", "draw", "replace", "2", "--uscc", victim, "--reason", "迁出")
    assert rc == 0, err
    rec2 = json.loads(out)
    assert rec2["amendments"][0]["kind"] == "对象替换" and rec2["record_hash"] == rec["record_hash"]
    rc, out, err = cli("draw", "confirm", "2")
    assert rc == 0 and "已确认" in out
    rc, out, err = cli("--json", "draw", "list")
    rows = json.loads(out)
    assert [(r["id"], r["state"]) for r in rows] == [(1, "已作废"), (2, "已确认")]
    rc, out, err = cli("--json", "draw", "export", "2", "--out", str(tmp_path / "exp"))
    assert rc == 0, err
    files = json.loads(out)
    python = shutil.which("python3")
    res = subprocess.run([python, "-I", files["verifier"], files["json"]], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    rc, out, _ = cli("verify", files["json"])
    assert rc == 0
    rc, out, _ = cli("verify", "--chain")
    assert rc == 0 and "共 2 条" in out


def test_refused_attempt_burns_the_seed(db, cli):
    from app.services.draw import draws
    from app.services.rules import policies

    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        policies.set_policy(s, "zezhou-2024")
        for i in range(40):
            make_object(
                s, uscc=make_uscc(950_000 + i), permit_class="重点管理", key_polluter=True, pollution_types=["危废"]
            )
        everyone = [make_uscc(950_000 + i) for i in range(40)]
        for j in range(6):  # three of six step aside (回避) for every object: each object still has three
            make_inspector(s, name=f"执法员{j}", cert_no=f"1410{j:04d}", avoid_usccs=everyone if j < 3 else [])
        draws.set_team_rules(s, {"cap_per_inspector": 4})  # 3 officers × 4 objects < 10 objects × 2: too few
        s.commit()
    rc, _, err = cli("draw", "--period", "2026Q1", "--seed", SEED, *W)
    assert rc == 1 and "无法组成有效检查组" in err and "执法人员不足" in err
    rc, out, _ = cli("--json", "draw", "list")
    assert json.loads(out) == []  # nothing of the draw stored
    rc, out, _ = cli("--json", "audit", "list", "--entity", "draw")
    assert any(r["action"] == "抽取未成功" and SEED in r["summary"] for r in json.loads(out))
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        draws.set_team_rules(s, {"cap_per_inspector": 10})  # three officers, ten objects each: enough now
        s.commit()
    rc, _, err = cli("draw", "--period", "2026Q1", "--seed", SEED, *W)
    assert rc == 1 and "未成功的抽取" in err
    rc, _, err = cli("draw", "--period", "2026Q1", "--seed", SEED + "1", *W)
    assert rc == 0, err
