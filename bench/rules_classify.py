"""Rules at scale: classification, quota and `objects list --json` on a large pool, with their memory.

Every figure is printed beside a baseline measured in the same run: the bare SELECT (SQLAlchemy Core, no ORM
objects) of the columns classification needs (`classification.POOL_COLUMNS`), and for `objects list` the
bare SELECT of every column. The commands run as real processes (`python -m app … --json`), so their time
includes start-up, and their peak memory (RSS) is read from the operating system.

    .venv/bin/python bench/rules_classify.py [N] [preset]      # default 100000 longyao-2026

Targets (issue 16): classification and quota ≤ 3 × the bare SELECT; `objects list --json` ≤ 3 × its bare
SELECT; every command ≤ 500 MB.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(folder: str, n: int, preset: str) -> str:
    os.environ["SSJ_DATA_DIR"] = folder
    from sqlalchemy import insert
    from stdnum.cn import uscc as uscc_mod

    from app.models import InspectionObject
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database
    from app.services.rules import policies

    url = f"sqlite:///{folder}/bench.sqlite3"
    db = open_database(url)
    rng = random.Random(7)
    rows = []
    for i in range(n):
        body = "91140525" + f"MA{i:07d}"
        rows.append(
            dict(
                uscc=body + uscc_mod.calc_check_digit(body),
                name=f"企业{i}",
                permit_class=rng.choice(["重点管理", "简化管理", "登记管理", "登记管理", ""]),
                key_polluter=rng.random() < 0.05,
                status=rng.choice(["存续"] * 18 + ["停产", "注销"]),
                credit_grade=rng.choice("ABCD"),
                credit_risk=rng.choice(["低风险", "一般风险", "较高风险", "高风险"]),
                air_grade=rng.choice(["", "A", "B", "C"]),
                positive_list=rng.random() < 0.1,
                special_situations=["挂牌督办"] if rng.random() < 0.03 else [],
                tags=[],
                pollution_types=["废气"],
                industry=rng.choice(["金属制品业", "化学原料和化学制品制造业", "非金属矿物制品业", "食品制造业"]),
                township=rng.choice(["城关镇", "魏家庄镇", "尹村镇", "山口镇", "莲子镇"]),
                address=f"某县某路{i}号",
                legal_rep="张三",
                phone="0319-1234567",
            )
        )
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        init_office(s, name="基准测试县", level="county", admin="admin", admin_password="admin123")
        policies.set_policy(s, preset)
        s.execute(insert(InspectionObject), rows)
        s.commit()
    db.dispose()
    return url


# The command runs in its own interpreter and reports its own peak memory (VmHWM) when it exits: a forked
# child's ru_maxrss would start from this (large) bench process.
WRAPPER = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["ssj"] + sys.argv[1:]
runpy.run_module("app", run_name="__main__")
"""


def run_command(url: str, *args: str) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, bytes of output) of one `python -m app --db URL … --json` process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, "--db", url, *args, "--json"], capture_output=True, env=env, cwd=ROOT
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"command {args} failed: {proc.stderr.decode()[-2000:]}")
    peak = [line for line in proc.stderr.decode().splitlines() if line.startswith("PEAK ")]
    return seconds, int(peak[-1].split()[1]) / 1024, len(proc.stdout)


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    preset = sys.argv[2] if len(sys.argv) > 2 else "longyao-2026"
    folder = tempfile.mkdtemp(prefix="ssj-bench-rules-")
    url = build(folder, n, preset)

    from sqlalchemy import select

    from app.models import InspectionObject
    from app.services.foundation.store import open_database
    from app.services.rules import classification, quota

    db = open_database(url)
    needed = select(*(getattr(InspectionObject, c) for c in classification.POOL_COLUMNS))
    every = select(*InspectionObject.__table__.c)
    with db.Session() as s:
        t_needed = best(lambda: s.execute(needed).all())
        t_every = best(lambda: s.execute(every).all())
        t_orm = best(lambda: list(s.scalars(select(InspectionObject))), 1)
    with db.Session() as s:
        result = {}
        t_classify = best(lambda: result.update(classification.classify(s, period="2026Q1")))
    with db.Session() as s:
        table = {}
        t_quota = best(lambda: table.update(quota.compute_quota(s, "2026Q1")))
    db.dispose()

    t_start, rss_start, _ = run_command(url, "policy", "show")
    t_cq, rss_cq, _ = run_command(url, "quota", "--period", "2026Q1")
    t_list, rss_list, size = run_command(url, "objects", "list")

    print(f"objects: {n} ({len(result)} in the pool), preset {preset}, {os.cpu_count()} cores")
    print(f"baseline  bare SELECT of the {len(classification.POOL_COLUMNS)} needed columns : {t_needed:6.2f} s")
    print(f"          bare SELECT of every column               : {t_every:6.2f} s")
    print(f"          ORM load of every object (for comparison) : {t_orm:6.2f} s")
    print(f"classify  (load + classify)        : {t_classify:6.2f} s  ({t_classify / t_needed:.1f}× bare SELECT)")
    print(
        f"quota     (classify + exclusions)  : {t_quota:6.2f} s  ({t_quota / t_needed:.1f}× bare SELECT), "
        f"{len(table['rows'])} rows, {sum(r['required'] for r in table['rows'])} to draw"
    )
    print(f"process   `policy show --json` (start-up, no pool) : {t_start:6.2f} s, {rss_start:4.0f} MB")
    print(
        f"process   `quota --period 2026Q1 --json`           : {t_cq:6.2f} s, {rss_cq:4.0f} MB "
        f"({(t_cq - t_start) / t_needed:.1f}× bare SELECT beyond start-up)"
    )
    print(
        f"process   `objects list --json` ({size / 1e6:.0f} MB of JSON)    : {t_list:6.2f} s, {rss_list:4.0f} MB "
        f"({(t_list - t_start) / t_every:.1f}× bare SELECT of every column beyond start-up)"
    )


if __name__ == "__main__":
    main()
