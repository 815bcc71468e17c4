"""A log of training runs for `make lecture`'s table: one JSON line per `train`, appended to the
file `LECTURE_RUN_LOG` names (`make lecture` sets it; unset, nothing is written)."""

import json
from pathlib import Path

from .environment import run_log


def log_run(**fields: object) -> None:
    """Append one run's fields to the file named by `LECTURE_RUN_LOG`, if it is set."""
    path = run_log()
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(fields, default=str, sort_keys=True) + "\n")


def read_runs(path: str | Path) -> list[dict]:
    """Every run logged in `path`, in order (an empty list when the file does not exist)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]
