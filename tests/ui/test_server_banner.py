"""Issue 21 point 3 (GUI): the PostgreSQL server goes away under a real main window and comes back.

Its own throw-away server (the shared session server must not be stopped): while it is stopped the window shows
a Chinese banner (server unreachable, retrying, figures may be stale) and its title says so; after a restart the
banner goes and the current page is read again. Screenshot at 1366×768."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from app.services.foundation.context import Actor, acting_as
from app.services.foundation.office import init_office
from app.ui.context import AppContext
from tests.foundation.test_postgres import _free_port, _pg_bin


@pytest.fixture
def own_server():
    """(url, stop, start) of a throw-away server this test may stop and start again."""
    bindir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="ssj-pg-banner-"))
    data, log = folder / "data", folder / "server.log"
    as_root = os.geteuid() == 0

    def run(*cmd):
        if as_root:
            cmd = ("su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in cmd))
        subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)

    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    run(str(bindir / "initdb"), "-D", str(data), "-U", "ssj", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    port = _free_port()
    opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start():
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", opts, "start")

    def stop():
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")

    start()
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="ssj", dbname="postgres", autocommit=True) as conn:
        conn.execute('CREATE DATABASE "banner"')
    try:
        yield f"postgresql+psycopg://ssj@127.0.0.1:{port}/banner", stop, start
    finally:
        try:
            stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(folder, ignore_errors=True)


def test_a_banner_while_the_server_is_away_and_a_refresh_when_it_is_back(qtbot, own_server, tmp_path):
    from app.services.foundation.store import open_database
    from app.ui.main_window import MainWindow
    from app.ui.server_watch import STALE_SUFFIX

    url, stop, start = own_server
    db = open_database(url)
    try:
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            init_office(s, name="威海市生态环境局", level="city", admin="admin", admin_password="admin123")
            s.commit()
        ctx = AppContext(
            db=db, actor=Actor("admin", "管理员", "管理员"), office_name="威海市生态环境局", office_level="city"
        )
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        watch = w.server_watch
        assert watch is not None
        watch.timer.setInterval(300)
        home = w.show_page("home")
        assert not watch.banner.isVisible()

        stop()
        qtbot.waitUntil(lambda: watch.banner.isVisible(), timeout=30_000)
        text = watch.banner.text()
        assert "无法连接数据库服务器" in text and "正在" in text and "重试" in text and "可能已过期" in text, text
        assert "Traceback" not in text and "psycopg" not in text.lower()
        assert w.windowTitle().endswith(STALE_SUFFIX)
        assert not w.stack.isEnabled(), "the stale figures are greyed out"
        w.grab().save(str(tmp_path / "server_away.png"))
        assert w.isVisible(), "the window stays; nothing fails at the next action"

        refreshed = []
        original = home.refresh
        home.refresh = lambda *a: (refreshed.append(1), original(*a))[1]
        start()
        qtbot.waitUntil(lambda: not watch.banner.isVisible(), timeout=60_000)
        assert not w.windowTitle().endswith(STALE_SUFFIX) and w.stack.isEnabled()
        assert refreshed, "the page was read again when the server came back"
        w.close()
    finally:
        db.dispose()
    shutil.copy(tmp_path / "server_away.png", Path(__file__).resolve().parents[2] / "docs/screenshots/server_away.png")
