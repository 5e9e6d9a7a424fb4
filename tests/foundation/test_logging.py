"""The rotating log file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers

from app.services.foundation.logging_setup import BACKUP_COUNT, MAX_BYTES, setup_logging


def test_log_file_in_data_folder_rotating_and_idempotent(data_dir):
    path = setup_logging()
    assert path == data_dir / "logs" / "ssj.log"
    assert setup_logging() == path
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_ssj", False)]
    assert len(ours) == 1 and isinstance(ours[0], logging.handlers.RotatingFileHandler)
    assert (ours[0].maxBytes, ours[0].backupCount) == (MAX_BYTES, BACKUP_COUNT)
    logging.getLogger("app.test").warning("备份失败：磁盘空间不足")
    ours[0].flush()
    assert "备份失败：磁盘空间不足" in path.read_text(encoding="utf-8")
