"""Windows path facts (app/paths.py) checked on Linux with Windows-like inputs.

A database on a mapped network drive must keep working: never `Path.resolve()` + `as_uri()` (which gives
`file://server/share/…`, refused by SQLite), WAL only on local disks, lock files written by the same PC
under another spelling of its name are recognised.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path, PureWindowsPath

import pytest

from app import paths
from app.paths import (
    DRIVE_FIXED,
    DRIVE_REMOTE,
    DRIVE_REMOVABLE,
    absolute_db_path,
    attachment_file,
    attachment_key,
    default_save_path,
    is_network_path,
    same_computer,
    sqlite_uri,
)


def test_mapped_drive_is_not_resolved_to_unc():
    assert absolute_db_path(r"Z:\台账\..\台账\ssj.sqlite3", windows=True) == r"Z:\台账\ssj.sqlite3"
    assert absolute_db_path(r"ssj.sqlite3", windows=True, cwd=r"Z:\执法") == r"Z:\执法\ssj.sqlite3"
    assert absolute_db_path(r"\\?\C:\数据\ssj.sqlite3", windows=True) == r"C:\数据\ssj.sqlite3"
    assert absolute_db_path(r"\\?\UNC\srv\共享\ssj.sqlite3", windows=True) == r"\\srv\共享\ssj.sqlite3"


def test_resolve_db_keeps_the_path_the_clerk_chose(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real", target_is_directory=True)
    url = paths.resolve_db(str(link / "ssj.sqlite3"))
    assert url == f"sqlite:///{link / 'ssj.sqlite3'}"  # not the symlink target (resolve())


@pytest.mark.parametrize(
    "path, uri",
    [
        (r"C:\数据\a#1 b.sqlite3", "file:///C:/%E6%95%B0%E6%8D%AE/a%231%20b.sqlite3"),
        (r"Z:\ssj.sqlite3", "file:///Z:/ssj.sqlite3"),
        (r"\\server\share\ssj.sqlite3", "file:////server/share/ssj.sqlite3"),
        (r"\\?\UNC\server\share\ssj?.sqlite3", "file:////server/share/ssj%3F.sqlite3"),
    ],
)
def test_windows_sqlite_uris(path, uri):
    assert sqlite_uri(path, windows=True) == uri
    assert sqlite_uri(path, windows=True, readonly=True) == uri + "?mode=ro"


def test_the_old_unc_uri_is_refused_by_sqlite_and_the_new_form_is_accepted(tmp_path):
    # What Path(r"\\server\share\x").as_uri() gives: SQLite refuses the authority.
    old = PureWindowsPath(r"\\server\share\ssj.sqlite3").as_uri()
    assert old.startswith("file://server/")
    with pytest.raises(sqlite3.OperationalError, match="authority"):
        sqlite3.connect(old, uri=True)
    # The form sqlite_uri gives for UNC paths has an empty authority; on Linux "//tmp/…" is the same folder.
    target = tmp_path / "共享" / "ssj.sqlite3"
    target.parent.mkdir()
    sqlite3.connect(target).execute("create table t(x)").connection.commit()
    unc_like = "file:///" + str(target)  # file:////tmp/… — the path starts with two slashes
    conn = sqlite3.connect(unc_like + "?mode=ro", uri=True)
    assert conn.execute("select name from sqlite_master").fetchall() == [("t",)]
    conn.close()


def test_posix_uri_survives_hash_question_mark_and_chinese(tmp_path):
    target = tmp_path / "科 员#1?" / "ssj.sqlite3"
    target.parent.mkdir()
    sqlite3.connect(target).execute("create table t(x)").connection.commit()
    conn = sqlite3.connect(sqlite_uri(target, readonly=True), uri=True)
    assert conn.execute("select count(*) from t").fetchone() == (0,)
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("insert into t values (1)")  # really read-only
    conn.close()


def test_network_paths_on_windows_through_a_stubbed_get_drive_type():
    calls = []

    def drive_type(root):
        calls.append(root)
        return {"Z:\\": DRIVE_REMOTE, "C:\\": DRIVE_FIXED, "E:\\": DRIVE_REMOVABLE}[root]

    assert is_network_path(r"Z:\台账\ssj.sqlite3", windows=True, get_drive_type=drive_type)
    assert not is_network_path(r"C:\Users\科员\ssj.sqlite3", windows=True, get_drive_type=drive_type)
    assert not is_network_path(r"E:\ssj.sqlite3", windows=True, get_drive_type=drive_type)
    assert calls == ["Z:\\", "C:\\", "E:\\"]
    assert is_network_path(r"\\server\share\ssj.sqlite3", windows=True, get_drive_type=drive_type)
    assert is_network_path(r"\\?\UNC\server\share\ssj.sqlite3", windows=True, get_drive_type=drive_type)
    assert not is_network_path(r"\\?\C:\长路径\ssj.sqlite3", windows=True, get_drive_type=drive_type)


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
//nas/执法 /mnt/nas cifs rw,relatime 0 0
nas:/export /srv/nfs nfs4 rw 0 0
/dev/sdb1 /media/科员/U\\040盘 vfat rw 0 0
"""


