"""The signed USB exchange: three counties → one city; every tampering case refused, nothing stored."""

from __future__ import annotations

import base64
import errno
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models.core import AuditEntry
from app.models.exchange import CountyReport
from app.services.exchange import packages
from app.services.exchange.drives import list_removable_drives, safe_filename
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from app.services.foundation.office import init_office
from app.services.foundation.store import open_database
from app.services.reports import statistics as stats
from tests.factories import make_object
from tests.stats_scenario import build_scenario

ADMIN = Actor("admin", "管理员")
KEY_PASSPHRASE = "county-passphrase"
KEY_ENV = {"SSJ_KEY_PASSPHRASE": KEY_PASSPHRASE}
COUNTIES = [
    ("甲县生态环境保护综合行政执法大队", "140525", "full"),
    ("乙县生态环境保护综合行政执法大队", "140581", "bigger"),
    ("丙县生态环境保护综合行政执法大队", "140521", "objects-only"),
]


def make_county(path: Path, name: str, region: str, kind: str):
    db = open_database(f"sqlite:///{path}")
    with acting_as(ADMIN), db.Session() as s:
        init_office(
            s,
            name=name,
            level="county",
            region_code=region,
            admin="admin",
            admin_password="admin123",
            key_passphrase=KEY_PASSPHRASE,
        )
        if kind == "full":
            build_scenario(s)
        elif kind == "bigger":
            build_scenario(s, extra_general=10)
        else:
            for _ in range(4):
                make_object(s, permit_class="登记管理")
        s.commit()
    return db


def make_city(path: Path):
    db = open_database(f"sqlite:///{path}")
    with acting_as(ADMIN), db.Session() as s:
        init_office(
            s, name="晋城市生态环境局", level="city", region_code="140500", admin="admin", admin_password="admin123"
        )
        s.commit()
    return db


@pytest.fixture
def world(tmp_path):
    counties = [make_county(tmp_path / f"county{i}.sqlite3", *c) for i, c in enumerate(COUNTIES)]
    city = make_city(tmp_path / "city.sqlite3")
    yield counties, city
    for d in counties + [city]:
        d.dispose()


def export(db, period: str, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    with acting_as(ADMIN), db.Session() as s:
        info = packages.export_package(s, period, folder, passphrase=KEY_PASSPHRASE)
        s.commit()
    return info


def register(city, county_db, name=None):
    with acting_as(ADMIN), county_db.Session() as s:
        from app.services.foundation.office import require_office

        o = require_office(s)
        pem, oname, region = o.public_key_pem, o.name, o.region_code
    with acting_as(ADMIN), city.Session() as s:
        packages.register_county(s, key_text=pem, name=name or oname, region_code=region)
        s.commit()


def do_import(city, path, period=None) -> dict:
    with acting_as(ADMIN), city.Session() as s:
        try:
            info = packages.import_package(s, path, period=period)
            s.commit()
            return info
        except BaseException:
            s.rollback()
            raise


def reports(city) -> int:
    with city.Session() as s:
        return s.scalar(select(func.count(CountyReport.id)))


def _ssj(db_path: Path, *argv, env=None):
    """The real `ssj` entry point in a subprocess (end to end)."""
    e = dict(os.environ, **(env or {}))
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db_path), *argv],
        capture_output=True,
        text=True,
        env=e,
        cwd=root,
    )
    return proc.returncode, proc.stdout, proc.stderr


# --------------------------------------------------------------------------- the happy path


