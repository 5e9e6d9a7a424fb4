"""A rotating log file in the data folder (`logs/ssj.log`, 1 MB × 5), set up once per process."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.paths import logs_dir

LOG_NAME = "ssj.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def log_file() -> Path:
    return logs_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Attach a rotating UTF-8 file handler to the root logger; idempotent (re-targets on a new folder)."""
    path = log_file()
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_ssj", False):
            if Path(h.baseFilename) == path:
                return path
            root.removeHandler(h)
            h.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._ssj = True
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    logging.getLogger(__name__).info("日志文件：%s", path)
    return path
