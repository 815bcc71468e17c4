"""An offline stand-in for Sign Language MNIST: rendered letters warped over a hand-like blob.

The images are not photographs of hands. They only share the real data's shapes, label set and
class balance, and they have enough spatial structure that the lecture's story still holds:
logistic regression is well above chance but far from perfect, a small conv net does better,
and the pooled ConvNet does best. Increase ``SYNTHETIC_VERSION`` whenever the output changes,
so that a cached copy of an older generator is never served.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..alphabet import ALPHABET
from .cache import DataError
from .csv_format import VALID_LABELS

SYNTHETIC_VERSION = 1
SPLIT_SIZES = {"train": 27_455, "test": 7_172}
_SPLIT_KEYS = {"train": 0, "test": 1}  # mixed into the seed, so the two splits differ

_FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif-Bold.ttf")
_STROKES = (0, 2)  # extra outline width in canvas pixels: thin and thick letters
_CANVAS = 56  # glyphs are drawn at twice the output size and sampled down
_FONT_SIZE = 44
_SIZE = 28
_BATCH = 4096

# Difficulty controls (calibrated so the lecture's three models land where its story needs).
_SCALE = (0.90, 1.05)
_ROTATION_DEG = 7.0
_SHEAR = 0.10
# Translation matters most. Validation accuracy (logistic / SmallConvNet / ConvNet, lecture
# settings, seed 0) by shift: 1.7 px 75/87/87 %, 2.5 px 56/77/86 %, 2.75 px 51/72/86 %,
# 3 px 46/65/85 %. The real data gives logistic regression about 54 %.
_SHIFT_PX = 2.75
_LOWER_CASE_P = 0.15
_BLOB_P = 0.85
_BACKGROUND = (0.10, 0.40)  # mean brightness behind the hand
_GRADIENT = 0.12  # largest change of the background across half the image


def synthetic_sign_mnist(split: str, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Generate the stand-in for one split: uint8 images (N, 28, 28) and int64 labels (N,)."""
    if split not in SPLIT_SIZES:
        raise DataError(f"split must be 'train' or 'test', not {split!r}")
    return generate(SPLIT_SIZES[split], split_seed(seed, split))


def split_seed(seed: int, split: str) -> int:
    """Derive the generator seed of one split, so train and test never share images."""
    state = np.random.SeedSequence([int(seed), _SPLIT_KEYS[split], SYNTHETIC_VERSION])
    return int(state.generate_state(1, dtype=np.uint64)[0]) >> 1


def generate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n`` stand-in images and labels from one seed (tests use small ``n``)."""
    gen = torch.Generator().manual_seed(seed)
    labels = _balanced_labels(n, gen)
    bank = _glyph_bank()
    images = np.empty((n, _SIZE, _SIZE), dtype=np.uint8)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # measured: one thread beats two for these many small batched ops
    try:
        with torch.no_grad():
            for start in range(0, n, _BATCH):
                batch = labels[start : start + _BATCH]
                images[start : start + len(batch)] = _render(batch, bank, gen).numpy()
    finally:
        torch.set_num_threads(threads)
    return images, labels.numpy().astype(np.int64)


def _balanced_labels(n: int, gen: torch.Generator) -> torch.Tensor:
    """Shuffled labels with every letter near 1/24 of the split (within +-12%)."""
    classes = torch.tensor(VALID_LABELS)
    weights = 1.0 + 0.24 * (torch.rand(len(classes), generator=gen) - 0.5)
    counts = torch.floor(weights / weights.sum() * n).long()
    counts[: n - int(counts.sum())] += 1  # hand out the rounding remainder
    labels = torch.repeat_interleave(classes, counts)
    return labels[torch.randperm(n, generator=gen)]


@lru_cache(maxsize=1)
def _glyph_bank() -> torch.Tensor:
    """Render every letter in each font, case and stroke once: (24, variants, canvas, canvas)."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    fonts = [ImageFont.truetype(str(font_dir / name), _FONT_SIZE) for name in _FONTS]
    glyphs = []
    for label in VALID_LABELS:
        variants = []
        for text in (ALPHABET[label], ALPHABET[label].lower()):
            for font in fonts:
                for stroke in _STROKES:
                    img = Image.new("L", (_CANVAS, _CANVAS), 0)
                    draw = ImageDraw.Draw(img)
                    centre = (_CANVAS / 2, _CANVAS / 2)
                    draw.text(
                        centre,
                        text,
                        fill=255,
                        font=font,
                        anchor="mm",
                        stroke_width=stroke,
                        stroke_fill=255,
                    )
                    variants.append(np.asarray(img, dtype=np.float32) / 255.0)
        glyphs.append(np.stack(variants))
    return torch.from_numpy(np.stack(glyphs))


