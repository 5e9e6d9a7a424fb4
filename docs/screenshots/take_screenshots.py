"""Regenerate the README screenshots offscreen from the demo database.

    .venv/bin/python docs/screenshots/take_screenshots.py [demo-data/demo.sqlite3]

Creates the demo database with `ssj demo` if it does not exist, logs in as admin, shows each page at
1280×800 and saves `docs/screenshots/<page key>.png`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SSJ_DATA_DIR", tempfile.mkdtemp(prefix="ssj-shots-"))

PAGES = ["home", "objects", "rules", "plans", "draw", "outcomes", "publication", "stats", "audit", "backup", "users"]


def main() -> int:
    db_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "demo-data" / "demo.sqlite3"
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "app", "--db", str(db_path), "demo"], check=True, cwd=ROOT)
    from app.paths import resolve_db
    from app.services import office as office_service
    from app.services.context import Actor
    from app.ui.context import AppContext
    from app.ui.main import make_application, open_store
    from app.ui.main_window import MainWindow

    app = make_application()
    db = open_store(resolve_db(str(db_path)))
    with db.Session() as s:
        office = office_service.get_office(s)
    ctx = AppContext(db=db, actor=Actor("admin", "管理员", "管理员"), office_name=office.name, office_level=office.level)
    window = MainWindow(ctx)
    window.backup_on_close = False
    window.resize(1280, 800)
    window.show()
    out = Path(__file__).resolve().parent
    window.daily_backup()  # so the 备份与恢复 page lists a backup
    for key in PAGES:
        if window.show_page(key) is None:
            continue
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(out / f"{key}.png"))
        print(out / f"{key}.png")
    window.close()
    # The two dialogs a clerk meets first: first run (on an empty database) and login.
    from app.models.db import open_database
    from app.ui.first_run import FirstRunDialog
    from app.ui.login import LoginDialog

    blank = open_database(resolve_db(str(Path(os.environ["SSJ_DATA_DIR"]) / "blank.sqlite3")))
    first = FirstRunDialog(blank)
    first.show()
    app.processEvents()
    first.grab().save(str(out / "first_run.png"))
    blank.dispose()
    login = LoginDialog(db, office.name, username="admin")
    login.show()
    app.processEvents()
    login.grab().save(str(out / "login.png"))
    print(out / "first_run.png", out / "login.png")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
