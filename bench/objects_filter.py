"""Objects page filter over 100,000 rows: time per keystroke and memory (RSS).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/objects_filter.py [N]
Prints, measured in the same run: the baseline (one plain Python pass `needle in s` over the N
precomputed search strings) next to the full per-keystroke cost (proxy refilter incl. Qt's
filterAcceptsRow calls and the view's row count), and the process RSS before/after loading.
Targets (issue 3): ≤ 200 ms per keystroke, ≤ 500 MB for 100,000 objects.
"""

from __future__ import annotations

import os
import resource
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int = 100_000) -> None:
    from PySide6.QtWidgets import QApplication, QTableView

    from app.services.demo import demo
    from app.services.pools import pools
    from app.ui.pool_models import PoolFilterProxy, PoolTableModel

    app = QApplication.instance() or QApplication([])
    base = demo.build_objects(1, 3000)
    rows = []
    for i in range(n):
        r = dict(base[i % len(base)])
        r["id"] = i + 1
        r["name"] = r["name"].replace("有限公司", f"{i}号有限公司")
        rows.append(r)
    before = rss_mb()
    model = PoolTableModel(pools.OBJECT_COLUMNS + [("category", "监管类别")])
    t0 = time.perf_counter()
    model.set_rows(rows)
    load_s = time.perf_counter() - t0
    del rows, base
    proxy = PoolFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.resize(1200, 700)
    view.show()
    app.processEvents()
    after = rss_mb()
    typed = "示例县城关鑫源化工"
    times, baseline = [], []
    for k in range(1, len(typed) + 1):
        needle = typed[:k].lower()
        t0 = time.perf_counter()
        _ = [needle in s for s in model._search]
        baseline.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        proxy.set_search(typed[:k])
        visible = proxy.rowCount()
        app.processEvents()
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    proxy.set_filter("township", "城关镇")
    proxy.set_filter("tags", "园区企业", is_list=True)
    filt = time.perf_counter() - t0
    proxy.clear_filters()
    t0 = time.perf_counter()
    model.sort(1)
    app.processEvents()
    sort_s = time.perf_counter() - t0
    print(f"rows: {n:,}")
    print(f"load into model: {load_s * 1000:.0f} ms")
    print(
        "baseline pass (plain Python 'in' over search strings): "
        f"median {sorted(baseline)[len(baseline) // 2] * 1000:.1f} ms"
    )
    print(
        f"per keystroke (proxy refilter + view): median {sorted(times)[len(times) // 2] * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms (target ≤ 200 ms); last visible {visible}"
    )
    print(f"two column filters: {filt * 1000:.1f} ms; sort by name: {sort_s * 1000:.0f} ms")
    print(f"RSS: {before:.0f} MB before load, {after:.0f} MB after (+{after - before:.0f} MB; target ≤ 500 MB total)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
