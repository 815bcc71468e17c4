"""Helpers for the lecture "Convolutional Neural Networks and Image Classification".

This is the flat API the notebooks import in one statement. The modules behind it:

- the lesson: `settings` (epochs, learning rates, seed), `alphabet` (the 26 letters),
  `models` (the three classifiers), `training` (the lesson's `train_epoch` and `evaluate`,
  and `train` around them), `kernels` (hand-made line kernels, convolution as a matrix),
  `analysis` (receptive fields, weight counts, shifted images);
- around training: `inputs` (checks of what `train` and `evaluate` are given), `monitor`
  (progress bar, running curve, Stop), `threads` (CPU thread count), `speed` (memory layout
  and allocator), `device` (CPU, CUDA or MPS), `runlog` (`make lecture`'s table);
- the lecture's checks: `claims` (`check_claim`), `exercises` (`check_exercise`);
- saved models: `checkpoints` (save and load one model, all or nothing), `results` (the
  lecture's saved runs, trained when missing);
- data: `data/` (real data, the stand-in, own folders, the cache), `report` (the banner);
- figures: `plotting`, `network_plots`, `widgets` (explorers), `quick_png` (their fast
  redraw), `inspection` (torchsummary's table).
"""

from .alphabet import ALPHABET
from .analysis import accuracy_under_shifts, dense_equivalent, receptive_fields, shift_images
from .checkpoints import save_trained
from .claims import check_claim
from .data import load_sign_mnist, sign_mnist_csv
from .device import default_device
from .exercises import check_exercise
from .inspection import summary
from .kernels import KERNEL_NAMES, convolution_matrix, line_kernels
from .models import ConvNet, LogisticRegression, SmallConvNet
from .network_plots import (
    plot_dense_equivalent,
    plot_kernel_comparison,
    plot_layer_features,
    plot_receptive_fields,
    plot_shift_robustness,
)
from .plotting import (
    plot_confusion,
    plot_feature_maps,
    plot_history,
    plot_kernels,
    plot_letter_frequencies,
    plot_model_comparison,
    show_image,
    show_images,
)
from .report import data_name, on_real_data, show_data_source
from .results import results_table, saved_model
from .settings import BASELINE_SETTINGS, CNN_SETTINGS, LONGER_CNN_SETTINGS, SEED
from .training import Evaluation, History, TrainingDiverged, evaluate, train, train_epoch
from .widgets import activation_explorer, kernel_explorer

__all__ = [
    "ALPHABET",
    "BASELINE_SETTINGS",
    "CNN_SETTINGS",
    "KERNEL_NAMES",
    "LONGER_CNN_SETTINGS",
    "SEED",
    "ConvNet",
    "Evaluation",
    "History",
    "LogisticRegression",
    "SmallConvNet",
    "TrainingDiverged",
    "accuracy_under_shifts",
    "activation_explorer",
    "check_claim",
    "check_exercise",
    "convolution_matrix",
    "data_name",
    "default_device",
    "dense_equivalent",
    "evaluate",
    "kernel_explorer",
    "line_kernels",
    "load_sign_mnist",
    "on_real_data",
    "plot_confusion",
    "plot_dense_equivalent",
    "plot_feature_maps",
    "plot_history",
    "plot_kernel_comparison",
    "plot_kernels",
    "plot_layer_features",
    "plot_letter_frequencies",
    "plot_model_comparison",
    "plot_receptive_fields",
    "plot_shift_robustness",
    "receptive_fields",
    "results_table",
    "save_trained",
    "saved_model",
    "shift_images",
    "show_data_source",
    "show_image",
    "show_images",
    "sign_mnist_csv",
    "summary",
    "train",
    "train_epoch",
]
__version__ = "0.1.0"
