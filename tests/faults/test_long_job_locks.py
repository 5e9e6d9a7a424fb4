"""Issue 13 point 5 beyond the draw: the long jobs a clerk runs every quarter — `publish` (the PDF notice of
hundreds of results) and `package export` (statistics, chains, signature, read-back) — used to hold the write
lock (and the CLI's instance lock) for their whole run, several seconds at 12,000 objects: another clerk's
`objects tag` meanwhile was refused ("命令行不能同时修改它" / "database is locked"). Now they read and compute
(render, sign, verify) from one consistent read first and write in one short transaction that checks what they
computed still stands. Real processes on real SQLite files: the edit succeeds and is written first, the job
still writes all or nothing, `audit verify` and `verify --chain` pass.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, InspectionObject
from app.models.outcomes import Outcome, Publication
from app.services.foundation import audit
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.periods import period_of
from app.services.foundation.store import open_database
from tests.conftest import TEST_KEY_PASSPHRASE
from tests.faults.conftest import ROOT, as_account, child_env, first_edit_seq
from tests.faults.test_draw_lock import SEED, _cpu_seconds, _wait_for_cpu, seed_county

N = 12_000
PERIOD = period_of(date.today()).code  # results are dated today, after the draw


@pytest.fixture(scope="module")
def ready(tmp_path_factory):
    """A county of 12,000 objects with a signing key, a confirmed draw of this quarter and every drawn object's
    result entered and approved (ready to publish): (file, USCCs, number of results)."""
    from app.services.draw import attempts, draws
    from app.services.foundation import office as office_service
    from app.services.outcomes import outcomes

    folder = tmp_path_factory.mktemp("ready")
    path = folder / "ssj.sqlite3"
    url = f"sqlite:///{path}"
    codes = seed_county(url, N)
    db = open_database(url)
    try:
        with acting_as(Actor("admin", "管理员")):
            with db.writer() as s:
                office_service.change_passphrase(s, None, TEST_KEY_PASSPHRASE)
                s.commit()
            rec = attempts.draw_now(
                db.Session, PERIOD, None, SEED, witnesses=["张三", "李四"], writer_factory=db.writer
            )  # fmt: skip
            with db.writer() as s:
                draws.confirm(s, rec["draw_id"])
                s.commit()
        with acting_as(Actor("luru", "录入员")), db.Session() as s:
            rows = outcomes.period_rows(s, PERIOD)
            for r in rows:
                outcomes.save_outcome(
                    s, r.selection_id, dict(check_date=date.today(), method="现场检查", result="未发现问题"),
                    today=date.today(),
                )  # fmt: skip
            s.commit()
        with acting_as(Actor("shenhe", "审核员")), db.Session() as s:
            outcomes.approve_period(s, PERIOD, "shenhe")
            s.commit()
    finally:
        db.dispose()
    return path, codes, len(rows)


def _copy(ready, tmp_path):
    db = tmp_path / "work" / "ssj.sqlite3"
    db.parent.mkdir()
    shutil.copy(ready[0], db)
    return db


def _spawn(data_dir, db, *argv):
    return subprocess.Popen(
        [sys.executable, "-m", "app", *as_account(["--db", db, *argv])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(data_dir, SSJ_KEY_PASSPHRASE=TEST_KEY_PASSPHRASE),
        cwd=ROOT,
    )


def _ssj(data_dir, db, *argv):
    return subprocess.run(
        [sys.executable, "-m", "app", *as_account(["--db", db, *argv])],
        capture_output=True,
        text=True,
        env=child_env(data_dir, SSJ_KEY_PASSPHRASE=TEST_KEY_PASSPHRASE),
        cwd=ROOT,
        timeout=600,
    )


def _wait_for_file(pid: int, folder, seconds: float = 300) -> None:
    """Until the job has started writing its file (a temporary `.ssj-<pid>-…` in the target folder)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(p.name.startswith(f".ssj-{pid}-") for p in folder.iterdir()):
        time.sleep(0.05)


def _tag_here(db, codes) -> tuple[float, str]:
    """The same edit as `objects tag`, made by this (the test's) process through a writer session — it starts
    in milliseconds, while a CLI process needs a second or two: (seconds it took, error or "")."""
    from app.services.pools import pools

    d = open_database(f"sqlite:///{db}")
    t0 = time.monotonic()
    try:
        with acting_as(Actor("admin", "管理员")), d.writer() as s:
            pools.bulk_tag(s, codes[:5], add=["重点"])
            s.commit()
        return time.monotonic() - t0, ""
    except Exception as exc:  # what a clerk would see: "database is locked" after the busy timeout
        return time.monotonic() - t0, repr(exc)
    finally:
        d.dispose()


