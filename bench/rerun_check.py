"""Run the lecture twice and print every line of a stored notebook that the second run changed.

    python bench/rerun_check.py [01 03 ...]    # make rerun-check; exit 1 when a line changed

Course repositories are reviewed as diffs, so a second `make lecture` on the same data and
machine must change nothing that the first one wrote (no random widget ids, timings or rates
in stored outputs). This costs two lecture runs, so `make test` does not run it.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOWN = 160  # characters of a changed line to print (figures are long base64 lines)


def snapshot(root: Path) -> dict[str, str]:
    """The text of every stored notebook (full and live), by path relative to `root`."""
    paths = sorted(root.glob("notebooks/*.ipynb")) + sorted(root.glob("notebooks/live/*.ipynb"))
    return {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8") for path in paths}


def changed_lines(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The diff of two snapshots, one line per changed line, files added or removed included."""
    report = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name, "").splitlines(), after.get(name, "").splitlines()
        diff = difflib.unified_diff(
            old, new, f"first run: {name}", f"second run: {name}", n=0, lineterm=""
        )
        report += [line if len(line) <= SHOWN else line[:SHOWN] + " ..." for line in diff]
    return report


def run_lecture(selected: list[str]) -> bool:
    """Run the lecture (`make lecture`'s command); whether every notebook ran."""
    command = [sys.executable, str(ROOT / "tools" / "lecture.py"), "run", *selected]
    return subprocess.run(command, cwd=ROOT).returncode == 0


def main(argv: list[str]) -> int:
    ran = run_lecture(argv)
    first = snapshot(ROOT)
    if not (ran and run_lecture(argv)):
        print("rerun check: a lecture run failed (see above); nothing compared", file=sys.stderr)
        return 1
    report = changed_lines(first, snapshot(ROOT))
    print("\n".join(report) if report else "rerun check: the second run changed nothing")
    changed = sum(line[:1] in "+-" and line[:3] not in ("+++", "---") for line in report)
    if changed:
        print(f"rerun check: {changed} lines changed between two runs", file=sys.stderr)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
