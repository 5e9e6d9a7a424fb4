"""What the desk remembers between sessions outside the database: window geometry and the last user's name.

Kept apart from the main window so the login window can read it without importing the pages or the store."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app.paths import data_dir


def settings() -> QSettings:
    """Window geometry only (typed settings live in the database)."""
    return QSettings(str(data_dir() / "window.ini"), QSettings.Format.IniFormat)


def remember_user(username: str) -> None:
    """The login dialog starts with the last user's name (typed settings are for the data; this is the desk)."""
    s = settings()
    s.setValue("login/last_user", username)
    s.sync()


def last_user() -> str:
    return str(settings().value("login/last_user") or "")
