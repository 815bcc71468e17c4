"""Time `lecture_utils.train` against the lecture's own loop, and glibc's allocator setting.

Prints, in one run:
1. the CPU (torch's capability string: AVX2, AVX512, ...), its cores and its load;
2. the allocator: one epoch of the lesson's loop alone on one thread (training pass, then the
   evaluation of both sets in batches of 1024) for LogisticRegression and SmallConvNet, with
   glibc's defaults and with `speed.keep_freed_memory` (freed memory kept for reuse);
3. the speed-up over the original lecture's loop (`bench/reference_loop.py`) for one epoch on
   full-size random data (27,455 + 7,172 images), best of three, with targets 5x (logistic)
   and 3x (ConvNet); the reference runs with torch's default thread count. Beside `train` it
   times the lesson's loop alone (`train_epoch` without a callback, then the two evaluations,
   on the thread count `train` used): the most any change around the lesson could reach;
4. the ConvNet's training pass as a share of the float32 matmul rate measured in the same run
   (targets: 80% with AVX-512, 50% with AVX2), counting its multiply-adds (`speed.multiply_adds`)
   x 2 FLOP x 3 (forward + backward) per training image.

The default thread counts against fixed ones, idle and with one core busy, are measured by
`bench/bench_lecture.py --cells`. Every epoch runs in a fresh Python process, so that one run's
allocator, caches and threads cannot help another's. Run it on an otherwise idle machine:

    .venv/bin/python bench/bench_training.py            # everything, about 8 minutes
    .venv/bin/python bench/bench_training.py --quick    # a smoke run on a few images
    .venv/bin/python bench/bench_training.py --allocator  # the allocator only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import reference_loop  # noqa: E402  (a sibling script, not an installed package)

from lecture_utils.models import ConvNet  # noqa: E402
from lecture_utils.settings import CNN_SETTINGS  # noqa: E402
from lecture_utils.speed import multiply_adds  # noqa: E402

MODELS = ("LogisticRegression", "ConvNet")
ALLOCATOR_MODELS = ("LogisticRegression", "SmallConvNet")
EPOCH_TARGETS = {"LogisticRegression": 5.0, "ConvNet": 3.0}
MATMUL_TARGETS = {"AVX512": 0.80, "AVX2": 0.50}
# Per training image: 2 FLOP per multiply-add, forward + backward ~ 3x forward.
CONVNET_TRAIN_FLOP = 2 * 3 * multiply_adds(ConvNet(), torch.zeros(1, 1, 28, 28))


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    """Best float32 `torch.matmul` throughput, in GFLOP/s, with torch's default threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "n/a"


def worker(
    model_name: str, n_train: int, n_val: int, alone_on: int | None, plain_allocator: bool
) -> dict:
    """One epoch of `train` with the lecture's CNN settings, in this fresh process; or, with
    `alone_on` threads, the lesson's loop alone: `train_epoch` and the two evaluations, with
    freed memory kept for reuse unless `plain_allocator`."""
    from lecture_utils import models, training
    from lecture_utils.runlog import read_runs
    from lecture_utils.speed import keep_freed_memory, torch_threads, use_fast_layout

    X_train, y_train = reference_loop.random_data(n_train, 0)
    X_val, y_val = reference_loop.random_data(n_val, 1)
    torch.manual_seed(0)
    model = getattr(models, model_name)()
    if alone_on is not None:
        use_fast_layout(model)
        if not plain_allocator:
            keep_freed_memory()
        optimizer = torch.optim.SGD(
            model.parameters(), lr=CNN_SETTINGS["lr"], momentum=CNN_SETTINGS["momentum"]
        )
        with torch_threads(alone_on):  # the evaluations too, as in `train`
            start = time.perf_counter()
            training.train_epoch(model, X_train, y_train, optimizer, CNN_SETTINGS["batch_size"])
            trained = time.perf_counter()
            training.lesson_evaluate(model, X_train, y_train)
            training.lesson_evaluate(model, X_val, y_val)
            done = time.perf_counter()
        return {"epoch_s": done - start, "train_s": trained - start, "threads": alone_on}
    evaluate_s: list[float] = []

    def timed_evaluate(*args, **kwargs):
        start = time.perf_counter()
        result = training.lesson_evaluate(*args, **kwargs)
        evaluate_s.append(time.perf_counter() - start)
        return result

    # The first optimizer of a process imports torch._dynamo (about a second); the reference
    # creates its optimizer before its clock starts, so do that import first here too.
    torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=CNN_SETTINGS["lr"])
    settings = {**CNN_SETTINGS, "epochs": 1}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LECTURE_RUN_LOG"] = str(Path(tmp) / "runs.jsonl")
        start = time.perf_counter()
        history = training.train(
            model,
            (X_train, y_train),
            (X_val, y_val),
            progress=False,
            evaluate=timed_evaluate,
            **settings,
        )
        epoch_s = time.perf_counter() - start
        (run,) = read_runs(os.environ["LECTURE_RUN_LOG"])
    return {
        "epoch_s": epoch_s,
        "train_s": epoch_s - sum(evaluate_s),
        "evaluate_s": sum(evaluate_s),
        "threads": run["threads"],
        "val_accuracy": history.val_accuracy[0],
    }


