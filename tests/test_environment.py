"""The pinned environments agree: conda's environment.yml mirrors the development lock."""

import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parent.parent


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


def test_environment_yml_mirrors_the_development_lock():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(
        item["pip"] for item in environment["dependencies"] if isinstance(item, dict)
    )
    conda_pins = dict(spec.split("==") for spec in pip_section if "==" in spec)
    assert conda_pins == _pins(ROOT / "requirements" / "dev.txt")
    assert "-e ." in pip_section


def test_test_lock_pins_the_local_cpu_torch_and_the_test_tools():
    pins = _pins(ROOT / "requirements" / "test.txt")
    assert pins["torch"] == "2.13.0"
    for tool in ("pytest", "nbval", "nbclient", "ipykernel", "jupytext", "ruff"):
        assert tool in pins


def test_jupyterlab_stays_out_of_the_test_lock():
    test_pins = _pins(ROOT / "requirements" / "test.txt")
    assert "jupyterlab" not in test_pins and "rfc3987-syntax" not in test_pins
    assert "jupyterlab" in _pins(ROOT / "requirements" / "dev.txt")


def test_runtime_dependencies_are_ranges_so_colab_keeps_its_torch():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=!~ ]", spec)[0] for spec in project["dependencies"]}
    assert {"torch", "numpy", "pandas", "matplotlib", "torchsummary", "tqdm", "ipywidgets"} <= names
    for spec in project["dependencies"]:
        assert "==" not in spec, f"{spec}: runtime dependencies must be ranges"


def test_every_runtime_dependency_is_in_the_test_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins(ROOT / "requirements" / "test.txt")
    for spec in project["dependencies"]:
        assert re.split(r"[<>=!~ ]", spec)[0].lower() in pins
