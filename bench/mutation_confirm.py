"""Check that new tests kill given mutants, without a whole mutation run.

    cd /tmp/ssj-mutation/<target>/mutants
    PYTHONPATH=$PWD QT_QPA_PLATFORM=offscreen /work/<tree>/.venv/bin/python /work/<tree>/bench/mutation_confirm.py \\
        app.services.outcomes.workdays "tests/outcomes/test_x.py tests/outcomes/test_y.py" x_parse_notice__mutmut_66 ...

Copy the new test files into the scratch copy's mutants/tests first. mutmut's trampolines read MUTANT_UNDER_TEST at
every call, so one process runs the tests against each mutant in turn and prints "killed" or "SURVIVED".
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

import pytest


def main(argv: list[str]) -> int:
    prefix, tests, names = argv[0], argv[1].split(), argv[2:]
    alive = 0
    for name in names:
        os.environ["MUTANT_UNDER_TEST"] = f"{prefix}.{name}"
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            rc = pytest.main([*tests, "-x", "-q", "-p", "no:cacheprovider"])
        alive += rc == 0
        print(name, "killed" if rc != 0 else "SURVIVED", flush=True)
    return 1 if alive else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
