"""The house rules of the code, read from the imports of `app/` (every import, also those inside functions).

Layers, lowest first: `app.paths` and `app.models` → `app.services` (areas in the order of AREAS) →
`app.cli` and `app.ui`. A module may import its own area and anything lower, never higher, and the
imports between modules form no cycle. See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AREAS = ["foundation", "rules", "pools", "draw", "outcomes", "reports", "exchange", "demo"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def app_imports() -> dict[str, set[str]]:
    """Module → the app modules it imports (resolved to modules, not names inside them)."""
    files = {module_name(p): p for p in (ROOT / "app").rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            else:
                continue
            for name in names:
                while name and name not in files:
                    name = name.rpartition(".")[0]
                if name.startswith("app") and name != mod and name in files and not path.name == "__init__.py":
                    deps.add(name)
        # a package's own __init__ is not a dependency worth tracking
        graph[mod] = {d for d in deps if not (files[d].name == "__init__.py" and d.count(".") <= 2)}
    return graph


def rank(mod: str) -> tuple[int, int]:
    parts = mod.split(".")
    if mod == "app" or parts[1] in ("paths", "models"):
        return (0, 0)
    if parts[1] == "services":
        if len(parts) == 2:
            return (1, -1)
        return (1, AREAS.index(parts[2]))
    return (2, 0)  # cli, ui, selftest, __main__


def test_every_area_is_known():
    areas = sorted(p.name for p in (ROOT / "app/services").iterdir() if (p / "__init__.py").exists())
    assert areas == sorted(AREAS)
    loose = [p.name for p in (ROOT / "app/services").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"app/services 下不应再有零散模块，请放进某个领域包：{loose}"


def test_no_upward_imports():
    bad = [f"{m} → {d}" for m, deps in app_imports().items() for d in deps if rank(d) > rank(m)]
    assert bad == [], "向上层（或后面的领域）的导入：\n" + "\n".join(sorted(bad))


def test_no_import_cycles():
    graph = app_imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == [], "导入成环：\n" + "\n".join(" ↔ ".join(c) for c in cycles)
