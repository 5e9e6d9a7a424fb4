"""专家库: 辅助检查人员 and experts, drawn for specialised checks (they join a team, never replace the two
inspectors)."""

from __future__ import annotations

from app.services.pools import pools
from app.ui.pages import PageSpec
from app.ui.pages.inspectors import PeoplePage


class ExpertsPage(PeoplePage):
    title = "辅助人员和专家库"
    hint = "监测站等辅助检查人员和专家，专业检查时随机抽取加入检查组"
    experts = True
    kind = "experts"
    columns = [(k, h) for k, h in pools.INSPECTOR_COLUMNS if k not in ("cert_no", "avoid_usccs", "id_no")]
    filters = [("kind", "人员类别", False), ("org", "单位", False), ("expertise", "业务专长", True)]


PAGE = PageSpec("experts", "专家库", "一单两库", 13, lambda ctx, parent=None: ExpertsPage(ctx, parent))
