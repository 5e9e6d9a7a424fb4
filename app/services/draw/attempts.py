"""A draw attempt as steps: read and compute first (one consistent read, no write lock), then write in ONE short
transaction that checks nothing changed meanwhile — and computes again if something did (issue 13 point 5: a
20,000-object draw used to hold the write lock for its whole computation). When the seed is refused (objects
no valid team can check) nothing of the draw is written and the refused attempt is logged in a transaction of
its own, so its seed is burnt and the attempt stays visible. The GUI and the CLI both call these.

`session_factory` makes the reading session (a plain one); `writer_factory` the writing one (the
`Database.writer()` of the caller, which takes the write lock first); the caller's actor is in effect.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.models.db import begin_consistent_read
from app.services.draw import draws
from app.services.foundation.errors import UserError

TRIES = 3  # computations in a row spoiled by another clerk's change before the draw gives up


def _log_refusal(session_factory: Callable[[], Session], exc: draws.UnassignedError) -> None:
    with session_factory() as s:
        draws.record_failed_attempt(s, exc)
        s.commit()


def in_steps(
    session_factory: Callable[[], Session], writer_factory: Callable[[], Session] | None = None, **plan
) -> tuple[int, dict | None]:
    """`draws.plan_draw(**plan)` on a consistent read, then `draws.write_draw` in a short write transaction;
    returns (draw id, exported record or None when only freezing)."""
    writer_factory = writer_factory or session_factory
    for _ in range(TRIES):
        with session_factory() as s:
            begin_consistent_read(s)
            p = draws.plan_draw(s, **plan)
            s.rollback()
        with writer_factory() as s:
            try:
                d = draws.write_draw(s, p)
                out = (d.id, draws.export_record(d) if p.seed else None)
                s.commit()
                return out
            except draws.PoolChanged:
                s.rollback()
                if p.draw_id is not None and p.token is not None:
                    raise
    raise UserError(
        f"抽取计算期间对象库、执法人员或规则连续 {TRIES} 次被其他用户修改，本次抽取没有保存。"
        "请等其他用户完成导入或修改后再抽取。"
    )


def perform(
    session_factory: Callable[[], Session],
    draw_id: int,
    seed: str,
    *,
    seed_source: str = "骰子",
    witnesses: list[str] | None = None,
    no_witness_reason: str = "",
    writer_factory: Callable[[], Session] | None = None,
) -> None:
    """已冻结 → 已抽取 for a frozen draw; a refused seed is logged (burnt) and the UnassignedError re-raised."""
    try:
        in_steps(
            session_factory, writer_factory, draw_id=int(draw_id), seed=seed, seed_source=seed_source,
            witnesses=witnesses, no_witness_reason=no_witness_reason,
        )  # fmt: skip
    except draws.UnassignedError as exc:
        _log_refusal(writer_factory or session_factory, exc)
        raise


def freeze(
    session_factory: Callable[[], Session],
    period: str,
    task_id: int | None,
    *,
    writer_factory: Callable[[], Session] | None = None,
    exclude: list[str] | None = None,
    exclude_at_limit: bool = False,
) -> int:
    """A new draw of `period`, frozen (草稿 → 已冻结 in one short write); returns its id. ``exclude`` /
    ``exclude_at_limit``: objects left out for the office's 检查频次 limit (`draws.freeze`)."""
    return in_steps(
        session_factory, writer_factory, period=period, task_id=task_id, exclude=exclude,
        exclude_at_limit=exclude_at_limit,
    )[0]  # fmt: skip


def draw_now(
    session_factory: Callable[[], Session],
    period: str,
    task_id: int | None,
    seed: str,
    *,
    seed_source: str = "骰子",
    witnesses: list[str] | None = None,
    no_witness_reason: str = "",
    writer_factory: Callable[[], Session] | None = None,
) -> dict:
    """Create, freeze and draw (scripts, `ssj draw`), written in one transaction; returns the exported record.
    A refused seed writes no draw at all, so the logged attempt names no draw."""
    try:
        return in_steps(
            session_factory, writer_factory, period=period, task_id=task_id, seed=seed, seed_source=seed_source,
            witnesses=witnesses, no_witness_reason=no_witness_reason,
        )[1]  # fmt: skip
    except draws.UnassignedError as exc:
        exc.attempt["draw_id"] = None
        _log_refusal(writer_factory or session_factory, exc)
        raise
