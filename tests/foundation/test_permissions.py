"""One permission model in the core: the table, `require`, password strength, 本机维护 visibility."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from sqlalchemy import select

from app.models.core import ROLES, User
from app.services.foundation import accounts, maintenance, permissions
from app.services.foundation.context import Actor, acting_as
from app.services.foundation.errors import PermissionDenied, UserError

OS_USER = Actor("os:clerk", "")


def test_the_table_names_every_role_and_administrators_may_do_everything():
    for action, (what, roles) in permissions.ACTIONS.items():
        assert what and roles, action
        assert set(roles) <= set(ROLES) | {permissions.MAINTENANCE}, action
        assert permissions.allowed(action, Actor("a", "管理员"))
        assert not permissions.allowed(action, OS_USER), "no role, no data change"
    assert permissions.allowed("outcomes.approve", Actor("s", "审核员"))
    assert not permissions.allowed("outcomes.approve", Actor("l", "录入员"))
    assert permissions.allowed("draw.run", Actor("l", "录入员"))
    assert not permissions.allowed("accounts", Actor("d", "领导"))
    maint = Actor("os:clerk", permissions.MAINTENANCE)
    assert [a for a in permissions.ACTIONS if permissions.allowed(a, maint)] == ["accounts.recover"]


def test_require_says_who_may_and_how_to_log_in(session):
    with acting_as(OS_USER), pytest.raises(PermissionDenied) as exc:
        permissions.require(session, "draw.run")
    assert "须由有权限的账户（管理员、录入员）执行" in exc.value.message and "SSJ_PASSWORD" in exc.value.message
    with acting_as(Actor("lingdao", "领导")), pytest.raises(PermissionDenied) as exc:
        permissions.require(session, "outcomes.enter")
    assert exc.value.message.startswith("当前账户“lingdao”（领导）无权录入检查结果")
    with acting_as(Actor("luru", "录入员")):
        assert permissions.require(session, "draw.run").username == "luru"


def test_setup_while_nobody_has_an_account(blank_db):
    with acting_as(OS_USER), blank_db.Session() as s:
        assert permissions.require(s, "setup") == OS_USER
        with permissions.setup_grant(s) as granted:
            assert granted.username == "os:clerk" and granted.role == "管理员"


def test_no_setup_once_an_account_exists(session):
    with acting_as(OS_USER), pytest.raises(PermissionDenied):
        permissions.require(session, "setup")  # the `db` fixture has its administrator


@pytest.mark.parametrize(
    ("role", "change"),
    [
        ("录入员", lambda s, u: accounts.set_role(s, u, "管理员")),
        ("录入员", lambda s, u: accounts.reset_password(s, u, "taken-over")),
        ("录入员", lambda s, u: accounts.create_user(s, "evil", "管理员", "evil-pass")),
        ("审核员", lambda s, u: accounts.set_active(s, u, False)),
        ("领导", lambda s, u: accounts.unlock(s, u)),
        ("", lambda s, u: accounts.set_role(s, u, "录入员")),
    ],
)
def test_accounts_refuse_actors_without_the_role(session, role, change):
    """Attack: `ssj --user luru account role luru 管理员`, `reset-password admin`, `user add evil`."""
    admin = session.scalar(select(User).where(User.username == "admin"))
    before = (admin.role, admin.password_hash, admin.active)
    with acting_as(Actor("luru", role)), pytest.raises(PermissionDenied):
        change(session, admin)
    session.rollback()
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert (admin.role, admin.password_hash, admin.active) == before
    assert session.scalar(select(User).where(User.username == "evil")) is None


def test_no_account_without_a_password(session):
    for empty in (None, ""):
        with pytest.raises(UserError, match="不能新建没有密码的账户"):
            accounts.create_user(session, "boss", "管理员", empty)
    user = accounts.create_user(session, "boss", "管理员", "boss-pass-1", must_change_password=True)
    assert user.password_hash.startswith("scrypt$")


def test_passwordless_account_from_an_old_database_cannot_log_in(session):
    session.add(User(username="boss", role="管理员", password_hash="", must_change_password=True))
    session.commit()
    for typed in ("", "anything"):
        with pytest.raises(UserError, match="用户名或密码错误"):
            accounts.authenticate(session, "boss", typed)


def test_scrypt_strength_and_old_hashes_keep_verifying_then_upgrade(session):
    stored = accounts.hash_password("secret-1")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt" and int(n) >= 2**15 and int(r) >= 8 and len(base64.b64decode(salt)) == 16
    assert accounts.check_password("secret-1", stored) and not accounts.check_password("secret-2", stored)
    # a hash made by the previous version (N = 2^14) still verifies, and a good login re-hashes it
    salt = os.urandom(16)
    old = hashlib.scrypt(b"legacy-pass", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(old).decode()}"
    assert accounts.check_password("legacy-pass", legacy) and accounts.needs_rehash(legacy)
    session.add(User(username="old", role="录入员", password_hash=legacy))
    session.commit()
    user = accounts.authenticate(session, "old", "legacy-pass")
    assert int(user.password_hash.split("$")[1]) >= 2**15 and not accounts.needs_rehash(user.password_hash)
    assert accounts.authenticate(session, "old", "legacy-pass").username == "old"
    assert not accounts.check_password("x", "scrypt$999999999999$8$1$AAAA$AAAA")  # absurd parameters never verify


def test_temporary_password_is_marked_and_must_differ(session):
    user = accounts.create_user(session, "luru", "录入员", "first-pass", must_change_password=True)
    accounts.reset_password(session, user, "temp-pass")
    assert user.must_change_password
    with acting_as(Actor("luru", "录入员")):
        with pytest.raises(UserError, match="不能与原密码相同"):
            accounts.set_password(session, user, "temp-pass")
        accounts.set_password(session, user, "own-pass-1")
    assert not user.must_change_password
    with acting_as(Actor("lingdao", "领导")), pytest.raises(PermissionDenied):
        accounts.set_password(session, user, "someone-else")  # only the holder or an administrator


def test_maintenance_is_audited_shown_to_every_admin_until_acknowledged_and_packaged(session):
    from datetime import date

    from app.services.reports import dashboard

    accounts.create_user(session, "admin2", "管理员", "admin2-pass")
    luru = accounts.create_user(session, "luru", "录入员", "luru-pass")
    session.commit()
    with acting_as(Actor("os:root", permissions.MAINTENANCE, "root")):
        accounts.unlock(session, luru)
        accounts.reset_password(session, luru, "temp-pass-9")
    session.commit()
    for name in ("admin", "admin2"):
        with acting_as(Actor(name, "管理员")):
            items = [i for i in dashboard.collect(session, date.today()) if i.get("kind") == "maintenance"]
            assert len(items) == 1 and items[0]["value"] == "2 项" and items[0]["level"] == "danger"
            assert "本机维护（操作系统用户 root）：为账户 luru 设置临时密码" in items[0]["detail"]
    with acting_as(Actor("luru", "录入员")):
        assert not [i for i in dashboard.collect(session, date.today()) if i.get("kind") == "maintenance"]
    with acting_as(Actor("admin", "管理员")):
        assert maintenance.acknowledge(session, "admin") == 2
        session.commit()
        assert not maintenance.dashboard_items(session, date.today())
    with acting_as(Actor("admin2", "管理员")):
        assert maintenance.dashboard_items(session, date.today()), "each administrator acknowledges for themself"
    listed, upto = maintenance.for_package(session)
    assert [e["summary"].split("：", 1)[1] for e in listed] == ["解锁账户 luru", "为账户 luru 设置临时密码"]
    assert all(e["user"] == "os:root" and len(e["hash"]) == 64 for e in listed)
    maintenance.mark_packaged(session, upto)
    assert maintenance.for_package(session) == ([], 0)
