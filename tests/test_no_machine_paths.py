"""No committed file carries a path of the machine that produced it (home, work or temp folders)."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home|Users|tmp)/[\w.-]+")
# Patterns that describe such paths in order to remove them, not paths themselves.
ALLOWED = {"tests/nbval_sanitize.cfg": {"/tmp/ipykernel_"}}


def _tracked_files() -> list[str]:
    try:
        listing = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [
        name for name in listing.stdout.splitlines() if name != "tests/test_no_machine_paths.py"
    ]


def test_no_tracked_file_contains_a_machine_path():
    offenders = []
    for name in _tracked_files():
        path = ROOT / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for match in MACHINE_PATH.finditer(text):
            if not any(match.group().startswith(ok) for ok in ALLOWED.get(name, ())):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{name}:{line}: {match.group()}")
    assert offenders == [], "machine paths in committed files:\n" + "\n".join(offenders[:20])


def test_the_pattern_catches_the_paths_it_is_meant_to():
    assert MACHINE_PATH.search("warning from /work/main/lecture_utils/data/tables.py:24")
    assert MACHINE_PATH.search('"/root/.cache/lecture-cnn-asl"')
    assert not MACHINE_PATH.search("https://github.com/YOUR-ORG/YOUR-REPO/blob/main/notebooks/x")
    assert not MACHINE_PATH.search("~/.cache/lecture-cnn-asl")
