"""A draw attempt as one step: draw in one transaction; when the seed is refused (objects no valid team can check),
that transaction is rolled back and the refused attempt is logged in a second one, so its seed is burnt and the
attempt stays visible. The GUI and the CLI both call these; neither writes the rule itself.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.services.draw import draws


def _log_refusal(session_factory: Callable[[], Session], exc: draws.UnassignedError) -> None:
    with session_factory() as s:
        draws.record_failed_attempt(s, exc)
        s.commit()


def perform(
    session_factory: Callable[[], Session],
    draw_id: int,
    seed: str,
    *,
    seed_source: str = "骰子",
    witnesses: list[str] | None = None,
    no_witness_reason: str = "",
) -> None:
    """已冻结 → 已抽取 for a frozen draw; a refused seed is logged (burnt) and the UnassignedError re-raised."""
    try:
        with session_factory() as s:
            draws.perform(
                s, draw_id, seed, seed_source=seed_source, witnesses=witnesses, no_witness_reason=no_witness_reason
            )
            s.commit()
    except draws.UnassignedError as exc:
        _log_refusal(session_factory, exc)
        raise


def draw_now(
    session_factory: Callable[[], Session],
    period: str,
    task_id: int | None,
    seed: str,
    *,
    seed_source: str = "骰子",
    witnesses: list[str] | None = None,
    no_witness_reason: str = "",
) -> dict:
    """Create, freeze and draw in one transaction (scripts, `ssj draw`); returns the exported record. A refused seed
    rolls the new draw back too, so the logged attempt names no draw."""
    try:
        with session_factory() as s:
            d = draws.draw_now(
                s, period, task_id, seed, seed_source=seed_source, witnesses=witnesses,
                no_witness_reason=no_witness_reason,
            )
            record = draws.export_record(d)
            s.commit()
            return record
    except draws.UnassignedError as exc:
        exc.attempt["draw_id"] = None
        _log_refusal(session_factory, exc)
        raise
