"""City at scale (issue 16): a municipal bureau imports the signed packages of its 10 counties (100,000 objects
between them) and computes the municipal table, beside a baseline measured in the same run.

The counties are built once (each 10,000 objects, its policy, its signing key) and their packages are cached
under bench/.cache/city-N/ (gitignored); delete the folder to rebuild. Measured, in one fresh city database:
registering the 10 keys, verifying and importing the 10 packages (one transaction each, as `ssj package import`),
and `city_stats` (the municipal table). Baseline: opening the same 10 zip files and reading and parsing every
member (json.loads / reading the xlsx bytes) — what any import of these files costs at least. Peak RSS printed.

    .venv/bin/python bench/city_scale.py [TOTAL_OBJECTS]      # default 100000
Target: import of the 10 packages + the municipal table ≤ 2 s.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"
PERIOD = "2026Q1"
PASSPHRASE = "bench-baosong"
COUNTIES = 10


def county_objects(i: int, n: int) -> list[dict]:
    from stdnum.cn import uscc as uscc_mod

    rng = random.Random(i)
    rows = []
    for k in range(n):
        body = f"9114{i:02d}25" + f"MB{k:07d}"
        rows.append(
            dict(
                uscc=body + uscc_mod.calc_check_digit(body),
                name=f"县{i}企业{k}",
                permit_class=rng.choice(["重点管理", "简化管理", "登记管理", "登记管理", ""]),
                key_polluter=rng.random() < 0.05,
                status=rng.choice(["存续"] * 18 + ["停产", "注销"]),
                credit_risk=rng.choice(["低风险", "一般风险", "较高风险", "高风险"]),
                special_situations=[],
                tags=[],
                pollution_types=["废气"],
                industry=rng.choice(["金属制品业", "化学原料和化学制品制造业", "食品制造业"]),
                township=rng.choice(["城关镇", "魏家庄镇", "山口镇"]),
                address=f"某县某路{k}号",
            )
        )
    return rows


def build_counties(folder: Path, per_county: int) -> list[tuple[str, str, str, Path]]:
    """(office name, region code, public key PEM, package path) of each county; cached in `folder`."""
    index = folder / "counties.json"
    if index.exists():
        return [(n, r, k, Path(p)) for n, r, k, p in json.loads(index.read_text(encoding="utf-8"))]
    from sqlalchemy import insert

    from app.models import InspectionObject
    from app.services.exchange import packages
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office, require_office
    from app.services.foundation.store import open_database
    from app.services.rules import policies

    (folder / "packages").mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(COUNTIES):
        name, region = f"第{i + 1}县生态环境保护综合行政执法大队", f"1405{i + 21:02d}"
        db = open_database(f"sqlite:///{folder}/county{i}.sqlite3")
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(
                s, name=name, level="county", region_code=region, admin="admin", admin_password="admin123",
                key_passphrase=PASSPHRASE,
            )
            policies.set_policy(s, "zezhou-2024")
            s.execute(insert(InspectionObject), county_objects(i, per_county))
            s.commit()
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            info = packages.export_package(s, PERIOD, folder / "packages", passphrase=PASSPHRASE)
            s.commit()
            pem = require_office(s).public_key_pem
        db.dispose()
        (folder / f"county{i}.sqlite3").unlink()
        out.append((name, region, pem, info["path"]))
        print(f"  built county {i + 1}/{COUNTIES}", flush=True)
    index.write_text(json.dumps([(n, r, k, str(p)) for n, r, k, p in out], ensure_ascii=False), encoding="utf-8")
    return [(n, r, k, Path(p)) for n, r, k, p in out]


def bare_read(paths: list[Path]) -> int:
    members = 0
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                data = zf.read(name)
                if name.endswith(".json"):
                    json.loads(data)
                members += 1
    return members


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    per_county = total // COUNTIES
    t0 = time.perf_counter()
    counties = build_counties(CACHE / f"city-{total}", per_county)
    built = time.perf_counter() - t0
    paths = [c[3] for c in counties]
    bare_read(paths)  # warm the file cache
    t0 = time.perf_counter()
    members = bare_read(paths)
    t_bare = time.perf_counter() - t0

    work = Path(tempfile.mkdtemp(prefix="ssj-bench-city-"))
    os.environ["SSJ_DATA_DIR"] = str(work / "data")
    from app.services.exchange import packages
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database

    city = open_database(f"sqlite:///{work}/city.sqlite3")
    admin = Actor("admin", "管理员")
    with acting_as(admin), city.Session() as s:
        init_office(
            s, name="基准市生态环境局", level="city", region_code="140500", admin="admin", admin_password="a12345"
        )
        s.commit()
    t0 = time.perf_counter()
    with acting_as(admin), city.Session() as s:
        for name, region, pem, _path in counties:
            packages.register_county(s, key_text=pem, name=name, region_code=region)
        s.commit()
    t_register = time.perf_counter() - t0
    t0 = time.perf_counter()
    for path in paths:
        with acting_as(admin), city.Session() as s:
            packages.import_package(s, path, period=PERIOD)
            s.commit()
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    with acting_as(admin), city.Session() as s:
        table = packages.city_stats(s, PERIOD)
    t_table = time.perf_counter() - t0
    city.dispose()
    shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in paths)
    done = t_import + t_table
    print(f"{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}；{COUNTIES} 个县，共 {per_county * COUNTIES:,} 个对象")
    print(f"（县库与报送包{'已缓存' if built < 5 else f'刚建好，用时 {built:.0f} s'}：{CACHE}）")
    print(f"基线  读出并解析 {len(paths)} 个报送包的 {members} 个文件（{size / 1e6:.1f} MB） : {t_bare:6.2f} s")
    print(f"登记 {len(paths)} 个县的公钥                                   : {t_register:6.2f} s")
    print(f"校验并导入 {len(paths)} 个报送包（每包一个事务）                : {t_import:6.2f} s")
    reported = f"{table['reported']}/{table['registered']}"
    print(f"市级汇总表（{reported} 个县已报送）                         : {t_table:6.2f} s")
    print(
        f"导入 + 汇总 合计                                         : {done:6.2f} s   {done / t_bare:.1f} × 基线   "
        f"目标 ≤ 2.00 s  {'达标' if done <= 2.0 else '未达标'}；峰值内存 {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
