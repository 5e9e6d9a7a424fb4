"""Who may do what: the one permission table of the program.

Every service entry that changes data calls `require(session, action)` first; the GUI asks `allowed(action,
actor)` only to hide what a role cannot do, and the CLI runs the same services, so both faces obey the same
table. The actor is the logged-in account (GUI), the `--user` account (CLI, password checked), or — when no
account is given — the operating-system user, who holds no role and may only read, except:

* `setup` (init, demo, the first-run wizard) on a database that has no account yet;
* `accounts.recover` (`ssj account unlock NAME`, `ssj account reset-password NAME` without `--user`) as
  本机维护: the way back in when the only administrator is locked out. It is audited as 本机维护 with the
  operating-system user's name, shown on every administrator's 首页 until acknowledged and listed in the next
  USB package (`foundation.maintenance`).
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.core import User
from app.models.vocabulary import Role
from app.services.foundation.context import Actor, acting_as, current_actor
from app.services.foundation.errors import PermissionDenied

ADMIN, CLERK, REVIEWER, LEADER = Role.ADMIN, Role.CLERK, Role.REVIEWER, Role.LEADER
MAINTENANCE = "本机维护"  # the role of the operating-system user running a recovery command

# action → (what it is, in the words of a refusal; roles that may do it). 管理员 may do everything.
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "setup": ("初始化数据库（本单位、管理员账户、演示数据）", (ADMIN,)),
    "pools.import": ("导入检查对象、执法人员、专家、事项清单", (ADMIN, CLERK)),
    "pools.edit": ("修改检查对象库、执法人员库、事项清单", (ADMIN, CLERK)),
    "rules.edit": ("修改监管规则、抽取规则", (ADMIN, LEADER)),
    "classify": ("人工指定监管类别", (ADMIN, REVIEWER, LEADER)),
    "plans.edit": ("制定、调整抽查计划和抽查任务", (ADMIN, LEADER)),
    "calendar.edit": ("设置节假日和调休", (ADMIN, CLERK)),
    "checks.enter": ("录入、导入其他部门的涉企检查记录", (ADMIN, CLERK)),
    "draw.run": ("冻结对象范围并随机抽取", (ADMIN, CLERK)),
    "checks.merge": ("将同一对象的多次抽查合并为一次内部联合检查", (ADMIN, CLERK)),
    "draw.confirm": ("确认抽取结果", (ADMIN, REVIEWER, LEADER)),
    "draw.void": ("作废抽取", (ADMIN, LEADER)),
    "draw.replace": ("替换被抽中的对象或检查人员", (ADMIN, LEADER)),
    "outcomes.enter": ("录入检查结果和后续处置", (ADMIN, CLERK)),
    "outcomes.phrases": ("维护检查结果标准用语", (ADMIN, CLERK, REVIEWER)),
    "outcomes.approve": ("审核检查结果", (ADMIN, REVIEWER)),
    "publish": ("生成公示批次", (ADMIN, REVIEWER)),
    "forms.notice": ("为检查通知书编文号并打印", (ADMIN, CLERK, LEADER)),
    "packages.export": ("以本单位名义签发报送包", (ADMIN, LEADER)),
    "city.import": ("市级：登记县级单位、导入报送包", (ADMIN,)),
    "accounts": ("管理账户（新建、角色、停用、重置密码、解锁）", (ADMIN,)),
    "accounts.recover": ("本机维护：解锁账户、设置临时密码", (ADMIN, MAINTENANCE)),
    "settings": ("修改系统设置", (ADMIN,)),
    "restore": ("从备份恢复数据库", (ADMIN,)),
}

LOGIN_HINT = (
    "命令行请以账户身份运行：ssj --user 用户名 …，密码放在环境变量 SSJ_PASSWORD 中或用 --password-file 文件 给出。"
)


def roles_for(action: str) -> tuple[str, ...]:
    return ACTIONS[action][1]


def allowed(action: str, actor: Actor | None = None) -> bool:
    """May this actor (default: the current one) do `action`? For hiding buttons; services call `require`."""
    actor = actor or current_actor()
    _what, roles = ACTIONS[action]
    if actor.role == MAINTENANCE:
        return MAINTENANCE in roles
    return bool(actor.role) and (actor.role == ADMIN or actor.role in roles)


def no_accounts_yet(session: Session) -> bool:
    return not (session.scalar(select(func.count(User.id))) or 0)


def require(session: Session | None, action: str) -> Actor:
    """Raise PermissionDenied (a Chinese message saying who may) unless the current actor may do `action`."""
    if action not in ACTIONS:  # a programming error, not a user's
        raise KeyError(f"unknown action {action!r}")
    actor = current_actor()
    if allowed(action, actor):
        return actor
    if action == "setup" and session is not None and no_accounts_yet(session):
        return actor
    what, roles = ACTIONS[action]
    who = "、".join(r for r in roles if r != MAINTENANCE)
    if not actor.role:
        raise PermissionDenied(f"“{what}”会修改数据，须由有权限的账户（{who}）执行。{LOGIN_HINT}")
    raise PermissionDenied(
        f"当前账户“{actor.username}”（{actor.role}）无权{what}，此操作须由{who}执行。请换用有权限的账户登录。"
    )


@contextmanager
def setup_grant(session: Session):
    """For the setup of a database without accounts (init, demo, first-run wizard): the same user, as 管理员.

    Refuses unless `setup` is allowed (a 管理员, or nobody has an account yet)."""
    actor = require(session, "setup")
    if actor.role == ADMIN:
        yield actor
        return
    with acting_as(Actor(actor.username, ADMIN, actor.display_name)) as granted:
        yield granted


def is_maintenance(actor: Actor | None = None) -> bool:
    return (actor or current_actor()).role == MAINTENANCE
