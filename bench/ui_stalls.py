"""No page ever stalls (issue 16): open and use every page on a 100,000-object county database and on a city
database with 10 counties' packages, measuring the longest time the event loop was blocked.

A heartbeat QTimer ticks every 5 ms; the longest gap between two ticks while a page is opened, refreshed (F5)
and its background work delivered is that page's stall. Baseline in the same run: the same heartbeat while the
main window merely repaints (nothing opened). Memory: the process's RSS after each page and its peak (VmHWM).

The databases are built once and cached under bench/.cache/ (gitignored): the county with
bench/rules_classify.build (隆尧 preset) plus 40 inspectors, the city from bench/city_scale's 10 packages.

    .venv/bin/python bench/ui_stalls.py [N]        # default 100000 objects
    .venv/bin/python bench/ui_stalls.py --only county --pages objects,stats   # a few pages of one database
Targets: ≤ 200 ms everywhere; ≤ 500 MB.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
CACHE = ROOT / "bench" / ".cache"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> tuple[float, float]:
    now = peak = 0.0
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            now = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return now, peak


def county_db(n: int) -> Path:
    path = CACHE / f"stalls-county-{n}.sqlite3"
    if path.exists():
        return path
    import tempfile

    import rules_classify

    folder = tempfile.mkdtemp(prefix="ssj-stalls-")
    url = rules_classify.build(folder, n, "longyao-2026")
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.store import open_database
    from tests.factories import make_inspector

    db = open_database(url)
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        for _ in range(40):
            make_inspector(s)
        s.commit()
    db.dispose()
    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.move(f"{folder}/bench.sqlite3", path)
    return path


def city_db(n: int) -> Path:
    path = CACHE / f"stalls-city-{n}.sqlite3"
    if path.exists():
        return path
    import city_scale

    from app.services.exchange import packages
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database

    counties = city_scale.build_counties(CACHE / f"city-{n}", n // city_scale.COUNTIES)
    tmp = path.with_suffix(".part")
    tmp.unlink(missing_ok=True)
    db = open_database(f"sqlite:///{tmp}")
    admin = Actor("admin", "管理员")
    with acting_as(admin), db.Session() as s:
        init_office(
            s, name="基准市生态环境局", level="city", region_code="140500", admin="admin", admin_password="admin123"
        )
        for name, region, pem, _p in counties:
            packages.register_county(s, key_text=pem, name=name, region_code=region)
        s.commit()
    for *_rest, package in counties:
        with acting_as(admin), db.Session() as s:
            packages.import_package(s, package, period=city_scale.PERIOD)
            s.commit()
    db.dispose()
    tmp.rename(path)
    return path


class GcWatch:
    """The longest garbage collection (any thread: a collection holds the GIL, so the UI thread waits for it too)."""

    def __init__(self):
        import gc

        self.started = 0.0
        self.worst = 0.0
        gc.callbacks.append(self.callback)

    def callback(self, phase, _info):
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.worst = max(self.worst, time.perf_counter() - self.started)

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst


GC = GcWatch()


class Heartbeat:
    def __init__(self):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.tick)
        self.last = time.perf_counter()
        self.worst = 0.0

    def tick(self):
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self):
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.tick()
        self.timer.stop()
        return self.worst


def pump(app, seconds: float = 0.3, limit: float = 600) -> None:
    """Run the event loop until background work has been delivered (at least `seconds`)."""
    from app.ui import operations

    start = time.perf_counter()
    while time.perf_counter() - start < seconds or (operations._active and time.perf_counter() - start < limit):
        app.processEvents()
        time.sleep(0.002)


def visit_all(db_path: Path, level: str, label: str, app, pages=()) -> list[tuple[str, float, float, float]]:
    from app.services.foundation.context import Actor
    from app.services.foundation.store import open_database
    from app.ui import operations
    from app.ui.context import AppContext
    from app.ui.main_window import MainWindow

    db = open_database(f"sqlite:///{db_path}")
    with db.Session() as s:
        from app.services.foundation.office import get_office

        office = get_office(s)
        name = office.name
    ctx = AppContext(db=db, actor=Actor("admin", "管理员", "管理员"), office_name=name, office_level=level)
    beat = Heartbeat()
    out = []
    GC.take()
    beat.start()
    window = MainWindow(ctx)
    window.backup_on_close = False
    window.resize(1366, 698)
    window.show()
    pump(app, 2.0)  # the clerk reads 首页 for a moment: meanwhile the window imports the pages' modules
    out.append((f"{label} 主窗口+首页", beat.stop(), *rss_mb(), GC.take()))
    for spec in window.specs:
        if pages and spec.key not in pages:
            continue
        GC.take()
        beat.start()
        window.show_page(spec.key)
        pump(app)
        window._refresh_current()  # F5: use the page once more
        pump(app)
        out.append((f"{label} {spec.title}", beat.stop(), *rss_mb(), GC.take()))
        print(
            f"  {out[-1][0]:<24} {out[-1][1] * 1000:7.0f} ms   {out[-1][2]:5.0f} MB"
            f"   最长垃圾回收 {out[-1][4] * 1000:5.0f} ms",
            flush=True,
        )
    operations.wait_all()
    window.close()
    db.dispose()
    return out


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--only", choices=("county", "city"), help="one of the two databases")
    parser.add_argument("--pages", default="", help="page keys, comma-separated (default: every page)")
    args = parser.parse_args()
    n, pages = args.n, tuple(p for p in args.pages.split(",") if p)
    data = Path(os.environ.setdefault("SSJ_DATA_DIR", str(CACHE / "stalls-data")))
    data.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    county = county_db(n) if args.only != "city" else None
    city = city_db(n) if args.only != "county" else None
    built = time.perf_counter() - t0
    from PySide6.QtWidgets import QApplication, QMainWindow

    from app.ui.main import make_application

    app = make_application()
    # baseline: the heartbeat while a bare main window repaints
    beat = Heartbeat()
    bare = QMainWindow()
    bare.resize(1366, 698)
    beat.start()
    bare.show()
    for _ in range(20):
        bare.repaint()
        pump(app, 0.01)
    baseline = beat.stop()
    bare.close()
    QApplication.processEvents()
    rows = (visit_all(county, "county", "县", app, pages) if county else []) + (
        visit_all(city, "city", "市", app, pages) if city else []
    )
    worst = max(rows, key=lambda r: r[1])
    peak = max(r[3] for r in rows)
    print(f"{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}；{n:,} 个对象的县库，10 个县的市库"
          f"{'（已缓存）' if built < 5 else f'（刚建好，{built:.0f} s）'}")
    print(f"基线  空主窗口重绘时心跳的最长间隔 : {baseline * 1000:6.0f} ms")
    over = [r for r in rows if r[1] > 0.2]
    for r in sorted(rows, key=lambda r: -r[1])[:8]:
        print(f"  {r[0]:<24} 最长卡顿 {r[1] * 1000:7.0f} ms   内存 {r[2]:5.0f} MB")
    print(
        f"最长卡顿 {worst[1] * 1000:.0f} ms（{worst[0]}），{worst[1] / baseline:.0f} × 基线；目标 ≤ 200 ms "
        f"{'达标' if not over else f'未达标：{len(over)} 页'}；峰值内存 {peak:.0f} MB（目标 ≤ 500 MB "
        f"{'达标' if peak <= 500 else '未达标'}）"
    )


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's teardown of 100,000-row Qt models (PySide6 has crashed there)
