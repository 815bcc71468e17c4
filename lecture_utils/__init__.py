"""Helpers for the lecture "Convolutional Neural Networks and Image Classification".

This is the flat API the notebooks import in one statement. Each name lives in a small
module of its own: the data (`data`), the lecture's settings (`settings`), the three models
(`models`), training and evaluation (`training`), hand-made kernels (`kernels`), figures
(`plotting`, `network_plots`), measurements of trained networks (`analysis`), interactive
explorers (`widgets`), saved models (`checkpoints`, `results`), and the lecture's checked
claims and exercises (`claims`, `exercises`).
"""

from .alphabet import ALPHABET
from .analysis import accuracy_under_shifts, dense_equivalent, receptive_fields, shift_images
from .checkpoints import save_trained
from .claims import check_claim
from .data import load_sign_mnist, sign_mnist_csv
from .device import default_device
from .exercises import check_exercise
from .inspection import show_source, summary
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
    "show_source",
    "sign_mnist_csv",
    "summary",
    "train",
    "train_epoch",
]
__version__ = "0.1.0"
