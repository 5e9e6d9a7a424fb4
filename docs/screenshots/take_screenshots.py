"""Regenerate the README screenshots and the user manual's pictures offscreen from the demo database.

    .venv/bin/python docs/screenshots/take_screenshots.py [demo-data/demo.sqlite3] [--manual-only]

Creates the demo database with `ssj demo` if it does not exist (then draws this quarter with a witnessed
seed, enters, reviews and publishes part of the results, so the pages show a quarter under way), logs in as
admin, shows each page at 1366×768 (a county laptop: the window as large as the screen minus the taskbar) and
saves `docs/screenshots/<page key>.png`, a copy 1000 pixels wide for the manual in
`resources/manual/screenshots/<page key>.png` (shipped with the program, shown in the help window and printed
in the PDF manual) and the help window itself (`docs/screenshots/help.png`, opened with F1 on the draw page).
With `--manual-only` only the manual's pictures and the help window are written (docs/screenshots stays).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SSJ_DATA_DIR", tempfile.mkdtemp(prefix="ssj-shots-"))

MANUAL_SHOTS = ROOT / "resources" / "manual" / "screenshots"
MANUAL_WIDTH = 1000


def save_manual_copy(pixmap, key: str) -> None:
    """The screenshot scaled to the manual's width (smooth), for resources/manual/screenshots — only the pictures
    the manual shows (they are shipped with the program)."""
    from PySide6.QtCore import Qt

    from app.services.foundation import manual

    wanted = {b.anchor for b in manual.parse(manual.manual_text()) if b.kind == "image"}
    if f"{key}.png" not in wanted:
        return
    MANUAL_SHOTS.mkdir(parents=True, exist_ok=True)
    small = pixmap.scaledToWidth(MANUAL_WIDTH, Qt.TransformationMode.SmoothTransformation)
    small.save(str(MANUAL_SHOTS / f"{key}.png"), "PNG", 9)


PAGES = [
    "home", "items", "objects", "inspectors", "experts", "rules", "classification", "quota", "plans", "draw",
    "outcomes", "publication", "holidays", "stats", "exchange", "audit", "backup", "users",
]  # fmt: skip


def quarter_in_progress(db_path: Path) -> None:
    """Make the demo look like a quarter under way: a witnessed draw, results entered, reviewed, published."""
    from datetime import date, timedelta

    from app.paths import resolve_db
    from app.services.foundation.context import Actor, acting_as
    from app.services.foundation.periods import period_of
    from app.services.foundation.store import open_database
    from app.services.outcomes import outcomes, publication

    period = period_of(date.today()).code
    cli = [sys.executable, "-m", "app", "--db", str(db_path)]
    # data-changing commands run as an account: --user NAME, the password in SSJ_PASSWORD
    as_admin, as_leader = dict(os.environ, SSJ_PASSWORD="admin123"), dict(os.environ, SSJ_PASSWORD="demo1234")
    subprocess.run(
        cli
        + [
            "--user",
            "admin",
            "draw",
            "--period",
            period,
            "--seed",
            "31415926535897932384626433",
            "--witness",
            "王建国（监察室）",
            "--witness",
            "李明（企业代表）",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env=as_admin,
    )
    subprocess.run(
        cli + ["--user", "lingdao", "draw", "confirm", "1"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env=as_leader,
    )
    db = open_database(resolve_db(str(db_path)))
    today = date.today()
    with acting_as(Actor("luru", "录入员", "录入员")), db.Session() as s:
        rows = outcomes.period_rows(s, period)
        for i, row in enumerate(rows[: len(rows) * 3 // 5]):
            data = {"check_date": today, "method": "现场检查", "result": "未发现问题"}
            if i % 9 == 4:
                data.update(
                    result="发现问题已责令整改",
                    findings="危废贮存间标识不全，台账记录不完整",
                    rectify_deadline=today + timedelta(days=15),
                )
            elif i % 23 == 7:
                data.update(
                    result="发现问题已立案调查",
                    findings="废气处理设施未正常运行",
                    case_no=f"泽环罚〔{today.year}〕{i:03d}号",
                )
            elif i % 17 == 11:
                data.update(result="通过登记的住所(经营场所)无法联系", method="书面核查")
            outcomes.save_outcome(s, row.selection_id, data, today=today)
        s.commit()
    with acting_as(Actor("shenhe", "审核员", "审核员")), db.Session() as s:
        entered = [r.outcome_id for r in outcomes.period_rows(s, period) if r.outcome_id]
        outcomes.approve(s, entered[: len(entered) * 2 // 3], "shenhe")
        s.commit()
        publication.create_batch(s, period, published_on=today)
        s.commit()
    db.dispose()


def city_bureau(workdir: Path) -> Path:
    """Three counties (demo pools, a witnessed draw each) send signed packages; a city database imports them."""
    from datetime import date

    from app.services.foundation.periods import period_of

    period = period_of(date.today()).code
    city = workdir / "city.sqlite3"
    (workdir / "usb").mkdir()  # the USB stick
    as_admin = dict(os.environ, SSJ_PASSWORD="admin123", SSJ_KEY_PASSPHRASE="demo-baosong")  # the 报送口令
    run = lambda db, *a: subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), *a],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env=as_admin,
    )
    run(
        city,
        "init",
        "--office",
        "晋城市生态环境局",
        "--level",
        "city",
        "--region-code",
        "140500",
        "--password",
        "admin123",
    )
    counties = [
        ("泽州县生态环境保护综合行政执法大队", "140525", 11, "3141592653589793238462"),
        ("高平市生态环境保护综合行政执法大队", "140581", 12, "2718281828459045235360"),
        ("阳城县生态环境保护综合行政执法大队", "140522", 13, "1414213562373095048801"),
    ]
    for name, code, seed, dice in counties:
        db = workdir / f"{code}.sqlite3"
        run(
            db,
            "init",
            "--office",
            name,
            "--level",
            "county",
            "--region-code",
            code,
            "--parent",
            "晋城市生态环境局",
            "--password",
            "admin123",
        )
        admin = ("--user", "admin")
        run(db, *admin, "demo", "--seed", str(seed))
        run(db, *admin, "draw", "--period", period, "--seed", dice, "--witness", "见证人甲", "--witness", "见证人乙")
        run(db, *admin, "draw", "confirm", "1")
        run(db, "key", "export", "--out", str(workdir / f"{code}.pem"))
        run(db, *admin, "package", "export", "--period", period, "--out", str(workdir / "usb"))
        run(
            city,
            *admin,
            "county",
            "register",
            "--key",
            str(workdir / f"{code}.pem"),
            "--name",
            name,
            "--region-code",
            code,
        )
    for pkg in sorted((workdir / "usb").glob("*.zip")):
        run(city, "--user", "admin", "package", "import", str(pkg))
    return city


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    manual_only = "--manual-only" in sys.argv
    db_path = Path(args[0]) if args else ROOT / "demo-data" / "demo.sqlite3"
    if not db_path.exists():
        db_path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "app", "--db", str(db_path), "demo"], check=True, cwd=ROOT)
        quarter_in_progress(db_path)
    from app.paths import resolve_db
    from app.services.foundation import office as office_service
    from app.services.foundation.context import Actor
    from app.ui.context import AppContext
    from app.ui.main import make_application, open_store
    from app.ui.main_window import MainWindow

    app = make_application()
    db = open_store(resolve_db(str(db_path)))
    with db.Session() as s:
        office = office_service.get_office(s)
    ctx = AppContext(
        db=db, actor=Actor("admin", "管理员", "管理员"), office_name=office.name, office_level=office.level
    )
    window = MainWindow(ctx)
    window.backup_on_close = False
    window.resize(1366, 768 - 40 - 30)  # the taskbar and the title bar take their share of a 768-pixel screen
    window.show()
    out = Path(__file__).resolve().parent
    window.daily_backup()  # so the 备份与恢复 page lists a backup
    from app.ui import operations

    for key in PAGES:
        page = window.show_page(key)
        if page is None:
            continue
        operations.wait_all()
        if key == "draw" and page.history_model.rowCount():  # the quarter's draw, as the clerk opens it
            page.history_view.selectRow(0)
            page._open_history(page.history_view.currentIndex())
        for _ in range(5):
            app.processEvents()
        operations.wait_all()
        shot = window.grab()
        if not manual_only:
            shot.save(str(out / f"{key}.png"))
        save_manual_copy(shot, key)
        print(out / f"{key}.png")
    # F1 on the draw page: the help window at the section of that page
    window.show_page("draw")
    app.processEvents()
    help_window = window.open_help()
    help_window.resize(1100, 700)
    for _ in range(5):
        app.processEvents()
    help_window.show_section("draw")
    app.processEvents()
    help_window.grab().save(str(out / "help.png"))
    print(out / "help.png")
    help_window.close()
    window.close()
    if manual_only:
        db.dispose()
        return 0
    # The two dialogs a clerk meets first: first run (on an empty database) and login.
    from app.services.foundation.store import open_database
    from app.ui.first_run import FirstRunDialog
    from app.ui.login import LoginDialog

    blank = open_database(resolve_db(str(Path(os.environ["SSJ_DATA_DIR"]) / "blank.sqlite3")))
    first = FirstRunDialog(blank)
    first.show()
    app.processEvents()
    first.grab().save(str(out / "first_run.png"))
    blank.dispose()
    login = LoginDialog(db, office.name, username="admin")
    login.show()
    app.processEvents()
    login.grab().save(str(out / "login.png"))
    print(out / "first_run.png", out / "login.png")
    db.dispose()
    # The municipal bureau: the same app in 市级 mode, three counties imported side by side.
    city = open_store(resolve_db(str(city_bureau(Path(tempfile.mkdtemp(prefix="ssj-city-"))))))
    cctx = AppContext(
        db=city, actor=Actor("admin", "管理员", "管理员"), office_name="晋城市生态环境局", office_level="city"
    )
    cwin = MainWindow(cctx)
    cwin.backup_on_close = False
    cwin.resize(1366, 768 - 40 - 30)
    cwin.show()
    cwin.show_page("exchange")
    for _ in range(5):
        app.processEvents()
    cwin.grab().save(str(out / "city.png"))
    print(out / "city.png")
    cwin.close()
    city.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
