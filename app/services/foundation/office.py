"""本单位: first-run setup of the office, its administrator and its Ed25519 signing key.

The private signing key is never stored in the clear: `Office.signing_key_pem` holds an envelope
(`ssj-signing-key` JSON: scrypt N=2^15 r=8 p=1 over the office's 报送口令, AES-256-GCM, the public key's
fingerprint as associated data). It is decrypted only in memory when a package is signed. A database
from an earlier version whose key is still a clear PEM is encrypted on its first use with a 报送口令
(`signing_key`), with SQLite's secure_delete on so the clear bytes do not linger in the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from app.models.core import LEVELS, Office
from app.services.foundation import accounts, audit, permissions
from app.services.foundation.errors import UserError


def get_office(session: Session) -> Office | None:
    return session.scalar(select(Office).order_by(Office.id).limit(1))


def require_office(session: Session) -> Office:
    office = get_office(session)
    if office is None:
        raise UserError(
            "数据库尚未初始化。请先运行“ssj --db 数据库 init --office 单位名称 --level county”，"
            "或在程序中完成首次设置。"
        )
    return office


ENVELOPE = "ssj-signing-key"
KEY_ENV = "SSJ_KEY_PASSPHRASE"
NEW_KEY_ENV = "SSJ_NEW_KEY_PASSPHRASE"
MIN_PASSPHRASE = 8
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_CLEAR_MARK = "-----BEGIN"


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _public_fingerprint(public_pem: str) -> str:
    key = serialization.load_pem_public_key(public_pem.encode())
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def check_passphrase(passphrase: str | None, *, what: str = "报送口令") -> str:
    """The 报送口令 as given, or UserError saying what is wrong with it."""
    if passphrase is None or not passphrase.strip():
        raise UserError(
            f"请设置{what}（至少 {MIN_PASSPHRASE} 位）：它加密本单位的签名私钥，每次写报送包时都要输入。"
            f"命令行用环境变量 {KEY_ENV}。"
        )
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(f"{what}太短：至少 {MIN_PASSPHRASE} 位（现为 {len(passphrase)} 位）。请换一个更长的{what}。")
    return passphrase


def _kdf(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def encrypt_key(key: Ed25519PrivateKey, passphrase: str) -> str:
    """The envelope stored in `Office.signing_key_pem`: the raw 32-byte key under scrypt + AES-GCM."""
    check_passphrase(passphrase)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    salt, nonce = os.urandom(16), os.urandom(12)
    fp = _public_fingerprint(_public_pem(key))
    ct = AESGCM(_kdf(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(nonce, raw, fp.encode())
    return json.dumps(
        {
            "format": ENVELOPE,
            "version": 1,
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(),
            "cipher": "AES-256-GCM",
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(ct).decode(),
            "public_key_sha256": fp,
        },
        sort_keys=True,
    )


def decrypt_key(envelope: str, passphrase: str, public_pem: str) -> Ed25519PrivateKey:
    try:
        env = json.loads(envelope)
        if env.get("format") != ENVELOPE:
            raise ValueError(env.get("format"))
        salt, nonce, ct = (base64.b64decode(env[k]) for k in ("salt", "nonce", "ciphertext"))
        n, r, p = int(env["n"]), int(env["r"]), int(env["p"])
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError("本单位签名私钥的存储格式无法识别（数据库可能被改动）。请由管理员更换签名密钥。") from exc
    if not (2**14 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
        raise UserError("本单位签名私钥的加密参数不正常（数据库可能被改动）。请由管理员更换签名密钥。")
    fp = _public_fingerprint(public_pem)
    try:
        raw = AESGCM(_kdf(passphrase or "", salt, n, r, p)).decrypt(nonce, ct, fp.encode())
    except InvalidTag as exc:
        raise UserError(
            "报送口令不正确，无法使用本单位的签名密钥。请输入设置时的报送口令"
            f"（命令行：环境变量 {KEY_ENV}）；忘记时由管理员更换签名密钥并请市局重新登记。"
        ) from exc
    key = Ed25519PrivateKey.from_private_bytes(raw)
    if _public_fingerprint(_public_pem(key)) != fp:  # pragma: no cover - AES-GCM already binds it
        raise UserError("本单位签名私钥与公钥不匹配（数据库可能被改动）。请由管理员更换签名密钥。")
    return key


def key_is_clear(office: Office) -> bool:
    """True for a database from before the 报送口令: the private key is still a clear PEM."""
    return (office.signing_key_pem or "").lstrip().startswith(_CLEAR_MARK)


def _secure_delete(session: Session) -> None:
    """Freed bytes are zeroed (SQLite), so a replaced key does not linger in the file; once the transaction
    commits, the write-ahead log (which still holds the old page) is checkpointed and truncated."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    session.execute(text("PRAGMA secure_delete=ON"))

    def scrub(_session) -> None:
        try:
            with bind.connect() as conn:
                conn.exec_driver_sql("PRAGMA secure_delete=ON")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # noqa: BLE001 - best effort: the next checkpoint overwrites the page anyway
            pass

    event.listen(session, "after_commit", scrub, once=True)


