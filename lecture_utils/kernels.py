"""Hand-made 5x5 kernels that respond to lines, and a function that slides them over images.

Like every deep-learning library, PyTorch "convolves" without flipping the kernel (strictly,
a cross-correlation); the lecture uses the word the same way.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

KERNEL_NAMES = ("Vertical", "Horizontal", "Diagonal down", "Diagonal up")


def line_kernels() -> torch.Tensor:
    """The four 5x5 line detectors, stacked as a (4, 5, 5) tensor in `KERNEL_NAMES` order.

    Each is -1 everywhere except a line of 4s, so a flat patch scores about zero and a bright
    line along the kernel's direction scores high.
    """
    vertical = torch.full((5, 5), -1.0)
    vertical[:, 2] = 4.0
    horizontal = vertical.T.clone()
    diagonal_down = 5.0 * torch.eye(5) - 1.0
    diagonal_up = diagonal_down.flip(1)
    return torch.stack([vertical, horizontal, diagonal_down, diagonal_up])


def apply_kernels(images: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Slide each kernel over each image without padding ("valid"): (N, 1, H, W) -> (N, K, H-k+1, W-k+1).

    `kernels` is (K, k, k); a 28x28 image and a 5x5 kernel give a 24x24 feature map.
    """
    if images.dim() != 4 or images.shape[1] != 1:
        raise ValueError(
            f"images must have shape (N, 1, H, W), one grey channel; got {tuple(images.shape)}"
        )
    if kernels.dim() == 2:
        kernels = kernels.unsqueeze(0)
    if kernels.dim() != 3:
        raise ValueError(f"kernels must have shape (K, k, k); got {tuple(kernels.shape)}")
    weight = kernels.to(device=images.device, dtype=images.dtype).unsqueeze(1)
    with torch.no_grad():
        return F.conv2d(images, weight)


def convolution_matrix(kernel: torch.Tensor, size: int) -> torch.Tensor:
    """The matrix that does the same as a valid convolution of a `size` x `size` image.

    Column j is the convolution of the image whose only non-zero pixel is pixel j; because
    convolution is linear, `matrix @ image.flatten()` equals `apply_kernels(image, kernel)`.
    """
    basis_images = torch.eye(size * size, dtype=kernel.dtype).reshape(-1, 1, size, size)
    return apply_kernels(basis_images, kernel).reshape(size * size, -1).T
