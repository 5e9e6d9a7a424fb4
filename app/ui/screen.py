"""Windows never larger than the screen they open on.

At 150 % scaling a 1920×1080 screen is 1280×720 logical pixels, minus the taskbar ~680 high; at 125 % on
1366×768 it is ~1093×580. A dialog asking for 900×1000 would put its buttons off-screen: `fitted_size`
shrinks the wanted size to the available geometry (keeping a margin for the title bar).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

TITLE_BAR = 40  # logical pixels the window frame and title bar take above the client area
MARGIN = 16


def fitted_size(wanted: QSize, available: QRect, minimum: QSize | None = None) -> QSize:
    """`wanted`, shrunk to fit inside `available` with room for the frame; never below `minimum`."""
    width = min(wanted.width(), available.width() - MARGIN)
    height = min(wanted.height(), available.height() - TITLE_BAR - MARGIN)
    if minimum is not None:
        width, height = max(width, minimum.width()), max(height, minimum.height())
    return QSize(max(width, 200), max(height, 150))


def available_geometry(widget: QWidget | None = None) -> QRect:
    screen = None
    if widget is not None:
        parent = widget.parentWidget()
        screen = (parent.screen() if parent is not None else None) or widget.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 680)


def resize_to_fit(widget: QWidget, width: int, height: int) -> QSize:
    """widget.resize(width, height), shrunk to the available screen; returns the size used."""
    size = fitted_size(QSize(width, height), available_geometry(widget))
    widget.resize(size)
    return size
