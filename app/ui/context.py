"""What every page receives: the database, the logged-in user and the office."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from app.models.db import Database
from app.services.foundation.context import Actor, acting_as


@dataclass
class AppContext:
    db: Database
    actor: Actor
    office_name: str = ""
    office_level: str = "county"  # county | city
    extras: dict = field(default_factory=dict)

    @contextmanager
    def session(self):
        """A unit of work as the logged-in user; commits on success, rolls back on error. It takes the write
        lock first (`Database.writer`), so what it reads cannot be changed by another clerk before it commits."""
        with acting_as(self.actor), self.db.writer() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    @contextmanager
    def read(self):
        """A read-only unit of work."""
        with acting_as(self.actor), self.db.Session() as s:
            yield s
