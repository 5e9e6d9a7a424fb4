"""Issue 13 points 6–7: real processes killed with SIGKILL at several moments of import, draw, backup,
package export and restore. After each kill the database passes every check, the work is all or nothing,
and once the program has run again no temporary file is left (docs/exchange.md's promise)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from app.services.foundation.context import Actor, acting_as
from app.services.foundation.periods import period_of
from tests.conftest import TEST_KEY_PASSPHRASE
from tests.factories import make_inspector, make_object, make_uscc
from tests.faults.conftest import ROOT, as_account, child_env, sqlite_invariants, write_objects_xlsx

SEED = "31415926535897932384626433"
MOMENTS = (0.9, 2.2)  # seconds after the process starts (Python itself takes ~0.5 s to start)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A county database with 1,500 objects, inspectors and a policy: copied for every kill."""
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database
    from app.services.rules import policies

    folder = tmp_path_factory.mktemp("template")
    os.environ.setdefault("SSJ_DATA_DIR", str(folder / "data"))
    path = folder / "ssj.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with acting_as(Actor("admin", "管理员")), db.Session() as s:
        init_office(
            s,
            name="测试县大队",
            level="county",
            region_code="140525",
            admin="admin",
            admin_password="admin123",
            key_passphrase=TEST_KEY_PASSPHRASE,
        )
        policies.set_policy(s, "zezhou-2024")
        for i in range(1500):
            make_object(s, uscc=make_uscc(800_000 + i), permit_class=["重点管理", "简化管理", "登记管理"][i % 3])
        for j in range(10):
            make_inspector(s, name=f"执法员{j}", cert_no=f"1407{j:04d}")
        s.commit()
    db.dispose()
    src = write_objects_xlsx(folder / "import.xlsx", 3000, start=20000)
    return path, src


def _stray(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".ssj-") or p.name.endswith(".part"))


def _ssj(data_dir, db, *argv, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "app", *as_account(["--db", db, *argv])],
        capture_output=True,
        text=True,
        env=child_env(data_dir),
        cwd=ROOT,
        timeout=timeout,
    )


def _kill_at(data_dir, db, argv, moment: float) -> int | None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *as_account(["--db", db, *argv])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(data_dir),
        cwd=ROOT,
    )
    time.sleep(moment)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(60)


def _checks(data_dir, db) -> dict:
    inv = sqlite_invariants(db)
    assert inv["integrity"] == "ok", inv
    audit = _ssj(data_dir, db, "audit", "verify")
    assert audit.returncode == 0, audit.stderr
    chain = _ssj(data_dir, db, "verify", "--chain")
    assert chain.returncode == 0, chain.stderr + chain.stdout
    return inv


