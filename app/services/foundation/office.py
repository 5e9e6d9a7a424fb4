"""本单位: first-run setup of the office, its administrator and its Ed25519 signing key."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
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
            "数据库尚未初始化。请先运行“ssj --db 数据库 init --office 单位名称 --level county”，或在程序中完成首次设置。"
        )
    return office


def new_signing_key() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


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
) -> Office:
    """Create the office row, the administrator account and the signing key, in the caller's transaction.

    Allowed to a 管理员, or to anyone while the database has no account yet (`ssj init`, the first-run wizard);
    the administrator's password is required."""
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
    private_pem, public_pem = new_signing_key()
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
