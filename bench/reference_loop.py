"""The lecture's reference training loop, copied faithfully, for benchmarking `lecture_utils`.

This file behaves like the loop in the lecture notes (shared/reference/lecture-notes.txt):

* `make_data_loader` wraps the tensors in a `DataLoader(TensorDataset(X, y), batch_size=32,
  shuffle=True)`; like the reference, it ignores its `batch_size` argument.
* `evaluate` scores every batch under `torch.no_grad()`, sums the per-batch mean loss with
  `.item()`, and fills an int32 26x26 confusion matrix one element at a time in Python.
* `train` runs SGD (zero_grad, forward, cross-entropy, backward, step) over the training
  loader and, after each epoch, evaluates the (shuffled) training loader and the validation
  loader.

Only timers are added around the training pass and the two evaluations. From `lecture_utils`
it takes only the models (the lecture's, as the notes define them), the data set's constants
and the settings (learning rate and momentum of notebooks 04 and 05); importing the package
tunes nothing (training does, when it starts), so the reference gets no help.
Run it as a script to time one epoch:

    python bench/reference_loop.py --model ConvNet

It prints one JSON line: {"model", "epoch_s", "train_s", "evaluate_s", "epoch_cpu_s", ...}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn, optim

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lecture_utils import models  # noqa: E402
from lecture_utils.data.dataset import N_CLASSES, VALID_LABELS  # noqa: E402
from lecture_utils.settings import CNN_SETTINGS  # noqa: E402

FULL_TRAIN, FULL_VAL = 27_455, 7_172
MODELS = {name: getattr(models, name) for name in ("LogisticRegression", "SmallConvNet", "ConvNet")}


def random_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`n` random float32 images (n, 1, 28, 28) in [0, 1], labels drawn from the 24 real letters."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.rand((n, 1, 28, 28), generator=generator)
    present = torch.tensor(VALID_LABELS)
    y = present[torch.randint(len(present), (n,), generator=generator)]
    return X, y


def make_data_loader(X, y, batch_size=32):
    # As in the reference: the batch_size argument is ignored, batches are always 32.
    return torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True
    )


def evaluate(model, data_loader):
    conf_mat = torch.zeros((N_CLASSES, N_CLASSES), dtype=torch.int32)
    loss_fn = nn.CrossEntropyLoss()
    loss = 0
    with torch.no_grad():
        for X_batch, y_batch in data_loader:
            scores = model(X_batch)
            loss += loss_fn(scores, y_batch).item()
            y_pred = torch.argmax(scores, dim=1)
            for i in range(len(y_batch)):
                conf_mat[y_batch[i], y_pred[i]] += 1
    acc = torch.diag(conf_mat).sum() / conf_mat.sum()
    return acc, loss, conf_mat


def train(model, train_loader, val_loader, k_epochs=1, timings=None, **opt_kwargs):
    """The reference's `train`, with its global loaders passed in and optional timers."""
    timings = [] if timings is None else timings
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), **opt_kwargs)
    train_accuracy, val_accuracy, train_loss, val_loss = [], [], [], []
    for _epoch in range(k_epochs):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _i, data in enumerate(train_loader):
            X, y = data
            optimizer.zero_grad()
            y_pred = model(X)
            loss = loss_fn(y_pred, y)
            loss.backward()
            optimizer.step()
        trained = time.perf_counter()
        train_acc, train_l, _train_cm = evaluate(model, data_loader=train_loader)
        val_acc, val_l, _val_cm = evaluate(model, data_loader=val_loader)
        evaluated, evaluated_cpu = time.perf_counter(), time.process_time()
        timings.append((trained - start, evaluated - trained, evaluated_cpu - start_cpu))
        train_accuracy += [train_acc]
        val_accuracy += [val_acc]
        train_loss += [train_l]
        val_loss += [val_l]
    return train_accuracy, train_loss, val_accuracy, val_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="ConvNet")
    parser.add_argument("--n-train", type=int, default=FULL_TRAIN)
    parser.add_argument("--n-val", type=int, default=FULL_VAL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    args = parser.parse_args()

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    X_train, y_train = random_data(args.n_train, args.seed)
    X_val, y_val = random_data(args.n_val, args.seed + 1)
    torch.manual_seed(args.seed)
    model = MODELS[args.model]()
    train_loader = make_data_loader(X_train, y_train)
    val_loader = make_data_loader(X_val, y_val)

    timings: list[tuple[float, float, float]] = []
    train_acc, train_l, val_acc, val_l = train(
        model,
        train_loader,
        val_loader,
        k_epochs=1,
        timings=timings,
        lr=CNN_SETTINGS["lr"],
        momentum=CNN_SETTINGS["momentum"],
    )
    train_s, evaluate_s, epoch_cpu_s = timings[0]
    result = {
        "model": args.model,
        "epoch_s": train_s + evaluate_s,
        "train_s": train_s,
        "evaluate_s": evaluate_s,
        "epoch_cpu_s": epoch_cpu_s,  # CPU time of all threads: robust to a busy machine at 1 thread
        "threads": torch.get_num_threads(),
        "train_accuracy": float(train_acc[0]),
        "val_accuracy": float(val_acc[0]),
        "train_loss": train_l[0],  # the reference's sum of per-batch mean losses
        "val_loss": val_l[0],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