def test_network_paths_on_linux_from_proc_mounts():
    assert is_network_path("/mnt/nas/ssj.sqlite3", windows=False, mounts_text=MOUNTS)
    assert is_network_path("/srv/nfs/a/ssj.sqlite3", windows=False, mounts_text=MOUNTS)
    assert not is_network_path("/mnt/nasty/ssj.sqlite3", windows=False, mounts_text=MOUNTS)
    assert not is_network_path("/media/科员/U 盘/ssj.sqlite3", windows=False, mounts_text=MOUNTS)
    assert not is_network_path("/home/科员/ssj.sqlite3", windows=False, mounts_text=MOUNTS)


@pytest.mark.parametrize(
    "lock_host, hostname, computername, same",
    [
        ("DESKTOP-7Q2K9AB", "Desktop-7q2k9abcdefgh", "DESKTOP-7Q2K9AB", True),  # Qt: %COMPUTERNAME%
        ("DESKTOP-7Q2K9AB", "desktop-7q2k9abcdefgh.county.gov.cn", "", True),  # NetBIOS = first 15
        ("zfdd-pc", "ZFDD-PC", "", True),
        ("ZFDD-PC", "zfdd-pc.local", "", True),
        ("", "zfdd-pc", "", True),
        ("CAIWU-PC", "ZFDD-PC", "ZFDD-PC", False),
        ("DESKTOP-7Q2K9ABCDXY", "DESKTOP-7Q2K9ABCDEF", "", False),
    ],
)
def test_lock_host_names(lock_host, hostname, computername, same):
    assert same_computer(lock_host, hostname=hostname, computername=computername) is same


def test_save_dialog_default_is_documents_not_the_install_folder(tmp_path, monkeypatch):
    docs = tmp_path / "文档"
    docs.mkdir()
    monkeypatch.setattr(paths.platformdirs, "user_documents_dir", lambda: str(docs))
    monkeypatch.chdir(tmp_path)
    assert default_save_path("2026年第一季度抽查结果.xlsx") == str(docs / "2026年第一季度抽查结果.xlsx")
    assert default_save_path(r"D:\公示\结果.xlsx") == r"D:\公示\结果.xlsx"
    assert default_save_path("/home/科员/结果.xlsx") == "/home/科员/结果.xlsx"
    assert default_save_path("") == str(docs)


def test_attachment_keys_use_forward_slashes(tmp_path):
    assert attachment_key(PureWindowsPath("12") / "现场照片.jpg") == "12/现场照片.jpg"
    assert attachment_key(r"12\sub\笔录.pdf") == "12/sub/笔录.pdf"
    assert attachment_file(r"12\现场照片.jpg", tmp_path) == tmp_path / "12" / "现场照片.jpg"
    assert attachment_file("12/现场照片.jpg", tmp_path) == Path(tmp_path, "12", "现场照片.jpg")


def test_windows_data_folder_is_localappdata_ssj(monkeypatch):
    """platformdirs on Windows (its folder lookup stubbed with a clerk's profile): %LOCALAPPDATA%\\ssj, no vendor
    level, and per-user (roaming AppData would follow the clerk to other PCs and get synced mid-write)."""
    import platformdirs.windows as win

    folders = {
        "CSIDL_LOCAL_APPDATA": r"C:\Users\张三\AppData\Local",
        "CSIDL_APPDATA": r"C:\Users\张三\AppData\Roaming",
        "CSIDL_PERSONAL": r"C:\Users\张三\Documents",
    }
    monkeypatch.setattr(win, "get_win_folder", folders.__getitem__)
    dirs = win.Windows(appname="ssj", appauthor=paths._APP_AUTHOR, ensure_exists=False)
    # (os.path.join is POSIX here: compare as Windows paths)
    assert PureWindowsPath(dirs.user_data_dir) == PureWindowsPath(r"C:\Users\张三\AppData\Local\ssj")
    assert PureWindowsPath(dirs.user_documents_dir) == PureWindowsPath(r"C:\Users\张三\Documents")


@pytest.mark.parametrize(
    "name, safe",
    [
        ("CON", "_CON"),
        ("aux.xlsx", "_aux.xlsx"),
        ("LPT1", "_LPT1"),
        ('抽查结果:2026/Q1*"终稿"?.xlsx', "抽查结果_2026_Q1__终稿__.xlsx"),
        ("公示名单. ", "公示名单"),
        ("a\tb\x01c", "a_b_c"),
    ],
)
def test_file_names_windows_forbids_are_made_safe(name, safe):
    from app.services.exchange.drives import safe_filename

    assert safe_filename(name) == safe
    assert not PureWindowsPath(safe_filename(name)).drive
