"""打印预览: show one of our generated PDFs (QtPdf), print it through the Qt print dialog, or save a copy.

After the print dialog, on Linux (统信UOS/麒麟) the PDF itself goes to the chosen CUPS queue with `lp`
(app/ui/printing.py: vectors, a few kB a page). On Windows, when printing to a file, or when `lp` is missing or
refuses the job, the raster path below prints it: it renders each page with QPdfDocument (at most at 300 dpi)
and paints it onto the page, keeping the aspect ratio (A4 on A4 fills the page; the PDF already carries the
government-form margins, so the printer is set to full-page mode).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.ui import printing
from app.ui.files import save_file_dialog
from app.ui.screen import resize_to_fit

log = logging.getLogger(__name__)


def load_document(path: str | Path, parent=None) -> QPdfDocument:
    doc = QPdfDocument(parent)
    err = doc.load(str(path))
    if err != QPdfDocument.Error.None_:
        raise OSError(f"无法打开 PDF 文件 {path}（{err.name}）。")
    return doc


PRINT_DPI = 300  # text and QR codes print sharp at 300 dpi; a page is then ~35 MB, freed before the next


def render_size(page_points, target: QSize, printer_dpi: int, max_dpi: int = PRINT_DPI) -> QSize:
    """Pixel size to render a page at: the printed size, but never more than `max_dpi`."""
    cap = QSize(round(page_points.width() * max_dpi / 72), round(page_points.height() * max_dpi / 72))
    if printer_dpi <= max_dpi or (target.width() <= cap.width() and target.height() <= cap.height()):
        return target
    scale = min(cap.width() / target.width(), cap.height() / target.height())
    return QSize(max(1, int(target.width() * scale)), max(1, int(target.height() * scale)))


def print_document(doc: QPdfDocument, printer: QPrinter, first: int = 1, last: int | None = None) -> int:
    """Paint pages first..last (1-based, inclusive) onto the printer; returns the number of pages printed."""
    count = doc.pageCount()
    if count == 0:
        return 0
    last = min(last or count, count)
    first = max(1, first)
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("无法开始打印：打印机不可用。")
    printed = 0
    try:
        dpi = printer.resolution()
        for i in range(first - 1, last):
            if printed:
                printer.newPage()
            target = printer.pageLayout().fullRectPixels(dpi)
            pts = doc.pagePointSize(i)
            scale = min(target.width() / pts.width(), target.height() / pts.height())
            size = QSize(int(pts.width() * scale), int(pts.height() * scale))
            # The page is rendered at most at PRINT_DPI and scaled up by the printer driver: at the printer's own
            # 600/1200 dpi one A4 page would be a 139/557 MB bitmap (out of memory on a 4 GB office PC).
            image = doc.render(i, render_size(pts, size, dpi))
            x = target.x() + (target.width() - size.width()) // 2
            y = target.y() + (target.height() - size.height()) // 2
            painter.drawImage(QRect(x, y, size.width(), size.height()), image)
            del image
            printed += 1
    finally:
        painter.end()
    return printed


class PdfPreviewDialog(QDialog):
    """Preview of a generated PDF with 打印 and 另存为 PDF."""

    def __init__(self, path: str | Path, title: str = "打印预览", parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"{title} — {self.path.name}")
        resize_to_fit(self, 900, 1000)  # never taller than the screen (150 % scaling: ~680 px)
        self.document = load_document(self.path, self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

        bar = QHBoxLayout()
        self.info = QLabel(f"共 {self.document.pageCount()} 页")
        self.print_button = QPushButton("打印…")
        self.save_button = QPushButton("另存为 PDF…")
        self.fit_button = QPushButton("整页")
        self.width_button = QPushButton("适合宽度")
        close = QPushButton("关闭")
        self.print_button.clicked.connect(self.print_)
        self.save_button.clicked.connect(self.save_as)
        self.fit_button.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitInView))
        self.width_button.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        close.clicked.connect(self.accept)
        for w in (self.info,):
            bar.addWidget(w)
        bar.addStretch(1)
        for b in (self.fit_button, self.width_button, self.save_button, self.print_button, close):
            bar.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.view, 1)

    def make_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        pts = self.document.pagePointSize(0) if self.document.pageCount() else None
        if pts is not None and pts.width() > pts.height():
            printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        printer.setDocName(self.path.stem)
        return printer

    def print_(self, printer: QPrinter | None = None) -> int:
        """Ask for a printer (QPrintDialog) and print; returns the pages printed (0 if cancelled)."""
        printer = printer or self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印")
        dialog.setMinMax(1, max(1, self.document.pageCount()))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return 0
        first, last = (printer.fromPage(), printer.toPage()) if printer.fromPage() else (1, None)
        job = printing.job_for_printer(printer, first, last)
        if job is not None:
            sent = printing.print_vector(self.path, job, self.document.pageCount())
            if sent.ok:
                log.info("printed %s as PDF on %s: %s", self.path.name, job.printer, sent.message)
                return sent.pages
            log.warning("vector printing of %s not possible, raster instead: %s", self.path.name, sent.message)
        try:
            return print_document(self.document, printer, first, last)
        except OSError as exc:
            QMessageBox.critical(self, "打印失败", str(exc))
            return 0

    def save_as(self, target: str | None = None) -> Path | None:
        if not target:
            target, _f = save_file_dialog(self, "另存为 PDF", self.path.name, "PDF 文件 (*.pdf)")
        if not target:
            return None
        target_path = Path(target)
        if target_path.suffix.lower() != ".pdf":
            target_path = target_path.with_suffix(".pdf")
        try:
            tmp = target_path.with_name(target_path.name + ".part")
            shutil.copyfile(self.path, tmp)
            tmp.replace(target_path)
        except OSError as exc:
            QMessageBox.critical(self, "保存失败", f"无法保存到 {target_path}：{exc.strerror or exc}。请换一个位置。")
            return None
        return target_path


def preview(path: str | Path, title: str = "打印预览", parent: QWidget | None = None) -> PdfPreviewDialog:
    """Open the preview dialog (modal)."""
    dlg = PdfPreviewDialog(path, title, parent)
    dlg.exec()
    return dlg
