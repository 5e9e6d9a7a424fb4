"""Printing a generated PDF as vectors where the OS can (issue 20 point 11): on Linux / 统信UOS / 麒麟 the PDF
itself goes to CUPS with `lp` (a page is a few kB, text stays sharp at any printer resolution); on Windows, and
whenever `lp` is missing or refuses the job, the 300-dpi raster path prints it through Qt."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter

from app.ui import printing
from app.ui.printing import PrintJob, job_for_printer, print_vector, vector_print_command


def _fake_lp(folder: Path, exit_code: int = 0, message: str = "") -> Path:
    """A real executable named `lp` that records its arguments and the file it was given (as CUPS would)."""
    folder.mkdir(parents=True, exist_ok=True)
    lp = folder / "lp"
    lp.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{folder}/args.txt"\n'
        'for last; do :; done\n'
        f'cp "$last" "{folder}/received.pdf"\n'
        f'[ -n "{message}" ] && echo "{message}" >&2\n'
        f"[ {exit_code} -eq 0 ] && echo 'request id is HP_LaserJet-17 (1 file(s))'\n"
        f"exit {exit_code}\n",
        encoding="utf-8",
    )
    lp.chmod(lp.stat().st_mode | stat.S_IEXEC)
    return lp


def _pdf(tmp_path: Path, pages: int = 3) -> Path:
    from reportlab.platypus import PageBreak, Paragraph

    from app.services.foundation import pdf

    story = []
    for i in range(pages):
        story += [Paragraph(f"第 {i + 1} 页 双随机抽查结果", pdf.styles()["body"]), PageBreak()]
    return pdf.build_pdf(tmp_path / "打印.pdf", story[:-1], title="打印")


def test_cups_command_carries_every_choice_of_the_print_dialog(tmp_path):
    pdf = tmp_path / "检查通知书.pdf"
    job = PrintJob(printer="HP_LaserJet", copies=2, first=2, last=3, duplex="long", grayscale=True,
                   media="A4", title="检查通知书")
    cmd = vector_print_command(pdf, job, platform="linux", lp="/usr/bin/lp")
    assert cmd == [
        "/usr/bin/lp", "-d", "HP_LaserJet", "-n", "2", "-t", "检查通知书", "-P", "2-3",
        "-o", "sides=two-sided-long-edge", "-o", "print-color-mode=monochrome", "-o", "media=A4",
        "--", str(pdf),
    ]


def test_cups_command_leaves_the_printer_defaults_alone_when_nothing_was_chosen(tmp_path):
    pdf = tmp_path / "a.pdf"
    cmd = vector_print_command(pdf, PrintJob(printer="office"), platform="linux", lp="/usr/bin/lp")
    assert cmd == ["/usr/bin/lp", "-d", "office", "-n", "1", "--", str(pdf)]
    from_four = vector_print_command(pdf, PrintJob(printer="office", first=4, duplex="short"), platform="linux",
                                     lp="lp")
    assert from_four[from_four.index("-P") + 1] == "4-" and "sides=two-sided-short-edge" in from_four
    one_sided = vector_print_command(pdf, PrintJob(printer="office", duplex="off"), platform="linux", lp="lp")
    assert "sides=one-sided" in one_sided


@pytest.mark.parametrize(
    "job, platform, lp, why",
    [
        (PrintJob(printer="HP"), "win32", "C:/lp.exe", "Windows keeps the 300-dpi raster path"),
        (PrintJob(printer="HP"), "linux", None, "no lp (cups-client not installed)"),
        (PrintJob(printer=""), "linux", "/usr/bin/lp", "no printer chosen"),
        (None, "linux", "/usr/bin/lp", "printing to a file, not to a printer"),
    ],
)
def test_no_vector_command_where_it_cannot_work(tmp_path, job, platform, lp, why):
    assert vector_print_command(tmp_path / "a.pdf", job, platform=platform, lp=lp) is None, why


def test_a_printer_writing_to_a_file_is_not_a_cups_job(qapp, tmp_path):
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "out.pdf"))
    assert job_for_printer(printer, 1, None) is None


def test_job_reads_the_dialog_choices_from_the_printer(qapp):
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setCopyCount(3)
    printer.setColorMode(QPrinter.ColorMode.GrayScale)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    printer.setDocName("结果公示")
    job = printing.job_from_settings(
        "Kyocera", printer.copyCount(), 2, 5, QPrinter.DuplexMode.DuplexShortSide, printer.colorMode(),
        printer.pageLayout(), printer.docName(),
    )
    assert job == PrintJob(printer="Kyocera", copies=3, first=2, last=5, duplex="short", grayscale=True,
                           media="A4", title="结果公示")


def test_the_pdf_goes_to_lp_unchanged(tmp_path):
    source = _pdf(tmp_path)
    _fake_lp(tmp_path / "bin")
    env = dict(os.environ, PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    result = print_vector(source, PrintJob(printer="HP_LaserJet", first=1, last=2), pages=3, env=env)
    assert result.ok and result.pages == 2 and "HP_LaserJet-17" in result.message
    assert (tmp_path / "bin" / "received.pdf").read_bytes() == source.read_bytes()  # vectors, not a bitmap
    args = (tmp_path / "bin" / "args.txt").read_text(encoding="utf-8").split("\n")
    assert args[:2] == ["-d", "HP_LaserJet"] and "1-2" in args


def test_lp_refusing_the_job_is_reported_for_the_raster_fallback(tmp_path):
    _fake_lp(tmp_path / "bin", exit_code=1, message="lp: The printer or class does not exist.")
    env = dict(os.environ, PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    result = print_vector(_pdf(tmp_path), PrintJob(printer="gone"), pages=3, env=env)
    assert not result.ok and result.fallback
    assert "does not exist" in result.message


def test_no_lp_on_path_means_the_raster_path(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = print_vector(_pdf(tmp_path), PrintJob(printer="HP"), pages=3, env={"PATH": str(empty)})
    assert not result.ok and result.fallback and result.command is None


def test_a_hanging_lp_does_not_hang_the_program(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    lp = folder / "lp"
    lp.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    lp.chmod(0o755)
    env = dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}")
    result = print_vector(_pdf(tmp_path), PrintJob(printer="HP"), pages=3, env=env, timeout=1)
    assert not result.ok and result.fallback and "超时" in result.message


def test_dialog_prints_to_a_file_printer_with_the_raster_path(qtbot, tmp_path, monkeypatch):
    """The dialog still works where there is no CUPS queue: a PDF-file printer takes the raster path."""
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QDialog

    from app.ui.pdf_preview import PdfPreviewDialog

    _fake_lp(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    dlg = PdfPreviewDialog(_pdf(tmp_path))
    qtbot.addWidget(dlg)
    printer = dlg.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    assert dlg.print_(printer) == 3
    assert not (tmp_path / "bin" / "args.txt").exists()  # a file is not a CUPS queue
    info = subprocess.run(["pdfinfo", str(tmp_path / "printed.pdf")], capture_output=True).stdout.decode()
    assert "Pages:           3" in info
