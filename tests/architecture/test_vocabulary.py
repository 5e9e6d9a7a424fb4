"""One vocabulary: no module spells a draw state, an outcome state or a role as a literal string."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_state_or_role_literal_outside_the_vocabulary():
    proc = subprocess.run(
        [sys.executable, "scripts/vocabulary_literals.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, "这些地方应使用 app/models/vocabulary.py 中的成员：\n" + proc.stdout


def test_vocabulary_members_are_their_text():
    from app.models.vocabulary import LIVE_DRAW_STATES, DrawState, Role

    assert DrawState.DRAWN == "已抽取" and f"{Role.REVIEWER}" == "审核员"
    assert set(LIVE_DRAW_STATES) == {"已抽取", "已确认"}
    import json

    assert json.dumps([DrawState.CONFIRMED], ensure_ascii=False) == '["已确认"]'