def run_epoch(
    kind: str, model: str, n_train: int, n_val: int, alone_on: int = 0, plain: bool = False
) -> dict:
    """One epoch of `kind` ("reference" or "lecture_utils") in a fresh Python process; with
    `alone_on` threads, lecture_utils runs the lesson's loop alone (`plain`: glibc's defaults)."""
    sizes = [f"--model={model}", f"--n-train={n_train}", f"--n-val={n_val}"]
    if kind == "reference":
        command = [sys.executable, str(HERE / "reference_loop.py"), *sizes]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", *sizes]
        command += [f"--alone-on={alone_on}"] if alone_on else []
        command += ["--plain-allocator"] if plain else []
    env = {k: v for k, v in os.environ.items() if k not in ("LECTURE_THREADS", "LECTURE_RUN_LOG")}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {model} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def allocator_table(repeats: int, quick: bool) -> None:
    """Print one epoch of the lesson's loop with glibc's defaults and with freed memory kept."""
    n_train, n_val = (2_000, 500) if quick else (reference_loop.FULL_TRAIN, reference_loop.FULL_VAL)
    print(
        f"\nThe lesson's loop alone on one thread, one epoch (training pass + evaluation of both"
        f" sets) on {n_train:,} + {n_val:,} images, seconds, best of {repeats}"
    )
    print(f"  {'model':<20}{'part':<16}{'glibc defaults':>15}{'memory kept':>13}{'speed-up':>10}")
    for model in ALLOCATOR_MODELS:
        runs = {True: [], False: []}
        for _ in range(repeats):  # in turns, so that both see the same load
            for plain in runs:
                runs[plain].append(run_epoch("lecture_utils", model, n_train, n_val, 1, plain))
        for part in ("train_s", "epoch_s"):
            plain, kept = (min(run[part] for run in runs[flag]) for flag in (True, False))
            name = "training pass" if part == "train_s" else "whole epoch"
            print(f"  {model:<20}{name:<16}{plain:>15.3f}{kept:>13.3f}{plain / kept:>9.2f}x")


def reference_ratios(repeats: int, quick: bool, capability: str) -> None:
    """Print the epoch speed-up over the reference loop, and the ConvNet's matmul share."""
    n_train, n_val = (2_000, 500) if quick else (reference_loop.FULL_TRAIN, reference_loop.FULL_VAL)
    print(
        f"\nAgainst the lecture's loop: one epoch on {n_train:,} + {n_val:,} images, best of {repeats}"
    )
    print(
        f"  {'model':<20}{'reference':>10}{'lecture_utils':>15}{'speed-up':>10}  target"
        f"{'loop alone':>20}{'speed-up':>10}"
    )
    matmul = matmul_gflops()
    best: dict[str, dict[str, dict]] = {}
    for model in MODELS:
        runs = {"reference": [], "lecture_utils": [], "alone": []}
        for _ in range(repeats):
            for kind in ("reference", "lecture_utils"):
                runs[kind].append(run_epoch(kind, model, n_train, n_val))
            threads = runs["lecture_utils"][-1]["threads"]
            runs["alone"].append(
                run_epoch("lecture_utils", model, n_train, n_val, alone_on=threads)
            )
        best[model] = {
            kind: min(found, key=lambda run: run["epoch_s"]) for kind, found in runs.items()
        }
        ref, new, alone = (best[model][kind]["epoch_s"] for kind in runs)
        target = EPOCH_TARGETS[model]
        verdict = "PASS" if ref / new >= target else "MISS"
        print(
            f"  {model:<20}{ref:>10.2f}{new:>15.2f}{ref / new:>9.2f}x  >= {target:g}x {verdict}"
            f"{alone:>11.2f}{ref / alone:>9.2f}x  ({best[model]['lecture_utils']['threads']}"
            f" thread(s))",
            flush=True,
        )
    matmul = max(matmul, matmul_gflops())  # measured before and after: keep the better
    print(f"\nFloat32 matmul (2048x2048, {torch.get_num_threads()} threads): {matmul:.0f} GFLOP/s")
    target = MATMUL_TARGETS.get(capability.replace("_", "").upper()[:6], MATMUL_TARGETS["AVX2"])
    for kind in ("reference", "lecture_utils"):
        run = best["ConvNet"][kind]
        gflops = n_train * CONVNET_TRAIN_FLOP / run["train_s"] / 1e9
        share = gflops / matmul
        verdict = f"  target >= {target:.0%} {'PASS' if share >= target else 'MISS'}"
        print(
            f"ConvNet training pass, {kind:<13}: {n_train / run['train_s']:6.0f} images/s = "
            f"{gflops:5.1f} GFLOP/s = {share:4.0%} of matmul"
            f"{verdict if kind == 'lecture_utils' else ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run on a few images, once")
    parser.add_argument("--allocator", action="store_true", help="the allocator table only")
    parser.add_argument("--skip-reference", action="store_true", help="skip the reference ratios")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--n-train", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--n-val", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--alone-on", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--plain-allocator", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(args.model, args.n_train, args.n_val, args.alone_on, args.plain_allocator)
        print(json.dumps(result))
        return

    capability = torch.backends.cpu.get_cpu_capability()
    print(
        f"CPU capability: {capability}; {os.cpu_count()} cores; torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads by default; load average before the run: "
        f"{load_average()}"
    )
    repeats = 1 if args.quick else 3
    allocator_table(repeats, args.quick)
    if not (args.skip_reference or args.allocator):
        reference_ratios(1 if args.quick else 3, args.quick, capability)
    print(
        f"\nLoad average after the run: {load_average()} (rerun on an idle machine if above 0.5)."
    )
    if args.quick:
        print("(--quick: too few images for the targets to mean much; run without it.)")


if __name__ == "__main__":
    main()
