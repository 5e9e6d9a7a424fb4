"""How long each long job holds the write lock at 100,000 objects, beside its total time, same run
(issue 13 point 5: no write transaction longer than about one second; the import is measured by
bench/import_objects.py).

    python bench/write_locks.py [--objects 100000] [--only draw,publish,...]

The county (N objects in three permit classes, 12 inspectors, the 泽州 preset, a signing key) is built once and
cached in bench/.cache/locks-N/ (gitignored), with a second copy holding a confirmed draw whose results are
all entered and approved (ready to publish). Every job runs on a fresh copy, through the same entry point a
user has (the CLI in-process, `app.cli.run`, or the attempt functions the GUI calls):

- draw          `ssj draw` of a fresh quarter on the whole pool
- classify      分类重新计算: `ssj rules policy set zezhou-2024` (a new rule version; categories are recomputed
                from it on every read — nothing per object is stored)
- publish       `ssj publish` of the quarter's approved results (PDF)
- export        `ssj package export`
- city import   `ssj package import` of 10 counties' packages (bench/city_scale.py's, 10,000 objects each)
                into a city database: the longest of the 10 transactions
- restore       `ssj restore` of a backup of the county

The write lock's hold time is measured inside the process: from the statement that takes it (SQLite
`BEGIN IMMEDIATE`, or the first INSERT/UPDATE/DELETE of a deferred transaction) to the end of COMMIT/ROLLBACK,
per connection, on the job's own database file (a restore's staging copy is another file, locking nobody); the
longest such transaction of the job is printed. Restore swaps the file through the SQLite
backup API on a raw connection: that step (`backup._swap`) is timed as its write transaction.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"
PASSPHRASE = "bench-baosong"
SEED = "27182818284590452353602874"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "CREATE", "DROP", "ALTER")


class LockClock:
    """Every write transaction's hold time, per DBAPI connection, for all engines of this process."""

    def __init__(self) -> None:
        self.started: dict[int, tuple[str, float]] = {}
        self.holds: list[tuple[str, float]] = []  # (database, seconds)

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.engine.default import DefaultDialect

        clock = self

        @event.listens_for(Engine, "before_cursor_execute")
        def _statement(conn, _cursor, statement, *_rest):  # noqa: ANN001
            key = id(conn.connection.dbapi_connection)
            if key not in clock.started and statement.lstrip()[:16].upper().startswith(WRITES):
                clock.started[key] = (str(conn.engine.url.database or ""), time.perf_counter())

        def wrap(original):
            def ended(dialect, dbapi_connection):  # noqa: ANN001
                try:
                    original(dialect, dbapi_connection)
                finally:
                    raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)  # the pool's proxy
                    begun = clock.started.pop(id(raw), None)
                    if begun is not None:
                        clock.holds.append((begun[0], time.perf_counter() - begun[1]))

            return ended

        DefaultDialect.do_commit = wrap(DefaultDialect.do_commit)
        DefaultDialect.do_rollback = wrap(DefaultDialect.do_rollback)

    def reset(self) -> None:
        self.started.clear()
        self.holds.clear()


def add_objects(url: str, n: int) -> None:
    """`n` objects in three permit classes and 12 inspectors (tests/faults/test_draw_lock.py's county)."""
    from sqlalchemy import insert

    from app.models import InspectionObject
    from app.services.foundation import audit
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.store import open_database
    from tests.factories import make_inspector, make_uscc

    db = open_database(url)
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        s.execute(insert(InspectionObject), [
            {"uscc": make_uscc(300_000 + i), "name": f"写锁企业{i:06d}有限公司",
             "permit_class": ("重点管理", "简化管理", "登记管理")[i % 3], "status": "存续", "township": "城关镇",
             "industry": "金属制品业", "pollution_types": ["废气"], "tags": []}
            for i in range(n)
        ])  # fmt: skip
        audit.record(s, "导入", "inspection_object", "", summary=f"基准数据 {n} 家")
        for j in range(12):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1407{j:04d}")
        s.commit()
    db.dispose()


