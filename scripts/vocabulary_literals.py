"""Replace string literals that spell a state or role with the vocabulary member (app/models/vocabulary.py).

    python scripts/vocabulary_literals.py [--check] [FILES...]   (default: every .py file under app/)

Only exact literals are touched ("已抽取", not "状态为已抽取"); an import of the enum is added where needed.
With --check nothing is written and the exit code says whether any literal is left (the architecture test
does the same check).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.models.vocabulary import DrawState, OutcomeState, Role  # noqa: E402

MEMBERS = {m.value: f"{type(m).__name__}.{m.name}" for enum in (DrawState, OutcomeState, Role) for m in enum}
# the vocabulary itself; the draw algorithm, which is standard library only (it is the standalone verifier)
SKIP = {ROOT / "app/models/vocabulary.py", ROOT / "app/services/draw/algorithm.py"}
PRAGMA = "# not-a-state"  # a line where the same words mean something else (e.g. a holiday year "已录入")


def literals(tree: ast.AST, source: str = "") -> list[ast.Constant]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    in_fstring = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            in_fstring.update(id(v) for v in node.values)
    lines = source.splitlines()
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value in MEMBERS
        and id(n) not in docstrings
        and id(n) not in in_fstring
        and not (lines and PRAGMA in lines[n.lineno - 1])
    ]


def fix(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    found = literals(ast.parse(text), text)
    if not found:
        return 0
    lines = text.splitlines(keepends=True)
    for n in sorted(found, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        line = lines[n.lineno - 1].encode("utf-8")
        start, end = n.col_offset, n.end_col_offset
        lines[n.lineno - 1] = (line[:start] + MEMBERS[n.value].encode() + line[end:]).decode("utf-8")
    new = "".join(lines)
    needed = sorted({MEMBERS[n.value].split(".")[0] for n in found})
    imported = {
        alias.asname or alias.name
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.ImportFrom) and node.module == "app.models.vocabulary"
        for alias in node.names
    }
    missing = [name for name in needed if name not in imported]
    if missing:
        body = ast.parse(new).body
        idx = 0  # after the module docstring and the last top-level import
        for i, node in enumerate(body):
            if isinstance(node, (ast.Import, ast.ImportFrom)) or (i == 0 and isinstance(node, ast.Expr)):
                idx = node.end_lineno
            elif idx:
                break
        out = new.splitlines(keepends=True)
        out.insert(idx, f"from app.models.vocabulary import {', '.join(missing)}\n")
        new = "".join(out)
    path.write_text(new, encoding="utf-8")
    return len(found)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    files = [Path(a).resolve() for a in argv if a != "--check"] or sorted((ROOT / "app").rglob("*.py"))
    total = 0
    for path in files:
        if path in SKIP or "migrations" in path.parts:
            continue
        if check:
            text = path.read_text(encoding="utf-8")
            for n in literals(ast.parse(text), text):
                print(f"{path.relative_to(ROOT)}:{n.lineno}: {n.value!r} → {MEMBERS[n.value]}")
                total += 1
        else:
            count = fix(path)
            if count:
                print(f"{path.relative_to(ROOT)}: {count}")
            total += count
    return 1 if (check and total) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