def signing_key(session: Session, passphrase: str | None) -> tuple[Ed25519PrivateKey, str]:
    """The office's private key, decrypted with the 报送口令, and a note ('' or what was done).

    A clear key (earlier versions) is encrypted with this passphrase now and the clear copy overwritten."""
    office = require_office(session)
    if not office.signing_key_pem or not office.public_key_pem:
        raise UserError(
            "本单位还没有签名密钥。请由管理员设置报送口令并生成密钥："
            f"“ssj key passphrase”（环境变量 {NEW_KEY_ENV} 给出新口令），或在“报送与汇总”页设置。"
        )
    if passphrase is None or passphrase == "":
        raise UserError(f"写报送包需要本单位的报送口令（命令行：环境变量 {KEY_ENV}）。")
    if key_is_clear(office):
        check_passphrase(passphrase)
        key = serialization.load_pem_private_key(office.signing_key_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey) or _public_pem(key).strip() != office.public_key_pem.strip():
            raise UserError("本单位签名私钥与公钥不匹配（数据库可能被改动）。请由管理员更换签名密钥。")
        _secure_delete(session)
        office.signing_key_pem = encrypt_key(key, passphrase)
        session.flush()
        audit.record(
            session,
            "加密签名密钥",
            "office",
            str(office.id),
            summary="签名私钥此前以明文保存，已用报送口令加密，明文已从数据库中清除",
        )
        return key, (
            "注意：本单位的签名私钥此前以明文保存在数据库中，现已用刚输入的报送口令加密，明文已清除。"
            "此前的备份文件中仍有明文私钥：请妥善保管或销毁旧备份；如备份曾外流，请更换签名密钥"
            "（ssj key replace）并请市局重新登记。"
        )
    return decrypt_key(office.signing_key_pem, passphrase, office.public_key_pem), ""


def change_passphrase(session: Session, old: str | None, new: str | None) -> Office:
    """Re-encrypt the signing key under a new 报送口令 (or set the first one and make the key); audited."""
    permissions.require(session, "settings")
    office = require_office(session)
    check_passphrase(new, what="新的报送口令")
    if not office.signing_key_pem:
        key = Ed25519PrivateKey.generate()
        office.public_key_pem = _public_pem(key)
        office.signing_key_pem = encrypt_key(key, new)
        session.flush()
        audit.record(
            session,
            "设置报送口令",
            "office",
            str(office.id),
            summary=f"设置报送口令并生成签名密钥，公钥指纹 {_public_fingerprint(office.public_key_pem)}",
        )
        return office
    if old == new:
        raise UserError("新的报送口令与原口令相同。请输入一个不同的口令。")
    key, _note = signing_key(session, old)
    _secure_delete(session)
    office.signing_key_pem = encrypt_key(key, new)
    session.flush()
    audit.record(session, "更改报送口令", "office", str(office.id), summary="签名私钥已用新的报送口令重新加密")
    return office


