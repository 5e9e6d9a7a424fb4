"""The Ed25519 signing key is never stored in the clear (issue 10, point 9).

Real files throughout: the database file (and its WAL), a backup and a package are searched byte by byte
for the private key, raw and as PEM."""

from __future__ import annotations

import base64
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from app.models.core import AuditEntry, Office
from app.services.foundation import office as office_service
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.store import open_database

PASS = "甲县报送口令2026"
ADMIN = Actor("admin", "管理员")


def _init(cli, monkeypatch, passphrase=PASS):
    monkeypatch.setenv("SSJ_PASSWORD", "admin123")  # later commands run as the administrator
    if passphrase is None:
        monkeypatch.delenv("SSJ_KEY_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("SSJ_KEY_PASSPHRASE", passphrase)
    return cli("init", "--office", "甲县生态环境保护综合行政执法大队", "--level", "county", "--password", "admin123")


def _secrets(db_path: Path, passphrase=PASS) -> list[bytes]:
    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.Session() as s:
            key, _ = office_service.signing_key(s, passphrase)
    finally:
        db.dispose()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return [raw, raw.hex().encode(), base64.b64encode(raw), base64.b64encode(der)[:40], b"PRIVATE KEY"]


def _bytes_of(path: Path) -> bytes:
    out = path.read_bytes()
    for extra in (Path(str(path) + "-wal"), Path(str(path) + "-journal")):
        if extra.exists():
            out += extra.read_bytes()
    return out


def _assert_not_in(blob: bytes, secrets: list[bytes], where: str):
    for s in secrets:
        assert s not in blob, f"私钥（{s[:12]!r}…）以明文出现在 {where}"


def test_init_requires_a_passphrase_and_stores_no_clear_key(cli, db_path, monkeypatch, tmp_path):
    rc, _out, err = _init(cli, monkeypatch, passphrase=None)
    assert rc == 1 and "报送口令" in err and "SSJ_KEY_PASSPHRASE" in err
    rc, _out, err = _init(cli, monkeypatch, passphrase="短口令")
    assert rc == 1 and "太短" in err
    rc, _out, err = _init(cli, monkeypatch)
    assert rc == 0, err
    secrets = _secrets(db_path)
    _assert_not_in(_bytes_of(db_path), secrets, "数据库文件")
    with closing(sqlite3.connect(db_path)) as con:
        envelope = json.loads(con.execute("SELECT signing_key_pem FROM office").fetchone()[0])
    assert envelope["kdf"] == "scrypt" and envelope["n"] >= 2**15 and envelope["cipher"] == "AES-256-GCM"
    # a backup and a package carry no clear key either
    rc, out, err = cli("--json", "backup", "--out", str(tmp_path / "usb"))
    assert rc == 0, err
    _assert_not_in(Path(json.loads(out)["file"]).read_bytes(), secrets, "备份文件")
    rc, out, err = cli(
        "--json", "--user", "admin", "package", "export", "--period", "2026Q1", "--out", str(tmp_path / "usb")
    )
    assert rc == 0, err
    _assert_not_in(Path(json.loads(out)["path"]).read_bytes(), secrets, "报送包")


def test_package_export_needs_the_right_passphrase(cli, db_path, monkeypatch, tmp_path):
    assert _init(cli, monkeypatch)[0] == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.delenv("SSJ_KEY_PASSPHRASE")
    rc, _out, err = cli("--user", "admin", "package", "export", "--period", "2026Q1", "--out", str(usb))
    assert rc == 1 and "SSJ_KEY_PASSPHRASE" in err
    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", "不是这个口令啊")
    rc, _out, err = cli("--user", "admin", "package", "export", "--period", "2026Q1", "--out", str(usb))
    assert rc == 1 and "报送口令不正确" in err
    assert list(usb.iterdir()) == []
    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", PASS)
    rc, out, err = cli("--user", "admin", "package", "export", "--period", "2026Q1", "--out", str(usb))
    assert rc == 0 and "已写入并校验" in out, err


def test_a_clear_key_of_an_older_database_is_encrypted_on_first_use(cli, db_path, monkeypatch, tmp_path):
    assert _init(cli, monkeypatch)[0] == 0
    secrets = _secrets(db_path)
    db = open_database(f"sqlite:///{db_path}")
    with db.Session() as s:
        key, _ = office_service.signing_key(s, PASS)
    db.dispose()
    clear = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with closing(sqlite3.connect(db_path)) as con:  # what an earlier version stored
        con.execute("UPDATE office SET signing_key_pem=?", (clear,))
        con.commit()
    assert b"PRIVATE KEY" in _bytes_of(db_path)
    usb = tmp_path / "usb"
    usb.mkdir()
    rc, out, err = cli("--user", "admin", "package", "export", "--period", "2026Q1", "--out", str(usb))
    assert rc == 0, err
    assert "明文" in out and "已用刚输入的报送口令加密" in out
    _assert_not_in(_bytes_of(db_path), secrets, "迁移后的数据库文件")
    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.Session() as s:
            assert not office_service.key_is_clear(s.scalar(select(Office)))
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "加密签名密钥")) is not None
    finally:
        db.dispose()
    rc, out, err = cli("--user", "admin", "package", "export", "--period", "2026Q2", "--out", str(usb))
    assert rc == 0 and "明文" not in out, err


