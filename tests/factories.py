"""Builders for test data: valid USCCs, objects, inspectors (real rows in the real database)."""

from __future__ import annotations

import itertools

from stdnum.cn import uscc as uscc_mod

from app.models import InspectionObject, Inspector

_counter = itertools.count(1)


def make_uscc(n: int | None = None, region: str = "140525") -> str:
    """A valid 18-character USCC (GB 32100 check digit) for sequence number n."""
    n = next(_counter) if n is None else n
    org = f"MA{n:07d}"[:9]
    body = "91" + region + org
    return body + uscc_mod.calc_check_digit(body)


def make_object(session, **kw) -> InspectionObject:
    n = next(_counter)
    defaults = dict(
        uscc=make_uscc(n),
        name=f"测试企业{n}有限公司",
        permit_class="简化管理",
        status="存续",
        township="城关镇",
        industry="金属制品业",
        pollution_types=["废气"],
    )
    defaults.update(kw)
    obj = InspectionObject(**defaults)
    session.add(obj)
    session.flush()
    return obj


def make_inspector(session, **kw) -> Inspector:
    n = next(_counter)
    defaults = dict(
        name=f"执法员{n}",
        kind="执法人员",
        cert_no=f"14{n:08d}",
        org="测试县执法大队",
        region="城关镇",
        expertise=["大气"],
        on_duty=True,
    )
    defaults.update(kw)
    person = Inspector(**defaults)
    session.add(person)
    session.flush()
    return person
