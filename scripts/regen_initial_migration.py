"""Regenerate migrations/versions/0001_initial.py from the models.

Only while no release has shipped: after the first release, every schema change gets a new migration
(`alembic revision --autogenerate`), never an edit of 0001. Run: python scripts/regen_initial_migration.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from app.models.db import alembic_config  # noqa: E402

versions = ROOT / "app" / "models" / "migrations" / "versions"
for old in versions.glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    engine = create_engine(f"sqlite:///{tmp}/empty.sqlite3")
    cfg = alembic_config(engine)
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
generated = next(versions.glob("0001_*.py"))
generated.rename(versions / "0001_initial.py")
print("wrote", versions / "0001_initial.py")
