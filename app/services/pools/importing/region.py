"""本辖区: does a row belong to the office's county?

The county and city are read from the office's name (测试县生态环境保护综合行政执法大队 → 测试县;
邢台市生态环境局隆尧分局 → 隆尧, in 邢台市). A row names its place in 所在地区 (`河北省-邢台市-隆尧县`), 地市,
区县 or 县（市、区）; a row that names another county (or another city) is not of this county. Rows that name
no place, and offices whose name gives no county (a city bureau), are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.services.foundation.office import get_office

_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "新区", "县", "区", "市", "旗")


def stem(place: str) -> str:
    """隆尧县 → 隆尧, 泽州县 → 泽州, 城区 → 城区 (a two-character name keeps its suffix)."""
    place = place.strip()
    for suffix in _SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


@dataclass(frozen=True)
class Jurisdiction:
    county: str  # stem, e.g. 隆尧
    city: str = ""  # stem, e.g. 邢台 ("" when not known)

    @property
    def label(self) -> str:
        return self.county


def jurisdiction(session: Session | None) -> Jurisdiction | None:
    office = get_office(session) if session is not None else None
    if office is None or office.level != "county":
        return None
    return jurisdiction_of(office.name, office.parent_name)


def jurisdiction_of(name: str, parent_name: str = "") -> Jurisdiction | None:
    name = re.sub(r"\s+", "", name)
    city = ""
    m = re.match(r"^(.{2,6}?市)", parent_name) or re.match(r"^(.{2,6}?市)(?=.*分局)", name)
    if m:
        city = stem(m.group(1))
    branch = re.search(r"局(.{2,8}?)分局", name)
    if branch:
        return Jurisdiction(stem(branch.group(1)), city)
    m = re.match(r"^(?:.{2,6}?[省市])?(.{1,8}?(?:自治县|县|区|旗|市))", name)
    if m and m.group(1) not in ("市", "区", "县"):
        return Jurisdiction(stem(m.group(1)), city)
    return None


def row_places(rec: dict) -> tuple[str, str]:
    """(city, county) a row names, from 所在地区 / 地市 / 区县; "" where it names none."""
    city, county = rec.get("city") or "", rec.get("county") or ""
    region = rec.get("area") or ""
    if region:
        parts = [p for p in re.split(r"[-－—/\s>、,，]+", region) if p]
        for p in parts:
            if p.endswith(("省", "自治区")) or p in ("北京市", "天津市", "上海市", "重庆市"):
                continue
            if p.endswith(("市", "州", "盟", "地区")) and not city and len(parts) > 1 and p is not parts[-1]:
                city = p
            else:
                county = county or p
    return stem(city), stem(county)


def foreign_place(rec: dict, home: Jurisdiction) -> str | None:
    """The place named when the row is of another county (or city), else None."""
    city, county = row_places(rec)
    if county and county != home.county and home.county not in county and county not in home.county:
        return county
    if not county and city and home.city and city != home.city:
        return city
    if city and home.city and city != home.city:
        return city
    return None
