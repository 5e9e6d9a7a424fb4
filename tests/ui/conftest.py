"""Fixtures shared by the UI tests."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture
def messages(monkeypatch):
    """Record every QMessageBox.information/warning/critical as (kind, title, text) instead of showing it.

    A confirmation (QMessageBox.question) is recorded too and answered 是 (Yes); tests of the confirmations
    themselves answer a real box (tests/ui/test_confirmations.py)."""
    seen = []

    def record(kind):
        def _f(parent, title, text, *a, **k):
            seen.append((kind, title, text))
            return QMessageBox.StandardButton.Ok

        return _f

    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))

    def question(parent, title, text, *a, **k):
        seen.append(("question", title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return seen
