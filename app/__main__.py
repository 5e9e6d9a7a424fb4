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
    for opt in ("--db-host", "--db-port", "--db-name", "--db-user"):
        pre.add_argument(opt)
    known, rest = pre.parse_known_args(argv)
    if not rest:
        from app.ui.main import run_gui

        db = known.db
        if not db and (known.db_host or known.db_name):  # a server database; the password from PGPASSWORD/.pgpass
            from app.models.db import server_url_from_parts

            db = server_url_from_parts(known.db_host, known.db_port, known.db_name, known.db_user)
        return run_gui(db=db)
    from app.cli import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
