"""Windows CI: print a generated multi-page PDF to "Microsoft Print to PDF" through the program's printing path
(app.ui.pdf_preview.print_document) and fail if the process's peak memory grows by more than LIMIT_MB.

    python scripts/windows/print_check.py OUT_DIR
"""

from __future__ import annotations

import ctypes
import ctypes.wintypes
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
LIMIT_MB = 300  # a 600 dpi bitmap per page was 139 MB, 1200 dpi 557 MB; capped rendering needs ~35 MB a page


class Counters(ctypes.Structure):
    _fields_ = [
        ("cb", ctypes.wintypes.DWORD),
        ("PageFaultCount", ctypes.wintypes.DWORD),
        ("PeakWorkingSetSize", ctypes.c_size_t),
        ("WorkingSetSize", ctypes.c_size_t),
        ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
        ("QuotaPagedPoolUsage", ctypes.c_size_t),
        ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
        ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
        ("PagefileUsage", ctypes.c_size_t),
        ("PeakPagefileUsage", ctypes.c_size_t),
    ]


def peak_mb() -> float:
    c = Counters()
    c.cb = ctypes.sizeof(c)
    ctypes.windll.psapi.GetProcessMemoryInfo(ctypes.windll.kernel32.GetCurrentProcess(), ctypes.byref(c), c.cb)
    return c.PeakPagefileUsage / 1024 / 1024


def main(out_dir: str) -> int:
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
    from PySide6.QtWidgets import QApplication
    from reportlab.platypus import PageBreak, Paragraph

    from app.services.foundation import pdf
    from app.ui.pdf_preview import load_document, print_document

    app = QApplication.instance() or QApplication(sys.argv[:1])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    story = []
    for i in range(6):
        story += [Paragraph(f"第 {i + 1} 页 双随机抽查结果公示 𠮷", pdf.styles()["body"]), PageBreak()]
    source = pdf.build_pdf(out / "打印源.pdf", story[:-1], title="打印测试")
    names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
    print("打印机：", names)
    if "Microsoft Print to PDF" not in names:
        print("没有 Microsoft Print to PDF 打印机", file=sys.stderr)
        return 1
    doc = load_document(source)
    before = peak_mb()
    for dpi in (600, 1200):
        printer = QPrinter(QPrinterInfo.printerInfo("Microsoft Print to PDF"), QPrinter.PrinterMode.HighResolution)
        printer.setOutputFileName(str(out / f"打印结果-{dpi}.pdf"))
        printer.setResolution(dpi)
        pages = print_document(doc, printer)
        print(
            f"{dpi} dpi：{pages} 页，分辨率 {printer.resolution()}，峰值内存 {peak_mb():.0f} MB（开始 {before:.0f} MB）"
        )
        if pages != 6:
            return 1
    grown = peak_mb() - before
    print(f"打印增加的峰值内存：{grown:.0f} MB（上限 {LIMIT_MB} MB）")
    del app
    return 0 if grown <= LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "print-check"))
