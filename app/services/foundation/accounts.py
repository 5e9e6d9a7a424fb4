"""本地账户: salted scrypt password hashes, roles, a lock after repeated failures.

Every account has a password (there is no set-it-at-first-login path); a temporary password set by an
administrator or by 本机维护 must be changed at the next login. Hashes carry their own scrypt parameters, so
older, weaker hashes keep verifying and are re-hashed at the current strength on the next good login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.core import ROLES, User
from app.services.foundation import audit, maintenance, permissions
from app.services.foundation.context import Actor, current_actor
from app.services.foundation.errors import PermissionDenied, UserError

MAX_FAILURES = 5
LOCK_MINUTES = 15
_N, _R, _P = 2**15, 8, 1  # 32 MiB of memory per hash (OWASP's scrypt minimum is N=2^17 with r=8 at 128 MiB)
_MAXMEM = 256 * 1024 * 1024
MIN_PASSWORD = 6


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=_MAXMEM)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = _scrypt(password, salt, _N, _R, _P, 32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def needs_rehash(stored: str) -> bool:
    try:
        scheme, n, r, p, _salt, _digest = stored.split("$")
        return scheme != "scrypt" or int(n) < _N or int(r) < _R
    except ValueError:
        return True


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    try:
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(base64.b64decode(digest)))
    except (ValueError, MemoryError):  # a corrupt or absurd parameter set never verifies
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def _validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少需要 {MIN_PASSWORD} 位，请重新输入。")


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str | None,
    *,
    display_name: str = "",
    must_change_password: bool = False,
) -> User:
    username = username.strip()
    if not username:
        raise UserError("用户名不能为空。")
    permissions.require(session, "accounts")
    if role not in ROLES:
        raise UserError(f"角色“{role}”无效，应为：{'、'.join(ROLES)}。")
    if session.scalar(select(User).where(User.username == username)):
        raise UserError(f"用户名“{username}”已存在，请换一个。")
    if not password:
        raise UserError(f"请为账户“{username}”设置初始密码（至少 {MIN_PASSWORD} 位）；不能新建没有密码的账户。")
    _validate_password(password)
    user = User(
        username=username,
        role=role,
        display_name=display_name or username,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, *, record_login: bool = True) -> User:
    """Check a login; count failures and lock the account after MAX_FAILURES. Commits the outcome.

    `record_login=False` (each CLI command): a good password leaves no 登录 entry — the changes the command
    makes are audited under the account — so a refused or read-only command changes nothing."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    now = utcnow()
    if user is None or not user.active:
        raise UserError("用户名或密码错误。")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise UserError(
            f"账户“{user.username}”因连续输错密码已被锁定，请 {minutes} 分钟后再试，或请管理员解锁。"
            f"管理员本人被锁定时，可在这台电脑的命令行运行：ssj account unlock {user.username}"
        )
    if not user.password_hash or not check_password(password, user.password_hash):
        user.failed_attempts += 1
        left = MAX_FAILURES - user.failed_attempts
        if left <= 0:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_attempts = 0
            audit.record(session, "锁定账户", "user_account", str(user.id), summary=f"{user.username} 连续输错密码")
            session.commit()
            raise UserError(
                f"密码错误次数过多，账户“{user.username}”已锁定 {LOCK_MINUTES} 分钟。"
                "可请管理员在“账户管理”中解锁；"
                f"管理员本人被锁定时，可在这台电脑的命令行运行：ssj account unlock {user.username}"
            )
        session.commit()
        raise UserError(f"用户名或密码错误（再错 {left} 次将锁定账户）。")
    if needs_rehash(user.password_hash):  # an older, weaker hash: store it again at today's strength
        user.password_hash = hash_password(password)
    if user.failed_attempts or user.locked_until:
        user.failed_attempts = 0
        user.locked_until = None
    if record_login:
        user.last_login_at = now
        audit.record(session, "登录", "user_account", str(user.id), summary=user.username)
    session.commit()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """The account holder chooses a new password (at the login that requires it, or from the menu)."""
    actor = current_actor()
    if actor.username != user.username:
        permissions.require(session, "accounts")
    _validate_password(password)
    if user.password_hash and check_password(password, user.password_hash):
        raise UserError("新密码不能与原密码相同，请换一个。")
    _store_password(session, user, password)
    user.must_change_password = False


def _store_password(session: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The account holder changes the password, proving the current one first."""
    if not check_password(current, user.password_hash):
        raise UserError("当前密码不正确。")
    set_password(session, user, new)


def unlock(session: Session, user: User) -> None:
    permissions.require(session, "accounts.recover")
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()
    if permissions.is_maintenance():
        maintenance.record(session, f"解锁账户 {user.username}", "user_account", str(user.id))


def actor_for(user: User) -> Actor:
    return Actor(username=user.username, role=user.role, display_name=user.display_name)


def require_role(actor: Actor, *roles: str) -> None:
    """Raise PermissionDenied unless the actor is 管理员 or has one of the roles (no role: refused)."""
    if actor.role and (actor.role == "管理员" or actor.role in roles):
        return
    if not actor.role:
        raise PermissionDenied(f"此操作须由{'、'.join(roles)}执行。{permissions.LOGIN_HINT}")
    raise PermissionDenied(f"当前用户（{actor.username}，{actor.role}）无权执行此操作，需要角色：{'、'.join(roles)}。")


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def reset_password(session: Session, user: User, password: str) -> None:
    """An administrator (or 本机维护) sets a temporary password; the user must change it at the next login."""
    permissions.require(session, "accounts.recover")
    _validate_password(password)
    _store_password(session, user, password)
    user.must_change_password = True
    session.flush()
    if permissions.is_maintenance():
        maintenance.record(session, f"为账户 {user.username} 设置临时密码", "user_account", str(user.id))


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == "管理员", User.active.is_(True))) or 0


def set_active(session: Session, user: User, active: bool) -> None:
    """停用 / 启用 an account; the last active administrator cannot be switched off."""
    permissions.require(session, "accounts")
    if not active and user.active and user.role == "管理员" and _active_admins(session) <= 1:
        raise UserError("至少需要保留一个可用的管理员账户，不能停用最后一个管理员。请先为其他账户设置管理员角色。")
    user.active = bool(active)
    session.flush()


def set_role(session: Session, user: User, role: str) -> None:
    permissions.require(session, "accounts")
    if role not in ROLES:
        raise UserError(f"角色“{role}”无效，应为：{'、'.join(ROLES)}。")
    if user.role == "管理员" and role != "管理员" and user.active and _active_admins(session) <= 1:
        raise UserError("至少需要保留一个可用的管理员账户，不能更改最后一个管理员的角色。")
    user.role = role
    session.flush()
