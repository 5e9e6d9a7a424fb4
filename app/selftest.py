"""`ssj --selftest`: prove a build works — store + migrations, a CJK PDF with a QR code, the main window.

Prints `OK` and returns 0, or prints what failed (Chinese and English) and returns 1. Runs offscreen in a
temporary folder, so it touches no user data.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

from app.models.vocabulary import Role


def _check_store(folder: Path):
    from sqlalchemy import select

    from app.models.core import Office
    from app.services.foundation import audit
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.office import init_office
    from app.services.foundation.store import open_database

    db = open_database(f"sqlite:///{folder / 'selftest.sqlite3'}")
    with acting_as(Actor("selftest", Role.ADMIN)), db.Session() as s:
        init_office(
            s,
            name="自检县生态环境保护综合行政执法大队",
            level="county",
            region_code="140525",
            admin="admin",
            admin_password="selftest123",
        )
        s.commit()
        assert s.scalar(select(Office)).name.startswith("自检县"), "office row missing"
        result = audit.verify(s)
        assert result.ok, result.message
    return db


def _check_pdf(folder: Path) -> Path:
    from reportlab.platypus import Paragraph

    from app.services.foundation import pdf

    font = pdf.register_fonts()
    st = pdf.styles()
    drawing = pdf.qr_flowable("ssj-selftest 双随机抽查", 80)
    body = st.get("body") or next(iter(st.values()))
    path = pdf.build_pdf(
        folder / "selftest.pdf",
        [Paragraph(pdf.esc("双随机、一公开 自检：中文字体与二维码"), body), drawing],
        title="自检",
    )
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000, "PDF too small"
    assert font.encode() in data or b"FontFile2" in data, "CJK font not embedded"
    print(f"PDF 字体 font: {pdf.font_name()}")
    return path


def _check_word_and_manual(folder: Path) -> None:
    """A Word document with a QR picture (python-docx and its templates are in the bundle) and the manual."""
    from app.services.foundation import manual, word

    doc = word.new_document(title="自检")
    word.title(doc, "双随机、一公开 自检：Word 文档")
    word.picture(doc, word.qr_png("ssj-selftest 双随机抽查"), 30)
    path = word.save(doc, folder / "selftest.docx")
    assert path.read_bytes().startswith(b"PK"), "docx not written"
    assert len(manual.sections()) >= 10, "user manual (resources/manual) missing"
    print(f"使用手册 manual: {len(manual.sections())} 节")


def _check_cli_and_resources() -> None:
    from importlib import resources

    from app.cli import build_parser, command_modules

    mods = command_modules()
    assert "app.cli.core" in mods and "app.cli.backup" in mods, f"CLI modules not found: {mods}"
    build_parser()  # imports every command module
    assert resources.files("resources").is_dir(), "resources/ package missing"
    from app.models.db import head_revision

    assert head_revision(), "alembic migrations missing"


def _check_window(db) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.services.foundation.context import Actor
    from app.ui.context import AppContext
    from app.ui.main import make_application
    from app.ui.main_window import MainWindow

    app = make_application()
    from app.ui.i18n import install_translations

    assert "qtbase_zh_CN" in install_translations(app), "Qt 中文翻译 qtbase_zh_CN.qm missing"
    ctx = AppContext(db=db, actor=Actor("admin", Role.ADMIN, Role.ADMIN), office_name="自检县", office_level="county")
    window = MainWindow(ctx)
    window.backup_on_close = False
    keys = {spec.key for spec in window.specs}
    assert {"home", "audit", "users", "backup"} <= keys, f"pages not discovered (hidden imports?): {sorted(keys)}"
    window.show()
    from PySide6.QtWidgets import QLabel

    from app.ui.operations import wait_all

    for spec in window.specs:  # each page's module is imported here, when it is first opened
        widget = window.show_page(spec.key)
        assert widget is not None, spec.key
        broken = isinstance(widget, QLabel) and "无法打开" in widget.text()
        assert not broken, f"page {spec.key} failed to open (hidden imports?): {widget.text()}"
        app.processEvents()
    wait_all()
    image = window.grab()
    assert not image.isNull() and image.width() > 100, "window did not render"
    window.close()
    app.processEvents()


def run_selftest() -> int:
    steps = [
        ("数据库与迁移 store", None),
        ("PDF（中文字体、二维码）", None),
        ("Word 文档与使用手册 docx/manual", None),
        ("命令行与资源 CLI/resources", None),
        ("主窗口 main window", None),
    ]
    with tempfile.TemporaryDirectory(prefix="ssj-selftest-") as tmp:
        folder = Path(tmp)
        os.environ["SSJ_DATA_DIR"] = str(folder / "data")
        name = steps[0][0]
        db = None
        try:
            db = _check_store(folder)
            name = steps[1][0]
            _check_pdf(folder)
            name = steps[2][0]
            _check_word_and_manual(folder)
            name = steps[3][0]
            _check_cli_and_resources()
            name = steps[4][0]
            _check_window(db)
        except BaseException as exc:  # report every failure, including missing modules in a frozen build
            print(f"FAILED: {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc()
            return 1
        finally:
            if db is not None:
                db.dispose()
    from app import __version__

    print(f"版本 version: {__version__}")
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(run_selftest())
