"""CI tests the course where its users run it, with workflows that are locked down.

Each test reads `.github/workflows/*.yml` (and README.md, pyproject.toml, requirements/colab.txt
where they must agree); zizmor, in `make test`, audits the same files for what these do not.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
sys.path.insert(0, str(ROOT / "tools"))
import colab  # noqa: E402

# The only actions the workflows may use: the latest release of each one's current major
# version, by commit (a tag can be moved; a commit cannot). Update both columns together.
PINNED = {
    "actions/checkout": ("11d5960a326750d5838078e36cf38b85af677262", "v4.4.0"),
    "actions/cache": ("0057852bfaa89a56745cba8c7296529d2fc39830", "v4.3.0"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/configure-pages": ("983d7736d9b0ae728b81ab479565c72886d7745b", "v5.0.0"),
    "actions/deploy-pages": ("d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e", "v4.0.5"),
    "actions/upload-pages-artifact": ("56afc609e74202658d3ffba0e8f6dda462b719fa", "v3.0.1"),
    "quarto-dev/quarto-actions": ("8a96df13519ee81fd526f2dfca5962811136661b", "v2.2.0"),
}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
PINNED_USES = re.compile(r"([\w.-]+/[\w.-]+)(?:/[\w./-]+)?@([0-9a-f]{40})$")

# The only write permissions any job holds: publishing the site to GitHub Pages.
WRITES_ALLOWED = {("site.yml", "deploy"): {"pages", "id-token"}}

# What Colab preinstalls (googlecolab/backend-info, August 2026) and the course uses.
COLAB = {
    "torch": "2.11.0",
    "numpy": "2.1.3",
    "ipywidgets": "7.7.1",
    "ipykernel": "6.17.1",
    "ipython": "7.34.0",
}
NBVAL = "--nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg"


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """The `on:` section (YAML 1.1 reads a bare `on` key as True)."""
    return workflow.get("on", workflow.get(True)) or {}


def all_jobs() -> list[tuple[str, str, dict]]:
    return [
        (path.name, name, job)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for name, job in load(path.name)["jobs"].items()
    ]


def commands(job: dict) -> list[str]:
    """A job's shell commands, one per line, continuation lines joined, spaces normalised."""
    text = "\n".join(step.get("run", "") for step in job.get("steps", []))
    return [" ".join(line.split()) for line in re.sub(r"\\\n", " ", text).splitlines()]


def step_using(job: dict, action: str) -> list[dict]:
    return [s for s in job.get("steps", []) if s.get("uses", "").startswith(action + "@")]


def python_versions(job: dict) -> set[str]:
    """The Python versions that a job's setup-python steps install, matrix entries resolved."""
    matrix = job.get("strategy", {}).get("matrix", {})
    versions = set()
    for step in step_using(job, "actions/setup-python"):
        wanted = str(step["with"]["python-version"])
        key = re.fullmatch(r"\$\{\{\s*matrix\.(\w+)\s*\}\}", wanted)
        if not key:
            versions.add(wanted)
            continue
        versions |= {str(v) for v in matrix.get(key.group(1), [])}
        versions |= {str(e[key.group(1)]) for e in matrix.get("include", []) if key.group(1) in e}
    return versions


