"""Does the lecture fit the hour on a laptop CPU? Times every training cell and the whole lecture.

    python bench/bench_lecture.py            # training cells, then all six notebooks
    python bench/bench_lecture.py --cells    # training cells only

Part 1 runs each training call of the notebooks with the lecture's settings on the data that
`LECTURE_DATA` selects (the synthetic stand-in unless set) and compares it with the 60 s that
a live cell may take. Part 2 executes copies of the six notebooks (the stored ones are left
alone), in order, as `make lecture` would (06 loads the checkpoint that 05 saves), and compares the total with
the 3-minute budget and each kernel's peak memory with 2 GiB.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELL_BUDGET_S = 60
LECTURE_BUDGET_S = 180
MEMORY_BUDGET_MIB = 2048

# (notebook, model, settings) for every training cell, with the notebooks' own settings.
TRAINING_CELLS = [
    ("02", "LogisticRegression", dict(epochs=30, lr=0.001)),
    ("04", "SmallConvNet", dict(epochs=1, lr=0.01, momentum=0.9)),
    ("04 (hidden baseline)", "LogisticRegression", dict(epochs=30, lr=0.001)),
    ("05", "ConvNet", dict(epochs=1, lr=0.01, momentum=0.9)),
    ("05 (hidden baseline)", "LogisticRegression", dict(epochs=30, lr=0.001)),
]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def time_training_cells() -> None:
    import torch

    from lecture_utils import models
    from lecture_utils.data import load_sign_mnist
    from lecture_utils.report import format_table
    from lecture_utils.training import train

    train_data, val_data = load_sign_mnist("train"), load_sign_mnist("test")
    rows = []
    for notebook, model_name, settings in TRAINING_CELLS:
        torch.manual_seed(0)
        model = getattr(models, model_name)()
        start = time.perf_counter()
        history = train(model, train_data, val_data, seed=0, progress=False, **settings)
        seconds = time.perf_counter() - start
        rows.append(
            (
                notebook,
                model_name,
                f"{seconds:.1f}",
                f"{history.val_accuracy[-1]:.1%}",
                _verdict(seconds <= CELL_BUDGET_S),
            )
        )
    print(format_table(rows, ("notebook", "model", "seconds", "val acc", f"<= {CELL_BUDGET_S} s")))


def time_lecture() -> None:
    spec = importlib.util.spec_from_file_location("notebook_tools", ROOT / "tools" / "lecture.py")
    tools = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tools)
    from lecture_utils.report import format_table

    with tempfile.TemporaryDirectory() as tmp:
        rows, total = [], 0.0
        for _, ipynb in tools.pairs():
            copy = Path(tmp) / ipynb.name
            shutil.copy(ipynb, copy)
            _, seconds, peak = tools.execute(copy)
            total += seconds
            memory_ok = peak is None or peak <= MEMORY_BUDGET_MIB
            peak_text = f"{peak:.0f}" if peak is not None else "n/a"
            rows.append((ipynb.stem, f"{seconds:.1f}", peak_text, _verdict(memory_ok)))
    rows.append(("total", f"{total:.1f}", "", _verdict(total <= LECTURE_BUDGET_S)))
    header = (
        "notebook",
        "seconds",
        "peak MiB",
        f"<= {MEMORY_BUDGET_MIB} MiB / {LECTURE_BUDGET_S} s",
    )
    print(format_table(rows, header))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cells", action="store_true", help="time the training cells only")
    args = parser.parse_args()
    os.environ.setdefault("LECTURE_DATA", "synthetic")
    sys.path.insert(0, str(ROOT))
    print(
        f"data: LECTURE_DATA={os.environ['LECTURE_DATA']}\n\nTraining cells at the lecture's settings:"
    )
    time_training_cells()
    if not args.cells:
        print("\nThe whole lecture, six notebooks in fresh kernels:")
        time_lecture()


if __name__ == "__main__":
    main()