def _backup_file(data_dir, db, tmp_path) -> Path:
    out = tmp_path / "bk"
    proc = _ssj(data_dir, db, "backup", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return next(out.glob("*.sqlite3"))


OPS = {
    "import": lambda t, tmp: ("import", "objects", t[1]),
    "draw": lambda t, tmp: ("draw", "--period", "2026Q1", "--seed", SEED, "--witness", "张三", "--witness", "李四"),
    "backup": lambda t, tmp: ("backup", "--out", tmp / "stick"),
    "package": lambda t, tmp: ("package", "export", "--period", "2026Q1", "--out", tmp / "stick"),
    "restore": lambda t, tmp: ("restore", tmp / "restore-from.sqlite3"),
}


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("op", sorted(OPS))
def test_sigkill_leaves_all_or_nothing_and_no_stray_files(op, moment, template, tmp_path, data_dir):
    db = tmp_path / "work" / "ssj.sqlite3"
    db.parent.mkdir()
    shutil.copy(template[0], db)
    (tmp_path / "stick").mkdir()
    if op == "restore":  # a backup that differs from the live data: an import happened after it
        shutil.copy(_backup_file(data_dir, db, tmp_path), tmp_path / "restore-from.sqlite3")
        assert (
            _ssj(data_dir, db, "import", "objects", write_objects_xlsx(tmp_path / "x.xlsx", 5, start=90000)).returncode
            == 0
        )
    before = sqlite_invariants(db)
    rc = _kill_at(data_dir, db, OPS[op](template, tmp_path), moment)
    after = _checks(data_dir, db)
    if op == "import":
        assert after["inspection_object"] in (before["inspection_object"], before["inspection_object"] + 3000), after
    elif op == "draw":
        assert after["draw"] in (before["draw"], before["draw"] + 1)
    elif op == "restore":
        assert after["inspection_object"] in (before["inspection_object"], before["inspection_object"] - 5), after
    else:
        assert after["inspection_object"] == before["inspection_object"]
    # The next run of the program sweeps what the killed one left: the database folder at every start,
    # the target folder before the next write into it.
    listing = _ssj(data_dir, db, "objects", "list")
    assert listing.returncode == 0, listing.stderr
    if op in ("backup", "package"):
        again = _ssj(data_dir, db, *OPS[op](template, tmp_path))
        assert again.returncode == 0, again.stderr
        finished = [p for p in (tmp_path / "stick").iterdir() if not p.name.startswith(".")]
        assert finished, "the second run wrote its file"
    for folder in (db.parent, tmp_path / "stick", data_dir, data_dir / "backups"):
        if folder.exists():
            assert _stray(folder) == [], (folder, _stray(folder), rc)


PUBLISH_PERIOD = period_of(date.today()).code  # results are dated today, after the draw


@pytest.fixture(scope="module")
def published_template(template, tmp_path_factory):
    """The county above with a real, confirmed draw whose results are all entered and approved (ready to
    publish): `ssj publish` writes one batch of them."""
    from app.services.draw import draws
    from app.services.foundation.store import open_database
    from app.services.outcomes import outcomes

    folder = tmp_path_factory.mktemp("published")
    path = folder / "ssj.sqlite3"
    shutil.copy(template[0], path)
    db = open_database(f"sqlite:///{path}")
    with acting_as(Actor("admin", "管理员")), db.writer() as s:
        d = draws.draw_now(s, PUBLISH_PERIOD, None, SEED, witnesses=["张三", "李四"])
        draws.confirm(s, d.id)
        s.commit()
    from sqlalchemy import select

    from app.models.draw import DrawSelection

    with acting_as(Actor("luru", "录入员")), db.Session() as s:
        sel_ids = s.scalars(select(DrawSelection.id).where(DrawSelection.active.is_(True))).all()
        for sid in sel_ids:
            outcomes.save_outcome(
                s, sid, dict(check_date=date.today(), method="现场检查", result="未发现问题"), today=date.today()
            )  # fmt: skip
        s.commit()
    with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
        outcomes.approve_period(s, PUBLISH_PERIOD, "shenhe")
        s.commit()
    db.dispose()
    return path, len(sel_ids)


def _publication_counts(db: Path) -> tuple[int, int]:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        batches = con.execute("SELECT count(*) FROM publication").fetchone()[0]
        marked = con.execute("SELECT count(*) FROM outcome WHERE publication_id IS NOT NULL").fetchone()[0]
    finally:
        con.close()
    return batches, marked


@pytest.mark.parametrize("out", ["公示.pdf", "公示.xlsx"])
@pytest.mark.parametrize("moment", (0.9, 1.8, 2.8, 4.0))
def test_sigkill_during_publish_leaves_no_batch_or_the_whole_batch(moment, out, published_template, tmp_path, data_dir):
    db = tmp_path / "work" / "ssj.sqlite3"
    db.parent.mkdir()
    shutil.copy(published_template[0], db)
    (tmp_path / "stick").mkdir()
    assert _publication_counts(db) == (0, 0)
    rc = _kill_at(data_dir, db, ("publish", "--period", PUBLISH_PERIOD, "--out", tmp_path / "stick" / out), moment)
    _checks(data_dir, db)
    batches, marked = _publication_counts(db)
    assert (batches, marked) in ((0, 0), (1, published_template[1])), (batches, marked, rc)
    listing = _ssj(data_dir, db, "objects", "list")  # the next start sweeps what the killed one left
    assert listing.returncode == 0, listing.stderr
    if batches == 0:  # nothing was published: publishing again works and takes every result
        again = _ssj(data_dir, db, "publish", "--period", PUBLISH_PERIOD, "--out", tmp_path / "stick" / out)
        assert again.returncode == 0, again.stderr
        assert _publication_counts(db) == (1, published_template[1])
        _checks(data_dir, db)
    for folder in (db.parent, tmp_path / "stick", data_dir):
        if folder.exists():
            assert _stray(folder) == [], (folder, _stray(folder), rc)
