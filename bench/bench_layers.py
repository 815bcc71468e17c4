"""Where a ConvNet training batch spends its time: each convolution's forward and backward pass.

For a batch of 32 images in the layout `train` uses (channels-last), on torch's default thread
count, it times each convolution of the lecture's ConvNet alone (forward, then backward: the
weight gradient, and the input gradient for all but the first layer, whose input is the
images), then one whole training batch, and prints each part's GFLOP/s as a share of the float32
matmul rate measured in the same run. It shows which of the lesson's own operations keep the
epoch from going faster. Run on a quiet machine: `python bench/bench_layers.py`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_training import CONVNET_TRAIN_FLOP, matmul_gflops  # noqa: E402

from lecture_utils.models import ConvNet  # noqa: E402
from lecture_utils.settings import CNN_SETTINGS  # noqa: E402
from lecture_utils.speed import use_fast_layout  # noqa: E402

BATCH = CNN_SETTINGS["batch_size"]


def best_ms(work: Callable[[], object], repeats: int = 30) -> float:
    """The fastest of `repeats` runs of `work`, in milliseconds, after a few to warm up."""
    for _ in range(5):
        work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def time_convolution(layer: torch.nn.Conv2d, x: torch.Tensor, report: Callable) -> float:
    """Report `layer`'s forward and backward pass on input `x`; return both together, in ms."""
    first = layer.in_channels == 1  # its input is the images: no input gradient
    x = x.detach().requires_grad_(not first)
    out = layer(x)
    gradient = torch.randn_like(out)
    flop = 2 * out.numel() * layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1]

    def forward_and_backward() -> None:
        layer.zero_grad()  # as in training: the gradients are new tensors, not sums
        x.grad = None
        layer(x).backward(gradient)

    forward = best_ms(lambda: layer(x))
    both = best_ms(forward_and_backward)
    name = f"Conv2d({layer.in_channels}, {layer.out_channels}, {layer.kernel_size[0]})"
    report(f"{name} forward", forward, flop)
    report(f"{name} backward", both - forward, flop * (1 if first else 2))
    return both


def main() -> None:
    torch.manual_seed(0)
    model = ConvNet()
    use_fast_layout(model)
    images = torch.rand(BATCH, 1, 28, 28)
    labels = torch.randint(0, 26, (BATCH,))
    matmul = matmul_gflops()
    print(
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} "
        f"threads, float32 matmul {matmul:.0f} GFLOP/s; one batch of {BATCH} images, channels-last"
    )
    print(f"  {'part':<34}{'ms':>7}{'GFLOP/s':>9}{'of matmul':>11}")

    def report(part: str, ms: float, flop: float) -> None:
        print(f"  {part:<34}{ms:>7.2f}{flop / ms / 1e6:>9.0f}{flop / ms / 1e6 / matmul:>11.0%}")

    x = images.contiguous(memory_format=torch.channels_last)
    convolutions_ms = 0.0
    for layer in model.pipeline:
        if isinstance(layer, torch.nn.Conv2d):
            convolutions_ms += time_convolution(layer, x, report)
        with torch.no_grad():
            x = layer(x)  # the next layer's input
    optimizer = torch.optim.SGD(
        model.parameters(), lr=CNN_SETTINGS["lr"], momentum=CNN_SETTINGS["momentum"]
    )

    def training_batch() -> None:
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    whole = best_ms(training_batch)
    report("whole training batch", whole, BATCH * CONVNET_TRAIN_FLOP)
    print(
        f"  the convolutions take {convolutions_ms:.1f} ms of the batch's {whole:.1f} ms; "
        f"pooling, ReLU, the loss and the update the rest"
    )


if __name__ == "__main__":
    main()
