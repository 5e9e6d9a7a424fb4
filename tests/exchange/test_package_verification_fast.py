"""Package verification (``packages.verify_package`` and its helpers), fast: one real county package built once per
module, every hostile variant a pure ``verify_package`` call on a copy written in a tmp folder (issue 22).

A forged copy is re-hashed and re-signed with a key of the test (checked against that key), so each test reaches
exactly the check it is about; the refusal is compared word for word, as the city's clerk reads it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from factories import make_object

from app.services.exchange import packages
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import UserError
from app.services.foundation.figures import size_text
from app.services.reports import statistics as stats_service

ADMIN = Actor("admin", "管理员")
PASSPHRASE = "county-passphrase"
KEY = ed25519.Ed25519PrivateKey.generate()
PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """(package path, public key PEM, its entries): a package as ``build_package`` lays it out, signed with the
    test's key — no database, so every test on it costs milliseconds."""
    files = {
        "季度统计表-2026Q1.xlsx": b"PK\x03\x04 xlsx bytes",
        "data/stats.json": packages.canonical_bytes({"period": "2026Q1", "checks": {"planned": 3}}),
        "data/adjustments.json": packages.canonical_bytes({"period": "2026Q1", "rows": []}),
        "data/draws.json": packages.canonical_bytes({"draws": [], "chain_head": ""}),
    }
    manifest = {
        "format": packages.FORMAT,
        "format_version": packages.FORMAT_VERSION,
        "office": "测试县生态环境保护综合行政执法大队",
        "region_code": "140525",
        "level": "county",
        "period": "2026Q1",
        "created_at": (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "public_key": PEM.decode(),
        "files": [{"name": n, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in files.items()],
    }
    body = packages.canonical_bytes(manifest)
    entries = {packages.MANIFEST: body, packages.SIGNATURE: base64.b64encode(KEY.sign(body)) + b"\n", **files}
    path = tmp_path_factory.mktemp("package") / "测试县.ssjpkg.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
    return path, PEM, entries


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """(a real county package built once, the county's public key PEM, a city database that registered it)."""
    from app.services.foundation.office import init_office, require_office
    from app.services.foundation.store import open_database

    folder = tmp_path_factory.mktemp("county")
    db = open_database(f"sqlite:///{folder / 'county.sqlite3'}")
    with acting_as(ADMIN), db.Session() as s:
        init_office(
            s,
            name="甲县生态环境保护综合行政执法大队",
            level="county",
            region_code="140525",
            admin="admin",
            admin_password="admin123",
            key_passphrase=PASSPHRASE,
        )
        for _ in range(3):
            make_object(s, permit_class="登记管理")
        (folder / "usb").mkdir()
        info = packages.export_package(s, "2026Q1", folder / "usb", passphrase=PASSPHRASE)
        pem = require_office(s).public_key_pem
        s.commit()
    db.dispose()
    city = open_database(f"sqlite:///{folder / 'city.sqlite3'}")
    with acting_as(ADMIN), city.Session() as s:
        init_office(
            s, name="晋城市生态环境局", level="city", region_code="140500", admin="admin", admin_password="admin123"
        )
        packages.register_county(s, key_text=pem, name="甲县", region_code="140525")
        s.commit()
    yield Path(info["path"]), pem, city
    city.dispose()


def _manifest(real) -> dict:
    return json.loads(real[2][packages.MANIFEST])


def pack(tmp_path, real, *, manifest=None, change=None, drop=(), add=(), sign=True, name="伪造.ssjpkg.zip"):
    """A copy of the real package with entries changed/dropped/added, the manifest's file list re-hashed for the
    changed entries, and signed with the test's key (``sign=False``: the signature entry is kept as it was)."""
    entries = dict(real[2])
    entries.update(change or {})
    for n in drop:
        entries.pop(n, None)
    m = manifest if manifest is not None else _manifest(real)
    if isinstance(m, dict) and isinstance(m.get("files"), list):
        for f in m["files"]:
            if isinstance(f, dict) and f.get("name") in (change or {}):
                blob = entries[f["name"]]
                f["sha256"], f["size"] = hashlib.sha256(blob).hexdigest(), len(blob)
    body = m if isinstance(m, bytes) else packages.canonical_bytes(m)
    if packages.MANIFEST not in drop:
        entries[packages.MANIFEST] = body
    if sign and packages.SIGNATURE not in drop:
        entries[packages.SIGNATURE] = base64.b64encode(KEY.sign(body)) + b"\n"
    out = tmp_path / name
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
        for item, data in add:
            zf.writestr(item, data)
    return out


def encrypted(path: Path, name: str) -> Path:
    """Set the "encrypted" flag of one entry in the central directory, as an encrypting zip tool writes it."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name.encode():
            data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


def refusal(path, **kw) -> str:
    with pytest.raises(UserError) as e:
        packages.verify_package(path, **kw)
    return str(e.value)


def mine(path) -> str:
    return refusal(path, public_key_pem=PEM)


# --------------------------------------------------------------------------- the real package


def test_a_real_county_package_verifies_with_the_county_key_or_as_a_registered_county(county, real, tmp_path):
    path, pem, city = county
    got = packages.verify_package(path, public_key_pem=pem)
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    assert got.path == str(path) and got.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert got.manifest == json.loads(entries[packages.MANIFEST]) and got.files == entries and got.county is None
    assert got.json_file("data/stats.json")["period"] == "2026Q1"
    with acting_as(ADMIN), city.Session() as s:
        by_city = packages.verify_package(str(path), session=s)
        assert by_city.county.office_name == "甲县" and by_city.sha256 == got.sha256
        m = _manifest(real)  # signed with another key than the county's it names
        m["public_key"] = pem
        assert refusal(pack(tmp_path, real, manifest=m, name="冒签.zip"), session=s) == (
            "报送包 冒签.zip 的签名无效：清单被修改过，或不是该单位的密钥签的。已拒绝，请让县级单位重新生成报送包。"
        )
        fp = packages.key_fingerprint(PEM)
        assert refusal(real[0], session=s) == (
            f"报送包 {real[0].name} 来自未登记的单位“测试县生态环境保护综合行政执法大队”"
            f"（公钥指纹 {packages.format_fingerprint(fp)}）。"
            "请先向该单位索取其公钥文件（县级执行“ssj key export --out 公钥.pem”），电话核对指纹后登记："
            "“ssj county register --key 公钥.pem --name 单位名称”，或在“报送与汇总”页点“登记县级单位”。"
        )
        m["public_key"] = "不是公钥"
        assert refusal(pack(tmp_path, real, manifest=m, name="坏钥.zip"), session=s) == (
            "报送包 坏钥.zip 的公钥无效，已拒绝。"
        )
        del m["public_key"]
        assert refusal(pack(tmp_path, real, manifest=m, name="无钥.zip"), session=s) == (
            "报送包 无钥.zip 的公钥无效，已拒绝。"
        )
        del m["office"]
        m["public_key"] = PEM.decode()
        assert "来自未登记的单位“”（公钥指纹" in refusal(pack(tmp_path, real, manifest=m, name="无名.zip"), session=s)
        s.scalar(packages.select(packages.TrustedCounty)).active = False
        s.flush()
        assert "来自未登记的单位“甲县生态环境保护综合行政执法大队”" in refusal(path, session=s)
        s.rollback()


def test_who_signed_it(real, tmp_path):
    path = real[0]
    assert packages.verify_package(path, public_key_pem=PEM).manifest["period"] == "2026Q1"
    assert packages.verify_package(path, public_key_pem=PEM.decode()).county is None
    assert refusal(path) == "内部错误：校验报送包需要公钥或已登记的县级单位。"
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    other_pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert refusal(path, public_key_pem=other_pem) == (
        f"报送包 {path.name} 的签名无效：清单被修改过，或不是该单位的密钥签的。已拒绝，请让县级单位重新生成报送包。"
    )
    bad_sig = pack(tmp_path, real, change={packages.SIGNATURE: b"not base64!"}, sign=False, name="坏签.zip")
    assert mine(bad_sig) == "报送包 坏签.zip 的签名文件格式不对，已拒绝。"
    good = base64.b64encode(KEY.sign(real[2][packages.MANIFEST]))
    stray = good[:20] + b"*" + good[20:]  # a character outside base64 is refused, not skipped
    bad_char = pack(tmp_path, real, change={packages.SIGNATURE: stray}, sign=False, name="杂字.zip")
    assert mine(bad_char) == "报送包 杂字.zip 的签名文件格式不对，已拒绝。"
    blank = base64.b64encode(KEY.sign(real[2][packages.MANIFEST])) + b"\r\n  "
    assert packages.verify_package(
        pack(tmp_path, real, change={packages.SIGNATURE: blank}, sign=False, name="空白.zip"), public_key_pem=PEM
    )


def test_public_keys_are_ed25519_pem_as_text_or_bytes():
    assert (
        packages.load_public_key(PEM).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == PEM
    )
    assert packages.key_fingerprint(PEM.decode()) == packages.key_fingerprint(PEM)
    with pytest.raises(UserError) as e:
        packages.load_public_key("-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----\n")
    assert str(e.value) == "公钥文件格式不对：应为县级单位从“ssj key export”导出的 PEM 公钥文件。"
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(UserError) as e:
        packages.load_public_key(
            other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        )
    assert str(e.value) == "公钥不是 Ed25519 公钥：请使用双随机抽查工作台导出的本单位公钥。"


# --------------------------------------------------------------------------- the file itself


def test_a_missing_an_oversized_an_unreadable_and_a_broken_file(real, tmp_path, monkeypatch):
    cut = tmp_path / "截断.zip"
    cut.write_bytes(real[0].read_bytes()[:-40])
    assert "已损坏或不完整" in mine(cut)
    monkeypatch.setattr(packages, "MAX_PACKAGE_BYTES", 4096)  # the limit itself is 200 MiB
    gone = tmp_path / "没有.zip"
    assert mine(gone) == f"找不到文件 {gone}。请确认 U 盘已插好、文件名正确。"
    huge = tmp_path / "巨大.zip"
    with huge.open("wb") as fh:  # one byte over the limit
        fh.truncate(packages.MAX_PACKAGE_BYTES + 1)
    assert mine(huge) == (
        f"报送包 巨大.zip 过大（{size_text(packages.MAX_PACKAGE_BYTES + 1)}，上限 "
        f"{size_text(packages.MAX_PACKAGE_BYTES)}），不是正常的报送包，已拒绝。"
    )
    limit = tmp_path / "上限.zip"
    with limit.open("wb") as fh:
        fh.truncate(packages.MAX_PACKAGE_BYTES)  # exactly the limit: read (and found broken, not too big)
    assert mine(limit) == "报送包 上限.zip 已损坏或不完整（可能在拷贝时被截断）。请让县级单位重新写入 U 盘后再导入。"
    folder = tmp_path / "文件夹.zip"
    folder.mkdir()
    assert mine(folder) == f"无法读取 {folder}：Is a directory。"  # the system's reason, not the exception's text


def test_entry_names_that_could_leave_the_folder_are_refused_word_for_word():
    label = "报送包 x.zip"
    cases = {
        "a\x00b": f"{label}：条目名“{'a' + chr(0) + 'b'!r}”含控制字符，已拒绝。",
        "data/\x1fa": f"{label}：条目名“{'data/' + chr(31) + 'a'!r}”含控制字符，已拒绝。",
        "data\\a": f"{label}：条目“data\\a”的路径含反斜杠，已拒绝（可能试图写到包外）。",
        "/etc/a": f"{label}：条目“/etc/a”是绝对路径，已拒绝（可能试图写到包外）。",
        "c:a": f"{label}：条目“c:a”是绝对路径，已拒绝（可能试图写到包外）。",
        "Z:/a": f"{label}：条目“Z:/a”是绝对路径，已拒绝（可能试图写到包外）。",
        "data/a:stream": f"{label}：条目“data/a:stream”含冒号（盘符或 NTFS 数据流），已拒绝。",
        "data/../a": f"{label}：条目“data/../a”含“..”路径穿越，已拒绝。",
        "..": f"{label}：条目“..”含“..”路径穿越，已拒绝。",
        "data/": f"{label}：条目“data/”不是报送包应有的文件，已拒绝。",
        "data//a": f"{label}：条目“data//a”不是报送包应有的文件，已拒绝。",
        "./a": f"{label}：条目“./a”不是报送包应有的文件，已拒绝。",
    }
    for name, message in cases.items():
        with pytest.raises(UserError) as e:
            packages._check_entry_name(name, label)
        assert str(e.value) == message, name
    for fine in ("data/stats.json", "季度统计表-2026Q1.xlsx", "data/a b.json", "data/...json", "data/.a"):
        packages._check_entry_name(fine, label)


def test_entries_that_are_links_duplicates_encrypted_or_too_many(real, tmp_path):
    hostile = zipfile.ZipInfo("placeholder")
    hostile.filename = "../evil.txt"  # as a hostile tool writes it, past ZipInfo's own normalisation
    assert mine(pack(tmp_path, real, add=[(hostile, b"x")], name="穿越.zip")) == (
        "报送包 穿越.zip：条目“../evil.txt”含“..”路径穿越，已拒绝。"
    )
    link = zipfile.ZipInfo("data/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    assert mine(pack(tmp_path, real, add=[(link, b"x")], name="链接.zip")) == (
        "报送包 链接.zip：条目“data/link”是符号链接，已拒绝。"
    )
    plain = zipfile.ZipInfo("data/plain.txt")
    plain.external_attr = (stat.S_IFREG | 0o755) << 16
    assert "清单之外的文件：data/plain.txt" in mine(pack(tmp_path, real, add=[(plain, b"x")], name="普通.zip"))
    locked = encrypted(pack(tmp_path, real, add=[("data/locked", b"x")], name="加密.zip"), "data/locked")
    assert mine(locked) == ("报送包 加密.zip：条目“data/locked”被加密，不是本程序生成的报送包，已拒绝。")
    with pytest.warns(UserWarning):
        dup = pack(tmp_path, real, add=[("data/stats.json", b"{}")], name="重复.zip")
    assert mine(dup) == "报送包 重复.zip：条目“data/stats.json”重复出现，已拒绝（可能被篡改）。"
    room = packages.MAX_ENTRIES - len(real[2])
    fill = [(f"data/x{i}", b"") for i in range(room)]
    assert "清单之外的文件" in mine(pack(tmp_path, real, add=fill, name="满.zip"))  # exactly the limit: read on
    assert mine(pack(tmp_path, real, add=[*fill, ("data/y", b"")], name="太多.zip")) == (
        f"报送包 太多.zip 含 {packages.MAX_ENTRIES + 1} 个条目，超过上限 {packages.MAX_ENTRIES}，已拒绝。"
    )


def test_sizes_bombs_and_totals(real, tmp_path, monkeypatch):
    mib = 1024 * 1024
    exactly = pack(tmp_path, real, add=[("data/zeros", b"\0" * mib)], name="一兆.zip")  # ~1000:1 but only 1 MiB
    assert "清单之外的文件：data/zeros" in mine(exactly)
    bomb = pack(tmp_path, real, add=[("data/zeros", b"\0" * (mib + 1))], name="炸弹.zip")
    assert mine(bomb) == "报送包 炸弹.zip：条目“data/zeros”压缩比异常（疑似压缩炸弹），已拒绝。"
    limit = max(len(b) for b in real[2].values()) + 1000  # above every real entry and the manifest
    monkeypatch.setattr(packages, "MAX_ENTRY_BYTES", limit)
    big = pack(tmp_path, real, add=[("data/big", os.urandom(limit + 1))], name="大.zip")
    assert mine(big) == (
        f"报送包 大.zip：条目“data/big”解压后 {size_text(limit + 1)}，超过单个文件上限 {size_text(limit)}，已拒绝。"
    )
    fits = pack(tmp_path, real, add=[("data/big", os.urandom(limit))], name="正好.zip")
    assert "清单之外的文件：data/big" in mine(fits)
    monkeypatch.setattr(packages, "MAX_ENTRY_BYTES", 50 * mib)
    total = sum(len(b) for b in real[2].values()) + 10
    monkeypatch.setattr(packages, "MAX_TOTAL_BYTES", total)
    at_limit = pack(tmp_path, real, add=[("data/ten", b"0123456789")], name="总量.zip")
    assert "清单之外的文件：data/ten" in mine(at_limit)
    over = pack(tmp_path, real, add=[("data/ten", b"0123456789X")], name="超总量.zip")
    assert mine(over) == f"报送包 超总量.zip：解压后总大小超过上限 {size_text(total)}，已拒绝。"


def _exactly_200_to_1() -> bytes:
    """Data above 1 MiB that the package's deflate compresses exactly 200:1 (random bytes, then zeros)."""
    import io
    import random

    noise = random.Random(7).randbytes(40_000)

    def compressed(k: int, n: int) -> int:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("d", noise[:k] + bytes(n - k))
        return zipfile.ZipFile(buf).getinfo("d").compress_size

    n = 1024 * 1024 + 4096
    lo, hi = 0, len(noise)
    while lo < hi:  # the amount of noise that brings the ratio to 200
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if compressed(mid, n) * 200 < n else (lo, mid)
    for k in range(max(lo - 30, 0), lo + 30):
        size = 200 * compressed(k, n)
        if size > 1024 * 1024 and compressed(k, size) * 200 == size:
            return noise[:k] + bytes(size - k)
    raise AssertionError("no data compressing exactly 200:1 near the search point")


def test_a_ratio_of_exactly_200_to_1_is_still_accepted(real, tmp_path):
    data = _exactly_200_to_1()
    edge = pack(tmp_path, real, add=[("data/edge", data)], name="边界.zip")
    with zipfile.ZipFile(edge) as zf:
        info = zf.getinfo("data/edge")
    assert info.file_size == 200 * info.compress_size > 1024 * 1024
    assert mine(edge) == "报送包 边界.zip 中有清单之外的文件：data/edge，已拒绝。"  # read on: not a bomb


def test_an_entry_that_cannot_be_unpacked_or_whose_size_lies(real, tmp_path):
    good = pack(tmp_path, real, name="好.zip")
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("data/stats.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8  # the compressed stream itself
    broken = tmp_path / "坏条目.zip"
    broken.write_bytes(bytes(data))
    assert mine(broken) == (
        "报送包 坏条目.zip 的条目“data/stats.json”无法解压（文件已损坏或被截断）。请让县级单位重新写入 U 盘后再导入。"
    )


# --------------------------------------------------------------------------- the manifest


def test_the_manifest_and_the_signature_must_be_there(real, tmp_path):
    assert mine(pack(tmp_path, real, drop={packages.MANIFEST}, name="无清单.zip")) == (
        "报送包 无清单.zip 中没有 manifest.json，不是有效的报送包。"
    )
    assert mine(pack(tmp_path, real, drop={packages.SIGNATURE}, name="无签名.zip")) == (
        "报送包 无签名.zip 缺少签名文件 manifest.sig，无法确认来源，已拒绝。请让县级单位重新生成报送包。"
    )


def test_a_manifest_that_is_too_big_not_json_or_not_ours(real, tmp_path):
    m = _manifest(real)
    m["padding"] = os.urandom(packages.MAX_MANIFEST_BYTES // 2).hex()  # random: hardly compressible
    body = packages.canonical_bytes(m)
    assert len(body) > packages.MAX_MANIFEST_BYTES
    assert mine(pack(tmp_path, real, manifest=body, name="大清单.zip")) == (
        "报送包 大清单.zip 的 manifest.json 过大，不是正常的报送包，已拒绝。"
    )
    m = _manifest(real)
    m["padding"] = ""
    m["padding"] = "p" * (packages.MAX_MANIFEST_BYTES - len(packages.canonical_bytes(m)))
    assert len(packages.canonical_bytes(m)) == packages.MAX_MANIFEST_BYTES
    assert packages.verify_package(pack(tmp_path, real, manifest=m, name="满清单.zip"), public_key_pem=PEM)
    assert mine(pack(tmp_path, real, manifest=b"{not json", name="坏清单.zip")) == (
        "报送包 坏清单.zip 的 manifest.json 不是有效的 JSON，已拒绝。"
    )
    assert mine(pack(tmp_path, real, manifest=b"\xff\xfe", name="乱码.zip")) == (
        "报送包 乱码.zip 的 manifest.json 不是有效的 JSON，已拒绝。"
    )
    for other in ([1, 2], {"format": "zip"}):
        assert mine(pack(tmp_path, real, manifest=other, name="别的.zip")) == (
            "报送包 别的.zip 不是双随机抽查工作台的报送包（manifest 格式不对）。"
        )
    m = _manifest(real)
    m["format_version"] = 2
    assert (
        mine(pack(tmp_path, real, manifest=m, name="新版.zip"))
        == "报送包 新版.zip 的格式版本 2 本程序不支持。请升级程序。"
    )


def test_every_file_as_the_manifest_lists_it_and_nothing_more(real, tmp_path):
    m = _manifest(real)
    del m["files"]
    assert mine(pack(tmp_path, real, manifest=m, name="无列表.zip")) == "报送包 无列表.zip 的清单没有文件列表，已拒绝。"
    m["files"] = {"name": "data/stats.json"}
    assert mine(pack(tmp_path, real, manifest=m, name="非列表.zip")) == "报送包 非列表.zip 的清单没有文件列表，已拒绝。"
    for item in ("data/stats.json", {"name": 3}, {"size": 3}):
        m = _manifest(real)
        m["files"].append(item)
        assert (
            mine(pack(tmp_path, real, manifest=m, name="格式.zip"))
            == "报送包 格式.zip 的清单文件列表格式不对，已拒绝。"
        )
    m = _manifest(real)
    m["files"].append({"name": "data/extra.json", "size": 2, "sha256": hashlib.sha256(b"{}").hexdigest()})
    assert mine(pack(tmp_path, real, manifest=m, name="缺文件.zip")) == (
        "报送包 缺文件.zip 缺少清单中列出的文件“data/extra.json”，已拒绝。"
    )
    stats_bytes = real[2]["data/stats.json"]
    for field, value in (("size", len(stats_bytes) + 1), ("sha256", hashlib.sha256(b"x").hexdigest())):
        m = _manifest(real)
        entry = next(f for f in m["files"] if f["name"] == "data/stats.json")
        entry[field] = value
        assert mine(pack(tmp_path, real, manifest=m, name="不符.zip")) == (
            "报送包 不符.zip 中的文件“data/stats.json”与清单记录的 SHA-256 不符（被修改过），已拒绝。"
        )
    extra = pack(tmp_path, real, add=[("z.txt", b"z"), ("a.txt", b"a")], name="多余.zip")
    assert mine(extra) == "报送包 多余.zip 中有清单之外的文件：a.txt、z.txt，已拒绝。"


def test_the_period_and_the_creation_time(real, tmp_path):
    m = _manifest(real)
    m["period"] = "2026Q5"
    assert mine(pack(tmp_path, real, manifest=m, name="期间.zip")) == "报送包 期间.zip 的期间“2026Q5”无效，已拒绝。"
    del m["period"]
    assert mine(pack(tmp_path, real, manifest=m, name="期间.zip")) == "报送包 期间.zip 的期间“None”无效，已拒绝。"
    m = _manifest(real)
    m["created_at"] = "2026-13-01T00:00:00.000000Z"
    assert mine(pack(tmp_path, real, manifest=m, name="时间.zip")) == (
        "报送包 时间.zip 的生成时间“2026-13-01T00:00:00.000000Z”无效，已拒绝。请让县级单位重新生成报送包。"
    )
    del m["created_at"]
    assert "的生成时间“None”无效" in mine(pack(tmp_path, real, manifest=m, name="时间.zip"))
    now = datetime(2026, 4, 2, 8, 30, tzinfo=UTC)
    day = packages._check_created_at("2026-04-03T08:30:00.000000Z", "报送包 x", now)
    assert day == now + timedelta(days=1) and day.tzinfo is UTC
    with pytest.raises(UserError) as e:
        packages._check_created_at("2026-04-03T08:30:00.000001Z", "报送包 x", now)
    assert str(e.value) == (
        "报送包 x 的生成时间 2026-04-03 08:30（UTC）在未来（本机现在 2026-04-02 08:30），"
        "超过一天，已拒绝：这样的包会挡住该县以后所有真实的报送包。请让县级单位核对电脑日期后重新生成。"
    )
    late = (datetime.now(UTC) + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    m = _manifest(real)
    m["created_at"] = late
    assert "在未来" in mine(pack(tmp_path, real, manifest=m, name="未来.zip"))
    with pytest.raises(UserError, match="生成时间“12”无效"):
        packages._check_created_at(12, "报送包 x")


# --------------------------------------------------------------------------- the data files


def _stats(real) -> dict:
    return json.loads(real[2]["data/stats.json"])


def _count_key_and_path():
    key = next(k for k in stats_service.flat_counts({}) if k in {f.key for f in stats_service.FIELDS})
    return key, packages._path_of(key)


def _set(d, path, value):
    for k in path[:-1]:
        d = d.setdefault(k, {})
    d[path[-1]] = value


def with_stats(tmp_path, real, raw: bytes, name="统计.zip"):
    return pack(tmp_path, real, change={"data/stats.json": raw}, name=name)


def test_the_figures_must_be_plain_non_negative_numbers(real, tmp_path):
    key, path = _count_key_and_path()
    for value, shown in ((-3, "-3"), ("5", "'5'"), (True, "True"), ([1], "[1]")):
        stats = _stats(real)
        _set(stats, path, value)
        got = mine(with_stats(tmp_path, real, packages.canonical_bytes(stats)))
        assert got == f"报送包 统计.zip：统计数据“{key}”的值 {shown} 不合理，已拒绝。", value
    for fine in (0, 7, 2.5, 0.5, None):
        stats = _stats(real)
        _set(stats, path, fine)
        assert packages.verify_package(with_stats(tmp_path, real, packages.canonical_bytes(stats)), public_key_pem=PEM)
    hidden_key, hidden_path = next(iter(stats_service.HIDDEN_SUMS.items()))
    stats = _stats(real)
    _set(stats, hidden_path, -1)
    assert f"统计数据“{hidden_key}”的值 -1 不合理" in mine(with_stats(tmp_path, real, packages.canonical_bytes(stats)))


def test_nan_infinity_and_broken_json_in_a_data_file(real, tmp_path):
    key, path = _count_key_and_path()
    for literal in ("NaN", "Infinity", "-Infinity"):
        stats = _stats(real)
        _set(stats, path, "__X__")
        raw = packages.canonical_bytes(stats).replace(b'"__X__"', literal.encode())
        assert mine(with_stats(tmp_path, real, raw)) == (
            f"报送包中的 data/stats.json 含有 {literal}，不是有效的数字，已拒绝。请让县级单位核对数据后重新生成报送包。"
        )
    stats = _stats(real)
    _set(stats, path, "__X__")
    raw = packages.canonical_bytes(stats).replace(b'"__X__"', b"1e999")
    assert mine(with_stats(tmp_path, real, raw)) == (
        f"报送包中的 data/stats.json 在“{'.'.join(path)}”处有超出范围的数字（无穷大），不是有效的数字，已拒绝。"
        "请让县级单位核对数据后重新生成报送包。"
    )
    for raw in (b"{", b"\xff", b"[" * 100_000):
        assert mine(with_stats(tmp_path, real, raw)) == (
            "报送包中的 data/stats.json 缺失或不是有效的 JSON。请让县级单位重新生成报送包。"
        )
    pkg = packages.verify_package(real[0], public_key_pem=real[1])
    with pytest.raises(UserError) as e:
        pkg.json_file("data/none.json")
    assert str(e.value) == "报送包中的 data/none.json 缺失或不是有效的 JSON。请让县级单位重新生成报送包。"


def test_the_path_of_the_first_number_out_of_range():
    inf = math.inf
    assert packages._non_finite({"a": {"b": [1, 2.0, -inf]}}) == "a.b[2]"
    assert packages._non_finite([0, {"x": inf}]) == "[1].x"
    assert packages._non_finite(inf) == "（顶层）"
    assert packages._non_finite({"a": [1.5, {"b": None}], "c": "inf", "d": inf, "e": inf}) == "d"
    assert packages._non_finite({"a": [1.5, 2], "b": {"c": 1e300}}) is None
    assert packages._non_finite(math.nan, "x.y") == "x.y"
    with pytest.raises(packages._NotANumber) as e:
        packages._no_constant("NaN")
    assert e.value.args == ("NaN",) and isinstance(e.value, ValueError)


def test_the_data_files_must_be_of_the_manifests_period(real, tmp_path):
    stats = _stats(real)
    stats["period"] = "2026Q2"
    assert mine(with_stats(tmp_path, real, packages.canonical_bytes(stats))) == (
        "报送包 统计.zip：统计数据的期间（2026Q2）与清单的期间（2026Q1）不一致，已拒绝。"
    )
    assert mine(with_stats(tmp_path, real, b"[1]")) == (
        "报送包 统计.zip：统计数据的期间（?）与清单的期间（2026Q1）不一致，已拒绝。"
    )
    adjustments = json.loads(real[2]["data/adjustments.json"])
    for bad in ({**adjustments, "period": "2025Q1"}, [adjustments]):
        forged = pack(tmp_path, real, change={"data/adjustments.json": packages.canonical_bytes(bad)}, name="调整.zip")
        assert mine(forged) == "报送包 调整.zip：名录库调整信息的期间与清单的期间（2026Q1）不一致，已拒绝。"
