"""Issue 21 point 2 (GUI side): connection settings a municipal administrator can type — host, port, database
name, user as separate fields, the password only typed (kept in memory for this run) or from PGPASSWORD /
.pgpass, never stored; a 测试连接 button that says in Chinese what is wrong. Against the real PostgreSQL server."""

from __future__ import annotations

from app.services.foundation.store import check_connection
from app.ui.connection import ConnectionDialog, saved_server_url
from app.ui.main_window import settings as window_settings
from tests.faults.test_postgres_connections import PASSWORD as SECRET
from tests.faults.test_postgres_connections import pw_role  # noqa: F401  (a scram-sha-256 role)
from tests.foundation.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures: a throw-away server)


def test_check_connection_reports_in_chinese(pg_server, pg_url):  # noqa: F811
    host, port = pg_server
    name = pg_url.rsplit("/", 1)[1]
    ok, msg = check_connection(host, port, name, "ssj")
    assert ok and "连接成功" in msg and "尚未初始化" in msg, msg
    ok, msg = check_connection(host, port, "no_such_db", "ssj")
    assert not ok and "没有这个数据库" in msg, msg
    ok, msg = check_connection("127.0.0.1", 1, name, "ssj")
    assert not ok and "无法连接数据库服务器" in msg, msg


def test_the_dialog_tests_the_connection_and_never_stores_the_password(qtbot, pg_server, pg_url):  # noqa: F811
    host, port = pg_server
    name = pg_url.rsplit("/", 1)[1]
    dlg = ConnectionDialog()
    qtbot.addWidget(dlg)
    dlg.host.setText(host)
    dlg.port.setValue(port)
    dlg.name.setText(name)
    dlg.user.setText("ssj")
    dlg.test_button.click()
    assert "连接成功" in dlg.result_label.text()
    dlg.name.setText("no_such_db")
    dlg.test_button.click()
    assert "没有这个数据库" in dlg.result_label.text()
    assert "Traceback" not in dlg.result_label.text()
    dlg.name.setText(name)
    dlg.password.setText("不保存的口令")
    dlg.accept()
    url = saved_server_url()
    assert url is not None and f":{port}/{name}" in url and "ssj@" in url
    stored = open(window_settings().fileName(), encoding="utf-8", errors="replace").read()
    assert "不保存的口令" not in stored and "password" not in stored.lower()


def test_a_wrong_password_is_explained_without_showing_it(qtbot, pw_role, monkeypatch):  # noqa: F811
    host, port, role, name = pw_role
    monkeypatch.delenv("PGPASSWORD", raising=False)
    dlg = ConnectionDialog()
    qtbot.addWidget(dlg)
    dlg.host.setText(host)
    dlg.port.setValue(port)
    dlg.name.setText(name)
    dlg.user.setText(role)
    dlg.password.setText(SECRET)
    dlg.test_button.click()
    assert "连接成功" in dlg.result_label.text(), dlg.result_label.text()
    dlg.password.setText("wrong-" + SECRET)
    dlg.test_button.click()
    text = dlg.result_label.text()
    assert "用户名或密码不正确" in text and SECRET not in text, text


def test_the_first_run_dialog_switches_to_a_server_database(qtbot, blank_db, pg_server, pg_url, tmp_path):  # noqa: F811
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.first_run import FirstRunDialog

    host, port = pg_server
    name = pg_url.rsplit("/", 1)[1]
    first = FirstRunDialog(blank_db)
    qtbot.addWidget(first)
    first.resize(1366, 768)
    seen = {}

    def fill():
        dlg = QApplication.activeModalWidget()
        seen["title"] = dlg.windowTitle()
        dlg.host.setText(host)
        dlg.port.setValue(port)
        dlg.name.setText(name)
        dlg.user.setText("ssj")
        dlg.test_button.click()
        seen["result"] = dlg.result_label.text()
        dlg.grab().save(str(tmp_path / "connection.png"))
        dlg.accept()

    QTimer.singleShot(200, fill)
    first.show()
    first.server_button.click()
    assert "数据库连接" in seen["title"] and "连接成功" in seen["result"], seen
    assert first.result() == FirstRunDialog.SERVER
    assert saved_server_url().endswith(f"@{host}:{port}/{name}")
    assert (tmp_path / "connection.png").stat().st_size > 0
