"""Figures a notebook shows as a cell's value: `lesson`, `networks` and the `explorers`."""

from .explorers import ActivationExplorer as activation_explorer  # leave it last in a cell
from .explorers import KernelExplorer as kernel_explorer
from .lesson import (
    plot_confusion,
    plot_feature_maps,
    plot_history,
    plot_kernels,
    plot_letter_frequencies,
    plot_model_comparison,
    show_image,
    show_images,
)
from .networks import (
    plot_dense_equivalent,
    plot_kernel_comparison,
    plot_layer_features,
    plot_receptive_fields,
    plot_shift_robustness,
)
