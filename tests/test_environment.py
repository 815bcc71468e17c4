"""The declared versions work together: ranges that load, locks that install, sets that agree."""

from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

# The lock is resolved on Linux: judge its markers there, whatever system runs the test.
LOCK_PLATFORM = {
    "extra": "",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
}

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"

# The first release of each package whose wheels were built for NumPy 2 on every platform
# (they run on NumPy 1 too); older ones fail on NumPy 2 ("Numpy is not available").
# torch: pytorch/pytorch#131668; pandas: its 2.2.2 notes; matplotlib: contourpy/contourpy#375.
BUILT_FOR_NUMPY_2 = {"torch": "2.4.1", "pandas": "2.2.2", "matplotlib": "3.8.4"}

# What Google Colab ships (issue 11): installing the package there must keep these.
COLAB = {"torch": "2.11.0", "ipywidgets": "7.7.1"}


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            pins |= _pins(path.parent / line[3:].strip())
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: {line!r} is not pinned with =="
        pins[name] = version
    return pins


def _declared() -> dict[str, Requirement]:
    """Runtime dependencies and the optional extras, by name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + sum(project.get("optional-dependencies", {}).values(), [])
    return {canonicalize_name((req := Requirement(spec)).name): req for spec in specs}


def _floor(requirement: Requirement) -> Version:
    floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    assert floors, f"{requirement}: give a floor (>=) so that requirements/lowest.txt can test it"
    return max(floors)


def test_environment_yml_installs_what_the_development_lock_pins():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(
        item["pip"] for item in environment["dependencies"] if isinstance(item, dict)
    )
    conda_pins = dict(spec.split("==") for spec in pip_section if "==" in spec)
    assert conda_pins == _pins(REQUIREMENTS / "dev.txt")
    assert "-e ." in pip_section


def test_runtime_dependencies_are_ranges_that_keep_colabs_own_versions():
    declared = _declared()
    for requirement in declared.values():
        assert not any(s.operator in ("==", "===", "~=") for s in requirement.specifier), (
            f"{requirement}: runtime dependencies must be ranges; pins belong in requirements/"
        )
        _floor(requirement)
    for name, version in COLAB.items():
        assert declared[name].specifier.contains(version), (
            f"{declared[name]} would replace Colab's {name} {version}"
        )


def test_every_range_admits_numpy_2_or_caps_numpy():
    declared = _declared()
    numpy_2_allowed = declared["numpy"].specifier.contains("2.0.0")
    for name, since in BUILT_FOR_NUMPY_2.items():
        if name in declared and numpy_2_allowed:
            assert _floor(declared[name]) >= Version(since), (
                f"{declared[name]} admits releases built for NumPy 1 while numpy may be 2: "
                f"raise the floor to {since} or cap numpy below 2"
            )


def test_lowest_set_pins_every_floor_and_the_other_widget_major():
    lowest = _pins(REQUIREMENTS / "lowest.txt")
    for name, requirement in _declared().items():
        assert name in lowest, f"requirements/lowest.txt does not test the floor of {name}"
        assert Version(lowest[name]) == _floor(requirement), (
            f"requirements/lowest.txt pins {name}=={lowest[name]}, the floor is {requirement}: "
            "run python tools/update_locks.py"
        )
    widget_majors = {
        Version(_pins(path)["ipywidgets"]).major for path in REQUIREMENTS.glob("*.txt")
    }
    assert widget_majors >= {7, 8}, "the explorers must be tested with ipywidgets 7 and 8"


def test_test_lock_lies_within_the_declared_ranges():
    pins = _pins(REQUIREMENTS / "test.txt")
    for name, requirement in _declared().items():
        assert name in pins, f"requirements/test.txt lacks {name}: run python tools/update_locks.py"
        assert requirement.specifier.contains(pins[name]), (
            f"requirements/test.txt pins {name}=={pins[name]} outside {requirement}: "
            "run python tools/update_locks.py"
        )


def test_test_lock_leaves_out_jupyterlab_which_slows_every_kernel_start():
    assert "jupyterlab" not in _pins(REQUIREMENTS / "test.txt")
    assert "jupyterlab" in _pins(REQUIREMENTS / "dev.txt")


def test_every_locked_package_finds_its_requirements_in_the_lock():
    """The lock is complete and consistent, judged by the metadata of what is installed."""
    pins = _pins(REQUIREMENTS / "test.txt")
    checked = 0
    for name, version in pins.items():
        try:
            installed = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if Version(installed.version).public != Version(version).public:
            continue  # another set (requirements/lowest.txt) is installed: its metadata differs
        checked += 1
        for line in installed.requires or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate(LOCK_PLATFORM):
                continue
            dependency = canonicalize_name(requirement.name)
            assert dependency in pins, f"{name}=={version} needs {requirement}, not in the lock"
            assert requirement.specifier.contains(pins[dependency], prereleases=True), (
                f"{name}=={version} needs {requirement}; the lock pins {pins[dependency]}"
            )
    if not checked:
        pytest.skip("no package of requirements/test.txt is installed at its pinned version")
