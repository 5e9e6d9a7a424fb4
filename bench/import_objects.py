"""Import of a 50,000-row × 19-column object file vs python-calamine alone reading the same file.

Run: .venv/bin/python bench/import_objects.py [ROWS]
Builds the .xlsx once (openpyxl write-only, cached in the temp folder), then in the same run measures
(1) the baseline: python-calamine `to_python()` of the sheet, and (2) the full import into a fresh
SQLite database: read + header detection + normalisation + validation (USCC checksums, enums, duplicates)
+ bulk insert + permits + ObjectChange rows + audit entry and 封存 seal + commit, as the CLI runs it
(`import_in_steps`: read and compare, then one short write transaction). Target: (2) ≤ 2.5 × (1),
with plain code: python-stdnum's own USCC check per code, the garbage collector on.
Rounds are interleaved and the best of each is compared; wall-clock and CPU time (process_time) are both
printed, because the machine is shared and CPU time is what other engineers' load does not inflate.
Also printed: how long the write lock is held (issue 13 point 5: about a second at most at 100,000 objects).
Run with 100000 for the 100,000-row figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_file(path: Path, n: int) -> None:
    from openpyxl import Workbook

    from app.services.demo import demo
    from app.services.pools import pools

    base = demo.build_objects(3, n)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("检查对象")
    ws.append([f"示例县检查对象名录库（演示，{n} 行）"])
    columns = [(k, h) for k, h in pools.OBJECT_COLUMNS if k in base[0]]  # the 19 columns the demo fills
    keys = [k for k, _h in columns]
    ws.append([h for _k, h in columns])
    for r in base:
        row = []
        for k in keys:
            v = r[k]
            if isinstance(v, bool):
                v = "是" if v else "否"
            elif isinstance(v, list):
                v = "、".join(v)
            elif k == "phone":
                v = int(v)  # numbers typed into Excel come back as floats
            row.append(v)
        ws.append(row)
    wb.save(path)


REPEAT = 3


class LockClock:
    """How long the import's writing session holds the write lock: from its transaction's BEGIN (IMMEDIATE, the
    lock) to the end of its COMMIT, wall clock and CPU."""

    def __init__(self, database):
        self.database = database
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def writer(self):
        from sqlalchemy import event

        session = self.database.writer()
        start = {}

        def began(_session, _transaction, _connection):
            start["t"], start["c"] = time.perf_counter(), time.process_time()

        def ended(_session):
            self.wall.append(time.perf_counter() - start["t"])
            self.cpu.append(time.process_time() - start["c"])

        event.listen(session, "after_begin", began)
        event.listen(session, "after_commit", ended)
        return session


def main(n: int = 50_000) -> None:
    import python_calamine

    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.store import open_database
    from app.services.pools import importer

    folder = Path(tempfile.gettempdir()) / "ssj-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"objects-{n}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        build_file(path, n)
        print(f"built {path.name} in {time.perf_counter() - t0:.1f} s (openpyxl, once)")
    work = Path(tempfile.mkdtemp(prefix="ssj-bench-db-"))  # this run's own database (the machine is shared)
    reads, imports, read_cpu, import_cpu, lock_wall, lock_cpu = [], [], [], [], [], []
    for _round in range(REPEAT):  # interleaved rounds; the best of each (the machine is shared)
        t0, c0 = time.perf_counter(), time.process_time()
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        reads.append(time.perf_counter() - t0)
        read_cpu.append(time.process_time() - c0)
        db_file = work / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
        database = open_database(f"sqlite:///{db_file}")
        clock = LockClock(database)
        with acting_as(Actor("bench", "管理员")):
            t0, c0 = time.perf_counter(), time.process_time()
            rep = importer.import_in_steps(database.Session, clock.writer, "objects", path)
            imports.append(time.perf_counter() - t0)
            import_cpu.append(time.process_time() - c0)
        lock_wall.append(clock.wall[-1])
        lock_cpu.append(clock.cpu[-1])
        database.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(str(work / "bench.sqlite3") + suffix).unlink(missing_ok=True)
    work.rmdir()
    read_s, import_s = min(reads), min(imports)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"rows: {len(rows) - 2:,} × {len(rows[1])} columns; imported {rep.inserted:,}, errors {len(rep.errors)}")
    print(f"baseline python-calamine read: best {read_s:.2f} s of {', '.join(f'{x:.2f}' for x in reads)}")
    print(f"full import (read+validate+commit): best {import_s:.2f} s of {', '.join(f'{x:.2f}' for x in imports)}")
    print(f"ratio: {import_s / read_s:.2f} × baseline (target ≤ 2.50 ×)")
    rc, ic = min(read_cpu), min(import_cpu)
    print(f"CPU time: read best {rc:.2f} s, import best {ic:.2f} s: {ic / rc:.2f} ×")
    print(
        f"write lock held: best {min(lock_wall):.2f} s wall, {min(lock_cpu):.2f} s CPU "
        f"(of {', '.join(f'{x:.2f}' for x in lock_wall)} s wall; the import itself {import_s:.2f} s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
