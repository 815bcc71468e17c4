"""The scripts in tools/ import each other one way only, so each can be read and changed alone."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sibling_imports(folder: Path) -> dict[str, set[str]]:
    """For each module in `folder`, the modules of the same folder it imports (anywhere in it)."""
    modules = {path.stem: path for path in folder.glob("*.py")}
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
        graph[name] = imported & modules.keys()
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle in `graph` (a list of modules ending where it started), or []."""

    def walk(name: str, path: list[str]) -> list[str]:
        if name in path:
            return path[path.index(name) :] + [name]
        return next(
            (found for nxt in sorted(graph[name]) if (found := walk(nxt, [*path, name]))), []
        )

    return next((found for name in sorted(graph) if (found := walk(name, []))), [])


def test_tools_import_each_other_one_way():
    assert sibling_imports(ROOT / "tools")["lecture"] >= {"colab", "make_live", "pages", "plan"}
    assert cycle(sibling_imports(ROOT / "tools")) == []


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path):
    (tmp_path / "a.py").write_text("import b\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from a import g\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("import a\nimport json\n", encoding="utf-8")
    assert cycle(sibling_imports(tmp_path)) == ["a", "b", "a"]
