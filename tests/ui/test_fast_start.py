"""Start fast (issue 16): the login window comes before the store, the main window before the pages.

Real processes (a fresh interpreter says which modules it has imported) and real dialogs; the figures themselves
are in bench/startup.py, never here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "reportlab", "openpyxl", "python_calamine", "cryptography", "segno")


def _child(code: str, *args: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


LOGIN_FIRST = """
import json, sys
from app.ui.main import make_application
from app.ui.login import LoginDialog
app = make_application()
dlg = LoginDialog(None, "")
dlg.show(); app.processEvents()
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(json.dumps({"visible": dlg.isVisible(), "ok_enabled": dlg.ok_button.isEnabled(), "heavy": heavy,
                  "pages": sorted(m for m in sys.modules if m.startswith("app.ui.pages")),
                  "models": "app.models" in sys.modules}))
"""


def test_the_login_window_shows_before_any_store_or_document_library_is_imported():
    seen = _child(LOGIN_FIRST, *HEAVY)
    assert seen["visible"] and not seen["ok_enabled"]  # 登录 waits for the database
    assert seen["heavy"] == [] and seen["pages"] == [] and not seen["models"]


MAIN_WINDOW = """
import json, sys
from app.ui.main import make_application, open_store
from app.services.foundation.context import Actor
from app.ui.context import AppContext
from app.ui.main_window import MainWindow
app = make_application()
db = open_store(sys.argv[1])
ctx = AppContext(db=db, actor=Actor("admin", "管理员", "管理员"), office_name="测试县", office_level="county")
w = MainWindow(ctx); w.backup_on_close = False; w.show(); app.processEvents()
before = sorted(m for m in sys.modules if m.startswith("app.ui.pages."))
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"reportlab", "openpyxl", "python_calamine", "segno"})
w.show_page("stats"); app.processEvents()
from app.ui import operations
operations.wait_all()
after = sorted(m for m in sys.modules if m.startswith("app.ui.pages."))
print(json.dumps({"before": before, "heavy": heavy, "after": after, "current": w.current_key(),
                  "nav": len(w.specs), "broken": [k for k, p in w.pages.items() if type(p).__name__ == "QLabel"]}))
w.close(); db.dispose()
"""


def test_the_main_window_imports_a_page_only_when_it_is_opened(db, db_path):
    db.dispose()
    seen = _child(MAIN_WINDOW, f"sqlite:///{db_path}")
    assert seen["before"] == ["app.ui.pages.home"]  # the first page shown, nothing else
    assert seen["heavy"] == []
    assert "app.ui.pages.stats" in seen["after"] and seen["current"] == "stats"
    assert seen["nav"] >= 17 and seen["broken"] == []


def test_the_registry_and_the_page_modules_agree():
    from app.ui.pages import REGISTRY, discover

    modules = {spec.key: spec for spec in discover()}
    assert {s.key for s in REGISTRY} == set(modules)
    for spec in REGISTRY:
        real = modules[spec.key]
        assert (spec.title, spec.group, spec.order, spec.roles, spec.levels) == (
            real.title,
            real.group,
            real.order,
            real.roles,
            real.levels,
        ), spec.key
        assert spec.factory.page_module == spec.key


def test_login_is_shown_while_the_database_opens_then_logs_in(qtbot, db, db_path, monkeypatch):
    from app.ui import login, main

    db.dispose()
    shown = []
    real_exec = login.LoginDialog.exec

    def exec_(self):
        shown.append((self.db is None, self.ok_button.isEnabled(), self.waiting.isVisibleTo(self)))

        def try_login():
            if self.db is None:
                QTimer.singleShot(20, try_login)
                return
            self.username.setText("admin")
            self.password.setText("admin123")
            self.submit()

        QTimer.singleShot(0, try_login)
        return real_exec(self)

    monkeypatch.setattr(login.LoginDialog, "exec", exec_)
    database, ctx = main.login_while_opening(f"sqlite:///{db_path}")
    try:
        assert shown == [(True, False, True)]
        assert ctx.actor.username == "admin" and ctx.office_name == "测试县生态环境保护综合行政执法大队"
        assert ctx.office_level == "county"
    finally:
        database.dispose()


def test_a_database_that_cannot_be_opened_ends_the_login_with_the_error(qtbot, tmp_path):
    from app.ui import main

    bogus = tmp_path / "通讯录.sqlite3"
    bogus.write_text("张三 13800000000", encoding="utf-8")
    result = main.login_while_opening(f"sqlite:///{bogus}")
    assert isinstance(result, BaseException)
    assert "不是 SQLite 文件" in main.open_failure_message(f"sqlite:///{bogus}", result)


def test_the_start_up_probe_times_the_real_start_and_logs_in(db, db_path, tmp_path):
    """bench/startup.py times the program (from source or the frozen bundle) by its own probe: with
    SSJ_STARTUP_PROBE the login window says when it is shown, logs in as that user once the database is open
    (SSJ_PASSWORD), and the main window says when it answers."""
    db.dispose()
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        SSJ_DATA_DIR=str(tmp_path / "data"),
        SSJ_STARTUP_PROBE="admin",
        SSJ_PASSWORD="admin123",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db_path)], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    marks = [line.split() for line in proc.stdout.splitlines() if line.split()[:1] in (["LOGIN"], ["SUBMIT"], ["MAIN"])]
    assert [m[0] for m in marks] == ["LOGIN", "SUBMIT", "MAIN"]
    assert float(marks[0][1]) <= float(marks[1][1]) <= float(marks[2][1])
