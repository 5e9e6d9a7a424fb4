"""The desktop on office machines: 150 % scaling, printers at 600/1200 dpi, save dialogs, the icon, and
programs started from the frozen bundle (xdg-open must not inherit its LD_LIBRARY_PATH)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize, QSizeF

from app.paths import unfrozen_environment
from app.ui.screen import fitted_size

ROOT = Path(__file__).resolve().parents[2]

# 1920×1080 at 150 %: 1280×720 logical, the taskbar takes 40 → 1280×680 available
FULL_HD_150 = QRect(0, 0, 1280, 680)
LAPTOP_125 = QRect(0, 0, 1093, 582)  # 1366×768 at 125 %


@pytest.mark.parametrize("wanted", [QSize(1280, 800), QSize(900, 1000), QSize(640, 720)])
@pytest.mark.parametrize("available", [FULL_HD_150, LAPTOP_125])
def test_windows_fit_the_available_screen(wanted, available):
    size = fitted_size(wanted, available)
    assert size.width() <= available.width() and size.height() + 40 <= available.height()
    assert size.width() == min(wanted.width(), available.width() - 16)


def test_small_windows_keep_their_size():
    assert fitted_size(QSize(460, 420), FULL_HD_150) == QSize(460, 420)


def test_dialogs_named_in_the_issue_fit_the_test_screen(qtbot, tmp_path):
    from reportlab.platypus import Paragraph

    from app.services.foundation import pdf
    from app.ui.pdf_preview import PdfPreviewDialog
    from app.ui.screen import available_geometry

    out = pdf.build_pdf(tmp_path / "预览.pdf", [Paragraph("预览", pdf.styles()["body"])], title="预览")
    dialog = PdfPreviewDialog(out)
    qtbot.addWidget(dialog)
    avail = available_geometry(dialog)
    assert dialog.height() <= avail.height() - 40 and dialog.width() <= avail.width()


def _pdf(tmp_path, pages=2) -> Path:
    from reportlab.platypus import PageBreak, Paragraph

    from app.services.foundation import pdf

    story = []
    for i in range(pages):
        story += [Paragraph(f"第 {i + 1} 页 双随机抽查结果", pdf.styles()["body"]), PageBreak()]
    return pdf.build_pdf(tmp_path / "打印.pdf", story[:-1], title="打印")


@pytest.mark.parametrize("dpi", [600, 1200])
def test_printing_never_renders_a_page_at_the_printer_resolution(qtbot, tmp_path, dpi):
    from PySide6.QtPrintSupport import QPrinter

    from app.ui import pdf_preview

    doc = pdf_preview.load_document(_pdf(tmp_path))
    rendered = []
    real_render = doc.render

    class Recording:
        def __getattr__(self, name):
            return getattr(doc, name)

        def render(self, page, size):
            image = real_render(page, size)
            rendered.append(image.sizeInBytes())
            return image

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(dpi)
    assert pdf_preview.print_document(Recording(), printer) == 2
    a4_at_300 = 2480 * 3508 * 4
    assert rendered and max(rendered) <= a4_at_300 * 1.01  # ~35 MB, not 139 MB (600) / 557 MB (1200)
    assert (tmp_path / "printed.pdf").stat().st_size > 1000


def test_render_size_keeps_low_resolution_printers_exact():
    from app.ui.pdf_preview import render_size

    a4 = QSizeF(595.3, 841.9)
    assert render_size(a4, QSize(2480, 3508), 300) == QSize(2480, 3508)
    capped = render_size(a4, QSize(9921, 14031), 1200)
    assert capped.width() <= 2481 and capped.height() <= 3508


def test_save_dialogs_start_in_documents(tmp_path, monkeypatch):
    from app import paths
    from app.ui.main import use_documents_as_working_folder

    docs = tmp_path / "文档"
    docs.mkdir()
    monkeypatch.setattr(paths.platformdirs, "user_documents_dir", lambda: str(docs))
    monkeypatch.chdir(tmp_path)
    use_documents_as_working_folder()  # run from source: the folder the user started in is kept
    assert Path.cwd() == tmp_path
    use_documents_as_working_folder(frozen=True)
    assert Path.cwd() == docs  # a bare file name in QFileDialog.getSaveFileName lands here


def test_window_icon_is_set(qtbot):
    from app.ui.main import make_application

    app = make_application()
    assert not app.windowIcon().isNull()
    assert app.desktopFileName() == "ssj"


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"LD_LIBRARY_PATH": "/opt/ssj/_internal", "LD_LIBRARY_PATH_ORIG": "/usr/local/lib"}, "/usr/local/lib"),
        ({"LD_LIBRARY_PATH": "/opt/ssj/_internal"}, None),
        ({"PATH": "/usr/bin"}, None),
    ],
)
def test_children_get_the_users_library_path(environ, expected):
    env = unfrozen_environment(environ)
    assert env.get("LD_LIBRARY_PATH") == expected
    assert "LD_LIBRARY_PATH_ORIG" not in env


def test_frozen_start_restores_the_library_path_for_children(tmp_path):
    script = (
        "import os, sys; sys.frozen = True\n"
        "from app.paths import restore_child_environment\n"
        "restore_child_environment()\n"
        "import subprocess; print(subprocess.run(['sh', '-c', 'echo \"[$LD_LIBRARY_PATH]\"'], "
        "capture_output=True, text=True).stdout.strip())\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), LD_LIBRARY_PATH=str(tmp_path), LD_LIBRARY_PATH_ORIG="/usr/lib/wps")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[/usr/lib/wps]", out.stderr
