"""Mutation testing of the core modules with mutmut 3 — the kill rate per module.

    .venv/bin/python bench/mutation.py                       every core module below
    .venv/bin/python bench/mutation.py app/services/rules/quota.py [...]
    … --resume             continue an interrupted run in its scratch copy with the current tests (verdicts kept)
    … --rerun-survivors    after new tests: run the survivors of the last run again, in the same copy
    … --report             the figures of the last run, without running

SSJ_MUTATION_DIR (scratch folder, default /tmp/ssj-mutation), SSJ_MUTATION_CHILDREN (parallel mutants),
SSJ_MUTATION_PROGRESS=1 (show mutmut's progress).

Each module is mutated in a scratch copy of the repository (the work tree and pyproject.toml stay untouched),
against the tests that cover its area. The kill rate is killed / (all mutants − equivalent ones); mutants that
time out count as killed (the test run noticed). Equivalent mutants — changes that cannot alter behaviour — are
listed with the reason in docs/mutation-equivalents.md (a line starting with the mutant's name).
Not part of the test command: a whole module takes minutes to an hour. A change to a core module runs this on it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(os.environ.get("SSJ_MUTATION_DIR", "/tmp/ssj-mutation"))

# module → how to run it. "tests": the tests that cover it (pytest arguments; mutmut runs per mutant only the
# ones that cover the mutated function, fastest first). "deselect": a -k expression for tests that must not
# count (they would "kill" every mutant for the wrong reason, e.g. the source-identity test of ssj_verify.py).
# "mutants": only these functions (mutmut names, fnmatch patterns) are run and counted — for a module of which
# one part is meant, like the verification half of exchange/packages.py.
DRAW_TESTS = [
    "tests/draw/test_vectors.py",
    "tests/draw/test_algorithm.py",
    "tests/draw/test_algorithm_exact.py",
    # written against the survivors of the whole-module runs (issue 22): plain algorithm calls, no database
    "tests/draw/test_nine_digit_ticket_ties.py",
    "tests/draw/test_verifier_record_checks.py",
    "tests/draw/test_team_follows_each_objects_kind.py",
    "tests/draw/test_snapshot_refusal_texts.py",
    "tests/draw/test_verifier_reads_utf8_in_any_locale.py",
    "tests/draw/test_version1_amendments_verify.py",
]
DRAW_DESELECT = (
    "not shipped_verifier and not standalone and not team_rules_hold and not equals_consistent_sampler"
    " and not first_required_shortcut and not vector_files_are"
)
_PKG = "app.services.exchange.packages."
CLASSIFICATION_TESTS = [
    "tests/rules/test_rule_conditions_and_reasons.py",
    "tests/rules/test_classifier_row_by_row.py",
    "tests/rules/test_voided_draw_penalties.py",
    "tests/rules/test_rule_fidelity.py::test_conflict_moves_list_every_moved_object_with_its_clause",
    "tests/rules/test_rule_fidelity.py::test_manual_override_by_name_or_id_and_by_a_leader",
    "tests/rules/test_rules_presets.py::test_manual_override_with_reason_is_audited",
    "tests/pools/test_expired_permits.py::test_classification_flags_the_object_whose_deciding_permit_expired",
    "tests/pools/test_expired_permits.py::test_a_permit_that_expires_later_is_not_flagged_until_it_has",
]
# quota.py: every tests/rules/test_quota_*.py — pure core on plain rows, or one database per test module with each
# test in a rolled-back transaction (milliseconds a test). The quota tests of test_rule_fidelity.py build a database
# per test (seconds each: a surviving mutant cost minutes) and are left to the test command.
QUOTA_TESTS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests" / "rules").glob("test_quota_*.py"))
CORE: dict[str, dict] = {
    # rules: the pure-core tests on plain rows (no database) pin the logic; a handful of small database tests
    # cover what only a session can run (penalized_in, expired permits, overrides, exclusions, the quota table).
    # The whole of tests/rules (~100 s a pass on a loaded machine) would make a mutant cost a minute.
    "app/services/rules/quota.py": {"tests": QUOTA_TESTS},
    "app/services/rules/classification.py": {"tests": CLASSIFICATION_TESTS},
    "app/services/outcomes/workdays.py": {
        "tests": [
            "tests/outcomes/test_workdays.py",
            "tests/outcomes/test_workdays_rules.py",
            "tests/outcomes/test_holiday_notice_reading.py",
            "tests/outcomes/test_deadline_rule_reasons.py",
        ]
    },
    "app/services/pools/importing/values.py": {"tests": ["tests/pools/test_cell_text_reading.py"]},
    "app/services/pools/importing/convert.py": {"tests": ["tests/pools/test_cell_text_reading.py"]},
    "app/services/draw/algorithm.py": {"tests": DRAW_TESTS, "deselect": DRAW_DESELECT},
    # the verifier rules R01–R18: the record checks of algorithm.py (check_structure, _verify and their helpers).
    # The same tests as the whole module (so one run's results serve both). tests/draw/test_verify_rows.py is left
    # out: it checks draws.verify_chain's row-against-record comparison (draws.py), never a record the verifier
    # misjudges, yet builds a database and draws per test (1–2 s each), and drew in every algorithm function.
    "verifier-rules": {
        "module": "app/services/draw/algorithm.py",
        "tests": DRAW_TESTS,
        "deselect": DRAW_DESELECT,
        "mutants": [
            f"app.services.draw.algorithm.x_{f}__mutmut_*"
            for f in (
                "_is_int",
                "_is_text",
                "_keys",
                "_texts",
                "_term_list",
                "_increasing",
                "_check_rules",
                "check_structure",
                "_check_unassigned",
                "_check_amendment",
                "_next_state",
                "verify_record",
                "_verify",
                "_first_difference",
                "_describe",
                "_excluded_for",
                "_replay",
            )
        ]
        + ["app.services.draw.algorithm.xǁImpossibleǁ*"],
    },
    # survivor 10 of issue 22: whether a voided draw's outcomes count as a penalty (penalized_in)
    "penalized-in": {
        "module": "app/services/rules/classification.py",
        "tests": CLASSIFICATION_TESTS,
        "mutants": ["app.services.rules.classification.x_penalized_in__mutmut_*"],
    },
    "app/services/exchange/packages.py": {
        # one real package built once per module, every hostile copy a pure verify_package call (the end-to-end
        # tests of tests/exchange build four databases per test: minutes a mutant)
        "tests": sorted(
            p.relative_to(ROOT).as_posix() for p in (ROOT / "tests" / "exchange").glob("test_package_verification_*.py")
        ),
        "mutants": [
            _PKG + "x_verify_package__mutmut_*",
            _PKG + "x__non_finite__mutmut_*",
            _PKG + "x__no_constant__mutmut_*",
            _PKG + "x__check_entry_name__mutmut_*",
            _PKG + "x__read_zip__mutmut_*",
            _PKG + "x__check_created_at__mutmut_*",
            _PKG + "x_load_public_key__mutmut_*",
            _PKG + "xǁVerifiedPackageǁ*",
        ],
    },
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


def configure(dest: Path, module: str, tests: list[str], deselect: str | None = None) -> None:
    text = (dest / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r"\n\[tool\.mutmut\][^\[]*", "\n", text)
    quoted = ", ".join(f'"{t}"' for t in tests)
    deselect_args = f', "-k", "{deselect}"' if deselect else ""
    text += (
        "\n[tool.mutmut]\n"
        'source_paths = ["app"]\n'
        f'only_mutate = ["{module}"]\n'
        f"pytest_add_cli_args_test_selection = [{quoted}]\n"
        f'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"{deselect_args}]\n'
        'also_copy = ["resources", "docs", "scripts", "bench"]\n'
    )
    (dest / "pyproject.toml").write_text(text, encoding="utf-8")


def target_config(name: str) -> tuple[str, dict]:
    """A target name (a module path, or an alias like `verifier-rules`) → (module path, its configuration)."""
    cfg = CORE.get(name)
    if cfg is None:
        area = Path(name).parts[2] if name.startswith("app/services/") else ""
        cfg = {"tests": [f"tests/{area}" if area else "tests"]}
    return cfg.get("module", name), cfg


def scratch_of(name: str) -> Path:
    return SCRATCH / re.sub(r"[^\w-]+", "-", Path(name).stem if name.endswith(".py") else name)


def refresh_tests(dest: Path) -> None:
    """--resume: the current tests/ and docs/ into an existing scratch copy (and its mutants/ tree)."""
    for folder in ("tests", "docs"):
        for src in (ROOT / folder).rglob("*"):
            if src.is_file() and "__pycache__" not in src.parts:
                for base in (dest, dest / "mutants"):
                    target = base / src.relative_to(ROOT)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, target)


def run_module(name: str, *, run: bool = True, resume: bool = False) -> dict:
    module, cfg = target_config(name)
    dest = scratch_of(name)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(dest))
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    patterns = cfg.get("mutants", [])
    start = time.monotonic()
    to_run = list(patterns)
    if run and resume and (dest / "mutants").is_dir():
        # the same mutants, the tests as they are now: mutmut keeps every verdict it has and runs the rest
        # (--resume) or also runs the survivors of the last run again (--rerun-survivors, new tests for them)
        refresh_tests(dest)
        listing = dest / "survivors.txt"
        if resume == "survivors" and listing.exists():
            to_run = listing.read_text(encoding="utf-8").split()
    elif run:
        copy_tree(dest)
        configure(dest, module, cfg["tests"], cfg.get("deselect"))
    if run:
        subprocess.run(
            [
                mutmut,
                "run",
                "--max-children",
                os.environ.get("SSJ_MUTATION_CHILDREN", str(os.cpu_count() or 2)),
                *to_run,
            ],
            cwd=dest,
            env=env,
            stdout=None if os.environ.get("SSJ_MUTATION_PROGRESS") else subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    out = subprocess.run([mutmut, "results", "--all", "true"], cwd=dest, env=env, capture_output=True, text=True).stdout
    status: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+__mutmut_\d+):\s*(.+)$", line)
        if m and (not patterns or any(fnmatch.fnmatchcase(m.group(1), p) for p in patterns)):
            status[m.group(1)] = m.group(2).strip()
    equiv = equivalents()
    counted = {k: v for k, v in status.items() if k not in equiv and v != "not checked"}
    killed = sum(1 for v in counted.values() if v in ("killed", "timeout"))
    survivors = sorted(k for k, v in counted.items() if v not in ("killed", "timeout"))
    return {
        "module": name,
        "mutants": len(status),
        "not_run": sum(1 for v in status.values() if v == "not checked"),
        "equivalent": sum(1 for k, v in status.items() if k in equiv and v != "not checked"),
        "killed": killed,
        "rate": killed / len(counted) if counted else 1.0,
        "survivors": survivors,
        "seconds": time.monotonic() - start,
        "dir": str(dest),
    }


def main(argv: list[str]) -> int:
    report_only = "--report" in argv  # the figures of the last run in the scratch copy, without running
    # --resume: continue an interrupted run in its scratch copy with the current tests (verdicts kept);
    # --rerun-survivors: the same, and the survivors of that run are run again (after new tests for them)
    resume = "survivors" if "--rerun-survivors" in argv else "--resume" in argv
    names = [a for a in argv if not a.startswith("--")] or list(CORE)
    worst = 1.0
    for name in names:
        if report_only and not (scratch_of(name) / "mutants").is_dir():
            print(f"{name}: not run yet (no {scratch_of(name)}/mutants)")
            worst = 0.0
            continue
        r = run_module(name, run=not report_only, resume=resume)
        worst = min(worst, r["rate"])
        run_count = r["mutants"] - r["not_run"]
        partial = f"; only {run_count} of {r['mutants']} mutants run" if r["not_run"] else ""
        print(
            f"{r['module']}: {r['killed']}/{run_count - r['equivalent']} killed = {r['rate']:.1%} "
            f"({r['mutants']} mutants, {r['equivalent']} equivalent{partial}, {r['seconds']:.0f} s)"
        )
        listing = Path(r["dir"]) / "survivors.txt"
        listing.write_text("\n".join(r["survivors"]) + "\n", encoding="utf-8")
        for item in r["survivors"][:15]:
            print(f"    survived: {item}")
        if r["survivors"]:
            print(f"    … {len(r['survivors'])} survivors in {listing}; see one with `mutmut show NAME` in {r['dir']}")
        if r["not_run"]:
            worst = 0.0
    return 0 if worst >= 0.85 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
