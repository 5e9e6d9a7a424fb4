"""The draw (and the import before it) on PostgreSQL vs SQLite at 20,000 objects, measured in the same run.

    python bench/draw_postgres.py [--objects 20000] [--repeat 3]

Starts a throw-away PostgreSQL server (Debian's postgresql package, as tests/foundation/test_postgres.py
does; as root the server runs as the postgres user), builds the same county on both engines from one
.xlsx (import timed), then times `draw_now` for a fresh period on each, `--repeat` times. Prints the
medians and the ratio PostgreSQL / SQLite. Issue 21's target: the draw within 1.5× of SQLite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = "27182818284590452353602874"


def start_postgres(folder: Path) -> tuple[str, object]:
    import glob
    import socket

    bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).parent
    data, log = folder / "data", folder / "server.log"
    as_root = os.geteuid() == 0

    def run(*cmd):
        if as_root:
            cmd = ("su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in cmd))
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    run(str(bindir / "initdb"), "-D", str(data), "-U", "ssj", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run(
        str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start",
    )  # fmt: skip
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="ssj", dbname="postgres", autocommit=True) as conn:
        conn.execute('CREATE DATABASE "bench"')

    def stop():
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    return f"postgresql+psycopg://ssj@127.0.0.1:{port}/bench", stop


def build(url: str, xlsx: Path, inspectors: int) -> float:
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database
    from app.services.pools import importer
    from app.services.rules import policies
    from tests.factories import make_inspector

    db = open_database(url)
    try:
        with acting_as(Actor("admin", "管理员")), db.writer() as s:
            init_office(
                s, name="基准县大队", level="county", region_code="140525", admin="admin", admin_password="a1234567"
            )
            policies.set_policy(s, "zezhou-2024")
            for j in range(inspectors):
                make_inspector(s, name=f"执法员{j}", cert_no=f"1407{j:04d}")
            s.commit()
        with acting_as(Actor("admin", "管理员")), db.writer() as s:
            t0 = time.perf_counter()
            rep = importer.run_import(s, "objects", xlsx)
            s.commit()
            took = time.perf_counter() - t0
            assert rep.written, rep.errors[:3]
        return took
    finally:
        db.dispose()


def draw_once(url: str, period: str) -> float:
    from app.services.draw import draws
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.store import open_database

    db = open_database(url)
    try:
        with acting_as(Actor("admin", "管理员")), db.writer() as s:
            t0 = time.perf_counter()
            draws.draw_now(s, period, None, SEED + period[:4], seed_source="骰子", witnesses=["张三"])
            s.commit()
            return time.perf_counter() - t0
    finally:
        db.dispose()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ssj-bench-pg-"))
    os.environ.setdefault("SSJ_DATA_DIR", str(folder / "appdata"))
    from tests.faults.conftest import write_objects_xlsx

    xlsx = write_objects_xlsx(folder / "objects.xlsx", args.objects)
    pg_folder = Path(tempfile.mkdtemp(prefix="ssj-bench-pgdata-"))
    pg_url, stop = start_postgres(pg_folder)
    try:
        urls = {"SQLite": f"sqlite:///{folder / 'bench.sqlite3'}", "PostgreSQL": pg_url}
        imports = {name: build(url, xlsx, 40) for name, url in urls.items()}
        draws_t: dict[str, list[float]] = {name: [] for name in urls}
        for k in range(args.repeat):
            for name, url in urls.items():  # interleaved: both engines see the same machine load
                draws_t[name].append(draw_once(url, f"{2030 + k}Q1"))
    finally:
        stop()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(pg_folder, ignore_errors=True)
    med = {name: statistics.median(v) for name, v in draws_t.items()}
    print(f"{args.objects:,} objects, 40 inspectors, draws repeated {args.repeat}× (median), same run:")
    for name in urls:
        print(f"  {name:<10} import {imports[name]:6.2f} s   draw {med[name]:6.2f} s   (all: {draws_t[name]})")
    print(
        f"  PostgreSQL / SQLite: import {imports['PostgreSQL'] / imports['SQLite']:.2f}×, "
        f"draw {med['PostgreSQL'] / med['SQLite']:.2f}× (target ≤ 1.5×)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
