"""Time `lecture_utils.train` on an idle and on a busy CPU, and against the lecture's own loop.

Prints, in one run:
1. the CPU (torch's capability string: AVX2, AVX512, ...), its cores and its load;
2. the thread policy: one epoch (training pass + evaluation of both sets) of
   LogisticRegression on 8,192 images and of the ConvNet on 2,048, with the machine idle and
   with one core kept busy by a plain Python busy loop, under the policy (`LECTURE_THREADS`
   unset) and under `LECTURE_THREADS=1` and `=2`; the policy must be within 1.25x of the better
   fixed count in both conditions;
3. the speed-up over the original lecture's loop (`bench/reference_loop.py`) for one epoch on
   full-size random data (27,455 + 7,172 images), best of three, with targets 5x (logistic)
   and 3x (ConvNet); the reference runs with torch's default thread count. Beside `train` it
   times the lesson's loop alone (`train_epoch` without a callback, then the two evaluations,
   on the thread count `train` used): the most any change around the lesson could reach;
4. the ConvNet's training pass as a share of the float32 matmul rate measured in the same run
   (targets: 80% with AVX-512, 50% with AVX2), counting 2 x 6,143,800 multiply-adds x 3
   (forward + backward) = 36.9 MFLOP per training image.

Every epoch runs in a fresh Python process, so that one run's allocator, caches and threads
cannot help another's. Run it on an otherwise idle machine:

    .venv/bin/python bench/bench_training.py            # everything, about 12 minutes
    .venv/bin/python bench/bench_training.py --quick    # a smoke run on a few images
"""

from __future__ import annotations

import argparse
import contextlib
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

from lecture_utils.settings import CNN_SETTINGS  # noqa: E402

MODELS = ("LogisticRegression", "ConvNet")
POLICY_SIZES = {"LogisticRegression": 8_192, "ConvNet": 2_048}  # training images, as issue 12
POLICIES = ("policy", "1", "2")  # LECTURE_THREADS unset, =1, =2
POLICY_TOLERANCE = 1.25
EPOCH_TARGETS = {"LogisticRegression": 5.0, "ConvNet": 3.0}
MATMUL_TARGETS = {"AVX512": 0.80, "AVX2": 0.50}
CONVNET_TRAIN_FLOP = 2 * 6_143_800 * 3  # per image: forward + backward ~ 3x forward
BUSY_LOOP = "while True: pass"


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


def worker(model_name: str, n_train: int, n_val: int, alone_on: int | None) -> dict:
    """One epoch of `train` with the lecture's CNN settings, in this fresh process; or, with
    `alone_on` threads, the lesson's loop alone: `train_epoch` and the two evaluations."""
    from lecture_utils import models, training
    from lecture_utils.runlog import read_runs
    from lecture_utils.speed import prepare_model

    X_train, y_train = reference_loop.random_data(n_train, 0)
    X_val, y_val = reference_loop.random_data(n_val, 1)
    torch.manual_seed(0)
    model = getattr(models, model_name)()
    if alone_on is not None:
        prepare_model(model)
        optimizer = torch.optim.SGD(
            model.parameters(), lr=CNN_SETTINGS["lr"], momentum=CNN_SETTINGS["momentum"]
        )
        caller = torch.get_num_threads()
        torch.set_num_threads(alone_on)
        start = time.perf_counter()
        training.train_epoch(model, X_train, y_train, optimizer, CNN_SETTINGS["batch_size"])
        trained = time.perf_counter()
        torch.set_num_threads(caller)  # the evaluations choose theirs, as in `train`
        training.evaluate(model, X_train, y_train)
        training.evaluate(model, X_val, y_val)
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
    kind: str, model: str, n_train: int, n_val: int, threads: str = "policy", alone_on: int = 0
) -> dict:
    """One epoch of `kind` ("reference" or "lecture_utils") in a fresh Python process; with
    `alone_on` threads, lecture_utils runs the lesson's loop alone."""
    sizes = [f"--model={model}", f"--n-train={n_train}", f"--n-val={n_val}"]
    if kind == "reference":
        command = [sys.executable, str(HERE / "reference_loop.py"), *sizes]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", *sizes]
        command += [f"--alone-on={alone_on}"] if alone_on else []
    env = {k: v for k, v in os.environ.items() if k not in ("LECTURE_THREADS", "LECTURE_RUN_LOG")}
    if threads != "policy":
        env["LECTURE_THREADS"] = threads
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {model} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def one_core_busy():
    """Keep one core busy with a plain Python loop (a laptop that is also projecting) inside."""
    busy = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        yield
    finally:
        busy.kill()
        busy.wait()


def thread_policy_table(repeats: int, quick: bool) -> bool:
    """Print idle and busy epoch times per policy; return whether the policy kept within 1.25x."""
    print("\nOne epoch (training + evaluation of both sets), seconds, best of", repeats)
    print(f"  {'model':<20}{'condition':<11}", end="")
    print("".join(f"{name if name == 'policy' else 'THREADS=' + name:>12}" for name in POLICIES))
    all_ok = True
    for condition in ("idle", "busy"):
        with one_core_busy() if condition == "busy" else contextlib.nullcontext():
            for model, n in POLICY_SIZES.items():
                n = min(n, 1_024) if quick else n
                best, chosen = {}, set()
                for name in POLICIES:
                    runs = [
                        run_epoch("lecture_utils", model, n, n // 4, name) for _ in range(repeats)
                    ]
                    best[name] = min(run["epoch_s"] for run in runs)
                    if name == "policy":
                        chosen = {run["threads"] for run in runs}
                ratio = best["policy"] / min(best["1"], best["2"])
                ok = ratio <= POLICY_TOLERANCE
                all_ok &= ok
                cells = "".join(f"{best[name]:>12.2f}" for name in POLICIES)
                print(
                    f"  {model:<20}{condition:<11}{cells}   policy chose {sorted(chosen)} thread(s),"
                    f" {ratio:.2f}x the better fixed count: {'PASS' if ok else 'MISS'}",
                    flush=True,
                )
    return all_ok


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
    parser.add_argument("--skip-policy", action="store_true", help="skip the thread-policy table")
    parser.add_argument("--skip-reference", action="store_true", help="skip the reference ratios")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--n-train", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--n-val", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--alone-on", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.model, args.n_train, args.n_val, args.alone_on)))
        return

    capability = torch.backends.cpu.get_cpu_capability()
    print(
        f"CPU capability: {capability}; {os.cpu_count()} cores; torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads by default; load average before the run: "
        f"{load_average()}"
    )
    repeats = 1 if args.quick else 3
    policy_ok = True
    if not args.skip_policy:
        policy_ok = thread_policy_table(repeats, args.quick)
    if not args.skip_reference:
        reference_ratios(1 if args.quick else 3, args.quick, capability)
    print(
        f"\nLoad average after the run: {load_average()} (rerun on an idle machine if above 0.5)."
    )
    if args.quick:
        print("(--quick: too few images for the targets to mean much; run without it.)")
    if not policy_ok:
        print("The thread policy missed its 1.25x target in at least one condition.")


if __name__ == "__main__":
    main()
