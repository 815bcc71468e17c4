"""A log of training runs for `make lecture`'s summary table, kept out of the notebooks.

`make lecture` points `LECTURE_RUN_LOG` at a file before it starts each notebook's kernel;
`train` then appends one JSON line per run (model, threads, seconds, validation accuracy).
Students never see it: without the variable nothing is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV_VAR = "LECTURE_RUN_LOG"


def log_run(**fields: object) -> None:
    """Append one run's fields to the file named by `LECTURE_RUN_LOG`, if it is set."""
    path = os.environ.get(ENV_VAR)
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
