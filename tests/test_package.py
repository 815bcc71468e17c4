"""The package stays small and shows its architecture: a true map, one place per idea, no hidden state."""

import ast
import re
from pathlib import Path

import lecture_utils

PACKAGE = Path(lecture_utils.__file__).parent
ROOT = PACKAGE.parent
MAX_LINES, MAX_MODULE_LINES = 2600, 300


def modules() -> dict[str, Path]:
    """Each module by the name the map uses: `training`, `data/cache`, `figures/` for a folder."""
    named = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.stem != "__init__":
            named[path.relative_to(PACKAGE).with_suffix("").as_posix()] = path
        elif path.parent != PACKAGE:  # the package's own __init__ holds the map
            named[path.parent.relative_to(PACKAGE).as_posix() + "/"] = path
    return named


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_the_package_holds_at_most_2600_lines_and_no_module_over_300():
    sizes = {name: lines(path) for name, path in modules().items()}
    sizes["__init__"] = lines(PACKAGE / "__init__.py")
    too_long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"split or simplify: {too_long} (at most {MAX_MODULE_LINES} lines each)"
    assert sum(sizes.values()) <= MAX_LINES, f"{sum(sizes.values())} lines; at most {MAX_LINES}"


def test_the_package_docstring_names_every_module_and_folder():
    missing = [name for name in modules() if f"`{name.split('/')[-1] or name}`" not in _map()]
    assert not missing, f"add {missing} to the map in lecture_utils/__init__.py"
    for folder in ("data/", "figures/"):
        assert f"`{folder}`" in _map(), f"the map should name the folder {folder}"


def _map() -> str:
    return lecture_utils.__doc__


def _module_state(path: Path) -> set[str]:
    """Names of a module's mutable state: module-level containers, `global` targets, caches."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    state = set()
    for node in tree.body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        value = getattr(node, "value", None)
        mutable = isinstance(value, ast.List | ast.Dict | ast.Set) or (
            isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("dict", "list", "set")
        )
        if mutable:
            state |= {target.id for target in targets if isinstance(target, ast.Name)}
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                name = ast.unparse(decorator)
                if re.search(r"\b(cache|lru_cache)\b", name):
                    state.add(node.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            state |= set(node.names)
    return state


def test_module_state_is_only_the_caches_the_map_lists():
    found = {
        f"{name}.{variable}"
        for name, path in modules().items()
        for variable in _module_state(path)
        if not variable.isupper()  # constants, never changed
    }
    documented = set(re.findall(r"`([\w/]+\.\w+)`", _map().split("State kept between calls")[-1]))
    assert found == documented, (
        f"undocumented state: {sorted(found - documented)}; "
        f"listed but gone: {sorted(documented - found)}"
    )


def test_lecture_variables_are_read_only_in_the_environment_module():
    readers = [
        name
        for name, path in modules().items()
        if re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8"))
        and name not in ("environment", "data/cache")  # data/cache: the OS's cache folders only
    ]
    assert not readers, f"read LECTURE_* variables through lecture_utils.environment: {readers}"
    cache = (PACKAGE / "data" / "cache.py").read_text(encoding="utf-8")
    assert "LECTURE_" not in "".join(re.findall(r"os\.environ[^\n]*", cache))
    for notebook in sorted((ROOT / "notebooks" / "src").glob("*.py")):
        assert "os.environ" not in notebook.read_text(encoding="utf-8"), notebook.name
