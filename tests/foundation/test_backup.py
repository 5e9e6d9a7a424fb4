"""备份与恢复: real SQLite files, real folders, the audit chain across a restore."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEntry, InspectionObject
from app.services.foundation import audit
from app.services.foundation import backup as bk
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from app.services.foundation.store import open_database
from tests.factories import make_object

ADMIN = Actor("admin", "管理员")


def _count_objects(db) -> int:
    with db.Session() as s:
        return len(s.scalars(select(InspectionObject)).all())


def test_backup_to_folder_names_office_and_time_and_is_audited(db, tmp_path):
    with acting_as(ADMIN):
        info = bk.backup_to(db, tmp_path / "U盘", when=datetime(2026, 3, 5, 9, 8, 7))
    assert info.path.name == "备份-测试县生态环境保护综合行政执法大队-20260305-090807.sqlite3"
    assert info.path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert not list((tmp_path / "U盘").glob("*.part"))
    con = sqlite3.connect(info.path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT name FROM office").fetchone()[0] == "测试县生态环境保护综合行政执法大队"
    con.close()
    with db.Session() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last.action == "备份" and last.user == "admin" and str(info.path) in last.summary
        assert audit.verify(s).ok


def test_backup_same_second_does_not_overwrite(db, tmp_path):
    when = datetime(2026, 1, 1, 8, 0, 0)
    a = bk.backup_to(db, tmp_path, when=when)
    b = bk.backup_to(db, tmp_path, when=when)
    assert a.path != b.path and a.path.exists() and b.path.exists()


def test_backup_into_a_file_path_or_unwritable_place_is_refused(db, tmp_path):
    afile = tmp_path / "not-a-folder.txt"
    afile.write_text("x")
    with pytest.raises(UserError, match="是一个文件，不是文件夹"):
        bk.backup_to(db, afile)
    with pytest.raises(UserError, match="无法写入"):
        bk.backup_to(db, afile / "sub")


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )


def test_backup_to_full_disk_says_so_and_leaves_no_part_file(db, tmp_path):
    stick = tmp_path / "full-stick"
    if _mount_tmpfs(stick, "32k"):  # a real 32 KB "USB stick" (needs root, as CI runs)
        try:
            with pytest.raises(UserError, match="磁盘空间不足"):
                bk.backup_to(db, stick)
            assert list(stick.iterdir()) == []
        finally:
            subprocess.run(["umount", str(stick)])
    else:  # without root: the same mapping, from the real OSError the OS raises
        import errno

        err = bk._os_error(OSError(errno.ENOSPC, "No space left on device"), stick)
        assert "磁盘空间不足" in err.message


def test_read_only_stick_message(db, tmp_path):
    stick = tmp_path / "ro-stick"
    if _mount_tmpfs(stick, "1m"):
        try:
            subprocess.run(["mount", "-o", "remount,ro", str(stick)], check=True)
            with pytest.raises(UserError, match="只读"):
                bk.backup_to(db, stick)
        finally:
            subprocess.run(["umount", str(stick)])
    else:
        import errno

        assert "只读" in bk._os_error(OSError(errno.EROFS, "Read-only file system"), stick).message


def test_rotation_keeps_configured_number_of_auto_backups(db, data_dir):
    with db.Session() as s:
        assert bk.get_keep(s) == bk.DEFAULT_KEEP
        bk.set_keep(s, 3)
        s.commit()
    folder = data_dir / "backups"
    base = datetime(2026, 1, 1, 8, 0, 0)
    for i in range(5):
        bk.backup_to(db, folder, kind=bk.AUTO, when=base + timedelta(days=i))
    bk.backup_to(db, folder, kind=bk.MANUAL, when=base)
    removed = bk.rotate(folder, 3)
    assert len(removed) == 2
    autos = [b for b in bk.list_backups(folder) if b.kind == bk.AUTO]
    assert [b.created.day for b in autos] == [5, 4, 3]
    assert any(b.kind == bk.MANUAL for b in bk.list_backups(folder)), "manual backups are never rotated away"
    # auto_backup applies the setting itself
    bk.auto_backup(db)
    assert len([b for b in bk.list_backups(folder) if b.kind == bk.AUTO]) == 3


def test_keep_setting_validated(session):
    with pytest.raises(UserError, match="1–365"):
        bk.set_keep(session, 0)
    with pytest.raises(UserError, match="不是整数"):
        bk.set_keep(session, "十")


def test_daily_backup_once_per_day(db):
    today = date.today()
    assert bk.daily_backup_due(db, today)
    assert bk.daily_backup(db, today) is not None
    assert not bk.daily_backup_due(db, today)
    assert bk.daily_backup(db, today) is None


def test_restore_brings_back_old_data_and_keeps_replaced_db(db, db_path, tmp_path, data_dir):
    with acting_as(ADMIN), db.Session() as s:
        make_object(s, name="恢复前就有的公司")
        s.commit()
    saved = bk.backup_to(db, tmp_path / "usb")
    with acting_as(ADMIN), db.Session() as s:
        make_object(s, name="备份之后才加的公司")
        s.commit()
    assert _count_objects(db) == 2
    with acting_as(ADMIN):
        result = bk.restore(db, saved.path)
    assert _count_objects(db) == 1
    assert result.kept_backup is not None and result.kept_backup.parent == data_dir / "backups"
    assert result.kept_backup.name.startswith("恢复前备份-")
    con = sqlite3.connect(result.kept_backup)
    assert con.execute("SELECT count(*) FROM inspection_object").fetchone()[0] == 2
    con.close()
    with db.Session() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last.action == "恢复" and saved.path.name in last.summary
        assert audit.verify(s).ok
    # The database still opens normally (WAL, migrations) after the restore.
    db.dispose()
    again = open_database(f"sqlite:///{db_path}")
    assert _count_objects(again) == 1
    again.dispose()


def _fingerprint(path: Path) -> bytes:
    con = sqlite3.connect(path)
    rows = con.execute("SELECT seq, hash FROM audit_entry ORDER BY seq").fetchall()
    con.close()
    return repr(rows).encode()


def test_corrupt_file_refused_untouched(db, db_path, tmp_path, data_dir):
    good = bk.backup_to(db, tmp_path)
    data = bytearray(good.path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2000] = b"\xff" * 2000  # scribble over a table page
    bad = tmp_path / "坏的备份.sqlite3"
    bad.write_bytes(bytes(data))
    before = _fingerprint(db_path)
    with pytest.raises(UserError, match="损坏|无法读取"):
        bk.restore(db, bad)
    assert _fingerprint(db_path) == before
    assert not list(data_dir.glob("backups/恢复前备份-*")), "nothing is touched before the checks pass"


def test_foreign_and_text_files_refused(db, tmp_path):
    txt = tmp_path / "说明.sqlite3"
    txt.write_text("这不是数据库", encoding="utf-8")
    with pytest.raises(UserError, match="不是 SQLite"):
        bk.check_backup(txt)
    other = tmp_path / "别的程序.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(UserError, match="不是双随机抽查工作台的数据库"):
        bk.restore(db, other)


def test_newer_and_uninitialised_backups_refused(db, tmp_path):
    newer = bk.backup_to(db, tmp_path).path
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    with pytest.raises(UserError, match="更新版本"):
        bk.restore(db, newer)
    empty = tmp_path / "empty.sqlite3"
    open_database(f"sqlite:///{empty}").dispose()  # migrated, but no office yet
    with pytest.raises(UserError, match="没有本单位信息"):
        bk.check_backup(empty)


def test_postgres_url_says_use_pg_dump(tmp_path):
    from app.models.db import Database

    fake = Database(url="postgresql+psycopg://u@127.0.0.1:1/x", engine=None, Session=None)
    with pytest.raises(UserError, match="pg_dump"):
        bk.backup_to(fake, tmp_path)
    with pytest.raises(UserError, match="pg_dump"):
        bk.restore_file("postgresql+psycopg://u@127.0.0.1:1/x", tmp_path / "x.sqlite3")


def test_paths_with_spaces_hash_and_percent(tmp_path, data_dir):
    """Folder names a clerk might use ('U盘 #1 100%') must not break the SQLite URI ('#' starts a fragment)."""
    weird = tmp_path / "U盘 #1 100% 备份"
    db = open_database(f"sqlite:///{weird / '数据 #库.sqlite3'}")
    try:
        with acting_as(ADMIN), db.Session() as s:
            from app.services.foundation.office import init_office

            init_office(s, name="某县执法大队", level="county", admin="admin", admin_password="admin123")
            s.commit()
        info = bk.backup_to(db, weird / "out #2")
        assert [b.office for b in bk.list_backups(weird / "out #2")] == ["某县执法大队"]
        assert bk.check_backup(info.path).office == "某县执法大队"
        assert bk.restore(db, info.path).office == "某县执法大队"
    finally:
        db.dispose()


def test_dashboard_reminds_to_back_up(db, tmp_path):
    with db.Session() as s:
        [item] = bk.dashboard_items(s, date.today())
        assert (item["title"], item["value"], item["level"], item["page"]) == ("手动备份", "从未", "warn", "backup")
    with acting_as(ADMIN):
        bk.backup_to(db, tmp_path)
    with db.Session() as s:
        [item] = bk.dashboard_items(s, date.today())
        assert (item["value"], item["level"]) == ("今天", "info") and "admin" in item["detail"]
        [item] = bk.dashboard_items(s, date.today() + timedelta(days=45))
        assert (item["value"], item["level"]) == ("45 天前", "warn") and "请尽快备份到 U 盘" in item["detail"]
        from app.services.reports import dashboard

        assert any(i["title"] == "手动备份" for i in dashboard.collect(s, date.today()))


def test_two_databases_sharing_the_data_folder_rotate_separately(db, tmp_path, data_dir):
    from app.services.foundation.office import init_office

    other = open_database(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        with acting_as(ADMIN), other.Session() as s:
            init_office(s, name="示例县执法大队", level="county", admin="admin", admin_password="admin123")
            bk.set_keep(s, 2)
            s.commit()
        assert bk.daily_backup(db) is not None
        assert bk.daily_backup_due(other), "the other office has no backup today yet"
        for _ in range(4):
            bk.auto_backup(other)
        offices = [b.office for b in bk.list_backups(data_dir / "backups") if b.kind == bk.AUTO]
        assert offices.count("示例县执法大队") == 2
        assert offices.count("测试县生态环境保护综合行政执法大队") == 1, (
            "one office's rotation never deletes the other's"
        )
    finally:
        other.dispose()
