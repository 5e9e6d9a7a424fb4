"""python -m app / ssj: no command opens the GUI; a subcommand runs headless; --selftest checks a build."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from app.paths import hold_app_mutex, restore_child_environment

    restore_child_environment()  # xdg-open & co. must not inherit the bundle's LD_LIBRARY_PATH
    if "--selftest" not in argv:
        hold_app_mutex()  # Windows: the installer waits while the program runs (ssj.iss AppMutex)
    if "--selftest" in argv:
        from app.selftest import run_selftest

        return run_selftest()
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--db")
    pre.add_argument("--user")
    known, rest = pre.parse_known_args(argv)
    if not rest:
        from app.ui.main import run_gui

        return run_gui(db=known.db)
    from app.cli import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
