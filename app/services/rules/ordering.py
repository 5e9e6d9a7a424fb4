"""Policy order for lists and sorting: the categories in the order the office's rules list them (特殊 → 重点 →
一般 …), risk from high to low, permit classes 重点 → 简化 → 登记, states in their life order — never the
order of the characters. A sort key for any shown text; text outside the vocabulary sorts after, by itself."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models.pools import CREDIT_GRADES, CREDIT_RISKS, OBJECT_STATUSES, PERMIT_CLASSES
from app.services.foundation.errors import UserError
from app.services.rules import policies

RISKS_HIGH_FIRST = tuple(reversed(CREDIT_RISKS))  # 高风险, 较高风险, 一般风险, 低风险
MODES = ("现场", "非现场")


class PolicyOrder:
    """Ranks of the words of the office's vocabulary; ``key(text)`` sorts any cell."""

    def __init__(self, categories: list[str] | tuple[str, ...] = ()):
        self.categories = list(categories)
        self.ranks: dict[str, int] = {}
        for seq in (self.categories, RISKS_HIGH_FIRST, PERMIT_CLASSES, OBJECT_STATUSES, CREDIT_GRADES, MODES):
            for i, word in enumerate(seq):
                self.ranks.setdefault(word, i)

    def _category_rank(self, text: str) -> int | None:
        for i, name in enumerate(self.categories):
            if text.startswith(name):
                return i
        return None

    def key(self, text: str) -> tuple:
        text = text or ""
        if text in self.ranks:
            return (0, self.ranks[text], 0, "")
        category = self._category_rank(text)
        risk = next((i for i, r in enumerate(RISKS_HIGH_FIRST) if r in text), None)
        if category is not None or risk is not None:  # a stratum: 一般排污单位（较高风险）
            rank = category if category is not None else len(self.categories)
            return (0, rank, risk if risk is not None else 9, text)
        try:
            return (1, float(text), 0, "")
        except ValueError:
            return (2, 0, 0, text)

    def sorted(self, values) -> list[str]:
        return sorted(values, key=self.key)


def policy_order(session: Session) -> PolicyOrder:
    """The order of the office's active rules (only the fixed vocabularies when no rules are chosen yet)."""
    try:
        rules = policies.active_rules(session)
    except UserError:
        return PolicyOrder()
    return PolicyOrder(policies.category_names_of(rules))