def _uniform(shape: tuple[int, ...], low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=gen)


def _render(labels: torch.Tensor, bank: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Warp one glyph per label and light it over a blob and a background: uint8 (B, 28, 28)."""
    b = len(labels)
    n_variants = bank.shape[1]
    per_case = n_variants // 2
    lower = (torch.rand(b, generator=gen) < _LOWER_CASE_P).long()
    variant = lower * per_case + torch.randint(per_case, (b,), generator=gen)
    glyph = bank[_bank_row(labels), variant].unsqueeze(1)

    # Random affine warp, output -> input coordinates for affine_grid.
    scale = _uniform((b,), *_SCALE, gen)
    angle = _uniform((b,), -_ROTATION_DEG, _ROTATION_DEG, gen) * (math.pi / 180)
    shear = _uniform((b,), -_SHEAR, _SHEAR, gen)
    shift = _uniform((b, 2), -_SHIFT_PX, _SHIFT_PX, gen) / (_SIZE / 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos, -sin + shear * cos, shift[:, 0]], dim=1),
            torch.stack([sin, cos + shear * sin, shift[:, 1]], dim=1),
        ],
        dim=1,
    )
    grid = F.affine_grid(theta, [b, 1, _SIZE, _SIZE], align_corners=False)
    letter = F.grid_sample(glyph, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    letter = letter[:, 0]

    # Coordinates of output pixels in [-1, 1] for the smooth parts.
    axis = torch.linspace(-1, 1, _SIZE)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")

    def col(t: torch.Tensor) -> torch.Tensor:
        return t.view(b, 1, 1)

    background = (
        col(_uniform((b,), *_BACKGROUND, gen))
        + col(_uniform((b,), -_GRADIENT, _GRADIENT, gen)) * xx
        + col(_uniform((b,), -_GRADIENT, _GRADIENT, gen)) * yy
    )
    blob = _hand_blob(b, xx, yy, gen) * col(_uniform((b,), 0.15, 0.35, gen))
    blob = blob * col((torch.rand(b, generator=gen) < _BLOB_P).float())
    low_freq = F.interpolate(
        0.05 * torch.randn((b, 1, 4, 4), generator=gen),
        size=(_SIZE, _SIZE),
        mode="bilinear",
        align_corners=False,
    )[:, 0]
    brightness = col(_uniform((b,), 0.35, 0.60, gen))
    image = background + blob + brightness * letter + low_freq
    image = image + 0.03 * torch.randn(image.shape, generator=gen)
    return (image.clamp(0, 1) * 255).round().to(torch.uint8)


def _bank_row(labels: torch.Tensor) -> torch.Tensor:
    """Map labels 0..24 (no 9) to rows 0..23 of the glyph bank."""
    return labels - (labels > 9).long()


def _hand_blob(b: int, xx: torch.Tensor, yy: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A soft palm ellipse with a forearm band running to the bottom edge, values in [0, 1]."""

    def col(t: torch.Tensor) -> torch.Tensor:
        return t.view(b, 1, 1)

    cx = col(_uniform((b,), -0.25, 0.25, gen))
    cy = col(_uniform((b,), -0.20, 0.20, gen))
    rx = col(_uniform((b,), 0.50, 0.80, gen))
    ry = col(_uniform((b,), 0.55, 0.85, gen))
    softness = col(_uniform((b,), 0.10, 0.25, gen))
    palm = torch.sigmoid((1 - ((xx - cx) / rx) ** 2 - ((yy - cy) / ry) ** 2) / softness)
    arm_half_width = col(_uniform((b,), 0.25, 0.45, gen))
    arm = torch.sigmoid((arm_half_width - (xx - cx).abs()) / softness) * torch.sigmoid(
        (yy - cy) / softness
    )
    return torch.maximum(palm, arm)