def readme_commands_without_make(target: str) -> list[str]:
    """README.md's commands for `make TARGET` in its "Without `make`" block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Without `make`", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = re.sub(r"\\\n", " ", block).splitlines()
    start = lines.index(f"# make {target}") + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return [" ".join(line.split()) for line in lines[start:end]]


def colab_pins() -> dict[str, str]:
    text = (ROOT / "requirements" / "colab.txt").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return dict(line.split("==") for line in lines if line)


def install_cell_command() -> str:
    """The pip command of the notebooks' Colab install cell, run from a checkout."""
    call = re.search(r"subprocess\.run\(\[sys\.executable, (.*?)\]", colab.INSTALL_CELL)
    assert call, "tools/colab.py's install cell no longer calls pip through subprocess.run"
    words = [word.strip().strip('"') for word in call.group(1).split(",")]
    return " ".join(["python", *words]).replace(" requirement", " .")


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_every_action_is_a_listed_one_pinned_to_its_commit_with_the_version_named(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        uses = USES.match(line)
        if not uses:
            continue
        where = f"{path.name}:{number}: {uses.group(1)}"
        pinned = PINNED_USES.fullmatch(uses.group(1))
        assert pinned, f"{where} is not pinned to a full 40-hex commit"
        action, commit = pinned.groups()
        assert action in PINNED, f"{where}: only the actions in tests/test_workflows.py's PINNED"
        assert (commit, uses.group(2).strip()) == (PINNED[action][0], f"# {PINNED[action][1]}"), (
            f"{where}: use {action}@{PINNED[action][0]} # {PINNED[action][1]}"
        )


def test_checkouts_leave_no_credentials_behind():
    for workflow, name, job in all_jobs():
        for step in step_using(job, "actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"{workflow}:{name}: actions/checkout needs `persist-credentials: false`"
            )


def test_each_job_holds_only_the_permissions_it_needs():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        assert load(path.name).get("permissions") == {}, (
            f"{path.name}: set `permissions: {{}}` at the top and grant each job its own"
        )
    for workflow, name, job in all_jobs():
        assert "permissions" in job, f"{workflow}:{name}: declare the job's permissions"
        granted = job["permissions"] or {}
        writes = {scope for scope, level in granted.items() if level == "write"}
        assert writes <= WRITES_ALLOWED.get((workflow, name), set()), (
            f"{workflow}:{name} may not write {writes}"
        )
        assert set(granted) <= {"contents"} | WRITES_ALLOWED.get((workflow, name), set())


def test_ci_runs_exactly_the_python_versions_the_project_declares():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = set(re.findall(r'"Programming Language :: Python :: (3\.\d+)"', pyproject))
    floor = re.search(r'requires-python = ">=(3\.\d+)"', pyproject).group(1)
    tested = set().union(*(python_versions(job) for _, _, job in all_jobs()))
    assert tested == declared, (
        f"CI runs Python {sorted(tested)}; pyproject.toml declares {sorted(declared)}"
    )
    assert min(tested, key=lambda v: int(v.split(".")[1])) == floor


def test_linux_job_tests_the_locked_and_the_lowest_versions_with_make_test():
    job = load("test.yml")["jobs"]["test"]
    sets = {(e["python"], e["lock"]) for e in job["strategy"]["matrix"]["include"]}
    assert sets == {("3.11", "requirements/test.txt"), ("3.10", "requirements/lowest.txt")}
    assert job["runs-on"] == "ubuntu-latest"
    assert 'make test LOCK="$LOCK" VENV="$VENV"' in commands(job)


def test_make_test_audits_the_workflows_with_zizmor():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "zizmor --offline --min-severity=medium .github/workflows/" in recipe


def test_windows_and_macos_run_the_readme_commands_for_systems_without_make():
    job = load("test.yml")["jobs"]["without-make"]
    assert set(job["strategy"]["matrix"]["os"]) == {"windows-latest", "macos-latest"}
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["defaults"]["run"]["shell"] == "bash"
    ran = commands(job)
    for line in readme_commands_without_make("test"):
        assert line in ran, f"README.md's `{line}` is not what the Windows and macOS job runs"
    assert "python -m pip install -r requirements/test.txt -e ." in ran
    assert not any("install_browser" in line for line in ran), "the browser check is Linux's"


def test_colab_job_installs_as_the_install_cell_does_and_changes_none_of_colabs_versions():
    job = load("test.yml")["jobs"]["colab"]
    assert python_versions(job) == {"3.12", "3.13"}
    ran = commands(job)
    preinstall = ran.index("python -m pip install --quiet -r requirements/colab.txt")
    before = ran.index("python -m pip freeze --all > colab-before.txt")
    install = ran.index(install_cell_command())
    after = ran.index("python -m pip freeze --all > colab-after.txt")
    assert preinstall < before < install < after
    assert any(line.startswith("changed=") and "comm -23" in line for line in ran[after:])
    tools = next(line for line in ran[after:] if "pytest" in line and "install" in line)
    assert "-c requirements/colab.txt" in tools, "the test tools must keep Colab's versions too"
    assert any(NBVAL in line and "notebooks/*.ipynb" in line for line in ran)


def test_colab_constraints_hold_colabs_versions_which_the_declared_ranges_admit():
    pins = colab_pins()
    assert {name: pins.get(name) for name in COLAB} == COLAB
    assert {"pandas", "matplotlib"} <= set(pins), "Colab's pandas and matplotlib are missing"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    for spec in re.findall(r'"([^"]+)"', block):
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        if name in pins:
            assert requirement.specifier.contains(pins[name]), (
                f"pyproject.toml's {requirement} would replace Colab's {name} {pins[name]}"
            )


def test_next_torch_runs_weekly_on_pytorchs_prerelease_wheels_and_blocks_nothing():
    workflow = load("next-torch.yml")
    assert set(triggers(workflow)) == {"schedule", "workflow_dispatch"}
    (job,) = workflow["jobs"].values()
    ran = " ".join(commands(job))
    assert "--pre --upgrade torch --index-url https://download.pytorch.org/whl/nightly/cpu" in ran
    assert "grep -v '^torch==' requirements/test.txt" in ran, "the lock would undo the nightly"
    assert "notebooks/*.ipynb" in ran


def test_gpu_job_runs_on_the_named_runner_or_says_why_it_did_not():
    jobs = load("gpu.yml")["jobs"]
    gpu, notice = jobs["gpu"], jobs["no-gpu-runner"]
    assert gpu["if"] == "vars.GPU_RUNNER != ''" and notice["if"] == "vars.GPU_RUNNER == ''"
    assert "vars.GPU_RUNNER" in gpu["runs-on"]
    assert gpu["env"]["LECTURE_DEVICE"] == "cuda"
    ran = commands(gpu)
    assert ".venv/bin/pytest -p no:cacheprovider -m cuda" in ran
    assert any(NBVAL in line and "notebooks/*.ipynb" in line for line in ran)
    assert "::notice" in " ".join(commands(notice)) and "GPU_RUNNER" in str(notice)


def test_site_is_rendered_from_notebooks_run_on_the_real_data_with_claims_checked():
    build = load("site.yml")["jobs"]["build"]
    assert build["env"]["LECTURE_DATA"] == "real"
    assert str(build["env"]["LECTURE_CHECK_CLAIMS"]) == "1"
    ran = commands(build)
    lecture = next(i for i, line in enumerate(ran) if line.startswith("make lecture"))
    assert lecture < ran.index("make site")
