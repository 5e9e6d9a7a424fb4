"""Chinese for Qt's own dialogs (qtbase_zh_CN.qm) and for our translations in resources/i18n."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
_installed: list[QTranslator] = []


def install_translations(app: QApplication, locale: str = "zh_CN") -> list[str]:
    """Load Qt's own and the app's .qm files for `locale`; returns the names that loaded."""
    QLocale.setDefault(QLocale(locale))
    loaded = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase", "qt"):
        tr = QTranslator(app)
        if tr.load(f"{name}_{locale}", qt_dir):
            app.installTranslator(tr)
            _installed.append(tr)
            loaded.append(f"{name}_{locale}")
            break
    try:
        ours = resources.files("resources") / "i18n" / f"ssj_{locale}.qm"
        if ours.is_file():
            tr = QTranslator(app)
            if tr.load(str(ours)):
                app.installTranslator(tr)
                _installed.append(tr)
                loaded.append(f"ssj_{locale}")
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover
        pass
    if not loaded:
        log.warning("未找到 Qt 中文翻译文件（%s），标准对话框将显示英文。", qt_dir)
    return loaded
