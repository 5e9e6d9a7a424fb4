"""Errors a clerk can act on: every message is Chinese and says what to do."""

from __future__ import annotations


class UserError(Exception):
    """Input rejected. The CLI prints the message on stderr and exits 1; the GUI shows it."""

    def __init__(self, message: str, *, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class PermissionDenied(UserError):
    """The current user's role does not allow the action."""
