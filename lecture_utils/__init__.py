"""Helpers for the lecture "Convolutional Neural Networks and Image Classification".

The notebooks import this flat API in one statement. The modules behind it:

- the lesson: `settings` (epochs, learning rates, seed), `models` (the three classifiers),
  `kernels` (hand-made line kernels, convolution as a matrix), `training` (the lesson's
  `train_epoch` and `evaluate`, and `train` around them), `analysis` (layer outputs,
  receptive fields, weight counts, shifted images, torchsummary's table);
- around training: `inputs` (checks of what `train` and `evaluate` are given), `monitor`
  (progress bar, running curve, Stop, divergence), `speed` (thread count, memory layout,
  allocator), `device` (CPU, CUDA or MPS), `runlog` (`make lecture`'s table) and
  `environment` (every `LECTURE_*` variable, read and checked);
- checks and saved work: `claims` (`check_claim`), `exercises` (`check_exercise`),
  `saved_models` (a trained model in the cache, loaded all or nothing; the lecture's runs);
- `data/`: `dataset` (what Sign Language MNIST is), `sources` (which data, and the banner),
  `download` (the pinned real files), `csv_format`, `synthetic` (the offline stand-in),
  `cache` (folders, atomic writes, the lock) and `__main__` (`make data`);
- `figures/`: `style` (what every figure shares), `lesson` (the lesson's plots), `networks`
  (inside the models) and `explorers` (the interactive ones).

State kept between calls, each a documented cache: `data/sources._latest` (the latest load,
which `data_source()` returns), `data/sources._fallback` (why auto mode fell back),
`data/synthetic._glyph_bank` (the rendered letters), `speed._trial_choice` (the thread count
training chose) and `speed.keep_freed_memory` (the allocator setting, applied once).
"""

from .analysis import (
    accuracy_under_shifts,
    dense_equivalent,
    receptive_fields,
    shift_images,
    summary,
)
from .claims import check_claim
from .data import data_source, load_sign_mnist, show_data_source, sign_mnist_csv
from .data.dataset import ALPHABET
from .device import default_device
from .exercises import check_exercise
from .figures import (
    activation_explorer,
    kernel_explorer,
    plot_confusion,
    plot_dense_equivalent,
    plot_feature_maps,
    plot_history,
    plot_kernel_comparison,
    plot_kernels,
    plot_layer_features,
    plot_letter_frequencies,
    plot_model_comparison,
    plot_receptive_fields,
    plot_shift_robustness,
    show_image,
    show_images,
)
from .kernels import KERNEL_NAMES, convolution_matrix, line_kernels
from .models import ConvNet, LogisticRegression, SmallConvNet
from .monitor import TrainingDiverged
from .saved_models import results_table, save_trained, saved_model
from .settings import BASELINE_SETTINGS, CNN_SETTINGS, LONGER_CNN_SETTINGS, SEED
from .training import Evaluation, History, evaluate, train, train_epoch

__version__ = "0.1.0"
