"""One way to run work from the UI (issue 15 point 5): a page never catches a `UserError` itself.

A page hands the service call to `app.ui.operations` — `run_op` (a Chinese dialog, or the page's own
`failure` callback for an inline message) or its synchronous sibling `attempt` — so there is one place that turns
a `UserError` into what the clerk sees. This test reads every module of `app/ui` and fails on an
`except UserError` (also inside a tuple) outside `operations.py`, except the justified places listed below."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "app" / "ui"

#: module → number of `except UserError` it may keep, and why
JUSTIFIED: dict[str, tuple[int, str]] = {
    "app/ui/operations.py": (99, "the one place that turns a UserError into a message"),
    "app/ui/main.py": (
        1,
        "opening the store before any window or session exists: a refusal, a schema error and a driver fault "
        "share one translated critical dialog (errors.database_message); there is no unit of work to run yet",
    ),
}


def catches_user_error(handler: ast.ExceptHandler) -> bool:
    names = []
    t = handler.type
    for node in t.elts if isinstance(t, ast.Tuple) else [t]:
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
    return "UserError" in names


def counts() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = [
            n.lineno
            for n in ast.walk(tree)
            if isinstance(n, ast.ExceptHandler) and n.type is not None and catches_user_error(n)
        ]
        if lines:
            out[str(path.relative_to(ROOT))] = sorted(lines)
    return out


def test_pages_never_catch_user_errors_themselves():
    over = []
    for module, lines in counts().items():
        allowed = JUSTIFIED.get(module, (0, ""))[0]
        if len(lines) > allowed:
            over.append(f"{module}: except UserError at lines {lines} (allowed {allowed})")
    assert not over, "run the work through app.ui.operations (run_op / attempt):\n" + "\n".join(over)


def test_the_checker_sees_a_tuple_and_a_qualified_name():
    tree = ast.parse(
        "try:\n    pass\nexcept (ValueError, errors.UserError):\n    pass\n"
        "try:\n    pass\nexcept OSError:\n    pass\n"
    )
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
    assert [catches_user_error(h) for h in handlers] == [True, False]