def test_three_counties_aggregate_in_the_city(world, tmp_path, cli, db_path):
    counties, city = world
    usb = tmp_path / "usb"
    infos = [export(c, "2026Q1", usb) for c in counties]
    assert all(i["verified"] and i["message"].startswith("已写入并校验") for i in infos)
    assert sorted(p.name for p in usb.iterdir()) == sorted(i["name"] for i in infos)  # no temp files left
    assert infos[0]["name"] == "甲县生态环境保护综合行政执法大队-2026Q1.ssjpkg.zip"
    with zipfile.ZipFile(infos[0]["path"]) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert {
        "manifest.json",
        "manifest.sig",
        "data/stats.json",
        "data/adjustments.json",
        "data/draws.json",
        "data/audit-chain.txt",
        "data/maintenance.json",
        "季度统计表-2026Q1.xlsx",
        "名录库调整信息-2026Q1.xlsx",
    } == names
    assert manifest["period"] == "2026Q1" and manifest["region_code"] == "140525" and manifest["app_version"]
    assert "chain_head" in manifest and "BEGIN PUBLIC KEY" in manifest["public_key"]
    assert {f["name"] for f in manifest["files"]} == names - {"manifest.json", "manifest.sig"}
    for c in counties:
        register(city, c)
    for info in infos:
        assert do_import(city, info["path"], period="2026Q1")["status"] == "imported"
    with acting_as(ADMIN), city.Session() as s:
        data = packages.city_stats(s, "2026Q1")
    own = []
    for c in counties:
        with c.Session() as s:
            own.append(stats.compute(s, "2026Q1"))
    # side by side, ordered by region code
    assert [r["county"] for r in data["counties"]] == [COUNTIES[2][0], COUNTIES[0][0], COUNTIES[1][0]]
    total = data["total_by_key"]
    # counts: the sum of the three counties' own figures
    for key in ("obj_total", "obj_general", "inspectors", "required", "inspected", "published", "cases"):
        assert total[key] == sum(stats.flat_counts(s)[key] for s in own), key
    assert total["obj_total"] == 14 + 24 + 4 and total["inspected"] == 12
    # rates: recomputed from the sums, not the average of the counties' rates
    published = sum(s["checks"]["published"] for s in own)
    inspected = sum(s["checks"]["inspected"] for s in own)
    assert total["publication_rate"] == pytest.approx(round(100 * published / inspected, 2))
    mean = sum(s["rates"]["publication_rate"] for s in own) / 3
    assert total["publication_rate"] != pytest.approx(mean)
    checked = sum(s["annual"]["objects_checked"] for s in own)
    assert total["annual_coverage"] == pytest.approx(round(100 * checked / total["obj_total"], 2))

    # the same through the command line of the city database, and its Excel export
    city_path = Path(city.url.replace("sqlite:///", ""))
    rc, out, err = _ssj(city_path, "--json", "city", "stats", "--period", "2026Q1")
    assert rc == 0, err
    assert json.loads(out)["total_by_key"]["inspected"] == 12
    xlsx = tmp_path / "全市.xlsx"
    rc, out, err = _ssj(city_path, "export", "city", "--period", "2026Q1", "--out", str(xlsx))
    assert rc == 0, err
    ws = load_workbook(xlsx)["全市汇总"]
    assert ws.cell(row=8, column=1).value == "合计"
    col = 2 + [f.key for f in stats.FIELDS].index("inspected")
    assert [ws.cell(row=r, column=col).value for r in range(5, 9)] == [0, 6, 6, 12]


