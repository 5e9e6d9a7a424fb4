"""Start fast (issue 16): login window visible from process start, main window usable after 登录, beside a bare
QApplication start measured in the same run.

Each figure is the median over fresh interpreters (subprocesses) running the real start (`app.ui.main.run_gui`) on a
demo database (`ssj demo`) with a warm file cache. The child watches its own windows with an event filter:
- 登录窗口: wall time from spawning the process until the login window is shown;
- 主窗口: from pressing 登录 (admin / admin123, filled in as soon as the database is open) until the main window is
  shown and its event queue has been processed once (the first page is on the screen and the window answers);
- baseline: a bare QApplication + empty QMainWindow shown, from spawning the process.
The frozen bundle (dist/ssj/ssj) is timed too when it exists: spawn → `--selftest` finished is the nearest thing
the bundle can report without a probe.

    .venv/bin/python bench/startup.py [--runs 5]
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

REAL_START = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([sys.argv[0]])  # run_gui's make_application() takes this one

class Probe(QObject):
    login = None
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            kind = type(obj).__name__
            if kind == "LoginDialog" and self.login is None:
                self.login = obj
                print("LOGIN", time.time(), flush=True)
                QTimer.singleShot(0, self.submit)
            elif kind == "MainWindow":
                obj.backup_on_close = False
                QTimer.singleShot(0, self.ready)
        return False
    def submit(self):
        if self.login.db is None:
            QTimer.singleShot(5, self.submit)
            return
        self.login.username.setText("admin"); self.login.password.setText("admin123")
        print("SUBMIT", time.time(), flush=True)
        self.login.submit()
    def ready(self):
        print("MAIN", time.time(), flush=True)
        os._exit(0)

probe = Probe(); app.installEventFilter(probe)
from app.ui.main import run_gui
run_gui(sys.argv[1])
"""


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


def measure(code: str, *args: str, runs: int, env: dict) -> dict[str, float]:
    """Median seconds: SHOWN/LOGIN from spawn; MAIN from SUBMIT."""
    out: dict[str, list[float]] = {}
    for _ in range(runs):
        t0, marks = _events([sys.executable, "-c", code, *args], env)
        for key in ("SHOWN", "LOGIN"):
            if key in marks:
                out.setdefault(key, []).append(marks[key] - t0)
        if "MAIN" in marks:
            out.setdefault("MAIN", []).append(marks["MAIN"] - marks["SUBMIT"])
    return {k: statistics.median(v) for k, v in out.items()}


def frozen(runs: int, env: dict) -> float | None:
    exe = ROOT / "dist" / "ssj" / ("ssj.exe" if os.name == "nt" else "ssj")
    if not exe.exists():
        return None
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(exe), "--selftest"], capture_output=True, env=env, timeout=180, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def demo_db(folder: Path, env: dict) -> str:
    path = folder / "demo.sqlite3"
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(path), "demo"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"ssj demo failed:\n{proc.stderr}")
    return str(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssj-bench-start-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SSJ_DATA_DIR=str(Path(tmp) / "data"))
        env["PYTHONPATH"] = str(ROOT)
        db = demo_db(Path(tmp), env)
        measure(REAL_START, db, runs=1, env=env)  # warm the file cache; the day's automatic backup is made here
        python_only = measure(PYTHON_ONLY, runs=args.runs, env=env)["SHOWN"]
        bare = measure(BARE, runs=args.runs, env=env)["SHOWN"]
        real = measure(REAL_START, db, runs=args.runs, env=env)
        bundle = frozen(max(1, args.runs // 2), env)
    print(f"{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}；每项取 {args.runs} 个新进程的中位数")
    print(f"Python 解释器启动                     {python_only:6.2f} s")
    print(f"裸 QApplication + 空窗口（基线）       {bare:6.2f} s")
    login, main_w = real["LOGIN"], real["MAIN"]
    print(
        f"登录窗口出现（从进程启动）            {login:6.2f} s   {login / bare:4.1f} × 基线   目标 ≤ 0.50 s  "
        f"{'达标' if login <= 0.5 else '未达标'}"
    )
    print(
        f"按“登录”到主窗口可用（演示库）        {main_w:6.2f} s   {main_w / bare:4.1f} × 基线   目标 ≤ 0.80 s  "
        f"{'达标' if main_w <= 0.8 else '未达标'}"
    )
    if bundle is None:
        print("安装包 dist/ssj 不存在（先运行 pyinstaller installer/ssj.spec），未测冻结程序")
    else:
        print(f"安装包 dist/ssj --selftest 全程       {bundle:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
