"""Mutation testing of the core modules with mutmut 3 — the kill rate per module.

    .venv/bin/python bench/mutation.py                       every core module below
    .venv/bin/python bench/mutation.py app/services/rules/quota.py [...]

Each module is mutated in a scratch copy of the repository (the work tree and pyproject.toml stay untouched),
against the tests that cover its area. The kill rate is killed / (all mutants − equivalent ones); mutants that
time out count as killed (the test run noticed). Equivalent mutants — changes that cannot alter behaviour — are
listed with the reason in docs/mutation-equivalents.md (a line starting with the mutant's name).
Not part of the test command: a whole module takes minutes to an hour. A change to a core module runs this on it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(os.environ.get("SSJ_MUTATION_DIR", "/tmp/ssj-mutation"))

# module → the tests that cover it (directories or files, as pytest arguments)
CORE = {
    "app/services/rules/quota.py": ["tests/rules"],
    "app/services/rules/classification.py": ["tests/rules"],
    "app/services/rules/policies.py": ["tests/rules"],
    "app/services/outcomes/workdays.py": ["tests/outcomes/test_workdays.py"],
    "app/services/draw/algorithm.py": ["tests/draw"],
    "app/services/exchange/packages.py": ["tests/exchange"],
}


def equivalents() -> set[str]:
    path = ROOT / "docs" / "mutation-equivalents.md"
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*[-*|]?\s*`?([A-Za-z_][\w.]*__mutmut_\d+)`?", line)
        if m:
            names.add(m.group(1))
    return names


def copy_tree(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    for rel in files:
        if not rel or rel.startswith(("mutants/", "dist/", "build/")):
            continue
        src = ROOT / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def configure(dest: Path, module: str, tests: list[str]) -> None:
    text = (dest / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r"\n\[tool\.mutmut\][^\[]*", "\n", text)
    quoted = ", ".join(f'"{t}"' for t in tests)
    text += (
        "\n[tool.mutmut]\n"
        'source_paths = ["app"]\n'
        f'only_mutate = ["{module}"]\n'
        f"pytest_add_cli_args_test_selection = [{quoted}]\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]\n'
        'also_copy = ["resources", "docs", "scripts", "bench"]\n'
    )
    (dest / "pyproject.toml").write_text(text, encoding="utf-8")


def run_module(module: str, tests: list[str]) -> dict:
    dest = SCRATCH / Path(module).stem
    copy_tree(dest)
    configure(dest, module, tests)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(dest))
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    start = time.monotonic()
    subprocess.run(
        [mutmut, "run", "--max-children", str(os.cpu_count() or 2)],
        cwd=dest,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = subprocess.run([mutmut, "results", "--all", "true"], cwd=dest, env=env, capture_output=True, text=True).stdout
    status: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+__mutmut_\d+):\s*(.+)$", line)
        if m:
            status[m.group(1)] = m.group(2).strip()
    equiv = equivalents()
    counted = {k: v for k, v in status.items() if k not in equiv}
    killed = sum(1 for v in counted.values() if v in ("killed", "timeout"))
    survivors = sorted(k for k, v in counted.items() if v not in ("killed", "timeout"))
    return {
        "module": module,
        "mutants": len(status),
        "equivalent": len(status) - len(counted),
        "killed": killed,
        "rate": killed / len(counted) if counted else 1.0,
        "survivors": survivors,
        "seconds": time.monotonic() - start,
        "dir": str(dest),
    }


def main(argv: list[str]) -> int:
    modules = argv or list(CORE)
    worst = 1.0
    for module in modules:
        area = Path(module).parts[2] if module.startswith("app/services/") else ""
        tests = CORE.get(module) or [f"tests/{area}" if area else "tests"]
        r = run_module(module, tests)
        worst = min(worst, r["rate"])
        print(
            f"{r['module']}: {r['killed']}/{r['mutants'] - r['equivalent']} killed = {r['rate']:.1%} "
            f"({r['equivalent']} equivalent, {r['seconds']:.0f} s)"
        )
        listing = Path(r["dir"]) / "survivors.txt"
        listing.write_text("\n".join(r["survivors"]) + "\n", encoding="utf-8")
        for name in r["survivors"][:15]:
            print(f"    survived: {name}")
        if r["survivors"]:
            print(f"    … {len(r['survivors'])} survivors in {listing}; see one with `mutmut show NAME` in {r['dir']}")
    return 0 if worst >= 0.85 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
