"""How long the draw holds the write lock, beside the whole draw, same run (issue 13 point 5).

    python bench/draw_lock.py [--objects 20000] [--postgres]

Builds a county of N objects (three permit classes, 12 inspectors, the 泽州 preset; tests/faults/test_draw_lock.py's
`seed_county`) and draws a fresh period twice:
- "one transaction" (the way it was: `draws.draw_now` inside one writer session — the lock is held throughout);
- "in steps" (`attempts.draw_now`: read and compute on a consistent read, then one short write transaction).
Prints the total time and the time the write lock was held for each. Target: lock ≤ ~1 s at 100,000 objects.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = "27182818284590452353602874"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=20_000)
    ap.add_argument("--postgres", action="store_true", help="on a throw-away PostgreSQL server instead of SQLite")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ssj-bench-lock-"))
    os.environ.setdefault("SSJ_DATA_DIR", str(folder / "appdata"))
    stop = None
    if args.postgres:
        from bench.draw_postgres import start_postgres

        url, stop = start_postgres(Path(tempfile.mkdtemp(prefix="ssj-bench-lock-pg-")))
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    from app.services.draw import attempts, draws
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.store import open_database
    from tests.faults.test_draw_lock import seed_county

    try:
        seed_county(url, args.objects)
        db = open_database(url)
        held: list[float] = []

        class Timed:
            """A writer session whose lifetime (write lock taken at its first statement) is measured."""

            def __enter__(self):
                self.s = db.writer()
                self.t0 = time.perf_counter()
                return self.s.__enter__()

            def __exit__(self, *exc):
                out = self.s.__exit__(*exc)
                held.append(time.perf_counter() - self.t0)
                return out

        with acting_as(Actor("admin", "管理员")):
            t0 = time.perf_counter()
            with Timed() as s:  # the way it was: everything in the write transaction
                draws.draw_now(s, "2030Q1", None, SEED + "1", witnesses=["张三", "李四"])
                s.commit()
            one_total, one_lock = time.perf_counter() - t0, held[-1]
            held.clear()
            t0 = time.perf_counter()
            attempts.draw_now(db.Session, "2030Q2", None, SEED + "2", witnesses=["张三", "李四"], writer_factory=Timed)
            steps_total, steps_lock = time.perf_counter() - t0, sum(held)
        db.dispose()
    finally:
        if stop:
            stop()
        shutil.rmtree(folder, ignore_errors=True)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.objects:,} objects on {engine}, same run:")
    print(f"  one transaction (before): draw {one_total:6.2f} s, write lock held {one_lock:6.2f} s")
    print(f"  in steps (now):           draw {steps_total:6.2f} s, write lock held {steps_lock:6.2f} s")
    print(f"  lock held now / before: {steps_lock / one_lock:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
