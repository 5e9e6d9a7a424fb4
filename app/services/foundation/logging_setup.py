"""A rotating log file in the data folder (1 MB × 5), set up once per process — one file per database.

Two program windows on different databases never share a log file: on Windows a file another process has
open cannot be renamed, so the shared `ssj.log` could not roll over (WinError 32) and every record was lost
until one window closed. Each database gets `logs/ssj-<name>-<8 hex>.log` (the hex tells two `ssj.sqlite3`
in different folders apart); without a database (the first start, tests) it is `logs/ssj.log`. If a roll-over
still fails (antivirus, a backup tool holding the file), the handler keeps writing to the current file and
tries again at the next roll-over, instead of dropping records.
"""

from __future__ import annotations

import hashlib
import logging
import logging.handlers
import re
from pathlib import Path

from app.paths import logs_dir, sqlite_path

LOG_NAME = "ssj.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_current: Path | None = None


def log_name(db_url: str | None = None) -> str:
    """The log file name for a database URL (`ssj.log` without one)."""
    if not db_url:
        return LOG_NAME
    path = sqlite_path(db_url)
    stem = path.stem if path is not None else (db_url.rsplit("/", 1)[-1].split("?")[0] or "server")
    stem = re.sub(r'[\\/:*?"<>|\s@]+', "_", stem)[:40] or "db"
    digest = hashlib.sha1(str(path if path is not None else db_url.split("@")[-1]).encode("utf-8")).hexdigest()[:8]
    return f"ssj-{stem}-{digest}.log"


def log_file(db_url: str | None = None) -> Path:
    """The log file of `db_url`; without an argument, the file this process currently logs to."""
    if db_url is None and _current is not None:
        return _current
    return logs_dir() / log_name(db_url)


class TolerantRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A roll-over that fails (the file held by another program) keeps the current file instead of losing
    every following record."""

    def doRollover(self) -> None:  # noqa: N802 (logging's name)
        try:
            super().doRollover()
        except OSError:
            if self.stream is None or self.stream.closed:
                self.stream = self._open()
            self._rollover_failed = True

    def shouldRollover(self, record) -> bool:  # noqa: N802
        if getattr(self, "_rollover_failed", False):
            # try again only after another maxBytes, not on every record
            if self.stream is not None and self.stream.tell() < self.maxBytes * 2:
                return False
            self._rollover_failed = False
        return super().shouldRollover(record)


def setup_logging(level: int = logging.INFO, db_url: str | None = None) -> Path:
    """Attach a rotating UTF-8 file handler to the root logger; idempotent (re-targets on a new file)."""
    global _current
    path = logs_dir() / log_name(db_url)
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_ssj", False):
            if Path(h.baseFilename) == path:
                _current = path
                return path
            root.removeHandler(h)
            h.close()
    handler = TolerantRotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._ssj = True
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    _current = path
    logging.getLogger(__name__).info("日志文件：%s", path)
    return path
