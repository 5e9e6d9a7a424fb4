"""The current user of this process/thread, recorded by every audited change."""

from __future__ import annotations

import contextvars
import getpass
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    username: str
    role: str = ""
    display_name: str = ""

    @property
    def label(self) -> str:
        return self.username


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("ssj_actor", default=None)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name on some systems
        return "unknown"


def set_actor(actor: Actor | None) -> None:
    _current.set(actor)


def current_actor() -> Actor:
    actor = _current.get()
    return actor if actor is not None else Actor(username=f"os:{os_user()}", role="")


def current_user() -> str:
    return current_actor().username


@contextmanager
def acting_as(actor: Actor):
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