def build_county(folder: Path, n: int) -> tuple[Path, Path, str]:
    """(county database, county with a quarter's approved results, that quarter); cached in `folder`."""
    base, ready = folder / "county.sqlite3", folder / "ready.sqlite3"
    period_file = folder / "period.txt"
    if base.exists() and ready.exists() and period_file.exists():
        return base, ready, period_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    from datetime import date

    from sqlalchemy import select

    from app.cli import run
    from app.models.draw import DrawSelection
    from app.services.draw import attempts, draws
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.periods import period_of
    from app.services.foundation.store import open_database
    from app.services.outcomes import outcomes

    if not base.exists():
        assert run(["--db", str(base), "init", "--office", "测试县大队", "--level", "county", "--region-code", "140525",
                    "--password", "admin123", "--policy", "zezhou-2024"]) == 0  # fmt: skip
        add_objects(f"sqlite:///{base}", n)
    shutil.copy(base, ready)
    period = period_of(date.today()).code
    db = open_database(f"sqlite:///{ready}")
    with acting_as(Actor("admin", "管理员")):
        rec = attempts.draw_now(db.Session, period, None, SEED + "9", witnesses=["张三", "李四"],
                                writer_factory=db.writer)  # fmt: skip
        with db.writer() as s:
            draws.confirm(s, rec["draw_id"])
            s.commit()
    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        for sid in s.scalars(select(DrawSelection.id).where(DrawSelection.active.is_(True))).all():
            outcomes.save_outcome(
                s, sid, dict(check_date=date.today(), method="现场检查", result="未发现问题"), today=date.today()
            )  # fmt: skip
        s.commit()
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve_period(s, period, "shenhe")
        s.commit()
    db.dispose()
    period_file.write_text(period)
    return base, ready, period


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--only", default="", help="comma-separated: draw,classify,publish,export,city,restore")
    args = ap.parse_args()
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    work = Path(tempfile.mkdtemp(prefix="ssj-bench-locks-"))
    os.environ["SSJ_DATA_DIR"] = str(work / "appdata")
    os.environ["SSJ_PASSWORD"] = "admin123"
    os.environ["SSJ_KEY_PASSPHRASE"] = PASSPHRASE
    t0 = time.perf_counter()
    base, ready, period = build_county(CACHE / f"locks-{args.objects}", args.objects)
    from bench import city_scale

    counties = city_scale.build_counties(CACHE / f"city-{args.objects}", args.objects // city_scale.COUNTIES)
    built = time.perf_counter() - t0

    from app.cli import run
    from app.services.foundation import backup

    clock = LockClock()
    clock.install()
    rows: list[tuple[str, float, float, int]] = []

    def fresh(src: Path, name: str) -> Path:
        dest = work / name / "ssj.sqlite3"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest)
        return dest

    def measure(label: str, argv_list: list[list[str]], db: Path) -> None:
        """Run the commands; the longest write transaction on `db` (not on staging copies or other files)."""
        clock.reset()
        t = time.perf_counter()
        for argv in argv_list:
            with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
                rc = run(argv)
            if rc != 0:
                raise SystemExit(f"{label}: {' '.join(argv)} failed (rc {rc})")
        mine = [held for where, held in clock.holds if Path(where).resolve() == db.resolve()]
        rows.append((label, time.perf_counter() - t, max(mine, default=0.0), len(mine)))

    def want(key: str) -> bool:
        return not only or key in only

    admin = ["--user", "admin"]
    try:
        if want("draw"):
            db = fresh(base, "draw")
            measure(f"draw ({args.objects:,}-object pool)", [[
                "--db", str(db), *admin, "draw", "--period", "2031Q1", "--seed", SEED, "--witness", "张三",
                "--witness", "李四",
            ]], db)  # fmt: skip
        if want("classify"):
            db = fresh(base, "classify")
            measure("分类重新计算 (policy set)", [["--db", str(db), *admin, "policy", "set", "zezhou-2024"]], db)
        if want("publish"):
            db = fresh(ready, "publish")
            measure(f"publish {period} (PDF)", [[
                "--db", str(db), *admin, "publish", "--period", period, "--out", str(work / "publish" / "公示.pdf"),
            ]], db)  # fmt: skip
        if want("export"):
            db = fresh(ready, "export")
            (work / "export" / "out").mkdir()
            measure(f"package export {period}", [[
                "--db", str(db), *admin, "package", "export", "--period", period, "--out", str(work / "export" / "out"),
            ]], db)  # fmt: skip
        if want("city"):
            city = work / "city" / "city.sqlite3"
            city.parent.mkdir(parents=True)
            assert run(["--db", str(city), "init", "--office", "基准市生态环境局", "--level", "city",
                        "--region-code", "140500", "--password", "admin123"]) == 0  # fmt: skip
            for name, region, pem, _path in counties:
                keyfile = work / "city" / f"{region}.pem"
                keyfile.write_text(pem, encoding="utf-8")
                assert run(["--db", str(city), *admin, "county", "register", "--key", str(keyfile), "--name",
                            name, "--region-code", region]) == 0  # fmt: skip
            measure(f"city package import ({len(counties)} counties)", [
                ["--db", str(city), *admin, "package", "import", str(p[3]), "--period", city_scale.PERIOD]
                for p in counties
            ], city)  # fmt: skip
        if want("restore"):
            db = fresh(base, "restore")
            original = backup._swap

            def timed_swap(staged, target):  # noqa: ANN001
                t = time.perf_counter()
                try:
                    return original(staged, target)
                finally:
                    clock.holds.append((str(target), time.perf_counter() - t))

            backup._swap = timed_swap
            try:
                measure("restore", [["--db", str(db), *admin, "restore", str(base)]], db)
            finally:
                backup._swap = original
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {args.objects:,} objects; "
          f"{'cached' if built < 10 else f'built in {built:.0f} s'} ({CACHE})")  # fmt: skip
    print(f"{'job':44s} {'total':>8s} {'longest write lock':>19s} {'write txns':>10s}")
    for label, total, lock, n in rows:
        flag = "" if lock <= 1.2 else "  > 1 s"
        print(f"{label:44s} {total:7.2f}s {lock:18.2f}s {n:10d}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