def test_cli_key_register_import_and_reimport(world, tmp_path):
    """Reading commands run without an account; writing and signing ones as --user admin (SSJ_PASSWORD)."""
    counties, city = world

    def ssj(db_path, *argv, env=None):
        reading = "key" in argv or "verify" in argv
        if reading:
            return _ssj(db_path, *argv, env=env)
        return _ssj(db_path, "--user", "admin", *argv, env={"SSJ_PASSWORD": "admin123", **(env or {})})

    county_path = Path(counties[0].url.replace("sqlite:///", ""))
    city_path = Path(city.url.replace("sqlite:///", ""))
    pem = tmp_path / "甲县公钥.pem"
    rc, out, err = ssj(county_path, "--json", "key", "export", "--out", str(pem))
    assert rc == 0, err
    fp = json.loads(out)["fingerprint"]
    usb = tmp_path / "usb"
    usb.mkdir()
    rc, out, err = ssj(county_path, "package", "export", "--period", "2026Q1", "--out", str(usb), env=KEY_ENV)
    assert rc == 0 and "已写入并校验" in out, err
    pkg = next(usb.iterdir())
    rc, out, err = ssj(city_path, "package", "import", str(pkg))
    assert rc == 1 and "未登记" in err and "county register" in err
    assert reports(city) == 0
    rc, out, err = ssj(
        city_path,
        "--json",
        "county",
        "register",
        "--key",
        str(pem),
        "--name",
        "甲县执法大队",
        "--region-code",
        "140525",
    )
    assert rc == 0, err
    assert json.loads(out)["fingerprint"] == fp
    rc, out, err = ssj(city_path, "county", "register", "--key", str(pem), "--name", "again")
    assert rc == 1 and "已登记" in err
    rc, out, err = ssj(city_path, "--json", "package", "import", str(pkg))
    assert rc == 0, err
    assert json.loads(out)["status"] == "imported"
    with city.Session() as s:
        audit_before = s.scalar(select(func.count(AuditEntry.id)))
    rc, out, err = ssj(city_path, "package", "import", str(pkg))
    assert rc == 0 and "已导入过" in out
    with city.Session() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == audit_before
    assert reports(city) == 1
    # the county cannot import, the city cannot be imported into by a county database
    rc, out, err = ssj(county_path, "package", "import", str(pkg))
    assert rc == 1 and "市级" in err


def test_newer_package_supersedes_with_a_record(world, tmp_path):
    counties, city = world
    register(city, counties[0])
    first = export(counties[0], "2026Q1", tmp_path / "v1")
    do_import(city, first["path"])
    with acting_as(ADMIN), counties[0].Session() as s:  # the county corrects its data and re-sends
        make_object(s, permit_class="登记管理")
        s.commit()
    second = export(counties[0], "2026Q1", tmp_path / "v2")
    info = do_import(city, second["path"])
    assert info["status"] == "superseded"
    with city.Session() as s:
        rows = s.scalars(select(CountyReport).order_by(CountyReport.id)).all()
        assert [r.current for r in rows] == [False, True] and rows[0].superseded_by_id == rows[1].id
        assert rows[1].stats["objects"]["total"] == 15
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "替代报送包"))
        assert entry is not None and "替代旧包" in entry.summary
        data = packages.city_stats(s, "2026Q1")
    assert data["total_by_key"]["obj_total"] == 15  # only the current report counts
    again = do_import(city, first["path"])  # the superseded package again: nothing changes
    assert again["status"] == "already" and "已被更新的报送包替代" in again["message"]
    middle = export(counties[0], "2026Q1", tmp_path / "v3")
    newest = export(counties[0], "2026Q1", tmp_path / "v4")
    assert do_import(city, newest["path"])["status"] == "superseded"
    with pytest.raises(UserError, match="比已导入的版本.*旧"):
        do_import(city, middle["path"])
    assert reports(city) == 3


# --------------------------------------------------------------------------- tampering


