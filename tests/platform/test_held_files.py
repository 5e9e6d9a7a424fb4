"""A file held open on Windows (Excel, WPS, antivirus: WinError 32/33/5) is retried, and reported as held —
not as "写保护"; a write-protected stick (WinError 19) still is. Simulated with PermissionError carrying a
winerror, as Windows raises it."""

from __future__ import annotations

import errno

import pytest

from app.services.foundation import files
from app.services.foundation.errors import UserError


def win_error(code: int, err: int = errno.EACCES) -> PermissionError:
    exc = PermissionError(err, "另一个程序正在使用此文件，进程无法访问。")
    exc.winerror = code  # what Windows sets; absent on Linux
    return exc


def test_a_briefly_held_target_is_retried_until_it_is_free(tmp_path):
    calls, sleeps = [], []

    def replace(src, dst):
        calls.append((src, dst))
        if len(calls) < 3:
            raise win_error(32)

    files.replace_retrying("a", "b", sleep=sleeps.append, replace=replace)
    assert len(calls) == 3 and sleeps == [0.1, 0.2]


def test_a_target_held_for_good_is_reported_as_held_not_write_protected(tmp_path, monkeypatch):
    folder = tmp_path / "导出"
    folder.mkdir()
    target = folder / "抽查结果.xlsx"
    target.write_bytes(b"old")
    attempts = []

    def held(src, dst):
        attempts.append(dst)
        raise win_error(32)

    monkeypatch.setattr(files.os, "replace", held)
    monkeypatch.setattr(files.time, "sleep", lambda s: None)
    with pytest.raises(UserError) as info:
        with files.atomic_path(target) as tmp:
            tmp.write_bytes(b"new")
    assert len(attempts) == len(files.RETRY_DELAYS) + 1
    assert "占用" in info.value.message and "写保护" not in info.value.message
    assert target.read_bytes() == b"old"  # nothing lost
    assert [p.name for p in folder.iterdir()] == ["抽查结果.xlsx"]  # no temp file left


def test_errors_that_are_not_held_files_are_not_retried():
    calls = []

    def replace(src, dst):
        calls.append(1)
        raise PermissionError(errno.EACCES, "Permission denied")  # Linux: a real permission problem

    with pytest.raises(PermissionError):
        files.replace_retrying("a", "b", sleep=lambda s: None, replace=replace)
    assert calls == [1]


@pytest.mark.parametrize(
    "exc, words, not_words",
    [
        (win_error(32), ["占用", "Excel"], ["写保护"]),
        (win_error(33), ["占用"], ["写保护"]),
        (win_error(5), ["占用", "写权限"], ["写保护"]),
        (win_error(19), ["写保护"], ["占用"]),
        (OSError(errno.EROFS, "Read-only file system"), ["写保护"], ["占用"]),
        (OSError(errno.ENOSPC, "No space left on device"), ["空间不足"], ["写保护"]),
        (PermissionError(errno.EACCES, "Permission denied"), ["没有写权限"], ["占用"]),
    ],
)
def test_messages(exc, words, not_words):
    message = files.write_error(exc, "E:\\", target="E:\\抽查结果.xlsx").message
    assert all(w in message for w in words), message
    assert not any(w in message for w in not_words), message


def test_backup_and_package_messages_tell_held_files_apart():
    from app.services.exchange.packages import _write_error
    from app.services.foundation.backup import _os_error

    assert "占用" in _os_error(win_error(32), "E:\\").message
    assert "写保护" not in _os_error(win_error(32), "E:\\").message
    assert "占用" in _write_error(win_error(32), "E:\\").message
    assert "写保护" in _write_error(win_error(19), "E:\\").message
