"""Opening a database for the program: the store (`app.models.db`) plus the audit hooks.

Every session made from the returned `Database.Session` is audited (see `audit.install`); nothing in the
program opens a database any other way.
"""

from __future__ import annotations

from app.models.db import Database, open_store
from app.services.foundation import audit


def open_database(url: str, migrate: bool = True, *, create: bool = True) -> Database:
    """Open (and migrate) the database at `url` with every change audited.

    `create=False` refuses a database that does not exist yet (every CLI command but `init` and `demo`)."""
    database = open_store(url, migrate=migrate, create=create)
    try:  # temporary files of a process killed while writing a backup or an export
        from app.services.foundation.files import sweep_at_start

        sweep_at_start(database.sqlite_file.parent if database.sqlite_file else None)
    except Exception:  # pragma: no cover - never a reason not to open
        pass
    audit.install(database.Session)
    return database