def rezip(src: Path, dst: Path, *, change: dict | None = None, drop: set | None = None, add: list | None = None):
    """Copy a package entry by entry, replacing, dropping or adding entries."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if drop and info.filename in drop:
                continue
            data = (change or {}).get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
        for item in add or []:
            if isinstance(item, zipfile.ZipInfo):
                zout.writestr(item, b"x")
            else:
                zout.writestr(item[0], item[1])
    return dst


def resign(manifest: dict, county_db) -> tuple[bytes, bytes]:
    with county_db.Session() as s:
        from app.services.foundation.office import signing_key

        key = signing_key(s, KEY_PASSPHRASE)[0]
    body = packages.canonical_bytes(manifest)
    return body, base64.b64encode(key.sign(body)) + b"\n"


@pytest.fixture
def one(world, tmp_path):
    counties, city = world
    register(city, counties[0])
    info = export(counties[0], "2026Q1", tmp_path / "usb")
    return counties, city, Path(info["path"]), tmp_path


def refused(city, path, match, period=None):
    with pytest.raises(UserError, match=match):
        do_import(city, path, period=period)
    assert reports(city) == 0


def test_truncated_zip(one):
    counties, city, pkg, tmp = one
    bad = tmp / "截断.ssjpkg.zip"
    bad.write_bytes(pkg.read_bytes()[: pkg.stat().st_size // 2])
    refused(city, bad, "损坏或不完整")


def test_modified_file(one):
    counties, city, pkg, tmp = one
    with zipfile.ZipFile(pkg) as zf:
        data = json.loads(zf.read("data/stats.json"))
    data["checks"]["inspected"] = 999
    bad = rezip(pkg, tmp / "改过.zip", change={"data/stats.json": packages.canonical_bytes(data)})
    refused(city, bad, "SHA-256 不符")


def test_modified_manifest_breaks_the_signature(one):
    counties, city, pkg, tmp = one
    with zipfile.ZipFile(pkg) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["office"] = "别的县"
    bad = rezip(pkg, tmp / "改清单.zip", change={"manifest.json": packages.canonical_bytes(manifest)})
    refused(city, bad, "签名无效")


def test_missing_signature(one):
    counties, city, pkg, tmp = one
    refused(city, rezip(pkg, tmp / "无签名.zip", drop={"manifest.sig"}), "缺少签名")


def test_signature_by_another_key(one):
    counties, city, pkg, tmp = one
    with zipfile.ZipFile(pkg) as zf:
        manifest = zf.read("manifest.json")
    with counties[1].Session() as s:  # 乙县's key signs 甲县's manifest
        from app.services.foundation.office import signing_key

        key = signing_key(s, KEY_PASSPHRASE)[0]
    bad = rezip(pkg, tmp / "他签.zip", change={"manifest.sig": base64.b64encode(key.sign(manifest))})
    refused(city, bad, "签名无效")


def test_unknown_key(world, tmp_path):
    counties, city = world
    info = export(counties[2], "2026Q1", tmp_path / "usb")
    refused(city, info["path"], "未登记")


def test_other_period(one):
    counties, city, pkg, tmp = one
    q2 = export(counties[0], "2026Q2", tmp / "q2")
    refused(city, q2["path"], "不是要导入的 2026Q1", period="2026Q1")
    # a (validly signed) manifest whose period disagrees with its data
    with zipfile.ZipFile(pkg) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["period"] = "2026Q2"
    body, sig = resign(manifest, counties[0])
    bad = rezip(pkg, tmp / "期间不符.zip", change={"manifest.json": body, "manifest.sig": sig})
    refused(city, bad, "期间")


@pytest.mark.parametrize(
    "name, message",
    [
        ("../evil.txt", "路径穿越"),
        ("data/../../evil.txt", "路径穿越"),
        ("/etc/evil.txt", "绝对路径"),
        ("C:/Windows/evil.txt", "绝对路径"),
        ("..\\evil.txt", "反斜杠"),
    ],
)
def test_hostile_entry_names(one, name, message):
    counties, city, pkg, tmp = one
    info = zipfile.ZipInfo("placeholder")
    info.filename = name  # bypass ZipInfo's own normalisation, as a hostile tool would
    bad = rezip(pkg, tmp / "恶意.zip", add=[info])
    with zipfile.ZipFile(bad) as zf:
        assert name in zf.namelist()
    refused(city, bad, message)


def test_symlink_duplicate_and_extra_entries(one):
    counties, city, pkg, tmp = one
    link = zipfile.ZipInfo("data/link")
    link.external_attr = 0o120777 << 16
    refused(city, rezip(pkg, tmp / "链接.zip", add=[link]), "符号链接")
    with zipfile.ZipFile(pkg) as zf:
        stats_bytes = zf.read("data/stats.json")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dup = rezip(pkg, tmp / "重复.zip", add=[("data/stats.json", stats_bytes)])
    refused(city, dup, "重复")
    refused(city, rezip(pkg, tmp / "多余.zip", add=[("readme.txt", b"hi")]), "清单之外")


def test_oversized_entry_and_zip_bomb(one):
    counties, city, pkg, tmp = one
    big = rezip(pkg, tmp / "超大.zip", add=[("data/big.bin", b"\0" * (packages.MAX_ENTRY_BYTES + 1))])
    refused(city, big, "超过单个文件上限")
    bomb = rezip(pkg, tmp / "炸弹.zip", add=[("data/bomb.bin", b"\0" * (8 * 1024 * 1024))])
    refused(city, bomb, "压缩炸弹")


# --------------------------------------------------------------------------- the stick


def _make_read_only(folder: Path):
    if os.geteuid() == 0:  # root ignores permissions: the immutable flag refuses even root
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o555)
    return lambda: folder.chmod(0o755)


def test_write_protected_stick(world, tmp_path):
    counties, _city = world
    usb = tmp_path / "ro"
    usb.mkdir()
    undo = _make_read_only(usb)
    try:
        with acting_as(ADMIN), counties[0].Session() as s, pytest.raises(UserError, match="写保护"):
            packages.export_package(s, "2026Q1", usb, passphrase=KEY_PASSPHRASE)
    finally:
        undo()
    assert list(usb.iterdir()) == []


def test_full_stick_leaves_nothing(world, tmp_path, monkeypatch):
    counties, _city = world
    usb = tmp_path / "full"
    usb.mkdir()

    def no_space(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)  # the OS says the disk is full while writing
    with acting_as(ADMIN), counties[0].Session() as s, pytest.raises(UserError, match="空间不足"):
        packages.export_package(s, "2026Q1", usb, passphrase=KEY_PASSPHRASE)
    assert list(usb.iterdir()) == []


def test_missing_target_folder(world, tmp_path):
    counties, _city = world
    with acting_as(ADMIN), counties[0].Session() as s, pytest.raises(UserError, match="不存在"):
        packages.export_package(s, "2026Q1", tmp_path / "no-such-stick", passphrase=KEY_PASSPHRASE)


def test_removable_drives_listing(tmp_path, monkeypatch):
    root = tmp_path / "media"
    (root / "KINGSTON").mkdir(parents=True)
    (root / "新加卷").mkdir()
    (root / "file.txt").write_text("x")
    monkeypatch.setenv("SSJ_MEDIA_ROOT", str(root))
    drives = list_removable_drives()
    assert [d["label"] for d in drives] == sorted(["KINGSTON", "新加卷"])
    assert all(d["writable"] and d["free_bytes"] > 0 for d in drives)
    assert safe_filename("泽州县:执法/大队*?") == "泽州县_执法_大队__"
    assert safe_filename("CON") == "_CON"


def test_county_register_requires_city_and_valid_key(world):
    counties, city = world
    with acting_as(ADMIN), counties[0].Session() as s, pytest.raises(UserError, match="市级"):
        packages.register_county(s, key_text="x", name="x")
    with acting_as(ADMIN), city.Session() as s, pytest.raises(UserError, match="BEGIN PUBLIC KEY"):
        packages.register_county(s, key_text="not a key", name="某县")


def test_city_dashboard_counts_reports(world, tmp_path):
    from datetime import date

    counties, city = world
    with city.Session() as s:
        assert packages.dashboard_items(s, date(2026, 4, 5))[0]["value"] == "未登记"
    register(city, counties[0])
    register(city, counties[1])
    do_import(city, export(counties[0], "2026Q1", tmp_path / "usb")["path"])
    with city.Session() as s:
        item = packages.dashboard_items(s, date(2026, 4, 5))[0]
    assert item["value"] == "1/2" and COUNTIES[1][0] in item["detail"] and item["page"] == "exchange"


def test_real_draws_chain_head_travels_and_gaps_are_flagged(tmp_path, capsys, monkeypatch):
    """Real draws (draw service): the chain head reaches the city; a county that deletes a draw record
    and re-sends is flagged (warning recorded in the audit log)."""
    import sqlite3

    from app.cli import run

    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", KEY_PASSPHRASE)
    county_path, city_path = tmp_path / "real.sqlite3", tmp_path / "city.sqlite3"
    base = ["--db", str(county_path)]
    assert (
        run(
            base
            + [
                "init",
                "--office",
                "丁县生态环境保护综合行政执法大队",
                "--level",
                "county",
                "--region-code",
                "140524",
                "--password",
                "admin123",
                "--policy",
                "zezhou-2024",
            ]
        )
        == 0
    )
    monkeypatch.setenv("SSJ_PASSWORD", "admin123")
    base += ["--user", "admin"]
    assert run(base + ["demo", "--objects", "80"]) == 0
    witnesses = ["--witness", "张三", "--witness", "李四"]
    assert (
        run(base + ["draw", "--period", "2026Q1", "--task", "1", "--seed", "31415926535897932384626", *witnesses]) == 0
    )
    assert (
        run(base + ["draw", "--period", "2026Q1", "--task", "2", "--seed", "27182818284590452353602", *witnesses]) == 0
    )
    capsys.readouterr()
    county = open_database(f"sqlite:///{county_path}")
    city = make_city(city_path)
    try:
        register(city, county)
        first = export(county, "2026Q1", tmp_path / "usb1")
        with zipfile.ZipFile(first["path"]) as zf:
            draws = json.loads(zf.read("data/draws.json"))
        assert draws["chain_verified"] is True and draws["chain_length"] >= 1
        assert draws["chain_head"] == draws["chain"][-1]["record_hash"]
        info = do_import(city, first["path"])
        assert info["status"] == "imported" and info["warnings"] == []
        with city.Session() as s:
            assert s.scalar(select(CountyReport.chain_head)) == draws["chain_head"]
        # the county quietly deletes its last draw and re-sends
        con = sqlite3.connect(county_path)
        last = con.execute("SELECT max(id) FROM draw").fetchone()[0]
        sel_ids = [r[0] for r in con.execute("SELECT id FROM draw_selection WHERE draw_id=?", (last,))]
        con.executemany("DELETE FROM team_member WHERE selection_id=?", [(i,) for i in sel_ids])
        con.execute("DELETE FROM draw_selection WHERE draw_id=?", (last,))
        con.execute("DELETE FROM draw WHERE id=?", (last,))
        con.commit()
        con.close()
        second = export(county, "2026Q1", tmp_path / "usb2")
        info = do_import(city, second["path"])
        assert info["status"] == "superseded"
        assert any("不连续" in w for w in info["warnings"]) and "注意" in info["message"]
        with city.Session() as s:
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "报送包警告")) is not None
    finally:
        county.dispose()
        city.dispose()


def test_accepted_entry_names_never_leave_the_folder():
    """Property: any entry name the importer accepts stays inside the folder it would be unpacked to."""
    import posixpath

    from hypothesis import given, settings
    from hypothesis import strategies as st

    base = "/srv/pkg"
    alphabet = st.sampled_from(list("ab./\\:C数据-_ ") + ["..", "\x00", "\n"])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(alphabet, min_size=1, max_size=12).map("".join))
    def check(name):
        try:
            packages._check_entry_name(name, "测试")
        except UserError:
            return
        target = posixpath.normpath(posixpath.join(base, name))
        assert target.startswith(base + "/") and target != base
        assert "\\" not in name and ":" not in name and "\x00" not in name and ".." not in name.split("/")

    check()


def test_a_package_claiming_an_unknown_zip_version_is_refused(one):
    counties, city, pkg, tmp = one
    data = bytearray(pkg.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 6] = 64  # "version needed to extract: 6.4": zipfile raises NotImplementedError
        at = data.find(b"PK\x01\x02", at + 4)
    bad = tmp / "新版本.ssjpkg.zip"
    bad.write_bytes(bytes(data))
    refused(city, bad, "损坏或不完整")
