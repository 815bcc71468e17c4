"""The package docstring is a true map: it names every module the package holds."""

from pathlib import Path

import lecture_utils

PACKAGE = Path(lecture_utils.__file__).parent


def test_the_package_docstring_names_every_module():
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    modules |= {p.name + "/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    missing = sorted(m for m in modules if f"`{m}`" not in lecture_utils.__doc__)
    assert not missing, f"add {missing} to the map in lecture_utils/__init__.py"
