"""Classification and quota speed on a large pool.

Prints the time to classify N objects and to compute the quarter's quota table next to a baseline
measured in the same run: loading the same objects through the ORM (what classification cannot avoid).

    .venv/bin/python bench/rules_classify.py [N] [preset]
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    preset = sys.argv[2] if len(sys.argv) > 2 else "zezhou-2024"
    folder = tempfile.mkdtemp(prefix="ssj-bench-rules-")
    os.environ["SSJ_DATA_DIR"] = folder
    from sqlalchemy import insert, select
    from stdnum.cn import uscc as uscc_mod

    from app.models import InspectionObject
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database
    from app.services.rules import classification, policies, quota

    db = open_database(f"sqlite:///{folder}/bench.sqlite3")
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
                industry="金属制品业",
                township="城关镇",
            )
        )
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        init_office(s, name="基准测试县", level="county", admin="admin", admin_password="admin123")
        policies.set_policy(s, preset)
        s.execute(insert(InspectionObject), rows)
        s.commit()
    with db.Session() as s:
        t0 = time.perf_counter()
        objs = list(s.scalars(select(InspectionObject)))
        baseline = time.perf_counter() - t0
    with db.Session() as s:
        t0 = time.perf_counter()
        result = classification.classify(s, period="2026Q1")
        t_classify = time.perf_counter() - t0
    with db.Session() as s:
        t0 = time.perf_counter()
        table = quota.compute_quota(s, "2026Q1")
        t_quota = time.perf_counter() - t0
    print(f"objects: {n} ({len(objs)} loaded, {len(result)} in pool), preset {preset}")
    print(f"baseline  ORM load of all objects : {baseline:6.2f} s")
    print(f"classify  (load + classify)       : {t_classify:6.2f} s  ({t_classify / baseline:.1f}× baseline)")
    print(
        f"quota     (classify + exclusions) : {t_quota:6.2f} s  ({t_quota / baseline:.1f}× baseline), "
        f"{len(table['rows'])} rows, {sum(r['required'] for r in table['rows'])} to draw"
    )
    db.dispose()


if __name__ == "__main__":
    main()