def replace_key(session: Session, passphrase: str | None, reason: str) -> dict:
    """A new Ed25519 key pair (the old one lost, leaked or its 报送口令 forgotten); audited with both fingerprints.

    The municipal bureau must register the new public key before it accepts this office's packages."""
    permissions.require(session, "settings")
    office = require_office(session)
    reason = (reason or "").strip()
    if not reason:
        raise UserError("更换签名密钥必须说明原因（--reason），如“报送口令遗忘”“备份 U 盘丢失”。")
    check_passphrase(passphrase)
    old_fp = _public_fingerprint(office.public_key_pem) if office.public_key_pem else ""
    key = Ed25519PrivateKey.generate()
    _secure_delete(session)
    office.public_key_pem = _public_pem(key)
    office.signing_key_pem = encrypt_key(key, passphrase)
    session.flush()
    new_fp = _public_fingerprint(office.public_key_pem)
    audit.record(
        session,
        "更换签名密钥",
        "office",
        str(office.id),
        summary=f"{reason}；旧公钥指纹 {old_fp or '无'}，新公钥指纹 {new_fp}",
        before={"key_fingerprint": old_fp},
        after={"key_fingerprint": new_fp, "reason": reason},
    )
    return {"old_fingerprint": old_fp, "fingerprint": new_fp}


def init_office(
    session: Session,
    *,
    name: str,
    level: str,
    region_code: str = "",
    parent_name: str = "",
    admin: str = "admin",
    admin_password: str | None = None,
    policy_id: str = "",
    key_passphrase: str | None = None,
) -> Office:
    """Create the office row, the administrator account and the signing key, in the caller's transaction.

    Allowed to a 管理员, or to anyone while the database has no account yet (`ssj init`, the first-run wizard);
    the administrator's password is required. The signing key is made only with a 报送口令 (`key_passphrase`),
    which encrypts it; without one the office has no key until the 报送口令 is set (`change_passphrase`).
    The CLI and the first-run window require it."""
    permissions.require(session, "setup")
    name = name.strip()
    if not name:
        raise UserError("单位名称不能为空。")
    if level not in LEVELS:
        raise UserError(f"层级“{level}”无效，应为 county（县级）或 city（市级）。")
    region_code = region_code.strip()
    if region_code and (not region_code.isdigit() or len(region_code) not in (6, 9, 12)):
        raise UserError(f"行政区划代码“{region_code}”无效，应为 6 位数字（如 140525）。")
    if get_office(session) is not None:
        raise UserError("此数据库已经初始化过，不能再次初始化。如需重新开始，请使用新的数据库文件。")
    private_pem = public_pem = ""
    if key_passphrase is not None:
        check_passphrase(key_passphrase)
        key = Ed25519PrivateKey.generate()
        private_pem, public_pem = encrypt_key(key, key_passphrase), _public_pem(key)
    office = Office(
        name=name,
        level=level,
        region_code=region_code,
        parent_name=parent_name.strip(),
        policy_id=policy_id,
        signing_key_pem=private_pem,
        public_key_pem=public_pem,
    )
    if not admin_password:
        raise UserError(
            f"请为管理员“{admin}”设置密码（至少 {accounts.MIN_PASSWORD} 位）：命令行用 --password 或环境变量 "
            "SSJ_NEW_PASSWORD 给出；不能建立没有密码的账户。"
        )
    with permissions.setup_grant(session):
        session.add(office)
        accounts.create_user(session, admin, "管理员", admin_password, display_name="管理员")
        session.flush()
        audit.record(session, "初始化", "office", str(office.id), summary=f"{name}（{LEVELS[level]}）")
    return office
