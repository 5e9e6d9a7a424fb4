"""Every folder the app uses, resolved in one place (platformdirs), with --db / SSJ_DB overrides."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from app import APP_ID

_APP_AUTHOR = False  # no vendor folder level on Windows


def data_dir() -> Path:
    """Per-user data folder (override with SSJ_DATA_DIR, used by tests)."""
    override = os.environ.get("SSJ_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_ID, _APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "ssj.sqlite3"


def resolve_db(db: str | None) -> str:
    """Return a SQLAlchemy URL from --db, SSJ_DB or the default file.

    A value containing '://' is taken as a SQLAlchemy URL (e.g. postgresql+psycopg://…); anything
    else is a path to a SQLite file.
    """
    value = db or os.environ.get("SSJ_DB") or str(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    return None


def _sub(name: str, base: Path | None = None) -> Path:
    path = (base or data_dir()) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_dir() -> Path:
    return _sub("backups")


def logs_dir() -> Path:
    return _sub("logs")


def exports_dir() -> Path:
    return _sub("exports")


def attachments_dir() -> Path:
    return _sub("attachments")


def keys_dir() -> Path:
    return _sub("keys")
