"""The UI only displays (issue 15 point 4): no module in `app/ui` queries the store.

Every query a page needs is a service function returning typed rows; the UI may import `app.models.db` (the
`Database` handle it is given) and upper-case vocabulary constants, never a model class, and never calls
`select(...)`, `session.query/scalar/scalars/execute(...)` or `session.get(Model, id)`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY_METHODS = {"query", "scalar", "scalars", "execute"}


def store_access(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[:2] == ["app", "models"]:
            if node.module not in ("app.models.db", "app.models.vocabulary"):
                found += [f"{where} imports {node.module}.{a.name}" for a in node.names if not a.name.isupper()]
        elif isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names if a.name.startswith("app.models")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sqlalchemy"):
            found += [f"{where} imports {node.module}"]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "select":
                found.append(f"{where} calls select()")
            elif isinstance(func, ast.Attribute) and func.attr in QUERY_METHODS:
                found.append(f"{where} calls .{func.attr}()")
            elif (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id[:1].isupper()
            ):
                found.append(f"{where} calls .get({node.args[0].id}, …)")
    return found


def test_the_ui_never_queries_the_store():
    problems = [p for path in sorted((ROOT / "app" / "ui").rglob("*.py")) for p in store_access(path)]
    assert problems == [], "app/ui queries the store; add a service function returning typed rows:\n" + "\n".join(
        problems
    )


def test_the_check_sees_a_query(tmp_path):
    sample = ROOT / "app" / "ui" / "_sample_for_test.py"
    try:
        sample.write_text(
            "from app.models.core import User\nfrom sqlalchemy import select\n"
            "def f(s, pid):\n    s.scalars(select(User))\n    return s.get(User, pid)\n",
            encoding="utf-8",
        )
        found = store_access(sample)
    finally:
        sample.unlink()
    assert len(found) == 5, found
