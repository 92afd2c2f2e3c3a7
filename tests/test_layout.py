"""No function in flows/ or tasks/ runs over 40 lines (its docstring included): a longer one is
split into named steps, so that a flow reads as the steps it takes."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 40


def long_functions(source: str, path: str) -> list[str]:
    """`path:line name (n lines)` for every function or method in `source` over MAX_LINES."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_LINES:
                found.append(f"{path}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_flows_or_tasks_is_over_40_lines() -> None:
    found = [
        entry
        for package in ("flows", "tasks")
        for path in sorted((ROOT / package).glob("**/*.py"))
        for entry in long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, f"functions over {MAX_LINES} lines, to split into named steps:\n" + "\n".join(found)


def test_a_long_function_is_found_with_its_place() -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_LINES))
    source = f"def short():\n    pass\n\n\nclass C:\n    def long(self):\n{body}\n"
    assert long_functions(source, "m.py") == [f"m.py:6 long ({MAX_LINES + 1} lines)"]
