"""Stored UTC times are shown as local time (printed records carry the offset)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from app.services.foundation.timefmt import local_text


@pytest.fixture
def beijing(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_naive_utc_and_iso_z_become_beijing_time(beijing):
    assert local_text(datetime(2026, 3, 31, 16, 30)) == "2026-04-01 00:30"
    assert local_text("2026-03-31T16:30:05.123456Z", seconds=True) == "2026-04-01 00:30:05"
    assert local_text("2026-03-31T16:30:05Z", offset=True) == "2026-04-01 00:30（UTC+08:00）"


def test_empty_and_unparsable_values():
    assert local_text(None) == ""
    assert local_text("") == ""
    assert local_text("昨天") == "昨天"
