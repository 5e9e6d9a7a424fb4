"""The shell over PostgreSQL (multi-user): no file lock, no file backups — the server's pg_dump is named."""

from __future__ import annotations

from app.services.foundation.context import Actor, acting_as
from app.services.foundation.office import init_office
from app.ui.context import AppContext
from tests.foundation.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures: a throw-away server)


def test_main_window_over_postgres(qtbot, pg_url, data_dir):  # noqa: F811
    from app.services.foundation.store import open_database
    from app.ui.main import InstanceGuard
    from app.ui.main_window import MainWindow

    db = open_database(pg_url)
    try:
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(s, name="威海市生态环境局", level="city", admin="admin", admin_password="admin123")
            s.commit()
        assert InstanceGuard(pg_url).acquire() is None, "several users share a server database"
        ctx = AppContext(
            db=db, actor=Actor("admin", "管理员", "管理员"), office_name="威海市生态环境局", office_level="city"
        )
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        w.show()
        assert w.db_label.text().startswith("数据库：postgresql+psycopg://ssj@127.0.0.1:")
        page = w.show_page("backup")
        assert page.pg_note.isVisible() and "pg_dump" in page.pg_note.text()
        assert not page.backup_button.isEnabled() and not page.restore_file_button.isEnabled()
        home = w.show_page("home")
        from app.ui.operations import wait_all

        wait_all()  # 首页 loads its figures off the UI thread
        assert not any(item["title"] == "手动备份" for item in home.items)
        w.close()  # no automatic file backup for a server database, and no error either
        assert not (data_dir / "backups").exists() or not list((data_dir / "backups").iterdir())
    finally:
        db.dispose()
