"""Helpers shared by the UI shell tests (tests/ui/test_login.py, test_main_window.py, test_backup_page.py, …)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.services.foundation.context import Actor

ADMIN = Actor("admin", "管理员", "管理员")


class Boxes:
    """Records every QMessageBox shown instead of blocking on it."""

    def __init__(self, monkeypatch, answer=QMessageBox.StandardButton.Yes):
        self.shown: list[tuple[str, str, str]] = []
        for kind in ("information", "warning", "critical"):
            monkeypatch.setattr(QMessageBox, kind, self._rec(kind))
        monkeypatch.setattr(QMessageBox, "question", self._rec("question", answer))

    def _rec(self, kind, answer=QMessageBox.StandardButton.Ok):
        def show(parent, title, text, *args, **kwargs):
            self.shown.append((kind, title, text))
            return answer

        return staticmethod(show)

    def last(self, kind=None):
        items = [b for b in self.shown if kind is None or b[0] == kind]
        return items[-1] if items else None
