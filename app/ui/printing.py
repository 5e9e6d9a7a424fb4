"""Vector printing of our generated PDFs where the operating system can take a PDF as it is.

On Linux (统信UOS, 银河麒麟, Debian…) printers are CUPS queues and `lp` accepts a PDF: CUPS's own filters turn
it into what the printer speaks, so text and QR codes stay vectors (a page is a few kB instead of a 35 MB
300-dpi bitmap, and sharp at any printer resolution). On Windows, when no `lp` is installed, when the dialog
prints to a file, or when `lp` refuses or hangs, the caller prints with the 300-dpi raster path
(app/ui/pdf_preview.print_document) instead.

`vector_print_command` decides (a pure function: which command for which dialog choices), `print_vector` runs
it, `job_for_printer` reads the choices from the QPrinter the print dialog filled in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrinter

LP_TIMEOUT = 30  # seconds: lp only hands the file to the local cupsd, which answers at once


@dataclass(frozen=True)
class PrintJob:
    """What the print dialog asked for. duplex: "auto" (the printer's default), "off", "long", "short"."""

    printer: str
    copies: int = 1
    first: int = 1
    last: int | None = None
    duplex: str = "auto"
    grayscale: bool = False
    media: str | None = None
    title: str = ""


@dataclass(frozen=True)
class VectorResult:
    ok: bool
    pages: int = 0
    message: str = ""
    command: list[str] | None = None

    @property
    def fallback(self) -> bool:
        """True when the caller should print with the raster path instead."""
        return not self.ok


_SIDES = {"off": "one-sided", "long": "two-sided-long-edge", "short": "two-sided-short-edge"}
_DUPLEX = {
    QPrinter.DuplexMode.DuplexNone: "off",
    QPrinter.DuplexMode.DuplexAuto: "auto",
    QPrinter.DuplexMode.DuplexLongSide: "long",
    QPrinter.DuplexMode.DuplexShortSide: "short",
}


def vector_print_command(pdf: str | Path, job: PrintJob | None, *, platform: str = sys.platform,
                         lp: str | None = None) -> list[str] | None:
    """The `lp` command that prints `pdf` as chosen in `job`, or None where vector printing is not possible:
    Windows (no PDF-accepting spooler: the raster path), no `lp`, no printer, or a job that is not a printer
    queue at all (None: the dialog prints to a file)."""
    if job is None or not job.printer or not lp or not platform.startswith("linux"):
        return None
    cmd = [lp, "-d", job.printer, "-n", str(max(1, job.copies))]
    if job.title:
        cmd += ["-t", job.title]
    if job.first > 1 or job.last:
        cmd += ["-P", f"{max(1, job.first)}-{job.last or ''}"]
    if job.duplex in _SIDES:
        cmd += ["-o", f"sides={_SIDES[job.duplex]}"]
    if job.grayscale:
        cmd += ["-o", "print-color-mode=monochrome"]
    if job.media:
        cmd += ["-o", f"media={job.media}"]
    return cmd + ["--", str(pdf)]


def job_from_settings(printer: str, copies: int, first: int, last: int | None, duplex, color_mode,
                      layout: QPageLayout, title: str) -> PrintJob:
    return PrintJob(
        printer=printer,
        copies=copies,
        first=first,
        last=last,
        duplex=_DUPLEX.get(duplex, "auto"),
        grayscale=color_mode == QPrinter.ColorMode.GrayScale,
        media=layout.pageSize().key() or None,
        title=title,
    )


def job_for_printer(printer: QPrinter, first: int, last: int | None) -> PrintJob | None:
    """The job the print dialog set up on `printer`, or None when it does not print to a printer queue
    (PDF output, a file name)."""
    if printer.outputFormat() != QPrinter.OutputFormat.NativeFormat or printer.outputFileName():
        return None
    return job_from_settings(printer.printerName(), printer.copyCount(), first, last, printer.duplex(),
                             printer.colorMode(), printer.pageLayout(), printer.docName())


def print_vector(pdf: str | Path, job: PrintJob | None, pages: int, *, env: dict[str, str] | None = None,
                 timeout: float = LP_TIMEOUT, platform: str = sys.platform) -> VectorResult:
    """Send `pdf` to CUPS with `lp`. `pages` is the document's page count (the result counts the pages of
    the chosen range). A result with ok=False means: print with the raster path (message says why)."""
    env = dict(os.environ if env is None else env)
    lp = shutil.which("lp", path=env.get("PATH", os.defpath))
    cmd = vector_print_command(pdf, job, platform=platform, lp=lp)
    if cmd is None:
        return VectorResult(False, message="不能直接把 PDF 交给打印系统（没有 lp 或不是打印机），改用图像方式打印。")
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return VectorResult(False, message=f"打印系统（lp）{timeout:g} 秒内没有响应（超时），改用图像方式打印。",
                            command=cmd)
    except OSError as exc:
        return VectorResult(False, message=f"无法运行 lp：{exc.strerror or exc}，改用图像方式打印。", command=cmd)
    out = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    if done.returncode != 0:
        return VectorResult(False, message=f"lp 拒绝了打印任务：{out or done.returncode}", command=cmd)
    first = max(1, job.first)
    last = min(job.last or pages, pages)
    return VectorResult(True, pages=max(0, last - first + 1), message=out, command=cmd)