def _edit_during(data_dir, db, codes, argv, busy_cpu: float, rendering_into=None):
    """Start the long job, wait until it has worked `busy_cpu` CPU seconds (or, with `rendering_into`, until it
    writes its file there), tag five objects from another process; returns (output, tag's time, job's CPU)."""
    job = _spawn(data_dir, db, *argv)
    if rendering_into is not None:
        _wait_for_file(job.pid, rendering_into)
    else:
        _wait_for_cpu(job.pid, busy_cpu)
    assert job.poll() is None, "the job finished too early for this test to mean anything"
    used = _cpu_seconds(job.pid)
    if rendering_into is not None:  # rendering is quick: the edit must be quicker than a new CLI process
        took, error = _tag_here(db, codes)
        out, err = job.communicate(timeout=900)
        assert error == "", error
        assert "Traceback" not in err, err[-3000:]
        assert job.returncode == 0, err[-3000:]
        return out, took, used
    t0 = time.monotonic()
    tag = _ssj(data_dir, db, "objects", "tag", *codes[:5], "--add", "重点")
    took = time.monotonic() - t0
    out, err = job.communicate(timeout=900)
    assert "database is locked" not in tag.stderr and "另一个程序正在写入" not in tag.stderr, tag.stderr[-2000:]
    assert "不能同时修改" not in tag.stderr, tag.stderr[-2000:]
    assert tag.returncode == 0, tag.stderr[-2000:]
    assert "Traceback" not in err, err[-3000:]
    assert job.returncode == 0, err[-3000:]
    return out, took, used


def _checks(data_dir, db, codes) -> None:
    d = open_database(f"sqlite:///{db}")
    try:
        with d.Session() as s:
            tagged = s.scalars(select(InspectionObject.tags).where(InspectionObject.uscc.in_(codes[:5]))).all()
            assert all("重点" in t for t in tagged), "the edit made during the job is kept"
            result = audit.verify(s)
            assert result.ok, result.message
    finally:
        d.dispose()
    chain = _ssj(data_dir, db, "verify", "--chain")
    assert chain.returncode == 0, chain.stdout + chain.stderr


def test_an_edit_during_publish_is_not_locked_out_and_the_batch_is_whole(ready, data_dir, tmp_path):
    db = _copy(ready, tmp_path)
    (tmp_path / "stick").mkdir()
    out_file = tmp_path / "stick" / "公示.pdf"
    out, took, used = _edit_during(
        data_dir, db, ready[1], ("--json", "publish", "--period", PERIOD, "--out", out_file), busy_cpu=0,
        rendering_into=out_file.parent,
    )
    info = json.loads(out)
    assert info["count"] == ready[2] > 100
    assert out_file.exists() and out_file.stat().st_size > 10_000
    d = open_database(f"sqlite:///{db}")
    try:
        with d.Session() as s:
            assert s.scalar(select(func.count(Publication.id))) == 1
            marked = s.scalar(select(func.count(Outcome.id)).where(Outcome.publication_id == info["batch_id"]))
            assert marked == ready[2]
            pub_seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.action == "公示"))
            assert first_edit_seq(s) < pub_seq, (
                f"the edit (made while the notice was rendered, {used:.1f} s of the job's CPU) took {took:.1f} s "
                "and was written after the publication: the job held the write lock while it rendered"
            )
    finally:
        d.dispose()
    _checks(data_dir, db, ready[1])


def test_an_edit_during_package_export_is_not_locked_out(ready, data_dir, tmp_path):
    db = _copy(ready, tmp_path)
    (tmp_path / "stick").mkdir()
    out, took, used = _edit_during(
        data_dir, db, ready[1], ("--json", "package", "export", "--period", PERIOD, "--out", tmp_path / "stick"),
        busy_cpu=2.5,
    )  # fmt: skip
    info = json.loads(out)
    assert info["verified"] is True
    from app.services.exchange import packages
    from app.services.foundation.office import require_office

    d = open_database(f"sqlite:///{db}")
    try:
        with d.Session() as s:
            pem = require_office(s).public_key_pem
    finally:
        d.dispose()
    checked = packages.verify_package(info["path"], public_key_pem=pem)
    assert checked.manifest["period"] == PERIOD
    _checks(data_dir, db, ready[1])
    assert took < 30, f"the edit waited {took:.1f} s for the export"


def _sending_back(db, times: int):
    """A writer factory for `publish_in_steps` that, before each of its first `times` writes, lets the
    reviewer send back one approved result from another session (committed): the batch rendered is stale."""
    from app.services.outcomes import outcomes

    sent: list[str] = []

    def factory():
        if len(sent) < times:
            with acting_as(Actor("shenhe", "审核员")), db.writer() as s:
                row = next(r for r in outcomes.period_rows(s, PERIOD) if r.state == outcomes.STATE_APPROVED)
                outcomes.send_back(s, row.outcome_id, "整改期限填写有误")
                s.commit()
                sent.append(row.uscc)
        return db.writer()

    return factory, sent


