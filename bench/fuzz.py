"""A longer fuzzing run of the properties in tests/faults/test_fuzz.py (CI runs 25 examples each).

    python bench/fuzz.py                # 2,000 examples per property
    python bench/fuzz.py --examples 20000

Each property: whatever the bytes (mutated .xlsx, random files, arbitrary CSV text, arbitrary report
packages, deeply nested JSON), the spreadsheet reader, the importer and the package reader answer with a
result or a Chinese UserError — never another exception, never an abort.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=2000)
    args = ap.parse_args()
    env = dict(os.environ, SSJ_FUZZ_EXAMPLES=str(args.examples), QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    rc = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/faults/test_fuzz.py"], cwd=ROOT, env=env
    )
    print(f"{args.examples} examples per property, {time.perf_counter() - t0:.0f} s, exit {rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
