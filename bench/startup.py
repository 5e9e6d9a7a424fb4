"""Cold start to a usable main window, beside a bare QApplication start, measured in the same run.

Each figure is the median of several fresh interpreters (subprocesses), wall time from spawn until the
child reports that its window was shown and the event queue processed. The database is demo-sized
(`ssj demo` if that command exists, otherwise ≈1,500 objects and 40 inspectors inserted here).

    .venv/bin/python bench/startup.py [--runs 5]
Target: ≤ 2 s to a usable main window on the 2-core build machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print("READY", flush=True)
"""

IMPORT_ONLY = """
import app.ui.main_window, app.ui.main
from app.ui.pages import discover
discover()
print("READY", flush=True)
"""

FULL = """
import sys
from app.ui.main import make_application, open_store
from app.services.foundation.context import Actor
from app.services.foundation import office as office_service
from app.ui.context import AppContext
from app.ui.main_window import MainWindow
app = make_application()
from app.paths import resolve_db
db = open_store(resolve_db(sys.argv[1]))
with db.Session() as s:
    office = office_service.get_office(s)
ctx = AppContext(db=db, actor=Actor("admin", "管理员", "管理员"), office_name=office.name, office_level=office.level)
w = MainWindow(ctx); w.backup_on_close = False; w.show(); app.processEvents()
print("READY", flush=True)
"""


def measure(code: str, *args: str, runs: int) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
        )
        elapsed = time.perf_counter() - t0
        if "READY" not in proc.stdout:
            raise SystemExit(f"benchmark child failed:\n{proc.stderr}")
        times.append(elapsed)
    return statistics.median(times)


def demo_db(folder: Path) -> str:
    path = folder / "demo.sqlite3"
    env = dict(os.environ, SSJ_DATA_DIR=str(folder / "data"))
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(path), "demo"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode != 0:  # no demo command yet: a database of the same size
        os.environ["SSJ_DATA_DIR"] = str(folder / "data")
        from app.services.foundation.context import Actor, acting_as
        from app.services.foundation.office import init_office
        from app.services.foundation.store import open_database
        from tests.factories import make_inspector, make_object

        path.unlink(missing_ok=True)
        db = open_database(f"sqlite:///{path}")
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(
                s, name="基准县生态环境保护综合行政执法大队", level="county", admin="admin", admin_password="admin123"
            )
            for i in range(1500):
                make_object(s, permit_class=("重点管理", "简化管理", "登记管理")[i % 3])
            for _ in range(40):
                make_inspector(s)
            s.commit()
        db.dispose()
        print("（没有 demo 命令：已插入 1,500 个对象和 40 名人员）")
    return str(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssj-bench-") as tmp:
        db = demo_db(Path(tmp))
        os.environ["SSJ_DATA_DIR"] = str(Path(tmp) / "data")
        bare = measure(BARE, runs=args.runs)
        imports = measure(IMPORT_ONLY, runs=args.runs)
        python_only = measure("print('READY')", runs=args.runs)
        full = measure(FULL, db, runs=args.runs)
    print(f"Python 解释器启动            {python_only:6.2f} s")
    print(f"裸 QApplication + 空窗口     {bare:6.2f} s   (baseline)")
    print(f"导入 app（含全部页面模块）   {imports:6.2f} s")
    print(f"冷启动到可用主窗口（演示库） {full:6.2f} s   目标 ≤ 2.00 s  {'达标' if full <= 2.0 else '未达标'}")
    print(f"本程序自身的开销            {full - bare:6.2f} s   (冷启动 − 裸 QApplication)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
