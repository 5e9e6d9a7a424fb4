"""Fault injection: real processes, real files, real signals. Helpers shared by tests/faults/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def child_env(data_dir: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["SSJ_DATA_DIR"] = str(data_dir)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("SSJ_DB", None)
    env.update(extra)
    return env


@pytest.fixture
def ssj(data_dir):
    """Run `python -m app ARGS` in a real process → CompletedProcess (text, captured)."""

    def _run(*argv, timeout: float = 300, env: dict | None = None, **kw):
        return subprocess.run(
            [sys.executable, "-m", "app", *map(str, argv)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or child_env(data_dir),
            cwd=ROOT,
            **kw,
        )

    return _run


@pytest.fixture
def py(data_dir):
    """Run a Python snippet in a real process (for inputs that could abort the interpreter)."""

    def _run(code: str, *, timeout: float = 300, preexec_fn=None):
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env(data_dir),
            cwd=ROOT,
            preexec_fn=preexec_fn,
        )

    return _run
