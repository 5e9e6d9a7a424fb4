"""本地账户: wrong password, lockout after repeated failures, unlock, roles, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, User
from app.models.base import utcnow
from app.services.foundation import accounts
from app.services.foundation.errors import UserError


def _user(session, name="admin") -> User:
    return session.scalar(select(User).where(User.username == name))


def test_right_password_logs_in_and_is_audited(session):
    user = accounts.authenticate(session, "admin", "admin123")
    assert user.username == "admin" and user.last_login_at is not None
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last.action == "登录"


def test_wrong_password_counts_down_then_locks(session):
    for left in range(accounts.MAX_FAILURES - 1, 0, -1):
        with pytest.raises(UserError, match=f"再错 {left} 次将锁定"):
            accounts.authenticate(session, "admin", "wrong-pass")
    with pytest.raises(UserError, match="已锁定 15 分钟"):
        accounts.authenticate(session, "admin", "wrong-pass")
    # Even the right password is refused while locked.
    with pytest.raises(UserError, match="已被锁定，请 1[0-9] 分钟后再试"):
        accounts.authenticate(session, "admin", "admin123")
    actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert "锁定账户" in actions


def test_unknown_user_same_message_as_wrong_password(session):
    with pytest.raises(UserError, match="^用户名或密码错误。$"):
        accounts.authenticate(session, "nobody", "x")


def test_unlock_and_expired_lock(session):
    user = _user(session)
    user.locked_until = utcnow() + timedelta(minutes=10)
    session.commit()
    with pytest.raises(UserError, match="锁定"):
        accounts.authenticate(session, "admin", "admin123")
    accounts.unlock(session, user)
    session.commit()
    assert accounts.authenticate(session, "admin", "admin123").username == "admin"
    user.locked_until = utcnow() - timedelta(minutes=1)  # lock ran out
    session.commit()
    assert accounts.authenticate(session, "admin", "admin123").username == "admin"


def test_create_user_rules_and_password_hash(session):
    u = accounts.create_user(session, "luru1", "录入员", "secret1", display_name="录入员一")
    assert u.password_hash.startswith("scrypt$") and "secret1" not in u.password_hash
    with pytest.raises(UserError, match="已存在"):
        accounts.create_user(session, "luru1", "录入员", "secret1")
    with pytest.raises(UserError, match="至少需要 6 位"):
        accounts.create_user(session, "luru2", "录入员", "123")
    with pytest.raises(UserError, match="角色“局长”无效"):
        accounts.create_user(session, "luru3", "局长", "secret1")


def test_reset_password_forces_change_and_deactivate(session):
    u = accounts.create_user(session, "shenhe", "审核员", "secret1")
    session.commit()
    accounts.reset_password(session, u, "newpass1")
    session.commit()
    assert u.must_change_password
    assert accounts.authenticate(session, "shenhe", "newpass1").must_change_password
    accounts.set_active(session, u, False)
    session.commit()
    with pytest.raises(UserError, match="用户名或密码错误"):
        accounts.authenticate(session, "shenhe", "newpass1")


def test_last_admin_cannot_be_deactivated_or_demoted(session):
    admin = _user(session)
    with pytest.raises(UserError, match="至少需要保留一个可用的管理员"):
        accounts.set_active(session, admin, False)
    with pytest.raises(UserError, match="至少需要保留一个可用的管理员"):
        accounts.set_role(session, admin, "录入员")
    accounts.create_user(session, "admin2", "管理员", "secret12")
    accounts.set_role(session, admin, "领导")
    assert admin.role == "领导"
