"""File dialogs that remember where the clerk was, and the message after an export that opens the folder.

Each dialog (named by its title) remembers its last folder in the window settings; the first time it starts in
the user's Documents folder. ``save_file_dialog`` & co. return what ``QFileDialog``'s static functions return, so
they replace them one for one."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.ui.tables import settings


def documents_dir() -> str:
    from app import paths

    return str(paths.documents_dir())


def last_folder(key: str, fallback: str = "") -> str:
    """The dialog's last folder; the first time ``fallback`` (when it is a real folder other than the home
    folder), else Documents."""
    folder = str(settings().value(f"folders/{key}") or "")
    if folder and Path(folder).is_dir():
        return folder
    if fallback and Path(fallback).is_dir() and Path(fallback) != Path.home():
        return fallback
    return documents_dir()


def remember_folder(key: str, path: str) -> None:
    if not path:
        return
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    s = settings()
    s.setValue(f"folders/{key}", str(folder))
    s.sync()


def _start(key: str, default: str = "") -> str:
    name = Path(default).name if default else ""
    folder = last_folder(key, str(Path(default).parent) if default and Path(default).parent != Path(".") else "")
    return str(Path(folder) / name) if name else folder


def save_file_dialog(parent: QWidget | None, title: str, default: str = "", filters: str = "") -> tuple[str, str]:
    path, chosen = QFileDialog.getSaveFileName(parent, title, _start(title, default), filters)
    remember_folder(title, path)
    return path, chosen


PDF_FILTER = "PDF 文件 (*.pdf)"
WORD_FILTER = "Word 文档，可编辑后盖章 (*.docx)"
XLSX_FILTER = "Excel 文件 (*.xlsx)"
DOCUMENT_FILTERS = f"{PDF_FILTER};;{WORD_FILTER}"  # documents the office edits before stamping


def with_chosen_suffix(path: str, chosen: str) -> str:
    """The path with the suffix of the chosen file type when the clerk typed a name without one."""
    if not path:
        return path
    m = re.search(r"\*(\.[A-Za-z0-9]+)\)", chosen or "")
    suffixes = re.findall(r"\*(\.[A-Za-z0-9]+)", chosen or "")
    if Path(path).suffix.lower() in [x.lower() for x in suffixes] or not m:
        return path
    known = (".pdf", ".docx", ".xlsx")
    base = Path(path)
    if base.suffix.lower() in known:  # typed another known type: the chosen filter decides
        base = base.with_suffix("")
    return str(base) + m.group(1)


def save_document_dialog(parent: QWidget | None, title: str, default: str, filters: str = DOCUMENT_FILTERS) -> str:
    """Save a document as PDF or Word: the file type follows the chosen filter (or the typed suffix)."""
    path, chosen = save_file_dialog(parent, title, default, filters)
    if path and Path(path).suffix.lower() in (".pdf", ".docx", ".xlsx") and Path(path).suffix.lower() in filters:
        return path
    return with_chosen_suffix(path, chosen)


def open_file_dialog(parent: QWidget | None, title: str, default: str = "", filters: str = "") -> tuple[str, str]:
    path, chosen = QFileDialog.getOpenFileName(parent, title, last_folder(title, default), filters)
    remember_folder(title, path)
    return path, chosen


def open_files_dialog(
    parent: QWidget | None, title: str, default: str = "", filters: str = ""
) -> tuple[list[str], str]:
    paths, chosen = QFileDialog.getOpenFileNames(parent, title, last_folder(title, default), filters)
    if paths:
        remember_folder(title, paths[0])
    return paths, chosen


def folder_dialog(parent: QWidget | None, title: str, default: str = "") -> str:
    folder = QFileDialog.getExistingDirectory(parent, title, last_folder(title, default))
    remember_folder(title, folder)
    return folder


def open_folder(path: str | Path) -> bool:
    p = Path(path)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(p if p.is_dir() else p.parent)))


def show_saved(parent: QWidget | None, path: str | Path, text: str, title: str = "已导出") -> None:
    """The message after writing a file, with 打开所在文件夹."""
    box = QMessageBox.information(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Ok,
        QMessageBox.StandardButton.Ok,
    )
    if box == QMessageBox.StandardButton.Open:
        open_folder(path)
