"""Time one epoch of the lecture's reference loop against `lecture_utils`, model by model.

For each model (LogisticRegression, SmallConvNet, ConvNet) this trains one epoch on
full-size random data (27,455 training + 7,172 validation images of shape (1, 28, 28),
labels drawn from the 24 letters the data set has, seeded) and then evaluates both data
sets, twice:

* with the reference's loop (`bench/reference_loop.py`: a DataLoader with batch 32, the
  per-element confusion-matrix loop, evaluation of the shuffled training loader and of the
  validation loader after the epoch);
* with `lecture_utils.training.train(..., epochs=1, lr=0.01, momentum=0.9, batch_size=32,
  seed=0)`, whose epoch ends with `lecture_utils.training.evaluate` on both data sets.

Each run gets its own fresh Python process (`sys.executable`) with the same torch thread
count. Importing `lecture_utils` tunes the whole process (glibc's `mallopt`, see
`lecture_utils/speed.py`); running the reference in the same process would hand it that
speed-up too, and whichever ran second would also find the allocator and caches warm.

It times the whole epoch, the two evaluations alone, and the training pass alone (the epoch
less the evaluations), repeats every run `--repeats` times (alternating reference and
`lecture_utils`) and keeps the fastest, since other processes may share the CPU. It also
measures float32 matmul throughput (2048x2048 `torch.matmul`) in the same run and gives the
ConvNet's training throughput as a fraction of it, counting a training image as
2 x 6,143,800 multiply-adds x 3 (forward + backward) = 36.9 MFLOP.

    .venv/bin/python bench/bench_training.py             # full run, a few minutes
    .venv/bin/python bench/bench_training.py --quick     # smoke run on a few images
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import reference_loop  # noqa: E402  (a sibling script, not an installed package)

MODEL_NAMES = ("LogisticRegression", "SmallConvNet", "ConvNet")
CONVNET_MULTIPLY_ADDS = 6_143_800  # per image, forward pass
CONVNET_TRAIN_FLOP = 2 * CONVNET_MULTIPLY_ADDS * 3  # forward + backward ~ 3x forward
QUICK_TRAIN, QUICK_VAL = 2_000, 500

# Targets from issue 2 ("Performance"): minimum speed-ups over the reference, and the share
# of matmul throughput the ConvNet's training pass should reach.
EPOCH_TARGETS = {"ConvNet": 2.0, "LogisticRegression": 4.0}
EVALUATE_TARGETS = {"ConvNet": 3.0}
MATMUL_FRACTION_TARGET = 0.60


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    """Best float32 `torch.matmul` throughput, in GFLOP/s, over `repeats` multiplications."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator)
    b = torch.randn(size, size, generator=generator)
    torch.matmul(a, b)  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def busy_cpus(seconds: float = 1.0) -> float | None:
    """How many CPUs other processes keep busy, sampled over `seconds` (Linux only)."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    try:
        idle_before, total_before = sample()
        time.sleep(seconds)
        idle_after, total_after = sample()
    except (OSError, ValueError, IndexError):
        return None
    busy = 1 - (idle_after - idle_before) / max(total_after - total_before, 1)
    return busy * (os.cpu_count() or 1)


def lecture_utils_worker(model_name: str, n_train: int, n_val: int, seed: int) -> dict:
    """One epoch with `lecture_utils`, in this (fresh) process; `evaluate` is timed inside it."""
    from lecture_utils import models, training

    X_train, y_train = reference_loop.random_data(n_train, seed)
    X_val, y_val = reference_loop.random_data(n_val, seed + 1)
    torch.manual_seed(seed)
    model = getattr(models, model_name)()

    evaluate_s = []
    original_evaluate = training.evaluate

    def timed_evaluate(*args, **kwargs):
        start = time.perf_counter()
        result = original_evaluate(*args, **kwargs)
        evaluate_s.append(time.perf_counter() - start)
        return result

    training.evaluate = timed_evaluate  # `train` looks `evaluate` up in its module
    # The first optimizer a process creates imports torch._dynamo (about a second). The
    # reference creates its optimizer before its epoch clock starts; do that import here too.
    torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        history = training.train(
            model,
            (X_train, y_train),
            (X_val, y_val),
            epochs=1,
            lr=0.01,
            momentum=0.9,
            batch_size=32,
            seed=0,
            progress=False,
        )
        epoch_s, epoch_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        training.evaluate = original_evaluate
    if len(evaluate_s) != 2:
        raise RuntimeError(f"expected train() to evaluate twice, it did {len(evaluate_s)} times")
    return {
        "model": model_name,
        "epoch_s": epoch_s,
        "train_s": epoch_s - sum(evaluate_s),
        "evaluate_s": sum(evaluate_s),
        "epoch_cpu_s": epoch_cpu_s,
        "threads": torch.get_num_threads(),
        "train_accuracy": history.train_accuracy[0],
        "val_accuracy": history.val_accuracy[0],
    }


def run_in_subprocess(kind: str, model_name: str, args: argparse.Namespace) -> dict:
    """Run one epoch of `kind` ("reference" or "lecture_utils") in a fresh Python process."""
    common = [
        f"--model={model_name}",
        f"--n-train={args.n_train}",
        f"--n-val={args.n_val}",
        f"--seed={args.seed}",
        f"--threads={args.threads}",
    ]
    if kind == "reference":
        command = [sys.executable, str(HERE / "reference_loop.py"), *common]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", *common]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{kind} {model_name} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _best(runs: list[dict], key: str) -> float:
    return min(run[key] for run in runs)


def _verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f">= {target:g}x  {'PASS' if value >= target else 'MISS'}"


def print_report(results: dict, matmul: float, args: argparse.Namespace) -> None:
    n_runs = f"best of {args.repeats} runs" if args.repeats > 1 else "only run"
    print()
    print(
        f"{args.n_train:,} training + {args.n_val:,} validation images, batch 32, "
        f"{args.threads} torch thread(s); seconds, each figure the {n_runs}"
    )
    sections = [
        ("Whole epoch (training pass + evaluation of both sets)", "epoch_s", EPOCH_TARGETS),
        ("Evaluate alone (training set + validation set)", "evaluate_s", EVALUATE_TARGETS),
        ("Training pass alone (the epoch less the evaluations)", "train_s", {}),
        (
            "Whole epoch, CPU time of all threads (steadier on a busy machine with --threads 1)",
            "epoch_cpu_s",
            {},
        ),
    ]
    for title, key, targets in sections:
        print()
        print(title)
        print(f"  {'model':<20}{'reference':>11}{'lecture_utils':>15}{'speed-up':>10}  target")
        for name, runs in results.items():
            ref, new = _best(runs["reference"], key), _best(runs["lecture_utils"], key)
            ratio = ref / new
            print(
                f"  {name:<20}{ref:>11.2f}{new:>15.2f}{ratio:>9.2f}x  "
                f"{_verdict(ratio, targets.get(name))}"
            )

    print()
    print(f"Matmul throughput (float32 2048x2048, best of several): {matmul:.0f} GFLOP/s")
    if "ConvNet" in results:
        runs = results["ConvNet"]
        for kind in ("reference", "lecture_utils"):
            train_s = _best(runs[kind], "train_s")
            gflops = args.n_train * CONVNET_TRAIN_FLOP / train_s / 1e9
            fraction = gflops / matmul
            verdict = ""
            if kind == "lecture_utils":
                passed = fraction >= MATMUL_FRACTION_TARGET
                verdict = (
                    f"  target >= {MATMUL_FRACTION_TARGET:.0%}  {'PASS' if passed else 'MISS'}"
                )
            print(
                f"ConvNet training pass, {kind:<13}: {args.n_train / train_s:7.0f} images/s "
                f"x {CONVNET_TRAIN_FLOP / 1e6:.1f} MFLOP = {gflops:6.1f} GFLOP/s "
                f"= {fraction:4.0%} of matmul{verdict}"
            )
    if args.quick:
        print("\n(--quick: too few images for the targets to mean much; run without it.)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--quick", action="store_true", help="smoke run on a few images, once")
    parser.add_argument("--repeats", type=int, default=None, help="runs per loop (default 3)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-train", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n-val", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--model", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.n_train is None:
        args.n_train = QUICK_TRAIN if args.quick else reference_loop.FULL_TRAIN
    if args.n_val is None:
        args.n_val = QUICK_VAL if args.quick else reference_loop.FULL_VAL
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    torch.set_num_threads(args.threads)

    if args.worker:
        print(json.dumps(lecture_utils_worker(args.model, args.n_train, args.n_val, args.seed)))
        return

    busy = busy_cpus()
    matmul = matmul_gflops()
    results = {}
    for name in args.models:
        runs = {"reference": [], "lecture_utils": []}
        for repeat in range(args.repeats):
            for kind in ("reference", "lecture_utils"):
                run = run_in_subprocess(kind, name, args)
                runs[kind].append(run)
                print(
                    f"{name:<20}{kind:<15}run {repeat + 1}: epoch {run['epoch_s']:6.2f} s "
                    f"(training {run['train_s']:6.2f} s, evaluate {run['evaluate_s']:6.2f} s)",
                    flush=True,
                )
        results[name] = runs
    matmul = max(matmul, matmul_gflops())  # measured before and after: keep the best
    print_report(results, matmul, args)
    if busy is not None:
        print(f"\nBefore the run, other processes kept {busy:.1f} of {os.cpu_count()} CPUs busy.")
        if busy > 0.3:
            print(
                "torch's threads wait for each other, so a busy machine slows them badly: "
                "rerun on an idle machine before trusting the ratios."
            )


if __name__ == "__main__":
    main()
