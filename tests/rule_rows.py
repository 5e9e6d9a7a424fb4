"""Plain pool rows for the fast rule tests: the columns of classification.POOL_COLUMNS, no database."""

from __future__ import annotations

from types import SimpleNamespace

from app.services.rules.classification import POOL_COLUMNS

DEFAULTS = {
    "uscc": "",
    "name": "",
    "status": "正常",
    "permit_class": "",
    "key_polluter": False,
    "industry": "",
    "pollution_types": [],
    "township": "",
    "positive_list": False,
    "credit_grade": "",
    "credit_risk": "",
    "air_grade": "",
    "special_situations": [],
    "tags": [],
    "registration_date": None,
    "category_override": "",
    "override_reason": "",
    "created_at": None,
}


def row(oid: int = 1, **values) -> SimpleNamespace:
    """A pool row like pool_objects returns (attribute access only); unknown columns are refused."""
    unknown = set(values) - set(POOL_COLUMNS)
    assert not unknown, unknown
    return SimpleNamespace(id=oid, **{**DEFAULTS, "uscc": f"91130000MA0000{oid:04d}", "name": f"单位{oid}", **values})


def rules_doc(**extra) -> dict:
    """A small rule document: 特殊 (信用 C/D), 重点 (重点管理 or 重点排污单位; strata 高风险/其余), 一般 (简化/登记)."""
    doc = {
        "schema": "ssj-rules/1",
        "id": "fast",
        "name": "快速测试规则",
        "categories": [
            {
                "id": "special",
                "name": "特殊监管对象",
                "conditions": [{"id": "bad-credit", "field": "credit_grade", "in": ["C", "D"]}],
                "ratio": {"value": "100%", "per": "季度"},
            },
            {
                "id": "key",
                "name": "重点监管对象",
                "conditions": [
                    {"id": "key-permit", "field": "permit_class", "in": ["重点管理"]},
                    {"id": "key-list", "field": "key_polluter", "is": True},
                ],
                "ratio": {"value": "20%", "per": "季度"},
                "strata": [
                    {
                        "id": "high",
                        "name": "高风险",
                        "conditions": [{"field": "credit_risk", "in": ["高"]}],
                        "ratio": {"value": "50%", "per": "季度"},
                        "mode": "非现场",
                    },
                    {"id": "low", "name": "低风险", "conditions": [{"field": "credit_risk", "in": ["低"]}]},
                ],
            },
            {
                "id": "general",
                "name": "一般监管对象",
                "conditions": [
                    {"id": "simple", "field": "permit_class", "in": ["简化管理", "登记管理"]},
                    {"id": "positive-list", "field": "positive_list", "is": True},
                ],
                "ratio": {"value": "5%", "per": "季度"},
            },
        ],
        "precedence": ["special", "key", "general"],
    }
    doc.update(extra)
    return doc