def test_a_result_sent_back_while_the_notice_is_rendered_is_not_published(ready, data_dir, tmp_path):
    """What the file shows is what is recorded: a change to the batch between rendering and writing makes
    the job render again from the new state."""
    import openpyxl

    from app.services.outcomes import publication

    path = _copy(ready, tmp_path)
    db = open_database(f"sqlite:///{path}")
    out = tmp_path / "stick" / "公示.xlsx"
    try:
        factory, sent = _sending_back(db, 1)
        with acting_as(Actor("admin", "管理员")):
            info = publication.publish_in_steps(db.Session, PERIOD, [out], writer_factory=factory)
        assert info["count"] == ready[2] - 1 and len(sent) == 1
        shown = [r[2] for r in openpyxl.load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)]
        assert len(shown) == ready[2] - 1 and sent[0] not in shown
        with db.Session() as s:
            marked = s.scalars(select(Outcome).where(Outcome.publication_id == info["batch_id"])).all()
            assert len(marked) == ready[2] - 1
            assert audit.verify(s).ok
    finally:
        db.dispose()
    assert sorted(p.name for p in out.parent.iterdir()) == ["公示.xlsx"], "no temporary file is left"


def test_a_batch_changed_during_every_render_is_refused_in_chinese_and_nothing_is_written(ready, data_dir, tmp_path):
    from app.services.foundation.errors import UserError
    from app.services.outcomes import publication

    path = _copy(ready, tmp_path)
    db = open_database(f"sqlite:///{path}")
    out = tmp_path / "stick" / "公示.pdf"
    try:
        factory, sent = _sending_back(db, publication.TRIES)
        with acting_as(Actor("admin", "管理员")), pytest.raises(UserError, match="连续 3 次被其他用户修改"):
            publication.publish_in_steps(db.Session, PERIOD, [out, out.with_suffix(".xlsx")], writer_factory=factory)
        with db.Session() as s:
            assert s.scalar(select(func.count(Publication.id))) == 0
            assert s.scalar(select(func.count(Outcome.id)).where(Outcome.publication_id.is_not(None))) == 0
    finally:
        db.dispose()
    assert list(out.parent.iterdir()) == [], "neither a notice nor a temporary file"


def _results(s):
    from app.services.outcomes import outcomes

    outcomes.period_rows(s, PERIOD)


def _statistics(s):
    from app.services.foundation.periods import parse_period
    from app.services.reports import statistics

    statistics.compute(s, parse_period(PERIOD))


@pytest.mark.parametrize("read", [_results, _statistics], ids=["results", "statistics"])
def test_a_quarters_drawn_objects_are_read_without_a_copy_of_the_draw_snapshot_per_row(read, ready, data_dir):
    """Reading a quarter's drawn objects (results, publish, approve, the statistics of `package export`, the
    joint visits) fetched the draw's snapshot and record — the whole pool, twice — once per drawn object: at
    100,000 objects (5,000 drawn, ~24 MB a row) `publish`, `approve` and `package export` died out of memory
    (the OOM killer at 18–22 GB). The draw's big columns are not read with the rows (nor by the joint visits'
    query, the same pattern)."""
    import tracemalloc

    db = open_database(f"sqlite:///{ready[0]}")
    try:
        tracemalloc.start()
        try:
            with db.Session() as s:
                read(s)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        db.dispose()
    assert peak < 60e6, f"{ready[2]} drawn objects took {peak / 1e6:.0f} MB"


def test_a_cli_edit_while_the_cli_restores_is_refused_not_lost(ready, data_dir, tmp_path):
    """`restore` keeps the database's instance lock from its first step to the swap: a CLI edit made meanwhile
    is refused with a clear message (it used to commit into the database about to be replaced — after the
    "before restore" backup it was in neither file)."""
    db = _copy(ready, tmp_path)
    backup = _ssj(data_dir, db, "--json", "backup", "--out", tmp_path / "bk")
    assert backup.returncode == 0, backup.stderr[-2000:]
    source = next((tmp_path / "bk").glob("*.sqlite3"))
    job = _spawn(data_dir, db, "restore", source)
    try:
        _wait_for_file(job.pid, db.parent)  # its staging copy beside the database: the restore has begun
        assert job.poll() is None, "the restore finished too early for this test to mean anything"
        os.kill(job.pid, signal.SIGSTOP)  # hold it between its checks and its swap
        tag = _ssj(data_dir, db, "objects", "tag", *ready[1][:5], "--add", "重点")
    finally:
        os.kill(job.pid, signal.SIGCONT)
    out, err = job.communicate(timeout=900)
    assert job.returncode == 0, err[-3000:]
    assert tag.returncode != 0 and "不能同时修改" in tag.stderr, (tag.returncode, tag.stderr[-2000:])
    assert "Traceback" not in tag.stderr
    d = open_database(f"sqlite:///{db}")
    try:
        with d.Session() as s:
            assert audit.verify(s).ok
    finally:
        d.dispose()