def test_change_passphrase_and_replace_key_are_audited(cli, db_path, monkeypatch, tmp_path):
    assert _init(cli, monkeypatch)[0] == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setenv("SSJ_NEW_KEY_PASSPHRASE", "新的报送口令0001")
    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", "错的口令错的口令")
    rc, _out, err = cli("--user", "admin", "key", "passphrase")
    assert rc == 1 and "报送口令不正确" in err
    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", PASS)
    rc, out, err = cli("--json", "--user", "admin", "key", "passphrase")
    assert rc == 0, err
    fp = json.loads(out)["fingerprint"]
    rc, _out, err = cli("--user", "admin", "package", "export", "--period", "2026Q1", "--out", str(usb))
    assert rc == 1 and "报送口令不正确" in err
    monkeypatch.setenv("SSJ_KEY_PASSPHRASE", "新的报送口令0001")
    assert cli("--user", "admin", "package", "export", "--period", "2026Q1", "--out", str(usb))[0] == 0
    rc, _out, err = cli("--user", "admin", "key", "replace", "--reason", "")
    assert rc == 1 and "原因" in err
    rc, out, err = cli("--json", "--user", "admin", "key", "replace", "--reason", "旧备份 U 盘遗失")
    assert rc == 0, err
    info = json.loads(out)
    assert info["old_fingerprint"] == fp and info["fingerprint"] != fp
    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.Session() as s:
            actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "office"))]
            assert "更改报送口令" in actions and "更换签名密钥" in actions
            entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "更换签名密钥"))
            assert fp in entry.summary and "旧备份 U 盘遗失" in entry.summary
    finally:
        db.dispose()


def test_city_takes_the_new_key_only_after_re_registering(tmp_path, monkeypatch):
    from app.services.exchange import packages
    from app.services.foundation.errors import UserError
    from app.services.foundation.office import init_office

    county = open_database(f"sqlite:///{tmp_path / 'county.sqlite3'}")
    city = open_database(f"sqlite:///{tmp_path / 'city.sqlite3'}")
    try:
        with acting_as(ADMIN), county.Session() as s:
            init_office(s, name="甲县", level="county", admin="admin", admin_password="admin123", key_passphrase=PASS)
            s.commit()
            old_pem = s.scalar(select(Office)).public_key_pem
            old_pkg = packages.export_package(s, "2026Q1", tmp_path, passphrase=PASS)["path"]
            office_service.replace_key(s, PASS, "口令遗忘")
            s.commit()
            new_pem = s.scalar(select(Office)).public_key_pem
            Path(old_pkg).rename(tmp_path / "old.zip")
            new_pkg = packages.export_package(s, "2026Q2", tmp_path, passphrase=PASS)["path"]
            s.commit()
        with acting_as(ADMIN), city.Session() as s:
            init_office(s, name="市局", level="city", admin="admin", admin_password="admin123")
            packages.register_county(s, key_text=old_pem, name="甲县")
            s.commit()
            with pytest.raises(UserError, match="未登记"):
                packages.import_package(s, new_pkg)
            with pytest.raises(UserError, match="--replace"):
                packages.register_county(s, key_text=new_pem, name="甲县")
            packages.register_county(s, key_text=new_pem, name="甲县", replace=True)
            s.commit()
            assert packages.import_package(s, new_pkg)["status"] == "imported"
            with pytest.raises(UserError, match="未登记"):
                packages.import_package(s, tmp_path / "old.zip")
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "更换县级公钥")) is not None
    finally:
        county.dispose()
        city.dispose()
