"""Issue 13 points 3–4: database faults speak Chinese, nothing is created by accident, a vanished file is
noticed. Every case runs the real `ssj` in a child process on a real file (root: real tmpfs mounts)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.faults.conftest import as_account, child_env, no_traceback, sqlite_invariants, write_objects_xlsx


def test_a_mistyped_db_path_is_refused_and_not_created(ssj, tmp_path):
    wrong = tmp_path / "typo" / "ssj.sqlite3"
    proc = ssj("--db", wrong, "audit", "verify")
    assert proc.returncode == 1
    assert "找不到数据库文件" in proc.stderr and str(wrong) in proc.stderr and "ssj init" in proc.stderr
    assert "审计日志完整" not in proc.stdout
    no_traceback(proc)
    assert not wrong.exists() and not wrong.parent.exists()
    for argv in (("objects", "list"), ("backup",), ("export", "objects", "--out", tmp_path / "x.xlsx")):
        proc = ssj("--db", wrong, *argv)
        assert proc.returncode == 1 and str(wrong) in proc.stderr, (argv, proc.stderr)
        assert "找不到数据库文件" in proc.stderr or "不存在" in proc.stderr, proc.stderr
    assert not wrong.exists()


def test_init_still_creates_the_database(ssj, tmp_path):
    path = tmp_path / "new" / "ssj.sqlite3"
    proc = ssj("--db", path, "init", "--office", "测试县大队", "--level", "county", "--password", "admin123")
    assert proc.returncode == 0, proc.stderr
    assert path.exists()


def test_a_folder_given_as_database_is_explained(ssj, tmp_path):
    proc = ssj("--db", tmp_path, "objects", "list")
    assert proc.returncode == 1 and "是一个文件夹" in proc.stderr
    no_traceback(proc)


def test_a_damaged_database_is_explained(ssj, county):
    data = bytearray(county.read_bytes())
    data[100:] = os.urandom(len(data) - 100)
    county.write_bytes(bytes(data))
    proc = ssj("--db", county, "objects", "list")
    assert proc.returncode == 1 and "已损坏" in proc.stderr and "备份" in proc.stderr, proc.stderr
    no_traceback(proc)


def test_a_database_deleted_during_an_import_is_not_reported_as_saved(ssj, county, tmp_path, data_dir):
    """The file is deleted while the import runs, after it opened the database and before its commit.

    No fixed delay: the split importer writes 8,000 rows within a second of opening the database, so a
    deletion "one second in" fell after the commit (or after the exit). The child is frozen (SIGSTOP) once
    it holds the database's instance lock (taken after the database is open, before the import reads the
    file), the file is checked to hold none of the rows yet, deleted, and the child resumed."""
    src = write_objects_xlsx(tmp_path / "big.xlsx", 8000)
    lock = Path(str(county) + ".lock")
    proc = subprocess.Popen(
        [os.sys.executable, "-m", "app", *as_account(["--db", county, "import", "objects", src])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(data_dir),
    )
    try:
        wait_for(lambda: lock.exists() or proc.poll() is not None)
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            assert proc.poll() is None, "the import ended before it was frozen: " + proc.stderr.read()[-2000:]
            assert sqlite_invariants(county)["inspection_object"] == 0, "the import had already committed"
            county.unlink()
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, (out, err)
    assert "被删除" in err and "没有保存" in err, err
    assert "Traceback" not in err
    assert "新增" not in out, out
    after = ssj("--db", county, "objects", "list")  # and the next command does not create an empty one
    assert after.returncode == 1 and "找不到数据库文件" in after.stderr
    assert not county.exists()


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s in vain")
        time.sleep(0.01)


def test_a_database_replaced_while_open_refuses_the_next_commit(county):
    from app.models.db import DatabaseError
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.store import open_database
    from tests.factories import make_uscc

    db = open_database(f"sqlite:///{county}", create=False)
    try:
        shutil.copy(county, county.with_name("copy.sqlite3"))
        os.replace(county.with_name("copy.sqlite3"), county)  # same content, another file
        from app.models import InspectionObject

        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            s.add(InspectionObject(uscc=make_uscc(1), name="甲"))
            with pytest.raises(DatabaseError, match="被删除、移动或替换"):
                s.commit()
    finally:
        db.dispose()
    assert sqlite_invariants(county)["inspection_object"] == 0


def test_a_database_deleted_while_it_is_being_opened_refuses_the_commit(county, monkeypatch):
    """Deleted after it was found but before the program finished opening it (during the migrations)."""
    from app.models import InspectionObject
    from app.models import db as dbmod
    from app.models.db import DatabaseError
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.store import open_database
    from tests.factories import make_uscc

    real_upgrade = dbmod.upgrade

    def upgrade_then_delete(engine, url):  # noqa: ANN001
        real_upgrade(engine, url)
        county.unlink()

    monkeypatch.setattr(dbmod, "upgrade", upgrade_then_delete)
    db = open_database(f"sqlite:///{county}", create=False)
    try:
        with acting_as(Actor("admin", "管理员")), db.Session() as s:
            s.add(InspectionObject(uscc=make_uscc(1), name="甲"))
            with pytest.raises(DatabaseError, match="被删除、移动或替换"):
                s.commit()
    finally:
        db.dispose()
    assert not county.exists()


# ------------------------------------------------------------------------------------------ real mounts


def _need_root_or_fail() -> None:
    if os.geteuid() != 0:
        pytest.fail("此测试需要 root 挂载 tmpfs（CI 以 root 运行）；非 root 时见 test_disk_full_by_file_size_limit。")


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) → a fresh tmpfs of that size; unmounted at the end (root only)."""
    mounts: list[Path] = []

    def _mount(size: str) -> Path:
        _need_root_or_fail()
        point = tmp_path / f"mnt-{uuid.uuid4().hex[:6]}"
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(point)], check=True)
        mounts.append(point)
        return point

    yield _mount
    for point in reversed(mounts):
        subprocess.run(["umount", "-l", str(point)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill a file system up to `leave` free bytes."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(folder / "filler.bin", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_disk_full_during_an_import_is_explained_and_changes_nothing(ssj, county, tmpfs, tmp_path):
    disk = tmpfs("4m")
    db_file = disk / "ssj.sqlite3"
    shutil.copy(county, db_file)
    before = sqlite_invariants(db_file)
    src = write_objects_xlsx(tmp_path / "many.xlsx", 3000)
    _fill(disk, 64 * 1024)
    proc = ssj("--db", db_file, "import", "objects", src)
    assert proc.returncode == 1
    assert "磁盘空间已满" in proc.stderr and "没有保存" in proc.stderr, proc.stderr
    no_traceback(proc)
    (disk / "filler.bin").unlink()
    assert sqlite_invariants(db_file) == before
    verify = ssj("--db", db_file, "audit", "verify")
    assert verify.returncode == 0, verify.stderr


def test_disk_full_by_file_size_limit(ssj, county, tmp_path, data_dir):
    """The same fault without root: RLIMIT_FSIZE stops the database file from growing."""
    import resource
    import signal

    before = sqlite_invariants(county)
    src = write_objects_xlsx(tmp_path / "many.xlsx", 3000)
    limit = county.stat().st_size + 32 * 1024

    def _limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [os.sys.executable, "-m", "app", *as_account(["--db", county, "import", "objects", src])],
        capture_output=True,
        text=True,
        env=child_env(data_dir),
        preexec_fn=_limit,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stdout
    assert ("磁盘空间已满" in proc.stderr or "磁盘错误" in proc.stderr) and "没有保存" in proc.stderr, proc.stderr
    no_traceback(proc)
    assert sqlite_invariants(county) == before


def test_a_database_on_a_read_only_medium_reads_exports_and_backs_up(ssj, county, tmpfs, tmp_path):
    disk = tmpfs("16m")
    db_file = disk / "ssj.sqlite3"
    shutil.copy(county, db_file)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    listing = ssj("--db", db_file, "objects", "list")
    assert listing.returncode == 0, listing.stderr
    assert "共 0 家" in listing.stdout
    export = ssj("--db", db_file, "export", "objects", "--out", tmp_path / "objects.xlsx")
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "objects.xlsx").exists()
    backup = ssj("--db", db_file, "backup", "--out", tmp_path / "backups")
    assert backup.returncode == 0, backup.stderr
    assert len(list((tmp_path / "backups").glob("*.sqlite3"))) == 1
    verify = ssj("--db", db_file, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    src = write_objects_xlsx(tmp_path / "one.xlsx", 1)
    change = ssj("--db", db_file, "import", "objects", src)
    assert change.returncode == 1 and "只读" in change.stderr, change.stderr
    no_traceback(change)


def test_a_read_only_database_file_reads_and_refuses_changes_in_chinese(ssj, county, tmp_path):
    db_file = tmp_path / "share" / "ssj.sqlite3"
    db_file.parent.mkdir()
    shutil.copy(county, db_file)
    os.chmod(db_file, 0o444)
    as_root = os.geteuid() == 0
    if as_root:  # root may write a 0444 file: make it immutable, as a clerk's read-only file is to the clerk
        subprocess.run(["chattr", "+i", str(db_file)], check=True)
    try:
        src = write_objects_xlsx(tmp_path / "one.xlsx", 1)
        listing = ssj("--db", db_file, "objects", "list")
        assert listing.returncode == 0, listing.stderr
        backup = ssj("--db", db_file, "backup", "--out", tmp_path / "backups")
        assert backup.returncode == 0, backup.stderr
        change = ssj("--db", db_file, "import", "objects", src)
        assert change.returncode == 1 and "只读" in change.stderr, change.stderr
        no_traceback(change)
        status = ssj("--db", db_file, "objects", "set-status", "91140525MA0K3XXX0X", "停产")
        assert status.returncode == 1 and "Traceback" not in status.stderr
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(db_file)], check=True)
    assert sqlite_invariants(db_file)["inspection_object"] == 0
