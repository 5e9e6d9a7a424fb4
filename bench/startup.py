"""Start fast (issue 16): login window visible from process start, main window usable after 登录, beside a bare
QApplication start measured in the same run.

Each figure is the median over fresh processes running the real start (`python -m app --db demo.sqlite3`) on a
demo database (`ssj demo`) with a warm file cache. The child watches its own windows with an event filter:
- 登录窗口: wall time from spawning the process until the login window is shown;
- 主窗口: from pressing 登录 (admin / admin123, filled in as soon as the database is open) until the main window is
  shown and its event queue has been processed once (the first page is on the screen and the window answers);
- baseline: a bare QApplication + empty QMainWindow shown, from spawning the process.
The program times itself with its start-up probe (app/ui/startup_probe.py, switched on by SSJ_STARTUP_PROBE), so
the frozen bundle is timed the same way with `--frozen PATH`.

    .venv/bin/python bench/startup.py [--runs 5] [--frozen dist/ssj/ssj]
Targets: login window ≤ 0.5 s from start; main window usable ≤ 0.8 s after 登录.
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
import time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print("SHOWN", time.time(), flush=True)
"""

PYTHON_ONLY = "import time; print('SHOWN', time.time(), flush=True)"

# the real start, timed by the program's own probe (app/ui/startup_probe.py: SSJ_STARTUP_PROBE=<user>)
PROBE_ENV = {"SSJ_STARTUP_PROBE": "admin", "SSJ_PASSWORD": "admin123"}


def _events(cmd: list[str], env: dict) -> tuple[float, dict[str, float]]:
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)
    marks = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isupper():
            marks[parts[0]] = float(parts[1])
    if not marks:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return t0, marks


def measure(cmd: list[str], *, runs: int, env: dict) -> dict[str, float]:
    """Median seconds: SHOWN/LOGIN from spawn; MAIN from SUBMIT."""
    out: dict[str, list[float]] = {}
    for _ in range(runs):
        t0, marks = _events(cmd, env)
        for key in ("SHOWN", "LOGIN"):
            if key in marks:
                out.setdefault(key, []).append(marks[key] - t0)
        if "MAIN" in marks:
            out.setdefault("MAIN", []).append(marks["MAIN"] - marks["SUBMIT"])
    return {k: statistics.median(v) for k, v in out.items()}


def demo_db(folder: Path, env: dict) -> str:
    path = folder / "demo.sqlite3"
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(path), "demo"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"ssj demo failed:\n{proc.stderr}")
    return str(path)


def report(label: str, real: dict[str, float], bare: float) -> None:
    login, main_w = real["LOGIN"], real["MAIN"]
    print(
        f"{label}登录窗口出现（从进程启动）  {login:6.2f} s   {login / bare:4.1f} × 基线   目标 ≤ 0.50 s  "
        f"{'达标' if login <= 0.5 else '未达标'}"
    )
    print(
        f"{label}按“登录”到主窗口可用        {main_w:6.2f} s   {main_w / bare:4.1f} × 基线   目标 ≤ 0.80 s  "
        f"{'达标' if main_w <= 0.8 else '未达标'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frozen", metavar="PATH", help="the bundle's program (dist/ssj/ssj), timed the same way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssj-bench-start-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SSJ_DATA_DIR=str(Path(tmp) / "data"))
        env["PYTHONPATH"] = str(ROOT)
        db = demo_db(Path(tmp), env)
        probe = dict(env, **PROBE_ENV)
        source = [sys.executable, "-m", "app", "--db", db]
        measure(source, runs=1, env=probe)  # warm the file cache; the day's automatic backup is made here
        python_only = measure([sys.executable, "-c", PYTHON_ONLY], runs=args.runs, env=env)["SHOWN"]
        bare = measure([sys.executable, "-c", BARE], runs=args.runs, env=env)["SHOWN"]
        real = measure(source, runs=args.runs, env=probe)
        bundle = None
        if args.frozen:
            frozen_cmd = [str(Path(args.frozen).resolve()), "--db", db]
            measure(frozen_cmd, runs=1, env=probe)  # warm the file cache
            bundle = measure(frozen_cmd, runs=args.runs, env=probe)
    print(f"{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}；每项取 {args.runs} 个新进程的中位数（演示库，已预热）")
    print(f"Python 解释器启动                     {python_only:6.2f} s")
    print(f"裸 QApplication + 空窗口（基线）       {bare:6.2f} s")
    report("源码：", real, bare)
    if bundle is not None:
        report("安装包：", bundle, bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
